package webapp

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// apiKey is one of GET …/keys; Key is set only in the answer of POST,
// the one time the key is shown.
type apiKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Key        string     `json:"api_key"`
}

type keysData struct {
	Keys  []apiKey
	Roles []string
	// New is the key just made, shown once.
	New        *apiKey
	Name, Role string
}

func (a *App) showKeys(c echo.Context, d keysData) error {
	var list struct {
		Data []apiKey `json:"data"`
	}
	if err := a.call(c, http.MethodGet, wsAPI(c, "keys"), nil, &list); err != nil {
		return err
	}
	d.Keys, d.Roles = list.Data, roleOrder
	if d.Role == "" {
		d.Role = "editor"
	}
	if d.New != nil {
		// The page with the key must not be kept by the browser or a proxy.
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	return a.render(c, pageStatus(c), "keys", "keys.title", d)
}

func (a *App) keys(c echo.Context) error { return a.showKeys(c, keysData{}) }

func (a *App) createKey(c echo.Context) error {
	d := keysData{Name: strings.TrimSpace(c.FormValue("name")), Role: c.FormValue("role")}
	var k apiKey
	if err := a.call(c, http.MethodPost, wsAPI(c, "keys"), map[string]string{"name": d.Name, "role": d.Role}, &k); err != nil {
		return a.showRefusal(c, err, func() error { return a.showKeys(c, d) })
	}
	v, err := a.person(c)
	if err != nil {
		return err
	}
	v.Flash = "keys.created"
	return a.showKeys(c, keysData{New: &k})
}

func (a *App) revokeKey(c echo.Context) error {
	if err := a.call(c, http.MethodDelete, wsAPI(c, "keys/"+url.PathEscape(c.Param("id"))), nil, nil); err != nil {
		return a.showRefusal(c, err, func() error { return a.showKeys(c, keysData{}) })
	}
	return doneAt(c, "keys", "keys.revoked")
}
