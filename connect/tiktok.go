package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/tiktok"
)

// tiktokScopes (docs/platforms/tiktok.md#connecting): user.info.basic for
// the user's name, video.publish for direct posts, video.upload for inbox
// drafts, video.list for the posts' metrics (Query Videos, "Scope";
// docs/platforms/tiktok.md#metrics), which publishing does not need.
var tiktokScopes = []string{"user.info.basic", "video.publish", "video.upload", "video.list"}

// NewTikTok returns the TikTok connector (Login Kit for Web, OAuth v2):
// client_key instead of client_id, comma-separated scopes, and one account
// for the user who logged in (open_id), with the refresh token TikTok
// rotates on every refresh. cfg.APIURL is https://open.tiktokapis.com.
//
// No PKCE: TikTok requires it of desktop and mobile apps only, and its
// desktop flavour documents a hex-encoded challenge instead of RFC 7636's
// base64url, so sending one from a server risks breaking logins for no
// gain; the client secret and the single-use state protect the flow.
func NewTikTok(cfg Config) (*Connector, error) {
	return newConnector(cfg, func(c *Connector) flow { return &tiktokFlow{c: c} })
}

type tiktokFlow struct{ c *Connector }

func (f *tiktokFlow) platform() serentak.Platform { return serentak.TikTok }
func (f *tiktokFlow) pkce() bool                  { return false }

func (f *tiktokFlow) authCodeURL(state, _ string) string {
	return withQuery(f.c.cfg.AuthURL, url.Values{
		"client_key": {f.c.cfg.ClientID}, "response_type": {"code"},
		"scope": {strings.Join(f.c.scopes(tiktokScopes), ",")}, "redirect_uri": {f.c.RedirectURL()}, "state": {state},
	})
}

type tiktokToken struct {
	AccessToken  string      `json:"access_token"`
	ExpiresIn    json.Number `json:"expires_in"`
	OpenID       string      `json:"open_id"`
	RefreshToken string      `json:"refresh_token"`
	Scope        string      `json:"scope"`
}

func (f *tiktokFlow) exchange(ctx context.Context, code, _ string) ([]found, error) {
	var out struct {
		tiktokToken
		Data *tiktokToken `json:"data"` // some answers wrap it
	}
	err := f.c.postForm(ctx, f.c.cfg.TokenURL, url.Values{
		"client_key": {f.c.cfg.ClientID}, "client_secret": {f.c.cfg.ClientSecret}, "code": {code},
		"grant_type": {"authorization_code"}, "redirect_uri": {f.c.RedirectURL()},
	}, auth{}, tiktok.ClassifyToken, &out)
	if err != nil {
		return nil, exchangeError(serentak.TikTok, err)
	}
	tok := out.tiktokToken
	if tok.AccessToken == "" && out.Data != nil {
		tok = *out.Data
	}
	if tok.AccessToken == "" || tok.OpenID == "" {
		return nil, fmt.Errorf("connect: TikTok answered the code exchange without an access token or open_id")
	}
	scopes := splitScopes(tok.Scope)
	if len(scopes) > 0 && !contains(scopes, "video.publish") && !contains(scopes, "video.upload") {
		return nil, refused(MissingPermissionsCode, "Serentak needs permission to post videos to TikTok, and it was not granted; connect again and allow it")
	}
	user, err := f.userInfo(ctx, tok.AccessToken)
	if err != nil {
		return nil, fmt.Errorf("connect: read the TikTok user: %w", err)
	}
	if user.OpenID != "" && user.OpenID != tok.OpenID {
		return nil, fmt.Errorf("connect: TikTok's user info names another user than the token")
	}
	t := serentak.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken}
	if n, err := tok.ExpiresIn.Int64(); err == nil && n > 0 {
		t.ExpiresAt = f.c.cfg.Now().Add(time.Duration(n) * time.Second)
	}
	return []found{{account: serentak.Account{ExternalID: tok.OpenID, Name: user.DisplayName, Token: t}, scopes: scopes}}, nil
}

type tiktokUser struct {
	OpenID      string `json:"open_id"`
	DisplayName string `json:"display_name"`
}

func (f *tiktokFlow) userInfo(ctx context.Context, token string) (tiktokUser, error) {
	var out struct {
		Data struct {
			User tiktokUser `json:"user"`
		} `json:"data"`
	}
	err := f.c.get(ctx, f.c.cfg.APIURL+"/v2/user/info/", url.Values{"fields": {"open_id,union_id,avatar_url,display_name"}},
		auth{"Bearer", token}, tiktok.Classify, &out)
	return out.Data.User, err
}

// verify reads the user with the token: /v2/user/info/.
func (f *tiktokFlow) verify(ctx context.Context, acc serentak.Account) error {
	if _, err := f.userInfo(ctx, acc.Token.AccessToken); err != nil {
		return verifyError(serentak.TikTok, err)
	}
	return nil
}

// splitScopes reads a scope list separated by commas or spaces.
func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
