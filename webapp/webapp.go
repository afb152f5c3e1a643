// Package webapp is Serentak's web app: the pages business owners and
// agencies use every day, served by the same process as the REST API and
// embedded in the binary (templates, styles, scripts, messages).
//
// Every page acts through the REST API, in process: a page's handler calls
// the API's own http.Handler with the person's session token, exactly as a
// mobile app would over the network. So roles, validation, tenancy, audit
// and composition are the API's, checked in one place; a page cannot do
// what the API would refuse, and what a preview shows is what the API
// composes. The web app keeps only what a browser needs on top: the
// session in a cookie, CSRF tokens, the message catalogue, and HTML.
//
// The few live parts (previews while typing, uploads with progress, drag
// to reschedule) call the API from the browser through /app/api/, which
// adds the session from the cookie and checks the CSRF header; every form
// also works without JavaScript.
package webapp

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

//go:embed messages
var messageFiles embed.FS

// Sign-up policies (SERENTAK_SIGNUP).
const (
	// SignUpFirst lets the first person sign up while the install has no
	// user yet (as Gitea's first start does); after that, people join by
	// invitation.
	SignUpFirst = "first"
	// SignUpOpen lets anyone sign up and get a workspace of their own.
	SignUpOpen = "open"
	// SignUpClosed: people join by invitation only.
	SignUpClosed = "closed"
)

// Config is what the web app needs from the process that serves it.
type Config struct {
	// API is the REST API's handler (api.Server.Handler()). Every page
	// acts through it; every path the web app does not own goes to it.
	API http.Handler
	// PublicURL is the install's public URL (SERENTAK_PUBLIC_URL); when
	// it is https, cookies are Secure.
	PublicURL string
	// OperatorKey lets sign-up make the new person's user and workspace
	// through the API, as an operator would. Empty: no sign-up.
	OperatorKey string
	// SignUp is SignUpFirst (default), SignUpOpen or SignUpClosed.
	SignUp string
	// AnyUser reports whether the install has a user already (for
	// SignUpFirst). Nil: as if it had.
	AnyUser func(ctx context.Context) (bool, error)
	// Connectable tells which platforms' OAuth apps are configured
	// ("facebook": true, …), so the accounts page can tell an admin which
	// settings a platform needs before they tap its button. Nil: as if
	// all were (the button then comes back saying what is missing).
	Connectable map[string]bool
	Log         *slog.Logger
	Now         func() time.Time
}

// App is the web app. It is an http.Handler for the whole site: the
// paths it owns are its pages, every other path goes to the API.
type App struct {
	cfg    Config
	e      *echo.Echo
	pages  *pages
	assets *assets
	secure bool
}

// New builds the web app. It panics when an embedded template or
// catalogue does not parse, which tests catch before any release.
func New(cfg Config) *App {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SignUp == "" {
		cfg.SignUp = SignUpFirst
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err)
	}
	a := &App{
		cfg:    cfg,
		assets: newAssets(static),
		secure: strings.HasPrefix(cfg.PublicURL, "https://"),
	}
	a.pages = mustParsePages(templateFiles, mustLoadCatalogue(messageFiles), a.assets)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	e.Use(a.headers)
	a.e = e
	a.routes()
	return a
}

// ServeHTTP serves the web app's own paths and hands every other one to
// the API, so the API keeps its JSON answers (404s included).
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if owns(r.URL.Path) {
		a.e.ServeHTTP(w, r)
		return
	}
	a.cfg.API.ServeHTTP(w, r)
}

// The paths of the web app; the API has everything else (/v1/, /healthz,
// /openapi.json, the approval and password pages, public media).
var ownPrefixes = []string{"/w/", "/static/", "/app/"}
var ownPaths = map[string]bool{"/": true, "/signin": true, "/signup": true, "/signout": true, "/lang": true, "/workspaces": true}

func owns(path string) bool {
	if ownPaths[path] {
		return true
	}
	for _, p := range ownPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// routes registers every page. A page is a handler here, a template in
// templates/ and its messages in messages/*.json.
func (a *App) routes() {
	e := a.e
	e.GET("/static/*", a.serveAsset)
	e.HEAD("/static/*", a.serveAsset)
	e.GET("/", a.home)
	e.GET("/signin", a.showSignIn)
	e.POST("/signin", a.signIn, a.formCSRF)
	e.GET("/signup", a.showSignUp)
	e.POST("/signup", a.signUp, a.formCSRF)
	e.POST("/signout", a.signOut, a.signedIn, a.sessionCSRF)
	e.GET("/lang", a.setLanguage)
	e.GET("/workspaces", a.listWorkspaces, a.signedIn)
	e.POST("/workspaces", a.createWorkspace, a.signedIn, a.sessionCSRF)
	e.Any("/app/api/*", a.proxy, a.signedIn)

	// A workspace's pages: workspace loads the person, their workspaces
	// and this one (404 outside their reach, as the API answers).
	ws := []echo.MiddlewareFunc{a.signedIn, a.workspace}
	e.GET("/w/:ws", a.dashboard, ws...)
	e.GET("/w/:ws/accounts", a.showAccounts, ws...)
	e.GET("/w/:ws/accounts/connect/:platform", a.connectAccount, ws...)
	e.POST("/w/:ws/accounts/:id/remove", a.removeAccount, append(ws, a.sessionCSRF)...)
	e.GET("/w/:ws/posts/new", a.showCompose, ws...)
	e.POST("/w/:ws/posts/new", a.submitCompose, append(ws, a.sessionCSRF)...)
	e.GET("/w/:ws/posts/:id/edit", a.showEdit, ws...)
	e.POST("/w/:ws/posts/:id/edit", a.submitEdit, append(ws, a.sessionCSRF)...)
	e.GET("/w/:ws/calendar", a.calendar, ws...)
	e.GET("/w/:ws/posts/:id", a.showPost, ws...)
	e.POST("/w/:ws/posts/:id/reschedule", a.reschedulePost, append(ws, a.sessionCSRF)...)
	e.POST("/w/:ws/posts/:id/cancel", a.cancelPost, append(ws, a.sessionCSRF)...)
	e.POST("/w/:ws/posts/:id/delete", a.deletePost, append(ws, a.sessionCSRF)...)

	// The agency's pages (agency.go and one file each): the hub, then
	// members, approvals, import, templates, keys, webhooks, settings.
	wsPost := append(ws[:len(ws):len(ws)], a.sessionCSRF)
	e.GET("/w/:ws/more", a.more, ws...)
	e.GET("/w/:ws/members", a.members, ws...)
	e.POST("/w/:ws/members", a.inviteMember, wsPost...)
	e.POST("/w/:ws/members/:id/role", a.changeMember, wsPost...)
	e.POST("/w/:ws/members/:id/remove", a.removeMember, wsPost...)
	e.GET("/w/:ws/approvals", a.approvals, ws...)
	e.POST("/w/:ws/approvals/:id/link", a.makeApprovalLink, wsPost...)
	e.POST("/w/:ws/approvals/:id/:decision", a.decidePost, wsPost...)
	e.GET("/w/:ws/import", a.importPage, ws...)
	e.GET("/w/:ws/import/example.csv", a.importExample, ws...)
	e.POST("/w/:ws/import", a.checkImport, wsPost...)
	e.POST("/w/:ws/import/commit", a.commitImport, wsPost...)
	e.GET("/w/:ws/templates", a.templates, ws...)
	e.POST("/w/:ws/templates/:platform/:language", a.saveTemplate, wsPost...)
	e.POST("/w/:ws/templates/:platform/:language/reset", a.resetTemplate, wsPost...)
	e.GET("/w/:ws/keys", a.keys, ws...)
	e.POST("/w/:ws/keys", a.createKey, wsPost...)
	e.POST("/w/:ws/keys/:id/revoke", a.revokeKey, wsPost...)
	e.GET("/w/:ws/webhooks", a.webhooks, ws...)
	e.POST("/w/:ws/webhooks", a.createWebhook, wsPost...)
	e.POST("/w/:ws/webhooks/:id/:action", a.webhookAction, wsPost...)
	e.GET("/w/:ws/settings", a.settings, ws...)
	e.POST("/w/:ws/settings", a.saveSettings, wsPost...)
	e.POST("/w/:ws/settings/bio", a.saveBioHandle, wsPost...)
}

// headers are sent with every page: a Content-Security-Policy that lets
// a page load only this site's own styles, scripts and images (and
// images from anywhere over https, for media by URL), no framing.
func (a *App) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob: https:; "+
			"style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}
