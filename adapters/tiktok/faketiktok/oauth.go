package faketiktok

// This file is the one fake of TikTok's token endpoint, POST
// /v2/oauth/token/, and of the codes and tokens behind it. The fake's
// Server serves it beside the Content Posting API; connect/fakeoauth serves
// it beside its fake of TikTok's authorize page, whose codes carry the
// user, the scopes and the redirect URI of the authorize request.
//
// Each rule below names its source:
//
//	[token-mgmt] TikTok, "OAuth user access token management",
//	             https://developers.tiktok.com/doc/oauth-user-access-token-management
//	[refresh]    TikTok, "Refresh a User Access Token",
//	             https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token
//	[errors]     TikTok, "OAuth error handling",
//	             https://developers.tiktok.com/doc/oauth-error-handling
//	[RFC 6749]   The OAuth 2.0 Authorization Framework, where TikTok's pages
//	             say nothing.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Grant is whom a code or token was issued to, and what it allows.
type Grant struct {
	OpenID string
	// Scopes are the scopes the user agreed to.
	Scopes []string
}

// Code is what an authorization code carries until it is exchanged.
type Code struct {
	Grant
	// RedirectURI is the redirect_uri of the authorize request that made
	// the code; the exchange must send the same one. Empty: the code was
	// made without an authorize request (Server.AddAuthCode), and any
	// redirect_uri goes.
	RedirectURI string
}

// App is the client a token endpoint serves, and the lifetimes of the
// tokens it issues.
type App struct {
	ClientKey, ClientSecret string
	AccessTTL, RefreshTTL   time.Duration
}

// Tokens keeps one TikTok app's authorization codes, access tokens and
// refresh tokens (the embedded Grants: AddCode, AddAccess, Access,
// AccessWorks, EndAccess, AddRefresh, RefreshWorks, RevokeAll), and
// answers its token endpoint. Safe for concurrent use.
type Tokens struct {
	*fakeplatform.Grants[Code, Grant]

	mu      sync.Mutex
	rotated map[string]bool // refresh tokens spent by a refresh
	n       int64
}

// NewTokens returns an empty keeper.
func NewTokens() *Tokens {
	return &Tokens{Grants: fakeplatform.NewGrants[Code, Grant](), rotated: map[string]bool{}}
}

// ServeToken answers one request to POST /v2/oauth/token/ for app, at
// time at: the authorization_code grant [token-mgmt, "1. Fetch an access
// token using an authorization code"] and the refresh_token grant, whose
// refresh tokens rotate [refresh].
func (t *Tokens) ServeToken(w http.ResponseWriter, r *http.Request, app App, at time.Time) {
	// The error answer is OAuth's flat {error, error_description} plus
	// TikTok's log_id, not the API's {data, error} envelope [errors,
	// "Error struct"].
	fail := func(status int, code, desc string) {
		writeOAuth(w, status, map[string]any{"error": code, "error_description": desc, "log_id": logID()})
	}
	// POST with a form body [token-mgmt, "Endpoint" and "Headers":
	// Content-Type application/x-www-form-urlencoded].
	f, status, problem := fakeplatform.ReadTokenForm(r)
	if problem != "" {
		fail(status, "invalid_request", problem)
		return
	}
	// client_key and client_secret in the body [token-mgmt, "Request body
	// parameters"]; a wrong or missing one is invalid_client [errors,
	// "Error categories"].
	if f.Get("client_key") != app.ClientKey || f.Get("client_secret") != app.ClientSecret {
		fail(http.StatusUnauthorized, "invalid_client", "Client key or secret is incorrect.")
		return
	}

	var g Grant
	switch f.Get("grant_type") {
	case "authorization_code":
		code, redirect := f.Get("code"), f.Get("redirect_uri")
		// code and redirect_uri are required [token-mgmt, "Request body
		// parameters"]; a missing parameter is invalid_request [errors].
		if code == "" || redirect == "" {
			fail(http.StatusBadRequest, "invalid_request", "code and redirect_uri are required")
			return
		}
		c, ok := t.SpendCode(code, at)
		// A code works once [RFC 6749 §4.1.2], and only with the
		// redirect_uri used for requesting it [token-mgmt]; otherwise
		// invalid_grant [errors].
		switch {
		case !ok:
			fail(http.StatusBadRequest, "invalid_grant", "Authorization code is expired or was already used.")
			return
		case c.RedirectURI != "" && c.RedirectURI != redirect:
			fail(http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the one the code was requested with.")
			return
		}
		g = c.Grant
	case "refresh_token":
		rt := f.Get("refresh_token")
		// refresh_token is required [refresh, "Request body"].
		if rt == "" {
			fail(http.StatusBadRequest, "invalid_request", "refresh_token is required")
			return
		}
		var refusal string
		if g, refusal = t.spendRefresh(rt, at); refusal != "" {
			fail(http.StatusBadRequest, "invalid_grant", refusal)
			return
		}
	default:
		fail(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
		return
	}
	access, refresh := t.issue(g, at.Add(app.AccessTTL), at.Add(app.RefreshTTL))
	// Both grants answer the same struct: open_id, scope comma-separated,
	// access_token, expires_in, refresh_token, refresh_expires_in,
	// token_type [token-mgmt, "Response struct"]; the refresh answer's
	// refresh_token replaces the one sent [refresh].
	writeOAuth(w, http.StatusOK, map[string]any{
		"access_token":       access,
		"expires_in":         int64(app.AccessTTL / time.Second),
		"open_id":            g.OpenID,
		"refresh_expires_in": int64(app.RefreshTTL / time.Second),
		"refresh_token":      refresh,
		"scope":              strings.Join(g.Scopes, ","),
		"token_type":         "Bearer",
	})
}

// spendRefresh spends a live refresh token: "The previous refresh token
// stops working once a new one is issued" [refresh]. It returns why the
// token was refused, or "".
func (t *Tokens) spendRefresh(rt string, at time.Time) (Grant, string) {
	g, ok := t.TakeRefresh(rt, at)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case ok:
		t.rotated[rt] = true
		return g, ""
	case t.rotated[rt]:
		return Grant{}, "Refresh token is invalid: it was rotated out by an earlier refresh."
	}
	return Grant{}, "Refresh token is invalid or expired."
}

// issue makes and keeps a new access token and refresh token for g.
func (t *Tokens) issue(g Grant, accessUntil, refreshUntil time.Time) (access, refresh string) {
	t.mu.Lock()
	t.n++
	n := strconv.FormatInt(t.n, 10)
	t.mu.Unlock()
	access, refresh = "act.fake"+n+"!"+g.OpenID, "rft.fake"+n+"!"+g.OpenID
	t.AddAccess(access, g, accessUntil)
	t.AddRefresh(refresh, g, refreshUntil)
	return access, refresh
}

func writeOAuth(w http.ResponseWriter, status int, v map[string]any) {
	b, _ := json.Marshal(v) // strings and numbers only: cannot fail
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(b)
}
