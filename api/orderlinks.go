package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/safeurl"
	"github.com/serentak/serentak/throttle"
)

// Tracked order links (docs/api.md#order-links-that-count): GET /o/{code}
// answers 302 to the order link and counts the click on its delivery.
//
// The answer never waits for the database or Redis: the code's target
// comes from a bounded in-memory cache (read from the database once per
// code and process, then again every linkCacheTTL in the background), and
// the click goes to a queue. CountClicks, one goroutine per process,
// takes the queue: it leaves out repeats (the same client, browser and
// code within LinkRepeatWindow, remembered in Redis so that every API
// process agrees) and adds the rest to counts in memory, written to the
// database every LinkFlushEvery (clicks = clicks + n) and when it stops.
// A slow or stopped database delays the counts, never the redirect.
//
// Nothing about the visitor is kept: the repeat key is an HMAC of the
// client's address, User-Agent and code under a salt that changes every
// day (derived from LinkSecret), held in Redis (hashed again) for the
// window only.

// linkPath is the route of a tracked link.
const linkPath = "/o/:code"

// Defaults of the Config's tracked link settings.
const (
	DefaultLinkFlushEvery   = 2 * time.Second
	DefaultLinkRepeatWindow = 30 * time.Minute
)

const (
	// linkCacheSize bounds the codes a process keeps (about 200 bytes
	// each: 10 MB at most).
	linkCacheSize = 50_000
	// linkCacheTTL is how long a code's target is used before it is read
	// again (in the background: the stale one answers meanwhile). An
	// unknown code is remembered as long, so guessing codes costs one
	// read each, not one per request.
	linkCacheTTL = 10 * time.Minute
	// linkQueueSize bounds the clicks waiting for CountClicks; past it a
	// click is answered and not counted (ClickDropped).
	linkQueueSize = 8192
	// linkLookupTimeout bounds the one database read of a code not
	// cached yet.
	linkLookupTimeout = 3 * time.Second
)

// Click outcomes, the label of serentak_link_redirects_total: a click
// counted, or why it was not.
const (
	ClickCounted  = "counted"
	ClickRobot    = "robot"    // a link-preview fetcher or crawler (linkRobots)
	ClickPrefetch = "prefetch" // a browser fetching ahead (Sec-Purpose/Purpose: prefetch)
	ClickHead     = "head"     // HEAD: a checker, never a person
	ClickRepeat   = "repeat"   // the same client within the repeat window
	ClickDropped  = "dropped"  // the click queue was full
	ClickUnknown  = "unknown"  // no such code: 404
)

// ClickOutcomes lists every outcome, for series present at zero.
var ClickOutcomes = []string{ClickCounted, ClickRobot, ClickPrefetch, ClickHead, ClickRepeat, ClickDropped, ClickUnknown}

// linkRobots are User-Agent substrings (compared in lower case) of the
// programs that fetch a link to show its preview, or crawl it, rather
// than a person opening it. Each names where it is documented or seen.
// Only tokens no person's browser sends: in-app browsers (Instagram's
// "Instagram", Facebook's "FBAN/FBAV", TikTok's "BytedanceWebview") are
// people and are counted.
var linkRobots = []string{
	// WhatsApp's preview fetcher, "WhatsApp/2.23.20.0 A" (not documented
	// by WhatsApp; seen in servers' logs, and sent by Signal's previews
	// too: github.com/flyerhq/flutter_link_previewer/pull/43). WhatsApp's
	// own in-app links open the phone's browser, whose User-Agent does not
	// start with it.
	"whatsapp/",
	// Meta's crawler for shared links: "facebookexternalhit/1.1
	// (+http://www.facebook.com/externalhit_uatext.php)" and "Facebot"
	// (developers.facebook.com/docs/sharing/webmasters/web-crawlers),
	// and its fetchers named there, meta-externalagent and
	// meta-externalfetcher.
	"facebookexternalhit", "facebot", "meta-externalagent", "meta-externalfetcher",
	// Telegram's preview fetcher: "TelegramBot (like TwitterBot)"
	// (core.telegram.org/bots/faq, link previews; seen in servers' logs).
	"telegrambot",
	// Slack's unfurler: "Slackbot-LinkExpanding 1.0
	// (+https://api.slack.com/robots)" (api.slack.com/robots).
	"slackbot",
	// X's cards crawler: "Twitterbot/1.0"
	// (developer.x.com/en/docs/x-for-websites/cards/guides/troubleshooting-cards).
	"twitterbot",
	// Google's crawlers and fetchers: Googlebot, Google-InspectionTool,
	// GoogleOther, FeedFetcher-Google, Google-Read-Aloud
	// (developers.google.com/search/docs/crawling-indexing/overview-google-crawlers).
	"googlebot", "google-inspectiontool", "googleother", "feedfetcher-google", "google-read-aloud",
	// Others that preview shared links: LinkedIn ("LinkedInBot",
	// linkedin.com/help/linkedin/answer/a521928), Discord ("Discordbot",
	// discord.com/developers/docs/resources/message#embed), Skype
	// ("SkypeUriPreview"), Pinterest ("Pinterestbot",
	// help.pinterest.com/en/business/article/pinterest-crawler), Apple
	// ("Applebot", support.apple.com/en-us/119829), Bing ("bingbot",
	// "BingPreview", bing.com/webmasters/help/which-crawlers-does-bing-use-8c184ec0),
	// LINE's and Kakao's previewers, iframely and embedly.
	"linkedinbot", "discordbot", "skypeuripreview", "pinterestbot", "applebot", "bingbot", "bingpreview",
	"yandexbot", "duckduckbot", "redditbot", "iframely", "embedly", "kakaotalk-scrap", "line-poker",
}

// isLinkRobot reports whether ua is a preview fetcher's or crawler's.
// An empty User-Agent is a script's, never a phone's browser.
func isLinkRobot(ua string) bool {
	if strings.TrimSpace(ua) == "" {
		return true
	}
	ua = strings.ToLower(ua)
	for _, r := range linkRobots {
		if strings.Contains(ua, r) {
			return true
		}
	}
	return false
}

// linkRedirects is one API process's share of the tracked links: the
// cache of targets, the clicks waiting, and the counts not yet written.
type linkRedirects struct {
	s       *Server
	secret  []byte
	shared  RateCounter // nil: this process only
	local   *throttle.Memory
	window  time.Duration
	every   time.Duration
	observe func(outcome string)
	warn    *warnEvery
	queue   chan pendingClick

	mu         sync.Mutex
	cache      map[string]cachedLink
	refreshing map[string]bool
	counts     map[string]int64
	lastClick  time.Time
}

type cachedLink struct {
	target string // "": no such code
	until  time.Time
}

type pendingClick struct {
	code, key string
	at        time.Time
}

func newLinkRedirects(s *Server) *linkRedirects {
	cfg := s.cfg
	secret := cfg.LinkSecret
	if len(secret) == 0 {
		// Each process its own: repeats are then told apart per process
		// only. internal/app gives every process the install's.
		secret = []byte(rand.Text())
	}
	l := &linkRedirects{
		s: s, secret: secret, shared: cfg.LinkClicks, local: throttle.NewMemory(s.now),
		window: cfg.LinkRepeatWindow, every: cfg.LinkFlushEvery, observe: cfg.ObserveClickFunc,
		warn: &warnEvery{every: time.Minute}, queue: make(chan pendingClick, linkQueueSize),
		cache: map[string]cachedLink{}, refreshing: map[string]bool{}, counts: map[string]int64{},
	}
	if l.window <= 0 {
		l.window = DefaultLinkRepeatWindow
	}
	if l.every <= 0 {
		l.every = DefaultLinkFlushEvery
	}
	if l.observe == nil {
		l.observe = func(string) {}
	}
	return l
}

// followLink answers GET and HEAD /o/{code}: 302 to the code's order
// link, or a page saying the link is not known (404) or cannot be opened
// now (503: the code is not cached and the database does not answer).
func (s *Server) followLink(c echo.Context) error {
	code := strings.ToLower(c.Param("code"))
	target, err := s.links.target(c.Request().Context(), code)
	switch {
	case errors.Is(err, errNoSuchLink):
		s.links.observe(ClickUnknown)
		return s.linkPage(c, http.StatusNotFound, "not_found")
	case err != nil:
		s.log.Warn("a tracked link could not be read", "request_id", requestID(c), "error", err.Error())
		return s.linkPage(c, http.StatusServiceUnavailable, "unavailable")
	}
	s.links.click(c, code)
	h := c.Response().Header()
	// Not cached by a browser or proxy: a cached redirect is a click
	// nobody counts.
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "no-referrer")
	return c.Redirect(http.StatusFound, target)
}

var errNoSuchLink = errors.New("no such tracked link")

// target returns code's order link, from the cache when it is there (a
// stale entry answers, and is read again in the background).
func (l *linkRedirects) target(ctx context.Context, code string) (string, error) {
	if !serentak.ValidLinkCode(code) {
		return "", errNoSuchLink
	}
	now := time.Now()
	l.mu.Lock()
	e, ok := l.cache[code]
	if ok && now.After(e.until) && !l.refreshing[code] {
		l.refreshing[code] = true
		go l.refresh(code)
	}
	l.mu.Unlock()
	if !ok {
		ctx, cancel := context.WithTimeout(ctx, linkLookupTimeout)
		defer cancel()
		var err error
		if e, err = l.read(ctx, code); err != nil {
			return "", err
		}
	}
	if e.target == "" {
		return "", errNoSuchLink
	}
	return e.target, nil
}

// refresh reads a stale entry again; a failure keeps the stale one.
func (l *linkRedirects) refresh(code string) {
	ctx, cancel := context.WithTimeout(context.Background(), linkLookupTimeout)
	defer cancel()
	_, _ = l.read(ctx, code)
	l.mu.Lock()
	delete(l.refreshing, code)
	l.mu.Unlock()
}

// read looks code up in the database and caches what it finds, or that
// there is nothing.
func (l *linkRedirects) read(ctx context.Context, code string) (cachedLink, error) {
	link, err := l.s.cfg.Store.FindTrackedLink(ctx, code)
	var e cachedLink
	switch {
	case err == nil:
		e.target = link.Target
	case isNotFound(err):
	default:
		return e, err
	}
	e.until = time.Now().Add(linkCacheTTL)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.cache[code]; !ok && len(l.cache) >= linkCacheSize {
		for k := range l.cache { // any one: map order is random
			delete(l.cache, k)
			break
		}
	}
	l.cache[code] = e
	return e, nil
}

func isNotFound(err error) bool {
	var e *serentak.Error
	return errors.As(err, &e) && e.Code == serentak.ECodeNotFound
}

// click queues a click for CountClicks, unless it is not a person's.
func (l *linkRedirects) click(c echo.Context, code string) {
	r := c.Request()
	ua := r.Header.Get("User-Agent")
	switch {
	case r.Method == http.MethodHead:
		l.observe(ClickHead)
		return
	case isLinkRobot(ua):
		l.observe(ClickRobot)
		return
	case strings.Contains(strings.ToLower(r.Header.Get("Sec-Purpose")+r.Header.Get("Purpose")+r.Header.Get("X-Purpose")), "prefetch"),
		strings.EqualFold(r.Header.Get("X-Moz"), "prefetch"):
		l.observe(ClickPrefetch)
		return
	}
	now := l.s.now()
	select {
	case l.queue <- pendingClick{code: code, key: l.repeatKey(now, clientAddr(c), ua, code), at: now}:
	default:
		l.observe(ClickDropped)
	}
}

// repeatKey names one client's clicks on one code for the repeat window:
// an HMAC under the day's salt, so that the key of today cannot be linked
// to yesterday's without the secret, and says nothing of the address.
func (l *linkRedirects) repeatKey(now time.Time, addr, ua, code string) string {
	day := hmac.New(sha256.New, l.secret)
	day.Write([]byte("tracked-link-salt:" + now.UTC().Format(time.DateOnly)))
	m := hmac.New(sha256.New, day.Sum(nil))
	m.Write([]byte(addr + "\x00" + ua + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// CountClicks counts the clicks the redirect queues, leaving out
// repeats, and writes the counts to the database every LinkFlushEvery,
// until ctx ends; then it counts what is queued and writes once more
// (with its own deadline). Run it in every process that serves the API,
// after the HTTP server has stopped taking requests for the last count
// to hold every click.
func (s *Server) CountClicks(ctx context.Context) error {
	l := s.links
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case p := <-l.queue:
			l.count(ctx, p)
		case <-t.C:
			l.flush(ctx)
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for {
				select {
				case p := <-l.queue:
					l.count(last, p)
					continue
				default:
				}
				break
			}
			l.flush(last)
			return nil
		}
	}
}

// count adds one click unless it repeats one within the window. The
// shared memory (Redis) failing or slow, this process's decides.
func (l *linkRedirects) count(ctx context.Context, p pendingClick) {
	rate := throttle.Rate{Every: l.window, Burst: 1}
	var d throttle.Decision
	err := errors.New("no shared memory")
	if l.shared != nil {
		sctx, cancel := context.WithTimeout(ctx, sharedCountTimeout)
		d, err = l.shared.Take(sctx, "link:"+p.key, rate)
		cancel()
		if err != nil {
			l.warn.do(func() {
				l.s.log.Warn("tracked link clicks: the shared memory of repeats failed; this process decides alone", "error", err.Error())
			})
		}
	}
	if err != nil {
		d, _ = l.local.Take(ctx, p.key, rate)
	}
	if !d.Allowed {
		l.observe(ClickRepeat)
		return
	}
	l.observe(ClickCounted)
	l.mu.Lock()
	l.counts[p.code]++
	if p.at.After(l.lastClick) {
		l.lastClick = p.at
	}
	l.mu.Unlock()
}

// flush writes the counts; when the database fails they are kept and
// added to the next flush.
func (l *linkRedirects) flush(ctx context.Context) {
	l.mu.Lock()
	counts, at := l.counts, l.lastClick
	if len(counts) == 0 {
		l.mu.Unlock()
		return
	}
	l.counts = map[string]int64{}
	l.mu.Unlock()
	if err := l.s.cfg.Store.AddLinkClicks(ctx, counts, at); err != nil {
		l.s.log.Warn("tracked link clicks were not written; kept for the next try", "codes", len(counts), "error", err.Error())
		l.mu.Lock()
		for code, n := range counts {
			l.counts[code] += n
		}
		l.mu.Unlock()
	}
}

// linkPages are the link page's words, Bahasa Indonesia first.
var linkPages = catalogue{
	"id": {
		"not_found_title":   "Tautan tidak ditemukan",
		"not_found":         "Tautan pesanan ini tidak ada, atau sudah dihapus. Periksa kembali tautannya, atau hubungi penjual lewat akun media sosialnya.",
		"unavailable_title": "Tautan belum bisa dibuka",
		"unavailable":       "Maaf, tautan pesanan ini tidak bisa dibuka sekarang. Coba lagi sebentar lagi.",
	},
	"en": {
		"not_found_title":   "Link not found",
		"not_found":         "This order link does not exist, or was removed. Check the link, or contact the seller through their social media account.",
		"unavailable_title": "The link cannot be opened yet",
		"unavailable":       "Sorry, this order link cannot be opened right now. Please try again in a moment.",
	},
}

var linkPage = parsePages("pages/link.html", linkPages)

// linkPage answers a browser that followed a link that leads nowhere: a
// page, not the API's JSON, in the visitor's language.
func (s *Server) linkPage(c echo.Context, status int, what string) error {
	lang := pageLanguage(c)
	if _, ok := linkPage[lang]; !ok {
		lang = serentak.DefaultLanguage
	}
	d := struct{ Lang, Title, Message string }{lang, what + "_title", what}
	return writePage(c, status, linkPage[lang], d, pagePolicy{
		CSP:      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
		Referrer: "no-referrer",
	})
}

// linkRefLetters name each platform in a tracked link's reference.
var linkRefLetters = map[serentak.Platform]string{
	serentak.Facebook: "FB", serentak.Instagram: "IG", serentak.YouTube: "YT", serentak.TikTok: "TT",
}

// newTrackedLink makes a delivery's tracked link (its target is set once
// composed): a fresh code, and the reference a chat shows, the platform's
// letters and the code's first three characters ("IG-7K2": the alphabet
// has no I, L, O or U, so it reads unambiguously in capitals).
func newTrackedLink(p serentak.Platform) *serentak.TrackedLink {
	code := serentak.NewLinkCode()
	return &serentak.TrackedLink{Code: code, Ref: linkRefLetters[p] + "-" + strings.ToUpper(code[:3])}
}

// trackedURL is the address a code is published under.
func (s *Server) trackedURL(code string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/o/" + code
}

// retrack gives a copy of a delivery (a repeat of a post) its own tracked
// link: the text and link carry the new code and reference in place of
// the first's, which have the same length, so the text still fits.
func retrack(d *serentak.Delivery) {
	old := d.TrackedLink
	if old == nil {
		return
	}
	nl := newTrackedLink(d.Platform)
	r := strings.NewReplacer("/o/"+old.Code, "/o/"+nl.Code, old.Ref, nl.Ref)
	d.Content.Text, d.Content.Link = r.Replace(d.Content.Text), r.Replace(d.Content.Link)
	nl.Target = strings.ReplaceAll(old.Target, url.QueryEscape(old.Ref), url.QueryEscape(nl.Ref))
	d.TrackedLink = nl
}

// publicURLWarnings says why SERENTAK_PUBLIC_URL would not work in links
// people open from their phones: an address only this network reaches,
// a name that does not resolve, or plain http. Said when a workspace
// switches tracked links on; they are switched on all the same.
func (s *Server) publicURLWarnings(ctx context.Context) []string {
	raw := s.cfg.PublicURL
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return []string{"SERENTAK_PUBLIC_URL is not set to an http(s) address, so tracked links cannot be opened; ask the operator to set it to this server's public address"}
	}
	var out []string
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	unreachable := "SERENTAK_PUBLIC_URL (" + u.Scheme + "://" + u.Host + ") is not reachable from the internet, so buyers' phones cannot open tracked links; ask the operator to set it to this server's public address"
	switch {
	case host == "localhost" || !strings.Contains(host, ".") && !strings.Contains(host, ":"):
		out = append(out, unreachable)
	case hasAnySuffix(host, ".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet", ".corp", ".test", ".invalid", ".example"):
		out = append(out, unreachable)
	default:
		if ip, ok, _ := safeurl.HostIP(host); ok {
			if safeurl.Blocked(ip) {
				out = append(out, unreachable)
			}
			break
		}
		// A name: where it points (a name that does not resolve is not
		// said: DNS may fail for a moment).
		checker := &safeurl.Checker{Resolver: s.cfg.Resolver, Timeout: 2 * time.Second}
		if errors.Is(checker.Check(ctx, raw), safeurl.ErrPrivate) {
			out = append(out, unreachable)
		}
	}
	if u.Scheme == "http" {
		out = append(out, "SERENTAK_PUBLIC_URL uses plain http: tracked links are opened without encryption, and some apps and browsers warn before opening them; an https address is better")
	}
	return out
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
