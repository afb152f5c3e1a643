package serentak

import (
	"sort"
	"time"
)

// QueueSlot is one weekly posting slot: a day of the week and a time of
// day, as a wall clock in the workspace's timezone.
type QueueSlot struct {
	Day    time.Weekday
	Minute int // minutes after midnight, 0..1439
}

// MaxQueueSlots bounds a workspace's slots.
const MaxQueueSlots = 100

// QueueHorizon is how far ahead a queued post may land: with no free slot
// before it, queuing is refused.
const QueueHorizon = 366 * 24 * time.Hour

// SortQueueSlots orders slots from Sunday 00:00 on and drops duplicates.
func SortQueueSlots(slots []QueueSlot) []QueueSlot {
	out := append([]QueueSlot(nil), slots...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Day != out[j].Day {
			return out[i].Day < out[j].Day
		}
		return out[i].Minute < out[j].Minute
	})
	n := 0
	for i, s := range out {
		if i > 0 && s == out[n-1] {
			continue
		}
		out[n] = s
		n++
	}
	return out[:n]
}

// WallTime is the instant a wall clock reads year-month-day hh:mm:ss.ns in
// loc, the way RFC 5545 (iCalendar) reads local times: a time skipped by a
// spring-forward change is read with the offset before the change (02:30
// in Berlin on the last Sunday of March is 03:30 CEST); a time that
// happens twice on a fall-back day is its first occurrence (02:30 CEST,
// not 02:30 CET). Go's time.Date leaves both cases unspecified.
func WallTime(year int, month time.Month, day, hour, min, sec, nsec int, loc *time.Location) time.Time {
	u := time.Date(year, month, day, hour, min, sec, nsec, time.UTC) // the wall clock as if in UTC; normalises the date
	y, mo, d := u.Date()
	h, mi, s := u.Clock()
	// Offsets in effect around that wall clock: no zone changes twice
	// within a day, so the offsets half a day either side cover both
	// sides of any change on it.
	_, before := u.Add(-12 * time.Hour).In(loc).Zone()
	_, after := u.Add(12 * time.Hour).In(loc).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		t := u.Add(-time.Duration(off) * time.Second).In(loc)
		ty, tmo, td := t.Date()
		th, tmi, ts := t.Clock()
		if ty == y && tmo == mo && td == d && th == h && tmi == mi && ts == s && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if best.IsZero() { // in a gap: read with the offset before it
		best = u.Add(-time.Duration(before) * time.Second).In(loc)
	}
	return best
}

// NextQueueTimes returns up to n slot instants at or after from, in order,
// before from+QueueHorizon, skipping those taken reports as taken (it is
// given UTC instants).
func NextQueueTimes(slots []QueueSlot, loc *time.Location, from time.Time, n int, taken func(time.Time) bool) []time.Time {
	slots = SortQueueSlots(slots)
	if len(slots) == 0 || n <= 0 {
		return nil
	}
	end := from.Add(QueueHorizon)
	local := from.In(loc)
	y, m, d := local.Date()
	var out []time.Time
	// A day before from's local date too: a slot late on it may still be
	// ahead of from, seen from another offset.
	for day := -1; ; day++ {
		date := time.Date(y, m, d+day, 12, 0, 0, 0, time.UTC)
		if date.Add(-36 * time.Hour).After(end) {
			return out
		}
		for _, s := range slots {
			if s.Day != date.Weekday() {
				continue
			}
			t := WallTime(date.Year(), date.Month(), date.Day(), s.Minute/60, s.Minute%60, 0, 0, loc).UTC()
			if t.Before(from) || !t.Before(end) || taken(t) {
				continue
			}
			out = append(out, t)
			if len(out) == n {
				return out
			}
		}
	}
}

// RepeatEvery is the period of a repeated post.
type RepeatEvery string

const (
	RepeatDay   RepeatEvery = "day"
	RepeatWeek  RepeatEvery = "week"
	RepeatMonth RepeatEvery = "month"
)

// Limits of a repeat's count.
const (
	MinRepeat = 2
	MaxRepeat = 52
)

// RepeatTimes returns count instants, one per period from first, at the
// same wall clock in loc (so across a daylight-saving change a daily post
// stays at 09:00 local). A monthly repeat keeps first's day of the month,
// or the month's last day when it has fewer days: from 31 January, 28 (or
// 29) February, 31 March, 30 April.
func RepeatTimes(first time.Time, every RepeatEvery, count int, loc *time.Location) []time.Time {
	l := first.In(loc)
	y, m, d := l.Date()
	h, mi, s := l.Clock()
	ns := l.Nanosecond()
	out := make([]time.Time, 0, count)
	for k := 0; k < count; k++ {
		var t time.Time
		switch every {
		case RepeatWeek:
			t = WallTime(y, m, d+7*k, h, mi, s, ns, loc)
		case RepeatMonth:
			mm := time.Date(y, m+time.Month(k), 1, 0, 0, 0, 0, time.UTC)
			last := time.Date(mm.Year(), mm.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
			t = WallTime(mm.Year(), mm.Month(), min(d, last), h, mi, s, ns, loc)
		default:
			t = WallTime(y, m, d+k, h, mi, s, ns, loc)
		}
		if k == 0 {
			t = first // the first is the time asked for, to the instant
		}
		out = append(out, t.UTC())
	}
	return out
}

// Queue is a workspace's posting slots and the next free slot times.
type Queue struct {
	Timezone string
	Slots    []QueueSlot
	Next     []time.Time // UTC
}
