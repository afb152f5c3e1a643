package webapp

import (
	"errors"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// The post's page (/w/:ws/posts/:id): what the post is, where it went
// and how each platform answered, in plain words with what to do about a
// failure; and what the person's role lets them do with it now:
// reschedule, cancel, delete. post.js watches a post being published and
// reloads the page when an outcome arrives.

// outcome is a delivery as the page tells it.
type outcome struct {
	deliveryItem
	Account string // the account's name
	// Problem and Remedy are message IDs: what went wrong, in words, and
	// what to do about it; Reconnect links to the accounts page.
	Problem, Remedy string
	Reconnect       bool
	// What it brought, once published (GET …/posts/{id}/stats): the
	// clicks on its tracked order link, the platform's metrics (names
	// in the page's language where the catalogue has them), or why
	// there are none yet (NoMetrics, in words).
	Clicks    int64
	Metrics   []metricItem
	NoMetrics string
}

type metricItem struct {
	Name  string
	Value int64
}

// deliveryStats is a delivery's part of GET …/posts/{id}/stats.
type deliveryStats struct {
	DeliveryID         string             `json:"delivery_id"`
	Clicks             int64              `json:"clicks"`
	Metrics            map[string]float64 `json:"metrics"`
	MetricsUnavailable string             `json:"metrics_unavailable"`
}

// statsOf turns a delivery's stats into what the page shows.
func (a *App) statsOf(c echo.Context, o *outcome, st deliveryStats) {
	lang := language(c)
	o.Clicks = st.Clicks
	names := slices.Collect(maps.Keys(st.Metrics))
	serentak.SortMetricNames(names)
	for _, name := range names {
		v := int64(math.Round(st.Metrics[name]))
		label := name // a platform's name the catalogue lacks is shown as the platform gives it
		if _, ok := a.pages.cat[lang]["post.metric."+name]; ok {
			label = a.pages.cat.counted(lang, "post.metric."+name, v) // 1 view, 2 views
		}
		o.Metrics = append(o.Metrics, metricItem{Name: label, Value: v})
	}
	switch st.MetricsUnavailable {
	case "", "not_published":
	case "not_fetched":
		o.NoMetrics = a.word(c, "post.stats.not_fetched")
	default:
		o.NoMetrics = a.word(c, "post.stats.unavailable", st.MetricsUnavailable)
	}
}

type postData struct {
	Post     postItem
	Outcomes []outcome
	// At is the post's time in the workspace's zone, for the form's
	// datetime-local.
	At       string
	Day      string // the post's date, for the way back to the calendar
	Zone     string // the zone's abbreviation at that time: WIB
	InFlight bool
	// Values is what the reschedule form was sent, after a refusal.
	Values url.Values
}

// remedy turns a delivery's error code (worker/classify.go, account
// removal) into what went wrong and what to do, as message IDs.
func remedy(d deliveryItem) (problem, fix string, reconnect bool) {
	if d.Error == nil || (d.Status != "failed" && d.Status != "canceled" && !d.Error.Retryable) {
		return "", "", false
	}
	switch d.Error.Code {
	case "needs_reauth":
		return "post.problem.needs_reauth", "post.fix.needs_reauth", true
	case "rejected":
		return "post.problem.rejected", "post.fix.rejected", false
	case "retries_exhausted":
		return "post.problem.retries_exhausted", "post.fix.retries_exhausted", false
	case "no_publisher":
		return "post.problem.no_publisher", "post.fix.no_publisher", false
	case "account_removed":
		return "post.problem.account_removed", "post.fix.account_removed", true
	}
	if d.Error.Retryable {
		return "post.problem.retrying", "post.fix.retrying", false
	}
	return "post.problem.other", "post.fix.other", false
}

func (a *App) postPath(c echo.Context) string {
	return "/v1/workspaces/" + url.PathEscape(c.Param("ws")) + "/posts/" + url.PathEscape(c.Param("id"))
}

func (a *App) showPost(c echo.Context) error {
	return a.renderPost(c, http.StatusOK, nil)
}

// renderPost shows the post, with the reschedule form's values after a
// refusal.
func (a *App) renderPost(c echo.Context, status int, values url.Values) error {
	var p postItem
	if err := a.call(c, http.MethodGet, a.postPath(c), nil, &p); err != nil {
		return err
	}
	accounts, err := a.listAccounts(c)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, acc := range accounts {
		names[acc.ID] = acc.Name
	}
	v, _ := c.Get(ctxView).(*view)
	tz := ""
	if v != nil && v.Workspace != nil {
		tz = v.Workspace.Timezone
	}
	var stats struct {
		Data []deliveryStats `json:"data"`
	}
	if err := a.call(c, http.MethodGet, a.postPath(c)+"/stats", nil, &stats); err != nil {
		return err
	}
	byDelivery := map[string]deliveryStats{}
	for _, st := range stats.Data {
		byDelivery[st.DeliveryID] = st
	}
	d := postData{Post: p, At: inZone(p.ScheduledAt, tz).Format("2006-01-02T15:04"), Day: inZone(p.ScheduledAt, tz).Format(time.DateOnly),
		Zone: inZone(p.ScheduledAt, tz).Format("MST"), InFlight: p.InFlight(a.cfg.Now()), Values: values}
	for _, dl := range p.Deliveries {
		o := outcome{deliveryItem: dl, Account: names[dl.AccountID]}
		o.Problem, o.Remedy, o.Reconnect = remedy(dl)
		if st, ok := byDelivery[dl.ID]; ok && dl.Status == "published" {
			a.statsOf(c, &o, st)
		}
		d.Outcomes = append(d.Outcomes, o)
	}
	if values != nil && values.Get("scheduled_at") != "" {
		d.At = values.Get("scheduled_at")
	}
	return a.render(c, status, "post", "post.title", d)
}

// reschedulePost moves the post to the form's time, read in the
// workspace's timezone (a datetime-local has none).
func (a *App) reschedulePost(c echo.Context) error {
	v, _ := c.Get(ctxView).(*view)
	raw := c.FormValue("scheduled_at")
	at, err := time.ParseInLocation("2006-01-02T15:04", raw, zone(v))
	if err != nil {
		return a.refusePost(c, &apiError{Status: http.StatusUnprocessableEntity, Message: a.word(c, "post.when_invalid"),
			Details: []fieldDetail{{Field: "scheduled_at", Message: a.word(c, "post.when_invalid")}}})
	}
	err = a.call(c, http.MethodPatch, a.postPath(c), map[string]string{"scheduled_at": at.Format(time.RFC3339)}, nil)
	if err != nil {
		return a.refusePost(c, err)
	}
	return c.Redirect(http.StatusSeeOther, wsPath(c, "posts/"+url.PathEscape(c.Param("id")))+"?done=post.rescheduled")
}

func (a *App) cancelPost(c echo.Context) error {
	if err := a.call(c, http.MethodPost, a.postPath(c)+"/cancel", nil, nil); err != nil {
		return a.refusePost(c, err)
	}
	return c.Redirect(http.StatusSeeOther, wsPath(c, "posts/"+url.PathEscape(c.Param("id")))+"?done=post.canceled")
}

func (a *App) deletePost(c echo.Context) error {
	if err := a.call(c, http.MethodDelete, a.postPath(c), nil, nil); err != nil {
		return a.refusePost(c, err)
	}
	return c.Redirect(http.StatusSeeOther, wsPath(c, "calendar")+"?done=post.deleted")
}

// refusePost shows the post again with the API's refusal (a 4xx other
// than "not found"); anything else is the error page's.
func (a *App) refusePost(c echo.Context, err error) error {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status >= 500 || ae.Status == http.StatusNotFound || ae.Status == http.StatusUnauthorized {
		return err
	}
	v, _ := c.Get(ctxView).(*view)
	if v == nil {
		v = &view{}
		c.Set(ctxView, v)
	}
	v.Error = ae
	form, _ := c.FormParams()
	status := ae.Status
	if status < 400 {
		status = http.StatusUnprocessableEntity
	}
	return a.renderPost(c, status, form)
}
