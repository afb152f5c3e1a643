package main

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serentak/serentak/gormstore/storetest"
)

// docs/backups.md's PostgreSQL steps, run: pg_dump -Fc while serve runs,
// pg_restore into a new database, a new serve on it (a new data directory,
// its own empty Redis) publishes what was scheduled, exactly once.
func TestPostgresDumpRestorePublishesWhatWasScheduled(t *testing.T) {
	base := os.Getenv(storetest.EnvDatabaseURL)
	if base == "" {
		t.Skip(storetest.EnvDatabaseURL + " is not set: no PostgreSQL to dump")
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install postgresql-client): %v", tool, err)
		}
	}
	s := newSystem(t)
	// The test's database is a schema (search_path) in the shared one;
	// libpq takes no search_path in a URL, so the tools get the schema
	// as -n and the URL without it.
	src, err := url.Parse(s.env["SERENTAK_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	q := src.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	src.RawQuery = q.Encode()

	s.base = s.start("serve")
	ws, key, acc := s.tour()
	at := time.Now().Add(10 * time.Second)
	code, post := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, productPost(acc, at))
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	id := post["id"].(string)
	dump := filepath.Join(t.TempDir(), "serentak.dump")
	if out, err := exec.Command("pg_dump", "-Fc", "--no-owner", "-n", schema, "-d", src.String(), "-f", dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump while serve runs: %v\n%s", err, out)
	}
	s.stopAll()
	if n := s.graph.PostCount(); n != 0 {
		t.Fatalf("published %d before the restore; the test needs the post still scheduled", n)
	}

	// A new database, as the docs say.
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	adminDB, _ := admin.DB()
	defer adminDB.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "restore_" + hex.EncodeToString(b[:])
	if err := admin.Exec(`CREATE DATABASE "` + name + `"`).Error; err != nil {
		t.Fatalf("create database: %v", err)
	}
	defer func() {
		if err := admin.Exec(`DROP DATABASE "` + name + `" WITH (FORCE)`).Error; err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	}()
	dst := *src
	dst.Path = "/" + name
	if out, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "-d", dst.String(), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	q = dst.Query()
	q.Set("search_path", schema)
	dst.RawQuery = q.Encode()

	s.env = newEnv(t, s.graph, s.ig) // a new data directory; the same keys
	s.env["SERENTAK_DATABASE_URL"] = dst.String()
	s.base = s.start("serve")
	done := s.waitPost(ws, key, id, "published", "failed", "partially_published")
	if done["status"] != "published" {
		t.Fatalf("after the restore the post ended %v: %v", done["status"], done)
	}
	s.stopAll()
	if n := s.graph.CountCalls("POST", "feed"); n != 1 {
		t.Errorf("%d publish calls to the Page's feed, want 1", n)
	}
	if posts := s.graph.Posts(pageID); len(posts) != 1 || posts[0].CreatedAt.Before(at) {
		t.Errorf("the Page has %d posts (want 1, not before %v): %+v", len(posts), at, posts)
	}
}
