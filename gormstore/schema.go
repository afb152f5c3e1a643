package gormstore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"reflect"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
)

// schemaRow records which models the schema was last migrated to. A
// process that starts on a schema already migrated to its models skips
// AutoMigrate, which on PostgreSQL re-reads the catalog table by table and
// column by column (about 210 queries, 200–300 ms) under the migration
// lock, so that processes starting together would wait on each other.
type schemaRow struct {
	ID          int       `gorm:"primaryKey;autoIncrement:false"`
	Fingerprint string    `gorm:"not null"`
	MigratedAt  time.Time `gorm:"not null"`
}

func (schemaRow) TableName() string { return "schema_fingerprint" }

// schemaFingerprint identifies the models: every table's name and every
// field's name, type and tag (the tags carry the columns, indexes and
// constraints AutoMigrate creates), embedded structs included, and the
// statements run after AutoMigrate. Any change to them changes it,
// and the next start migrates.
var schemaFingerprint = sync.OnceValue(func() string {
	h := sha256.New()
	for _, m := range append(tables(), &schemaRow{}) {
		t := reflect.TypeOf(m).Elem()
		name := t.Name()
		if n, ok := m.(interface{ TableName() string }); ok {
			name = n.TableName()
		}
		fmt.Fprintf(h, "table %s\n", name)
		writeFields(h, t)
	}
	for _, q := range schemaChanges {
		fmt.Fprintf(h, "after %s\n", q)
	}
	for _, q := range pgStorage {
		fmt.Fprintf(h, "postgres %s\n", q)
	}
	return hex.EncodeToString(h.Sum(nil))
})

func writeFields(h hash.Hash, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		fmt.Fprintf(h, "%s %s %q\n", f.Name, f.Type, f.Tag)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			writeFields(h, f.Type)
		}
	}
}

// schemaCurrent reports whether the schema was migrated to these models.
func schemaCurrent(tx *gorm.DB) (bool, error) {
	if !tx.Migrator().HasTable(&schemaRow{}) {
		return false, nil
	}
	var rows []schemaRow
	if err := tx.Where("id = ?", 1).Limit(1).Find(&rows).Error; err != nil {
		return false, err
	}
	return len(rows) == 1 && rows[0].Fingerprint == schemaFingerprint(), nil
}

// recordSchema stores the fingerprint after a migration.
func recordSchema(tx *gorm.DB, now time.Time) error {
	r := schemaRow{ID: 1, Fingerprint: schemaFingerprint(), MigratedAt: now}
	if err := tx.Save(&r).Error; err != nil {
		return fmt.Errorf("record the schema's fingerprint: %w", err)
	}
	return nil
}

// schemaChanges run after AutoMigrate, which adds tables, columns and
// indexes but never drops or redefines them. They are part of the schema's
// fingerprint, so a schema migrated before one was added gets it on the
// next start; each is safe to run again.
var schemaChanges = []string{
	// Replaced by idx_deliveries_leased (rows.go says why).
	"DROP INDEX IF EXISTS idx_deliveries_lease",
}

// pgStorage also runs after AutoMigrate, on PostgreSQL. A delivery's row
// is written four or five times in a few seconds (claim, checkpoints,
// outcome) and its post's two or three times; with full pages (the default
// fillfactor, 100) each write moves the row to another page and adds an
// entry to every index. Space left free on each page lets a write that
// changes no indexed column stay on the page (a HOT update): in a 10,000
// burst, HOT updates of deliveries went from 3k to 14k of 50k, and the
// drain gained about 10 %. ALTER … SET (fillfactor) applies to pages
// written from then on.
var pgStorage = []string{
	"ALTER TABLE deliveries SET (fillfactor = 70)",
	"ALTER TABLE posts SET (fillfactor = 80)",
}

// afterMigrate runs schemaChanges, then pgStorage on PostgreSQL.
func afterMigrate(tx *gorm.DB, d Dialect) error {
	qs := schemaChanges
	if d == Postgres {
		qs = append(slices.Clone(qs), pgStorage...)
	}
	for _, q := range qs {
		if err := tx.Exec(q).Error; err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
