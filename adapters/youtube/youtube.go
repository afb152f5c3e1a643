// Package youtube publishes videos to YouTube channels through the YouTube
// Data API v3 resumable upload protocol (docs/platforms/youtube.md), spoken
// over plain HTTP: google.golang.org/api is 416 MB and cannot resume an
// upload from a stored session URI after a crash, which is the one thing
// this adapter must do.
//
// # Exactly one video
//
// A video exists only once YouTube has every byte of an upload session. So
// the session URI is saved to the checkpoint before the first byte is sent,
// and a later attempt never starts a second session while the first may
// still finish: it asks the session what it holds (a status query) and
// either resumes from there or, if the upload completed, takes the video
// the session made. See upload.go.
//
// # Shorts
//
// The API has no Shorts flag. Since 2024-10-15 YouTube classifies an upload
// that is vertical or square and at most 3 minutes long as a Short by
// itself; a 16:9 video never is. So a post "is" a Short by its video alone,
// and nothing here or in the post marks it. A merchant who wants the
// Shorts shelf to pick it up may add #Shorts to the caption, which only
// helps discovery; hashtags in the description also become tags (see
// metadata.go).
//
// # Tokens
//
// Google access tokens last about an hour. Publish cannot store a refreshed
// token, so it does not refresh one itself: when the stored token is
// missing or within two minutes of expiry it returns AuthExpired without
// calling YouTube, and the worker refreshes it through RefreshToken,
// persists it, and publishes again at once (a 401 mid-upload goes the same
// way, and the next attempt resumes the session). RefreshToken never loses
// the refresh token: Google's refresh answer carries none, so the stored
// one is kept.
package youtube

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// Defaults for Config.
const (
	DefaultBaseURL  = "https://www.googleapis.com"
	DefaultTokenURL = "https://oauth2.googleapis.com/token"
	// DefaultRevokeURL: "Revoking a token",
	// https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
	DefaultRevokeURL = "https://oauth2.googleapis.com/revoke"
	// DefaultChunkSize is large because each chunk is a request; Google
	// calls chunking "rarely necessary", and a dropped chunk costs at
	// most this much to send again.
	DefaultChunkSize = 8 << 20
	// ChunkAlign is the unit every non-final chunk must be a multiple of.
	ChunkAlign = 256 << 10
	// DefaultCategoryID is "People & Blogs", the API's own example.
	DefaultCategoryID = "22"
	// DefaultDailyUploads is videos.insert calls per Google Cloud project
	// per quota day by default: the method's own quota bucket of 100
	// calls, 1 per call (docs/platforms/youtube.md#rate-limits-and-quotas).
	// Under the older model (1600 of 10,000 units a call) it was 6.
	DefaultDailyUploads = 100
	// DefaultProcessingPoll is the wait between processing checks.
	DefaultProcessingPoll = 30 * time.Second
	// maxProcessingWait ends processing checks: the video is uploaded and
	// watchable while YouTube finishes higher resolutions, so a very slow
	// processing is reported as published, not as a failure.
	maxProcessingWait = 2 * time.Hour
	// tokenMargin is how close to expiry a token is refreshed before use.
	tokenMargin = 2 * time.Minute
	// RequestTimeout bounds one request (of the default client); a chunk of DefaultChunkSize must
	// get through within it.
	RequestTimeout = 5 * time.Minute
)

// Config configures a Publisher. Zero fields take defaults.
type Config struct {
	// BaseURL serves both /youtube/v3 and /upload/youtube/v3
	// (SERENTAK_YOUTUBE_API_URL).
	BaseURL string
	// TokenURL is Google's OAuth token endpoint.
	TokenURL string
	// RevokeURL is Google's token revocation endpoint; empty: TokenURL
	// with its final /token replaced by /revoke when it ends so (a fake's
	// host), else DefaultRevokeURL.
	RevokeURL    string
	ClientID     string
	ClientSecret string
	HTTPClient   *http.Client
	Now          func() time.Time
	// ChunkSize is the bytes per upload request, a multiple of 256 KiB.
	ChunkSize int64
	// CategoryID is the snippet.categoryId every video gets.
	CategoryID string
	// PrivacyStatus is public (default), unlisted or private.
	PrivacyStatus string
	// MadeForKids is sent as status.selfDeclaredMadeForKids.
	MadeForKids bool
	// NativeSchedule lets YouTube make the video public: when the
	// delivery's scheduled time is still ahead at upload, the video is
	// uploaded private with status.publishAt set to it.
	NativeSchedule bool
	// DailyUploads is the Google Cloud project's videos.insert calls per
	// quota day (midnight to midnight, Pacific time), shared by every
	// channel of the install (SERENTAK_YOUTUBE_DAILY_UPLOADS); 0 takes the
	// default and a negative value turns the count off. See quota.go.
	DailyUploads int
	// Quota counts the uploads for every worker of the install (the
	// shared Redis counter); nil counts this Publisher's own only.
	Quota QuotaStore
	// WaitForProcessing makes Publish report Pending until YouTube has
	// processed the video, and Rejected if processing fails.
	WaitForProcessing bool
	// ProcessingPoll is the wait between processing checks.
	ProcessingPoll time.Duration
	// Rand returns a number in [0, 1) for jitter.
	Rand func() float64
}

// Publisher publishes videos to YouTube channels.
type Publisher struct {
	base, baseHost         string
	tokenURL, revokeURL    string
	clientID, clientSecret string
	client                 *http.Client
	now                    func() time.Time
	rand                   func() float64
	chunk                  int64
	category, privacy      string
	kids, native, wait     bool
	poll                   time.Duration
	days                   QuotaDays
	limit                  int
	quota                  QuotaStore
	holds                  *holds
}

// New returns a Publisher, or an error naming the setting at fault.
func New(cfg Config) (*Publisher, error) {
	p := &Publisher{
		base:         strings.TrimRight(cfg.BaseURL, "/"),
		tokenURL:     cfg.TokenURL,
		revokeURL:    cfg.RevokeURL,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		now:          cfg.Now,
		rand:         cfg.Rand,
		chunk:        cfg.ChunkSize,
		category:     cfg.CategoryID,
		privacy:      cfg.PrivacyStatus,
		kids:         cfg.MadeForKids,
		native:       cfg.NativeSchedule,
		wait:         cfg.WaitForProcessing,
		poll:         cfg.ProcessingPoll,
	}
	if p.base == "" {
		p.base = DefaultBaseURL
	}
	u, err := url.Parse(p.base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("youtube: BaseURL %q is not an http(s) URL", cfg.BaseURL)
	}
	p.baseHost = u.Host
	if p.tokenURL == "" {
		p.tokenURL = DefaultTokenURL
	}
	if u, err := url.Parse(p.tokenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("youtube: TokenURL %q is not an http(s) URL", cfg.TokenURL)
	}
	if p.revokeURL == "" {
		p.revokeURL = DefaultRevokeURL
		if cfg.TokenURL != "" && strings.HasSuffix(p.tokenURL, "/token") {
			p.revokeURL = strings.TrimSuffix(p.tokenURL, "/token") + "/revoke"
		}
	}
	switch {
	case p.chunk == 0:
		p.chunk = DefaultChunkSize
	case p.chunk < 0 || p.chunk%ChunkAlign != 0:
		return nil, fmt.Errorf("youtube: ChunkSize %d is not a positive multiple of 262144 (256 KiB), as YouTube requires", cfg.ChunkSize)
	}
	if p.category == "" {
		p.category = DefaultCategoryID
	}
	if _, err := strconv.ParseUint(p.category, 10, 32); err != nil {
		return nil, fmt.Errorf("youtube: CategoryID %q is not a numeric category ID such as \"22\"", cfg.CategoryID)
	}
	switch p.privacy {
	case "":
		p.privacy = "public"
	case "public", "unlisted", "private":
	default:
		return nil, fmt.Errorf("youtube: PrivacyStatus %q is not public, unlisted or private", cfg.PrivacyStatus)
	}
	if p.poll <= 0 {
		p.poll = DefaultProcessingPoll
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rand == nil {
		p.rand = rand.Float64
	}
	// Our own copy of the client: a 308 Resume Incomplete must come back
	// to us, never be followed as a redirect.
	// Its own transport, not http.DefaultTransport: anything else in the
	// process calling CloseIdleConnections on the shared one (an
	// httptest.Server closing does) would break a chunk just as it reuses
	// a pooled connection.
	c := http.Client{Timeout: RequestTimeout, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	if cfg.HTTPClient != nil {
		c = *cfg.HTTPClient
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p.client = &c
	if p.days, err = LoadQuotaDays(); err != nil {
		return nil, err
	}
	p.limit = cfg.DailyUploads
	if p.limit == 0 {
		p.limit = DefaultDailyUploads
	}
	p.quota = cfg.Quota
	if p.quota == nil {
		p.quota = &memoryQuota{used: map[string]int{}}
	}
	p.holds = &holds{channelUntil: map[string]time.Time{}}
	return p, nil
}

// Platform returns serentak.YouTube.
func (p *Publisher) Platform() serentak.Platform { return serentak.YouTube }

// Checkpoint keys.
const (
	// The upload session: its URI (saved before any byte is sent), when
	// it started, the size and type it was started with, and the
	// publishAt it asked for.
	cpSession   = "upload_session"
	cpSessionAt = "upload_session_at"
	cpSize      = "upload_size"
	cpPublishAt = "upload_publish_at"
	// cpReceived is how many bytes YouTube confirmed; informational (the
	// session's own answer decides), and saving it extends the lease.
	cpReceived = "upload_received"
	// cpFinalSent is "1" from just before a chunk carrying the last byte
	// is sent until the session is seen incomplete again: while set, the
	// session may have made a video.
	cpFinalSent = "upload_final_sent"
	// The video, once YouTube has made it.
	cpVideoID    = "video_id"
	cpUploadedAt = "uploaded_at"
	cpPrivacy    = "video_privacy" // the privacyStatus YouTube gave it
	// cpProcessed is "1" once processing is over (or no longer waited for).
	cpProcessed = "video_processed"
)

// Publish uploads req.Content's video to the channel req.Account.ExternalID
// and returns its watch URL. It resumes from req.Checkpoint; see the
// package comment and upload.go.
func (p *Publisher) Publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	res, err := p.publish(ctx, req)
	if err != nil {
		// The token travels in a header, never in a URL, but nothing we
		// return may ever carry it.
		return serentak.Result{}, redact(err, req.Account.Token.AccessToken, req.Account.Token.RefreshToken)
	}
	return res, nil
}

func (p *Publisher) publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	m, err := videoOf(req.Content)
	if err != nil {
		return serentak.Result{}, err
	}
	if req.Account.ExternalID == "" {
		return serentak.Result{}, serentak.NewPublishError(serentak.AuthExpired, "",
			"the YouTube account has no channel ID; reconnect the channel")
	}
	a := &attempt{Publisher: p, req: req, cp: maps.Clone(req.Checkpoint)}
	if a.cp == nil {
		a.cp = serentak.Checkpoint{}
	}
	// With a video ID saved, an earlier attempt uploaded the video and
	// the worker did not get to record it: nothing is sent again.
	if a.cp[cpVideoID] == "" {
		if err := a.checkToken(); err != nil {
			return serentak.Result{}, err
		}
		if err := a.upload(ctx, m); err != nil {
			return serentak.Result{}, err
		}
	}
	if err := a.privateLock(); err != nil {
		return serentak.Result{}, err
	}
	if p.wait && a.cp[cpProcessed] == "" {
		if err := a.checkToken(); err != nil {
			return serentak.Result{}, err
		}
		if err := a.awaitProcessing(ctx); err != nil {
			return serentak.Result{}, err
		}
	}
	return a.result(), nil
}

// videoOf returns the one video a YouTube delivery carries. Compose
// validates this at creation; this is the last line.
func videoOf(c serentak.Content) (serentak.MediaRef, error) {
	var v []serentak.MediaRef
	for _, m := range c.Media {
		if m.Kind != serentak.MediaVideo {
			return serentak.MediaRef{}, serentak.NewPublishError(serentak.Rejected, "",
				"YouTube takes one video and nothing else; remove the %s from this target", m.Kind)
		}
		v = append(v, m)
	}
	if len(v) != 1 {
		return serentak.MediaRef{}, serentak.NewPublishError(serentak.Rejected, "",
			"a YouTube post needs exactly one video, not %d", len(v))
	}
	return v[0], nil
}

// attempt is one Publish call's state.
type attempt struct {
	*Publisher
	req serentak.PublishRequest
	cp  serentak.Checkpoint
}

func (a *attempt) save(ctx context.Context) error {
	if a.req.SaveFunc == nil {
		return nil
	}
	return a.req.SaveFunc(ctx, maps.Clone(a.cp))
}

// checkToken refuses to start with a token that is missing or about to
// expire: the worker refreshes and persists it, then publishes again.
func (a *attempt) checkToken() error {
	t := a.req.Account.Token
	if t.AccessToken == "" {
		return serentak.NewPublishError(serentak.AuthExpired, "no_access_token",
			"the YouTube channel has no access token; it is refreshed before publishing")
	}
	if !t.ExpiresAt.IsZero() && t.ExpiresAt.Sub(a.now()) < tokenMargin {
		return serentak.NewPublishError(serentak.AuthExpired, "token_expiring",
			"the YouTube access token expires at %s; it is refreshed before publishing", t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// result is the published video as the checkpoint records it.
func (a *attempt) result() serentak.Result {
	id := a.cp[cpVideoID]
	at, _ := time.Parse(time.RFC3339Nano, a.cp[cpUploadedAt])
	if pa, err := time.Parse(time.RFC3339, a.cp[cpPublishAt]); err == nil {
		// YouTube makes it public at publishAt, not at upload.
		at = pa
	}
	if at.IsZero() {
		at = a.now()
	}
	return serentak.Result{ExternalID: id, Permalink: WatchURL(id), PublishedAt: at}
}

// WatchURL is a video's permalink. A Short has a /shorts/ URL too, but the
// watch URL opens every video, Short or not.
func WatchURL(id string) string { return "https://www.youtube.com/watch?v=" + url.QueryEscape(id) }

// privateLock reports a video YouTube made private against our request:
// uploads from API projects that have not passed YouTube's audit are locked
// private, and no flag says so (docs/platforms/youtube.md#limits).
func (a *attempt) privateLock() error {
	got, asked := a.cp[cpPrivacy], a.askedPrivacy()
	if got != "private" || asked == "private" || a.cp[cpPublishAt] != "" {
		return nil
	}
	return serentak.NewPublishError(serentak.Rejected, "private_lock",
		"YouTube uploaded the video (%s) but made it private although %s was asked: YouTube locks uploads from API projects that have not passed its audit; have the Google Cloud project audited, then publish again",
		WatchURL(a.cp[cpVideoID]), asked)
}

// askedPrivacy is the privacy the video is asked to have: the target's
// option, else the install's setting.
func (a *attempt) askedPrivacy() string {
	if p := a.req.Content.Options.Privacy; p != "" {
		return p
	}
	return a.privacy
}

func saveFailed(err error) *serentak.PublishError {
	return &serentak.PublishError{Kind: serentak.Transient, Err: err,
		Message: fmt.Sprintf("could not save the upload checkpoint, so nothing more was sent to YouTube: %v", err)}
}

// redact removes secrets from an error's text.
func redact(err error, secrets ...string) error {
	leak := false
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			leak = true
		}
	}
	if !leak {
		return err
	}
	clean := func(s string) string {
		for _, x := range secrets {
			if x != "" {
				s = strings.ReplaceAll(s, x, "[redacted]")
			}
		}
		return s
	}
	var pe *serentak.PublishError
	if !errors.As(err, &pe) {
		return errors.New(clean(err.Error()))
	}
	c := *pe
	c.Message = clean(c.Message)
	if c.Err != nil {
		c.Err = errors.New(clean(c.Err.Error()))
	}
	return &c
}

// Interface guards.
var (
	_ serentak.Publisher      = (*Publisher)(nil)
	_ serentak.TokenRefresher = (*Publisher)(nil)
)
