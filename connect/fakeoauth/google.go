package fakeoauth

import (
	"net/http"
	"strings"

	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
)

// serveGoogle: Google's web-server flow with PKCE and offline access
// (docs/platforms/youtube.md#connecting), and channels.list?mine=true. The
// token endpoint and the tokens are fakeyoutube's: the one fake of Google's
// token rules; this fake adds the codes its authorize page makes.
func (s *Server) serveGoogle(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/o/oauth2/v2/auth":
		q := r.URL.Query()
		if q.Get("access_type") != "offline" || q.Get("prompt") != "consent" {
			http.Error(w, "this fake wants access_type=offline and prompt=consent, so a refresh token comes every time", http.StatusBadRequest)
			return
		}
		s.authorize(w, r, "client_id", " ", true, func(code string, g *grant) {
			// A user with one channel uploads to it; with several,
			// the grant names none (docs of fakeyoutube.Grant).
			var channel string
			if len(s.Channels) == 1 {
				channel = s.Channels[0].ID
			}
			s.google.AddCode(code, fakeyoutube.Code{
				Grant:       fakeyoutube.Grant{ChannelID: channel, Scopes: g.scopes},
				RedirectURI: g.redirect, CodeChallenge: g.challenge,
			}, g.expires)
		})
	case "/token":
		s.google.ServeToken(w, r, fakeyoutube.App{ClientID: s.ClientID, ClientSecret: s.ClientSecret, AccessTTL: s.AccessTTL}, s.Now())
	case "/youtube/v3/channels":
		q := r.URL.Query()
		if !s.google.AccessWorks(tokenOf(r), s.Now()) {
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
