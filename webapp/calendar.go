package webapp

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
)

// The calendar (/w/:ws/calendar) shows a week or a month of posts in the
// workspace's timezone: a grid on a wide screen, the same days one under
// the other on a phone (CSS decides by width), or ?view=list, the days of
// the month that have posts. Weeks start on Monday, as Indonesian
// calendars do. A post that can still move is dragged to another day
// (calendar.js, through /app/api); every post also links to its page,
// whose form reschedules it without JavaScript.

// calDay is one day of the calendar.
type calDay struct {
	Date    time.Time // midnight in the workspace's timezone
	ISO     string    // 2026-12-24
	Offset  string    // the zone's offset that day: +07:00
	Today   bool
	Outside bool // in a month's grid, a day of the month before or after
	Posts   []postItem
}

type calendarData struct {
	View             string // week, month or list
	Anchor           string // the date shown (?date=)
	Title            time.Time
	Prev, Next, Home string // links
	Days             []calDay
	Weekdays         []time.Time // Monday to Sunday, for the grid's heads
	Accounts         []accountItem
	Account          string // the account filtered on, or ""
	Names            map[string]string
	Count            int
}

func (a *App) calendar(c echo.Context) error {
	v, _ := c.Get(ctxView).(*view)
	loc := zone(v)
	now := a.cfg.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	d := calendarData{View: c.QueryParam("view"), Account: c.QueryParam("account")}
	if d.View != "month" && d.View != "list" {
		d.View = "week"
	}
	anchor := today
	if t, err := time.ParseInLocation(time.DateOnly, c.QueryParam("date"), loc); err == nil {
		anchor = t
	}
	var from, to, prev, next time.Time
	switch d.View {
	case "week":
		from = anchor.AddDate(0, 0, -((int(anchor.Weekday()) + 6) % 7)) // Monday
		to = from.AddDate(0, 0, 7)
		prev, next = anchor.AddDate(0, 0, -7), anchor.AddDate(0, 0, 7)
	default:
		first := time.Date(anchor.Year(), anchor.Month(), 1, 0, 0, 0, 0, loc)
		from, to = first, first.AddDate(0, 1, 0)
		if d.View == "month" { // whole weeks around the month
			from = first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
			for to.Weekday() != time.Monday {
				to = to.AddDate(0, 0, 1)
			}
		}
		prev, next = first.AddDate(0, -1, 0), first.AddDate(0, 1, 0)
	}
	d.Title, d.Anchor = anchor, anchor.Format(time.DateOnly)
	link := func(day time.Time) string {
		q := url.Values{"view": {d.View}}
		if !day.IsZero() {
			q.Set("date", day.Format(time.DateOnly))
		}
		if d.Account != "" {
			q.Set("account", d.Account)
		}
		return wsPath(c, "calendar") + "?" + q.Encode()
	}
	d.Prev, d.Next, d.Home = link(prev), link(next), link(time.Time{})

	accounts, err := a.listAccounts(c)
	if err != nil {
		return err
	}
	d.Accounts, d.Names = accounts, map[string]string{}
	for _, acc := range accounts {
		d.Names[acc.ID] = acc.Name
	}
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}, "order": {"asc"}}
	if d.Account != "" {
		q.Set("account_id", d.Account)
	}
	posts, err := a.listPosts(c, q, 20)
	if err != nil {
		return err
	}
	d.Count = len(posts)
	byDay := map[string][]postItem{}
	for _, p := range posts {
		if p.Status == "draft" && p.ScheduledAt.IsZero() {
			continue
		}
		k := p.ScheduledAt.In(loc).Format(time.DateOnly)
		byDay[k] = append(byDay[k], p)
	}
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		iso := day.Format(time.DateOnly)
		cd := calDay{Date: day, ISO: iso, Offset: day.Add(12 * time.Hour).Format("-07:00"), Today: day.Equal(today),
			Outside: d.View == "month" && day.Month() != anchor.Month(), Posts: byDay[iso]}
		if d.View == "list" && len(cd.Posts) == 0 && !cd.Today {
			continue
		}
		d.Days = append(d.Days, cd)
	}
	monday := from.AddDate(0, 0, -((int(from.Weekday()) + 6) % 7))
	for i := range 7 {
		d.Weekdays = append(d.Weekdays, monday.AddDate(0, 0, i))
	}
	return a.render(c, http.StatusOK, "calendar", "calendar.title", d)
}
