package fakeoauth

import (
	"net/http"
	"strings"
)

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// serveGoogle: Google's web-server flow with PKCE and offline access
// (docs/platforms/youtube.md#connecting), and channels.list?mine=true.
func (s *Server) serveGoogle(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/o/oauth2/v2/auth":
		q := r.URL.Query()
		if q.Get("access_type") != "offline" || q.Get("prompt") != "consent" {
			http.Error(w, "this fake wants access_type=offline and prompt=consent, so a refresh token comes every time", http.StatusBadRequest)
			return
		}
		s.authorize(w, r, "client_id", " ", true)
	case "/token":
		s.googleToken(w, r)
	case "/youtube/v3/channels":
		q := r.URL.Query()
		g := s.bearer(r)
		if g == nil {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{
				"code": 401, "message": "Request had invalid authentication credentials.",
				"errors": []map[string]string{{"reason": "authError", "domain": "global"}}}})
			return
		}
		if q.Get("mine") != "true" || !strings.Contains(q.Get("part"), "id") {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": 400, "message": "mine=true and part=id are required"}})
			return
		}
		var items []map[string]any
		for _, c := range s.Channels {
			items = append(items, map[string]any{"kind": "youtube#channel", "id": c.ID, "snippet": map[string]string{"title": c.Title}})
		}
		writeJSON(w, http.StatusOK, map[string]any{"kind": "youtube#channelListResponse", "items": items})
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) googleToken(w http.ResponseWriter, r *http.Request) {
	f, ok := form(r)
	if !ok {
		oauthErr(w, http.StatusBadRequest, "invalid_request", "POST an application/x-www-form-urlencoded body")
		return
	}
	if f.Get("client_id") != s.ClientID || f.Get("client_secret") != s.ClientSecret {
		oauthErr(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		g := s.takeCode(f.Get("code"), f.Get("redirect_uri"))
		if g == nil {
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Malformed auth code.")
			return
		}
		if s256(f.Get("code_verifier")) != g.challenge {
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": s.issue("access", g, s.AccessTTL), "expires_in": int(s.AccessTTL.Seconds()),
			"refresh_token": s.issue("refresh", g, 0), "scope": strings.Join(g.scopes, " "), "token_type": "Bearer",
		})
	case "refresh_token":
		s.mu.Lock()
		g := s.refresh[f.Get("refresh_token")]
		s.mu.Unlock()
		if g == nil {
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": s.issue("access", g, s.AccessTTL), "expires_in": int(s.AccessTTL.Seconds()),
			"scope": strings.Join(g.scopes, " "), "token_type": "Bearer",
		})
	default:
		oauthErr(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type")
	}
}
