package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// BackupSQLite writes a consistent copy of the SQLite database at rawURL
// (a path, file: or sqlite:// URL) to dest with VACUUM INTO, while other
// processes keep reading and writing it: in WAL mode the copy is one read
// transaction, which never blocks the writer nor waits for it, and it sees
// every transaction committed before it began, none after. dest must not
// exist; it is created readable by its owner only (it holds sealed tokens).
//
// It opens its own connection, so it works beside a running serve, in
// another process, without the secret key.
func BackupSQLite(ctx context.Context, rawURL, dest string) error {
	if strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://") {
		return errors.New("gormstore: BackupSQLite of a PostgreSQL database: use pg_dump (docs/backups.md)")
	}
	path, _, _ := strings.Cut(rawURL, "?")
	path = strings.TrimPrefix(strings.TrimPrefix(path, "sqlite://"), "file:")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("gormstore: back up the SQLite database %s: %w", path, err)
	}
	// VACUUM INTO takes an empty file: made first, it keeps the owner-only
	// permissions (SQLite would create it 0644).
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("gormstore: back up into %s: the file exists; name a new one", dest)
	}
	if err != nil {
		return fmt.Errorf("gormstore: back up into %s: %w", dest, err)
	}
	f.Close()
	dsn, err := sqliteDSN(rawURL)
	if err != nil {
		return err
	}
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return fmt.Errorf("gormstore: open the SQLite database to back it up: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	if err := vacuumInto(ctx, sqlDB, dest); err != nil {
		os.Remove(dest)
		return fmt.Errorf("gormstore: back up the SQLite database %s: %w", path, err)
	}
	return nil
}

// vacuumInto copies the database; a busy writer (a WAL checkpoint that
// needs a moment) is waited for by the DSN's busy_timeout.
func vacuumInto(ctx context.Context, db *sql.DB, dest string) error {
	_, err := db.ExecContext(ctx, "VACUUM INTO ?", dest)
	return err
}
