// Package servetest runs the whole of `serentak serve` inside a test: the
// API, the web app, the scheduler and the workers, on SQLite and the
// in-process Redis in the test's temporary directory, on a loopback port.
// It is how the web app's tests and cmd/serentak-fake's round trip start
// an install, so both start it the same way. (internal/app's own tests
// start app.App directly: they look inside it.)
package servetest

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/internal/app"
)

// StartTimeout bounds the wait for serve to listen: migrations and the
// workers' start on a loaded CI machine.
const StartTimeout = 60 * time.Second

// Start starts serve with env over these defaults: SERENTAK_ADDR
// 127.0.0.1:0 (a free port), SERENTAK_DATA_DIR a fresh temporary
// directory, SERENTAK_CONFIG /dev/null (no configuration file is read).
// It answers the base URL, http://127.0.0.1:port, and stops serve when the
// test ends, failing the test if serve stopped with an error.
func Start(t testing.TB, env map[string]string) string {
	t.Helper()
	vars := map[string]string{
		"SERENTAK_ADDR":     "127.0.0.1:0",
		"SERENTAK_DATA_DIR": t.TempDir(),
		"SERENTAK_CONFIG":   os.DevNull,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(cfg, app.Serve, io.Discard)
	listening := make(chan string, 1)
	a.Listening = listening
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve stopped with %v", err)
		}
		a.Close()
	})
	select {
	case addr := <-listening:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("serve ended before listening: %v", err)
	case <-time.After(StartTimeout):
		t.Fatalf("serve did not listen within %v", StartTimeout)
	}
	return ""
}
