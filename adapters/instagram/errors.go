package instagram

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Retry hints when Instagram gives none.
const (
	defaultRateLimitWait = graph.DefaultRateLimitWait
	// softBlockWait is for code 368 ("temporarily blocked"): retrying soon
	// only prolongs the block.
	softBlockWait = time.Hour
	// quotaErrorWait is for 9/2207042 when it comes as an error rather than
	// from our own content_publishing_limit check (which computes the real
	// time the window frees).
	quotaErrorWait = time.Hour
	// notReadyWait is for 9007/2207027: the container is still processing.
	notReadyWait = 10 * time.Second
	// transientBuilderWait is for 2207008: Meta's advice is to try the
	// same container again after a short wait.
	transientBuilderWait = time.Minute
)

// isThrottle reports the Graph throttling codes (Graph API "Rate Limits",
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting/,
// "Platform Rate Limits" error codes 4, 17, 32, 613 and "Business Use Case
// Rate Limits" error codes 80000–80014, of which 80002 is Instagram's; 341
// is "application limit reached"). Instagram Platform calls are under
// Business Use Case limits, so 80002 is what an Instagram account's
// throttle looks like; X-Business-Use-Case-Usage then carries
// estimated_time_to_regain_access (graph.RegainAccess).
func isThrottle(code int) bool {
	switch code {
	case 4, 17, 32, 341, 613:
		return true
	}
	return code >= 80000 && code <= 80014
}

// subcodeRule is what an Instagram error subcode means for us.
type subcodeRule struct {
	kind    serentak.PublishErrorKind
	explain string
	// unusable: the container this subcode is about can never be
	// published; drop it and make a new one.
	unusable bool
}

// subcodes are the documented Instagram subcodes
// (docs/platforms/instagram.md#errors). The
// same numbers come back as error_subcode on a failed call and as the
// status of a container whose status_code is ERROR.
var subcodes = map[int]subcodeRule{
	2207001: {serentak.Transient, "Instagram had a server error; it will be retried", false},
	2207003: {serentak.Transient, "Instagram took too long to download the media; it will be retried", false},
	2207020: {serentak.Transient, "the media container expired before it was published; a new one is made", true},
	2207032: {serentak.Transient, "Instagram failed to create the media; it will be retried with a new container", false},
	2207053: {serentak.Transient, "Instagram had an unknown error with the video; it will be retried with a new container", false},
	2207006: {serentak.Transient, "Instagram could not find the media container; a new one is made", true},
	// 2207008 is transient (Error codes, "Error Codes Defined"; the
	// container is not lost): the same container is tried again after
	// transientBuilderWait. A container whose status is ERROR with it is
	// rebuilt, as every failed container is (classifyContainerError).
	2207008: {serentak.Transient, "Instagram could not find the media builder for a moment; the same container is tried again shortly", false},
	2207027: {serentak.Pending, "the media is not ready for publishing yet; it will be checked again", false},
	2207042: {serentak.RateLimited, "the account reached Instagram's 24-hour publishing limit; it will be retried when the window moves", false},
	2207057: {serentak.Rejected, "the Reel's thumbnail offset is outside the video", false},
	2207051: {serentak.Rejected, "Instagram has restricted this account's activity on suspicion of spam; the owner must resolve it in the Instagram app", false},
	2207004: {serentak.Rejected, "the image is larger than Instagram's 8 MB limit", false},
	2207005: {serentak.Rejected, "the image format is not supported; Instagram needs JPEG images", false},
	2207009: {serentak.Rejected, "the image's aspect ratio is not supported; feed images must be between 4:5 and 1.91:1", false},
	2207010: {serentak.Rejected, "the caption is too long; Instagram allows 2,200 characters", false},
	2207026: {serentak.Rejected, "the video format is not supported; Reels must be MP4 or MOV (H.264 or HEVC, AAC audio), 3 seconds to 15 minutes, at most 300 MB", false},
	2207028: {serentak.Rejected, "a carousel needs 2 to 10 photos or videos", false},
	2207040: {serentak.Rejected, "the caption has more than 20 @mentions", false},
	2207050: {serentak.Rejected, "the Instagram account is restricted; the owner must resolve it in the Instagram app", false},
	2207023: {serentak.Rejected, "Instagram does not recognise the media type", false},
	2207018: {serentak.Rejected, "a collaborator could not be tagged", false},
	2207081: {serentak.Rejected, "this account does not support trial Reels", false},
}

// notFetchable is 9004/2207052: Instagram could not download the media.
const notFetchable = 2207052

const fetchAdvice = "Instagram could not download the media from its URL. Media URLs must be public HTTPS addresses that answer without a login or a redirect to a web page (Google Drive and Dropbox share links do not work); for uploaded media, SERENTAK_PUBLIC_URL must be reachable from the internet"

// checkpointPhrases mark an account Instagram has checkpointed: the owner
// must log in on Instagram before reconnecting helps.
var checkpointPhrases = []string{"session has been invalidated", "you cannot access the app till you log in", "session key is malformed"}

// Classify turns a Graph error answer into a PublishError. It decides on
// the error's code and subcode; the HTTP status only matters when the body
// is not a Graph error (a proxy's HTML page, say).
//
// connect (account checks, logins) and Refresher read their answers with
// it too, so a Graph error means one thing in one place.
func Classify(status int, body []byte, header http.Header) *serentak.PublishError {
	g, ok := graph.DecodeError(body)
	if !ok {
		return graph.ClassifyStatus("Instagram", "SERENTAK_INSTAGRAM_API_URL", status)
	}
	code := g.CodeRef()
	pe := func(kind serentak.PublishErrorKind, retry time.Duration, explain string) *serentak.PublishError {
		return &serentak.PublishError{Kind: kind, RetryAfter: retry, Code: code, Message: explain + g.Quote("Instagram")}
	}
	lower := strings.ToLower(g.Message)

	switch {
	case containsAny(lower, checkpointPhrases):
		return pe(serentak.AuthExpired, 0, fmt.Sprintf("Instagram has locked this account's session (code %s); the owner must log in to Instagram, then reconnect the account.", code))
	case g.Code == 190 || g.Code == 102 || (g.Subcode >= 458 && g.Subcode <= 467) || g.Subcode == 492:
		return pe(serentak.AuthExpired, 0, fmt.Sprintf("Instagram says the access token is invalid or expired (code %s); reconnect the Instagram account.", code))
	case g.Code == 10 || (g.Code >= 200 && g.Code <= 299):
		return pe(serentak.AuthExpired, 0, fmt.Sprintf("Instagram says the app lacks a permission for this account (code %s); reconnect the account and grant content publishing (instagram_content_publish or instagram_business_content_publish).", code))
	case g.Code == 9004 || g.Subcode == notFetchable:
		if g.IsTransient {
			return pe(serentak.Transient, 0, fmt.Sprintf("Instagram could not download the media this time (code %s); it will be retried.", code))
		}
		return pe(serentak.Rejected, 0, fmt.Sprintf("%s (code %s).", fetchAdvice, code))
	}
	if r, ok := subcodes[g.Subcode]; ok {
		retry := time.Duration(0)
		switch r.kind {
		case serentak.RateLimited:
			retry = quotaErrorWait
		case serentak.Pending:
			retry = notReadyWait
		}
		if g.Subcode == 2207008 {
			retry = transientBuilderWait
		}
		return pe(r.kind, retry, fmt.Sprintf("Instagram refused: %s (code %s).", r.explain, code))
	}
	switch {
	case g.Code == 9007:
		return pe(serentak.Pending, notReadyWait, fmt.Sprintf("Instagram says the media is not ready for publishing yet (code %s); it will be checked again.", code))
	case g.Code == 9:
		return pe(serentak.RateLimited, quotaErrorWait, fmt.Sprintf("Instagram's publishing limit was reached (code %s); it will be retried in an hour.", code))
	case g.Code == 368:
		return pe(serentak.RateLimited, softBlockWait, fmt.Sprintf("Instagram has temporarily blocked publishing from this account (code %s); it will be retried in an hour.", code))
	case isThrottle(g.Code):
		wait := graph.RegainAccess(header)
		if wait == 0 {
			wait = defaultRateLimitWait
		}
		return pe(serentak.RateLimited, wait, fmt.Sprintf("Instagram's rate limit was reached (code %s); it will be retried in %s.", code, wait))
	case g.Code == 1 || g.Code == 2 || g.Code == -1 || g.Code == -2 || g.IsTransient || strings.Contains(lower, "an unknown error occurred"):
		return pe(serentak.Transient, 0, fmt.Sprintf("Instagram had a temporary problem (code %s); it will be retried.", code))
	case g.Code == 100:
		return pe(serentak.Rejected, 0, fmt.Sprintf("Instagram refused the request as invalid (code %s); the content must change before it can be published.", code))
	case status >= 500:
		return pe(serentak.Transient, 0, fmt.Sprintf("Instagram failed with HTTP %d (code %s); it will be retried.", status, code))
	}
	return pe(serentak.Rejected, 0, fmt.Sprintf("Instagram refused the post (code %s).", code))
}

var subcodeRE = regexp.MustCompile(`\b(2207\d{3})\b`)

// classifyContainerError explains a container whose status_code is ERROR;
// status then holds the error subcode. The second result says whether a
// new container may succeed where this one failed.
func classifyContainerError(containerID, status string) (*serentak.PublishError, bool) {
	sub := 0
	if m := subcodeRE.FindStringSubmatch(status); m != nil {
		sub, _ = strconv.Atoi(m[1])
	}
	code := "ERROR"
	if sub != 0 {
		code += "/" + strconv.Itoa(sub)
	}
	if sub == notFetchable {
		return serentak.NewPublishError(serentak.Rejected, code, "%s (container %s failed with %s).", fetchAdvice, containerID, status), false
	}
	if r, ok := subcodes[sub]; ok && r.kind == serentak.Rejected {
		return serentak.NewPublishError(serentak.Rejected, code, "Instagram could not process the media: %s (container %s, status %q).", r.explain, containerID, status), false
	}
	// A known transient subcode, or one we do not know: the container is
	// dead, but a new one may work; the rebuild limit stops a loop.
	return serentak.NewPublishError(serentak.Transient, code, "Instagram failed to process container %s (status %q)", containerID, status), true
}

// subcodeOf reads the subcode back from a PublishError code "code/subcode".
func subcodeOf(code string) int {
	_, sub, ok := strings.Cut(code, "/")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(sub)
	return n
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
