package api

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// Stats (docs/api.md#stats-and-reports): what each delivery brought —
// clicks on its tracked order link, what its platform reports — and a
// period's sums per platform and per product. Read only; every reader of
// the workspace may see them.

// Periods of GET …/stats.
const (
	// defaultStatsPeriod is the period without from or to: the last 30
	// days, what a merchant compares month to month.
	defaultStatsPeriod = 30 * 24 * time.Hour
	// maxStatsPeriod bounds one answer (a year and a day, so a whole
	// year in any timezone fits).
	maxStatsPeriod = 367 * 24 * time.Hour
)

type deliveryStatsView struct {
	DeliveryID  string `json:"delivery_id"`
	Platform    string `json:"platform"`
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	Status      string `json:"status"`
	Clicks      int64  `json:"clicks"`
	// Metrics is never null: {} when there are none, and then
	// MetricsUnavailable says why.
	Metrics            map[string]float64 `json:"metrics"`
	MetricsUnavailable string             `json:"metrics_unavailable,omitempty"`
	MetricsFetchedAt   *time.Time         `json:"metrics_fetched_at"`
	Permalink          *string            `json:"permalink"`
	PublishedAt        *time.Time         `json:"published_at"`
}

func viewDeliveryStats(d serentak.DeliveryStats) deliveryStatsView {
	m := d.Metrics
	if m == nil {
		m = map[string]float64{}
	}
	return deliveryStatsView{
		DeliveryID: d.DeliveryID, Platform: string(d.Platform), AccountID: d.AccountID, AccountName: d.AccountName,
		Status: string(d.Status), Clicks: d.Clicks, Metrics: m, MetricsUnavailable: d.MetricsUnavailable,
		MetricsFetchedAt: timePtr(d.MetricsFetchedAt), Permalink: stringPtr(d.Permalink), PublishedAt: timePtr(d.PublishedAt),
	}
}

// getPostStats answers each delivery of a post with its clicks and
// metrics, in the post's order of targets.
func (s *Server) getPostStats(c echo.Context) error {
	ds, err := s.cfg.Store.FindPostStats(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := struct {
		Data []deliveryStatsView `json:"data"`
	}{Data: make([]deliveryStatsView, 0, len(ds))}
	for _, d := range ds {
		out.Data = append(out.Data, viewDeliveryStats(d))
	}
	return c.JSON(http.StatusOK, out)
}

type statsView struct {
	From      time.Time           `json:"from"`
	To        time.Time           `json:"to"`
	Timezone  string              `json:"timezone"`
	Totals    statsTotalsView     `json:"totals"`
	Platforms []platformStatsView `json:"platforms"`
	Products  []productStatsView  `json:"products"`
}

type statsTotalsView struct {
	Deliveries int   `json:"deliveries"`
	Clicks     int64 `json:"clicks"`
	BioClicks  int64 `json:"bio_clicks"`
}

type platformStatsView struct {
	Platform   string             `json:"platform"`
	Deliveries int                `json:"deliveries"`
	Clicks     int64              `json:"clicks"`
	Metrics    map[string]float64 `json:"metrics"`
}

type productStatsView struct {
	PostID string     `json:"post_id"`
	Name   string     `json:"name"`
	Price  *priceView `json:"price"`
	// Clicks are the tracked links' by platform; BioClicks the
	// link-in-bio page's by the platform the visitor came from.
	Clicks      map[string]int64 `json:"clicks"`
	BioClicks   map[string]int64 `json:"bio_clicks"`
	TotalClicks int64            `json:"total_clicks"`
}

// postName is what a report calls a post: its product's name, else the
// first line of its caption, cut to 60 characters.
func postName(p *serentak.Product, caption string) string {
	if p != nil && p.Name != "" {
		return p.Name
	}
	line, _, _ := strings.Cut(strings.TrimSpace(caption), "\n")
	if utf8.RuneCountInString(line) > 60 {
		line = string([]rune(line)[:59]) + "…"
	}
	return line
}

// getStats sums the period's published deliveries per platform and per
// product, with the link-in-bio page's clicks.
func (s *Server) getStats(c echo.Context) error {
	ctx := c.Request().Context()
	ws, err := s.cfg.Store.FindWorkspaceByID(ctx, workspaceID(c))
	if err != nil {
		return err
	}
	q := c.QueryParams()
	if err := storableQuery(q); err != nil {
		return err
	}
	loc := workspaceLocation(ws)
	from, to, errs := s.statsPeriod(q.Get("from"), q.Get("to"), loc)
	if len(errs) > 0 {
		return serentak.Invalid("invalid query parameters", errs...)
	}
	ds, bio, err := s.periodStats(c, ws.ID, from, to, loc)
	if err != nil {
		return err
	}
	sum := serentak.SumStats(ds, bio)
	out := statsView{From: from.UTC(), To: to.UTC(), Timezone: loc.String(),
		Platforms: make([]platformStatsView, 0, len(sum.Platforms)), Products: make([]productStatsView, 0, len(sum.Products))}
	for _, p := range sum.Platforms {
		out.Platforms = append(out.Platforms, platformStatsView{Platform: string(p.Platform), Deliveries: p.Deliveries, Clicks: p.Clicks, Metrics: p.Metrics})
		out.Totals.Deliveries += p.Deliveries
		out.Totals.Clicks += p.Clicks
	}
	for _, p := range sum.Products {
		v := productStatsView{PostID: p.PostID, Name: postName(p.Product, p.Caption), Clicks: map[string]int64{}, BioClicks: p.BioClicks, TotalClicks: p.Total}
		if p.Product != nil && p.Product.Price != nil {
			v.Price = &priceView{Amount: p.Product.Price.Amount, Currency: p.Product.Price.Currency}
		}
		for pl, n := range p.Clicks {
			v.Clicks[string(pl)] = n
		}
		for _, n := range p.BioClicks {
			out.Totals.BioClicks += n
		}
		out.Products = append(out.Products, v)
	}
	return c.JSON(http.StatusOK, out)
}

// periodStats reads the deliveries published in [from, to) and the
// link-in-bio clicks of the days that period touches (the page counts
// by day in the workspace's timezone).
func (s *Server) periodStats(c echo.Context, wsID string, from, to time.Time, loc *time.Location) ([]serentak.DeliveryStats, []serentak.BioClicks, error) {
	ctx := c.Request().Context()
	ds, err := s.cfg.Store.FindPublishedStats(ctx, wsID, from, to)
	if err != nil {
		return nil, nil, err
	}
	lastDay := to.In(loc)
	if y, m, d := lastDay.Date(); !lastDay.Equal(time.Date(y, m, d, 0, 0, 0, 0, loc)) {
		lastDay = time.Date(y, m, d+1, 0, 0, 0, 0, loc) // to's own day is touched
	}
	bio, err := s.cfg.Store.FindBioClicks(ctx, wsID, from.In(loc).Format(time.DateOnly), lastDay.Format(time.DateOnly))
	if err != nil {
		return nil, nil, err
	}
	return ds, bio, nil
}

// statsPeriod reads from and to as GET …/posts reads them (RFC 3339
// times, or dates meaning midnight in the workspace's timezone; to is
// excluded): without both, the period is defaultStatsPeriod up to now (or
// from from, or up to to); it may not be longer than maxStatsPeriod.
func (s *Server) statsPeriod(rawFrom, rawTo string, loc *time.Location) (from, to time.Time, errs []serentak.FieldError) {
	bound := func(name, v string) time.Time {
		v = strings.TrimSpace(v)
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
		day, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs = append(errs, timeBoundError(name))
			return time.Time{}
		}
		return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	}
	from, to = bound("from", rawFrom), bound("to", rawTo)
	if len(errs) > 0 {
		return from, to, errs
	}
	switch {
	case from.IsZero() && to.IsZero():
		to = s.now()
		from = to.Add(-defaultStatsPeriod)
	case to.IsZero():
		to = from.Add(defaultStatsPeriod)
	case from.IsZero():
		from = to.Add(-defaultStatsPeriod)
	}
	switch {
	case !to.After(from):
		errs = append(errs, fieldError("to", "invalid", "must be after from (to is excluded)"))
	case to.Sub(from) > maxStatsPeriod:
		errs = append(errs, fieldError("to", "invalid", "the period may be at most 367 days; ask for a year at a time"))
	}
	return from, to, errs
}
