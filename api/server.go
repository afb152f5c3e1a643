// Package api is Serentak's REST API (docs/api.md, api/openapi.json) on
// Echo v4. It is the one place where serentak.Error codes become HTTP
// statuses and the error body of the contract. It holds no SQL and no
// queue: it talks to a Store, a blob.Store and compose.
package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/safeurl"

	_ "time/tzdata" // a minimal container must still know Asia/Jakarta
)

// Defaults for the Config limits.
const (
	DefaultBodyLimit     = 1 << 20   // 1 MiB of JSON
	DefaultMediaMaxBytes = 512 << 20 // 512 MiB per uploaded file
)

// Connector runs one platform's OAuth connect flow.
type Connector interface {
	// AuthorizeURL is where to send the user to log in; its state names
	// the workspace.
	AuthorizeURL(ctx context.Context, workspaceID string) (string, error)
	// Callback finishes the flow from the platform's redirect (code,
	// state) and returns the accounts it created or updated.
	Callback(ctx context.Context, query url.Values) ([]serentak.Account, error)
}

// Config is everything the API needs; cmd/serentak fills it.
type Config struct {
	Store  Store
	Blobs  blob.Store
	Signer *media.Signer
	// AdminKey is the operator key; empty disables it.
	AdminKey string
	// PublicURL is this server's public base URL; /openapi.json names it
	// as the server. (Signer has its own copy for media links.)
	PublicURL string
	// MediaAllowPrivate lets media URLs point at private addresses.
	MediaAllowPrivate bool
	// Resolver looks up media URL hosts; nil means net.DefaultResolver.
	Resolver safeurl.Resolver
	// Publishers lists the platforms that have an adapter; a post target
	// on any other platform is refused.
	Publishers map[serentak.Platform]bool
	// Connectors are the configured OAuth connect flows, by platform.
	Connectors map[serentak.Platform]Connector
	// AccountHealthFunc, when set, adds granted scopes, the last check and
	// the last error to the accounts' answers (connect.go).
	AccountHealthFunc func(ctx context.Context, workspaceID string) (map[string]AccountHealth, error)
	// ReadyFunc checks the database and Redis for /readyz; its error names
	// what is down. nil: always ready.
	ReadyFunc func(ctx context.Context) error
	// WakeFunc, when set, nudges the scheduler after a post is created or
	// rescheduled, so a post due now does not wait for the next tick.
	WakeFunc func()
	Logger   *slog.Logger
	Now      func() time.Time
	// BodyLimit caps JSON bodies (default 1 MiB).
	BodyLimit int64
	// MediaMaxBytes caps one uploaded file (default 512 MiB).
	MediaMaxBytes int64
	// Uploads keeps resumable uploads while they arrive (uploads.go). nil:
	// beside the blobs when Blobs is a *blob.Disk, else resumable uploads
	// answer 404.
	Uploads *media.Uploads
	// UploadMaxBytes caps a resumable upload when Uploads is made here
	// (default 4 GiB).
	UploadMaxBytes int64
	// UploadIdleTimeout ends an upload request whose body sends nothing
	// for this long (default 60 s), so a dead phone connection frees the
	// upload.
	UploadIdleTimeout time.Duration
	// RateLimit is requests per second per API key (burst: twice that, at
	// least 1); 0 turns rate limiting off.
	RateLimit float64
}

// Server is the API.
type Server struct {
	cfg     Config
	openAPI []byte
	log     *slog.Logger
	now     func() time.Time
	e       *echo.Echo
	urls    *safeurl.Checker
	limiter *limiter
}

// New builds the API from cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.BodyLimit <= 0 {
		s.cfg.BodyLimit = DefaultBodyLimit
	}
	if s.cfg.MediaMaxBytes <= 0 {
		s.cfg.MediaMaxBytes = DefaultMediaMaxBytes
	}
	if s.cfg.UploadMaxBytes <= 0 {
		s.cfg.UploadMaxBytes = DefaultUploadMaxBytes
	}
	if s.cfg.UploadIdleTimeout <= 0 {
		s.cfg.UploadIdleTimeout = DefaultUploadIdleTimeout
	}
	if s.cfg.Uploads == nil {
		s.cfg.Uploads = defaultUploads(s.cfg, s.now)
	}
	s.openAPI = openAPIFor(cfg.PublicURL)
	s.urls = &safeurl.Checker{AllowPrivate: cfg.MediaAllowPrivate, Resolver: cfg.Resolver}
	if cfg.RateLimit > 0 {
		s.limiter = newLimiter(cfg.RateLimit, s.now)
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.requestIDMiddleware, s.accessLogMiddleware, s.recoverMiddleware)
	s.e = e
	s.routes()
	return s
}

// Handler returns the HTTP handler (the *echo.Echo).
func (s *Server) Handler() http.Handler { return s.e }

// routes registers every route. Middleware is given per route rather than
// with Group.Use, which would add catch-all routes to e.Routes() and blur
// the OpenAPI drift test.
func (s *Server) routes() {
	e := s.e
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/openapi.json", s.serveOpenAPI)
	e.GET("/public/media/:id", s.publicMedia)
	e.HEAD("/public/media/:id", s.publicMedia) // some fetchers ask for the size first
	e.GET("/v1/oauth/:platform/callback", s.oauthCallback)
	e.GET("/v1/oauth/:platform/reconnect", s.openReconnectLink)

	auth := []echo.MiddlewareFunc{s.authMiddleware, s.rateLimitMiddleware}
	ws := []echo.MiddlewareFunc{s.authMiddleware, s.rateLimitMiddleware, s.workspaceMiddleware}

	e.POST("/v1/workspaces", s.createWorkspace, auth...)
	e.GET("/v1/workspaces/:ws", s.getWorkspace, ws...)
	e.POST("/v1/workspaces/:ws/keys", s.createKey, ws...)

	e.POST("/v1/workspaces/:ws/accounts", s.attachAccount, ws...)
	e.GET("/v1/workspaces/:ws/accounts", s.listAccounts, ws...)
	e.GET("/v1/workspaces/:ws/accounts/:id", s.getAccount, ws...)
	e.GET("/v1/workspaces/:ws/accounts/connect/:platform", s.connectAccount, ws...)
	e.POST("/v1/workspaces/:ws/accounts/:id/reconnect-link", s.createReconnectLink, ws...)

	e.POST("/v1/workspaces/:ws/posts", s.createPost, ws...)
	e.GET("/v1/workspaces/:ws/posts", s.listPosts, ws...)
	e.GET("/v1/workspaces/:ws/posts/:id", s.getPost, ws...)
	e.PATCH("/v1/workspaces/:ws/posts/:id", s.reschedulePost, ws...)
	e.POST("/v1/workspaces/:ws/posts/:id/cancel", s.cancelPost, ws...)
	e.POST("/v1/workspaces/:ws/posts/preview", s.previewPost, ws...)

	e.GET("/v1/workspaces/:ws/templates", s.listTemplates, ws...)
	e.PUT("/v1/workspaces/:ws/templates/:platform/:language", s.putTemplate, ws...)
	e.DELETE("/v1/workspaces/:ws/templates/:platform/:language", s.deleteTemplate, ws...)

	e.POST("/v1/workspaces/:ws/media", s.uploadMedia, ws...)
	e.GET("/v1/workspaces/:ws/media/:id", s.getMedia, ws...)
	e.DELETE("/v1/workspaces/:ws/media/:id", s.deleteMedia, ws...)

	e.POST("/v1/workspaces/:ws/uploads", s.createUpload, ws...)
	e.GET("/v1/workspaces/:ws/uploads/:id", s.getUpload, ws...)
	e.HEAD("/v1/workspaces/:ws/uploads/:id", s.headUpload, ws...)
	e.PATCH("/v1/workspaces/:ws/uploads/:id", s.patchUpload, ws...)
	e.DELETE("/v1/workspaces/:ws/uploads/:id", s.deleteUpload, ws...)
}

// wake nudges the scheduler, if one is wired.
func (s *Server) wake() {
	if s.cfg.WakeFunc != nil {
		s.cfg.WakeFunc()
	}
}
