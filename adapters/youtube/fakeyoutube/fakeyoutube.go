// Package fakeyoutube is a strict fake of the parts of the YouTube Data API
// v3 and Google's OAuth token endpoint that publishing uses, for tests and
// benchmarks that must not reach the internet. It is written from the
// platform's documentation (docs/platforms/youtube.md) and refuses what the
// real API refuses: a fake that accepts anything proves nothing.
//
// What it serves:
//
//	POST /upload/youtube/v3/videos?uploadType=resumable&part=…   start a resumable upload session
//	PUT  {session URI}   a chunk (Content-Range: bytes a-b/N), or a status query (bytes */N)
//	GET  /youtube/v3/videos?part=status,processingDetails&id=…  processing walks processing → succeeded
//	POST /token          grant_type=refresh_token and authorization_code
//
// The session start and videos.list need a valid bearer token (an expired
// or unknown one gets 401 authError); a session's PUTs do not, as on
// Google, where the upload_id in the session URI authorizes the upload.
//
// Uploaded bytes are not kept: each session hashes what it receives, so a
// 200 MB benchmark costs the fake no memory, and a test compares the
// SHA-256 of what it sent with what arrived (Videos). A connection cut in
// the middle of a chunk keeps what a real server keeps, the received
// prefix rounded down to 256 KiB, and the status query reports it.
//
// Faults (Inject, FailNext) answer with Google errors, cut a connection
// part-way through a chunk, or accept a request and hang up before
// answering. It imports no "testing" so a benchmark command can run it too.
package fakeyoutube

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Defaults.
const (
	// DefaultSessionTTL is how long an upload session lives. Google does
	// not document it; about a week is what is seen.
	DefaultSessionTTL = 7 * 24 * time.Hour
	// DefaultProcessingReads is how many videos.list reads report a new
	// video as still processing before it succeeds.
	DefaultProcessingReads = 2
	// DefaultUploadQuota is videos.insert calls per project per quota day
	// in the current quota model (docs/platforms/youtube.md#rate-limits-and-quotas).
	DefaultUploadQuota = 100
	// TokenLifetime is the expires_in of every access token issued.
	TokenLifetime = 3599 * time.Second
	// ChunkAlign is the unit every non-final chunk must be a multiple of.
	ChunkAlign = 256 << 10
)

// Route names the fake's endpoints, for faults and the call log.
type Route string

const (
	RouteStart  Route = "start"  // POST /upload/youtube/v3/videos (session start)
	RouteChunk  Route = "chunk"  // PUT {session} with bytes
	RouteStatus Route = "status" // PUT {session} with bytes */N
	RouteList   Route = "list"   // GET /youtube/v3/videos
	RouteToken  Route = "token"  // POST /token
	RouteRevoke Route = "revoke" // POST /revoke
)

// Video is a video the fake made from a completed upload.
type Video struct {
	ID        string
	ChannelID string
	SessionID string
	Title     string
	// Description, Tags and CategoryID are as sent in the snippet.
	Description string
	Tags        []string
	CategoryID  string
	// PrivacyStatus is the effective privacy (private when the project is
	// unaudited, whatever was asked); RequestedPrivacy is what was asked.
	PrivacyStatus    string
	RequestedPrivacy string
	PublishAt        string
	MadeForKids      bool
	ContentType      string
	Size             int64
	SHA256           string // hex of the received bytes, in order
	CreatedAt        time.Time
}

// Session is an upload session as the fake sees it.
type Session struct {
	ID          string
	ChannelID   string
	Total       int64
	ContentType string
	Received    int64 // bytes kept so far
	VideoID     string
	CreatedAt   time.Time
	Expired     bool
}

// Call is one request the fake answered (or dropped).
type Call struct {
	Route  Route
	Method string
	Path   string
	// ContentRange is the Content-Range of a chunk or status query.
	ContentRange string
	Status       int  // the HTTP status answered; 0 when the connection was cut
	Fault        bool // an injected fault decided the answer
	// Bytes is how much of a chunk's body the fake read.
	Bytes int64
	At    time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock for token expiry, session expiry, publishAt
// checks and the quota day.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLatency delays every answer by d (for benchmarks).
func WithLatency(d time.Duration) Option { return func(s *Server) { s.SetLatency(d) } }

// WithSessionTTL sets how long an upload session answers before it gives
// 404.
func WithSessionTTL(d time.Duration) Option { return func(s *Server) { s.sessionTTL = d } }

// WithProcessingReads sets how many videos.list reads see a new video as
// processing (0: processed at once).
func WithProcessingReads(n int) Option { return func(s *Server) { s.processingReads = n } }

// WithUploadQuota sets the project's videos.insert calls per quota day
// (midnight to midnight, Pacific time). Every session start counts, valid
// or not, as on the real API.
func WithUploadQuota(n int) Option { return func(s *Server) { s.uploadQuota = n } }

// WithChannelUploadLimit sets how many videos one channel may upload per
// quota day before uploadLimitExceeded (0: no limit).
func WithChannelUploadLimit(n int) Option { return func(s *Server) { s.channelLimit = n } }

// WithUnauditedProject makes every upload private whatever was asked, as
// YouTube does for API projects that have not passed its audit.
func WithUnauditedProject() Option { return func(s *Server) { s.unaudited = true } }

// WithClient sets the OAuth client the token endpoint accepts (defaults
// "fake-client-id" / "fake-client-secret").
func WithClient(id, secret string) Option {
	return func(s *Server) { s.clientID, s.clientSecret = id, secret }
}

// WithTokens makes the fake keep its codes and tokens in t, shared with
// the fake of Google's login (connect/fakeoauth.Options), so that the
// tokens a login issues work on this fake's API.
func WithTokens(t *Tokens) Option { return func(s *Server) { s.tokens = t } }

// Server is a running fake. Use URL as the adapter's BaseURL and URL+"/token"
// as its TokenURL.
type Server struct {
	*httptest.Server
	// Kit gives Inject, ClearFaults, FailNextWhere, Calls and SetLatency.
	fakeplatform.Kit[Request, Fault, Call]

	now             func() time.Time
	sessionTTL      time.Duration
	processingReads int
	uploadQuota     int
	channelLimit    int
	unaudited       bool
	clientID        string
	clientSecret    string
	pacific         *time.Location

	// tokens keeps the codes and tokens of the token endpoint (token.go).
	tokens *Tokens
	// revoked lists the tokens revoked at /revoke (revoke.go).
	revoked []string

	mu        sync.Mutex
	sessions  map[string]*session
	videos    []*video
	byID      map[string]*video
	quotaDay  string
	quotaUsed int
	chanUsed  map[string]int // channel → uploads this quota day
	nextN     int
}

type session struct {
	Session
	meta      metadata
	hashState []byte // the SHA-256 state after Received bytes
	done      *video
	busy      bool // a chunk is being read
}

type video struct {
	Video
	reads     int
	failure   string // status.failureReason when processing fails
	rejection string // status.rejectionReason when YouTube rejects it
	deleted   bool
	procReads int // reads that still see it processing
	stats     Statistics
}

// SetStatistics sets what the video's statistics part answers.
func (s *Server) SetStatistics(videoID string, st Statistics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.byID[videoID]; v != nil {
		v.stats = st
	}
}

// AddAccessTokenWithScopes makes a working access token for the channel
// granted only scopes (a channel connected before Serentak asked for one).
func (s *Server) AddAccessTokenWithScopes(channelID, token string, expires time.Time, scopes ...string) {
	s.tokens.AddAccess(token, Grant{ChannelID: channelID, Scopes: scopes}, expires)
}

// New starts a fake YouTube on 127.0.0.1. Close it when done.
func New(opts ...Option) *Server {
	pacific, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		// time/tzdata is linked in (see tz.go), so this cannot happen.
		panic("fakeyoutube: " + err.Error())
	}
	s := &Server{
		now:             time.Now,
		sessionTTL:      DefaultSessionTTL,
		processingReads: DefaultProcessingReads,
		uploadQuota:     DefaultUploadQuota,
		clientID:        "fake-client-id",
		clientSecret:    "fake-client-secret",
		pacific:         pacific,
		tokens:          NewTokens(),
		sessions:        map[string]*session{},
		byID:            map[string]*video{},
		chanUsed:        map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// TokenURL is the fake's OAuth token endpoint.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// RevokeURL is the fake's Google token revocation endpoint.
func (s *Server) RevokeURL() string { return s.URL + "/revoke" }

// ClientID and ClientSecret are the OAuth client the token endpoint accepts.
func (s *Server) ClientID() string     { return s.clientID }
func (s *Server) ClientSecret() string { return s.clientSecret }

// grantedScopes are the scopes of every grant the fake makes: what
// uploading and reading back need.
var grantedScopes = []string{"https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly"}

// AddAccessToken makes token valid for the channel until expires (zero:
// an hour from now by the fake's clock).
func (s *Server) AddAccessToken(channelID, token string, expires time.Time) {
	if expires.IsZero() {
		expires = s.now().Add(TokenLifetime)
	}
	s.tokens.AddAccess(token, Grant{ChannelID: channelID, Scopes: grantedScopes}, expires)
}

// AddRefreshToken makes a refresh token valid for the channel.
func (s *Server) AddRefreshToken(channelID, token string) {
	s.tokens.AddRefresh(token, Grant{ChannelID: channelID, Scopes: grantedScopes})
}

// AddAuthCode makes an authorization code exchangeable (once, with any
// redirect_uri) for the channel's tokens.
func (s *Server) AddAuthCode(channelID, code string) {
	s.tokens.AddCode(code, Code{Grant: Grant{ChannelID: channelID, Scopes: grantedScopes}}, time.Time{})
}

// RevokeRefreshToken makes a refresh token answer invalid_grant, as when
// the user removes the app's access, and ends the access tokens of its
// channel.
func (s *Server) RevokeRefreshToken(token string) { s.tokens.RevokeRefresh(token) }

// ExpireAccessToken makes an access token expired now: later calls with
// it get 401 authError.
func (s *Server) ExpireAccessToken(token string) { s.tokens.EndAccess(token) }

// ExpireSessions makes every upload session answer 404 from now on.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		ss.Expired = true
	}
}

// FailProcessing makes the video's processing fail with a
// status.failureReason such as "codec".
func (s *Server) FailProcessing(videoID, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.byID[videoID]; v != nil {
		v.failure = reason
	}
}

// RejectVideo makes YouTube reject the video with a status.rejectionReason
// such as "duplicate".
func (s *Server) RejectVideo(videoID, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.byID[videoID]; v != nil {
		v.rejection = reason
	}
}

// DeleteVideo removes a video from videos.list, as its owner deleting it.
func (s *Server) DeleteVideo(videoID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.byID[videoID]; v != nil {
		v.deleted = true
	}
}

// Videos returns copies of every video made, oldest first.
func (s *Server) Videos() []Video {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Video, 0, len(s.videos))
	for _, v := range s.videos {
		c := v.Video
		c.Tags = append([]string(nil), v.Tags...)
		out = append(out, c)
	}
	return out
}

// Sessions returns copies of every upload session started, oldest first.
func (s *Server) Sessions() []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, ss.Session)
	}
	sortSessions(out)
	return out
}

// CountCalls counts logged calls to a route.
func (s *Server) CountCalls(r Route) int {
	return s.CountCallsWhere(func(c Call) bool { return c.Route == r })
}

// QuotaUsed is how many videos.insert calls the current quota day has
// counted.
func (s *Server) QuotaUsed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollQuotaLocked()
	return s.quotaUsed
}

// SHA256Hex is the hex SHA-256 of b, the form Video.SHA256 takes.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
