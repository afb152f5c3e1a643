package faketiktok

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// token serves POST /v2/oauth/token/: form-encoded, answers in OAuth's flat
// shape (not the envelope), and rotates refresh tokens: a refresh token
// works once, and its successor is in the answer.
func (s *Server) token(w http.ResponseWriter, r *http.Request, at time.Time) {
	oauthErr := func(status int, code, desc string) {
		b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc, "log_id": logID()})
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(status)
		w.Write(b)
	}
	if r.Method != http.MethodPost {
		oauthErr(http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		oauthErr(http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", "unreadable body")
		return
	}
	f, err := url.ParseQuery(string(b))
	if err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	if f.Get("client_key") != s.clientKey || f.Get("client_secret") != s.clientSecret {
		oauthErr(http.StatusUnauthorized, "invalid_client", "Client key or secret is incorrect.")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var openID string
	switch f.Get("grant_type") {
	case "authorization_code":
		code := f.Get("code")
		openID = s.codes[code]
		if openID == "" {
			oauthErr(http.StatusBadRequest, "invalid_grant", "Authorization code is expired or was already used.")
			return
		}
		delete(s.codes, code) // single use
	case "refresh_token":
		rt := f.Get("refresh_token")
		g := s.refresh[rt]
		switch {
		case rt == "":
			oauthErr(http.StatusBadRequest, "invalid_request", "refresh_token is required")
			return
		case s.usedRefresh[rt]:
			oauthErr(http.StatusBadRequest, "invalid_grant", "Refresh token is invalid: it was rotated out by an earlier refresh.")
			return
		case g == nil || !at.Before(g.expiresAt):
			oauthErr(http.StatusBadRequest, "invalid_grant", "Refresh token is invalid or expired.")
			return
		}
		openID = g.openID
		delete(s.refresh, rt)
		s.usedRefresh[rt] = true
	default:
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
		return
	}
	n := s.newIDLocked()
	access, refresh := "act.fake"+n+"!"+openID, "rft.fake"+n+"!"+openID
	s.access[access] = &grant{openID: openID, expiresAt: at.Add(s.accessTTL)}
	s.refresh[refresh] = &grant{openID: openID, expiresAt: at.Add(s.refreshTTL)}
	out, _ := json.Marshal(map[string]any{
		"access_token":       access,
		"expires_in":         int64(s.accessTTL / time.Second),
		"open_id":            openID,
		"refresh_expires_in": int64(s.refreshTTL / time.Second),
		"refresh_token":      refresh,
		"scope":              "user.info.basic,video.publish,video.upload",
		"token_type":         "Bearer",
	})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}
