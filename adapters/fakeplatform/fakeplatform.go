// Package fakeplatform is the kit the strict fake platform servers
// (fakegraph, fakeig, faketiktok, fakeyoutube) are built with: fault rules
// a test injects, a log of every call, an adjustable delay, and the
// hang-up that makes a lost answer. It imports no "testing", so the
// benchmark command can run the fakes too.
//
// A fake embeds a Kit, which gives it Inject, ClearFaults, FailNextWhere,
// Calls, CountCallsWhere and SetLatency; its handler uses FaultFor, Wait,
// Record and Answer.
package fakeplatform

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Kit holds a fake's fault rules, call log and delay. R is what a rule
// sees of a request (*http.Request, or the fake's own description of it),
// F the fake's Fault and C its Call. The zero Kit is ready to use.
type Kit[R, F, C any] struct {
	mu      sync.Mutex
	rules   []func(R) *F
	calls   []C
	latency time.Duration
}

// Inject adds a rule consulted, in the order added, for every request; a
// nil fault means "no fault". Rules must not read request bodies.
func (k *Kit[R, F, C]) Inject(rule func(R) *F) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rules = append(k.rules, rule)
}

// ClearFaults removes every rule, including FailNext ones not used up.
func (k *Kit[R, F, C]) ClearFaults() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rules = nil
}

// FailNextWhere makes the next n requests that match answer with f.
func (k *Kit[R, F, C]) FailNextWhere(n int, f F, match func(R) bool) {
	var mu sync.Mutex
	left := n
	k.Inject(func(r R) *F {
		if !match(r) {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if left <= 0 {
			return nil
		}
		left--
		c := f
		return &c
	})
}

// FaultFor is the fault the first rule that has one gives r, or nil. The
// rules run outside the kit's lock, so a rule may call the fake.
func (k *Kit[R, F, C]) FaultFor(r R) *F {
	k.mu.Lock()
	rules := append([]func(R) *F(nil), k.rules...)
	k.mu.Unlock()
	for _, rule := range rules {
		if f := rule(r); f != nil {
			return f
		}
	}
	return nil
}

// Record appends a call to the log. A fake records a call before it sends
// the answer, so a client that has its answer also finds its call logged.
func (k *Kit[R, F, C]) Record(c C) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = append(k.calls, c)
}

// Calls returns the request log, oldest first.
func (k *Kit[R, F, C]) Calls() []C {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]C(nil), k.calls...)
}

// CountCallsWhere counts logged calls that match.
func (k *Kit[R, F, C]) CountCallsWhere(match func(C) bool) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, c := range k.calls {
		if match(c) {
			n++
		}
	}
	return n
}

// SetLatency delays every later answer by d (benchmarks, and tests of a
// publisher's patience).
func (k *Kit[R, F, C]) SetLatency(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.latency = d
}

// Wait waits out the latency. It returns false when ctx (the request's)
// ended first: the client is gone and nothing should be done.
func (k *Kit[R, F, C]) Wait(ctx context.Context) bool {
	k.mu.Lock()
	d := k.latency
	k.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Answer sends the answer a handler made in rec, or, when hangUp, closes
// the connection without a word: the request arrived (and, for a Drop
// fault, took effect) but the client never learns the outcome.
func Answer(w http.ResponseWriter, rec *httptest.ResponseRecorder, hangUp bool) {
	if hangUp {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}
