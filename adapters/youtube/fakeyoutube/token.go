package fakeyoutube

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// grantedScope is the scope every token the fake issues carries.
const grantedScope = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly"

// serveToken is Google's OAuth token endpoint: grant_type=refresh_token
// (the answer carries no new refresh token, as Google's does not) and
// grant_type=authorization_code (single-use codes; the answer carries a
// refresh token). Client credentials come as client_id/client_secret
// parameters or HTTP Basic, as Google accepts both.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		oauthErr(w, http.StatusMethodNotAllowed, "invalid_request", "the token endpoint takes POST")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		oauthErr(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(w, http.StatusBadRequest, "invalid_request", "the form could not be read")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.clientID || secret != s.clientSecret {
		oauthErr(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	at := s.now()
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if rt == "" {
			oauthErr(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: refresh_token")
			return
		}
		s.mu.Lock()
		channel, ok := s.refresh[rt]
		s.mu.Unlock()
		if !ok {
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": s.issue(channel, at),
			"expires_in":   int(TokenLifetime.Seconds()),
			"scope":        grantedScope,
			"token_type":   "Bearer",
		})
	case "authorization_code":
		code := r.PostForm.Get("code")
		if code == "" || r.PostForm.Get("redirect_uri") == "" {
			oauthErr(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: code or redirect_uri")
			return
		}
		s.mu.Lock()
		channel, ok := s.codes[code]
		delete(s.codes, code)
		s.nextN++
		rt := fmt.Sprintf("1//fake-refresh-%d-%s", s.nextN, randHex(8))
		if ok {
			s.refresh[rt] = channel
		}
		s.mu.Unlock()
		if !ok {
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "Malformed auth code.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token":  s.issue(channel, at),
			"expires_in":    int(TokenLifetime.Seconds()),
			"refresh_token": rt,
			"scope":         grantedScope,
			"token_type":    "Bearer",
		})
	default:
		oauthErr(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+strings.TrimSpace(r.PostForm.Get("grant_type")))
	}
}

// issue makes a new access token for the channel.
func (s *Server) issue(channel string, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextN++
	tok := fmt.Sprintf("ya29.fake-%d-%s", s.nextN, randHex(8))
	s.access[tok] = accessToken{channel: channel, expires: at.Add(TokenLifetime)}
	return tok
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
