package tiktok

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// Retry hints.
const (
	// defaultRateLimitWait: TikTok's limits are per minute.
	defaultRateLimitWait = time.Minute
	// dailyCapWait is for the daily caps (posts per creator, active users
	// per app): retry after 24 h, not sooner (docs/platforms/tiktok.md#errors).
	dailyCapWait = 24 * time.Hour
)

// Classify turns an answer into a PublishError, or nil when it is a
// success: HTTP 2xx and error.code "ok". It decides on error.code; the
// HTTP status matters only when the body is not an envelope (a proxy's
// page, say). Codes and classes: docs/platforms/tiktok.md#errors.
//
// connect reads its account checks with it too.
func Classify(status int, body []byte, header http.Header) *serentak.PublishError {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil || env.Error.Code == "" {
		return classifyStatus(status, header)
	}
	e := env.Error
	if e.Code == "ok" {
		if status/100 == 2 {
			return nil
		}
		return classifyStatus(status, header)
	}
	pe := func(kind serentak.PublishErrorKind, explain string) *serentak.PublishError {
		return &serentak.PublishError{Kind: kind, Code: e.Code, Message: explain + tiktokSaid(e)}
	}
	switch e.Code {
	case "access_token_invalid":
		return pe(serentak.AuthExpired, "TikTok says the access token is invalid or expired; it is refreshed, and if that fails the account must be reconnected.")
	case "scope_not_authorized", "scope_permission_missed":
		return pe(serentak.AuthExpired, "TikTok says the account did not grant Serentak the permission this needs (video.publish, or video.upload for drafts); reconnect the account and allow posting.")
	case "rate_limit_exceeded":
		r := pe(serentak.RateLimited, "")
		r.RetryAfter = retryAfter(header, defaultRateLimitWait)
		r.Message = fmt.Sprintf("TikTok's per-minute rate limit for this account was reached; it will be retried in %s.", r.RetryAfter) + tiktokSaid(e)
		return r
	case "spam_risk_too_many_posts":
		r := pe(serentak.RateLimited, "TikTok's daily limit of posts made through apps is reached for this account; it will be retried in 24 hours (or schedule it for tomorrow).")
		r.RetryAfter = dailyCapWait
		return r
	case "reached_active_user_cap":
		r := pe(serentak.RateLimited, "Serentak's TikTok app has reached TikTok's daily cap of publishing users; it will be retried in 24 hours.")
		r.RetryAfter = dailyCapWait
		return r
	case "spam_risk_user_banned_from_posting":
		return pe(serentak.Rejected, "TikTok has banned this account from posting; resolve it in the TikTok app.")
	case "spam_risk_text":
		return pe(serentak.Rejected, "TikTok flagged the caption as spam; change the text and schedule it again.")
	case "spam_risk":
		return pe(serentak.Rejected, "TikTok flagged the post as spam risk; change it and schedule it again.")
	case "spam_risk_too_many_pending_share":
		return pe(serentak.Rejected, "The account already has 5 drafts waiting in its TikTok inbox, TikTok's limit; post or delete them in the TikTok app, then schedule this again.")
	case "unaudited_client_can_only_post_to_private_accounts":
		return pe(serentak.Rejected, "TikTok lets an app it has not audited yet post only to private accounts, and this TikTok account is public. Make the TikTok account private (in the TikTok app's privacy settings) and schedule the post again, or have the app audited by TikTok. Choosing \"Only me\" for the post does not help.")
	case "url_ownership_unverified":
		return pe(serentak.Rejected, "TikTok fetches photos only from a domain verified in the TikTok developer portal, and this media's address is not; verify the domain of SERENTAK_PUBLIC_URL (or the media's host) with TikTok.")
	case "privacy_level_option_mismatch":
		return pe(serentak.Rejected, "TikTok refused the privacy level as not one this account offers; the account's settings may have changed, so schedule the post again.")
	case "invalid_params", "invalid_param":
		return pe(serentak.Rejected, "TikTok refused the request as invalid; the content must change before it can be published.")
	case "invalid_file_upload":
		return pe(serentak.Rejected, "TikTok refused the uploaded file.")
	case "app_version_check_failed":
		return pe(serentak.Rejected, "Drafts need TikTok app version 31.8 or newer on the account owner's phone; update the app, then schedule this again.")
	case "invalid_publish_id", "token_not_authorized_for_specified_publish_id":
		return pe(serentak.Rejected, "TikTok does not know the post this delivery was tracking (or it belongs to another account); check the TikTok profile before scheduling it again.")
	case "internal_error":
		return pe(serentak.Transient, "TikTok had an internal error; it will be retried.")
	}
	switch {
	case status >= 500:
		return pe(serentak.Transient, fmt.Sprintf("TikTok failed with HTTP %d; it will be retried.", status))
	case status == http.StatusTooManyRequests:
		r := pe(serentak.RateLimited, "TikTok's rate limit was reached; it will be retried in a minute.")
		r.RetryAfter = retryAfter(header, defaultRateLimitWait)
		return r
	case status == http.StatusUnauthorized:
		return pe(serentak.AuthExpired, "TikTok refused the access token; it is refreshed, and if that fails the account must be reconnected.")
	}
	return pe(serentak.Rejected, fmt.Sprintf("TikTok refused the post (HTTP %d).", status))
}

// tiktokSaid quotes the platform's own words and log_id for support.
func tiktokSaid(e *apiError) string {
	var b strings.Builder
	if e.Message != "" {
		fmt.Fprintf(&b, " TikTok said: %q", e.Message)
	}
	if e.LogID != "" {
		fmt.Fprintf(&b, " [log_id %s]", e.LogID)
	}
	return b.String()
}

// classifyStatus handles answers that carry no envelope.
func classifyStatus(status int, header http.Header) *serentak.PublishError {
	code := "http_" + strconv.Itoa(status)
	switch {
	case status == http.StatusTooManyRequests:
		wait := retryAfter(header, defaultRateLimitWait)
		return &serentak.PublishError{Kind: serentak.RateLimited, RetryAfter: wait, Code: code,
			Message: fmt.Sprintf("TikTok answered HTTP 429 Too Many Requests; it will be retried in %s.", wait)}
	case status >= 500:
		return &serentak.PublishError{Kind: serentak.Transient, Code: code,
			Message: fmt.Sprintf("TikTok answered HTTP %d without an API error; it will be retried.", status)}
	case status == http.StatusUnauthorized:
		return &serentak.PublishError{Kind: serentak.AuthExpired, Code: code,
			Message: "TikTok answered HTTP 401; the access token is refreshed, and if that fails the account must be reconnected."}
	}
	return &serentak.PublishError{Kind: serentak.Rejected, Code: code,
		Message: fmt.Sprintf("TikTok answered HTTP %d without an API error; check the TikTok API URL setting.", status)}
}

// retryAfter reads a Retry-After header in seconds.
func retryAfter(h http.Header, def time.Duration) time.Duration {
	if h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return def
}

// classifyFailReason turns a FAILED status's fail_reason into an error
// (docs/platforms/tiktok.md#status).
func classifyFailReason(reason string) *serentak.PublishError {
	pe := func(kind serentak.PublishErrorKind, format string, args ...any) *serentak.PublishError {
		return &serentak.PublishError{Kind: kind, Code: "FAILED/" + reason,
			Message: fmt.Sprintf(format, args...) + fmt.Sprintf(" (TikTok's fail_reason: %s)", reason)}
	}
	switch reason {
	case "file_format_check_failed":
		return pe(serentak.Rejected, "TikTok could not use the file's format; videos must be MP4, WebM or MOV (H.264 recommended), photos JPEG or WebP.")
	case "duration_check_failed":
		return pe(serentak.Rejected, "TikTok refused the video's length: it is longer than this account may post (3 minutes for most accounts, up to 10 for some); shorten it.")
	case "frame_rate_check_failed":
		return pe(serentak.Rejected, "TikTok refused the video's frame rate; it must be 23 to 60 frames per second.")
	case "picture_size_check_failed":
		return pe(serentak.Rejected, "TikTok refused the picture size; videos must be 360 to 4096 pixels a side, photos at most 1080p and 20 MB.")
	case "internal":
		return pe(serentak.Transient, "TikTok failed to process the post on its side; it will be posted again.")
	case "video_pull_failed", "photo_pull_failed":
		return pe(serentak.Transient, "TikTok could not download the media from its address; it will be tried again (the address must stay reachable, over HTTPS, without redirects).")
	case "publish_cancelled":
		return pe(serentak.Rejected, "The post was cancelled on TikTok.")
	case "auth_removed":
		return pe(serentak.AuthExpired, "The account's owner removed Serentak's access on TikTok; reconnect the account.")
	case "spam_risk_too_many_posts":
		r := pe(serentak.RateLimited, "TikTok's daily limit of posts made through apps is reached for this account; it will be posted again in 24 hours.")
		r.RetryAfter = dailyCapWait
		return r
	case "spam_risk_user_banned_from_posting":
		return pe(serentak.Rejected, "TikTok has banned this account from posting; resolve it in the TikTok app.")
	case "spam_risk_text":
		return pe(serentak.Rejected, "TikTok flagged the caption as spam; change the text and schedule it again.")
	case "spam_risk":
		return pe(serentak.Rejected, "TikTok flagged the post as spam risk.")
	case "":
		return pe(serentak.Rejected, "TikTok failed the post without saying why; check the TikTok app.")
	}
	return pe(serentak.Rejected, "TikTok failed the post.")
}
