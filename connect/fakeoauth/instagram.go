package fakeoauth

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// igErr writes Instagram Login's token-endpoint error shape.
func igErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error_type": "OAuthException", "code": status, "error_message": msg})
}

// serveInstagram: Instagram Login (docs/platforms/instagram.md#connecting) —
// authorize, the
// code exchange (api.instagram.com), the long-lived exchange and refresh,
// and /me (graph.instagram.com), all on one host.
func (s *Server) serveInstagram(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/oauth/authorize":
		s.authorize(w, r, "client_id", ",", false, s.keepCode)
	case "/oauth/access_token":
		f, _, problem := fakeplatform.ReadTokenForm(r)
		if problem != "" {
			igErr(w, http.StatusBadRequest, "POST a form")
			return
		}
		if f.Get("client_id") != s.ClientID || f.Get("client_secret") != s.ClientSecret {
			igErr(w, http.StatusBadRequest, "Invalid platform app")
			return
		}
		if f.Get("grant_type") != "authorization_code" {
			igErr(w, http.StatusBadRequest, "Invalid grant_type")
			return
		}
		g := s.takeCode(f.Get("code"), f.Get("redirect_uri"))
		if g == nil {
			igErr(w, http.StatusBadRequest, "This authorization code has been used")
			return
		}
		tok := s.issue("short", g, time.Hour)
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "user_id": json.Number(s.IGUser.ID), "permissions": g.scopes})
	case "/access_token":
		q := r.URL.Query()
		if q.Get("grant_type") != "ig_exchange_token" || q.Get("client_secret") != s.ClientSecret {
			graphErr(w, http.StatusBadRequest, 101, 0, "Error validating client secret or grant_type.")
			return
		}
		s.mu.Lock()
		g := s.liveLocked(q.Get("access_token"))
		s.mu.Unlock()
		if g == nil || g.kind != "short" {
			graphErr(w, http.StatusBadRequest, 190, 0, "Invalid OAuth access token - Cannot parse access token")
			return
		}
		tok := s.issue("long", g, 60*24*time.Hour)
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 5184000})
	case "/refresh_access_token":
		q := r.URL.Query()
		s.mu.Lock()
		g := s.liveLocked(q.Get("access_token"))
		s.mu.Unlock()
		if q.Get("grant_type") != "ig_refresh_token" || g == nil || g.kind != "long" {
			graphErr(w, http.StatusBadRequest, 190, 0, "Invalid OAuth access token - Cannot parse access token")
			return
		}
		tok := s.issue("long", g, 60*24*time.Hour)
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 5184000})
	case "/" + s.Version + "/me":
		g := s.bearer(r)
		if g == nil || g.kind != "long" {
			graphErr(w, http.StatusBadRequest, 190, 0, "Invalid OAuth access token - Cannot parse access token")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": "app-scoped-" + s.IGUser.ID, "user_id": s.IGUser.ID, "username": s.IGUser.Username})
	default:
		graphErr(w, http.StatusBadRequest, 2500, 0, "Unknown path components: "+r.URL.Path)
	}
}
