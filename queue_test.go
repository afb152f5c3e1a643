package serentak_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestWallTimeAcrossDaylightSaving(t *testing.T) {
	berlin, ny := mustZone(t, "Europe/Berlin"), mustZone(t, "America/New_York")
	for _, tc := range []struct {
		name      string
		y         int
		m         time.Month
		d, h, min int
		loc       *time.Location
		want      string
	}{
		{"berlin ordinary", 2026, time.March, 28, 2, 30, berlin, "2026-03-28T01:30:00Z"},
		{"berlin spring-forward gap: offset before the change", 2026, time.March, 29, 2, 30, berlin, "2026-03-29T01:30:00Z"},
		{"berlin after the gap", 2026, time.March, 29, 3, 30, berlin, "2026-03-29T01:30:00Z"},
		{"berlin fall-back twice: the first", 2026, time.October, 25, 2, 30, berlin, "2026-10-25T00:30:00Z"},
		{"berlin fall-back, after", 2026, time.October, 25, 3, 30, berlin, "2026-10-25T02:30:00Z"},
		{"new york spring-forward gap", 2026, time.March, 8, 2, 30, ny, "2026-03-08T07:30:00Z"},
		{"new york fall-back twice: the first", 2026, time.November, 1, 1, 30, ny, "2026-11-01T05:30:00Z"},
		{"new york midnight", 2026, time.November, 1, 0, 0, ny, "2026-11-01T04:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := serentak.WallTime(tc.y, tc.m, tc.d, tc.h, tc.min, 0, 0, tc.loc).UTC()
			if want := utc(tc.want); !got.Equal(want) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestNextQueueTimes(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	slots := []serentak.QueueSlot{
		{Day: time.Sunday, Minute: 2*60 + 30}, {Day: time.Monday, Minute: 9 * 60},
		{Day: time.Sunday, Minute: 2*60 + 30}, // a duplicate counts once
	}
	// Saturday 28 March 2026, noon in Berlin: the next day springs forward.
	from := utc("2026-03-28T11:00:00Z")
	got := serentak.NextQueueTimes(slots, berlin, from, 4, func(time.Time) bool { return false })
	want := []time.Time{
		utc("2026-03-29T01:30:00Z"), // 02:30 does not exist: 03:30 CEST
		utc("2026-03-30T07:00:00Z"), // Monday 09:00 CEST
		utc("2026-04-05T00:30:00Z"), // Sunday 02:30 CEST
		utc("2026-04-06T07:00:00Z"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("free slots (-want +got):\n%s", diff)
	}
	taken := map[time.Time]bool{want[0]: true, want[2]: true}
	got = serentak.NextQueueTimes(slots, berlin, from, 2, func(t time.Time) bool { return taken[t] })
	if diff := cmp.Diff([]time.Time{want[1], want[3]}, got); diff != "" {
		t.Errorf("taken slots skipped (-want +got):\n%s", diff)
	}
	// Fall back: Sunday 25 October 2026, 02:30 happens twice; the slot is
	// the first, once.
	got = serentak.NextQueueTimes(slots[:1], berlin, utc("2026-10-24T12:00:00Z"), 2, func(time.Time) bool { return false })
	if diff := cmp.Diff([]time.Time{utc("2026-10-25T00:30:00Z"), utc("2026-11-01T01:30:00Z")}, got); diff != "" {
		t.Errorf("fall-back slots (-want +got):\n%s", diff)
	}
	if got := serentak.NextQueueTimes(nil, berlin, from, 3, func(time.Time) bool { return false }); len(got) != 0 {
		t.Errorf("no slots: %v, want none", got)
	}
	all := func(time.Time) bool { return true }
	if got := serentak.NextQueueTimes(slots, berlin, from, 1, all); len(got) != 0 {
		t.Errorf("every slot taken: %v, want none within the horizon", got)
	}
	// A slot exactly at from is free to take.
	if got := serentak.NextQueueTimes(slots, berlin, utc("2026-03-30T07:00:00Z"), 1, func(time.Time) bool { return false }); !got[0].Equal(utc("2026-03-30T07:00:00Z")) {
		t.Errorf("slot at from: %v", got)
	}
}

func TestRepeatTimes(t *testing.T) {
	berlin, jakarta := mustZone(t, "Europe/Berlin"), mustZone(t, "Asia/Jakarta")
	for _, tc := range []struct {
		name  string
		first string
		every serentak.RepeatEvery
		count int
		loc   *time.Location
		want  []string
	}{
		{"monthly from the 31st keeps to the month's last day", "2027-01-31T02:00:00Z", serentak.RepeatMonth, 5, jakarta,
			[]string{"2027-01-31T02:00:00Z", "2027-02-28T02:00:00Z", "2027-03-31T02:00:00Z", "2027-04-30T02:00:00Z", "2027-05-31T02:00:00Z"}},
		{"monthly into a leap February", "2028-01-31T02:00:00Z", serentak.RepeatMonth, 3, jakarta,
			[]string{"2028-01-31T02:00:00Z", "2028-02-29T02:00:00Z", "2028-03-31T02:00:00Z"}},
		{"daily across spring-forward stays at 09:00 local", "2026-03-28T08:00:00Z", serentak.RepeatDay, 3, berlin,
			[]string{"2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"}},
		{"weekly across fall-back", "2026-10-18T07:00:00Z", serentak.RepeatWeek, 3, berlin,
			[]string{"2026-10-18T07:00:00Z", "2026-10-25T08:00:00Z", "2026-11-01T08:00:00Z"}},
		{"monthly across the year's end", "2026-11-30T02:00:00Z", serentak.RepeatMonth, 4, jakarta,
			[]string{"2026-11-30T02:00:00Z", "2026-12-30T02:00:00Z", "2027-01-30T02:00:00Z", "2027-02-28T02:00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []time.Time
			for _, s := range tc.want {
				want = append(want, utc(s))
			}
			got := serentak.RepeatTimes(utc(tc.first), tc.every, tc.count, tc.loc)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
