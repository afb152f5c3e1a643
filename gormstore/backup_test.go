package gormstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
)

// BackupSQLite copies a WAL database while another connection holds the
// write lock mid-transaction: it neither waits for the writer nor sees
// what it has not committed, and the copy opens as a store.
func TestBackupSQLiteBesideABusyWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "serentak.db")
	s, err := gormstore.Open(ctx, gormstore.Config{URL: path, SecretKey: storetest.Key()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ws := serentak.Workspace{ID: "ws_committed", Name: "Toko", Timezone: "Asia/Jakarta"}
	if err := s.CreateWorkspace(ctx, ws, serentak.APIKey{ID: "key_1", WorkspaceID: ws.ID, Hash: "h1"}); err != nil {
		t.Fatal(err)
	}

	// Another process's writer, in the middle of a transaction.
	writer, err := gorm.Open(sqlite.Open(path+"?_pragma=busy_timeout(5000)&_txlock=immediate"), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	wdb, _ := writer.DB()
	defer wdb.Close()
	tx := writer.Begin()
	if err := tx.Exec("UPDATE workspaces SET name = 'uncommitted' WHERE id = 'ws_committed'").Error; err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	dest := filepath.Join(dir, "copy.db")
	if err := gormstore.BackupSQLite(ctx, path, dest); err != nil {
		t.Fatalf("backup beside a writer holding the lock: %v", err)
	}
	fi, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the copy's mode is %v, want 0600: it holds sealed tokens", fi.Mode().Perm())
	}
	c, err := gormstore.Open(ctx, gormstore.Config{URL: dest, SecretKey: storetest.Key()})
	if err != nil {
		t.Fatalf("the copy does not open: %v", err)
	}
	defer c.Close()
	got, err := c.FindWorkspaceByID(ctx, "ws_committed")
	if err != nil {
		t.Fatalf("the committed workspace is not in the copy: %v", err)
	}
	if got.Name != "Toko" {
		t.Errorf("the copy has the name %q, want the committed %q", got.Name, "Toko")
	}

	if err := gormstore.BackupSQLite(ctx, path, dest); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a backup over an existing file: %v, want a refusal", err)
	}
	if err := gormstore.BackupSQLite(ctx, filepath.Join(dir, "none.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Error("a backup of a missing database succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("a backup of a missing database created it")
	}
}
