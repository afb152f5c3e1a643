// Package throttle counts failures per key in fixed windows: in this
// process (Memory), or in Redis (Redis) so that every process of an
// install counts into one number. The API counts failed sign-ins with it
// (api/signin.go); what a count means is the caller's business.
//
// Both kinds have the same methods:
//
//	Fail(ctx, window, keys...)  counts one failure against each key
//	Failures(ctx, keys...)      the highest count of the keys' live windows
//	Clear(ctx, key)             forgets a key's count
//
// A key's window starts at its first failure and lasts window; the next
// failure after it starts a new one.
//
// Both also keep rate allowances (rate.go): Take(ctx, key, rate) decides
// one request against a key's allowance, a token bucket (GCRA) that the
// API's per-key rate limit keeps in Redis so that every API process
// enforces one limit.
package throttle

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys bounds the keys a Memory keeps: past it, ended windows
// are swept out at the next failure.
const DefaultMaxKeys = 100_000

// Memory counts in this process only.
type Memory struct {
	mu      sync.Mutex
	now     func() time.Time
	maxKeys int
	wins    map[string]*window
	// tats are the rate allowances' theoretical arrival times (Take).
	tats map[string]time.Time
}

type window struct {
	end time.Time
	n   int
}

// NewMemory returns an empty Memory on the clock now (nil: time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, maxKeys: DefaultMaxKeys, wins: map[string]*window{}}
}

// Fail counts a failure against each key in its window. It cannot fail.
func (m *Memory) Fail(_ context.Context, win time.Duration, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if len(m.wins) >= m.maxKeys {
		for k, w := range m.wins {
			if !now.Before(w.end) {
				delete(m.wins, k)
			}
		}
	}
	for _, k := range keys {
		w, ok := m.wins[k]
		if !ok || !now.Before(w.end) {
			w = &window{end: now.Add(win)}
			m.wins[k] = w
		}
		w.n++
	}
	return nil
}

// Failures is the highest count among the keys' live windows.
func (m *Memory) Failures(_ context.Context, keys ...string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, now := 0, m.now()
	for _, k := range keys {
		if w, ok := m.wins[k]; ok && now.Before(w.end) {
			n = max(n, w.n)
		}
	}
	return n, nil
}

// Clear forgets key's count.
func (m *Memory) Clear(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.wins, key)
	return nil
}
