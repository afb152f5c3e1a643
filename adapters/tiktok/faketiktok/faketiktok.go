// Package faketiktok is a strict fake of TikTok's Content Posting API v2
// and its OAuth token endpoint, for tests and benchmarks that must not
// reach the internet. It is written from the platform's documentation
// (docs/platforms/tiktok.md, and its section "The fake") and refuses what the
// real API refuses: a fake that accepts anything proves nothing.
//
// What it serves:
//
//	POST /v2/oauth/token/                      form; authorization_code and refresh_token grants; refresh tokens rotate
//	POST /v2/post/publish/creator_info/query/  the user's privacy options, interaction flags, max duration
//	POST /v2/post/publish/video/init/          direct video post, FILE_UPLOAD (exact chunk arithmetic) or PULL_FROM_URL
//	POST /v2/post/publish/inbox/video/init/    draft upload to the user's inbox (source_info only)
//	POST /v2/post/publish/content/init/        photo post, PULL_FROM_URL, DIRECT_POST or MEDIA_UPLOAD
//	POST /v2/post/publish/status/fetch/        PROCESSING_* for a few reads, then PUBLISH_COMPLETE, SEND_TO_USER_INBOX or FAILED
//	PUT  /upload/?upload_id=…&upload_token=…   the upload_url: sequential chunks with exact Content-Range
//
// Every API answer is the {data, error:{code,message,log_id}} envelope.
// Per-user, per-endpoint, per-minute limits answer 429 rate_limit_exceeded
// (init 6, creator_info 20, status 30). It records every publish
// (Publishes), the bytes uploaded (Uploaded), and every call (Calls); it
// can be told to answer with errors, to do the work and drop the
// connection, or to add latency (Inject, FailNext, WithLatency). It
// imports no "testing" so a benchmark command can run it too.
package faketiktok

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Privacy levels, as creator_info lists them.
const (
	PublicToEveryone    = "PUBLIC_TO_EVERYONE"
	MutualFollowFriends = "MUTUAL_FOLLOW_FRIENDS"
	FollowerOfCreator   = "FOLLOWER_OF_CREATOR"
	SelfOnly            = "SELF_ONLY"
)

// Publish statuses.
const (
	StatusProcessingUpload   = "PROCESSING_UPLOAD"
	StatusProcessingDownload = "PROCESSING_DOWNLOAD"
	StatusSendToUserInbox    = "SEND_TO_USER_INBOX"
	StatusPublishComplete    = "PUBLISH_COMPLETE"
	StatusFailed             = "FAILED"
)

// User is a TikTok creator the fake knows.
type User struct {
	OpenID   string
	Username string // creator_username
	Nickname string
	// AccessToken and RefreshToken are the user's first tokens; the token
	// endpoint issues more.
	AccessToken  string
	RefreshToken string
	// PrivateAccount: the creator's account is private (what an
	// unaudited client needs to post at all; SetUnaudited).
	PrivateAccount bool
	// PrivacyOptions defaults to a public account's list (a private
	// account's when PrivateAccount: no PUBLIC_TO_EVERYONE).
	PrivacyOptions                                []string
	CommentDisabled, DuetDisabled, StitchDisabled bool
	MaxVideoPostDurationSec                       int // default 600
	// Scopes are what the user's tokens were granted; nil: the default
	// (userScopes). A user connected before Serentak asked for
	// video.list has every scope but it.
	Scopes []string
}

// Publish is one publish_id the fake handed out.
type Publish struct {
	ID     string // publish_id
	OpenID string
	Kind   string // "video" or "photo"
	Inbox  bool   // an inbox/draft upload (video inbox init, or photo MEDIA_UPLOAD)
	Source string // FILE_UPLOAD or PULL_FROM_URL

	Title, Description string
	PrivacyLevel       string
	DisableComment     bool
	DisableDuet        bool
	DisableStitch      bool
	AutoAddMusic       bool
	BrandContentToggle bool
	BrandOrganicToggle bool
	// Restricted: posted through an unaudited client, so TikTok keeps it
	// SELF_ONLY whatever PrivacyLevel asked; it never gets a public ID.
	Restricted bool

	VideoURL   string
	PhotoURLs  []string
	CoverIndex int

	VideoSize, ChunkSize int64
	ChunkCount           int
	Received             int64 // bytes accepted through the upload_url
	ChunksReceived       int
	Downloaded           int64 // bytes fetched from PULL_FROM_URL sources

	// Status is the status the last status read returned ("" before any).
	Status     string
	FailReason string
	// PostID is the public post ID, set at PUBLISH_COMPLETE for public
	// posts.
	PostID    string
	CreatedAt time.Time
}

// Call is one request the fake answered (or dropped).
type Call struct {
	Method string
	Path   string
	Status int    // 0 when the connection was dropped
	Code   string // the envelope's error.code ("ok" on success)
	Fault  bool   // an injected fault decided the answer
	At     time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock for rate-limit windows, token expiry and the
// upload_url's one-hour life.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLatency delays every answer by d (for benchmarks).
func WithLatency(d time.Duration) Option { return func(s *Server) { s.SetLatency(d) } }

// WithProcessingReads sets how many status reads a publish stays in
// PROCESSING_* after its media is complete (default 2).
func WithProcessingReads(n int) Option { return func(s *Server) { s.processingReads = n } }

// WithClient sets the client_key and client_secret the token endpoint
// accepts (default "fake-client-key" / "fake-client-secret").
func WithClient(key, secret string) Option {
	return func(s *Server) { s.clientKey, s.clientSecret = key, secret }
}

// WithTokenLifetimes sets expires_in and refresh_expires_in (defaults: the
// newer doc's 2 h and 180 days).
func WithTokenLifetimes(access, refresh time.Duration) Option {
	return func(s *Server) { s.accessTTL, s.refreshTTL = access, refresh }
}

// WithInsecurePull lets PULL_FROM_URL sources be plain http and IP hosts
// (an httptest media server on 127.0.0.1) — still only under a verified
// prefix. The real API allows neither.
func WithInsecurePull() Option { return func(s *Server) { s.insecurePull = true } }

// WithoutRateLimits turns off the per-minute limits (for benchmarks).
func WithoutRateLimits() Option { return func(s *Server) { s.noLimits = true } }

// WithMediaClient sets the client the fake fetches PULL_FROM_URL media
// with.
func WithMediaClient(c *http.Client) Option { return func(s *Server) { s.media = c } }

// WithTokens makes the fake keep its codes and tokens in t, shared with
// the fake of TikTok's login (connect/fakeoauth.Options), so that the
// tokens a login issues work on this fake's API.
func WithTokens(t *Tokens) Option { return func(s *Server) { s.tokens = t } }

// Server is a running fake. Use URL as the adapter's BaseURL; the
// token endpoint is URL+"/v2/oauth/token/".
type Server struct {
	*httptest.Server
	// Kit gives Inject, ClearFaults, FailNextWhere, Calls and SetLatency.
	fakeplatform.Kit[*http.Request, Fault, Call]

	now             func() time.Time
	processingReads int
	clientKey       string
	clientSecret    string
	accessTTL       time.Duration
	refreshTTL      time.Duration
	insecurePull    bool
	noLimits        bool
	media           *http.Client

	// tokens keeps the codes and tokens of the token endpoint (oauth.go).
	tokens *Tokens

	mu        sync.Mutex
	users     map[string]*user // open_id → user
	verified  []string         // URL prefixes
	domains   []string         // verified domains (cover subdomains)
	unaudited bool
	publishes []*publish
	byID      map[string]*publish
	counts    map[string]map[string]int64 // SetCounts, by post ID
	byUpload  map[string]*publish         // upload_id → publish
	hits      map[string][]time.Time
	failNext  []string // fail_reasons for the next publishes
	revoked   []string // access tokens revoked (revoke.go)
	nextID    int64
}

type user struct {
	User
	pendingShares []time.Time
}

type publish struct {
	Publish
	reads       int // status reads since the media was complete
	uploadID    string
	uploadToken string
	data        []byte
	failReason  string // injected, shown once processing ends
	mediaDone   bool   // bytes complete (upload) or fetched (pull)
	pullErr     string // fail_reason from fetching a pulled source
}

// New starts a fake on 127.0.0.1. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{
		now:             time.Now,
		processingReads: 2,
		clientKey:       "fake-client-key",
		clientSecret:    "fake-client-secret",
		accessTTL:       2 * time.Hour,
		refreshTTL:      180 * 24 * time.Hour,
		// Own transport: other tests' servers closing call CloseIdleConnections
		// on the default one, which breaks a fetch reusing a connection.
		media:    &http.Client{Timeout: 30 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()},
		tokens:   NewTokens(),
		users:    map[string]*user{},
		byID:     map[string]*publish{},
		counts:   map[string]map[string]int64{},
		byUpload: map[string]*publish{},
		hits:     map[string][]time.Time{},
		nextID:   1000001,
	}
	for _, o := range opts {
		o(s)
	}
	// The media client must not follow redirects: TikTok treats a 3xx as
	// an invalid source.
	c := *s.media
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.media = &c
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddUser makes a creator known, with a working access token and refresh
// token.
func (s *Server) AddUser(u User) {
	switch {
	case len(u.PrivacyOptions) > 0:
	case u.PrivateAccount:
		u.PrivacyOptions = []string{FollowerOfCreator, MutualFollowFriends, SelfOnly}
	default:
		u.PrivacyOptions = []string{PublicToEveryone, MutualFollowFriends, SelfOnly}
	}
	if u.MaxVideoPostDurationSec == 0 {
		u.MaxVideoPostDurationSec = 600
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.OpenID] = &user{User: u}
	scopes := userScopes
	if u.Scopes != nil {
		scopes = u.Scopes
	}
	now, g := s.now(), Grant{OpenID: u.OpenID, Scopes: scopes}
	if u.AccessToken != "" {
		s.tokens.AddAccess(u.AccessToken, g, now.Add(s.accessTTL))
	}
	if u.RefreshToken != "" {
		s.tokens.AddRefresh(u.RefreshToken, g, now.Add(s.refreshTTL))
	}
}

// userScopes are the scopes the users the fake knows (AddUser,
// AddAuthCode) granted: what posting needs, and video.list for metrics.
var userScopes = []string{"user.info.basic", "video.publish", "video.upload", "video.list"}

// SetPrivacyOptions changes what creator_info offers the user and what init
// accepts.
func (s *Server) SetPrivacyOptions(openID string, options ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[openID]; u != nil {
		u.PrivacyOptions = append([]string(nil), options...)
	}
}

// SetCounts sets what the video query answers for a public post's counts
// (view_count, like_count, comment_count, share_count).
func (s *Server) SetCounts(postID string, counts map[string]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[postID] = counts
}

// AddAuthCode makes a single-use authorization code for the user, good
// with any redirect_uri.
func (s *Server) AddAuthCode(code, openID string) {
	s.tokens.AddCode(code, Code{Grant: Grant{OpenID: openID, Scopes: userScopes}}, time.Time{})
}

// ExpireToken makes an access token invalid: later calls with it get 401
// access_token_invalid.
func (s *Server) ExpireToken(accessToken string) { s.tokens.EndAccess(accessToken) }

// RevokeRefreshToken makes a refresh token answer invalid_grant.
func (s *Server) RevokeRefreshToken(refreshToken string) { s.tokens.EndRefresh(refreshToken) }

// VerifyURLPrefix verifies a URL prefix for PULL_FROM_URL: it covers
// exactly the URLs that start with it.
func (s *Server) VerifyURLPrefix(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.verified = append(s.verified, prefix)
}

// VerifyDomain verifies a domain for PULL_FROM_URL (DNS TXT in the real
// portal): it covers the domain and its subdomains.
func (s *Server) VerifyDomain(domain string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.domains = append(s.domains, strings.ToLower(domain))
}

// SetUnaudited makes the client unaudited: a direct post to a public
// account is refused with 403
// unaudited_client_can_only_post_to_private_accounts whatever its
// privacy level, and a post to a private account is kept SELF_ONLY
// (Publish.Restricted).
func (s *Server) SetUnaudited(unaudited bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unaudited = unaudited
}

// FailNextPublish makes the next publish created end FAILED with reason
// (e.g. "duration_check_failed") once its processing is over.
func (s *Server) FailNextPublish(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, reason)
}

// Publishes returns copies of every publish made for the user (every user
// when openID is ""), oldest first.
func (s *Server) Publishes(openID string) []Publish {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Publish
	for _, p := range s.publishes {
		if openID == "" || p.OpenID == openID {
			c := p.Publish
			c.PhotoURLs = append([]string(nil), p.PhotoURLs...)
			out = append(out, c)
		}
	}
	return out
}

// Uploaded returns a copy of the bytes received through a publish's
// upload_url so far.
func (s *Server) Uploaded(publishID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.byID[publishID]; p != nil {
		return append([]byte(nil), p.data...)
	}
	return nil
}

// CountCalls counts logged calls whose path starts with prefix (e.g.
// "/v2/post/publish/video/init/", "/upload/"). An empty method matches any.
func (s *Server) CountCalls(method, prefix string) int {
	return s.CountCallsWhere(func(c Call) bool {
		return (method == "" || c.Method == method) && strings.HasPrefix(c.Path, prefix)
	})
}

func (s *Server) newIDLocked() string {
	id := strconv.FormatInt(s.nextID, 10)
	s.nextID++
	return id
}
