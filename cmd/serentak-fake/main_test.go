package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is the fake's output, written by run while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The fake prints the line to start serve with and the Page's id and token;
// the printed token publishes to the printed address; it stops when told.
func TestFakeServesThePrintedPage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, out) }()

	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, f := range strings.Fields(out.String()) {
			if rest, ok := strings.CutPrefix(f, "SERENTAK_FACEBOOK_API_URL="); ok {
				url = rest
			}
		}
	}
	if url == "" {
		t.Fatalf("no SERENTAK_FACEBOOK_API_URL= printed:\n%s", out)
	}
	for _, want := range []string{"SERENTAK_MEDIA_ALLOW_PRIVATE=true go run ./cmd/serentak serve", "external_id   1029384756", "access_token  EAAB-demo-page-token"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
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
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stopped with %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop within 10s of being told to")
	}
}

// The README's tour starts serve with this address without looking.
func TestDefaultAddressIsTheTours(t *testing.T) {
	if defaultAddr != "127.0.0.1:8090" {
		t.Errorf("default address %s; the README tour uses 127.0.0.1:8090", defaultAddr)
	}
}

func TestBusyAddressSaysWhatToDo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, first) }()
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, rest, ok := strings.Cut(first.String(), "listening on http://"); ok {
			addr, _, _ = strings.Cut(rest, ". ")
		}
	}
	if addr == "" {
		t.Fatalf("first fake printed no address:\n%s", first)
	}
	err := run(ctx, []string{"-addr", addr}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "-addr") {
		t.Errorf("second fake on %s: %v, want an error suggesting -addr", addr, err)
	}
	cancel()
	<-done
}
