package fakeoauth

import (
	"net/http"
	"strings"
	"time"
)

// serveTikTok: Login Kit's authorize page, /v2/oauth/token/ with both
// grants and rotating refresh tokens, and /v2/user/info/
// (docs/platforms/tiktok.md#connecting).
func (s *Server) serveTikTok(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v2/auth/authorize/":
		s.authorize(w, r, "client_key", ",", false)
	case "/v2/oauth/token/":
		s.tiktokToken(w, r)
	case "/v2/user/info/":
		g := s.bearer(r)
		if g == nil {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"data": map[string]any{},
				"error": map[string]string{"code": "access_token_invalid", "message": "The access token is invalid or not found in the request.", "log_id": "fake" + randHex(4)}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"data":  map[string]any{"user": map[string]string{"open_id": s.OpenID, "display_name": s.Name}},
			"error": map[string]string{"code": "ok", "message": "", "log_id": "fake" + randHex(4)}})
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) tiktokToken(w http.ResponseWriter, r *http.Request) {
	f, ok := form(r)
	if !ok {
		oauthErr(w, http.StatusBadRequest, "invalid_request", "POST an application/x-www-form-urlencoded body")
		return
	}
	if f.Get("client_key") != s.ClientID || f.Get("client_secret") != s.ClientSecret {
		oauthErr(w, http.StatusUnauthorized, "invalid_client", "Client key or secret is incorrect.")
		return
	}
	var g *grant
	switch f.Get("grant_type") {
	case "authorization_code":
		if g = s.takeCode(f.Get("code"), f.Get("redirect_uri")); g == nil {
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Authorization code is expired or was already used.")
			return
		}
	case "refresh_token":
		rt := f.Get("refresh_token")
		// Rotation: a refresh token works once; the lock spans the check
		// and the rotation, as TikTok's own would.
		s.mu.Lock()
		old := s.refresh[rt]
		if old == nil || s.rotated[rt] || (!old.expires.IsZero() && !s.Now().Before(old.expires)) {
			s.mu.Unlock()
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Refresh token is invalid or expired.")
			return
		}
		s.rotated[rt] = true
		s.mu.Unlock()
		g = old
	default:
		oauthErr(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": s.issue("access", g, s.AccessTTL), "expires_in": int64(s.AccessTTL / time.Second),
		"open_id": s.OpenID, "refresh_token": s.issue("refresh", g, s.RefreshTTL),
		"refresh_expires_in": int64(s.RefreshTTL / time.Second), "scope": strings.Join(g.scopes, ","), "token_type": "Bearer",
	})
}
