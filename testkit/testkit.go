// Package testkit is what the tests of every package share: a settable
// clock, a log buffer safe for many goroutines, and a wait that polls with a
// deadline. It is imported by tests only; it holds no state of its own.
package testkit

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// Clock is a settable clock safe for concurrent use. Its Now method is the
// value to give a Now func() time.Time field, so the code under test, its
// fakes and the test read one time. The zero Clock reads the zero time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d (backwards when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set makes the clock read t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Buffer is an io.Writer safe for concurrent use, for the logs a server
// writes from its goroutines while the test reads them. The zero Buffer is
// empty and ready.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p whole: concurrent writes do not interleave.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what has been written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// maxPoll bounds the pause between two polls of WaitFor: short enough that
// a test goes on soon after its condition holds, long enough that a
// condition querying a database or an HTTP server does not load a busy
// machine.
const maxPoll = 20 * time.Millisecond

// WaitFor polls cond until it returns true, and fails the test if it has
// not after timeout, naming what it waited for ("delivery dlv_1 to
// finish"). The first pauses are short (from 1 ms, doubling up to maxPoll),
// so a condition that holds soon costs little time. cond runs on the test's
// goroutine and may call t.Fatal; to have the last state it saw in a
// failure's output, it may t.Log when that state changes.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for !cond() {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
			return // a t whose Fatalf does not stop the goroutine
		}
		time.Sleep(min(pause, left))
		pause = min(2*pause, maxPoll)
	}
}
