package fakeyoutube

import (
	"net/http"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// revoke answers POST /revoke as Google documents it in "Using OAuth 2.0
// for Web Server Applications", section "Revoking a token"
// (https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke):
// a POST to https://oauth2.googleapis.com/revoke with the token (access or
// refresh) as the form parameter token, Content-Type
// application/x-www-form-urlencoded; 200 when revoked, 400 with an error
// code otherwise. Revoking a refresh token also ends the access tokens of
// the same grant. The token is recorded (Revoked).
func (s *Server) revoke(w http.ResponseWriter, r *http.Request, at time.Time) {
	f, status, problem := fakeplatform.ReadTokenForm(r)
	if problem != "" {
		oauthErr(w, status, "invalid_request", problem)
		return
	}
	tok := f.Get("token")
	switch {
	case tok == "":
		oauthErr(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: token")
		return
	case s.tokens.RefreshWorks(tok, at):
		s.tokens.RevokeRefresh(tok)
	case s.tokens.AccessWorks(tok, at):
		s.tokens.EndAccess(tok)
	default:
		oauthErr(w, http.StatusBadRequest, "invalid_token", "Token expired or revoked")
		return
	}
	s.mu.Lock()
	s.revoked = append(s.revoked, tok)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("{}"))
}

// Revoked lists the tokens revoked at /revoke, in order.
func (s *Server) Revoked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.revoked...)
}
