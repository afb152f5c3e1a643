package connect

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/facebook"
)

// DefaultGraphVersion is the pinned Graph API version
// (docs/platforms/facebook.md#api-version-and-token: an expired version is
// silently rerouted, so it must never float).
const DefaultGraphVersion = "v25.0"

// Facebook Login scopes (docs/platforms/facebook.md#connecting): publishing
// to a Page needs pages_manage_posts and pages_read_engagement, and listing
// the Pages pages_show_list; those three are required, the rest asked for
// (pages_manage_engagement for first comments, publish_video for videos).
// pages_read_user_engagement, which Meta's comments guide lists, is no
// permission and is never asked for. read_insights is asked for the
// posts' metrics (Page Post Insights, "Permissions": read_insights with
// pages_read_engagement,
// https://developers.facebook.com/docs/graph-api/reference/post/insights/;
// docs/platforms/facebook.md#metrics); not required: a Page without it
// publishes, and its accounts' missing_permissions say what metrics need.
var (
	facebookScopes   = []string{"pages_show_list", "pages_manage_posts", "pages_read_engagement", "pages_manage_engagement", "business_management", "publish_video", "read_insights"}
	facebookRequired = []string{"pages_show_list", "pages_manage_posts", "pages_read_engagement"}
)

// maxPages bounds /me/accounts paging: a runaway "next" chain must end.
const maxPages = 50

// NewFacebook returns the Facebook Pages connector: Facebook Login, then
// one account per Page the user shared, each with its Page token (which
// does not expire when it comes from a long-lived user token).
//
// Facebook Login takes PKCE only in flavours that do not fit a server
// (Limited Login), so none is sent; the client secret and the single-use
// state protect the flow.
func NewFacebook(cfg Config) (*Connector, error) {
	if cfg.Version == "" {
		cfg.Version = DefaultGraphVersion
	}
	return newConnector(cfg, func(c *Connector) flow { return &facebookFlow{c: c} })
}

type facebookFlow struct{ c *Connector }

func (f *facebookFlow) platform() serentak.Platform { return serentak.Facebook }
func (f *facebookFlow) pkce() bool                  { return false }

// authCodeURL is Facebook Login's dialog URL. With a Facebook Login for
// Business configuration (Config.ConfigID) the dialog takes config_id and
// no scope: the configuration lists the permissions, granted all or none
// (https://developers.facebook.com/docs/facebook-login/facebook-login-for-business/,
// "Invoke a Login Dialog"; docs/platforms/facebook.md#connecting).
func (f *facebookFlow) authCodeURL(state, _ string) string {
	if id := f.c.cfg.ConfigID; id != "" {
		cfg := f.c.oauth2Config(nil)
		cfg.Scopes = nil
		return cfg.AuthCodeURL(state, oauth2.SetAuthURLParam("config_id", id))
	}
	return f.c.oauth2Config(facebookScopes).AuthCodeURL(state)
}

func (f *facebookFlow) exchange(ctx context.Context, code, _ string) ([]found, error) {
	user, granted, err := f.c.facebookLogin(ctx, code, facebookRequired, readFacebook)
	if err != nil {
		return nil, err
	}
	pages, err := f.c.facebookPages(ctx, user, "id,name,access_token", readFacebook)
	if err != nil {
		return nil, err
	}
	var out []found
	for _, p := range pages {
		if p.ID == "" || p.AccessToken == "" {
			continue
		}
		out = append(out, found{
			account: serentak.Account{ExternalID: p.ID, Name: p.Name, Token: serentak.Token{AccessToken: p.AccessToken}},
			scopes:  granted,
		})
	}
	if len(out) == 0 {
		return nil, refused(NoAccountsCode, "the Facebook login shared no Page; connect again and choose at least one Page you manage")
	}
	return out, nil
}

// verify reads the Page itself with its token: GET /me?fields=id.
func (f *facebookFlow) verify(ctx context.Context, acc serentak.Account) error {
	var me struct{ ID string }
	err := f.c.get(ctx, f.c.graphURL("/me"), url.Values{"fields": {"id"}}, auth{"OAuth", acc.Token.AccessToken}, readFacebook, &me)
	if err != nil {
		return verifyError(serentak.Facebook, err)
	}
	return nil
}

// readFacebook reads Graph answers as the Facebook adapter does.
func readFacebook(status int, body []byte, header http.Header) *serentak.PublishError {
	return readGraph(facebook.Classify, status, body, header)
}

func (c *Connector) graphURL(path string) string {
	return c.cfg.APIURL + "/" + c.cfg.Version + path
}

// facebookLogin runs Facebook Login's steps 2–4
// (docs/platforms/facebook.md#connecting): code
// → short-lived user token → long-lived user token, then checks that
// every required permission was granted. It returns the long-lived token
// and the granted permissions.
//
// read is the platform's reading of Graph answers: the same Facebook Login
// serves Facebook Pages and Instagram with Facebook Login.
func (c *Connector) facebookLogin(ctx context.Context, code string, required []string, read readFunc) (string, []string, error) {
	p := c.flow.platform()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err := c.get(ctx, c.cfg.TokenURL, url.Values{
		"client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret},
		"redirect_uri": {c.RedirectURL()}, "code": {code},
	}, auth{}, read, &tok)
	if err != nil {
		return "", nil, exchangeError(p, err)
	}
	if tok.AccessToken == "" {
		return "", nil, fmt.Errorf("connect: %s answered the code exchange without an access token", p.DisplayName())
	}
	var long struct {
		AccessToken string `json:"access_token"`
	}
	err = c.get(ctx, c.cfg.TokenURL, url.Values{
		"grant_type": {"fb_exchange_token"}, "client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret},
		"fb_exchange_token": {tok.AccessToken},
	}, auth{}, read, &long)
	if err != nil {
		return "", nil, exchangeError(p, err)
	}
	if long.AccessToken == "" {
		return "", nil, fmt.Errorf("connect: %s answered the long-lived token exchange without a token", p.DisplayName())
	}
	var perms struct {
		Data []struct {
			Permission string `json:"permission"`
			Status     string `json:"status"`
		} `json:"data"`
	}
	if err := c.get(ctx, c.graphURL("/me/permissions"), nil, auth{"OAuth", long.AccessToken}, read, &perms); err != nil {
		return "", nil, fmt.Errorf("connect: read the granted %s permissions: %w", p.DisplayName(), err)
	}
	var granted []string
	for _, d := range perms.Data {
		if d.Status == "granted" {
			granted = append(granted, d.Permission)
		}
	}
	var missing []string
	for _, r := range required {
		if !slices.Contains(granted, r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return "", nil, refused(MissingPermissionsCode, fmt.Sprintf(
			"Serentak needs the %s permissions %s to publish, and they were not granted; connect again and leave them switched on",
			p.DisplayName(), strings.Join(missing, ", ")))
	}
	return long.AccessToken, granted, nil
}

// graphPage is one entry of /me/accounts.
type graphPage struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	AccessToken string `json:"access_token"`
	IG          *struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
	} `json:"instagram_business_account"`
}

// facebookPages lists the Pages the user shared, following paging.next.
// A "next" URL carries the user token in its query, so it is followed only
// when it points at the configured Graph host.
func (c *Connector) facebookPages(ctx context.Context, userToken, fields string, read readFunc) ([]graphPage, error) {
	api, err := url.Parse(c.cfg.APIURL)
	if err != nil {
		return nil, fmt.Errorf("connect: bad Graph API URL setting: %w", err)
	}
	next := c.graphURL("/me/accounts") + "?" + url.Values{"fields": {fields}, "limit": {"100"}}.Encode()
	var out []graphPage
	for i := 0; next != "" && i < maxPages; i++ {
		var page struct {
			Data   []graphPage `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := c.get(ctx, next, nil, auth{"OAuth", userToken}, read, &page); err != nil {
			return nil, fmt.Errorf("connect: list the %s Pages: %w", c.flow.platform().DisplayName(), err)
		}
		out = append(out, page.Data...)
		next = ""
		if page.Paging.Next != "" {
			u, err := url.Parse(page.Paging.Next)
			if err != nil || u.Scheme != api.Scheme || u.Host != api.Host {
				c.log.Warn("not following a Pages paging link to another host", "platform", c.flow.platform())
				break
			}
			next = page.Paging.Next
		}
	}
	return out, nil
}
