package fakeyoutube

// This file is the one fake of Google's OAuth token endpoint, POST /token,
// and of the codes and tokens behind it. The fake's Server serves it beside
// the YouTube Data API; connect/fakeoauth serves it beside its fake of
// Google's authorize page, whose codes carry the scopes, the redirect URI
// and the PKCE challenge of the authorize request.
//
// Each rule below names its source:
//
//	[web-server] Google, "Using OAuth 2.0 for Web Server Applications",
//	             https://developers.google.com/identity/protocols/oauth2/web-server
//	             (#exchange-authorization-code: step 5, exchange the code;
//	             #offline: refreshing an access token)
//	[RFC 6749]   The OAuth 2.0 Authorization Framework, which Google's
//	             endpoint follows where its page says nothing
//	[RFC 7636]   Proof Key for Code Exchange (PKCE)

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Grant is whose channel a code or token reaches, and what it allows.
type Grant struct {
	// ChannelID is the channel the fake's API calls act on. The login
	// fake's grants belong to a Google user: they name the user's channel
	// when there is exactly one, else none ("").
	ChannelID string
	// Scopes are the scopes the user granted.
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
	// CodeChallenge is the authorize request's S256 code_challenge; the
	// exchange must send its code_verifier. Empty: no PKCE.
	CodeChallenge string
}

// App is the OAuth client a token endpoint serves, and the lifetime of the
// access tokens it issues.
type App struct {
	ClientID, ClientSecret string
	AccessTTL              time.Duration
}

// Tokens keeps one Google OAuth client's authorization codes, access
// tokens and refresh tokens (the embedded Grants: AddCode, AddAccess,
// Access, AccessWorks, EndAccess, RefreshWorks, RevokeAll), and answers
// its token endpoint. Google's refresh tokens do not rotate and have no
// fixed lifetime: they work until revoked. Safe for concurrent use.
type Tokens struct {
	*fakeplatform.Grants[Code, Grant]

	mu sync.Mutex
	n  int
}

// NewTokens returns an empty keeper.
func NewTokens() *Tokens { return &Tokens{Grants: fakeplatform.NewGrants[Code, Grant]()} }

// AddRefresh makes tok a refresh token for g, until revoked.
func (t *Tokens) AddRefresh(tok string, g Grant) { t.Grants.AddRefresh(tok, g, time.Time{}) }

// RevokeRefresh makes a refresh token answer invalid_grant, as when the
// user removes the app's access, and ends the access tokens of its
// channel.
func (t *Tokens) RevokeRefresh(tok string) {
	if g, ok := t.EndRefresh(tok); ok {
		t.EndAccessWhere(func(a Grant) bool { return a.ChannelID == g.ChannelID })
	}
}

// ServeToken answers one request to Google's token endpoint for app, at
// time at: grant_type=authorization_code [web-server
// #exchange-authorization-code] and grant_type=refresh_token
// [web-server #offline].
func (t *Tokens) ServeToken(w http.ResponseWriter, r *http.Request, app App, at time.Time) {
	// POST with a form body [web-server #exchange-authorization-code: the
	// HTTP example's Content-Type: application/x-www-form-urlencoded;
	// RFC 6749 §4.1.3].
	f, status, problem := fakeplatform.ReadTokenForm(r)
	if problem != "" {
		oauthErr(w, status, "invalid_request", problem)
		return
	}
	// client_id and client_secret come as body parameters [web-server,
	// both grants] or as HTTP Basic [RFC 6749 §2.3.1]; a wrong client is
	// invalid_client [RFC 6749 §5.2].
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	}
	if id != app.ClientID || secret != app.ClientSecret {
		oauthErr(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		code, redirect := f.Get("code"), f.Get("redirect_uri")
		// code and redirect_uri are required [web-server
		// #exchange-authorization-code]; a missing one is invalid_request
		// [RFC 6749 §5.2].
		if code == "" || redirect == "" {
			oauthErr(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: code or redirect_uri")
			return
		}
		c, ok := t.SpendCode(code, at)
		// A code works once [RFC 6749 §4.1.2], with the redirect_uri it was
		// requested with [RFC 6749 §4.1.3], and with the code_verifier
		// whose S256 hash is its code_challenge [web-server
		// #exchange-authorization-code: code_verifier; RFC 7636 §4.6];
		// otherwise invalid_grant [RFC 6749 §5.2, RFC 7636 §4.6].
		switch {
		case !ok:
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Malformed auth code.")
			return
		case c.RedirectURI != "" && c.RedirectURI != redirect:
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the one the code was requested with.")
			return
		case c.CodeChallenge != "" && s256(f.Get("code_verifier")) != c.CodeChallenge:
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
			return
		}
		access, refresh := t.issue(c.Grant, at.Add(app.AccessTTL), true)
		// access_token, expires_in, refresh_token, scope (space-delimited)
		// and token_type [web-server #exchange-authorization-code, the
		// response fields].
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token":  access,
			"expires_in":    int(app.AccessTTL.Seconds()),
			"refresh_token": refresh,
			"scope":         strings.Join(c.Scopes, " "),
			"token_type":    "Bearer",
		})
	case "refresh_token":
		rt := f.Get("refresh_token")
		// refresh_token is required [web-server #offline].
		if rt == "" {
			oauthErr(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: refresh_token")
			return
		}
		g, ok := t.Refresh(rt, at)
		if !ok {
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		access, _ := t.issue(g, at.Add(app.AccessTTL), false)
		// The refresh answer has no refresh_token: the one sent stays
		// [web-server #offline, the example response].
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": access,
			"expires_in":   int(app.AccessTTL.Seconds()),
			"scope":        strings.Join(g.Scopes, " "),
			"token_type":   "Bearer",
		})
	default:
		oauthErr(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+strings.TrimSpace(f.Get("grant_type")))
	}
}

// issue makes and keeps a new access token for g, alive until
// accessUntil, and a refresh token when withRefresh.
func (t *Tokens) issue(g Grant, accessUntil time.Time, withRefresh bool) (access, refresh string) {
	t.mu.Lock()
	t.n++
	n := t.n
	t.mu.Unlock()
	access = fmt.Sprintf("ya29.fake-%d-%s", n, randHex(8))
	t.AddAccess(access, g, accessUntil)
	if withRefresh {
		refresh = fmt.Sprintf("1//fake-refresh-%d-%s", n, randHex(8))
		t.AddRefresh(refresh, g)
	}
	return access, refresh
}

// s256 is PKCE's S256 transformation of a code_verifier [RFC 7636 §4.2].
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// oauthErr answers in OAuth's error shape, {error, error_description}
// [RFC 6749 §5.2].
func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
