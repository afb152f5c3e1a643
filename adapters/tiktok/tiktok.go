// Package tiktok publishes videos and photo posts to TikTok through the
// Content Posting API v2 (docs/platforms/tiktok.md).
//
// A direct post asks creator_info first (the privacy levels, interaction
// switches and maximum video length the creator allows), then makes one
// init call: /v2/post/publish/video/init/ for a video, sent as FILE_UPLOAD
// (chunks PUT to the returned upload_url) or PULL_FROM_URL (TikTok fetches
// it from a verified domain), or /v2/post/publish/content/init/ for 1–35
// photos (always PULL_FROM_URL). Inbox (draft) mode uses
// /v2/post/publish/inbox/video/init/ or post_mode MEDIA_UPLOAD instead: the
// creator finishes the post in the TikTok app.
//
// TikTok then processes the post. Publish never waits for it: it returns a
// Pending error, and the worker calls Publish again later with the saved
// checkpoint, which then reads /v2/post/publish/status/fetch/ once. So no
// worker slot is held while TikTok works.
//
// Exactly-once, and what cannot be made so, is explained in checkpoint.go.
package tiktok

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/serentak/serentak"
)

// Defaults for Config.
const (
	DefaultBaseURL = "https://open.tiktokapis.com"
	// DefaultChunkSize is the docs' own example size (decimal megabytes).
	DefaultChunkSize int64 = 10_000_000
	// MinChunkSize and MaxChunkSize are the strict intersection of the
	// decimal and binary readings of the documented "5 MB to 64 MB"
	// (docs/platforms/tiktok.md#uploading-chunks), so either reading accepts
	// our chunks.
	MinChunkSize int64 = 5 * 1024 * 1024
	MaxChunkSize int64 = 64_000_000
	// maxChunkCount is the documented ceiling on chunks per upload.
	maxChunkCount = 1000
	// DefaultTimeout bounds one HTTP call (of the default client); a 64 MB chunk at a slow 1 MB/s
	// still fits.
	DefaultTimeout = 3 * time.Minute
)

// Privacy levels creator_info may offer.
const (
	PublicToEveryone    = "PUBLIC_TO_EVERYONE"
	FollowerOfCreator   = "FOLLOWER_OF_CREATOR"
	MutualFollowFriends = "MUTUAL_FOLLOW_FRIENDS"
	SelfOnly            = "SELF_ONLY"
)

// Config configures a Publisher. Zero fields take defaults.
type Config struct {
	// BaseURL is the API host (SERENTAK_TIKTOK_API_URL in tests).
	BaseURL    string
	HTTPClient *http.Client
	Now        func() time.Time

	// ChunkSize is the FILE_UPLOAD chunk size, kept within 5–64 MB;
	// default 10,000,000. A video no larger than one chunk goes whole.
	ChunkSize int64
	// PullFromURL sends videos as PULL_FROM_URL (TikTok fetches the file)
	// instead of uploading the bytes. Only URLs under VerifiedPrefixes
	// are pulled when that list is set; a URL TikTok refuses as
	// unverified falls back to FILE_UPLOAD. Photos are always pulled
	// (TikTok offers nothing else), so their host must be verified
	// (docs/platforms/tiktok.md#pull-from-url).
	PullFromURL      bool
	VerifiedPrefixes []string

	// Inbox sends every post to the creator's TikTok inbox as a draft
	// (they finish it in the app) instead of posting directly.
	// AccountOptions can decide per account.
	Inbox bool
	// AccountOptions, when set, gives an account's own choices; it
	// overrides Inbox.
	AccountOptions func(serentak.Account) AccountOptions

	// DurationFunc, when set, gives a video's length so one longer than
	// the creator's max_video_post_duration_sec is refused before
	// anything is sent. ok is false when the length is unknown. Without
	// it the upload's inspection (MediaRef.DurationMS) gives the length.
	DurationFunc func(ctx context.Context, m serentak.MediaRef) (d time.Duration, ok bool)

	// ClientKey and ClientSecret are the app's credentials, for token
	// refresh. TokenURL defaults to BaseURL + "/v2/oauth/token/".
	ClientKey    string
	ClientSecret string
	TokenURL     string
}

// AccountOptions are one account's publishing choices. The privacy level
// and the interaction switches are not among them: TikTok's guidelines
// have the user choose them for each post (serentak.Options), never the
// app (docs/platforms/tiktok.md#options).
type AccountOptions struct {
	// Inbox: send drafts to the creator's inbox instead of posting.
	Inbox bool
}

// Publisher publishes to TikTok.
type Publisher struct {
	cfg      Config
	base     string
	tokenURL string
	client   *http.Client
	now      func() time.Time

	mu        sync.Mutex
	refreshes map[[32]byte]*refreshCall
}

// New returns a Publisher.
func New(cfg Config) *Publisher {
	p := &Publisher{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/"), client: cfg.HTTPClient, now: cfg.Now,
		refreshes: map[[32]byte]*refreshCall{}}
	if p.base == "" {
		p.base = DefaultBaseURL
	}
	p.tokenURL = cfg.TokenURL
	if p.tokenURL == "" {
		p.tokenURL = p.base + "/v2/oauth/token/"
	}
	if p.client == nil {
		// Its own transport, not http.DefaultTransport: anything else in
		// the process calling CloseIdleConnections on the shared one (an
		// httptest.Server closing does) would break a chunk just as it
		// reuses a pooled connection.
		p.client = &http.Client{Timeout: DefaultTimeout, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.cfg.ChunkSize = min(max(cfg.ChunkSize, MinChunkSize), MaxChunkSize)
	if cfg.ChunkSize == 0 {
		p.cfg.ChunkSize = DefaultChunkSize
	}
	return p
}

// Platform returns serentak.TikTok.
func (p *Publisher) Platform() serentak.Platform { return serentak.TikTok }

func (p *Publisher) options(acc serentak.Account) AccountOptions {
	if p.cfg.AccountOptions != nil {
		return p.cfg.AccountOptions(acc)
	}
	return AccountOptions{Inbox: p.cfg.Inbox}
}

// Publish publishes req.Content for the creator req.Account.ExternalID
// (the open_id) with the access token req.Account.Token.AccessToken. The
// first call sends the post and returns a Pending error; later calls with
// the saved checkpoint read its status until it is published or failed.
// A nil SaveFunc publishes without checkpoints, for tools; the worker
// always gives one.
func (p *Publisher) Publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	a := &attempt{Publisher: p, req: req, cp: maps.Clone(req.Checkpoint)}
	if a.cp == nil {
		a.cp = serentak.Checkpoint{}
	}
	res, err := a.run(ctx)
	if err != nil {
		// The token travels in a header, never in a URL, but nothing we
		// return may ever carry it, nor the upload_url's upload_token.
		return serentak.Result{}, redact(err, req.Account.Token.AccessToken, req.Account.Token.RefreshToken,
			uploadToken(a.cp[cpUploadURL]))
	}
	return res, nil
}

// kind is what a post is made of.
type kind string

const (
	kindVideo kind = "video"
	kindPhoto kind = "photo"
)

// kindOf checks the media mix. Compose validates it at creation; this is
// the last line.
func kindOf(c serentak.Content) (kind, error) {
	var images, videos int
	for _, m := range c.Media {
		switch m.Kind {
		case serentak.MediaImage:
			images++
		case serentak.MediaVideo:
			videos++
		default:
			return "", serentak.NewPublishError(serentak.Rejected, "", "media kind %q cannot be published to TikTok; use one video or 1 to 35 JPEG or WebP photos", m.Kind)
		}
	}
	switch {
	case videos > 0 && images > 0:
		return "", serentak.NewPublishError(serentak.Rejected, "", "a TikTok post cannot mix a video with photos; post them separately")
	case videos > 1:
		return "", serentak.NewPublishError(serentak.Rejected, "", "a TikTok post carries one video, not %d", videos)
	case videos == 1:
		return kindVideo, nil
	case images > 35:
		return "", serentak.NewPublishError(serentak.Rejected, "", "a TikTok photo post carries at most 35 photos, not %d", images)
	case images > 0:
		return kindPhoto, nil
	}
	return "", serentak.NewPublishError(serentak.Rejected, "", "a TikTok post needs a video or 1 to 35 photos")
}

// permalink is the public URL of a post, when its author's username and
// public ID are known. TikTok serves photo posts under /video/ too.
func permalink(username, postID string) string {
	if username == "" || postID == "" {
		return ""
	}
	return "https://www.tiktok.com/@" + username + "/video/" + postID
}

// redact removes secrets from an error's text.
func redact(err error, secrets ...string) error {
	text := err.Error()
	found := false
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			found = true
		}
	}
	if !found {
		return err
	}
	clean := func(s string) string {
		for _, sec := range secrets {
			if sec != "" {
				s = strings.ReplaceAll(s, sec, "[redacted]")
			}
		}
		return s
	}
	pe, ok := err.(*serentak.PublishError)
	if !ok {
		return fmt.Errorf("%s", clean(text))
	}
	c := *pe
	c.Message = clean(c.Message)
	if c.Err != nil {
		c.Err = fmt.Errorf("%s", clean(c.Err.Error()))
	}
	return &c
}

var (
	_ serentak.Publisher      = (*Publisher)(nil)
	_ serentak.TokenRefresher = (*Publisher)(nil)
	_ serentak.OptionsReader  = (*Publisher)(nil)
)
