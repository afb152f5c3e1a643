package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/testkit"
)

// testConfig is serve's configuration on a fresh data directory: SQLite,
// the embedded Redis, any free port.
func testConfig(t *testing.T, extra map[string]string) config.Config {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"SERENTAK_ADDR":         "127.0.0.1:0",
		"SERENTAK_METRICS_ADDR": "127.0.0.1:0",
		"SERENTAK_DATA_DIR":     dir,
		"SERENTAK_CONFIG":       os.DevNull,
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// start runs a until the test ends and returns once its API listens, with
// the address it listens on.
func start(t *testing.T, a *App) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	a.Listening = listening
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run after stop: %v, want nil", err)
		}
		a.Close()
	})
	select {
	case addr := <-listening:
		return addr
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the API did not listen within 30s")
	}
	return ""
}

// The running API removes a resumable upload abandoned past its time.
func TestServeSweepsAbandonedUploads(t *testing.T) {
	cfg := testConfig(t, nil)
	// An upload begun two days ago and never finished, in the directory
	// the API keeps them in (TestDiskUploadsBesideBlobs).
	dir := filepath.Join(cfg.DataDir, "media", ".uploads")
	old := &media.Uploads{Dir: dir, MaxBytes: 1 << 20, Now: func() time.Time { return time.Now().Add(-48 * time.Hour) }}
	up, err := old.Create("ws_sweep", 1000)
	if err != nil {
		t.Fatal(err)
	}
	meta := filepath.Join(dir, "ws_sweep", up.ID+".json")
	if _, err := os.Stat(meta); err != nil {
		t.Fatalf("the abandoned upload's record: %v", err)
	}
	start(t, New(cfg, Serve, io.Discard))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(meta); errors.Is(err, fs.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the abandoned upload is still there 10s after the API started")
		}
	}
}

// sweepUploads sweeps at once, then every interval, goes on after a failed
// sweep, and stops when told to.
func TestSweepUploadsRepeatsUntilStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}, 100)
	sweep := func() (int, error) {
		calls <- struct{}{}
		return 0, errors.New("disk on fire")
	}
	done := make(chan error, 1)
	go func() { done <- sweepUploads(ctx, sweep, 5*time.Millisecond, slog.New(slog.DiscardHandler)) }()
	for i := range 3 {
		select {
		case <-calls:
		case <-time.After(5 * time.Second):
			t.Fatalf("sweep %d did not come within 5s", i+1)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sweepUploads = %v when stopped, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sweepUploads did not stop within 5s of being told to")
	}
}

// Uploads assembled on disk for an S3 bucket take files up to the API's
// upload cap (they took none: a zero cap refused every size).
func TestS3UploadsTakeFiles(t *testing.T) {
	cfg := testConfig(t, map[string]string{"SERENTAK_MEDIA_S3_URL": "http://key:secret@127.0.0.1:9/bucket"})
	_, uploads, err := newBlobStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if uploads.Dir != filepath.Join(cfg.DataDir, "uploads") {
		t.Errorf("uploads in %s, want %s", uploads.Dir, filepath.Join(cfg.DataDir, "uploads"))
	}
	if _, err := uploads.Create("ws_s3", 100<<20); err != nil {
		t.Errorf("a 100 MB resumable upload with S3 storage: %v", err)
	}
}

// On disk, resumable uploads stay where the API kept them before the app
// made them itself (beside the blobs, in .uploads), so uploads in progress
// across an upgrade are found.
func TestDiskUploadsBesideBlobs(t *testing.T) {
	cfg := testConfig(t, nil)
	_, uploads, err := newBlobStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cfg.DataDir, "media", ".uploads"); uploads.Dir != want {
		t.Errorf("uploads in %s, want %s", uploads.Dir, want)
	}
}

// The operator key of a fresh install is printed once, at its first
// start, and kept under the data directory.
func TestOperatorKeyPrintedAtFirstStartOnly(t *testing.T) {
	cfg := testConfig(t, nil)
	// Read only once the App has stopped; while it runs, its logger
	// serialises its own writes.
	out := &bytes.Buffer{}
	first := New(cfg, Serve, out)
	startStop(t, first)
	key, err := os.ReadFile(filepath.Join(cfg.DataDir, "admin.key"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Operator key") || !strings.Contains(out.String(), strings.TrimSpace(string(key))) {
		t.Errorf("first start did not print the operator key:\n%s", out)
	}
	again := &bytes.Buffer{}
	startStop(t, New(cfg, Serve, again))
	if strings.Contains(again.String(), strings.TrimSpace(string(key))) {
		t.Errorf("second start printed the operator key again")
	}
}

// startStop runs a until its API listens, then stops it.
func startStop(t *testing.T, a *App) {
	t.Helper()
	t.Run("run", func(t *testing.T) { start(t, a) })
}

// Told to stop while still starting, Run returns nil: SIGTERM promises
// exit 0.
func TestStopWhileStartingIsClean(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := New(testConfig(t, nil), Serve, io.Discard)
	defer a.Close()
	if err := a.Run(ctx); err != nil {
		t.Errorf("Run with a canceled context = %v, want nil", err)
	}
}

// Separate processes share one Redis; without SERENTAK_REDIS_URL they say so.
func TestSeparateRolesNeedRedis(t *testing.T) {
	for _, command := range []string{"api", "worker", "scheduler"} {
		roles, ok := RolesOf(command)
		if !ok || roles.String() != command {
			t.Fatalf("RolesOf(%q) = %v, %v", command, roles, ok)
		}
		a := New(testConfig(t, nil), roles, io.Discard)
		err := a.Run(context.Background())
		a.Close()
		if err == nil || !strings.Contains(err.Error(), "SERENTAK_REDIS_URL") {
			t.Errorf("%s without SERENTAK_REDIS_URL: %v, want an error naming it", command, err)
		}
	}
}

// A fresh serve logs nothing at WARN or above: what every start does (an
// empty in-process Redis, generated keys) is normal, and a warning on
// every start teaches operators to ignore warnings.
func TestFreshServeLogsNoWarning(t *testing.T) {
	logs := &testkit.Buffer{}
	start(t, New(testConfig(t, nil), Serve, logs))
	// The scheduler's first pass has found the new Redis without its marker.
	testkit.WaitFor(t, 10*time.Second, "the scheduler's first pass", func() bool { return strings.Contains(logs.String(), "scheduler marker") })
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("a fresh serve logs: %s", line)
		}
	}
}

// SERENTAK_UPLOADS_DIR puts resumable uploads in a directory every API
// process mounts, with media on disk or in a bucket.
func TestUploadsDirShared(t *testing.T) {
	shared := t.TempDir()
	for _, env := range []map[string]string{
		{"SERENTAK_UPLOADS_DIR": shared},
		{"SERENTAK_UPLOADS_DIR": shared, "SERENTAK_MEDIA_S3_URL": "http://key:secret@127.0.0.1:9/bucket"},
	} {
		_, uploads, err := newBlobStore(testConfig(t, env))
		if err != nil {
			t.Fatal(err)
		}
		if uploads.Dir != shared {
			t.Errorf("with %v, uploads in %s, want %s", env, uploads.Dir, shared)
		}
	}
}
