package youtube

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// Retry hints when YouTube gives none.
const (
	defaultRateLimitWait = time.Minute
	// thumbnailRateWait is for uploadRateLimitExceeded, YouTube's "too
	// many uploads in a short time".
	thumbnailRateWait = 15 * time.Minute
	// resetMargin and resetJitter put quota-day retries a little after
	// midnight Pacific, spread so a backlog does not hit YouTube at once.
	resetMargin = 5 * time.Minute
	resetJitter = 10 * time.Minute
)

// googleError is Google's JSON error object.
type googleError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Errors  []struct {
		Message string `json:"message"`
		Domain  string `json:"domain"`
		Reason  string `json:"reason"`
	} `json:"errors"`
}

func (g *googleError) reason() string {
	if len(g.Errors) > 0 {
		return g.Errors[0].Reason
	}
	return ""
}

// Reasons by what they mean (docs/platforms/youtube.md#errors).
var (
	// quotaReasons wait for the next quota day.
	quotaReasons = map[string]bool{"quotaExceeded": true, "dailyLimitExceeded": true}
	// rateReasons are short-term limits: retry after a pause.
	rateReasons = map[string]bool{"rateLimitExceeded": true, "userRateLimitExceeded": true}
	// permissionReasons are refusals of the channel or app: permanent.
	permissionReasons = map[string]bool{
		"forbidden": true, "forbiddenPrivacySetting": true, "forbiddenLicenseSetting": true,
		"authenticatedUserAccountClosed": true, "authenticatedUserAccountSuspended": true,
		"forbiddenEmbedSetting": true,
	}
	// metadataReasons are refusals of the video's details: permanent.
	metadataReasons = map[string]bool{
		"invalidTitle": true, "invalidDescription": true, "invalidTags": true, "invalidCategoryId": true,
		"invalidPublishAt": true, "invalidFilename": true, "invalidVideoMetadata": true,
		"defaultLanguageNotSet": true, "mediaBodyRequired": true, "invalidRecordingDetails": true,
		"invalidVideoGameRating": true, "invalidLicense": true,
	}
	// transientReasons are Google's own failures.
	transientReasons = map[string]bool{"backendError": true, "internalError": true}
)

// Classify reads a YouTube Data API error answer as Publish does, for
// calls made outside a publish (connect's account check reads its answers
// with it). A wait for the next quota day is reckoned from now, without
// the jitter Publish spreads its retries with.
func Classify(status int, body []byte, header http.Header, now time.Time) *serentak.PublishError {
	days, err := LoadQuotaDays()
	if err != nil {
		// No time zone database: standard time is at most an hour off.
		days = QuotaDays{loc: time.FixedZone("PST", -8*60*60)}
	}
	p := &Publisher{now: func() time.Time { return now }, rand: func() float64 { return 0 }, days: days}
	return p.classify(status, body, header)
}

// classify turns a YouTube error answer into a PublishError. It decides on
// errors[0].reason; the HTTP status only matters when the reason is not
// one we know or the body is not Google's JSON (a proxy's page, say).
func (p *Publisher) classify(status int, body []byte, header http.Header) *serentak.PublishError {
	var env struct {
		Error *googleError `json:"error"`
	}
	g := &googleError{}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		g = env.Error
	}
	reason := g.reason()
	code := reason
	if code == "" {
		code = "http_" + strconv.Itoa(status)
	}
	said := youtubeSaid(g)
	pe := func(kind serentak.PublishErrorKind, wait time.Duration, format string, args ...any) *serentak.PublishError {
		return &serentak.PublishError{Kind: kind, Code: code, RetryAfter: wait, Message: fmt.Sprintf(format, args...) + said}
	}
	hint := retryAfter(header, p.now())

	switch {
	case quotaReasons[reason]:
		wait := p.untilQuotaReset()
		return pe(serentak.RateLimited, wait, "YouTube's daily API quota for this Google Cloud project is used up (%s); the upload waits for the next quota day, which starts at midnight Pacific time (retrying in %s).", reason, roundWait(wait))
	case reason == "uploadLimitExceeded":
		wait := p.untilQuotaReset()
		return pe(serentak.RateLimited, wait, "the channel has reached YouTube's daily upload limit (uploadLimitExceeded); the upload waits for the next day, from midnight Pacific time (retrying in %s).", roundWait(wait))
	case rateReasons[reason] || (reason == "" && status == http.StatusTooManyRequests):
		wait := max(hint, defaultRateLimitWait)
		return pe(serentak.RateLimited, wait, "YouTube's rate limit was reached (%s); retrying in %s.", code, roundWait(wait))
	case reason == "uploadRateLimitExceeded":
		wait := max(hint, thumbnailRateWait)
		return pe(serentak.RateLimited, wait, "YouTube says the channel is uploading too fast (uploadRateLimitExceeded); retrying in %s.", roundWait(wait))
	case reason == "youtubeSignupRequired":
		return pe(serentak.Rejected, 0, "the connected Google account has no YouTube channel (youtubeSignupRequired); create the channel on YouTube, then reconnect it.")
	case status == http.StatusUnauthorized:
		return pe(serentak.AuthExpired, 0, "YouTube refused the access token (%s); it is refreshed, and if that fails the channel must be reconnected.", code)
	case reason == "insufficientPermissions":
		return pe(serentak.Rejected, 0, "the channel was connected without permission to upload videos (insufficientPermissions); reconnect it and allow Serentak to manage its videos.")
	case permissionReasons[reason]:
		return pe(serentak.Rejected, 0, "YouTube refused the upload for this channel (%s).", reason)
	case metadataReasons[reason]:
		return pe(serentak.Rejected, 0, "YouTube refused the video's details (%s); edit the post's title or caption.", reason)
	case transientReasons[reason] || status >= 500:
		return pe(serentak.Transient, hint, "YouTube failed with HTTP %d (%s); the upload resumes on the next attempt.", status, code)
	case reason == "" && status == http.StatusForbidden:
		return pe(serentak.Rejected, 0, "YouTube answered HTTP 403 without a reason; check the channel's permissions.")
	case reason == "":
		return pe(serentak.Rejected, 0, "YouTube answered HTTP %d without a Google error; check SERENTAK_YOUTUBE_API_URL.", status)
	}
	return pe(serentak.Rejected, 0, "YouTube refused the upload (%s, HTTP %d).", reason, status)
}

// youtubeSaid quotes the platform's own words, which often name the exact
// problem better than we can.
func youtubeSaid(g *googleError) string {
	msg := g.Message
	if msg == "" && len(g.Errors) > 0 {
		msg = g.Errors[0].Message
	}
	if msg == "" {
		return ""
	}
	return fmt.Sprintf(" YouTube said: %q", msg)
}

// untilQuotaReset is the wait until a little after the next midnight in
// America/Los_Angeles, when YouTube's quota day starts (it follows
// daylight saving time, so the UTC hour moves).
func (p *Publisher) untilQuotaReset() time.Duration {
	now := p.now()
	_, _, midnight := p.days.Of(now)
	return midnight.Sub(now) + resetMargin + time.Duration(p.rand()*float64(resetJitter))
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func roundWait(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}

// netErr strips the URL from a transport error: an upload session URI is
// as good as a credential for its upload and must not reach a log or a
// delivery's error message.
func netErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
