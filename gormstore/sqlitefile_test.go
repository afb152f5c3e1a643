//go:build unix

package gormstore_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
)

// The SQLite file holds sealed tokens and key hashes: it, its -wal and its
// -shm are readable by their owner only, like the keys in the data
// directory, whatever the umask.
//
// Not parallel: the umask is the process's, and parallel tests run only
// after this one has returned.
func TestSQLiteFilesAreTheOwnersOnly(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "serentak.db")
	ctx := context.Background()
	s, err := gormstore.Open(ctx, gormstore.Config{URL: path, SecretKey: storetest.Key()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ws := serentak.Workspace{ID: "ws_1", Name: "Toko", Timezone: "Asia/Jakarta"}
	if err := s.CreateWorkspace(ctx, ws, serentak.APIKey{ID: "key_1", WorkspaceID: ws.ID, Hash: "h"}); err != nil {
		t.Fatal(err)
	}
	// While the store is open, after a write, the -wal and -shm exist.
	want := map[string]fs.FileMode{dir: fs.ModeDir | 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600}
	for name, mode := range want {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (fs.ModeDir | fs.ModePerm); got != mode {
			t.Errorf("%s: mode %v, want %v", filepath.Base(name), got, mode)
		}
	}
}
