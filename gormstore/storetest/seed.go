package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/google/go-cmp/cmp"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

// OpenSQL opens a second connection pool to the database of a test store
// (url as URL returned it), for what the store API cannot do quickly (bulk
// seeding) or at all (EXPLAIN). It is closed when the test ends.
func OpenSQL(tb testing.TB, url string) *sql.DB {
	tb.Helper()
	var dialector gorm.Dialector
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		dialector = postgres.Open(url)
	} else {
		// The store holds its own connection to the file: wait for its
		// lock rather than fail, and check foreign keys as it does.
		dialector = sqlite.Open(url + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	}
	gdb, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		tb.Fatalf("storetest: open %s: %v", url, err)
	}
	db, err := gdb.DB()
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// SeedFuturePosts adds n posts to the store s, whose database is at url,
// each with one scheduled delivery to acc: the first at from, the next
// every later, and so on (both whole seconds). It is for benchmarks that
// need a database holding as many posts as a busy deployment does: a
// million take 20–40 s, where CreatePost would take most of an hour.
//
// The first post is made with CreatePost; the others are copied from it
// by one set-based INSERT per table (generate_series on PostgreSQL, a
// recursive CTE on SQLite), with only the IDs and times changed, so every
// other column holds what the store itself wrote. The last post is then
// read back through the store and compared with the first. On PostgreSQL
// the tables are analyzed afterwards, as autovacuum would do after such a
// load; SQLite stores keep no statistics (the store never runs ANALYZE).
func SeedFuturePosts(tb testing.TB, s *gormstore.Store, url string, acc serentak.Account, n int, from time.Time, every time.Duration) {
	tb.Helper()
	if n < 1 || every < time.Second || every%time.Second != 0 {
		tb.Fatalf("storetest: SeedFuturePosts(n=%d, every=%v): want n ≥ 1 and every a whole number of seconds", n, every)
	}
	ctx := context.Background()
	from = from.UTC().Truncate(time.Second)
	first, _, err := s.CreatePost(ctx, serentak.Post{
		ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: acc.WorkspaceID, Caption: "Seeded future post",
		ScheduledAt: from,
		Deliveries: []serentak.Delivery{{
			ID: serentak.NewID(serentak.PrefixDelivery), AccountID: acc.ID, Platform: acc.Platform,
			Content: serentak.Content{Text: "Seeded future post"},
		}},
	}, nil)
	if err != nil {
		tb.Fatalf("storetest: create the first seeded post: %v", err)
	}
	// Copies get IDs of the same shape as NewID's (prefix and 26 base32
	// characters): a random head shared by this seeding, then i in 12
	// decimal digits, so they sort in the order they are due.
	postHead := serentak.NewID(serentak.PrefixPost)[:len(first.ID)-12]
	dlvHead := serentak.NewID(serentak.PrefixDelivery)[:len(first.Deliveries[0].ID)-12]
	lastID := first.ID
	if n > 1 {
		lastID = fmt.Sprintf("%s%012d", postHead, n-1)
	}

	if n > 1 {
		start := time.Now()
		db := OpenSQL(tb, url)
		pg := s.Dialect() == gormstore.Postgres
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			tb.Fatalf("storetest: %v", err)
		}
		defer tx.Rollback()
		steps := int64(every / time.Second)
		for _, c := range []struct {
			table, template string
			vary            map[string]func(arg func(any) string) string
		}{
			{"posts", first.ID, map[string]func(func(any) string) string{
				"id": func(arg func(any) string) string { return idExpr(pg, arg(postHead)) },
			}},
			{"deliveries", first.Deliveries[0].ID, map[string]func(func(any) string) string{
				"id":      func(arg func(any) string) string { return idExpr(pg, arg(dlvHead)) },
				"post_id": func(arg func(any) string) string { return idExpr(pg, arg(postHead)) },
			}},
		} {
			c.vary["scheduled_at"] = func(arg func(any) string) string { return timeExpr(pg, arg(steps)) }
			query, args := copyQuery(tb, tx, pg, c.table, c.template, n-1, c.vary)
			if _, err := tx.ExecContext(ctx, query, args...); err != nil {
				tb.Fatalf("storetest: seed %s: %v\n%s", c.table, err, query)
			}
		}
		if !pg {
			checkSQLiteTimes(tb, tx, first.Deliveries[0].ID)
		}
		if err := tx.Commit(); err != nil {
			tb.Fatalf("storetest: seed: %v", err)
		}
		if pg {
			if _, err := db.ExecContext(ctx, "ANALYZE posts, deliveries"); err != nil {
				tb.Fatalf("storetest: analyze: %v", err)
			}
		}
		tb.Logf("storetest: seeded %d future posts in %v", n, time.Since(start).Round(time.Millisecond))
	}
	checkCopy(tb, s, acc.WorkspaceID, first.ID, lastID, from.Add(time.Duration(n-1)*every))
}

// copyQuery builds an INSERT of n copies of the template row of table,
// numbered i = 1..n: each column is copied from the template unless vary
// gives its expression. The columns are read from the database, so a
// column added to the schema later is copied too.
func copyQuery(tb testing.TB, tx *sql.Tx, pg bool, table, template string, n int, vary map[string]func(arg func(any) string) string) (string, []any) {
	tb.Helper()
	var cols []string
	colQuery := "SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid"
	if pg {
		colQuery = "SELECT column_name FROM information_schema.columns" +
			" WHERE table_schema = current_schema() AND table_name = '" + table + "' ORDER BY ordinal_position"
	}
	rows, err := tx.Query(colQuery)
	if err != nil {
		tb.Fatalf("storetest: columns of %s: %v", table, err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			tb.Fatalf("storetest: columns of %s: %v", table, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("storetest: columns of %s: %v", table, err)
	}
	rows.Close()

	// Placeholders are numbered ($1) on PostgreSQL and positional (?) on
	// SQLite; arg appends in text order, which serves both.
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		if pg {
			return "$" + strconv.Itoa(len(args))
		}
		return "?"
	}
	var seq string
	if pg {
		seq = "generate_series(1, " + arg(n) + "::bigint) AS g(i)"
	} else {
		seq = "g"
	}
	var b strings.Builder
	if !pg {
		fmt.Fprintf(&b, "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %s) ", arg(n))
	}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		if f, ok := vary[c]; ok {
			exprs[i] = f(arg)
		} else {
			exprs[i] = "t." + quote(c)
		}
		cols[i] = quote(c)
	}
	// The template first: SQLite joins in the order written.
	fmt.Fprintf(&b, "INSERT INTO %s (%s) SELECT %s FROM %s AS t CROSS JOIN %s WHERE t.id = %s",
		table, strings.Join(cols, ", "), strings.Join(exprs, ", "), table, seq, arg(template))
	return b.String(), args
}

func quote(col string) string { return `"` + col + `"` }

// idExpr is head followed by i in 12 digits.
func idExpr(pg bool, head string) string {
	if pg {
		return head + "::text || lpad(g.i::text, 12, '0')"
	}
	return head + " || printf('%012d', g.i)"
}

// timeExpr is the template's time plus i × steps seconds. On SQLite times
// are text in the driver's layout ("2006-01-02 15:04:05.999999999-07:00",
// always UTC), which for whole seconds strftime reproduces; checkSQLiteTimes
// holds it to that.
func timeExpr(pg bool, steps string) string {
	if pg {
		return "t.scheduled_at + g.i * " + steps + "::bigint * interval '1 second'"
	}
	return "strftime('%Y-%m-%d %H:%M:%S', t.scheduled_at, '+' || (g.i * " + steps + ") || ' seconds') || '+00:00'"
}

// checkSQLiteTimes fails unless timeExpr with i = 0 gives back the time
// the store wrote: otherwise the seeded times would compare wrongly, as
// text, with the store's.
func checkSQLiteTimes(tb testing.TB, tx *sql.Tx, deliveryID string) {
	tb.Helper()
	var stored, made string
	// || '' reads the stored text, which the driver would parse.
	err := tx.QueryRow("SELECT t.scheduled_at || '', "+strings.ReplaceAll(timeExpr(false, "0"), "g.i", "0")+
		" FROM deliveries AS t WHERE t.id = ?", deliveryID).Scan(&stored, &made)
	if err != nil {
		tb.Fatalf("storetest: read the first seeded time: %v", err)
	}
	if stored != made {
		tb.Fatalf("storetest: the store wrote the time %q, the seed would write %q: fix timeExpr", stored, made)
	}
}

// checkCopy reads the last post back through the store and compares it
// with the first: they may differ only in IDs and times.
func checkCopy(tb testing.TB, s *gormstore.Store, workspaceID, firstID, lastID string, lastAt time.Time) {
	tb.Helper()
	ctx := context.Background()
	first, err := s.FindPostByID(ctx, workspaceID, firstID)
	if err != nil {
		tb.Fatalf("storetest: read the first seeded post: %v", err)
	}
	last, err := s.FindPostByID(ctx, workspaceID, lastID)
	if err != nil {
		tb.Fatalf("storetest: read the last seeded post: %v", err)
	}
	want := first
	want.ID, want.ScheduledAt = last.ID, lastAt
	want.Deliveries = append([]serentak.Delivery(nil), first.Deliveries...)
	if len(last.Deliveries) == 1 && len(want.Deliveries) == 1 {
		want.Deliveries[0].ID, want.Deliveries[0].PostID, want.Deliveries[0].ScheduledAt = last.Deliveries[0].ID, last.ID, lastAt
	}
	if diff := cmp.Diff(want, last); diff != "" {
		tb.Fatalf("storetest: the last seeded post differs from the first one (-want +got):\n%s", diff)
	}
}
