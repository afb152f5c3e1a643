package scheduler_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/scheduler"
	"github.com/serentak/serentak/task"
)

// EnvStoredMax bounds the database sizes BenchmarkTickStored runs at:
// 10,000 and 100,000 stored posts by default, 1,000,000 too when it is
// 1000000 or more (seeding them takes 25–40 s).
const EnvStoredMax = "SERENTAK_BENCH_STORED_MAX"

func storedSizes(b *testing.B) []int {
	limit := 100_000
	if v := os.Getenv(EnvStoredMax); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("%s=%q: %v", EnvStoredMax, v, err)
		}
		limit = n
	}
	var sizes []int
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		if n <= limit {
			sizes = append(sizes, n)
		}
	}
	return sizes
}

// storedBundle is a bundle whose database holds many future posts.
type storedBundle struct {
	*bundle
	url string
}

// setupStored is setup with n posts seeded, each with one delivery due
// between one and 31 days from now: far beyond the horizon and the
// stranded sweep, as the bulk of a busy deployment's deliveries are.
func setupStored(t testing.TB, n int) *storedBundle {
	t.Helper()
	url := storetest.URL(t)
	b := setupAt(t, url)
	if n > 0 {
		every := max(time.Second, (30 * 24 * time.Hour / time.Duration(n)).Truncate(time.Second))
		storetest.SeedFuturePosts(t, b.store, url, b.acc, n, time.Now().Add(24*time.Hour), every)
	}
	return &storedBundle{bundle: b, url: url}
}

// BenchmarkTickStored measures one scheduler pass (Tick) against a
// database holding 10,000 to 1,000,000 posts due in the coming days. A
// pass's cost must not grow with them: only the due, stranded and leased
// deliveries are its work, and each query reads a partial index holding
// just those.
//
// due=0 is the pass that runs five times a second whatever happens: the
// Redis marker, the due query, the two stranded queries. It shows the cost
// of the stored rows most plainly. due=20 adds a burst's worth of work:
// 20 deliveries made due again before each pass (rescheduled, so each
// needs a new task), their enqueues and MarkEnqueued; the Redis round
// trips then dominate, so the stored rows show less.
//
// With -v it also logs the plans of the pass's queries (EXPLAIN ANALYZE on
// PostgreSQL, custom and generic, as pgx prepares them; EXPLAIN QUERY PLAN
// on SQLite) and their mean time.
//
//	go test -run '^$' -bench TickStored ./scheduler/
//	SERENTAK_BENCH_STORED_MAX=1000000 go test -run '^$' -bench TickStored -v ./scheduler/
func BenchmarkTickStored(b *testing.B) {
	for _, n := range storedSizes(b) {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			sb := setupStored(b, n)
			s := sb.newScheduler(b, nil)
			ctx := context.Background()
			// The first pass finds Redis empty and resets: not a steady pass.
			if _, err := s.Tick(ctx); err != nil {
				b.Fatal(err)
			}
			b.Run("due=0", func(b *testing.B) {
				for b.Loop() {
					st, err := s.Tick(ctx)
					if err != nil || st != (scheduler.Stats{}) {
						b.Fatalf("Tick = %+v, %v; want nothing done", st, err)
					}
				}
			})
			var due []serentak.Delivery
			for range 20 {
				due = append(due, sb.addDelivery(b, time.Now().Add(time.Hour)))
			}
			b.Run(fmt.Sprintf("due=%d", len(due)), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					sb.makeDue(b, due)
					b.StartTimer()
					st, err := s.Tick(ctx)
					if err != nil || st.Enqueued != len(due) {
						b.Fatalf("Tick = %+v, %v; want %d enqueued", st, err, len(due))
					}
				}
			})
			if testing.Verbose() {
				sb.logPlans(b, due)
			}
		})
	}
}

// makeDue reschedules the deliveries' posts to a second from now, which
// gives each delivery a new version (and so a new task ID), and deletes
// the tasks of earlier passes, so Redis stays the same size.
func (sb *storedBundle) makeDue(b *testing.B, ds []serentak.Delivery) {
	ctx := context.Background()
	at := time.Now().Add(time.Second)
	for i, d := range ds {
		p, err := sb.store.ReschedulePost(ctx, sb.acc.WorkspaceID, d.PostID, at)
		if err != nil {
			b.Fatalf("reschedule: %v", err)
		}
		ds[i] = p.Deliveries[0]
	}
	q := task.Queue(serentak.Facebook)
	queues, err := sb.insp.Queues()
	if err != nil {
		b.Fatal(err)
	}
	if !slices.Contains(queues, q) { // no pass has enqueued yet
		return
	}
	for _, del := range []func(string) (int, error){sb.insp.DeleteAllScheduledTasks, sb.insp.DeleteAllPendingTasks} {
		if _, err := del(q); err != nil {
			b.Fatalf("delete tasks: %v", err)
		}
	}
}

// schedulerQuery is one of the SQL statements a pass issues, as GORM
// writes it for gormstore (delivery.go: dueQuery, strandedQuery,
// leaseExpiredQuery, MarkEnqueued), with PostgreSQL's placeholders; the
// arguments are what a pass would bind.
type schedulerQuery struct {
	name, sql string
	args      []any
	update    bool
}

func schedulerQueries(ds []serentak.Delivery, now time.Time) []schedulerQuery {
	cutoff := now.Add(-30 * time.Second) // StrandedGrace's default
	ids := make([]string, len(ds))
	placeholders := make([]string, len(ds))
	args := []any{now, now, ds[0].Version}
	for i, d := range ds {
		ids[i], placeholders[i] = d.ID, "$"+strconv.Itoa(i+4)
		args = append(args, d.ID)
	}
	return []schedulerQuery{
		{name: "due (idx_deliveries_due)",
			sql:  `SELECT id, platform, version, scheduled_at FROM "deliveries" WHERE status = 'scheduled' AND enqueued_at IS NULL AND scheduled_at <= $1 ORDER BY scheduled_at LIMIT $2`,
			args: []any{now.Add(2 * time.Second), 1000}},
		{name: "stranded enqueued (idx_deliveries_enqueued)",
			sql:  `SELECT id, platform, version, scheduled_at FROM "deliveries" WHERE status = 'scheduled' AND enqueued_at IS NOT NULL AND enqueued_at < $1 AND scheduled_at < $2 ORDER BY scheduled_at LIMIT $3`,
			args: []any{cutoff, cutoff, 1000}},
		{name: "stranded lease (idx_deliveries_leased)",
			sql:  `SELECT id, platform, version, scheduled_at FROM "deliveries" WHERE status = 'publishing' AND lease_until < $1 ORDER BY lease_until LIMIT $2`,
			args: []any{now, 1000}},
		{name: fmt.Sprintf("MarkEnqueued of %d (primary key)", len(ds)),
			sql:    `UPDATE "deliveries" SET "enqueued_at"=$1,"updated_at"=$2 WHERE status = 'scheduled' AND version = $3 AND id IN (` + strings.Join(placeholders, ",") + `)`,
			args:   args,
			update: true},
	}
}

// forSQLite rewrites a query as GORM writes it for SQLite: backquoted
// names, ? placeholders, and the limit written in.
func forSQLite(q schedulerQuery) schedulerQuery {
	s := strings.ReplaceAll(q.sql, `"`, "`")
	if i := strings.Index(s, " LIMIT $"); i >= 0 {
		q.args = q.args[:len(q.args)-1]
		s = s[:i] + " LIMIT 1000"
	}
	for i := len(q.args); i >= 1; i-- {
		s = strings.ReplaceAll(s, "$"+strconv.Itoa(i), "?")
	}
	q.sql = s
	return q
}

// logPlans logs each query's plan and its mean time over a few runs.
func (sb *storedBundle) logPlans(b *testing.B, ds []serentak.Delivery) {
	ctx := context.Background()
	db := storetest.OpenSQL(b, sb.url)
	pg := sb.store.Dialect() == gormstore.Postgres
	for _, q := range schedulerQueries(ds, time.Now()) {
		if !pg {
			q = forSQLite(q)
		}
		var plan string
		if pg {
			plan = pgPlans(b, db, q)
		} else {
			plan = sqlitePlan(b, db, q)
		}
		mean := "-"
		if !q.update {
			const runs = 200
			start := time.Now()
			for range runs {
				rows, err := db.QueryContext(ctx, q.sql, q.args...)
				if err != nil {
					b.Fatalf("%s: %v", q.name, err)
				}
				for rows.Next() {
				}
				rows.Close()
			}
			mean = (time.Since(start) / runs).String()
		}
		b.Logf("%s, mean %s:\n%s\n%s", q.name, mean, q.sql, plan)
	}
}

// pgPlans is EXPLAIN ANALYZE of the query prepared, as pgx prepares it,
// with a custom plan and with the generic plan PostgreSQL may switch to
// after five runs. An UPDATE is rolled back.
func pgPlans(b *testing.B, db *sql.DB, q schedulerQuery) string {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	lits := make([]string, len(q.args))
	for i, a := range q.args {
		switch v := a.(type) {
		case time.Time:
			lits[i] = "'" + v.UTC().Format(time.RFC3339Nano) + "'"
		case string:
			lits[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		default:
			lits[i] = fmt.Sprint(v)
		}
	}
	exec := func(stmt string) {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			b.Fatalf("%s: %v", stmt, err)
		}
	}
	exec("PREPARE tick_bench AS " + q.sql)
	defer exec("DEALLOCATE tick_bench")
	var out strings.Builder
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		// One transaction each: an UPDATE of rows this transaction
		// already updated would run foreign key checks a pass never does.
		exec("BEGIN")
		exec("SET LOCAL plan_cache_mode = " + mode)
		rows, err := conn.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) EXECUTE tick_bench("+strings.Join(lits, ", ")+")")
		if err != nil {
			b.Fatalf("explain %s: %v", q.name, err)
		}
		fmt.Fprintf(&out, "  -- %s\n", mode)
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(&out, "  %s\n", line)
		}
		rows.Close()
		exec("ROLLBACK")
	}
	return out.String()
}

// sqlitePlan is EXPLAIN QUERY PLAN of the query.
func sqlitePlan(b *testing.B, db *sql.DB, q schedulerQuery) string {
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q.sql, q.args...)
	if err != nil {
		b.Fatalf("explain %s: %v", q.name, err)
	}
	defer rows.Close()
	var out strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&out, "  %s\n", detail)
	}
	return out.String()
}

// TestSeededPostsAreEnqueuedInTime keeps the benchmark honest, quickly:
// seeded posts are valid deliveries to the scheduler, in time order (on
// SQLite times compare as text), and the due query the benchmark explains
// returns what the store's does.
func TestSeededPostsAreEnqueuedInTime(t *testing.T) {
	sb := setupStored(t, 0)
	from := time.Now().Add(time.Hour).Truncate(time.Second)
	storetest.SeedFuturePosts(t, sb.store, sb.url, sb.acc, 300, from, time.Second)
	now := from.Add(100*time.Second + 500*time.Millisecond) // due up to from+102.5s: posts 0..102
	s := sb.newScheduler(t, func(c *scheduler.Config) { c.Now = func() time.Time { return now } })

	ctx := context.Background()
	want, err := sb.store.FindDueDeliveries(ctx, now.Add(2*time.Second), 1000)
	if err != nil {
		t.Fatal(err)
	}
	q := schedulerQueries([]serentak.Delivery{{ID: "x", Version: 1}}, now)[0]
	if sb.store.Dialect() == gormstore.SQLite {
		q = forSQLite(q)
	}
	rows, err := storetest.OpenSQL(t, sb.url).Query(q.sql, q.args...)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id string
		var platform, version, at any
		if err := rows.Scan(&id, &platform, &version, &at); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	rows.Close()
	wantIDs := make([]string, len(want))
	for i, d := range want {
		wantIDs[i] = d.ID
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("the benchmark's due query returned %d deliveries, the store's %d", len(got), len(wantIDs))
	}

	st, err := s.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Enqueued != 103 || len(want) != 103 {
		t.Errorf("Tick enqueued %d (found due %d), want 103 of the 300 seeded", st.Enqueued, len(want))
	}
	if len(want) > 0 {
		last := want[len(want)-1]
		if !last.ScheduledAt.Equal(from.Add(102 * time.Second)) {
			t.Errorf("the last due delivery is due at %v, want %v", last.ScheduledAt, from.Add(102*time.Second))
		}
	}
}
