package webapp

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
)

// dashboardData is a workspace's first page: what is coming, what needs
// the merchant's attention (failed posts, accounts to reconnect).
type dashboardData struct {
	Upcoming  []postItem
	Failed    []postItem
	Reconnect []accountItem
	Accounts  int
}

// failedWithin is how far back the dashboard looks for failed posts.
const failedWithin = 14 * 24 * time.Hour

// dashboard is a workspace's first page.
func (a *App) dashboard(c echo.Context) error {
	now := a.cfg.Now()
	var d dashboardData
	up, err := a.listPosts(c, url.Values{"from": {now.UTC().Format(time.RFC3339)}, "order": {"asc"},
		"status": {"scheduled", "pending_approval", "publishing"}, "limit": {"5"}}, 1)
	if err != nil {
		return err
	}
	d.Upcoming = up[:min(5, len(up))]
	failed, err := a.listPosts(c, url.Values{"from": {now.Add(-failedWithin).UTC().Format(time.RFC3339)},
		"status": {"failed", "partially_published"}, "limit": {"5"}}, 1)
	if err != nil {
		return err
	}
	d.Failed = failed[:min(5, len(failed))]
	accounts, err := a.listAccounts(c)
	if err != nil {
		return err
	}
	d.Accounts = len(accounts)
	for _, acc := range accounts {
		if acc.Status != "active" {
			d.Reconnect = append(d.Reconnect, acc)
		}
	}
	return a.render(c, http.StatusOK, "dashboard", "dashboard.title", d)
}
