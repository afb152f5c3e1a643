package throttle_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/throttle"
)

// taker is what both kinds of allowance offer (api.RateCounter).
type taker interface {
	Take(ctx context.Context, key string, r throttle.Rate) (throttle.Decision, error)
}

var (
	_ taker = (*throttle.Memory)(nil)
	_ taker = (*throttle.Redis)(nil)
)

func take(t *testing.T, tk taker, key string, r throttle.Rate) throttle.Decision {
	t.Helper()
	d, err := tk.Take(context.Background(), key, r)
	if err != nil {
		t.Fatalf("Take(%q): %v", key, err)
	}
	return d
}

// exerciseRate is what every allowance does: the burst at once, counted
// down, then a refusal saying how long to wait; keys apart. One a minute,
// so that the test's own time does not refill it.
func exerciseRate(t *testing.T, tk taker) {
	t.Helper()
	r := throttle.Rate{Every: time.Minute, Burst: 3}
	for i, want := range []int{2, 1, 0} {
		d := take(t, tk, "key_a", r)
		if !d.Allowed || d.Remaining != want {
			t.Fatalf("request %d: %+v, want allowed with %d remaining", i+1, d, want)
		}
		if wantReset := time.Duration(i+1) * time.Minute; d.Reset > wantReset || d.Reset < wantReset-time.Second {
			t.Errorf("request %d: whole again in %v, want %v", i+1, d.Reset, wantReset)
		}
	}
	d := take(t, tk, "key_a", r)
	if d.Allowed || d.RetryAfter > time.Minute || d.RetryAfter < 59*time.Second || d.Reset < 2*time.Minute {
		t.Fatalf("past the burst: %+v, want refused, retry within the minute", d)
	}
	// A refusal spends nothing: still refused, no later.
	if d2 := take(t, tk, "key_a", r); d2.Allowed || d2.RetryAfter > d.RetryAfter {
		t.Errorf("refused twice: %+v then %+v", d, d2)
	}
	if d := take(t, tk, "key_b", r); !d.Allowed || d.Remaining != 2 {
		t.Errorf("another key: %+v, want its own burst", d)
	}
	if _, err := tk.Take(context.Background(), "key_c", throttle.Rate{Every: time.Second}); err == nil {
		t.Error("a burst of 0: no error")
	}
}

func TestMemoryRate(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	m := throttle.NewMemory(clock.Now)
	exerciseRate(t, m)
	// One Every later, one more request.
	clock.Advance(time.Minute)
	r := throttle.Rate{Every: time.Minute, Burst: 3}
	if d := take(t, m, "key_a", r); !d.Allowed || d.Remaining != 0 {
		t.Errorf("a minute later: %+v, want one allowed", d)
	}
	if d := take(t, m, "key_a", r); d.Allowed {
		t.Errorf("then: %+v, want refused", d)
	}
	// Idle for the window: the whole burst is back.
	clock.Advance(3 * time.Minute)
	if d := take(t, m, "key_a", r); !d.Allowed || d.Remaining != 2 {
		t.Errorf("after the window: %+v, want the burst back", d)
	}
}

func TestRedisRate(t *testing.T) {
	t.Run("allowance", func(t *testing.T) {
		r, _, _ := newRedis(t, "s")
		exerciseRate(t, r)
	})

	// Two processes on one Redis take from one allowance.
	t.Run("shared", func(t *testing.T) {
		client, prefix := redistest.Prefixed(t)
		a := throttle.NewRedis(client, prefix, []byte("s"))
		o := client.Options()
		second := redis.NewClient(&redis.Options{Addr: o.Addr, DB: o.DB, Username: o.Username, Password: o.Password})
		t.Cleanup(func() { second.Close() })
		b := throttle.NewRedis(second, prefix, []byte("s"))
		r := throttle.Rate{Every: time.Minute, Burst: 2}
		take(t, a, "key_a", r)
		take(t, b, "key_a", r)
		if d := take(t, a, "key_a", r); d.Allowed {
			t.Errorf("third request over two clients: %+v, want refused", d)
		}
	})

	// Redis holds one hashed key per allowance, gone once it is whole.
	t.Run("keys", func(t *testing.T) {
		r, client, prefix := newRedis(t, "s")
		take(t, r, "key_secret", throttle.Rate{Every: 300 * time.Millisecond, Burst: 2})
		ctx := context.Background()
		keys, err := client.Keys(ctx, prefix+"*").Result()
		if err != nil || len(keys) != 1 {
			t.Fatalf("keys %v, %v; want one", keys, err)
		}
		if strings.Contains(keys[0], "key_secret") {
			t.Errorf("key %q names what it limits", keys[0])
		}
		if ttl := client.PTTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > 300*time.Millisecond {
			t.Errorf("expires in %v, want within the 300 ms the allowance takes to fill", ttl)
		}
		// The time is kept whole, in microseconds of Redis's clock, never
		// in a rounded number format (1.7806e+15).
		now, err := client.Time(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		raw := client.Get(ctx, keys[0]).Val()
		tat, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || tat < now.UnixMicro() || tat > now.Add(300*time.Millisecond).UnixMicro() {
			t.Errorf("stored %q; want microseconds within 300 ms after Redis's %d", raw, now.UnixMicro())
		}
	})
}
