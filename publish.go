package serentak

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Content is what one delivery publishes, already fitted to its platform.
type Content struct {
	// Text is the caption, message or description as it will appear.
	Text string `json:"text"`
	// Title is the video title where the platform has one (YouTube, and a
	// Facebook video's title).
	Title string `json:"title,omitempty"`
	// Link is the product's order URL. Facebook sends it as the post's link
	// for a text post; elsewhere it is already in Text.
	Link  string     `json:"link,omitempty"`
	Media []MediaRef `json:"media,omitempty"`
	// Options are the target's platform options (API: targets[i].options),
	// checked at creation and published as given.
	Options Options `json:"options,omitzero"`
	// Warnings are what composing found worth telling: what this platform
	// leaves out of the post (a photo beside YouTube's video), what was
	// changed to fit. The delivery answers them with what the platform
	// itself reported (Result.Warnings).
	// Stored as codes and arguments (Warning), read in the person's
	// language; a delivery stored before holds plain strings.
	Warnings []Warning `json:"warnings,omitempty"`
}

// Options are a target's platform options. Each field belongs to the
// platforms named beside it; the API refuses an option of another
// platform, so a Content carries only its own platform's. The JSON names
// are the API's (targets[i].options.<name>).
type Options struct {
	// TikTok (Content Posting API, direct post: post_info).
	PrivacyLevel       string `json:"privacy_level,omitempty"`
	DisableComment     bool   `json:"disable_comment,omitempty"`
	DisableDuet        bool   `json:"disable_duet,omitempty"`
	DisableStitch      bool   `json:"disable_stitch,omitempty"`
	BrandContentToggle bool   `json:"brand_content_toggle,omitempty"`
	BrandOrganicToggle bool   `json:"brand_organic_toggle,omitempty"`
	AutoAddMusic       bool   `json:"auto_add_music,omitempty"`

	// YouTube (videos.insert: status and snippet).
	Privacy     string   `json:"privacy,omitempty"` // public, unlisted, private; empty: the install's default
	MadeForKids bool     `json:"made_for_kids,omitempty"`
	CategoryID  string   `json:"category_id,omitempty"`
	Tags        []string `json:"tags,omitempty"`

	// Instagram and Facebook.
	FirstComment string `json:"first_comment,omitempty"`
	// ShareToFeed is Instagram's for Reels; nil means true (the default).
	ShareToFeed *bool `json:"share_to_feed,omitempty"`
}

// Checkpoint is an adapter's record of a publish in progress. Keys are the
// adapter's own; values are short strings (IDs, URIs, timestamps).
type Checkpoint map[string]string

// PublishRequest is everything a Publisher needs for one attempt.
type PublishRequest struct {
	DeliveryID string
	Account    Account
	Content    Content
	// ScheduledAt is the time the user chose; nothing may become public
	// before it.
	ScheduledAt time.Time
	Attempt     int // 1 for the first attempt
	// Checkpoint holds what earlier attempts saved; empty on a first attempt.
	Checkpoint Checkpoint
	// SaveFunc persists the checkpoint. An adapter calls it before every
	// non-idempotent platform call (recording that the call is about to be
	// made) and right after (recording what it returned). A publisher must
	// not make the call when SaveFunc fails.
	SaveFunc func(ctx context.Context, cp Checkpoint) error
	// KeepFunc records a checkpoint whose loss is safe: what a call
	// returned (the ID of the post just made public), which a later
	// attempt would otherwise find by reconciling with the platform, as
	// it must anyway when the worker dies between the call and its save.
	// The worker stores it with the attempt's next write (the next
	// SaveFunc, or the outcome) instead of at once, so a publication
	// costs one write less. Never use it for the checkpoint before a
	// call. Nil (a tool, the conformance suite): SaveFunc is used.
	KeepFunc func(ctx context.Context, cp Checkpoint) error
	// MediaURLFunc returns a URL the platform can fetch for an uploaded
	// media item (a signed link under SERENTAK_PUBLIC_URL).
	MediaURLFunc func(m MediaRef) (string, error)
	// OpenMediaFunc streams a media item's bytes (an upload from the blob
	// store, or a URL fetched safely), for platforms that are pushed bytes
	// rather than pulling a URL. size is -1 when unknown.
	OpenMediaFunc func(ctx context.Context, m MediaRef) (body io.ReadCloser, size int64, err error)
	// DueFunc blocks until ScheduledAt, or returns ctx's error. The worker
	// sets it; call it through WaitUntilDue.
	DueFunc func(ctx context.Context) error
}

// WaitUntilDue blocks until the request's scheduled time, or until ctx is
// done. An EarlyStarter calls it after its last checkpoint and before the
// first call that makes anything public. Without a DueFunc (a tool calling
// a publisher directly) it returns at once.
func (r PublishRequest) WaitUntilDue(ctx context.Context) error {
	if r.DueFunc == nil {
		return ctx.Err()
	}
	return r.DueFunc(ctx)
}

// Result is a successful publication.
type Result struct {
	ExternalID  string // the platform's ID of the post
	Permalink   string
	PublishedAt time.Time
	// Warnings say what the platform did that differs from what was asked
	// (TikTok kept the post private, Facebook still processes the video).
	Warnings []Warning
}

// Publisher publishes to one platform. Adapters never sleep or retry; they
// return a *PublishError and the worker decides what happens next.
type Publisher interface {
	Platform() Platform
	Publish(ctx context.Context, req PublishRequest) (Result, error)
}

// PublishErrorKind says what the worker should do about a failed attempt.
type PublishErrorKind string

const (
	// Transient: the platform or the network failed; retry with backoff.
	Transient PublishErrorKind = "transient"
	// RateLimited: retry after RetryAfter; does not use up the retry budget.
	RateLimited PublishErrorKind = "rate_limited"
	// AuthExpired: the token is invalid or expired; refresh it or ask the
	// owner to reconnect the account.
	AuthExpired PublishErrorKind = "auth_expired"
	// Rejected: the platform refused the content; retrying cannot help.
	Rejected PublishErrorKind = "rejected"
	// Unknown: the request may have reached the platform but no answer came.
	// The adapter left a checkpoint and reconciles before any new call.
	Unknown PublishErrorKind = "unknown"
	// Pending: the platform is still working (processing a video, say); check
	// again after RetryAfter. Not a failure.
	Pending PublishErrorKind = "pending"
)

// PublishError is an adapter's account of a failed or unfinished attempt.
type PublishError struct {
	Kind       PublishErrorKind
	RetryAfter time.Duration // the platform's hint, 0 when it gave none
	Code       string        // the platform's own code, e.g. "190/463"
	Message    string
	Err        error // the underlying error, if any
}

func (e *PublishError) Error() string {
	s := string(e.Kind)
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil && e.Message == "" {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *PublishError) Unwrap() error { return e.Err }

// NewPublishError returns a *PublishError with a formatted message.
func NewPublishError(kind PublishErrorKind, code, format string, args ...any) *PublishError {
	return &PublishError{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// EarlyStarter is implemented by publishers the worker may call before the
// scheduled time (up to the scheduler's lead). Such a publisher does at
// once what nobody sees (checks, checkpoints, unpublished uploads, media
// containers) and calls PublishRequest.WaitUntilDue before the first call
// that makes anything public, so at the scheduled second only that call is
// left to make. Other publishers are called when the time has come.
type EarlyStarter interface {
	StartsEarly() bool
}

// TokenRefresher is implemented by publishers whose platform can refresh an
// access token. The worker calls it when a publish fails with AuthExpired
// and persists the new token before retrying.
type TokenRefresher interface {
	RefreshToken(ctx context.Context, account Account) (Token, error)
}
