// Package gormstore is Serentak's storage: PostgreSQL or SQLite through
// GORM. It is the only package that imports GORM; rows are converted to the
// domain types of package serentak at its edge. Every query a tenant can
// reach is scoped by workspace here, not only in the handlers.
package gormstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serentak/serentak/secretbox"
)

// Config opens a Store.
type Config struct {
	// URL is "postgres://…" (or "postgresql://…") or a SQLite path/URL
	// ("data/serentak.db", "file:data/serentak.db", "sqlite://data/serentak.db").
	URL string
	// SecretKey is the 32-byte key that encrypts account tokens at rest.
	SecretKey []byte
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxOpenConns caps the pool (PostgreSQL); 0 picks a default.
	MaxOpenConns int
	// SkipMigrations opens without applying pending migrations, for
	// `serentak migrate status`, which lists them. Every other start
	// applies them (Migrate).
	SkipMigrations bool
}

// DefaultMaxOpenConns is the PostgreSQL pool size when Config.MaxOpenConns
// is 0.
const DefaultMaxOpenConns = 10

// Dialect names the database behind a Store.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Store is the database.
type Store struct {
	db      *gorm.DB
	box     *secretbox.Box
	now     func() time.Time
	dialect Dialect
	// The hot writes, taken together (batch.go).
	claims      *batcher[*claimReq]
	leaseWrites *batcher[*leaseWriteReq]
}

// Open connects and runs the migrations.
//
// SQLite runs with a single connection. SQLite allows one writer at a time
// anyway, and almost every call here writes; with one connection, callers
// queue in Go's pool (bounded by their context) instead of failing with
// SQLITE_BUSY once busy_timeout runs out, and a read-then-write transaction
// can never lose its snapshot to another connection's write. Transactions
// also BEGIN IMMEDIATE (_txlock), so separate processes sharing the file
// wait for the write lock up front instead of failing mid-transaction. The
// cost is that reads wait behind writes, which are milliseconds long.
//
// Several processes opening one new SQLite file at once can meet
// SQLITE_BUSY while one of them switches it to WAL (SQLite does not wait
// on its busy timeout there), so an Open that meets it tries again for up
// to 10 s.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := open(ctx, cfg)
		if err == nil || !sqliteBusy(err) || time.Now().After(deadline) {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// sqliteBusy reports whether err is SQLite's "database is locked".
func sqliteBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

func open(ctx context.Context, cfg Config) (*Store, error) {
	box, err := secretbox.New(cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("gormstore: secret key: %w", err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	dialector, dialect, err := dialectorFor(cfg.URL)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		// Silent: SQL and its parameters (tokens, captions) never reach a log.
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return dbTime(now()) },
		TranslateError:         true,
		SkipDefaultTransaction: true,
	})
	if err != nil {
		return nil, fmt.Errorf("gormstore: open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("gormstore: open %s database: %w", dialect, err)
	}
	switch dialect {
	case SQLite:
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0) // keep ":memory:" alive
		sqlDB.SetConnMaxIdleTime(0)
	default:
		n := cfg.MaxOpenConns
		if n <= 0 {
			n = DefaultMaxOpenConns
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, box: box, now: now, dialect: dialect}
	if err := s.Ping(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if !cfg.SkipMigrations {
		if err := s.Migrate(ctx); err != nil {
			sqlDB.Close()
			return nil, err
		}
	}
	s.claims = newBatcher(maxClaimBatch, 1, s.runClaims)
	if dialect == SQLite {
		s.leaseWrites = newBatcher(maxLeaseWriteBatch, 1, s.runLeaseWrites)
	} else {
		s.leaseWrites = newBatcher(maxLeaseWriteBatch, pgLeaseWriteLoops, s.runLeaseWrites)
	}
	return s, nil
}

// dialectorFor picks the driver from the URL's scheme.
func dialectorFor(rawURL string) (gorm.Dialector, Dialect, error) {
	if rawURL == "" {
		return nil, "", errors.New("gormstore: no database URL: set a postgres:// URL or a SQLite file path")
	}
	if strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://") {
		return postgres.Open(rawURL), Postgres, nil
	}
	dsn, err := sqliteDSN(rawURL)
	if err != nil {
		return nil, "", err
	}
	return sqlite.Open(dsn), SQLite, nil
}

// sqliteDSN turns a path, "file:path?…" or "sqlite://path?…" into the
// driver's DSN with our pragmas, and creates the file (createPrivate).
func sqliteDSN(raw string) (string, error) {
	path, query, _ := strings.Cut(raw, "?")
	path = strings.TrimPrefix(path, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path == "" {
		return "", fmt.Errorf("gormstore: SQLite URL %q names no file", raw)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("gormstore: SQLite URL %q: bad query: %w", raw, err)
	}
	// busy_timeout first: the driver applies the pragmas in order, and
	// switching to WAL while another process opens the same file must wait
	// for its lock instead of failing with SQLITE_BUSY at once.
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	if path != ":memory:" {
		if err := createPrivate(path); err != nil {
			return "", err
		}
	}
	return path + "?" + q.Encode(), nil
}

// createPrivate creates the SQLite file, and its directory, readable by
// their owner only, like the keys in the data directory: the file holds
// sealed tokens and key hashes. SQLite would create it 0644 (less the
// umask); it creates the -wal and -shm with the file's own permissions, so
// creating the file first is enough for all three. An existing file keeps
// the permissions it has.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("gormstore: create the SQLite file's directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("gormstore: create the SQLite file: %w", err)
	}
	return f.Close()
}

// Dialect reports which database the Store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the pool.
func (s *Store) Close() error {
	s.claims.close()
	s.leaseWrites.close()
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers, for /readyz.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("gormstore: the %s database does not answer: %w", s.dialect, err)
	}
	return nil
}

// tx runs fn in a transaction. fn must use only tx: on SQLite the pool has
// one connection, so touching s.db inside would wait for itself forever.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

// clock is the current time as stored.
func (s *Store) clock() time.Time { return dbTime(s.now()) }

// dbTime is t as stored: UTC (SQLite compares times as text, which orders
// correctly only in one zone) and microseconds (PostgreSQL's precision, so
// both backends round-trip the same value).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// dbTimePtr is dbTime for a nullable column: the zero time is NULL.
func dbTimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := dbTime(t)
	return &v
}

// fromDBPtr reads a nullable time column; NULL is the zero time.
func fromDBPtr(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// dbError wraps a database error. The api package answers anything that is
// not a *serentak.Error with a bare "internal error", so the text here
// reaches logs, not clients.
func dbError(op string, err error) error {
	return fmt.Errorf("gormstore: %s: %w", op, err)
}

// newToken returns a random lease token.
func newToken() string { return rand.Text() }
