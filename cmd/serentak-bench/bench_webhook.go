package main

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// slowReceiver is a webhook receiver that answers 204 after a delay, as a
// slow consumer would, and counts what it got. It does not verify
// signatures (the tests do): it stands for the load, not the checks.
type slowReceiver struct {
	URL string
	srv *http.Server

	mu   sync.Mutex
	reqs int
	ids  map[string]bool
}

// startSlowReceiver serves on a fresh port of 127.0.0.1 until Close.
func startSlowReceiver(delay time.Duration) (*slowReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &slowReceiver{URL: "http://" + ln.Addr().String() + "/hooks", ids: map[string]bool{}}
	rc.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.reqs++
		rc.ids[r.Header.Get("Webhook-Id")] = true
		rc.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go rc.srv.Serve(ln)
	return rc, nil
}

// Counts returns the requests received and the distinct webhook-ids among
// them.
func (rc *slowReceiver) Counts() (requests, events int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.reqs, len(rc.ids)
}

// Close stops the receiver, cutting the requests it is holding.
func (rc *slowReceiver) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if rc.srv.Shutdown(ctx) != nil {
		rc.srv.Close()
	}
}
