package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"
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

// MigrateIfChanged is what Open does: it reports whether AutoMigrate ran.
func MigrateIfChanged(s *Store) (bool, error) { return s.migrate(context.Background(), false) }

// LeaseWriteSQL is the lease-guarded UPDATE of a checkpoint.
func LeaseWriteSQL() string { return leaseWriteSQL("checkpoint = ?") }
