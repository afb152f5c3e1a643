package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/throttle"
)

// Sign-in throttling (docs/api.md#sign-in-throttling): failures are
// counted per client address and per email in windows of signInWindow.
// From signInSlowAfter failures on, each attempt waits signInDelay longer
// before it is checked; from signInLimit on, it answers 429 without
// checking, until the window ends.
const (
	signInWindow    = time.Minute
	signInSlowAfter = 5
	signInLimit     = 10
	signInDelay     = 200 * time.Millisecond
	// signInCountTimeout bounds one call to the shared counter, so a Redis
	// that hangs costs a sign-in this much and not a whole request timeout.
	signInCountTimeout = time.Second
)

// FailureCounter counts failures per key in fixed windows, shared by every
// API process of the install (throttle.Redis). Fail counts one against
// each key, in a window of win that starts at a key's first failure;
// Failures is the highest count among the keys' live windows; Clear
// forgets a key.
type FailureCounter interface {
	Fail(ctx context.Context, win time.Duration, keys ...string) error
	Failures(ctx context.Context, keys ...string) (int, error)
	Clear(ctx context.Context, key string) error
}

// signInGuard counts failed sign-ins in the shared counter when there is
// one, and always in this process too, to fall back on.
//
// When the shared counter fails (Redis is down), sign-in stays open and
// the guard falls back on this process's own count, with a warning in
// the log. Failing closed would turn a Redis outage into nobody being able
// to sign in, including the people who would fix it, and anyone able to
// upset Redis could lock every user out. Open costs little: this
// process's count still answers 429 after signInLimit failures from one
// address or for one email on it (the per-process guarantee Serentak had
// before the count was shared), and each attempt still costs an argon2id
// hash, of which only maxConcurrentHashes run at once.
type signInGuard struct {
	shared FailureCounter // nil: this process only
	local  *throttle.Memory
	log    *slog.Logger
	delay  time.Duration
	// window is how long a count lasts: signInWindow for sign-ins.
	window time.Duration
	// From slowAfter failures on, each attempt waits longer; from limit
	// on, it is refused with refusal (sign-ins: signInSlowAfter,
	// signInLimit).
	slowAfter, limit int
	refusal          string
	// timeout bounds one call to the shared counter (signInCountTimeout).
	timeout time.Duration
	// warn keeps the shared counter's failures to a warning a minute.
	warn *warnEvery
}

func newSignInGuard(shared FailureCounter, now func() time.Time, log *slog.Logger) *signInGuard {
	return &signInGuard{shared: shared, local: throttle.NewMemory(now), log: log, delay: signInDelay, window: signInWindow,
		slowAfter: signInSlowAfter, limit: signInLimit, refusal: "too many failed sign-ins; try again in a minute",
		timeout: signInCountTimeout, warn: &warnEvery{every: time.Minute}}
}

// sharedCtx is ctx for one call to the shared counter: bounded by
// g.timeout, and not ended when the client hangs up, so a client cannot
// dodge the count of its failure by closing the connection.
func (g *signInGuard) sharedCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), g.timeout)
}

// warnf logs a failure of the shared counter, at most once a minute: it
// may be asked on every request while Redis is down.
func (g *signInGuard) warnf(msg string, err error) {
	g.warn.do(func() { g.log.Warn(msg, "error", err) })
}

// failures is the most failures of the counters in their current windows:
// the shared count, or this process's when there is none or it cannot be
// read. (Not the higher of the two: a success on another process clears
// the shared count only, and this process must not hold to its own.)
func (g *signInGuard) failures(ctx context.Context, keys ...string) int {
	if g.shared != nil {
		sctx, cancel := g.sharedCtx(ctx)
		defer cancel()
		n, err := g.shared.Failures(sctx, keys...)
		if err == nil {
			return n
		}
		g.warnf("failure throttling (sign-ins, failed authentications) falls back on this process's count: the shared count cannot be read; check Redis", err)
	}
	n, _ := g.local.Failures(ctx, keys...)
	return n
}

// wait refuses (429) or slows down an attempt after earlier failures.
func (g *signInGuard) wait(ctx context.Context, keys ...string) error {
	n := g.failures(ctx, keys...)
	if n >= g.limit {
		return serentak.Errorf(serentak.ECodeRateLimited, "%s", g.refusal)
	}
	if n < g.slowAfter {
		return nil
	}
	t := time.NewTimer(time.Duration(n-g.slowAfter+1) * g.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fail counts a failed attempt against each key.
func (g *signInGuard) fail(ctx context.Context, keys ...string) {
	g.local.Fail(ctx, g.window, keys...)
	if g.shared == nil {
		return
	}
	ctx, cancel := g.sharedCtx(ctx)
	defer cancel()
	if err := g.shared.Fail(ctx, g.window, keys...); err != nil {
		g.warnf("a failure (sign-in, authentication) is counted in this process only: the shared count cannot be written; check Redis", err)
	}
}

// clear forgets key's failures after a successful sign-in.
func (g *signInGuard) clear(ctx context.Context, key string) {
	g.local.Clear(ctx, key)
	if g.shared == nil {
		return
	}
	ctx, cancel := g.sharedCtx(ctx)
	defer cancel()
	if err := g.shared.Clear(ctx, key); err != nil {
		g.warnf("a successful sign-in's email keeps its failure count until its window ends: the shared count cannot be cleared; check Redis", err)
	}
}
