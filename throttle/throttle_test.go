package throttle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/throttle"
)

// counter is what both kinds of count offer (api.FailureCounter).
type counter interface {
	Fail(ctx context.Context, win time.Duration, keys ...string) error
	Failures(ctx context.Context, keys ...string) (int, error)
	Clear(ctx context.Context, key string) error
}

var (
	_ counter = (*throttle.Memory)(nil)
	_ counter = (*throttle.Redis)(nil)
)

// failures reads keys' count or fails the test.
func failures(t *testing.T, c counter, keys ...string) int {
	t.Helper()
	n, err := c.Failures(context.Background(), keys...)
	if err != nil {
		t.Fatalf("Failures(%v): %v", keys, err)
	}
	return n
}

func fail(t *testing.T, c counter, win time.Duration, keys ...string) {
	t.Helper()
	if err := c.Fail(context.Background(), win, keys...); err != nil {
		t.Fatalf("Fail(%v): %v", keys, err)
	}
}

// exercise is what every counter does: counts per key, the highest of
// several keys, clearing one key only.
func exercise(t *testing.T, c counter) {
	t.Helper()
	const win = time.Minute
	if n := failures(t, c, "addr:10.0.0.1", "email:sari@example.com"); n != 0 {
		t.Fatalf("no failure yet: %d", n)
	}
	fail(t, c, win, "addr:10.0.0.1", "email:sari@example.com")
	fail(t, c, win, "addr:10.0.0.1", "email:budi@example.com")
	fail(t, c, win, "addr:10.0.0.1", "email:budi@example.com")
	for _, tc := range []struct {
		keys []string
		want int
	}{
		{[]string{"addr:10.0.0.1"}, 3},
		{[]string{"email:sari@example.com"}, 1},
		{[]string{"email:budi@example.com"}, 2},
		{[]string{"addr:10.0.0.2", "email:sari@example.com"}, 1},
		{[]string{"email:sari@example.com", "email:budi@example.com"}, 2},
		{[]string{"email:nobody@example.com"}, 0},
	} {
		if got := failures(t, c, tc.keys...); got != tc.want {
			t.Errorf("Failures(%v) = %d, want %d", tc.keys, got, tc.want)
		}
	}
	if err := c.Clear(context.Background(), "email:budi@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := failures(t, c, "email:budi@example.com"); got != 0 {
		t.Errorf("a cleared key counts %d", got)
	}
	if got := failures(t, c, "addr:10.0.0.1"); got != 3 {
		t.Errorf("clearing one key changed another's count to %d, want 3", got)
	}
}

func TestMemory(t *testing.T) {
	t.Run("counts", func(t *testing.T) {
		exercise(t, throttle.NewMemory(nil))
	})
	t.Run("window", func(t *testing.T) {
		clock := testkit.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
		m := throttle.NewMemory(clock.Now)
		fail(t, m, time.Minute, "k")
		clock.Advance(59 * time.Second)
		fail(t, m, time.Minute, "k")
		if got := failures(t, m, "k"); got != 2 {
			t.Errorf("two failures in one window: %d", got)
		}
		// The window runs from the first failure, not the last.
		clock.Advance(time.Second)
		if got := failures(t, m, "k"); got != 0 {
			t.Errorf("after the window: %d, want 0", got)
		}
		fail(t, m, time.Minute, "k")
		if got := failures(t, m, "k"); got != 1 {
			t.Errorf("a failure after the window starts a new one: %d, want 1", got)
		}
	})
}

func newRedis(t *testing.T, secret string) (*throttle.Redis, *redis.Client, string) {
	t.Helper()
	client, prefix := redistest.Prefixed(t)
	return throttle.NewRedis(client, prefix+"serentak:signin:", []byte(secret)), client, prefix + "serentak:signin:"
}

func TestRedis(t *testing.T) {
	t.Run("counts", func(t *testing.T) {
		r, _, _ := newRedis(t, "install secret")
		exercise(t, r)
	})

	// Two processes on one Redis count into one number.
	t.Run("shared", func(t *testing.T) {
		client, prefix := redistest.Prefixed(t)
		o := client.Options()
		second := redis.NewClient(&redis.Options{Addr: o.Addr, DB: o.DB, Username: o.Username, Password: o.Password})
		t.Cleanup(func() { second.Close() })
		a := throttle.NewRedis(client, prefix, []byte("s"))
		b := throttle.NewRedis(second, prefix, []byte("s"))
		fail(t, a, time.Minute, "email:sari@example.com")
		fail(t, b, time.Minute, "email:sari@example.com")
		if got := failures(t, b, "email:sari@example.com"); got != 2 {
			t.Errorf("failures on two clients: %d, want 2", got)
		}
		if err := a.Clear(context.Background(), "email:sari@example.com"); err != nil {
			t.Fatal(err)
		}
		if got := failures(t, b, "email:sari@example.com"); got != 0 {
			t.Errorf("cleared on one client, %d on the other", got)
		}
	})

	// What Redis holds names no email or address, and every count ends.
	t.Run("keys", func(t *testing.T) {
		r, client, prefix := newRedis(t, "install secret")
		fail(t, r, time.Minute, "addr:10.0.0.1", "email:sari@example.com")
		ctx := context.Background()
		keys, err := client.Keys(ctx, prefix+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 {
			t.Fatalf("keys %v, want two", keys)
		}
		for _, k := range keys {
			if strings.Contains(k, "sari") || strings.Contains(k, "10.0.0.1") || !strings.HasPrefix(k, prefix) {
				t.Errorf("key %q names what it counts, or lacks the prefix %q", k, prefix)
			}
			if ttl := client.PTTL(ctx, k).Val(); ttl <= 0 || ttl > time.Minute {
				t.Errorf("key %q expires in %v, want within the minute", k, ttl)
			}
		}
		// Another install's secret names the same email differently.
		other := throttle.NewRedis(client, prefix, []byte("another secret"))
		if got := failures(t, other, "email:sari@example.com"); got != 0 {
			t.Errorf("another secret reads the count: %d", got)
		}
	})

	// A window ends with its key's expiry; the next failure starts a new one.
	t.Run("window", func(t *testing.T) {
		r, _, _ := newRedis(t, "s")
		const win = 300 * time.Millisecond
		fail(t, r, win, "k")
		fail(t, r, win, "k")
		if got := failures(t, r, "k"); got != 2 {
			t.Fatalf("two failures in one window: %d", got)
		}
		testkit.WaitFor(t, 10*time.Second, "the window to end", func() bool { return failures(t, r, "k") == 0 })
		fail(t, r, win, "k")
		if got := failures(t, r, "k"); got != 1 {
			t.Errorf("a failure after the window starts a new one: %d, want 1", got)
		}
	})

	// Redis down: every call says so, none hangs or panics.
	t.Run("down", func(t *testing.T) {
		client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
		t.Cleanup(func() { client.Close() })
		r := throttle.NewRedis(client, "serentak:signin:", nil)
		ctx := context.Background()
		if err := r.Fail(ctx, time.Minute, "k"); err == nil {
			t.Error("Fail on a Redis that is down: no error")
		}
		if _, err := r.Failures(ctx, "k"); err == nil {
			t.Error("Failures on a Redis that is down: no error")
		}
		if err := r.Clear(ctx, "k"); err == nil {
			t.Error("Clear on a Redis that is down: no error")
		}
	})
}

// BenchmarkRedis is what the shared count adds to a sign-in: one
// Failures before it, and one Fail after a refusal (two keys each), on
// SERENTAK_TEST_REDIS_URL or the in-process Redis.
func BenchmarkRedis(b *testing.B) {
	client, prefix := redistest.Prefixed(b)
	r := throttle.NewRedis(client, prefix, []byte("s"))
	ctx := context.Background()
	keys := []string{"addr:10.0.0.1", "email:sari@example.com"}
	b.Run("Failures", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.Failures(ctx, keys...); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Fail", func(b *testing.B) {
		for b.Loop() {
			if err := r.Fail(ctx, time.Minute, keys...); err != nil {
				b.Fatal(err)
			}
		}
	})
}
