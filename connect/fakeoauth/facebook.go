package fakeoauth

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// graphErr writes Graph's error shape (docs/platforms/facebook.md#errors).
func graphErr(w http.ResponseWriter, status, code, subcode int, msg string) {
	e := map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "Afake" + randHex(4)}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	writeJSON(w, status, map[string]any{"error": e})
}

// serveFacebook: Facebook Login's dialog and token exchanges, and the
// Graph reads connecting makes (docs/platforms/facebook.md#connecting,
// docs/platforms/instagram.md#connecting).
func (s *Server) serveFacebook(w http.ResponseWriter, r *http.Request) {
	v := "/" + s.Version
	switch p := r.URL.Path; {
	case p == v+"/dialog/oauth":
		s.authorize(w, r, "client_id", "", false, s.keepCode)
	case p == v+"/oauth/access_token":
		s.fbToken(w, r)
	case p == v+"/me/permissions":
		g := s.bearer(r)
		if g == nil || g.kind != "long" {
			graphErr(w, http.StatusBadRequest, 190, 463, "Error validating access token: a long-lived user token is required.")
			return
		}
		var data []map[string]string
		for _, sc := range g.scopes {
			data = append(data, map[string]string{"permission": sc, "status": "granted"})
		}
		data = append(data, map[string]string{"permission": "email", "status": "declined"})
		writeJSON(w, http.StatusOK, map[string]any{"data": data})
	case p == v+"/me/accounts":
		s.fbAccounts(w, r)
	case p == v+"/me":
		g := s.bearer(r)
		if g == nil || g.page == nil {
			graphErr(w, http.StatusBadRequest, 190, 460, "Error validating access token: The session has been invalidated.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"id": g.page.ID})
	case strings.HasPrefix(p, v+"/") && strings.Count(p, "/") == 2:
		// GET /{ig-user-id}?fields=id with the Page's token.
		id := strings.TrimPrefix(p, v+"/")
		g := s.bearer(r)
		if g == nil || g.page == nil {
			graphErr(w, http.StatusBadRequest, 190, 460, "Error validating access token: The session has been invalidated.")
			return
		}
		if g.page.IG == nil || g.page.IG.ID != id {
			graphErr(w, http.StatusBadRequest, 100, 33, "Unsupported get request. Object with ID '"+id+"' does not exist or cannot be loaded due to missing permissions.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"id": id})
	default:
		graphErr(w, http.StatusBadRequest, 2500, 0, "Unknown path components: "+p)
	}
}

// fbToken is GET /oauth/access_token: the code exchange, and the
// fb_exchange_token exchange of a short-lived user token.
func (s *Server) fbToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method != http.MethodGet {
		graphErr(w, http.StatusBadRequest, 100, 0, "use GET")
		return
	}
	if q.Get("client_id") != s.ClientID || q.Get("client_secret") != s.ClientSecret {
		graphErr(w, http.StatusBadRequest, 1, 0, "Error validating client secret.")
		return
	}
	if q.Get("grant_type") == "fb_exchange_token" {
		s.mu.Lock()
		g := s.liveLocked(q.Get("fb_exchange_token"))
		s.mu.Unlock()
		if g == nil || g.kind != "short" {
			graphErr(w, http.StatusBadRequest, 190, 463, "Error validating access token: the token is expired or not a short-lived user token.")
			return
		}
		tok := s.issue("long", g, 60*24*time.Hour)
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 5183944})
		return
	}
	g := s.takeCode(q.Get("code"), q.Get("redirect_uri"))
	if g == nil {
		graphErr(w, http.StatusBadRequest, 100, 36009, "This authorization code has been used, has expired, or was issued for another redirect_uri.")
		return
	}
	tok := s.issue("short", g, 2*time.Hour)
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 5183})
}

// fbAccounts is GET /me/accounts: the Pages with their Page tokens, PageSize
// per answer, with paging.next carrying the user token as the real one
// does.
func (s *Server) fbAccounts(w http.ResponseWriter, r *http.Request) {
	g := s.bearer(r)
	if g == nil || g.kind != "long" {
		graphErr(w, http.StatusBadRequest, 190, 463, "Error validating access token: a long-lived user token is required.")
		return
	}
	q := r.URL.Query()
	fields := strings.Split(q.Get("fields"), ",")
	if !slices.Contains(fields, "access_token") {
		graphErr(w, http.StatusBadRequest, 100, 0, "fields must include access_token")
		return
	}
	if !slices.Contains(g.scopes, "pages_show_list") {
		writeJSON(w, http.StatusOK, map[string]any{"data": []any{}})
		return
	}
	after, _ := strconv.Atoi(q.Get("after"))
	size := s.PageSize
	if size <= 0 {
		size = 25
	}
	var data []map[string]any
	end := min(after+size, len(s.Pages))
	for i := after; i < end; i++ {
		p := &s.Pages[i]
		tok := s.issue("page", &grant{scopes: g.scopes, page: p}, 0)
		d := map[string]any{"id": p.ID, "name": p.Name, "access_token": tok}
		if p.IG != nil && strings.Contains(q.Get("fields"), "instagram_business_account") {
			d["instagram_business_account"] = map[string]string{"id": p.IG.ID, "username": p.IG.Username}
		}
		data = append(data, d)
	}
	out := map[string]any{"data": data}
	if end < len(s.Pages) {
		next := url.Values{"fields": {q.Get("fields")}, "limit": {q.Get("limit")}, "after": {strconv.Itoa(end)},
			"access_token": {strings.TrimPrefix(r.Header.Get("Authorization"), "OAuth ")}}
		out["paging"] = map[string]any{"cursors": map[string]string{"after": strconv.Itoa(end)},
			"next": s.URL + r.URL.Path + "?" + next.Encode()}
	}
	writeJSON(w, http.StatusOK, out)
}
