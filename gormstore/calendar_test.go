package gormstore_test

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
)

// ids lists the posts' IDs in order.
func ids(posts []serentak.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}

// allPages reads every page of f, limit posts at a time.
func allPages(t *testing.T, b *bundle, f serentak.PostFilter, limit int) []string {
	t.Helper()
	var got []string
	f.Limit = limit
	for range 100 {
		page, next, err := b.s.FindPosts(b.ctx, b.ws.ID, f)
		if err != nil {
			t.Fatalf("FindPosts(%+v) = %v", f, err)
		}
		got = append(got, ids(page)...)
		if next == "" {
			return got
		}
		f.Cursor = next
	}
	t.Fatal("more than 100 pages")
	return nil
}

func TestFindPostsCalendarFilters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	day := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	yt := b.account(t, b.ws.ID, serentak.YouTube, "channel-1")
	// Three posts at the same time (the order between them is their ID),
	// one at each edge of the range, one outside on each side.
	before := b.post(t, day.Add(-time.Second), b.fb)
	atFrom := b.post(t, day, b.fb, b.ig)
	same := []serentak.Post{b.post(t, day.Add(time.Hour), b.ig), b.post(t, day.Add(time.Hour), b.fb), b.post(t, day.Add(time.Hour), yt)}
	last := b.post(t, day.Add(24*time.Hour-time.Microsecond), yt)
	atTo := b.post(t, day.Add(24*time.Hour), b.fb)
	canceled, err := b.s.CancelPost(b.ctx, b.ws.ID, same[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	b.clock.Set(day.Add(-time.Hour))
	// Another workspace's post in the same range stays out of every list.
	if _, _, err := b.s.CreatePost(b.ctx, newPost(b.other.ID, day.Add(time.Hour), b.account(t, b.other.ID, serentak.Facebook, "page-x")), nil); err != nil {
		t.Fatal(err)
	}
	sameIDs := ids(same)
	slices.Sort(sameIDs)
	inRange := append(append([]string{atFrom.ID}, sameIDs...), last.ID)
	reversed := func(s []string) []string {
		out := make([]string, len(s))
		for i, v := range s {
			out[len(s)-1-i] = v
		}
		return out
	}
	from, to := day, day.Add(24*time.Hour)
	for _, tt := range []struct {
		name string
		f    serentak.PostFilter
		want []string
	}{
		{"range ascending", serentak.PostFilter{From: from, To: to, Ascending: true}, inRange},
		{"range newest first", serentak.PostFilter{From: from, To: to}, reversed(inRange)},
		{"from only", serentak.PostFilter{From: to, Ascending: true}, []string{atTo.ID}},
		{"to only", serentak.PostFilter{To: from, Ascending: true}, []string{before.ID}},
		{"range in another zone", serentak.PostFilter{From: from.In(time.FixedZone("WIB", 7*3600)), To: to, Ascending: true}, inRange},
		{"account", serentak.PostFilter{From: from, To: to, AccountID: b.ig.ID, Ascending: true}, func() []string {
			out := []string{atFrom.ID}
			for _, id := range sameIDs {
				if id == same[0].ID {
					out = append(out, id)
				}
			}
			return out
		}()},
		{"platform", serentak.PostFilter{Platform: serentak.YouTube, Ascending: true}, []string{same[2].ID, last.ID}},
		{"unknown account", serentak.PostFilter{AccountID: "acc_" + strings.Repeat("0", 26)}, nil},
		{"one status", serentak.PostFilter{Status: serentak.PostCanceled}, []string{canceled.ID}},
		{"statuses", serentak.PostFilter{Statuses: []serentak.PostStatus{serentak.PostCanceled, serentak.PostScheduled}, From: day.Add(time.Hour), To: day.Add(2 * time.Hour), Ascending: true}, sameIDs},
		{"every filter", serentak.PostFilter{From: from, To: to, AccountID: b.fb.ID, Platform: serentak.Facebook, Statuses: []serentak.PostStatus{serentak.PostScheduled}, Ascending: true}, []string{atFrom.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, limit := range []int{1, 2, 100} { // pages of every size give the same list
				got := allPages(t, b, tt.f, limit)
				if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("limit %d (-want +got):\n%s", limit, diff)
				}
			}
		})
	}

	t.Run("a cursor of the other order is refused", func(t *testing.T) {
		_, next, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{Ascending: true, Limit: 1})
		if err != nil || next == "" {
			t.Fatal(next, err)
		}
		_, _, err = b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{Cursor: next, Limit: 1})
		var e *serentak.Error
		if !errors.As(err, &e) || e.Code != serentak.ECodeValidation || len(e.Details) != 1 || e.Details[0].Field != "cursor" {
			t.Errorf("an ascending cursor, newest first = %v; want 422 naming cursor", err)
		}
	})
	t.Run("an unknown status is refused", func(t *testing.T) {
		_, _, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{Statuses: []serentak.PostStatus{"scheduled", "nope"}})
		var e *serentak.Error
		if !errors.As(err, &e) || e.Code != serentak.ECodeValidation {
			t.Errorf("FindPosts with status nope = %v; want 422", err)
		}
	})
}

// calendarFilters are the list queries a calendar makes: a month, in
// order, then narrowed by account, platform and statuses.
func calendarFilters(b *bundle, from time.Time) map[string]serentak.PostFilter {
	to := from.AddDate(0, 1, 0)
	return map[string]serentak.PostFilter{
		"month":           {From: from, To: to, Ascending: true},
		"month newest":    {From: from, To: to},
		"month, account":  {From: from, To: to, AccountID: b.fb.ID, Ascending: true},
		"month, platform": {From: from, To: to, Platform: serentak.Facebook, Ascending: true},
		"month, statuses": {From: from, To: to, Statuses: []serentak.PostStatus{serentak.PostScheduled, serentak.PostFailed}, Ascending: true},
	}
}

// TestCalendarQueriesUseTheirIndex checks the plans, so that a month of a
// workspace with a million posts reads that month's rows through
// idx_posts_page, in its order, without sorting the workspace's posts.
func TestCalendarQueriesUseTheirIndex(t *testing.T) {
	t.Parallel()
	b := setup(t)
	from := b.clock.Now().Add(time.Hour)
	for i := range 20 {
		b.post(t, from.Add(time.Duration(i)*time.Hour), b.fb, b.ig)
	}
	db := gormstore.DB(b.s)
	for name, f := range calendarFilters(b, from) {
		query, err := gormstore.PostsSQL(b.s, b.ws.ID, f, 100)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		switch b.s.Dialect() {
		case gormstore.SQLite:
			var rows []struct{ Detail string }
			if err := db.Raw("EXPLAIN QUERY PLAN " + query).Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				plan = append(plan, r.Detail)
			}
		case gormstore.Postgres:
			// With a handful of rows a sequential scan is cheapest; forbid
			// it to see whether the index can serve the query at all.
			tx := db.Begin()
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				t.Fatal(err)
			}
			if err := tx.Raw("EXPLAIN " + query).Scan(&plan).Error; err != nil {
				t.Fatal(err)
			}
			tx.Rollback()
		}
		got := strings.Join(plan, "\n")
		if !strings.Contains(got, "idx_posts_page") {
			t.Errorf("%s: plan does not use idx_posts_page:\n%s\n%s", name, query, got)
		}
		// On SQLite the account's test is one probe per post by (post_id,
		// account_id): SQLite keeps no statistics, and otherwise probed
		// with idx_deliveries_account and read every delivery of the
		// account for each post (16 s a page on 100,000 posts).
		// PostgreSQL chooses by its statistics: on these few rows it
		// starts from the account's deliveries, on 1,000,000 posts it
		// probes by post (BENCHMARKS.md); both are index scans.
		if b.s.Dialect() == gormstore.SQLite && f.AccountID != "" && !strings.Contains(got, "idx_deliveries_post_account") {
			t.Errorf("%s: plan does not find the account's delivery through idx_deliveries_post_account:\n%s\n%s", name, query, got)
		}
		// A sort would mean reading every post of the range before the
		// first page; the index gives them in order.
		if strings.Contains(got, "Sort") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("%s: plan sorts:\n%s\n%s", name, query, got)
		}
	}
}

// BenchmarkCalendar: the first page (100 posts) of a calendar's queries
// on a workspace holding SERENTAK_BENCH_POSTS posts (default 1,000,000 on
// PostgreSQL, 100,000 on SQLite), one a minute, with the month asked for
// in the middle. Each query's plan is logged (EXPLAIN ANALYZE on
// PostgreSQL) for BENCHMARKS.md.
func BenchmarkCalendar(b *testing.B) {
	url := storetest.URL(b)
	bb := setupURL(b, url)
	n := 100_000
	if bb.s.Dialect() == gormstore.Postgres {
		n = 1_000_000
	}
	if v := os.Getenv("SERENTAK_BENCH_POSTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	start := bb.clock.Now().Add(time.Hour).Truncate(time.Minute)
	seeded := time.Now()
	storetest.SeedFuturePosts(b, bb.s, url, bb.fb, n, start, time.Minute)
	b.Logf("seeded %d posts in %v", n, time.Since(seeded).Round(time.Millisecond))
	mid := start.Add(time.Duration(n/2) * time.Minute)
	from := time.Date(mid.Year(), mid.Month(), 1, 0, 0, 0, 0, time.UTC)
	db := gormstore.DB(bb.s)
	for name, f := range calendarFilters(bb, from) {
		f.Limit = 100
		b.Run(name, func(b *testing.B) {
			query, err := gormstore.PostsSQL(bb.s, bb.ws.ID, f, 100)
			if err != nil {
				b.Fatal(err)
			}
			explain := "EXPLAIN QUERY PLAN "
			if bb.s.Dialect() == gormstore.Postgres {
				explain = "EXPLAIN (ANALYZE, BUFFERS) "
			}
			var plan []string
			rows, err := db.Raw(explain + query).Rows()
			if err != nil {
				b.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					b.Fatal(err)
				}
				// Without the buffer lines: the benchmark output keeps
				// ten lines of a log.
				if line := toString(vals[len(vals)-1]); !strings.Contains(line, "Buffers:") && strings.TrimSpace(line) != "Planning:" {
					plan = append(plan, line)
				}
			}
			rows.Close()
			b.Logf("%s\n%s", query, strings.Join(plan, "\n"))
			for b.Loop() {
				posts, _, err := bb.s.FindPosts(bb.ctx, bb.ws.ID, f)
				if err != nil || len(posts) != 100 {
					b.Fatalf("FindPosts = %d posts, %v; want 100", len(posts), err)
				}
			}
		})
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	default:
		return ""
	}
}
