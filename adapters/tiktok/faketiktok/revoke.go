package faketiktok

import (
	"net/http"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// revoke answers POST /v2/oauth/revoke/ as documented in "Revoke a User
// Access Token" (https://developers.tiktok.com/docs/en/oauth-revoke-a-user-access-token):
// a form body (Content-Type application/x-www-form-urlencoded) with
// client_key, client_secret and token, all required; success is an empty
// answer ({}). The token is recorded (Revoked).
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, desc string) {
		writeOAuth(w, status, map[string]any{"error": code, "error_description": desc, "log_id": logID()})
	}
	f, status, problem := fakeplatform.ReadTokenForm(r)
	if problem != "" {
		fail(status, "invalid_request", problem)
		return
	}
	if f.Get("client_key") != s.clientKey || f.Get("client_secret") != s.clientSecret {
		fail(http.StatusUnauthorized, "invalid_client", "Client key or secret is incorrect.")
		return
	}
	tok := f.Get("token")
	if tok == "" {
		fail(http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	s.mu.Lock()
	s.revoked = append(s.revoked, tok)
	s.mu.Unlock()
	writeOAuth(w, http.StatusOK, map[string]any{})
}

// Revoked lists the access tokens revoked so far, in order.
func (s *Server) Revoked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.revoked...)
}
