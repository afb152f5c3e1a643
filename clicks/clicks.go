// Package clicks counts clicks on order links without making the redirect
// wait for the database or Redis, and without keeping who clicked (issue
// 22). It is the one implementation behind both kinds of counted link,
// the tracked links (/o/{code}) and the link-in-bio buttons
// (/b/{handle}/o/{post}):
//
//   - NotCounted (and Robot) tells the requests that are not a person's
//     click: link-preview robots and crawlers, HEAD, prefetches;
//   - a Counter takes the rest (Click, which never blocks), leaves out
//     repeats in the background and buffers the counts by key in memory,
//     written in one batch every few seconds and once more at shutdown;
//   - Repeats tells a repeated click from a first one within a window,
//     from a keyed hash of what identifies it: in this process (Memory) or
//     across every API process of an install (Redis).
//
// Each kind of link makes its own Counter, keyed by what it counts, with a
// flush function that adds the counts to its table.
package clicks

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultFlushEvery is how often a Counter writes what it holds: clicks
// show in the stats within this, and a crash loses at most this much.
const DefaultFlushEvery = 2 * time.Second

// QueueSize bounds the clicks waiting for their repeat check; past it a
// click is answered and not counted (OutcomeDropped).
const QueueSize = 8192

// FlushFunc adds counts (key → clicks since the last flush) to storage, in
// one transaction if it can; last is when the latest of them was made. An
// error keeps them for the next flush.
type FlushFunc[K comparable] func(ctx context.Context, counts map[K]int64, last time.Time) error

// Options are a Counter's settings; the zero value counts every click and
// writes every DefaultFlushEvery.
type Options struct {
	// Every is how often the counts are written (0: DefaultFlushEvery).
	Every time.Duration
	// Repeats remembers clicks; nil: NewMemory, this process only.
	Repeats Repeats
	// Window: a click repeating one (the same parts) within it is not
	// counted; 0 counts every click.
	Window time.Duration
	// Observe, when set, is told the outcome of each click given to
	// Click: OutcomeCounted, OutcomeRepeat or OutcomeDropped.
	Observe func(outcome string)
	// Log gets flush failures (nil: nowhere).
	Log *slog.Logger
}

// Counter counts clicks by key. Click hands a click to a queue and
// returns; Run (or Flush) takes the queue, leaves out repeats, and adds
// the rest to counts in memory, which it hands to its FlushFunc every few
// seconds. A slow or unreachable database delays the counts, it does not
// slow the clicks; counts are lost only if the process dies before they
// are flushed.
type Counter[K comparable] struct {
	flush FlushFunc[K]
	o     Options
	queue chan click[K]

	mu      sync.Mutex
	pending map[K]int64
	last    time.Time
	// flushing serialises flushes, so a count is never written twice.
	flushing sync.Mutex
}

// click is one click waiting for its repeat check.
type click[K comparable] struct {
	key   K
	at    time.Time
	parts []string
}

// NewCounter makes a Counter that writes through flush.
func NewCounter[K comparable](flush FlushFunc[K], o Options) *Counter[K] {
	if o.Every <= 0 {
		o.Every = DefaultFlushEvery
	}
	if o.Repeats == nil {
		o.Repeats = NewMemory()
	}
	if o.Observe == nil {
		o.Observe = func(string) {}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Counter[K]{flush: flush, o: o, queue: make(chan click[K], QueueSize), pending: map[K]int64{}}
}

// Click counts one click under k, made at at, unless it repeats one with
// the same parts (the client's address, its User-Agent, the link) within
// the window. It never blocks: with QueueSize clicks already waiting, the
// click is dropped.
func (c *Counter[K]) Click(k K, at time.Time, parts ...string) {
	select {
	case c.queue <- click[K]{key: k, at: at, parts: parts}:
	default:
		c.o.Observe(OutcomeDropped)
	}
}

// decide counts p unless it is a repeat.
func (c *Counter[K]) decide(ctx context.Context, p click[K]) {
	if c.o.Window > 0 && len(p.parts) > 0 && !c.o.Repeats.First(ctx, p.at, c.o.Window, p.parts...) {
		c.o.Observe(OutcomeRepeat)
		return
	}
	c.o.Observe(OutcomeCounted)
	c.mu.Lock()
	c.pending[p.key]++
	if p.at.After(c.last) {
		c.last = p.at
	}
	c.mu.Unlock()
}

// drain decides every click waiting now.
func (c *Counter[K]) drain(ctx context.Context) {
	for {
		select {
		case p := <-c.queue:
			c.decide(ctx, p)
		default:
			return
		}
	}
}

// Flush decides the clicks waiting, then hands what is counted to the
// FlushFunc. On failure the counts go back into the buffer, added to what
// came meanwhile.
func (c *Counter[K]) Flush(ctx context.Context) error {
	c.drain(ctx)
	c.flushing.Lock()
	defer c.flushing.Unlock()
	c.mu.Lock()
	batch, last := c.pending, c.last
	if len(batch) > 0 {
		c.pending = map[K]int64{}
	}
	c.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := c.flush(ctx, batch, last)
	if err != nil {
		c.mu.Lock()
		for k, n := range batch {
			c.pending[k] += n
		}
		if last.After(c.last) {
			c.last = last
		}
		c.mu.Unlock()
	}
	return err
}

// finalFlushTimeout bounds the last flush, once Run is told to stop.
const finalFlushTimeout = 5 * time.Second

// Run decides clicks as they come and writes the counts every few seconds
// until ctx ends, then decides what is waiting and writes once more
// (within 5 s), so the clicks of a process that stops cleanly are kept.
// Stop it after the HTTP server has stopped taking requests, for the last
// write to hold every click. It returns nil: a failed flush is logged and
// retried, never fatal.
func (c *Counter[K]) Run(ctx context.Context) error {
	t := time.NewTicker(c.o.Every)
	defer t.Stop()
	for {
		select {
		case p := <-c.queue:
			c.decide(ctx, p)
		case <-t.C:
			if err := c.Flush(ctx); err != nil && ctx.Err() == nil {
				c.o.Log.Warn("clicks: counts not written; kept for the next try", "keys", c.Pending(), "error", err.Error())
			}
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalFlushTimeout)
			defer cancel()
			if err := c.Flush(last); err != nil {
				c.o.Log.Error("clicks: the last counts were not written", "error", err.Error(), "keys", c.Pending())
			}
			return nil
		}
	}
}

// Pending is how many keys wait for the next flush.
func (c *Counter[K]) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}
