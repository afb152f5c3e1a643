package facebook

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// Retry hints when Facebook gives none.
const (
	defaultRateLimitWait = 60 * time.Second
	// softBlockWait is for code 368 ("temporarily blocked", e.g. subcode
	// 1390008 "posting too fast"): retrying soon only prolongs the block.
	softBlockWait = time.Hour
)

// graphError is the Graph API's error object.
type graphError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	UserTitle   string `json:"error_user_title"`
	UserMsg     string `json:"error_user_msg"`
	IsTransient bool   `json:"is_transient"`
	FBTraceID   string `json:"fbtrace_id"`
}

// classify turns a Graph error answer into a PublishError. It decides on
// the error's code and subcode; the HTTP status only matters when the body
// is not a Graph error (a proxy's HTML page, say).
func classify(status int, body []byte, header http.Header) *serentak.PublishError {
	var env struct {
		Error *graphError `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil || (env.Error.Code == 0 && env.Error.Message == "") {
		return classifyStatus(status)
	}
	g := env.Error
	code := strconv.Itoa(g.Code)
	if g.Subcode != 0 {
		code += "/" + strconv.Itoa(g.Subcode)
	}
	pe := func(kind serentak.PublishErrorKind, explain string) *serentak.PublishError {
		return &serentak.PublishError{Kind: kind, Code: code, Message: explain + facebookSaid(g)}
	}

	switch {
	case g.Code == 190 || g.Code == 102 || (g.Subcode >= 458 && g.Subcode <= 467) || g.Subcode == 492:
		return pe(serentak.AuthExpired, fmt.Sprintf("Facebook says the Page token is invalid or expired (code %s); reconnect the Page.", code))
	case g.Subcode == 1346003 || g.Subcode == 1404102:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook refused the post as against its Community Standards (code %s); change the content.", code))
	case g.Code == 368:
		e := pe(serentak.RateLimited, fmt.Sprintf("Facebook has temporarily blocked posting from this Page, usually for posting too fast (code %s); it will be retried in an hour.", code))
		e.RetryAfter = softBlockWait
		return e
	case g.Code == 4 || g.Code == 17 || g.Code == 32 || g.Code == 613 || g.Code == 80001 || g.Code == 341:
		wait := regainAccess(header)
		if wait == 0 {
			wait = defaultRateLimitWait
		}
		e := pe(serentak.RateLimited, fmt.Sprintf("Facebook's rate limit was reached (code %s); it will be retried in %s.", code, wait))
		e.RetryAfter = wait
		return e
	case g.Code == 1 || g.Code == 2 || g.IsTransient || g.Subcode == 1363047 || g.Subcode == 1609010:
		return pe(serentak.Transient, fmt.Sprintf("Facebook had a temporary problem (code %s); it will be retried.", code))
	case g.Code == 10 || (g.Code >= 200 && g.Code <= 299):
		return pe(serentak.Rejected, fmt.Sprintf("Facebook says the app is missing a permission for this Page (code %s); reconnect the Page with the required permissions (pages_manage_posts, pages_read_engagement, and publish_video for videos).", code))
	case g.Subcode == 1404078:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook requires Page Publishing Authorization for this Page (code %s); complete it in the Page's settings on Facebook, then retry.", code))
	case g.Code == 506:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook refused a duplicate of a recent post (code %s); change the text.", code))
	case g.Code == 1609005:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook could not read the post's link (code %s); check that the link opens publicly.", code))
	case g.Code == 100 && (g.Subcode == 1366046 || g.Subcode == 2069019):
		return pe(serentak.Rejected, fmt.Sprintf("Facebook could not use a photo (code %s); photos must be public JPG or PNG files under 4 MB.", code))
	case g.Code == 100:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook refused the request as invalid (code %s); the content must change before it can be published.", code))
	case status >= 500:
		return pe(serentak.Transient, fmt.Sprintf("Facebook failed with HTTP %d (code %s); it will be retried.", status, code))
	}
	return pe(serentak.Rejected, fmt.Sprintf("Facebook refused the post (code %s).", code))
}

// facebookSaid quotes the platform's own words, which name the exact
// problem better than we can.
func facebookSaid(g *graphError) string {
	var b strings.Builder
	if g.Message != "" {
		fmt.Fprintf(&b, " Facebook said: %q", g.Message)
	}
	if g.UserMsg != "" && g.UserMsg != g.Message {
		fmt.Fprintf(&b, " (%s)", g.UserMsg)
	}
	if g.FBTraceID != "" {
		fmt.Fprintf(&b, " [fbtrace_id %s]", g.FBTraceID)
	}
	return b.String()
}

// classifyStatus handles answers that carry no Graph error.
func classifyStatus(status int) *serentak.PublishError {
	code := "http_" + strconv.Itoa(status)
	switch {
	case status == http.StatusTooManyRequests:
		return &serentak.PublishError{Kind: serentak.RateLimited, RetryAfter: defaultRateLimitWait, Code: code,
			Message: "Facebook answered HTTP 429 Too Many Requests; it will be retried in a minute."}
	case status >= 500:
		return &serentak.PublishError{Kind: serentak.Transient, Code: code,
			Message: fmt.Sprintf("Facebook answered HTTP %d without a Graph error; it will be retried.", status)}
	}
	return &serentak.PublishError{Kind: serentak.Rejected, Code: code,
		Message: fmt.Sprintf("Facebook answered HTTP %d without a Graph error; check SERENTAK_FACEBOOK_API_URL and the API version.", status)}
}

// regainAccess reads estimated_time_to_regain_access (minutes) from the
// usage headers and returns the longest wait any of them asks for.
func regainAccess(h http.Header) time.Duration {
	minutes := 0
	// X-Business-Use-Case-Usage: {"<id>":[{"type":"pages",…,"estimated_time_to_regain_access":N}]}
	var buc map[string][]struct {
		Regain int `json:"estimated_time_to_regain_access"`
	}
	if json.Unmarshal([]byte(h.Get("X-Business-Use-Case-Usage")), &buc) == nil {
		for _, items := range buc {
			for _, it := range items {
				minutes = max(minutes, it.Regain)
			}
		}
	}
	// X-App-Usage and X-Page-Usage: {"call_count":…,"estimated_time_to_regain_access":N}
	for _, name := range []string{"X-App-Usage", "X-Page-Usage"} {
		var u struct {
			Regain int `json:"estimated_time_to_regain_access"`
		}
		if json.Unmarshal([]byte(h.Get(name)), &u) == nil {
			minutes = max(minutes, u.Regain)
		}
	}
	return time.Duration(minutes) * time.Minute
}
