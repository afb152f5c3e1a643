package webapp

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// The accounts page: the workspace's connected social accounts with their
// health, connecting through each platform's login (the API's connect
// flow with return_to, so the login comes back here), and removing one.

// platformOrder is the order of the connect buttons: the platforms a
// merchant most often has first.
var platformOrder = []string{"facebook", "instagram", "youtube", "tiktok"}

// expiringWithin is how close a token's expiry must be for the page to
// warn. Only Facebook and Instagram: their tokens live for weeks and a
// lapse means logging in again, while YouTube's and TikTok's access
// tokens live an hour or a day and are refreshed as they are used.
const expiringWithin = 7 * 24 * time.Hour

// accountItem is an account as GET …/accounts answers it (what the page
// shows).
type accountItem struct {
	ID                 string     `json:"id"`
	Platform           string     `json:"platform"`
	Name               string     `json:"name"`
	Status             string     `json:"status"`
	StatusReason       string     `json:"status_reason"`
	TokenExpiresAt     *time.Time `json:"token_expires_at"`
	CheckedAt          *time.Time `json:"checked_at"`
	MissingPermissions []struct {
		Permission string `json:"permission"`
		NeededFor  string `json:"needed_for"`
	} `json:"missing_permissions"`
	// Health is "active", "needs_reauth" or "expiring" (set by the page).
	Health string `json:"-"`
}

// platformChoice is a connect button: a platform, whether its OAuth app
// is configured, and if not the settings the operator must set.
type platformChoice struct {
	Name                 string
	Ready                bool
	IDSetting, SecretSet string
}

// accountsPage is the page's data.
type accountsPage struct {
	Accounts  []accountItem
	Platforms []platformChoice
	// Connected is how many accounts the login that just came back
	// connected (0: none came back).
	Connected int
}

func (a *App) showAccounts(c echo.Context) error {
	var list struct {
		Data []accountItem `json:"data"`
	}
	if err := a.call(c, http.MethodGet, "/v1/workspaces/"+url.PathEscape(c.Param("ws"))+"/accounts", nil, &list); err != nil {
		return err
	}
	now := a.cfg.Now()
	for i := range list.Data {
		acc := &list.Data[i]
		acc.Health = acc.Status
		if acc.Status == string(serentak.AccountActive) && acc.TokenExpiresAt != nil &&
			(acc.Platform == "facebook" || acc.Platform == "instagram") && acc.TokenExpiresAt.Sub(now) < expiringWithin {
			acc.Health = "expiring"
		}
	}
	data := accountsPage{Accounts: list.Data}
	for _, p := range platformOrder {
		id, secret := settingsOf(p)
		data.Platforms = append(data.Platforms, platformChoice{Name: p, Ready: a.cfg.Connectable == nil || a.cfg.Connectable[p],
			IDSetting: id, SecretSet: secret})
	}
	v, _ := c.Get(ctxView).(*view)
	q := c.QueryParams()
	if n, err := strconv.Atoi(q.Get("connected")); err == nil && n > 0 {
		data.Connected = n
	}
	// A login that came back without an account, or a platform nobody
	// configured: said at the top, in words.
	if code := q.Get("connect_error"); code != "" && v != nil {
		v.Error = &apiError{Message: a.word(c, connectErrorMessage(code))}
	}
	if p := q.Get("not_configured"); slices.Contains(platformOrder, p) && v != nil && serentak.Role(v.Role).Can(serentak.PowerManage) {
		id, secret := settingsOf(p)
		v.Error = &apiError{Message: a.word(c, "accounts.not_configured", a.word(c, "accounts.platform."+p), id, secret)}
	}
	return a.render(c, http.StatusOK, "accounts", "accounts.title", data)
}

// settingsOf names the settings of a platform's OAuth app.
func settingsOf(platform string) (clientID, clientSecret string) {
	up := strings.ToUpper(platform)
	return "SERENTAK_" + up + "_CLIENT_ID", "SERENTAK_" + up + "_CLIENT_SECRET"
}

// connectErrorMessage is the message ID for the API's connect_error code.
func connectErrorMessage(code string) string {
	switch code {
	case "access_denied", "missing_permissions", "no_accounts", "conflict":
		return "accounts.error." + code
	}
	return "accounts.error.other"
}

// connectAccount starts a platform's login. It is a link, not a form: the
// page's CSP (form-action 'self') would stop a form's redirect to the
// platform. Starting a login changes nothing until the person logs in,
// and the API checks the role.
func (a *App) connectAccount(c echo.Context) error {
	p := c.Param("platform")
	if !slices.Contains(platformOrder, p) {
		return echo.ErrNotFound
	}
	back := wsPath(c, "accounts")
	var out struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	err := a.call(c, http.MethodGet, "/v1/workspaces/"+url.PathEscape(c.Param("ws"))+"/accounts/connect/"+p+"?"+
		url.Values{"return_to": {back}}.Encode(), nil, &out)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity {
		for _, d := range ae.Details {
			if d.Field == "platform" && d.Code == "not_configured" {
				return c.Redirect(http.StatusSeeOther, back+"?not_configured="+p)
			}
		}
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return c.Redirect(http.StatusSeeOther, out.AuthorizeURL)
}

// removeAccount removes an account after the page's confirmation step.
func (a *App) removeAccount(c echo.Context) error {
	err := a.call(c, http.MethodDelete, "/v1/workspaces/"+url.PathEscape(c.Param("ws"))+"/accounts/"+url.PathEscape(c.Param("id")), nil, nil)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, wsPath(c, "accounts")+"?done=accounts.removed")
}
