package clicks_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/clicks"
	"github.com/serentak/serentak/embedredis/redistest"
)

// realRedis is a share of the Redis named by SERENTAK_TEST_REDIS_URL (a
// prefix of the test's own, its keys deleted at its end); the test is
// skipped without one.
func realRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	if os.Getenv("SERENTAK_TEST_REDIS_URL") == "" {
		t.Skip("SERENTAK_TEST_REDIS_URL is not set: no Redis to remember clicks in")
	}
	return redistest.Prefixed(t)
}

// Two API processes (two Redis of the same install) agree on what is a
// repeat; another install (another secret) keeps its own.
func TestRedisRepeatsAcrossProcesses(t *testing.T) {
	client, prefix := realRedis(t)
	secret := []byte("install secret")
	exerciseRepeats(t, clicks.NewRedis(client, prefix, secret, nil), clicks.NewRedis(client, prefix, secret, nil))
	other := clicks.NewRedis(client, prefix, []byte("another install"), nil)
	if !other.First(context.Background(), t0, 10*time.Minute, "203.0.113.7", "Instagram 300", "pst_1") {
		t.Error("another install's click is a repeat")
	}
}

// What Redis holds says nothing of the client: one key a click, a keyed
// hash that changes with the day, kept for the window only.
func TestRedisRepeatsKeepNoAddress(t *testing.T) {
	client, prefix := realRedis(t)
	ctx := context.Background()
	r := clicks.NewRedis(client, prefix, []byte("install secret"), nil)
	const win = 30 * time.Minute
	r.First(ctx, t0, win, "203.0.113.7", "Instagram 300", "7k2m9qa")
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("keys %v, want one", keys)
	}
	name := strings.TrimPrefix(keys[0], prefix)
	v, _ := client.Get(ctx, keys[0]).Result()
	if len(name) != 64 || strings.Contains(name, "203.0.113.7") || strings.Contains(v, "203") || strings.Contains(v, "Instagram") {
		t.Errorf("key %q holds %q", name, v)
	}
	if ttl := client.PTTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > win {
		t.Errorf("kept for %v, want at most the window, %v", ttl, win)
	}
	// The same day, however late: the same key. The next day: another.
	if r.First(ctx, t0.Add(3*time.Hour), 24*time.Hour, "203.0.113.7", "Instagram 300", "7k2m9qa") {
		t.Error("the same client's key changed within a day")
	}
	if !r.First(ctx, t0.Add(24*time.Hour), win, "203.0.113.7", "Instagram 300", "7k2m9qa") {
		t.Error("the salt did not change with the day")
	}
}

// With Redis down, a process still answers, from its own memory.
func TestRedisRepeatsWhenRedisIsDown(t *testing.T) {
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { down.Close() })
	r := clicks.NewRedis(down, "test:", []byte("s"), nil)
	ctx := context.Background()
	if !r.First(ctx, t0, time.Minute, "a", "ua", "code") {
		t.Error("the first click with Redis down is not first")
	}
	if r.First(ctx, t0.Add(time.Second), time.Minute, "a", "ua", "code") {
		t.Error("a repeat with Redis down is first: this process's memory does not decide")
	}
}
