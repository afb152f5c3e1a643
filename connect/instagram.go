package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/instagram"
)

// InstagramLogin names the two ways to connect an Instagram professional
// account (docs/platforms/instagram.md#connecting).
type InstagramLogin string

const (
	// InstagramWithInstagramLogin: the owner logs in to Instagram itself; no
	// Facebook Page is needed. Tokens are Instagram User tokens, used on
	// graph.instagram.com, long-lived (60 days) and refreshed with
	// ig_refresh_token before they run out.
	InstagramWithInstagramLogin InstagramLogin = "instagram"
	// InstagramWithFacebookLogin: the owner logs in to Facebook and shares
	// the Pages their IG accounts are linked to; each IG account publishes
	// with its Page's token on graph.facebook.com, which does not expire.
	InstagramWithFacebookLogin InstagramLogin = "facebook"
)

// Valid reports whether l is one of the two flavours.
func (l InstagramLogin) Valid() bool {
	return l == InstagramWithInstagramLogin || l == InstagramWithFacebookLogin
}

var (
	// The comments permission is asked for too, for a post's first
	// comment (POST /{ig-media-id}/comments; Comments reference,
	// "Requirements":
	// https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-media/comments):
	// instagram_business_manage_comments with Instagram Login,
	// instagram_manage_comments with Facebook Login. It is not required:
	// an account without it publishes, and a first comment then says
	// which permission is missing. The same holds for the insights
	// permission metrics need (Insights guide, "Permissions":
	// https://developers.facebook.com/documentation/instagram-platform/insights.md):
	// instagram_business_manage_insights with Instagram Login,
	// instagram_manage_insights with Facebook Login.
	instagramScopes   = []string{"instagram_business_basic", "instagram_business_content_publish", "instagram_business_manage_comments", "instagram_business_manage_insights"}
	igFacebookScopes  = []string{"instagram_basic", "instagram_content_publish", "instagram_manage_comments", "instagram_manage_insights", "pages_show_list", "pages_read_engagement", "business_management"}
	igFacebookNeeded  = []string{"instagram_basic", "instagram_content_publish", "pages_show_list"}
	igLoginPermNeeded = []string{"instagram_business_basic", "instagram_business_content_publish"}
)

// NewInstagram returns the Instagram connector for the login flavour.
//
// With Instagram Login, cfg.APIURL is the Instagram Graph host
// (https://graph.instagram.com), cfg.AuthURL Instagram's authorize page
// and cfg.TokenURL https://api.instagram.com/oauth/access_token. With
// Facebook Login they are the Graph API host and Facebook's dialog and
// token URLs, as for NewFacebook.
func NewInstagram(cfg Config, login InstagramLogin) (*Connector, error) {
	if cfg.Version == "" {
		cfg.Version = DefaultGraphVersion
	}
	switch login {
	case InstagramWithInstagramLogin:
		c, err := newConnector(cfg, func(c *Connector) flow { return &igLoginFlow{c: c} })
		if err != nil {
			return nil, err
		}
		c.refresher = instagram.NewRefresher(instagram.RefresherConfig{BaseURL: c.cfg.APIURL, HTTPClient: c.client, Now: c.cfg.Now})
		return c, nil
	case InstagramWithFacebookLogin:
		return newConnector(cfg, func(c *Connector) flow { return &igFacebookFlow{c: c} })
	}
	return nil, fmt.Errorf("connect: unknown Instagram login %q: want %q or %q", login, InstagramWithInstagramLogin, InstagramWithFacebookLogin)
}

// igFacebookFlow: Instagram API with Facebook Login.
type igFacebookFlow struct{ c *Connector }

func (f *igFacebookFlow) platform() serentak.Platform { return serentak.Instagram }
func (f *igFacebookFlow) pkce() bool                  { return false }

func (f *igFacebookFlow) authCodeURL(state, _ string) string {
	return f.c.oauth2Config(igFacebookScopes).AuthCodeURL(state)
}

func (f *igFacebookFlow) exchange(ctx context.Context, code, _ string) ([]found, error) {
	user, granted, err := f.c.facebookLogin(ctx, code, igFacebookNeeded, readInstagram)
	if err != nil {
		return nil, err
	}
	pages, err := f.c.facebookPages(ctx, user, "id,name,access_token,instagram_business_account{id,username,name}", readInstagram)
	if err != nil {
		return nil, err
	}
	var out []found
	for _, p := range pages {
		if p.IG == nil || p.IG.ID == "" || p.AccessToken == "" {
			continue
		}
		name := p.IG.Username
		if name == "" {
			name = p.IG.Name
		}
		out = append(out, found{
			account: serentak.Account{ExternalID: p.IG.ID, Name: name, Token: serentak.Token{AccessToken: p.AccessToken}},
			scopes:  granted,
		})
	}
	if len(out) == 0 {
		return nil, refused(NoAccountsCode, "none of the Facebook Pages shared has an Instagram professional account linked; link one to a Page (Instagram settings → Business tools) or share the Page it is linked to, then connect again")
	}
	return out, nil
}

// verify reads the IG user with its token: GET /{ig-user-id}?fields=id.
func (f *igFacebookFlow) verify(ctx context.Context, acc serentak.Account) error {
	err := f.c.get(ctx, f.c.graphURL("/"+url.PathEscape(acc.ExternalID)), url.Values{"fields": {"id"}},
		auth{"OAuth", acc.Token.AccessToken}, readInstagram, nil)
	if err != nil {
		return verifyError(serentak.Instagram, err)
	}
	return nil
}

// igLoginFlow: Instagram API with Instagram Login.
type igLoginFlow struct{ c *Connector }

func (f *igLoginFlow) platform() serentak.Platform { return serentak.Instagram }
func (f *igLoginFlow) pkce() bool                  { return false }

// authCodeURL is built by hand: Instagram wants the scopes
// comma-separated, where golang.org/x/oauth2 joins them with spaces.
func (f *igLoginFlow) authCodeURL(state, _ string) string {
	q := url.Values{
		"client_id": {f.c.cfg.ClientID}, "redirect_uri": {f.c.RedirectURL()}, "response_type": {"code"},
		"scope": {strings.Join(f.c.scopes(instagramScopes), ",")}, "state": {state},
	}
	return withQuery(f.c.cfg.AuthURL, q)
}

func (f *igLoginFlow) exchange(ctx context.Context, code, _ string) ([]found, error) {
	// Step 2: code → short-lived token, a multipart or urlencoded form.
	var short struct {
		AccessToken string          `json:"access_token"`
		UserID      json.Number     `json:"user_id"`
		Permissions json.RawMessage `json:"permissions"`
		Data        []struct {
			AccessToken string          `json:"access_token"`
			UserID      json.Number     `json:"user_id"`
			Permissions json.RawMessage `json:"permissions"`
		} `json:"data"`
	}
	err := f.c.postForm(ctx, f.c.cfg.TokenURL, url.Values{
		"client_id": {f.c.cfg.ClientID}, "client_secret": {f.c.cfg.ClientSecret},
		"grant_type": {"authorization_code"}, "redirect_uri": {f.c.RedirectURL()}, "code": {code},
	}, auth{}, readInstagram, &short)
	if err != nil {
		return nil, exchangeError(serentak.Instagram, err)
	}
	if short.AccessToken == "" && len(short.Data) > 0 {
		short.AccessToken, short.UserID, short.Permissions = short.Data[0].AccessToken, short.Data[0].UserID, short.Data[0].Permissions
	}
	if short.AccessToken == "" {
		return nil, fmt.Errorf("connect: Instagram answered the code exchange without an access token")
	}
	granted := permissionList(short.Permissions)
	if len(granted) > 0 {
		var missing []string
		for _, r := range igLoginPermNeeded {
			if !contains(granted, r) {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			return nil, refused(MissingPermissionsCode, fmt.Sprintf("Serentak needs the Instagram permissions %s to publish, and they were not granted; connect again and allow them", strings.Join(missing, ", ")))
		}
	}

	// Step 3: short → long-lived (60 days).
	long, err := f.longLived(ctx, short.AccessToken)
	if err != nil {
		return nil, exchangeError(serentak.Instagram, err)
	}

	// Step 5: who is it.
	var me struct {
		ID       string      `json:"id"`
		UserID   json.Number `json:"user_id"`
		Username string      `json:"username"`
		Name     string      `json:"name"`
	}
	if err := f.c.get(ctx, f.c.graphURL("/me"), url.Values{"fields": {"user_id,username,name"}}, auth{"Bearer", long.AccessToken}, readInstagram, &me); err != nil {
		return nil, fmt.Errorf("connect: read the Instagram account: %w", err)
	}
	// user_id is the professional account's ID, the one content
	// publishing takes; id is app-scoped.
	id := me.UserID.String()
	if id == "" {
		id = short.UserID.String()
	}
	if id == "" {
		return nil, fmt.Errorf("connect: Instagram did not say which account logged in")
	}
	name := me.Username
	if name == "" {
		name = me.Name
	}
	if len(granted) == 0 {
		granted = f.c.scopes(instagramScopes)
	}
	return []found{{account: serentak.Account{ExternalID: id, Name: name, Token: long}, scopes: granted}}, nil
}

func (f *igLoginFlow) verify(ctx context.Context, acc serentak.Account) error {
	err := f.c.get(ctx, f.c.graphURL("/me"), url.Values{"fields": {"user_id"}}, auth{"Bearer", acc.Token.AccessToken}, readInstagram, nil)
	if err != nil {
		return verifyError(serentak.Instagram, err)
	}
	return nil
}

// longLived trades a short-lived Instagram Login token for a long-lived
// one (60 days): GET /access_token?grant_type=ig_exchange_token on
// graph.instagram.com, which takes the token in the query. Extending it
// later is the Instagram adapter's Refresher.
func (f *igLoginFlow) longLived(ctx context.Context, short string) (serentak.Token, error) {
	var out struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	err := f.c.get(ctx, f.c.cfg.APIURL+"/access_token", url.Values{
		"grant_type": {"ig_exchange_token"}, "client_secret": {f.c.cfg.ClientSecret}, "access_token": {short},
	}, auth{}, readInstagram, &out)
	if err != nil {
		return serentak.Token{}, err
	}
	if out.AccessToken == "" {
		return serentak.Token{}, errors.New("the long-lived token answer carried no access_token")
	}
	t := serentak.Token{AccessToken: out.AccessToken}
	if n, err := out.ExpiresIn.Int64(); err == nil && n > 0 {
		t.ExpiresAt = f.c.cfg.Now().Add(time.Duration(n) * time.Second)
	}
	return t, nil
}

// readInstagram reads Graph answers as the Instagram adapter does.
func readInstagram(status int, body []byte, header http.Header) *serentak.PublishError {
	return readGraph(instagram.Classify, status, body, header)
}

// permissionList reads "permissions" as a JSON array or a comma-separated
// string; both have been seen.
func permissionList(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				list = append(list, p)
			}
		}
	}
	return list
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// withQuery appends q to a URL that may already have a query.
func withQuery(raw string, q url.Values) string {
	if strings.Contains(raw, "?") {
		return raw + "&" + q.Encode()
	}
	return raw + "?" + q.Encode()
}
