// Package fakegraph is a strict fake of the Facebook Graph API's Page
// publishing routes, for tests and benchmarks that must not reach the
// internet. It is written from the platform's documentation
// (docs/platforms/facebook.md) and refuses what the real API refuses: a fake
// that accepts anything proves nothing.
//
// What it serves (all under /vNN.N/):
//
//	POST {page}/feed      message, link, attached_media, published, scheduled_publish_time
//	POST {page}/photos    url (fetched and checked), caption, published
//	POST {page}/videos    file_url (fetched and checked), description, title;
//	                      or upload_phase start/transfer/finish (video.go)
//	GET  {page}/feed, {page}/published_posts, {page}/videos   newest first; since, until, limit, fields
//	GET  {object-id}      a page, post, photo or video (its status: video.go); fields
//	POST, GET {object-id}/comments   a Page's comments on its posts (comments.go)
//	GET  {post-id}/insights   a Page post's insights, by documented metric names (insights.go)
//
// Posting needs pages_manage_posts and commenting pages_manage_engagement;
// DenyPermission takes one from a token.
//
// It records every post (Posts), comment (Comments) and resumably uploaded
// video's bytes (VideoBytes), logs every call (Calls), serves sample
// media for photo and video posts (SampleImageURL, SampleVideoURL), and can
// be told to answer with Graph errors, drop the connection after accepting
// a post, or add latency (Inject, FailNext, WithLatency). It imports no
// "testing" so a benchmark command can run it too.
package fakegraph

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Kind is what sort of post a Post is.
type Kind string

const (
	KindStatus Kind = "status" // a text or link post made on /feed
	KindPhoto  Kind = "photo"  // one photo published through /photos
	KindPhotos Kind = "photos" // a /feed post with attached_media
	KindVideo  Kind = "video"  // a video published through /videos
)

// Post is a post the fake accepted.
type Post struct {
	// ID is "{page-id}_{n}" for feed and photo posts and the video ID for
	// videos (the Graph answers a video upload with the video's ID only).
	ID       string
	PageID   string
	Message  string // message, photo caption or video description
	Link     string
	Title    string // videos only
	PhotoIDs []string
	VideoID  string
	// CreatedAt is when the request arrived, by the server's clock.
	CreatedAt time.Time
	// ScheduledFor is set for a post made with published=false and a
	// scheduled_publish_time; such posts are not listed on the feed.
	ScheduledFor time.Time
	Kind         Kind
}

// Call is one request the fake answered (or dropped).
type Call struct {
	Method string
	Path   string // as requested, with the version, e.g. /v25.0/123/feed
	PageID string // the page whose edge was called; empty for object reads
	Edge   string // feed, photos, videos, published_posts; "" for object reads
	Status int    // the HTTP status answered; 0 when the connection was dropped
	Fault  bool   // an injected fault decided the answer
	At     time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithLatency delays every answer by d (for benchmarks).
func WithLatency(d time.Duration) Option { return func(s *Server) { s.SetLatency(d) } }

// WithClock sets the clock that stamps posts and checks schedule windows.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithMediaClient sets the client the fake uses to fetch photo and video
// URLs, as Facebook does.
func WithMediaClient(c *http.Client) Option { return func(s *Server) { s.media = c } }

// WithListener serves on ln instead of a fresh port on 127.0.0.1, so a
// command can offer the fake at an address people can type (cmd/serentak-fake).
// Close closes ln.
func WithListener(ln net.Listener) Option { return func(s *Server) { s.listener = ln } }

// Server is a running fake Graph API. Use URL as the adapter's base URL.
type Server struct {
	*httptest.Server
	// Kit gives Inject, ClearFaults, FailNextWhere, Calls and SetLatency.
	fakeplatform.Kit[*http.Request, Fault, Call]

	now      func() time.Time
	media    *http.Client
	listener net.Listener // from WithListener; nil: a fresh port

	mu      sync.Mutex
	tokens  map[string]string // page token → page ID
	revoked map[string]bool
	pages   map[string]bool
	posts   []*Post // in creation order
	photos  map[string]*photo
	videos  map[string]*video
	nextID  int64
	usageN  int

	// sessions are resumable uploads by upload_session_id.
	sessions  map[string]*video
	chunkSize int64
	// processingReads and processingFail are given to each new video
	// (SetVideoProcessing).
	processingReads int
	processingFail  string
	// perms are the permissions a token lacks (a token absent from it
	// has every permission).
	denied   map[string]map[string]bool
	comments map[string][]*Comment // by object ID
	// insights are the counts a post's insights answer (SetInsights);
	// a post absent has zeros.
	insights map[string]map[string]any
}

type photo struct {
	id, pageID, url, caption string
	published                bool
	usedBy                   string // the post that attached it
	createdAt                time.Time
}

type video struct {
	id, pageID  string
	statusReads int
	// processingReads is how many status reads answer "processing";
	// processingFail, when set, is the error processing then ends in.
	processingReads int
	processingFail  string
	// A resumable upload's session: its ID, the declared size, the bytes
	// received in order, the next offset expected, and whether finish
	// was called.
	session  string
	size     int64
	data     []byte
	next     int64
	finished bool
}

// New starts a fake Graph server on 127.0.0.1 (or WithListener's listener).
// Close it when done.
func New(opts ...Option) *Server {
	s := &Server{
		now: time.Now,
		// Own transport: other tests' servers closing call CloseIdleConnections
		// on the default one, which breaks a fetch reusing a connection.
		media:   &http.Client{Timeout: 10 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()},
		tokens:  map[string]string{},
		revoked: map[string]bool{},
		pages:   map[string]bool{},
		photos:  map[string]*photo{},
		videos:  map[string]*video{},
		nextID:  100000000000001,

		sessions:  map[string]*video{},
		chunkSize: DefaultChunkSize,
		denied:    map[string]map[string]bool{},
		comments:  map[string][]*Comment{},
		insights:  map[string]map[string]any{},
	}
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if s.listener != nil {
		s.Server.Listener.Close() // the fresh port httptest took
		s.Server.Listener = s.listener
	}
	s.Server.Start()
	return s
}

// AddPage makes a Page known, publishable with pageToken.
func (s *Server) AddPage(pageID, pageToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[pageID] = true
	s.tokens[pageToken] = pageID
}

// RevokeToken makes a token invalid, as when the Page's admin changes their
// password: later calls with it get 190/460.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
	s.revoked[token] = true
}

// Posts returns copies of the page's posts, oldest first, scheduled ones
// included.
func (s *Server) Posts(pageID string) []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Post
	for _, p := range s.posts {
		if p.PageID == pageID {
			c := *p
			c.PhotoIDs = append([]string(nil), p.PhotoIDs...)
			out = append(out, c)
		}
	}
	return out
}

// PostCount is the number of posts on every page.
func (s *Server) PostCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.posts)
}

// CountCalls counts logged calls with the method and edge ("feed",
// "photos", "videos", "published_posts", or "" for object reads). An empty
// method matches any.
func (s *Server) CountCalls(method, edge string) int {
	return s.CountCallsWhere(func(c Call) bool { return (method == "" || c.Method == method) && c.Edge == edge })
}

// newIDLocked returns a fresh numeric Graph ID.
func (s *Server) newIDLocked() string {
	id := strconv.FormatInt(s.nextID, 10)
	s.nextID++
	return id
}

// listLocked returns the page's published posts, newest first.
func (s *Server) listLocked(pageID string, kind Kind) []*Post {
	var out []*Post
	for _, p := range s.posts {
		if p.PageID != pageID || !p.ScheduledFor.IsZero() {
			continue
		}
		if kind != "" && p.Kind != kind {
			continue
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out
}
