package gormstore

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The schema is a list of numbered SQL files per database, embedded in the
// binary: migrations/<dialect>/NNNN_name.sql, from 0001 up without gaps,
// the same numbers and names for both databases. Each is applied once, in
// its own transaction together with its row in schema_migrations, so a
// migration that fails leaves nothing behind and is tried again on the
// next start. A released file never changes (its checksum is recorded and
// checked); a schema change is a new file.
//
// Running inside a transaction rules out what cannot run in one: CREATE
// INDEX CONCURRENTLY on PostgreSQL, and on SQLite switching foreign_keys
// off for the rebuild of a table (how SQLite changes a column's type or
// constraints). The first migration that needs either needs a way to run
// outside a transaction too.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema change, as `serentak migrate status`
// lists it.
type Migration struct {
	Version int
	Name    string
	// AppliedAt is when it was applied; zero while pending.
	AppliedAt time.Time
}

// migration is one file of migrations/<dialect>.
type migration struct {
	version  int
	name     string
	sql      string
	checksum string // hex SHA-256 of sql
}

// migrationRow is a row of schema_migrations.
type migrationRow struct {
	Version   int
	Name      string
	Checksum  string
	AppliedAt time.Time
}

func (migrationRow) TableName() string { return "schema_migrations" }

// migrationsTable creates schema_migrations. It is not a migration itself:
// it must exist before the first one is recorded.
var migrationsTable = map[Dialect]string{
	Postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version bigint NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone NOT NULL,
    CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
)`,
	SQLite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at datetime NOT NULL,
    PRIMARY KEY (version)
)`,
}

var migrationFileName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.sql$`)

// migrationsFor reads the dialect's migrations in order.
func migrationsFor(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("gormstore: read the %s migrations: %w", d, err)
	}
	var ms []migration
	for _, e := range entries { // sorted by name, so by version
		m := migrationFileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("gormstore: migration file %s/%s is not named NNNN_name.sql", dir, e.Name())
		}
		version, _ := strconv.Atoi(m[1])
		if version != len(ms)+1 {
			return nil, fmt.Errorf("gormstore: migration file %s/%s: want version %04d next (versions start at 0001, without gaps)", dir, e.Name(), len(ms)+1)
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("gormstore: read migration %s/%s: %w", dir, e.Name(), err)
		}
		sum := sha256.Sum256(b)
		ms = append(ms, migration{version: version, name: m[2], sql: string(b), checksum: hex.EncodeToString(sum[:])})
	}
	return ms, nil
}

// Migrate applies the pending migrations, in order (`serentak migrate`;
// Open does it too unless Config.SkipMigrations).
//
// When none is pending it costs one query, without a lock. Otherwise each
// migration runs in its own transaction under a lock, so processes
// starting together on a new database apply each migration once: on
// PostgreSQL a transaction-scoped advisory lock per schema (it cannot
// outlive a failure on a pooled connection), on SQLite the write lock
// that BEGIN IMMEDIATE takes (Open sets _txlock=immediate).
//
// A database made before versioned migrations (by GORM's AutoMigrate,
// with a schema_fingerprint table) is adopted: see adoptAutoMigrated.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrationsFor(s.dialect)
	if err != nil {
		return err
	}
	return s.migrate(ctx, ms)
}

func (s *Store) migrate(ctx context.Context, ms []migration) error {
	// The one query of a start with nothing to do. It fails when
	// schema_migrations does not exist yet; the locked path below finds
	// out what the database holds.
	if applied, err := appliedMigrations(s.db.WithContext(ctx)); err == nil {
		pending, err := pendingMigrations(ms, applied)
		if err != nil {
			return fmt.Errorf("gormstore: migrate the %s schema: %w", s.dialect, err)
		}
		if len(pending) == 0 {
			return nil
		}
	}
	for {
		done, err := s.migrateOne(ctx, ms)
		if err != nil {
			return fmt.Errorf("gormstore: migrate the %s schema: %w", s.dialect, err)
		}
		if done {
			return nil
		}
	}
}

// migrateOne applies the first pending migration under the lock, or adopts
// a database made before versioned migrations as being at 0001. done
// reports that nothing was pending.
func (s *Store) migrateOne(ctx context.Context, ms []migration) (done bool, err error) {
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if s.dialect == Postgres {
			// The key the AutoMigrate builds took too, so that one of
			// them starting meanwhile waits as well.
			if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(current_schema()))").Error; err != nil {
				return fmt.Errorf("take the migration lock: %w", err)
			}
		}
		if err := tx.Exec(migrationsTable[s.dialect]).Error; err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		applied, err := appliedMigrations(tx)
		if err != nil {
			return err
		}
		pending, err := pendingMigrations(ms, applied)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			done = true
			return nil
		}
		m := pending[0]
		if len(applied) == 0 {
			adopted, err := s.adoptAutoMigrated(tx, m)
			if err != nil || adopted {
				return err
			}
		}
		// Straight to the driver: GORM would read '?' and '@' in the SQL
		// (comments included) as parameters.
		if _, err := tx.Statement.ConnPool.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("apply migration %04d_%s: %w", m.version, m.name, err)
		}
		return recordMigration(tx, m, s.clock())
	})
	return done, err
}

func recordMigration(tx *gorm.DB, m migration, now time.Time) error {
	r := migrationRow{Version: m.version, Name: m.name, Checksum: m.checksum, AppliedAt: now}
	if err := tx.Create(&r).Error; err != nil {
		return fmt.Errorf("record migration %04d_%s: %w", m.version, m.name, err)
	}
	return nil
}

func appliedMigrations(tx *gorm.DB) ([]migrationRow, error) {
	var rows []migrationRow
	if err := tx.Order("version").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return rows, nil
}

// pendingMigrations returns the migrations of ms not yet applied. It
// refuses a database that holds a migration this build does not know (a
// newer Serentak migrated it) or one whose file changed since it was
// applied.
func pendingMigrations(ms []migration, applied []migrationRow) ([]migration, error) {
	done := make(map[int]bool, len(applied))
	for _, r := range applied {
		i := r.Version - 1
		if i < 0 || i >= len(ms) {
			return nil, fmt.Errorf("the database has migration %04d_%s, which this build does not know: a newer Serentak migrated it; run that version or a later one", r.Version, r.Name)
		}
		if ms[i].checksum != r.Checksum {
			return nil, fmt.Errorf("migration %04d_%s differs from the one applied to this database (checksum %.12s, now %.12s): a released migration must never change; restore it and put the change in a new migration", r.Version, r.Name, r.Checksum, ms[i].checksum)
		}
		done[r.Version] = true
	}
	var pending []migration
	for _, m := range ms {
		if !done[m.version] {
			pending = append(pending, m)
		}
	}
	return pending, nil
}

// MigrationStatus lists every migration this build knows, applied or
// pending, in order, followed by any the database holds that this build
// does not know (applied by a newer Serentak).
func (s *Store) MigrationStatus(ctx context.Context) ([]Migration, error) {
	ms, err := migrationsFor(s.dialect)
	if err != nil {
		return nil, err
	}
	return s.migrationStatus(ctx, ms)
}

func (s *Store) migrationStatus(ctx context.Context, ms []migration) ([]Migration, error) {
	db := s.db.WithContext(ctx)
	var applied []migrationRow
	if db.Migrator().HasTable(&migrationRow{}) {
		var err error
		if applied, err = appliedMigrations(db); err != nil {
			return nil, fmt.Errorf("gormstore: %w", err)
		}
	}
	out := make([]Migration, len(ms))
	for i, m := range ms {
		out[i] = Migration{Version: m.version, Name: m.name}
	}
	for _, r := range applied {
		if r.Version >= 1 && r.Version <= len(ms) {
			out[r.Version-1].AppliedAt = r.AppliedAt.UTC()
		} else {
			out = append(out, Migration{Version: r.Version, Name: r.Name, AppliedAt: r.AppliedAt.UTC()})
		}
	}
	return out, nil
}

// The database a build before versioned migrations left: GORM's AutoMigrate
// made its tables from the row structs, then recorded a fingerprint of
// them in schema_fingerprint. Migration 0001 creates exactly what the last
// of those builds (commit 33e7ccb) made, so a database that build migrated
// is at 0001 already. Its fingerprint is fixed here because the row structs
// it was computed from are gone; testdata/automigrate holds a database it
// made.
const (
	autoMigrateTable       = "schema_fingerprint"
	autoMigrateFingerprint = "bf751a4f6587463524bc5a4923c33af2fa9be96c7451b5528f72d68d78133bbc"
)

// initialTables are the tables migration 0001 creates.
var initialTables = []string{
	"workspaces", "api_keys", "accounts", "media", "posts", "deliveries", "idempotency_keys",
	"templates", "oauth_states", "reconnect_links", "account_health",
}

// adoptAutoMigrated records first (0001) as applied, and drops
// schema_fingerprint, when the database was made by the last build before
// versioned migrations. adopted is false for a database without Serentak's
// tables: first then runs as usual. A database with them that the last
// such build did not migrate is refused: its tables may lack columns and
// indexes 0001 has.
func (s *Store) adoptAutoMigrated(tx *gorm.DB, first migration) (adopted bool, err error) {
	if first.version != 1 {
		return false, nil
	}
	tables, err := tableColumns(tx, s.dialect)
	if err != nil {
		return false, err
	}
	var missing []string
	for _, t := range initialTables {
		if _, ok := tables[t]; !ok {
			missing = append(missing, t)
		}
	}
	_, fingerprinted := tables[autoMigrateTable]
	if !fingerprinted && len(missing) == len(initialTables) {
		return false, nil // a new database
	}
	upgradeFirst := "start the last Serentak build before versioned migrations (commit 33e7ccb) on it once, or run its `serentak migrate`, then this one"
	if !fingerprinted {
		return false, fmt.Errorf("the database has Serentak tables but neither schema_migrations nor schema_fingerprint: it was made by a build older than the last one before versioned migrations; %s", upgradeFirst)
	}
	var fingerprint string
	if err := tx.Raw("SELECT fingerprint FROM schema_fingerprint WHERE id = 1").Scan(&fingerprint).Error; err != nil {
		return false, fmt.Errorf("read schema_fingerprint: %w", err)
	}
	if fingerprint != autoMigrateFingerprint {
		return false, fmt.Errorf("the database was last migrated by a build older than the last one before versioned migrations (fingerprint %.12s, want %.12s); %s", fingerprint, autoMigrateFingerprint, upgradeFirst)
	}
	if len(missing) > 0 {
		return false, fmt.Errorf("the database was made by the last build before versioned migrations but lacks tables %s: it was changed by hand; restore them from a backup", strings.Join(missing, ", "))
	}
	if err := recordMigration(tx, first, s.clock()); err != nil {
		return false, err
	}
	if err := tx.Exec("DROP TABLE " + autoMigrateTable).Error; err != nil {
		return false, fmt.Errorf("drop %s: %w", autoMigrateTable, err)
	}
	return true, nil
}

// tableColumns lists the tables of the database (the current schema on
// PostgreSQL) and their columns in order, in one query.
func tableColumns(tx *gorm.DB, d Dialect) (map[string][]string, error) {
	q := `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
	if d == SQLite {
		q = `SELECT m.name AS table_name, c.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) c
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY m.name, c.cid`
	}
	var rows []struct{ TableName, ColumnName string }
	if err := tx.Raw(q).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list the tables: %w", err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.TableName] = append(out[r.TableName], r.ColumnName)
	}
	return out, nil
}
