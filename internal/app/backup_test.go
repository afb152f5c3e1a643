package app

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// backupOf returns a backup archive of a fresh install (serve started once).
func backupOf(t *testing.T, extra map[string]string) string {
	t.Helper()
	cfg := testConfig(t, extra)
	startStop(t, New(cfg, Serve, io.Discard))
	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	if err := Backup(context.Background(), cfg, archive, false, io.Discard); err != nil {
		t.Fatal(err)
	}
	return archive
}

// Restore takes a new data directory only, an archive whose files match
// its manifest, and the backed-up install's secret key.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	archive := backupOf(t, nil)

	t.Run("a data directory in use", func(t *testing.T) {
		cfg := testConfig(t, nil)
		startStop(t, New(cfg, Serve, io.Discard))
		err := Restore(ctx, cfg, archive, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "new, empty data directory") {
			t.Errorf("restore over an install: %v", err)
		}
	})
	t.Run("another secret key", func(t *testing.T) {
		cfg := testConfig(t, map[string]string{"SERENTAK_SECRET_KEY": "another-key-0123456789abcdef0123456789"})
		err := Restore(ctx, cfg, archive, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "SERENTAK_SECRET_KEY differs") {
			t.Errorf("restore with another key: %v", err)
		}
		if _, serr := os.Stat(cfg.DatabaseURL); serr == nil {
			t.Error("a refused restore left a database behind")
		}
	})
	t.Run("a damaged archive", func(t *testing.T) {
		b, err := os.ReadFile(archive)
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(t.TempDir(), "cut.tar.gz")
		if err := os.WriteFile(cut, b[:len(b)/2], 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(t, nil)
		if err := Restore(ctx, cfg, cut, io.Discard); err == nil {
			t.Error("a half archive restored")
		}
		if _, serr := os.Stat(cfg.DatabaseURL); serr == nil {
			t.Error("a refused restore left a database behind")
		}
	})
	t.Run("keys left out and none given", func(t *testing.T) {
		src := testConfig(t, nil)
		startStop(t, New(src, Serve, io.Discard))
		bare := filepath.Join(t.TempDir(), "bare.tar.gz")
		if err := Backup(ctx, src, bare, true, io.Discard); err != nil {
			t.Fatal(err)
		}
		err := Restore(ctx, testConfig(t, nil), bare, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "holds no secret key") {
			t.Errorf("restore without any key: %v", err)
		}
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		cfg := testConfig(t, map[string]string{"SERENTAK_DATABASE_URL": "postgres://u:p@127.0.0.1:9/db"})
		if err := Restore(ctx, cfg, archive, io.Discard); err == nil || !strings.Contains(err.Error(), "pg_restore") {
			t.Errorf("restore into PostgreSQL: %v", err)
		}
		if err := Backup(ctx, cfg, filepath.Join(t.TempDir(), "pg.tar.gz"), false, io.Discard); err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("backup of PostgreSQL: %v", err)
		}
	})
	t.Run("a fresh directory", func(t *testing.T) {
		cfg := testConfig(t, nil)
		if err := Restore(ctx, cfg, archive, io.Discard); err != nil {
			t.Fatalf("restore into a new directory: %v", err)
		}
		for _, name := range []string{"serentak.db", "secret.key", "admin.key"} {
			fi, err := os.Stat(filepath.Join(cfg.DataDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s restored with mode %v, want 0600", name, fi.Mode().Perm())
			}
		}
		entries, _ := os.ReadDir(cfg.DataDir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".restore-") {
				t.Errorf("the staging directory %s is left behind", e.Name())
			}
		}
	})
}
