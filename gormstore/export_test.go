package gormstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"

	"github.com/serentak/serentak"
)

// DB exposes the connection to tests that inspect raw rows.
func DB(s *Store) *gorm.DB { return s.db }

// SchedulerQueries returns the scheduler's index-backed queries as SQL, by
// the name of the index each must use.
func SchedulerQueries(s *Store, now time.Time) map[string]string {
	sql := func(q func(tx *gorm.DB) *gorm.DB) string {
		return s.db.ToSQL(func(tx *gorm.DB) *gorm.DB {
			var rows []deliveryRow
			return q(tx).Find(&rows)
		})
	}
	return map[string]string{
		"idx_deliveries_due":      sql(func(tx *gorm.DB) *gorm.DB { return dueQuery(tx, now, 100) }),
		"idx_deliveries_enqueued": sql(func(tx *gorm.DB) *gorm.DB { return strandedQuery(tx, now, 100) }),
		"idx_deliveries_leased":   sql(func(tx *gorm.DB) *gorm.DB { return leaseExpiredQuery(tx, now, 100) }),
	}
}

// CountQueries are the SQL of CountDueDeliveries' queries at now, keyed
// by the index each must use.
func CountQueries(s *Store, now time.Time) map[string]string {
	out := map[string]string{}
	for index := range dueCountQueries(s.db, now) {
		out[index] = s.db.ToSQL(func(tx *gorm.DB) *gorm.DB {
			var rows []struct{ N int }
			return dueCountQueries(tx, now)[index].Scan(&rows)
		})
	}
	return out
}

// withExtra is the store's migrations followed by one per statement of
// extra, numbered on from the last and named extra_1, extra_2, ….
func withExtra(s *Store, extra []string) ([]migration, error) {
	ms, err := migrationsFor(s.dialect)
	if err != nil {
		return nil, err
	}
	for i, q := range extra {
		sum := sha256.Sum256([]byte(q))
		ms = append(ms, migration{version: len(ms) + 1, name: fmt.Sprintf("extra_%d", i+1), sql: q, checksum: hex.EncodeToString(sum[:])})
	}
	return ms, nil
}

// MigrateWith is Migrate with the statements of extra as further
// migrations, as a later build would have them.
func MigrateWith(ctx context.Context, s *Store, extra ...string) error {
	ms, err := withExtra(s, extra)
	if err != nil {
		return err
	}
	return s.migrate(ctx, ms)
}

// MigrationStatusWith is MigrationStatus with the migrations of extra.
func MigrationStatusWith(ctx context.Context, s *Store, extra ...string) ([]Migration, error) {
	ms, err := withExtra(s, extra)
	if err != nil {
		return nil, err
	}
	return s.migrationStatus(ctx, ms)
}

// MigrateStatements runs Migrate and returns the SQL statements it sent
// through GORM.
func MigrateStatements(ctx context.Context, s *Store) ([]string, error) {
	rec := &statementLog{}
	c := *s
	c.db = s.db.Session(&gorm.Session{Logger: rec})
	err := c.Migrate(ctx)
	return rec.sql, err
}

// AddAuditStatements runs AddAudit and returns the SQL statements it sent.
func AddAuditStatements(ctx context.Context, s *Store, e serentak.AuditEntry) ([]string, error) {
	rec := &statementLog{}
	c := *s
	c.db = s.db.Session(&gorm.Session{Logger: rec})
	err := c.AddAudit(ctx, e)
	return rec.sql, err
}

type statementLog struct {
	logger.Interface
	sql []string
}

func (l *statementLog) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	l.sql = append(l.sql, sql)
}

// TableColumns lists the database's tables and their columns.
func TableColumns(s *Store) (map[string][]string, error) { return tableColumns(s.db, s.dialect) }

// ModelColumns lists the tables of the row structs and the columns GORM
// reads and writes for them.
func ModelColumns() (map[string][]string, error) {
	out := map[string][]string{}
	for _, m := range tables() {
		sch, err := schema.Parse(m, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			return nil, err
		}
		for _, f := range sch.Fields {
			if f.DBName != "" {
				out[sch.Table] = append(out[sch.Table], f.DBName)
			}
		}
	}
	return out, nil
}

// AutoMigrateTable is the table of the builds before versioned migrations.
const AutoMigrateTable = autoMigrateTable

// LeaseWriteSQL is the lease-guarded UPDATE of a checkpoint.
func LeaseWriteSQL() string { return leaseWriteSQL("checkpoint = ?") }

// Migrations names the dialect's migration files: "0001_initial", ….
func Migrations(d Dialect) ([]string, error) {
	ms, err := migrationsFor(d)
	var names []string
	for _, m := range ms {
		names = append(names, fmt.Sprintf("%04d_%s", m.version, m.name))
	}
	return names, err
}

// EmitThenFail writes an event's messages in a transaction that then
// returns fail (nil: commits).
func EmitThenFail(ctx context.Context, s *Store, workspaceID, eventType, subjectID string, fail error) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.emit(tx, s.clock(), outEvent{workspaceID, eventType, subjectID}); err != nil {
			return err
		}
		return fail
	})
}

// PostsSQL is FindPosts' query for f with its values inlined, for EXPLAIN.
func PostsSQL(s *Store, workspaceID string, f serentak.PostFilter, limit int) (string, error) {
	var qerr error
	sql := s.db.ToSQL(func(tx *gorm.DB) *gorm.DB {
		q, err := postsQuery(tx, workspaceID, f)
		if err != nil {
			qerr = err
			return tx
		}
		return q.Limit(limit + 1).Find(&[]postRow{})
	})
	return sql, qerr
}
