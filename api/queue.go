package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// queueNextShown is how many free slot times GET …/queue shows.
const queueNextShown = 10

// dayNames are the days of a slot, indexed by time.Weekday.
var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

type queueRequest struct {
	Slots *[]slotRequest `json:"slots"`
}

type slotRequest struct {
	Day  string `json:"day"`
	Time string `json:"time"`
}

type slotView struct {
	Day  string `json:"day"`
	Time string `json:"time"`
}

type queueView struct {
	Timezone string      `json:"timezone"`
	Slots    []slotView  `json:"slots"`
	Next     []time.Time `json:"next"`
}

func viewQueue(q serentak.Queue) queueView {
	v := queueView{Timezone: q.Timezone, Slots: make([]slotView, len(q.Slots)), Next: make([]time.Time, len(q.Next))}
	for i, sl := range q.Slots {
		v.Slots[i] = slotView{Day: dayNames[sl.Day], Time: fmt.Sprintf("%02d:%02d", sl.Minute/60, sl.Minute%60)}
	}
	for i, t := range q.Next {
		v.Next[i] = t.UTC()
	}
	return v
}

// parseSlots reads the slots of PUT …/queue, naming each bad one.
func parseSlots(in []slotRequest) ([]serentak.QueueSlot, []serentak.FieldError) {
	var errs []serentak.FieldError
	if len(in) > serentak.MaxQueueSlots {
		return nil, []serentak.FieldError{fieldError("slots", "too_many", "a queue holds at most %d slots", serentak.MaxQueueSlots)}
	}
	out := make([]serentak.QueueSlot, 0, len(in))
	for i, r := range in {
		day := -1
		for d, name := range dayNames {
			if strings.EqualFold(strings.TrimSpace(r.Day), name) {
				day = d
			}
		}
		if day < 0 {
			errs = append(errs, fieldError(fmt.Sprintf("slots[%d].day", i), "invalid", "must be one of mon, tue, wed, thu, fri, sat, sun"))
		}
		minute, ok := parseClock(strings.TrimSpace(r.Time))
		if !ok {
			errs = append(errs, fieldError(fmt.Sprintf("slots[%d].time", i), "invalid", "must be a time of day as HH:MM, 00:00 to 23:59, e.g. 09:00"))
		}
		if day >= 0 && ok {
			out = append(out, serentak.QueueSlot{Day: time.Weekday(day), Minute: minute})
		}
	}
	return out, errs
}

// parseClock reads "HH:MM" (24-hour, two digits each).
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	digit := func(b byte) (int, bool) { return int(b - '0'), '0' <= b && b <= '9' }
	h1, ok1 := digit(s[0])
	h2, ok2 := digit(s[1])
	m1, ok3 := digit(s[3])
	m2, ok4 := digit(s[4])
	h, m := h1*10+h2, m1*10+m2
	if !(ok1 && ok2 && ok3 && ok4) || h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// putQueue replaces the workspace's posting slots. Duplicates are merged;
// the answer lists the slots sorted from Sunday on, with the next free
// times.
func (s *Server) putQueue(c echo.Context) error {
	var req queueRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	if req.Slots == nil {
		return serentak.Invalid("the queue is not valid", fieldError("slots", "required", `give the slots, e.g. [{"day":"mon","time":"09:00"}]; [] empties the queue`))
	}
	slots, errs := parseSlots(*req.Slots)
	if len(errs) > 0 {
		return serentak.Invalid(fmt.Sprintf("the queue has %d problem(s); nothing was changed", len(errs)), errs...)
	}
	ctx := c.Request().Context()
	if _, err := s.cfg.Store.PutQueue(ctx, workspaceID(c), slots); err != nil {
		return err
	}
	q, err := s.cfg.Store.FindQueue(ctx, workspaceID(c), s.now(), queueNextShown)
	if err != nil {
		return err
	}
	setAuditTarget(c, workspaceID(c))
	return c.JSON(http.StatusOK, viewQueue(q))
}

// getQueue answers the workspace's slots and the next free times.
func (s *Server) getQueue(c echo.Context) error {
	q, err := s.cfg.Store.FindQueue(c.Request().Context(), workspaceID(c), s.now(), queueNextShown)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewQueue(q))
}

type repeatRequest struct {
	Every *string `json:"every"`
	Count *int    `json:"count"`
}

// checkRepeat reads a post's repeat and queue choice; queue and repeat
// together are refused (a series has its times from scheduled_at).
func checkRepeat(r *repeatRequest, queue bool) (every serentak.RepeatEvery, count int, errs []serentak.FieldError) {
	if r == nil {
		return "", 0, nil
	}
	if queue {
		errs = append(errs, fieldError("repeat", "invalid", "a queued post cannot repeat; give scheduled_at with repeat, or queue each post"))
	}
	switch {
	case r.Every == nil:
		errs = append(errs, fieldError("repeat.every", "required", `must be "day", "week" or "month"`))
	default:
		every = serentak.RepeatEvery(*r.Every)
		if every != serentak.RepeatDay && every != serentak.RepeatWeek && every != serentak.RepeatMonth {
			errs = append(errs, fieldError("repeat.every", "invalid", `must be "day", "week" or "month"`))
		}
	}
	switch {
	case r.Count == nil:
		errs = append(errs, fieldError("repeat.count", "required", "give how many posts to make, %d to %d", serentak.MinRepeat, serentak.MaxRepeat))
	case *r.Count < serentak.MinRepeat || *r.Count > serentak.MaxRepeat:
		errs = append(errs, fieldError("repeat.count", "out_of_range", "must be from %d to %d (the first post included)", serentak.MinRepeat, serentak.MaxRepeat))
	default:
		count = *r.Count
	}
	return every, count, errs
}

// repeatPosts makes the series of first: count posts, one per period,
// each its own post with its own deliveries (fresh IDs), every delivery
// keeping its distance from its post's time.
func repeatPosts(first serentak.Post, every serentak.RepeatEvery, count int, loc *time.Location) []serentak.Post {
	times := serentak.RepeatTimes(first.ScheduledAt, every, count, loc)
	out := make([]serentak.Post, count)
	for k, at := range times {
		p := first
		if k > 0 {
			p.ID = serentak.NewID(serentak.PrefixPost)
		}
		shift := at.Sub(first.ScheduledAt)
		p.ScheduledAt = at
		p.Deliveries = make([]serentak.Delivery, len(first.Deliveries))
		for i, d := range first.Deliveries {
			if k > 0 {
				d.ID = serentak.NewID(serentak.PrefixDelivery)
				retrack(&d) // each delivery its own code
			}
			d.PostID = p.ID
			d.ScheduledAt = d.ScheduledAt.Add(shift)
			p.Deliveries[i] = d
		}
		out[k] = p
	}
	return out
}
