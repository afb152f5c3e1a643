package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// startFake runs the fake on addr until the test ends and returns what it
// printed when it started.
func startFake(t *testing.T, addr string) (banner string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", addr}, w); w.Close() }()
	var b strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
			break
		}
	}
	stop = sync.OnceValue(func() error {
		cancel()
		go io.Copy(io.Discard, r) // an error message, if any
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Error("the fake did not stop within 10s of being told to")
			return nil
		}
	})
	t.Cleanup(func() { stop() })
	return b.String(), stop
}

// The fake prints the line to start serve with and the Page's id and token;
// the printed token publishes to the printed address; it stops when told.
func TestFakeServesThePrintedPage(t *testing.T) {
	banner, stop := startFake(t, "127.0.0.1:0")
	var url string
	for _, f := range strings.Fields(banner) {
		if rest, ok := strings.CutPrefix(f, "SERENTAK_FACEBOOK_API_URL="); ok {
			url = rest
		}
	}
	if url == "" {
		t.Fatalf("no SERENTAK_FACEBOOK_API_URL= printed:\n%s", banner)
	}
	for _, want := range []string{"SERENTAK_MEDIA_ALLOW_PRIVATE=true go run ./cmd/serentak serve", "external_id   1029384756", "access_token  EAAB-demo-page-token"} {
		if !strings.Contains(banner, want) {
			t.Errorf("output lacks %q:\n%s", want, banner)
		}
	}
	req, _ := http.NewRequest("POST", url+"/v25.0/"+demoPageID+"/feed?message=Halo", nil)
	req.Header.Set("Authorization", "OAuth "+demoPageToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("posting with the printed token: %d, want 200", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Errorf("stopped with %v, want nil", err)
	}
}

// The README's tour starts serve with this address without looking.
func TestDefaultAddressIsTheTours(t *testing.T) {
	if defaultAddr != "127.0.0.1:8090" {
		t.Errorf("default address %s; the README tour uses 127.0.0.1:8090", defaultAddr)
	}
}

func TestBusyAddressSaysWhatToDo(t *testing.T) {
	banner, _ := startFake(t, "127.0.0.1:0")
	_, rest, ok := strings.Cut(banner, "listening on http://")
	addr, _, _ := strings.Cut(rest, ". ")
	if !ok || addr == "" {
		t.Fatalf("the first fake printed no address:\n%s", banner)
	}
	err := run(context.Background(), []string{"-addr", addr}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-addr") {
		t.Errorf("a second fake on %s: %v, want an error suggesting -addr", addr, err)
	}
}
