package throttle

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/redis/go-redis/v9"
)

// Rate is an allowance of requests under the generic cell rate algorithm
// (GCRA, a token bucket kept as one time per key): Burst requests at
// once, then one more every Every.
type Rate struct {
	Every time.Duration
	Burst int
}

// Window is how long an empty allowance takes to fill again: Burst ×
// Every (the w of a RateLimit-Policy).
func (r Rate) Window() time.Duration { return time.Duration(r.Burst) * r.Every }

func (r Rate) valid() error {
	if r.Every < time.Microsecond || r.Burst < 1 {
		return fmt.Errorf("throttle: rate of one per %v with a burst of %d; want at least a microsecond and a burst of 1", r.Every, r.Burst)
	}
	return nil
}

// Decision is what Take says about one request.
type Decision struct {
	Allowed bool
	// Remaining is how many more requests would be allowed right now.
	Remaining int
	// Reset is how long until the whole burst is available again.
	Reset time.Duration
	// RetryAfter is how long a refused request should wait; 0 when allowed.
	RetryAfter time.Duration
}

// gcra decides a request at now for a key whose theoretical arrival time
// is tat (zero: never seen), and returns the key's next tat (unchanged
// when refused). rateScript is the same in Lua.
func gcra(tat, now time.Time, r Rate) (time.Time, Decision) {
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(r.Every)
	used := next.Sub(now) // of the window, with this request
	if used > r.Window() {
		return tat, Decision{Reset: tat.Sub(now), RetryAfter: used - r.Window()}
	}
	return next, Decision{Allowed: true, Remaining: int((r.Window() - used) / r.Every), Reset: used}
}

// Take decides one request against key's allowance at r, in this
// process.
func (m *Memory) Take(_ context.Context, key string, r Rate) (Decision, error) {
	if err := r.valid(); err != nil {
		return Decision{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.tats == nil {
		m.tats = map[string]time.Time{}
	}
	if len(m.tats) >= m.maxKeys {
		for k, t := range m.tats {
			if !now.Before(t) {
				delete(m.tats, k)
			}
		}
	}
	next, d := gcra(m.tats[key], now, r)
	m.tats[key] = next
	return d, nil
}

// rateScript is gcra on Redis's clock, so that every process sharing the
// Redis decides against the same time. KEYS[1] holds the key's
// theoretical arrival time in microseconds, expiring when the allowance
// is whole again. Lua's numbers are doubles, exact for these integers;
// how one is written into a command depends on the Lua build (Lua 5.1's
// own format, %.14g, would round 16 digits; Redis 7 and miniredis keep
// them), so string.format('%.0f') writes them whole everywhere. ARGV: Every, and
// Burst × Every, in microseconds. It answers {allowed, remaining, reset
// µs, retry µs}.
var rateScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local every = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local used = tat + every - now
if used > window then
  return {0, 0, tat - now, used - window}
end
redis.call('SET', KEYS[1], string.format('%.0f', tat + every), 'PX', string.format('%.0f', math.ceil(used / 1000)))
return {1, math.floor((window - used) / every), used, 0}`)

// Take decides one request against key's allowance at r, shared by
// every process on the same Redis and prefix; key is hashed as Fail's
// keys are.
func (r *Redis) Take(ctx context.Context, key string, rt Rate) (Decision, error) {
	if err := rt.valid(); err != nil {
		return Decision{}, err
	}
	res, err := rateScript.Run(ctx, r.rdb, []string{r.name(key)}, rt.Every.Microseconds(), rt.Window().Microseconds()).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("take from a rate allowance in Redis: %w", err)
	}
	if len(res) != 4 {
		return Decision{}, errors.New("take from a rate allowance in Redis: the script answered " + fmt.Sprint(res))
	}
	µs := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return Decision{Allowed: res[0] == 1, Remaining: int(min(res[1], math.MaxInt32)), Reset: µs(res[2]), RetryAfter: µs(res[3])}, nil
}
