package gormstore_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/google/go-cmp/cmp"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
)

// loadAutoMigrated makes the database at url what the last build before
// versioned migrations left (testdata/automigrate): its schema, its
// schema_fingerprint, and rows it wrote.
func loadAutoMigrated(t *testing.T, url string) {
	t.Helper()
	dialector, file := sqlite.Open(url), "sqlite.sql"
	if strings.HasPrefix(url, "postgres") {
		dialector, file = postgres.Open(url), "postgres.sql"
	}
	dump, err := os.ReadFile(filepath.Join("testdata", "automigrate", file))
	if err != nil {
		t.Fatal(err)
	}
	db, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	// The dump as one string, past GORM (which would read its '?').
	if _, err := sqlDB.Exec(string(dump)); err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
}

// schemaOf describes the schema in enough detail to tell two apart: every
// column (position, type, nullability, default), index (columns,
// uniqueness, predicate), constraint and storage option.
func schemaOf(t *testing.T, s *gormstore.Store) []string {
	t.Helper()
	q := `SELECT 'column ' || table_name || '.' || column_name || ' #' || ordinal_position || ' ' || data_type ||
			CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END || COALESCE(' default ' || column_default, '') AS line
		FROM information_schema.columns WHERE table_schema = current_schema()
		UNION ALL SELECT 'index ' || indexname || ': ' || replace(indexdef, schemaname || '.', '')
		FROM pg_indexes WHERE schemaname = current_schema()
		UNION ALL SELECT 'constraint ' || conrelid::regclass::text || '.' || conname || ': ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
		UNION ALL SELECT 'table ' || relname || COALESCE(' ' || array_to_string(reloptions, ','), '')
		FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'`
	if s.Dialect() == gormstore.SQLite {
		// AutoMigrate wrote the empty default as "" (SQLite takes an
		// unknown double-quoted name for a string), migration 0001 as ''.
		q = `SELECT 'column ' || m.name || '.' || c.name || ' #' || c.cid || ' ' || lower(c.type) ||
				CASE WHEN c."notnull" THEN ' not null' ELSE '' END || CASE WHEN c.pk > 0 THEN ' pk' || c.pk ELSE '' END ||
				COALESCE(' default ' || replace(c.dflt_value, '""', ''''''), '') AS line
			FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table'
			UNION ALL SELECT 'index ' || i.name || ' on ' || m.name || ' ' || i.origin || CASE WHEN i."unique" THEN ' unique' ELSE '' END
			FROM sqlite_master m, pragma_index_list(m.name) i WHERE m.type = 'table'
			UNION ALL SELECT 'index ' || m.name || ' column ' || x.seqno || ' ' || x.name
			FROM sqlite_master m, pragma_index_info(m.name) x WHERE m.type = 'index'
			UNION ALL SELECT 'index ' || name || ' where ' || trim(substr(sql, instr(sql, ' WHERE ') + 7))
			FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'
			UNION ALL SELECT 'foreign key ' || m.name || '.' || f."from" || ' -> ' || f."table" || '.' || f."to"
			FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`
	}
	var lines []string
	if err := gormstore.DB(s).Raw(q).Scan(&lines).Error; err != nil {
		t.Fatalf("read the schema: %v", err)
	}
	slices.Sort(lines)
	return lines
}

// fixtureKeyHash is the stored hash of the dump's API key.
const fixtureKeyHash = "b3c53c08828847f11b3083a5b1fa83ddf6751112653f0fd9d563754092ec65f7"

func applied(t *testing.T, ms []gormstore.Migration) []string {
	t.Helper()
	var out []string
	for _, m := range ms {
		state := "pending"
		if !m.AppliedAt.IsZero() {
			state = "applied"
		}
		out = append(out, m.Name+" "+state)
	}
	return out
}

// A database the last AutoMigrate build made and used is adopted as being
// at 0001 on the first start: its schema is then exactly a new database's,
// and everything in it reads as before, the sealed tokens included.
func TestUpgradeFromAutoMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	want := schemaOf(t, storetest.New(t))

	url := storetest.URL(t)
	loadAutoMigrated(t, url)
	s := storetest.Open(t, gormstore.Config{URL: url, Now: func() time.Time { return at.Add(25 * time.Hour) }})

	ms, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"initial applied", "delivery_warnings applied", "key_roles applied", "users applied", "approval applied", "audit applied", "webhooks applied", "organizations applied", "queue applied", "post_lifecycle applied", "notifications applied", "calendar_and_account_removal applied", "trace_parent applied", "oauth_return_to applied", "order_links applied", "published_deliveries applied", "autovacuum applied"}, applied(t, ms)); diff != "" {
		t.Errorf("migrations after the upgrade (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, schemaOf(t, s)); diff != "" {
		t.Fatalf("the adopted schema differs from a new database's (-new +adopted):\n%s", diff)
	}

	counts := map[string]int{}
	for _, table := range []string{"workspaces", "api_keys", "accounts", "media", "posts", "deliveries",
		"idempotency_keys", "templates", "oauth_states", "reconnect_links", "account_health"} {
		var n int
		if err := gormstore.DB(s).Raw("SELECT count(*) FROM " + table).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	wantCounts := map[string]int{"workspaces": 1, "api_keys": 1, "accounts": 2, "media": 1, "posts": 2, "deliveries": 3,
		"idempotency_keys": 1, "templates": 1, "oauth_states": 1, "reconnect_links": 1, "account_health": 1}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("rows after the upgrade (-want +got):\n%s", diff)
	}

	// A key made before roles existed could do everything: migration 0003
	// makes it an owner key.
	if key, err := s.FindAPIKeyByHash(ctx, fixtureKeyHash); err != nil || key.WorkspaceID != "ws_fixture" || key.Role != serentak.RoleOwner || key.LastUsedAt != nil {
		t.Errorf("API key after the upgrade: %+v, %v", key, err)
	}
	fb, err := s.FindAccountByID(ctx, "ws_fixture", "acc_fb")
	if err != nil {
		t.Fatal(err)
	}
	wantToken := serentak.Token{AccessToken: "access-page-1", RefreshToken: "refresh-page-1", ExpiresAt: at.Add(60 * 24 * time.Hour)}
	if fb.Token != wantToken || fb.Status != serentak.AccountActive {
		t.Errorf("Facebook account after the upgrade: %s, token %q %q %v; want active with the tokens sealed before",
			fb.Status, fb.Token.AccessToken, fb.Token.RefreshToken, fb.Token.ExpiresAt)
	}
	if ig, err := s.FindAccountByID(ctx, "ws_fixture", "acc_ig"); err != nil || ig.Token.AccessToken != "access-ig-1" {
		t.Errorf("Instagram account after the upgrade: %v; access token %q", err, ig.Token.AccessToken)
	}
	m, err := s.FindMediaByID(ctx, "ws_fixture", "med_fixture")
	wantInspection := serentak.Inspection{Width: 1080, Height: 1920, DurationMS: 15000, VideoCodec: "h264", AudioCodec: "aac", FrameRate: 29.97}
	if err != nil || m.Inspection != wantInspection || m.Size != 1234567 {
		t.Errorf("media after the upgrade: %+v, %v", m, err)
	}
	p, err := s.FindPostByID(ctx, "ws_fixture", "pst_fixture")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range p.Deliveries {
		got = append(got, strings.Join([]string{d.ID, string(d.Status), d.ExternalID, d.Permalink, d.PublishedAt.Format(time.RFC3339), d.Checkpoint["step"]}, " "))
	}
	wantDeliveries := []string{
		"dlv_fb published 123_456 https://facebook.com/123_456 2026-12-01T02:00:00Z posted",
		"dlv_ig scheduled   0001-01-01T00:00:00Z ",
	}
	if diff := cmp.Diff(wantDeliveries, got); diff != "" || p.Product == nil || p.Product.Name != "Keripik Singkong" ||
		!slices.Equal(p.Hashtags, []string{"umkm", "keripik"}) || !p.ScheduledAt.Equal(at.Add(-time.Minute)) {
		t.Errorf("post after the upgrade: %+v; deliveries (-want +got):\n%s", p, diff)
	}

	// The pipeline goes on: the later delivery comes due and is claimed
	// with its account's unsealed token.
	due, err := s.FindDueDeliveries(ctx, at.Add(25*time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].ID != "dlv_later" {
		t.Fatalf("due after the upgrade: %+v, %v; want dlv_later", due, err)
	}
	c, ok, err := s.ClaimDelivery(ctx, "dlv_later", 1, at.Add(26*time.Hour))
	if err != nil || !ok || c.Account.Token.AccessToken != "access-page-1" {
		t.Fatalf("claim after the upgrade: ok %v, %v, access token %q", ok, err, c.Account.Token.AccessToken)
	}
}

// A later build's migrations run after the adoption, in the same start.
func TestUpgradeFromAutoMigrateThenLaterMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.URL(t)
	loadAutoMigrated(t, url)
	s := storetest.Open(t, gormstore.Config{URL: url, SkipMigrations: true})
	ms, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"initial pending", "delivery_warnings pending", "key_roles pending", "users pending", "approval pending", "audit pending", "webhooks pending", "organizations pending", "queue pending", "post_lifecycle pending", "notifications pending", "calendar_and_account_removal pending", "trace_parent pending", "oauth_return_to pending", "order_links pending", "published_deliveries pending", "autovacuum pending"}, applied(t, ms)); diff != "" {
		t.Errorf("status before the upgrade (-want +got):\n%s", diff)
	}
	later := "ALTER TABLE workspaces ADD COLUMN plan text NOT NULL DEFAULT 'free'"
	if err := gormstore.MigrateWith(ctx, s, later); err != nil {
		t.Fatal(err)
	}
	ms, err = gormstore.MigrationStatusWith(ctx, s, later)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"initial applied", "delivery_warnings applied", "key_roles applied", "users applied", "approval applied", "audit applied", "webhooks applied", "organizations applied", "queue applied", "post_lifecycle applied", "notifications applied", "calendar_and_account_removal applied", "trace_parent applied", "oauth_return_to applied", "order_links applied", "published_deliveries applied", "autovacuum applied", "extra_1 applied"}, applied(t, ms)); diff != "" {
		t.Errorf("status after the upgrade (-want +got):\n%s", diff)
	}
	var plan string
	if err := gormstore.DB(s).Raw("SELECT plan FROM workspaces WHERE id = 'ws_fixture'").Scan(&plan).Error; err != nil || plan != "free" {
		t.Errorf("the later migration on the adopted rows: plan %q, %v", plan, err)
	}
	tables, err := gormstore.TableColumns(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tables[gormstore.AutoMigrateTable]; ok {
		t.Errorf("%s is still there after the upgrade", gormstore.AutoMigrateTable)
	}
}

// A database an older AutoMigrate build left may lack columns, indexes and
// storage options of 0001: it is refused, untouched, with what to do.
func TestUpgradeRefusesAnOlderAutoMigrateDatabase(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, change string }{
		{"older fingerprint", "UPDATE schema_fingerprint SET fingerprint = 'an older build'"},
		{"before the fingerprint", "DROP TABLE schema_fingerprint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.URL(t)
			loadAutoMigrated(t, url)
			s := storetest.Open(t, gormstore.Config{URL: url, SkipMigrations: true})
			if err := gormstore.DB(s).Exec(tt.change).Error; err != nil {
				t.Fatal(err)
			}
			before := schemaOf(t, s)
			err := s.Migrate(ctx)
			if err == nil || !strings.Contains(err.Error(), "33e7ccb") {
				t.Fatalf("Migrate = %v, want a refusal that names the build to run first", err)
			}
			if diff := cmp.Diff(before, schemaOf(t, s)); diff != "" {
				t.Errorf("a refused migration changed the schema (-before +after):\n%s", diff)
			}
		})
	}
}

// Every table and column the row structs read and write is in the
// schema the migrations make, and nothing else is: a struct changed
// without a migration (or a migration without its struct) fails here.
func TestMigrationsMatchTheRowStructs(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	got, err := gormstore.TableColumns(s)
	if err != nil {
		t.Fatal(err)
	}
	delete(got, "schema_migrations")
	want, err := gormstore.ModelColumns()
	if err != nil {
		t.Fatal(err)
	}
	for _, cols := range got {
		slices.Sort(cols)
	}
	for _, cols := range want {
		slices.Sort(cols)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tables and columns (-row structs +migrations):\n%s", diff)
	}
}

// PostgreSQL and SQLite have the same migrations: the same numbers, the
// same names.
func TestMigrationsAreTheSameOnBothDatabases(t *testing.T) {
	t.Parallel()
	pg, err := gormstore.Migrations(gormstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	lite, err := gormstore.Migrations(gormstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) == 0 || !slices.Equal(pg, lite) {
		t.Errorf("migrations: PostgreSQL %v, SQLite %v", pg, lite)
	}
}

// Processes starting together apply each migration once: the others wait
// for the lock, then find it applied.
func TestMigrateAppliesEachOnceUnderALock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.URL(t)
	extra := []string{"CREATE TABLE later (n integer NOT NULL)", "INSERT INTO later (n) VALUES (1)"}
	stores := make([]*gormstore.Store, 4)
	for i := range stores {
		stores[i] = storetest.Open(t, gormstore.Config{URL: url, MaxOpenConns: 2})
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() { errs[i] = gormstore.MigrateWith(ctx, s, extra...) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
	var n int
	if err := gormstore.DB(stores[0]).Raw("SELECT count(*) FROM later").Scan(&n).Error; err != nil || n != 1 {
		t.Errorf("rows inserted by the migration: %d, %v; want 1", n, err)
	}
}

// A migration that fails leaves nothing behind, stays pending, and runs
// again on the next start.
func TestFailedMigrationIsRolledBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	broken := "CREATE TABLE later (n integer NOT NULL); INSERT INTO no_such_table (n) VALUES (1)"
	if err := gormstore.MigrateWith(ctx, s, broken); err == nil || !strings.Contains(err.Error(), "0018_extra_1") {
		t.Fatalf("a failing migration: %v, want an error naming 0018_extra_1", err)
	}
	tables, err := gormstore.TableColumns(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tables["later"]; ok {
		t.Error("the failed migration's first statement was kept")
	}
	fixed := "CREATE TABLE later (n integer NOT NULL)"
	ms, err := gormstore.MigrationStatusWith(ctx, s, fixed)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"initial applied", "delivery_warnings applied", "key_roles applied", "users applied", "approval applied", "audit applied", "webhooks applied", "organizations applied", "queue applied", "post_lifecycle applied", "notifications applied", "calendar_and_account_removal applied", "trace_parent applied", "oauth_return_to applied", "order_links applied", "published_deliveries applied", "autovacuum applied", "extra_1 pending"}, applied(t, ms)); diff != "" {
		t.Errorf("status after the failure (-want +got):\n%s", diff)
	}
	if err := gormstore.MigrateWith(ctx, s, fixed); err != nil {
		t.Fatalf("the migration again: %v", err)
	}
}

// A database migrated by a newer build, or whose applied migration no
// longer matches this build's file, is refused with an explanation.
func TestMigrateRefusesUnknownAndChangedMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.URL(t)
	s := storetest.Open(t, gormstore.Config{URL: url})
	db := gormstore.DB(s)
	reopen := func() error {
		t.Helper()
		s, err := gormstore.Open(ctx, gormstore.Config{URL: url, SecretKey: storetest.Key(), MaxOpenConns: 2})
		if err == nil {
			s.Close()
		}
		return err
	}

	if err := db.Exec("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (18, 'from_the_future', 'x', ?)", time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
	if err := reopen(); err == nil || !strings.Contains(err.Error(), "0018_from_the_future") || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a database from a newer build: %v", err)
	}
	ms, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"initial applied", "delivery_warnings applied", "key_roles applied", "users applied", "approval applied", "audit applied", "webhooks applied", "organizations applied", "queue applied", "post_lifecycle applied", "notifications applied", "calendar_and_account_removal applied", "trace_parent applied", "oauth_return_to applied", "order_links applied", "published_deliveries applied", "autovacuum applied", "from_the_future applied"}, applied(t, ms)); diff != "" {
		t.Errorf("status of a database from a newer build (-want +got):\n%s", diff)
	}
	if err := db.Exec("DELETE FROM schema_migrations WHERE version = 3").Error; err != nil {
		t.Fatal(err)
	}

	if err := db.Exec("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1").Error; err != nil {
		t.Fatal(err)
	}
	if err := reopen(); err == nil || !strings.Contains(err.Error(), "0001_initial differs") {
		t.Errorf("Open with a changed migration: %v", err)
	}
}

// A start with nothing to apply sends one query, and takes no lock.
func TestMigrateWithNothingPendingIsOneQuery(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	sql, err := gormstore.MigrateStatements(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(sql) != 1 || !strings.Contains(sql[0], "schema_migrations") {
		t.Errorf("Migrate with nothing pending sent %d statements, want one read of schema_migrations: %q", len(sql), sql)
	}
}

// migrate status on a new database: everything pending, nothing created.
func TestMigrationStatusOfANewDatabase(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, gormstore.Config{SkipMigrations: true})
	ms, err := s.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"initial pending", "delivery_warnings pending", "key_roles pending", "users pending", "approval pending", "audit pending", "webhooks pending", "organizations pending", "queue pending", "post_lifecycle pending", "notifications pending", "calendar_and_account_removal pending", "trace_parent pending", "oauth_return_to pending", "order_links pending", "published_deliveries pending", "autovacuum pending"}, applied(t, ms)); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
	if tables, err := gormstore.TableColumns(s); err != nil || len(tables) != 0 {
		t.Errorf("tables after migrate status: %v, %v; want none", tables, err)
	}
}
