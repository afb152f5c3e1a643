package fakeyoutube

import (
	"net/http"
	"net/url"
	"time"
)

// Fault is an answer the fake gives instead of doing the work, or, with
// Drop, after doing it.
type Fault struct {
	// Status is the HTTP status; 0 takes the usual one for Reason.
	Status  int
	Reason  string // errors[0].reason, e.g. "quotaExceeded"
	Domain  string // errors[0].domain; default by reason
	Message string // default: the real API's wording for Reason
	// RetryAfter, when set, is sent as a Retry-After header in seconds.
	RetryAfter time.Duration
	// RawBody, when set, is sent as-is with Content-Type text/html: the
	// pages a proxy or load balancer answers with.
	RawBody string
	// CutAfter cuts a chunk's connection after reading this many bytes of
	// its body. The session keeps what it received rounded down to
	// 256 KiB, as a server does, and no answer is sent. Only for chunks.
	CutAfter int64
	// Drop makes the fake do the work (a final chunk completes the upload
	// and makes the video) and then close the connection without
	// answering: the "outcome unknown" case.
	Drop bool
	// HangUp closes the connection without doing the work or answering.
	HangUp bool
}

// Request is what a Rule sees of a request. Rules must not read bodies.
type Request struct {
	Route     Route
	Method    string
	Header    http.Header
	Query     url.Values
	SessionID string // the upload_id of a chunk or status query
	// Final is true for a chunk whose Content-Range ends at the last byte.
	Final bool
}

// Rule decides whether a request gets a fault; nil means no fault.
type Rule func(r Request) *Fault

// FailNext makes the next n requests to route answer with f.
func (s *Server) FailNext(route Route, n int, f Fault) {
	s.FailNextWhere(n, f, func(r Request) bool { return r.Route == route })
}

// FinalChunk matches the chunk that carries a video's last byte.
func FinalChunk(r Request) bool { return r.Route == RouteChunk && r.Final }

// GoogleError is a fault with the reason and the real API's status and
// wording.
func GoogleError(reason string) Fault { return Fault{Reason: reason} }

// QuotaExceeded is 403 quotaExceeded (the project's daily quota).
func QuotaExceeded() Fault { return Fault{Reason: "quotaExceeded"} }

// UploadLimitExceeded is 400 uploadLimitExceeded (the channel's daily
// upload limit).
func UploadLimitExceeded() Fault { return Fault{Reason: "uploadLimitExceeded"} }

// RateLimitExceeded is 403 rateLimitExceeded.
func RateLimitExceeded() Fault { return Fault{Reason: "rateLimitExceeded"} }

// BackendError is 503 backendError.
func BackendError() Fault { return Fault{Reason: "backendError"} }

// AuthError is 401 authError, as for an expired access token.
func AuthError() Fault { return Fault{Reason: "authError"} }

// CutAfter cuts a chunk's connection after n bytes of its body.
func CutAfter(n int64) Fault { return Fault{CutAfter: n} }

// Drop does the work and hangs up without answering.
func Drop() Fault { return Fault{Drop: true} }

// HangUp hangs up without doing the work or answering.
func HangUp() Fault { return Fault{HangUp: true} }

// reasonDefaults is each reason's usual status, domain and wording.
var reasonDefaults = map[string]struct {
	status  int
	domain  string
	message string
}{
	"quotaExceeded":           {403, "youtube.quota", `The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.`},
	"uploadLimitExceeded":     {400, "youtube.video", "The user has exceeded the number of videos they may upload."},
	"rateLimitExceeded":       {403, "usageLimits", "Rate Limit Exceeded"},
	"userRateLimitExceeded":   {403, "usageLimits", "User Rate Limit Exceeded"},
	"backendError":            {503, "global", "Backend Error"},
	"internalError":           {500, "global", "Internal Error"},
	"authError":               {401, "global", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."},
	"youtubeSignupRequired":   {401, "youtube.header", "The user does not have a YouTube channel."},
	"insufficientPermissions": {403, "global", "Request had insufficient authentication scopes."},
	"forbidden":               {403, "youtube.video", "The request is not properly authorized."},
	"invalidTitle":            {400, "youtube.video", "The request metadata specifies an invalid or empty video title."},
	"invalidDescription":      {400, "youtube.video", "The request metadata specifies an invalid video description."},
	"invalidTags":             {400, "youtube.video", "The request metadata specifies invalid video keywords."},
	"invalidCategoryId":       {400, "youtube.video", "The snippet.categoryId property specifies an invalid category ID. Use the videoCategories.list method to retrieve supported categories."},
	"invalidPublishAt":        {400, "youtube.video", "The request metadata specifies an invalid scheduled publishing time."},
	"invalidVideoMetadata":    {400, "youtube.video", "The request metadata is invalid."},
	"mediaBodyRequired":       {400, "youtube.video", "The request does not include the video content."},
	"notFound":                {404, "global", "Not Found"},
	"badRequest":              {400, "global", "Bad Request"},
	"required":                {400, "global", "Required"},
	"invalidParameter":        {400, "youtube.parameter", "Invalid parameter"},
	"videoNotFound":           {404, "youtube.video", "The video identified by the id parameter could not be found."},
}
