// Package api is Serentak's REST API (docs/api.md, api/openapi.json) on
// Echo v4. It is the one place where serentak.Error codes become HTTP
// statuses and the error body of the contract. It holds no SQL and no
// queue: it talks to a Store, a blob.Store and compose.
package api

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/clicks"
	"github.com/serentak/serentak/compose"
	"github.com/serentak/serentak/mail"
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

// Config is everything the API needs; internal/app fills it.
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
	// WebhookAllowPrivate lets webhook URLs point at private addresses
	// (SERENTAK_WEBHOOK_ALLOW_PRIVATE).
	WebhookAllowPrivate bool
	// Resolver looks up media and webhook URL hosts; nil means
	// net.DefaultResolver.
	Resolver safeurl.Resolver
	// ReadMediaFunc reads the first bytes of a post's media URL when the
	// post is created (or previewed), to type it from its bytes
	// (media.Source.Head: a range request through the safe fetcher). nil:
	// URLs are not read, and are typed from their "type" or extension.
	ReadMediaFunc func(ctx context.Context, rawURL string) (media.Head, error)
	// Publishers lists the platforms that have an adapter; a post target
	// on any other platform is refused.
	Publishers map[serentak.Platform]bool
	// OptionsReaders ask a platform what an account can choose now
	// (GET …/accounts/{id}/options, and TikTok targets' options at
	// creation), by platform. A platform without one answers the options
	// it takes.
	OptionsReaders map[serentak.Platform]serentak.OptionsReader
	// TikTokPullFromURL: TikTok may fetch media from PublicURL, whose
	// domain is verified for the app (SERENTAK_TIKTOK_PULL_FROM_URL). TikTok
	// takes photos only that way, so without it a TikTok photo post is
	// refused at creation (docs/platforms/tiktok.md#pull-from-url).
	TikTokPullFromURL bool
	// YouTubePrivacy is a YouTube target's privacy when its options give
	// none (SERENTAK_YOUTUBE_PRIVACY); empty leaves it to the adapter.
	YouTubePrivacy string
	// Connectors are the configured OAuth connect flows, by platform.
	Connectors map[serentak.Platform]Connector
	// Revokers revoke an account's token at its platform when its
	// workspace is deleted; a platform without one is skipped
	// (docs/api.md#leaving-export-and-deletion).
	Revokers map[serentak.Platform]serentak.TokenRevoker
	// AccountHealthFunc, when set, adds granted scopes, the last check and
	// the last error to the accounts' answers (connect.go).
	AccountHealthFunc func(ctx context.Context, workspaceID string) (map[string]serentak.AccountHealth, error)
	// PermissionsFunc, when set, names the permissions a platform's
	// feature ("first_comment") needs beyond publishing (the adapters'
	// PermissionsFor). Against AccountHealthFunc's granted scopes it makes
	// the accounts' missing_permissions and a target's warning at
	// creation (accounts.go).
	PermissionsFunc func(p serentak.Platform, feature string) []string
	// ReadyFunc checks the database and Redis for /readyz; it names what
	// is down with Unready (errors.Join for several): /readyz answers those
	// names only, and logs the rest. nil: always ready.
	ReadyFunc func(ctx context.Context) error
	// WakeFunc, when set, nudges the scheduler after a post is created or
	// rescheduled, so a post due now does not wait for the next tick.
	WakeFunc func()
	// TracerProvider makes the server span of each request; nil: tracing
	// off.
	TracerProvider trace.TracerProvider
	Logger         *slog.Logger
	Now            func() time.Time
	// ComposeRules are the install's platform rule settings composing
	// uses (SERENTAK_INSTAGRAM_MAX_HASHTAGS); zero: compose's defaults.
	ComposeRules compose.Rules
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
	// RateLimit is requests per second per API key (burst: RateBurst); 0
	// turns rate limiting off.
	RateLimit float64
	// RateBurst is how many requests a key may make at once; 0: twice
	// RateLimit, at least 1.
	RateBurst int
	// RateLimits keeps the keys' allowances across every API process of
	// the install (throttle.Redis); nil keeps them in this process only
	// (ratelimit.go).
	RateLimits RateCounter
	// AuthFailureLimit is how many failed authentications (an unknown or
	// revoked key, an ended session) a client address may make in a
	// minute before it is answered 429, counted in SignInFailures: 0 takes
	// DefaultAuthFailureLimit, a negative value turns it off.
	AuthFailureLimit int
	// CORSOrigins are the browser origins allowed to call the API
	// (SERENTAK_CORS_ORIGINS; cors.go); empty: none.
	CORSOrigins []string
	// ReadTimeout bounds reading one request, its body included (default
	// 30 s), so a client sending a byte at a time cannot hold a
	// connection. The upload routes extend it while bytes keep coming
	// (UploadIdleTimeout), so large files still arrive.
	ReadTimeout time.Duration
	// WriteTimeout bounds each answer from when its handler starts
	// (default 30 s), so a client that never reads cannot hold a
	// connection. Public media extends it on every write: a platform
	// pulling a large video gets it whole as long as it keeps reading.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no next
	// request for this long (default 60 s).
	IdleTimeout time.Duration
	// Mailer, when set, emails invites and password reset links to the
	// person (passwordlinks.go); nil: the links are only answered to
	// whoever makes them, and POST /v1/password-resets sends nothing.
	Mailer mail.Sender
	// SignInFailures counts failed sign-ins across every API process of
	// the install (throttle.Redis); nil counts in this process only
	// (signin.go).
	SignInFailures FailureCounter
	// YouTubeDailyUploads is the install's Google Cloud project's
	// videos.insert calls per quota day, shared by every channel
	// (SERENTAK_YOUTUBE_DAILY_UPLOADS; youtubequota.go): 0 takes
	// youtube.DefaultDailyUploads, a negative value turns the check off.
	YouTubeDailyUploads int
	// Metrics, when set, answers GET /metrics (package metrics' Handler):
	// to the operator key, or to anyone when MetricsPublic is set
	// (SERENTAK_METRICS_PUBLIC). nil: /metrics answers 404.
	Metrics       http.Handler
	MetricsPublic bool
	// ObserveRequestFunc, when set, is told every request's method, route
	// template (c.Path(): /v1/workspaces/:ws/posts, never an ID; "" when
	// no route matched), status and duration.
	ObserveRequestFunc func(method, route string, status int, d time.Duration)
	// BioClickFlushEvery is how often the link-in-bio page's clicks,
	// counted in memory, are written (CountClicks); 0:
	// clicks.DefaultFlushEvery.
	BioClickFlushEvery time.Duration
	// ClickRepeats remembers who clicked a tracked link or a link-in-bio
	// button, for LinkRepeatWindow and bioRepeatWindow, across every API
	// process of the install (clicks.Redis); nil: in this process only
	// (clicks.Memory).
	ClickRepeats clicks.Repeats

	// Tracked order links (orderlinks.go). LinkRepeatWindow: a click from
	// the same client, browser and link within it is not counted again
	// (default 30 minutes).
	LinkRepeatWindow time.Duration
	// LinkFlushEvery is how often counted clicks are written to the
	// database (default 2 s).
	LinkFlushEvery time.Duration
	// ObserveClickFunc, when set, is told each tracked link request's
	// outcome (clicks.Outcomes).
	ObserveClickFunc func(outcome string)
}

// Defaults of the HTTP server's timeouts (HTTPServer).
const (
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 30 * time.Second
	DefaultIdleTimeout  = 60 * time.Second
	// readHeaderTimeout bounds the request line and headers alone.
	readHeaderTimeout = 10 * time.Second
)

// Server is the API.
type Server struct {
	cfg     Config
	openAPI []byte
	// The reference page at /docs, rendered from openAPI on first use.
	docsOnce sync.Once
	docsPage []byte
	docsErr  error
	log      *slog.Logger
	now      func() time.Time
	e        *echo.Echo
	urls     *safeurl.Checker
	// webhookURLs checks webhook endpoints' URLs.
	webhookURLs *safeurl.Checker
	limiter     *rateLimiter // nil: no rate limit
	// authFails counts failed authentications per client address
	// (authMiddleware); nil: not limited.
	authFails *signInGuard
	cors      *cors
	// ytDays tells YouTube's quota days apart; nil loc: not loaded, and
	// the quota is left to the workers.
	ytDays  *youtube.QuotaDays
	options optionsCache
	hasher  *passwordHasher
	signIns *signInGuard
	// resetMails counts the self-service reset emails sent per user
	// (passwordlinks.go).
	resetMails *signInGuard
	// auditLast is the last audit entry's ID: the next sorts after it
	// (serentak.NewIDAfter), so a process's entries page in the order it
	// wrote them.
	auditMu   sync.Mutex
	auditLast string
	// mailSlots bounds the emails being sent in the background; mailWG
	// counts them (passwordlinks.go).
	mailSlots chan struct{}
	mailWG    sync.WaitGroup
	// bioClicks counts the link-in-bio page's clicks (bio.go).
	bioClicks *clicks.Counter[serentak.BioClick]
	// thumbSlots bounds the link-in-bio thumbnails being made (bio.go).
	thumbSlots chan struct{}
	// links serves and counts tracked order links (orderlinks.go).
	links *linkRedirects
}

// New builds the API from cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	clock := cfg.Now
	if clock == nil {
		clock = time.Now
	}
	// Both databases keep microseconds. Every time the API makes (created_at,
	// a post's "now") is cut to them here, at the source, so the answer to a
	// create and a later GET write the same instant the same way.
	s.now = func() time.Time { return clock().UTC().Truncate(time.Microsecond) }
	defaultTo(&s.cfg.BodyLimit, DefaultBodyLimit)
	if s.cfg.YouTubeDailyUploads == 0 {
		s.cfg.YouTubeDailyUploads = youtube.DefaultDailyUploads
	}
	if days, err := youtube.LoadQuotaDays(); err != nil {
		s.log.Error("YouTube uploads are not counted at creation", "error", err)
	} else {
		s.ytDays = &days
	}
	defaultTo(&s.cfg.MediaMaxBytes, DefaultMediaMaxBytes)
	defaultTo(&s.cfg.UploadMaxBytes, DefaultUploadMaxBytes)
	defaultTo(&s.cfg.UploadIdleTimeout, DefaultUploadIdleTimeout)
	defaultTo(&s.cfg.ReadTimeout, DefaultReadTimeout)
	defaultTo(&s.cfg.WriteTimeout, DefaultWriteTimeout)
	defaultTo(&s.cfg.IdleTimeout, DefaultIdleTimeout)
	if s.cfg.Uploads == nil {
		s.cfg.Uploads = defaultUploads(s.cfg, s.now)
	}
	s.openAPI = openAPIFor(cfg.PublicURL)
	s.urls = &safeurl.Checker{AllowPrivate: cfg.MediaAllowPrivate, Resolver: cfg.Resolver}
	s.webhookURLs = &safeurl.Checker{AllowPrivate: cfg.WebhookAllowPrivate, Resolver: cfg.Resolver}
	s.hasher = newPasswordHasher()
	s.signIns = newSignInGuard(cfg.SignInFailures, s.now, s.log)
	s.mailSlots = make(chan struct{}, maxMailsAtOnce)
	s.thumbSlots = make(chan struct{}, thumbnailsAtOnce)
	s.resetMails = newSignInGuard(cfg.SignInFailures, s.now, s.log)
	s.resetMails.window = resetMailWindow
	if cfg.RateLimit > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst, cfg.RateLimits, s.now, s.log)
	}
	if cfg.AuthFailureLimit >= 0 {
		s.authFails = newSignInGuard(cfg.SignInFailures, s.now, s.log)
		s.authFails.window = authFailWindow
		s.authFails.limit = cmp.Or(cfg.AuthFailureLimit, DefaultAuthFailureLimit)
		s.authFails.slowAfter = s.authFails.limit // refused, never slowed
		s.authFails.timeout = sharedCountTimeout
		s.authFails.refusal = "too many failed authentications from this address; try again in a minute"
	}
	s.cors = newCORS(cfg.CORSOrigins)
	// One memory of repeats for both kinds of counted link (their keys
	// name the kind).
	repeats := cfg.ClickRepeats
	if repeats == nil {
		repeats = clicks.NewMemory()
	}
	s.bioClicks = clicks.NewCounter(func(ctx context.Context, counts map[serentak.BioClick]int64, _ time.Time) error {
		return cfg.Store.AddBioClicks(ctx, counts)
	}, clicks.Options{Every: cfg.BioClickFlushEvery, Repeats: repeats, Window: bioRepeatWindow, Log: s.log})
	s.links = newLinkRedirects(s, repeats)

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Pre(s.corsMiddleware)
	e.Use(s.traceMiddleware(), s.writeDeadlineMiddleware, s.requestIDMiddleware, s.accessLogMiddleware, s.recoverMiddleware)
	s.e = e
	s.routes()
	return s
}

// defaultTo sets a limit left at zero (or below) to its default.
func defaultTo[T int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Handler returns the HTTP handler (the *echo.Echo).
func (s *Server) Handler() http.Handler { return s.e }

// HTTPServer returns the http.Server that serves the API on addr, with
// the timeouts of the Config: reading a request (ReadTimeout, headers
// within 10 s of it) and keep-alive idling (IdleTimeout). It has no
// WriteTimeout: one deadline for every answer would cut off a platform
// pulling a large video from the public media route. Each handler gets
// its write deadline instead (writeDeadlineMiddleware), and the routes
// that stream extend theirs.
//
// Serve it on Listener(ln): what net/http answers itself, before any
// handler (a request line or header it cannot parse), then carries the
// JSON error body too; the log gets its connection errors.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.e,
		ReadHeaderTimeout: min(readHeaderTimeout, s.cfg.ReadTimeout),
		ReadTimeout:       s.cfg.ReadTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// routes registers every route. Middleware is given per route rather than
// with Group.Use, which would add catch-all routes to e.Routes() and blur
// the OpenAPI drift test.
func (s *Server) routes() {
	e := s.e
	// HEAD answers as GET without a body (net/http drops it): load
	// balancers and probes that only look at the status.
	e.GET("/healthz", s.healthz)
	e.HEAD("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.HEAD("/readyz", s.readyz)
	e.GET("/openapi.json", s.serveOpenAPI)
	e.GET("/docs", s.serveDocs)
	if s.cfg.MetricsPublic {
		e.GET("/metrics", s.serveMetrics)
	} else {
		e.GET("/metrics", s.serveMetrics, s.authMiddleware, s.operatorOnly)
	}
	e.GET("/public/media/:id", s.publicMedia)
	e.HEAD("/public/media/:id", s.publicMedia) // some fetchers ask for the size first
	e.GET("/v1/oauth/:platform/callback", s.oauthCallback)
	e.GET("/v1/oauth/:platform/reconnect", s.openReconnectLink)
	// The approval link's page: its token is the key (approvallink.go).
	e.GET(approvalLinkPath, s.showApprovalLink)
	e.HEAD(approvalLinkPath, s.showApprovalLink) // link-preview robots: never uses the link
	e.POST(approvalLinkPath, s.decideApprovalLink)
	// The link-in-bio page (bio.go): public, its handle is the name.
	e.GET("/b/:handle", s.showBio)
	e.HEAD("/b/:handle", s.showBio)
	e.GET("/b/:handle/o/:post", s.orderFromBio)
	e.GET("/b/:handle/img/:media", s.bioPhotoServe)
	e.HEAD("/b/:handle/img/:media", s.bioPhotoServe)
	e.GET(bioStylePath, s.bioStyle)
	// Tracked order links: public, like the media a platform pulls.
	e.GET(linkPath, s.followLink)
	e.HEAD(linkPath, s.followLink) // link checkers: answered, never counted

	auth := []echo.MiddlewareFunc{s.authMiddleware, s.rateLimitMiddleware}
	// in is a /v1/workspaces/{ws} route's middleware: the caller, its
	// workspace (another workspace's caller gets 404 here), then the power
	// the route needs (need: the one place roles are checked, 403), then
	// the route's own. auditMiddleware records every change (audit.go).
	// Every workspace route names its power here; the
	// tenancy matrix test (roles_test.go) walks them all.
	in := func(p serentak.Power, more ...echo.MiddlewareFunc) []echo.MiddlewareFunc {
		return append([]echo.MiddlewareFunc{s.authMiddleware, s.rateLimitMiddleware, s.workspaceMiddleware, s.need(p), s.auditMiddleware}, more...)
	}
	read, write, manage := serentak.PowerRead, serentak.PowerWrite, serentak.PowerManage
	approve := serentak.PowerApprove
	// Routes whose :id names a resource: an ID that is not well-formed is
	// not found before any lookup (input.go).
	account, post := idParam(serentak.PrefixAccount, "account"), idParam(serentak.PrefixPost, "post")
	med, upload := idParam(serentak.PrefixMedia, "media"), idParam(media.PrefixUpload, "upload")
	key := idParam(serentak.PrefixKey, "key")
	hook := idParam(serentak.PrefixWebhook, "webhook")
	user, member := idParam(serentak.PrefixUser, "user"), idParam(serentak.PrefixUser, "member")

	// People and sessions (users.go). Creating users and reset links is
	// the operator's (checked in the handlers: no workspace here); the
	// links' tokens and a sign-in's password are their own keys. The
	// links open a page (GET, HEAD: never used up) whose form posts to
	// the same path (passwordlinks.go).
	e.POST("/v1/users", s.createUser, auth...)
	e.POST("/v1/users/:id/password-reset", s.createPasswordReset, append(auth, user)...)
	e.GET("/v1/invites/:token", s.showPasswordLink(serentak.TokenInvite))
	e.HEAD("/v1/invites/:token", s.showPasswordLink(serentak.TokenInvite))
	e.POST("/v1/invites/:token", s.setPassword(serentak.TokenInvite))
	e.POST("/v1/password-resets", s.requestPasswordReset)
	e.GET("/v1/password-resets/:token", s.showPasswordLink(serentak.TokenReset))
	e.HEAD("/v1/password-resets/:token", s.showPasswordLink(serentak.TokenReset))
	e.POST("/v1/password-resets/:token", s.setPassword(serentak.TokenReset))
	e.POST("/v1/sessions", s.createSession)
	e.DELETE("/v1/sessions/current", s.deleteSession, auth...)
	e.GET("/v1/me", s.me, auth...)

	// Organizations (orgs.go): orgMiddleware resolves the caller's
	// organization role (another organization's caller gets 404), then
	// need checks the route's power as for a workspace.
	org := func(p serentak.Power, more ...echo.MiddlewareFunc) []echo.MiddlewareFunc {
		return append([]echo.MiddlewareFunc{s.authMiddleware, s.rateLimitMiddleware, s.orgMiddleware, s.need(p)}, more...)
	}
	e.POST("/v1/organizations", s.createOrganization, auth...)
	e.GET("/v1/organizations", s.listOrganizations, auth...)
	e.GET("/v1/organizations/:org", s.getOrganization, org(read)...)
	e.PATCH("/v1/organizations/:org", s.patchOrganization, org(manage)...)
	e.GET("/v1/organizations/:org/workspaces", s.listOrgWorkspaces, org(read)...)
	e.POST("/v1/organizations/:org/members", s.addOrgMember, org(manage)...)
	e.GET("/v1/organizations/:org/members", s.listOrgMembers, org(manage)...)
	e.PATCH("/v1/organizations/:org/members/:id", s.changeOrgMember, org(manage, member)...)
	e.DELETE("/v1/organizations/:org/members/:id", s.removeOrgMember, org(manage, member)...)

	e.POST("/v1/workspaces", s.createWorkspace, auth...)
	e.GET("/v1/workspaces", s.listWorkspaces, auth...)
	e.GET("/v1/workspaces/:ws", s.getWorkspace, in(read)...)
	e.PATCH("/v1/workspaces/:ws", s.patchWorkspace, in(manage)...)
	// Leaving (leave.go): the owner's, or the operator's.
	e.DELETE("/v1/workspaces/:ws", s.deleteWorkspace, in(serentak.PowerOwn)...)
	e.GET("/v1/workspaces/:ws/export", s.exportWorkspace, in(serentak.PowerOwn)...)

	// The audit log: admins and owners, like keys and members.
	e.GET("/v1/workspaces/:ws/audit", s.listAudit, in(manage)...)

	e.POST("/v1/workspaces/:ws/keys", s.createKey, in(manage)...)
	e.GET("/v1/workspaces/:ws/keys", s.listKeys, in(manage)...)
	e.DELETE("/v1/workspaces/:ws/keys/:id", s.revokeKey, in(manage, key)...)

	e.POST("/v1/workspaces/:ws/members", s.addMember, in(manage)...)
	e.GET("/v1/workspaces/:ws/members", s.listMembers, in(manage)...)
	e.PATCH("/v1/workspaces/:ws/members/:id", s.changeMember, in(manage, member)...)
	e.DELETE("/v1/workspaces/:ws/members/:id", s.removeMember, in(manage, member)...)
	e.POST("/v1/workspaces/:ws/members/:id/password-reset", s.createMemberPasswordReset, in(manage, member)...)

	// Webhooks (webhooks.go): an admin's, reading included.
	e.POST("/v1/workspaces/:ws/webhooks", s.createWebhook, in(manage)...)
	e.GET("/v1/workspaces/:ws/webhooks", s.listWebhooks, in(manage)...)
	e.GET("/v1/workspaces/:ws/webhooks/:id", s.getWebhook, in(manage, hook)...)
	e.PATCH("/v1/workspaces/:ws/webhooks/:id", s.patchWebhook, in(manage, hook)...)
	e.DELETE("/v1/workspaces/:ws/webhooks/:id", s.deleteWebhook, in(manage, hook)...)
	e.POST("/v1/workspaces/:ws/webhooks/:id/rotate-secret", s.rotateWebhookSecret, in(manage, hook)...)
	e.POST("/v1/workspaces/:ws/webhooks/:id/test", s.testWebhook, in(manage, hook)...)
	e.GET("/v1/workspaces/:ws/webhooks/:id/deliveries", s.listWebhookDeliveries, in(manage, hook)...)
	e.POST("/v1/workspaces/:ws/webhooks/:id/deliveries/:attempt_id/retry", s.retryWebhookDelivery, in(manage, hook)...)

	e.POST("/v1/workspaces/:ws/accounts", s.attachAccount, in(manage)...)
	e.GET("/v1/workspaces/:ws/accounts", s.listAccounts, in(read)...)
	e.GET("/v1/workspaces/:ws/accounts/:id", s.getAccount, in(read, account)...)
	e.GET("/v1/workspaces/:ws/accounts/:id/options", s.getAccountOptions, in(read, account)...)
	e.GET("/v1/workspaces/:ws/accounts/connect/:platform", s.connectAccount, in(manage)...)
	e.POST("/v1/workspaces/:ws/accounts/:id/reconnect-link", s.createReconnectLink, in(manage, account)...)
	e.DELETE("/v1/workspaces/:ws/accounts/:id", s.deleteAccount, in(manage, account)...)

	e.POST("/v1/workspaces/:ws/posts", s.createPost, in(write)...)
	// A CSV file of posts, each made as POST /posts makes one (imports.go).
	e.POST("/v1/workspaces/:ws/posts/import", s.importPosts, in(write)...)
	e.GET("/v1/workspaces/:ws/posts", s.listPosts, in(read)...)
	e.GET("/v1/workspaces/:ws/posts/:id", s.getPost, in(read, post)...)
	e.PATCH("/v1/workspaces/:ws/posts/:id", s.editPost, in(write, post)...)
	e.DELETE("/v1/workspaces/:ws/posts/:id", s.deletePost, in(write, post)...)
	e.POST("/v1/workspaces/:ws/posts/:id/schedule", s.schedulePost, in(write, post)...)
	e.POST("/v1/workspaces/:ws/posts/:id/cancel", s.cancelPost, in(write, post)...)
	e.POST("/v1/workspaces/:ws/posts/:id/approve", s.approvePost, in(approve, post)...)
	e.POST("/v1/workspaces/:ws/posts/:id/reject", s.rejectPost, in(approve, post)...)
	e.POST("/v1/workspaces/:ws/posts/:id/approval-link", s.createApprovalLink, in(write, post)...)
	// Previewing is composing a post: an editor's work (it also makes the
	// server read the post's media URLs).
	e.POST("/v1/workspaces/:ws/posts/preview", s.previewPost, in(write)...)

	// Stats and the monthly proof-of-publication report (stats.go,
	// report.go): whoever reads the workspace.
	e.GET("/v1/workspaces/:ws/posts/:id/stats", s.getPostStats, in(read, post)...)
	e.GET("/v1/workspaces/:ws/stats", s.getStats, in(read)...)
	e.GET("/v1/workspaces/:ws/reports/publication", s.publicationReport, in(read)...)

	e.GET("/v1/workspaces/:ws/queue", s.getQueue, in(read)...)
	e.PUT("/v1/workspaces/:ws/queue", s.putQueue, in(manage)...)

	e.GET("/v1/workspaces/:ws/templates", s.listTemplates, in(read)...)
	e.PUT("/v1/workspaces/:ws/templates/:platform/:language", s.putTemplate, in(manage)...)
	e.DELETE("/v1/workspaces/:ws/templates/:platform/:language", s.deleteTemplate, in(manage)...)

	e.POST("/v1/workspaces/:ws/media", s.uploadMedia, in(write)...)
	e.GET("/v1/workspaces/:ws/media", s.listMedia, in(read)...)
	e.GET("/v1/workspaces/:ws/media/:id", s.getMedia, in(read, med)...)
	e.DELETE("/v1/workspaces/:ws/media/:id", s.deleteMedia, in(write, med)...)

	e.POST("/v1/workspaces/:ws/uploads", s.createUpload, in(write)...)
	e.GET("/v1/workspaces/:ws/uploads/:id", s.getUpload, in(read, upload)...)
	e.HEAD("/v1/workspaces/:ws/uploads/:id", s.headUpload, in(read, upload)...)
	e.PATCH("/v1/workspaces/:ws/uploads/:id", s.patchUpload, in(write, upload)...)
	e.DELETE("/v1/workspaces/:ws/uploads/:id", s.deleteUpload, in(write, upload)...)
}

// wake nudges the scheduler, if one is wired.
func (s *Server) wake() {
	if s.cfg.WakeFunc != nil {
		s.cfg.WakeFunc()
	}
}
