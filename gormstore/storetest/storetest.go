// Package storetest gives tests a fresh, empty gormstore.Store.
//
// With SERENTAK_TEST_DATABASE_URL set (a postgres:// URL), each store lives
// in its own randomly named PostgreSQL schema, dropped when the test ends,
// so any number of tests and packages can share one database in parallel.
// Without it, each store is a SQLite file in the test's temporary
// directory.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/secretbox"
)

// EnvDatabaseURL names the variable that selects PostgreSQL.
const EnvDatabaseURL = "SERENTAK_TEST_DATABASE_URL"

// MaxOpenConns is the pool size of a test store on PostgreSQL: small, so
// many parallel tests stay well under the server's connection limit, and
// above one, so concurrency tests really run concurrently.
const MaxOpenConns = 4

// Key is the fixed secret key of test stores.
func Key() []byte { return secretbox.KeyFromString("serentak storetest key") }

// New returns a fresh, empty store, closed (and its schema dropped) when
// the test ends.
func New(t testing.TB) *gormstore.Store {
	t.Helper()
	return Open(t, gormstore.Config{})
}

// Open is New with a config: an empty URL means a fresh database (URL), an
// empty SecretKey means Key(), and an empty MaxOpenConns means
// MaxOpenConns. Set Now to inject a clock.
func Open(t testing.TB, cfg gormstore.Config) *gormstore.Store {
	t.Helper()
	if cfg.URL == "" {
		cfg.URL = URL(t)
	}
	if cfg.SecretKey == nil {
		cfg.SecretKey = Key()
	}
	if cfg.MaxOpenConns == 0 {
		cfg.MaxOpenConns = MaxOpenConns
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := gormstore.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("storetest: open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// URL returns the URL of a fresh, empty database for this test (a
// PostgreSQL schema or a SQLite file), removed when the test ends. A test
// that starts a program on it must stop the program first: register that
// cleanup after calling URL.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		return filepath.Join(t.TempDir(), "serentak.db")
	}
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		t.Fatalf("storetest: %s must be a postgres:// URL", EnvDatabaseURL)
	}
	return schemaURL(t, base)
}

// schemaURL creates a schema and returns base with search_path set to it
// (pgx passes unknown URL parameters to the server as run-time settings).
func schemaURL(t testing.TB, base string) string {
	t.Helper()
	// Hex, not rand.Text: unquoted PostgreSQL names are lower case.
	var b [8]byte
	rand.Read(b[:]) // cannot fail (Go 1.24 and later)
	schema := "test_" + hex.EncodeToString(b[:])

	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("storetest: connect to %s: %v", EnvDatabaseURL, err)
	}
	sqlDB, err := admin.DB()
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	sqlDB.SetMaxOpenConns(1)
	if err := admin.Exec(`CREATE SCHEMA "` + schema + `"`).Error; err != nil {
		sqlDB.Close()
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		defer sqlDB.Close()
		if err := admin.Exec(`DROP SCHEMA "` + schema + `" CASCADE`).Error; err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s is not a postgres:// URL: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
