package api

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/throttle"
)

// RateCounter keeps rate allowances per key, shared by every API process
// of the install (throttle.Redis): Take decides one request against a
// key's allowance.
type RateCounter interface {
	Take(ctx context.Context, key string, r throttle.Rate) (throttle.Decision, error)
}

// The limits of failed authentications (an unknown or revoked key, an
// ended session) per client address: past authFailLimit in
// authFailWindow, the address is answered 429 before its key is looked
// at, until the window ends.
const (
	DefaultAuthFailureLimit = 20
	authFailWindow          = time.Minute
	// sharedCountTimeout bounds one per-request call to the shared count,
	// so a Redis that hangs costs each request this much at most.
	sharedCountTimeout = 250 * time.Millisecond
)

// rateLimiter is the per-key rate limit (SERENTAK_RATE_LIMIT): one
// allowance per API key (or person, or the operator), kept in Redis when
// there is one so that N API processes enforce one limit, and in this
// process when there is none or it fails.
//
// Like sign-in throttling (signin.go) it fails open: with Redis down,
// each process limits on its own count and logs a warning (at most one a
// minute), rather than refusing every request of the install.
type rateLimiter struct {
	shared RateCounter // nil: this process only
	local  *throttle.Memory
	rate   throttle.Rate
	log    *slog.Logger
	warn   *warnEvery
}

func newRateLimiter(perSecond float64, burst int, shared RateCounter, now func() time.Time, log *slog.Logger) *rateLimiter {
	if burst <= 0 {
		burst = max(1, int(math.Round(2*perSecond)))
	}
	every := time.Duration(float64(time.Second) / perSecond)
	return &rateLimiter{
		shared: shared, local: throttle.NewMemory(now), log: log, warn: &warnEvery{every: time.Minute},
		rate: throttle.Rate{Every: max(every, time.Microsecond), Burst: burst},
	}
}

func (l *rateLimiter) take(ctx context.Context, key string) throttle.Decision {
	if l.shared != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedCountTimeout)
		defer cancel()
		d, err := l.shared.Take(ctx, key, l.rate)
		if err == nil {
			return d
		}
		l.warn.do(func() {
			l.log.Warn("the rate limit falls back on this process's count: the shared count cannot be read; check Redis", "error", err)
		})
	}
	d, _ := l.local.Take(ctx, key, l.rate) // cannot fail: the rate is valid
	return d
}

// seconds rounds up to whole seconds, as the headers count them.
func seconds(d time.Duration) int64 { return int64(math.Ceil(d.Seconds())) }

// rateLimitMiddleware limits requests per key (Config.RateLimit) and says
// so in every answer, with the fields of the IETF draft "RateLimit header
// fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-10, September
// 2025: structured fields, a quoted policy name with q, the quota, and w,
// its window in seconds; RateLimit with r, what remains, and t, seconds
// until the quota is whole again):
//
//	RateLimit-Policy: "key";q=20;w=2
//	RateLimit: "key";r=19;t=1
//
// and Retry-After on a 429.
func (s *Server) rateLimitMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.limiter == nil {
			return next(c)
		}
		p := principalOf(c)
		id := "operator"
		switch {
		case p.userID != "":
			id = "user:" + p.userID
		case !p.operator:
			id = p.keyID
		}
		d := s.limiter.take(c.Request().Context(), "rate:"+id)
		h := c.Response().Header()
		r := s.limiter.rate
		h.Set("RateLimit-Policy", fmt.Sprintf(`"key";q=%d;w=%d`, r.Burst, seconds(r.Window())))
		h.Set("RateLimit", fmt.Sprintf(`"key";r=%d;t=%d`, d.Remaining, seconds(d.Reset)))
		if !d.Allowed {
			wait := max(1, seconds(d.RetryAfter))
			h.Set("Retry-After", strconv.FormatInt(wait, 10))
			return serentak.Errorf(serentak.ECodeRateLimited, "too many requests for this API key; retry after %d s", wait)
		}
		return next(c)
	}
}

// warnEvery runs a warning at most once per every: a Redis outage on a
// busy API must not write a warning per request.
type warnEvery struct {
	every time.Duration
	last  atomic.Int64 // unix nanoseconds of the last warning
}

func (w *warnEvery) do(f func()) {
	now := time.Now().UnixNano()
	last := w.last.Load()
	if now-last < int64(w.every) || !w.last.CompareAndSwap(last, now) {
		return
	}
	f()
}
