// Package fakeig is a strict fake of the Instagram Graph API's content
// publishing routes, for tests and benchmarks that must not reach the
// internet. It is written from the platform's documentation
// (docs/platforms/instagram.md, and its section "The fake") and refuses what
// the real API refuses: a fake that accepts anything proves nothing.
//
// What it serves (all under /vNN.N/, the same on either host name):
//
//	POST {ig-user-id}/media                      image_url | video_url + media_type=REELS | carousel items | CAROUSEL parent
//	POST {ig-user-id}/media_publish              creation_id
//	GET  {ig-user-id}/content_publishing_limit   quota_usage, config
//	GET  {ig-user-id}/media                      the account's media, newest first
//	GET  {id}                                    a container (status_code), a media (permalink) or the user
//
// Containers walk IN_PROGRESS → FINISHED over a configurable number of
// status reads and expire after a configurable age. image_url and
// video_url are fetched and their bytes checked, as Instagram does. The
// fake records every container and media (Containers, Media), logs every
// call (Calls, CountCalls), serves sample media (SampleJPEGURL,
// SamplePNGURL, SampleVideoURL) and can answer with Graph errors, drop the
// connection after publishing, or add latency (Inject, FailNext,
// WithLatency). It imports no "testing" so a benchmark command can run it.
package fakeig

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Container status codes.
const (
	StatusInProgress = "IN_PROGRESS"
	StatusFinished   = "FINISHED"
	StatusPublished  = "PUBLISHED"
	StatusExpired    = "EXPIRED"
	StatusError      = "ERROR"
)

// Container is a media container the fake made.
type Container struct {
	ID     string
	UserID string
	// MediaType is the media_type sent: "" for a single image, "VIDEO"
	// (carousel video items only), "REELS", "CAROUSEL" or "STORIES".
	MediaType      string
	ImageURL       string
	VideoURL       string
	Caption        string
	IsCarouselItem bool
	// ShareToFeed is the share_to_feed sent with a Reel; nil: not sent.
	ShareToFeed *bool
	Children    []string // a carousel's item containers
	StatusCode  string
	// Status is the error subcode when StatusCode is ERROR.
	Status      string
	StatusReads int // GETs of this container so far
	CreatedAt   time.Time
	MediaID     string // set once published
	// Parent is the carousel container that took this item.
	Parent string
}

// Media is a published post.
type Media struct {
	ID          string
	UserID      string
	ContainerID string // empty for seeded media
	MediaType   string // IMAGE, VIDEO or CAROUSEL_ALBUM
	ProductType string // FEED, REELS or STORY
	Caption     string
	Shortcode   string
	Permalink   string
	// Items are the carousel's item containers, in order.
	Items       []string
	PublishedAt time.Time
	// ViaAPI: published through media_publish (or seeded as such); only
	// these count toward the publishing quota.
	ViaAPI bool
	// Comments made through the API, oldest first.
	Comments []Comment
}

// Call is one request the fake answered (or dropped).
type Call struct {
	Method string
	Path   string // as requested, with the version, e.g. /v25.0/178/media
	ID     string // the node addressed: a user, container or media ID
	Edge   string // media, media_publish, content_publishing_limit; "" for node reads
	Status int    // the HTTP status answered; 0 when the connection was dropped
	Fault  bool   // an injected fault decided the answer
	At     time.Time
}

// Login is one of Instagram's two logins. Each has its own host and its
// own tokens ("Host URL" and "Access Tokens" in the Requirements table of
// every Instagram Platform reference, e.g.
// https://developers.facebook.com/documentation/instagram-platform/reference
// and .../instagram-graph-api/reference/ig-container): Instagram Login's
// Instagram User tokens (IGAA… in real life) are served by
// graph.instagram.com, Facebook Login's Facebook tokens (EAA…) by
// graph.facebook.com. A token on the other login's host is refused with
// code 190.
type Login string

// The two logins.
const (
	LoginInstagram Login = "instagram"
	LoginFacebook  Login = "facebook"
)

// The comments permission of each login (Comments reference, "Requirements":
// https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-media/comments).
const (
	PermCommentsInstagramLogin = "instagram_business_manage_comments"
	PermCommentsFacebookLogin  = "instagram_manage_comments"
)

// Comment is a comment the fake recorded on a media.
type Comment struct {
	ID, MediaID, Message string
	At                   time.Time
}

// tokenInfo is what the fake knows of a token.
type tokenInfo struct {
	user  string
	login Login
	// perms are the permissions granted; nil grants every one.
	perms map[string]bool
}

// Option configures a Server.
type Option func(*Server)

// WithHost sets which login's host the fake plays (default
// LoginInstagram, graph.instagram.com): a token of the other login is
// refused with 190, as Meta refuses it.
func WithHost(l Login) Option { return func(s *Server) { s.host = l } }

// WithLatency delays every answer by d (for benchmarks).
func WithLatency(d time.Duration) Option { return func(s *Server) { s.SetLatency(d) } }

// WithClock sets the clock that stamps containers and media and decides
// expiry and the quota window.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithMediaClient sets the client the fake fetches image_url and video_url
// with, as Instagram does.
func WithMediaClient(c *http.Client) Option { return func(s *Server) { s.media = c } }

// WithProcessingReads sets how many status reads of a new container answer
// IN_PROGRESS before it is FINISHED (default 2). With 0 a container is
// FINISHED as soon as it is made.
func WithProcessingReads(n int) Option { return func(s *Server) { s.processingReads = n } }

// WithContainerTTL sets the age at which an unpublished container becomes
// EXPIRED (default 24 h, as documented).
func WithContainerTTL(d time.Duration) Option { return func(s *Server) { s.ttl = d } }

// WithQuota sets the publishing quota: total posts per rolling window
// (default 50 per 24 h).
func WithQuota(total int, window time.Duration) Option {
	return func(s *Server) { s.quotaTotal, s.quotaWindow = total, window }
}

// Server is a running fake Instagram Graph API. Use URL as the adapter's
// base URL.
type Server struct {
	*httptest.Server
	// Kit gives Inject, ClearFaults, FailNextWhere, Calls and SetLatency.
	fakeplatform.Kit[*http.Request, Fault, Call]

	now             func() time.Time
	media           *http.Client
	processingReads int
	ttl             time.Duration
	quotaTotal      int
	quotaWindow     time.Duration
	host            Login

	mu         sync.Mutex
	tokens     map[string]tokenInfo
	expired    map[string]bool
	users      map[string]bool
	containers map[string]*Container
	order      []string                    // container IDs in creation order
	published  []*Media                    // in publication order
	insights   map[string]map[string]int64 // SetInsights, by media ID
	nextID     int64
	traceN     int
}

// New starts a fake Instagram Graph server on 127.0.0.1. Close it when
// done.
func New(opts ...Option) *Server {
	s := &Server{
		now: time.Now,
		// Own transport: other tests' servers closing call CloseIdleConnections
		// on the default one, which breaks a fetch reusing a connection.
		media:           &http.Client{Timeout: 10 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()},
		processingReads: 2,
		ttl:             24 * time.Hour,
		quotaTotal:      50,
		quotaWindow:     24 * time.Hour,
		host:            LoginInstagram,
		tokens:          map[string]tokenInfo{},
		expired:         map[string]bool{},
		users:           map[string]bool{},
		containers:      map[string]*Container{},
		insights:        map[string]map[string]int64{},
		nextID:          17900000000000001,
	}
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddUser makes an Instagram professional account known, usable with
// token, which has every permission. The token is of the login its prefix
// names as real tokens do (IGAA…: Instagram Login, EAA…: Facebook Login),
// else of the login whose host the fake plays.
func (s *Server) AddUser(igUserID, token string) {
	login := s.host
	switch {
	case strings.HasPrefix(token, "IGAA"):
		login = LoginInstagram
	case strings.HasPrefix(token, "EAA"):
		login = LoginFacebook
	}
	s.AddToken(igUserID, token, login)
}

// AddToken makes an Instagram professional account known, usable with a
// token of login granted perms (none given: every permission).
func (s *Server) AddToken(igUserID, token string, login Login, perms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[igUserID] = true
	ti := tokenInfo{user: igUserID, login: login}
	if len(perms) > 0 {
		ti.perms = map[string]bool{}
		for _, p := range perms {
			ti.perms[p] = true
		}
	}
	s.tokens[token] = ti
}

// Comments returns copies of the comments made on a media, oldest first.
func (s *Server) Comments(mediaID string) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.published {
		if m.ID == mediaID {
			return append([]Comment(nil), m.Comments...)
		}
	}
	return nil
}

// ExpireToken makes a token expired: later calls with it get 190/463.
func (s *Server) ExpireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
	s.expired[token] = true
}

// Media returns copies of the account's published media, oldest first.
func (s *Server) Media(igUserID string) []Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Media
	for _, m := range s.published {
		if m.UserID == igUserID {
			c := *m
			c.Items = append([]string(nil), m.Items...)
			c.Comments = append([]Comment(nil), m.Comments...)
			out = append(out, c)
		}
	}
	return out
}

// Containers returns copies of the account's containers, oldest first.
func (s *Server) Containers(igUserID string) []Container {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Container
	for _, id := range s.order {
		c := s.containers[id]
		if c.UserID == igUserID {
			s.expireLocked(c)
			cp := *c
			cp.Children = append([]string(nil), c.Children...)
			out = append(out, cp)
		}
	}
	return out
}

// SeedMedia records a media published at time at, as if published earlier
// (through the API when viaAPI, so it counts toward the quota).
func (s *Server) SeedMedia(igUserID, caption string, at time.Time, viaAPI bool) Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newMediaLocked(igUserID, "IMAGE", "FEED", caption, at)
	m.ViaAPI = viaAPI
	return *m
}

// QuotaUsage is the number of API publications inside the quota window.
func (s *Server) QuotaUsage(igUserID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quotaUsageLocked(igUserID, s.now().Add(-s.quotaWindow))
}

// FailContainer makes a container ERROR with status (an error subcode such
// as "2207026"), as when Instagram's processing fails.
func (s *Server) FailContainer(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.containers[id]; c != nil {
		c.StatusCode, c.Status = StatusError, status
	}
}

// ExpireContainer makes an unpublished container EXPIRED now.
func (s *Server) ExpireContainer(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.containers[id]; c != nil && c.StatusCode != StatusPublished {
		c.StatusCode = StatusExpired
	}
}

// CountCalls counts logged calls with the method and edge ("media",
// "media_publish", "content_publishing_limit", or "" for node reads). An
// empty method matches any.
func (s *Server) CountCalls(method, edge string) int {
	return s.CountCallsWhere(func(c Call) bool { return (method == "" || c.Method == method) && c.Edge == edge })
}

func (s *Server) newIDLocked() string {
	id := strconv.FormatInt(s.nextID, 10)
	s.nextID++
	return id
}

func (s *Server) newMediaLocked(userID, mediaType, productType, caption string, at time.Time) *Media {
	id := s.newIDLocked()
	n, _ := strconv.ParseInt(id, 10, 64)
	// A shortcode is not the media ID; links built from the ID are broken,
	// and a test comparing permalinks would notice.
	short := "C" + strconv.FormatInt(n, 36)
	m := &Media{
		ID: id, UserID: userID, MediaType: mediaType, ProductType: productType, Caption: caption,
		Shortcode: short, Permalink: "https://www.instagram.com/p/" + short + "/", PublishedAt: at,
	}
	if productType == "REELS" {
		m.Permalink = "https://www.instagram.com/reel/" + short + "/"
	}
	s.published = append(s.published, m)
	return m
}

// expireLocked turns an old unpublished container EXPIRED.
func (s *Server) expireLocked(c *Container) {
	if c.StatusCode != StatusPublished && c.StatusCode != StatusExpired && s.now().Sub(c.CreatedAt) >= s.ttl {
		c.StatusCode = StatusExpired
	}
}

func (s *Server) quotaUsageLocked(userID string, since time.Time) int {
	n := 0
	for _, m := range s.published {
		if m.UserID == userID && m.ViaAPI && m.PublishedAt.After(since) {
			n++
		}
	}
	return n
}

// mediaListLocked returns the account's media, newest first.
func (s *Server) mediaListLocked(userID string) []*Media {
	var out []*Media
	for _, m := range s.published {
		if m.UserID == userID {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PublishedAt.After(out[j].PublishedAt) })
	return out
}
