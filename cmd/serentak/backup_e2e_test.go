package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/serentak/serentak/testkit"
)

// countEnqueued counts the deliveries of the SQLite file at path that the
// scheduler has put in Redis, reading beside a running serve.
func countEnqueued(t *testing.T, path string) int64 {
	t.Helper()
	db, err := gorm.Open(sqlite.Open(path+"?_pragma=busy_timeout(5000)&mode=ro"), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	var n int64
	if err := db.Raw("SELECT count(*) FROM deliveries WHERE status = 'scheduled' AND enqueued_at IS NOT NULL").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// runCommand runs `serentak args…` on env to its end.
func runCommand(env map[string]string, args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, nil)
	return out.String(), err
}

// The "done when": a backup taken with `serentak backup` while
// serve runs and writes, restored with `serentak restore` into a new data
// directory, is published by a new serve on it — exactly once, though the
// copy says the delivery was already in the old process's (now gone)
// Redis. The secret key travels in the archive (it is the data
// directory's generated one here), and so do the media.
func TestBackupRestorePublishesWhatWasScheduled(t *testing.T) {
	s := newSystem(t)
	dir := s.env["SERENTAK_DATA_DIR"]
	dbPath := filepath.Join(dir, "serentak.db")
	s.env["SERENTAK_DATABASE_URL"] = dbPath // SQLite even when a PostgreSQL is at hand
	delete(s.env, "SERENTAK_SECRET_KEY")    // generated in the data directory
	s.env["SERENTAK_SCHEDULER_HORIZON"] = "30s"
	s.base = s.start("serve")
	ws, key, acc := s.tour()

	// A blob, and an upload in progress that a backup leaves out.
	if err := os.MkdirAll(filepath.Join(dir, "media", ws), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "media", ws, "photo.jpg"), []byte("jpeg bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "media", ".uploads", ws), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "media", ".uploads", ws, "part"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}

	at := time.Now().Add(10 * time.Second)
	code, post := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, productPost(acc, at))
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	id := post["id"].(string)
	// Within the horizon: the scheduler puts it in the old Redis, and the
	// copy will say so.
	testkit.WaitFor(t, 5*time.Second, "the delivery enqueued", func() bool { return countEnqueued(t, dbPath) == 1 })

	// The backup is taken while the API writes: posts for tomorrow, one
	// after another, until it is done.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if code, _ := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, productPost(acc, time.Now().Add(24*time.Hour))); code == 201 {
				written.Add(1)
			}
		}
	}()
	testkit.WaitFor(t, 5*time.Second, "writes under way", func() bool { return written.Load() >= 3 })
	archive := filepath.Join(t.TempDir(), "backup.tar.gz")
	out, err := runCommand(s.env, "backup", "-o", archive)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("serentak backup while serve writes: %v\n%s", err, out)
	}
	if written.Load() < 4 {
		t.Logf("only %d posts written around the backup", written.Load())
	}
	s.stopAll()
	if n := s.graph.PostCount(); n != 0 {
		t.Fatalf("published %d before the restore; the test needs the post still scheduled", n)
	}
	if time.Now().After(at.Add(-3 * time.Second)) {
		t.Fatalf("the backup took too long: the post is due at %v", at)
	}

	names := archiveNames(t, archive)
	for _, want := range []string{"serentak.db", "secret.key", "admin.key", "media/" + ws + "/photo.jpg", "manifest.json"} {
		if !names[want] {
			t.Errorf("the archive lacks %s: %v", want, names)
		}
	}
	for name := range names {
		if strings.Contains(name, ".uploads") {
			t.Errorf("the archive holds an upload in progress: %s", name)
		}
	}

	// A new data directory, a new process, the same fake Page.
	s.env = newEnv(t, s.graph, s.ig)
	newDir := s.env["SERENTAK_DATA_DIR"]
	s.env["SERENTAK_DATABASE_URL"] = filepath.Join(newDir, "serentak.db")
	delete(s.env, "SERENTAK_SECRET_KEY")
	if out, err := runCommand(s.env, "restore", archive); err != nil {
		t.Fatalf("serentak restore: %v\n%s", err, out)
	}
	if n := countEnqueued(t, filepath.Join(newDir, "serentak.db")); n != 1 {
		t.Fatalf("the restored copy has %d enqueued deliveries, want the 1 the old Redis held", n)
	}
	if b, err := os.ReadFile(filepath.Join(newDir, "media", ws, "photo.jpg")); err != nil || string(b) != "jpeg bytes" {
		t.Errorf("restored blob: %q, %v", b, err)
	}
	old, _ := os.ReadFile(filepath.Join(dir, "secret.key"))
	restored, _ := os.ReadFile(filepath.Join(newDir, "secret.key"))
	if len(old) == 0 || !bytes.Equal(old, restored) {
		t.Error("the restored secret key is not the backed-up install's")
	}

	s.base = s.start("serve")
	done := s.waitPost(ws, key, id, "published", "failed", "partially_published")
	if done["status"] != "published" {
		t.Fatalf("after the restore the post ended %v: %v", done["status"], done)
	}
	posts := s.graph.Posts(pageID)
	if len(posts) != 1 {
		t.Fatalf("the Page has %d posts, want exactly 1", len(posts))
	}
	if posts[0].CreatedAt.Before(at) {
		t.Errorf("published %v before its time", at.Sub(posts[0].CreatedAt))
	}
	// The tomorrow posts written before the copy began are there too.
	code, list := s.call("GET", "/v1/workspaces/"+ws+"/posts?limit=100", key, nil)
	if code != 200 {
		t.Fatalf("list posts: %d %v", code, list)
	}
	if n := len(list["data"].([]any)); n < 4 {
		t.Errorf("the restored install lists %d posts, want the first plus at least the 3 written before the backup", n)
	}
	s.stopAll()
	if n := s.graph.CountCalls("POST", "feed"); n != 1 {
		t.Errorf("%d publish calls to the Page's feed, want 1", n)
	}
}

// archiveNames lists the entries of a .tar.gz.
func archiveNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	names := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
}
