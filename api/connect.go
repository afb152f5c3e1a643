package api

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// The OAuth side of accounts: connect, callback, reconnect links, and the
// health fields of the accounts' answers. The flows themselves live in
// package connect behind the Connector interface.

// Reconnector is the optional Connector capability behind reconnect links:
// a link an agency sends to an account's owner (over WhatsApp, say) that
// opens the platform's login without the workspace's key.
type Reconnector interface {
	// NewReconnectLink makes a link for the account.
	NewReconnectLink(ctx context.Context, acc serentak.Account) (link string, expiresAt time.Time, err error)
	// ReconnectAuthorizeURL is where a link's token sends its holder; a
	// not_found error when the link is unknown, expired or used.
	ReconnectAuthorizeURL(ctx context.Context, token string) (string, error)
}

// Returner is the optional Connector capability behind return_to: a login
// started from the web app comes back to the page it started on, with
// what happened in the query, instead of ending on the callback's page.
type Returner interface {
	// AuthorizeURLReturning is AuthorizeURL with a local path kept in
	// the state.
	AuthorizeURLReturning(ctx context.Context, workspaceID, returnTo string) (string, error)
	// CallbackReturning is Callback that also answers the state's path
	// ("" when none, or when the state is unknown).
	CallbackReturning(ctx context.Context, query url.Values) (accounts []serentak.Account, returnTo string, err error)
}

// maxReturnTo bounds return_to: a page's path and query, not a payload.
const maxReturnTo = 512

// checkReturnTo accepts a path on this site only ("/w/ws_…/accounts"),
// so a connect link cannot send a person who logged in to another site
// (an open redirect): no scheme, no host, no "//" or "/\" that browsers
// read as another host, no control characters.
func checkReturnTo(s string) error {
	bad := func(why string) error {
		msg := "return_to must be a path on this site such as /w/ws_…/accounts: " + why
		return serentak.Invalid(msg, fieldError("return_to", "invalid", "%s", msg))
	}
	switch {
	case len(s) > maxReturnTo:
		return bad(fmt.Sprintf("it is longer than %d characters", maxReturnTo))
	case !strings.HasPrefix(s, "/"):
		return bad("it does not begin with /")
	case strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\"):
		return bad("it names another host")
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }):
		return bad("it holds a control character or a backslash")
	case !storableText(s):
		return bad("it is not text")
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return bad("it is not a plain path")
	}
	return nil
}

// returnURL is the path to send a person back to after a login: rt
// with connected=<how many accounts> or connect_error=<code> added to
// its query (and the fragment dropped). The code is the error's first
// detail code when it has one (access_denied, missing_permissions,
// no_accounts), else its error code.
func returnURL(rt string, accounts int, err error) string {
	u, _ := url.Parse(rt) // checked by checkReturnTo
	q := u.Query()
	q.Del("connected")
	q.Del("connect_error")
	if err == nil {
		q.Set("connected", strconv.Itoa(accounts))
	} else {
		code := serentak.ErrorCode(err)
		var app *serentak.Error
		if errors.As(err, &app) && len(app.Details) > 0 && app.Details[0].Code != "" {
			code = app.Details[0].Code
		}
		q.Set("connect_error", code)
	}
	u.RawQuery, u.Fragment = q.Encode(), ""
	return u.String()
}

// accountHealthView is an account with its health: the account list and
// the account itself answer with it.
type accountHealthView struct {
	accountView
	Scopes    []string   `json:"scopes"`
	CheckedAt *time.Time `json:"checked_at"`
	LastError *string    `json:"last_error"`
	// MissingPermissions: what the granted scopes lack for a feature
	// (accounts.go); empty when the scopes are unknown.
	MissingPermissions []missingPermission `json:"missing_permissions"`
}

func (s *Server) viewAccountsWithHealth(c echo.Context, as []serentak.Account) ([]accountHealthView, error) {
	var health map[string]serentak.AccountHealth
	if s.cfg.AccountHealthFunc != nil && len(as) > 0 {
		var err error
		if health, err = s.cfg.AccountHealthFunc(c.Request().Context(), workspaceID(c)); err != nil {
			return nil, err
		}
	}
	out := make([]accountHealthView, 0, len(as))
	for _, a := range as {
		h := health[a.ID]
		v := accountHealthView{accountView: viewAccount(a), Scopes: append([]string{}, h.Scopes...),
			CheckedAt: timePtr(h.CheckedAt), LastError: stringPtr(h.LastError),
			MissingPermissions: s.missingPermissions(a.Platform, h.Scopes, permissionFeatures)}
		out = append(out, v)
	}
	return out, nil
}

// connector returns the platform's Connector, or the 422 that says how to
// configure it.
func (s *Server) connector(p serentak.Platform) (Connector, error) {
	if conn := s.cfg.Connectors[p]; conn != nil {
		return conn, nil
	}
	up := strings.ToUpper(string(p))
	msg := fmt.Sprintf("connecting %s is not configured: set SERENTAK_%s_CLIENT_ID and SERENTAK_%s_CLIENT_SECRET", p.DisplayName(), up, up)
	return nil, serentak.Invalid(msg, fieldError("platform", "not_configured", "%s", msg))
}

// connectAccount starts the OAuth flow of a platform.
func (s *Server) connectAccount(c echo.Context) error {
	p := serentak.Platform(c.Param("platform"))
	if !p.Valid() {
		return serentak.NotFound("platform")
	}
	conn, err := s.connector(p)
	if err != nil {
		return err
	}
	var u string
	if rt := c.QueryParam("return_to"); rt != "" {
		if err := checkReturnTo(rt); err != nil {
			return err
		}
		r, ok := conn.(Returner)
		if !ok {
			return serentak.Invalid(fmt.Sprintf("connecting %s cannot return to a page", p.DisplayName()))
		}
		u, err = r.AuthorizeURLReturning(c.Request().Context(), workspaceID(c), rt)
	} else {
		u, err = conn.AuthorizeURL(c.Request().Context(), workspaceID(c))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"authorize_url": u})
}

var callbackPage = template.Must(template.New("callback").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Serentak: accounts connected</title></head>
<body><h1>Connected</h1><ul>{{range .}}<li>{{.Platform}}: {{.Name}} ({{.ExternalID}})</li>{{end}}</ul>
<p>You can close this window.</p></body></html>
`))

var callbackErrorPage = template.Must(template.New("callback-error").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Serentak: not connected</title></head>
<body><h1>Not connected</h1><p>{{.}}</p></body></html>
`))

// wantsHTML reports whether the request comes from a browser page.
func wantsHTML(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/html")
}

// htmlError answers a browser with a short page in place of the JSON
// error body; the status and the message are the same.
func (s *Server) htmlError(c echo.Context, err error) error {
	app, internal := toAppError(err)
	if internal {
		s.log.Error("internal error", "request_id", requestID(c), "method", c.Request().Method,
			"path", c.Request().URL.Path, "error", err.Error())
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(statusOf[app.Code])
	msg := app.Message
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	return callbackErrorPage.Execute(c.Response(), msg)
}

// oauthCallback finishes an OAuth flow. It has no bearer key: the
// single-use state (checked by the Connector) names the workspace. Its
// query (code, state) is never logged.
func (s *Server) oauthCallback(c echo.Context) error {
	p := serentak.Platform(c.Param("platform"))
	conn := s.cfg.Connectors[p]
	if !p.Valid() || conn == nil {
		return serentak.NotFound("platform")
	}
	err := storableQuery(c.QueryParams())
	var accounts []serentak.Account
	var returnTo string
	if err == nil {
		if r, ok := conn.(Returner); ok {
			accounts, returnTo, err = r.CallbackReturning(c.Request().Context(), c.QueryParams())
		} else {
			accounts, err = conn.Callback(c.Request().Context(), c.QueryParams())
		}
	}
	// The platform's login through a link a workspace admin made: the
	// actor is that OAuth flow.
	for _, a := range accounts {
		s.record(c, a.WorkspaceID, serentak.Actor{Type: serentak.ActorOAuth}, "account.connect", a.ID)
	}
	// Back to the web app's page it started on, which words the outcome
	// (checked again: the state was written by this server, but a path is
	// cheap to check twice).
	if returnTo != "" && checkReturnTo(returnTo) == nil {
		if err != nil {
			if _, internal := toAppError(err); internal {
				s.log.Error("internal error", "request_id", requestID(c), "method", c.Request().Method,
					"path", c.Request().URL.Path, "error", err.Error())
			}
		}
		c.Response().Header().Set("Referrer-Policy", "no-referrer")
		return c.Redirect(http.StatusSeeOther, returnURL(returnTo, len(accounts), err))
	}
	if err != nil {
		if wantsHTML(c) {
			return s.htmlError(c, err)
		}
		return err
	}
	views := viewAccounts(accounts)
	if wantsHTML(c) {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(http.StatusOK)
		return callbackPage.Execute(c.Response(), views)
	}
	return c.JSON(http.StatusOK, map[string]any{"data": views})
}

// linkView is a single-use link made for a person (a reconnect link, an
// approval link) and when it expires.
type linkView struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createReconnectLink makes a reconnect link for an account of the
// workspace.
func (s *Server) createReconnectLink(c echo.Context) error {
	ctx := c.Request().Context()
	acc, err := s.cfg.Store.FindAccountByID(ctx, workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	conn, err := s.connector(acc.Platform)
	if err != nil {
		return err
	}
	rc, ok := conn.(Reconnector)
	if !ok {
		return serentak.Invalid(fmt.Sprintf("reconnect links are not available for %s", acc.Platform.DisplayName()))
	}
	link, expires, err := rc.NewReconnectLink(ctx, acc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, linkView{URL: link, ExpiresAt: expires.UTC()})
}

// openReconnectLink sends the link's holder to the platform's login. No
// bearer key: the link's token is the credential, so it travels in the
// query, which the access log leaves out. Opening the link does not spend
// it (chat apps open links to draw previews); the login does.
func (s *Server) openReconnectLink(c echo.Context) error {
	p := serentak.Platform(c.Param("platform"))
	rc, ok := s.cfg.Connectors[p].(Reconnector)
	var u string
	err := error(serentak.Errorf(serentak.ECodeNotFound, "this reconnect link is unknown, expired or already used; ask for a new one"))
	// A token that is not text names no link (and the database could not
	// look it up).
	if token := c.QueryParam("token"); p.Valid() && ok && storableText(token) {
		u, err = rc.ReconnectAuthorizeURL(c.Request().Context(), token)
	}
	if err != nil {
		if wantsHTML(c) {
			return s.htmlError(c, err)
		}
		return err
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return c.Redirect(http.StatusFound, u)
}
