package fakeoauth

import (
	"net/http"

	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
)

// serveTikTok: Login Kit's authorize page, /v2/oauth/token/ with both
// grants and rotating refresh tokens, and /v2/user/info/
// (docs/platforms/tiktok.md#connecting). The token endpoint and the tokens
// are faketiktok's: the one fake of TikTok's token rules; this fake adds the
// codes its authorize page makes.
func (s *Server) serveTikTok(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v2/auth/authorize/":
		s.authorize(w, r, "client_key", ",", false, func(code string, g *grant) {
			s.tiktok.AddCode(code, faketiktok.Code{
				Grant:       faketiktok.Grant{OpenID: s.OpenID, Scopes: g.scopes},
				RedirectURI: g.redirect,
			}, g.expires)
		})
	case faketiktok.PathToken:
		s.tiktok.ServeToken(w, r, faketiktok.App{
			ClientKey: s.ClientID, ClientSecret: s.ClientSecret, AccessTTL: s.AccessTTL, RefreshTTL: s.RefreshTTL,
		}, s.Now())
	case "/v2/user/info/":
		g, ok := s.tiktok.Access(tokenOf(r), s.Now())
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"data": map[string]any{},
				"error": map[string]string{"code": "access_token_invalid", "message": "The access token is invalid or not found in the request.", "log_id": "fake" + randHex(4)}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"data":  map[string]any{"user": map[string]string{"open_id": g.OpenID, "display_name": s.Name}},
			"error": map[string]string{"code": "ok", "message": "", "log_id": "fake" + randHex(4)}})
	default:
		http.NotFound(w, r)
	}
}
