package clicks

import (
	"net/http"
	"strings"
)

// Outcomes of a request for a counted link, the label of
// serentak_link_redirects_total: a click counted, or why it was not.
const (
	OutcomeCounted  = "counted"
	OutcomeRobot    = "robot"    // a link-preview fetcher or crawler (Robot)
	OutcomePrefetch = "prefetch" // a browser fetching ahead (Sec-Purpose/Purpose: prefetch)
	OutcomeHead     = "head"     // HEAD: a checker, never a person
	OutcomeRepeat   = "repeat"   // the same client within the repeat window (Repeats)
	OutcomeDropped  = "dropped"  // too many clicks waiting (Counter.Click)
	OutcomeUnknown  = "unknown"  // no such link: 404 (the caller's)
)

// Outcomes lists every outcome, for series present at zero.
var Outcomes = []string{OutcomeCounted, OutcomeRobot, OutcomePrefetch, OutcomeHead, OutcomeRepeat, OutcomeDropped, OutcomeUnknown}

// NotCounted says why a request for a counted link is not a person's
// click (OutcomeHead, OutcomeRobot, OutcomePrefetch), or "" when it may
// be one (a repeat is told later, by the Counter's Repeats). Both the
// tracked links and the link-in-bio buttons ask it, so a request left out
// of one is left out of the other.
func NotCounted(r *http.Request) string {
	switch {
	case r.Method == http.MethodHead:
		return OutcomeHead
	case Robot(r.UserAgent()):
		return OutcomeRobot
	case prefetch(r.Header):
		return OutcomePrefetch
	}
	return ""
}

// prefetch reports a browser fetching a link ahead of a tap that may
// never come: Sec-Purpose (Chrome, Safari, the Fetch standard's name),
// Purpose (Chrome before 2023), X-Purpose (Safari before), X-Moz
// (Firefox).
func prefetch(h http.Header) bool {
	return strings.Contains(strings.ToLower(h.Get("Sec-Purpose")+h.Get("Purpose")+h.Get("X-Purpose")), "prefetch") ||
		strings.EqualFold(h.Get("X-Moz"), "prefetch")
}

// robotTokens are User-Agent substrings (compared in lower case) of the
// programs that fetch a link to show its preview, or crawl it, rather than
// a person opening it: their fetches are not clicks. Each names where it
// is documented or seen; the platforms publish only their own, so two
// third-party lists fill in:
// https://gist.github.com/robozevel/4a620fb7e8f3be7b84fb4aa93ea048ca
// (robozevel below) and
// https://gist.github.com/graysuit/853116f0bda96e5ac18afd107f340376
// (graysuit below).
//
// Only tokens no person's browser sends: in-app browsers (Instagram's
// "Instagram", Facebook's "FBAN/FBAV", TikTok's "BytedanceWebview") are
// people and are counted.
var robotTokens = []string{
	// WhatsApp's preview fetcher, "WhatsApp/2.23.20.0 A" (not documented
	// by WhatsApp; robozevel, seen in servers' logs, and sent by Signal's
	// previews too: github.com/flyerhq/flutter_link_previewer/pull/43).
	// WhatsApp's own in-app links open the phone's browser, whose
	// User-Agent does not start with it.
	"whatsapp/",
	// Meta's crawler for shared links, its previews in Facebook,
	// Instagram, Messenger and WhatsApp: "facebookexternalhit/1.1
	// (+http://www.facebook.com/externalhit_uatext.php)", "Facebot",
	// "facebookcatalog", and its fetchers meta-externalagent and
	// meta-externalfetcher
	// (developers.facebook.com/docs/sharing/webmasters/web-crawlers).
	"facebookexternalhit", "facebot", "facebookcatalog", "meta-externalagent", "meta-externalfetcher",
	// Telegram's preview fetcher: "TelegramBot (like TwitterBot)"
	// (core.telegram.org/bots/faq, link previews; robozevel).
	"telegrambot",
	// Slack's unfurler: "Slackbot-LinkExpanding 1.0
	// (+https://api.slack.com/robots)" (api.slack.com/robots), and its
	// image proxy, "Slack-ImgProxy" (robozevel).
	"slackbot", "slack-imgproxy",
	// X's cards crawler: "Twitterbot/1.0"
	// (developer.x.com/en/docs/x-for-websites/cards/guides/troubleshooting-cards).
	"twitterbot",
	// Google's crawlers and fetchers: Googlebot, Google-InspectionTool,
	// GoogleOther, FeedFetcher-Google, Google-Read-Aloud
	// (developers.google.com/search/docs/crawling-indexing/overview-google-crawlers;
	// graysuit).
	"googlebot", "google-inspectiontool", "googleother", "feedfetcher-google", "google-read-aloud",
	// LinkedIn ("LinkedInBot", linkedin.com/help/linkedin/answer/a521928),
	// Discord ("Discordbot", discord.com/developers/docs/resources/message#embed),
	// Skype ("SkypeUriPreview"; robozevel).
	"linkedinbot", "discordbot", "skypeuripreview",
	// Pinterest ("Pinterestbot", help.pinterest.com/en/business/article/pinterest-crawler;
	// its older "Pinterest/0.2", robozevel).
	"pinterestbot", "pinterest/0.",
	// Apple ("Applebot", support.apple.com/en-us/119829), Bing ("bingbot",
	// "BingPreview", bing.com/webmasters/help/which-crawlers-does-bing-use-8c184ec0).
	"applebot", "bingbot", "bingpreview",
	// Other search engines' crawlers and link previewers, as they name
	// themselves in servers' logs (robozevel, graysuit): Yandex,
	// DuckDuckGo, Reddit, iframely and embedly (embeds), LINE and Kakao.
	"yandexbot", "duckduckbot", "redditbot", "iframely", "embedly", "line-poker", "kakaotalk-scrap",
	// Crawlers that name themselves so, and scripts' HTTP libraries (a
	// person's browser never sends these; graysuit).
	"bot/", "crawler", "spider", "curl/", "wget/", "python-requests", "go-http-client",
}

// Robot reports whether userAgent is a robot's (robotTokens), or missing:
// a script's, never a phone's browser.
func Robot(userAgent string) bool {
	ua := strings.ToLower(strings.TrimSpace(userAgent))
	if ua == "" {
		return true
	}
	for _, t := range robotTokens {
		if strings.Contains(ua, t) {
			return true
		}
	}
	return false
}
