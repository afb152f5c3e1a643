// Package redistest gives a test its own Redis: the real server named by
// SERENTAK_TEST_REDIS_URL when set (CI sets it), else an in-process one.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/embedredis"
)

// Redis is one test's Redis.
type Redis struct {
	// Opt connects Asynq clients and servers.
	Opt asynq.RedisClientOpt
	// Client is a plain client for assertions and fault injection.
	Client *redis.Client
	// Embedded is the in-process server, nil against a real Redis.
	Embedded *embedredis.Server
}

// New returns a Redis emptied for the test. Against a real server, tests
// that use it must not run in parallel with each other (CI runs the queue
// packages with -p 1): they share its keyspace.
func New(t testing.TB) *Redis {
	t.Helper()
	r := &Redis{}
	if url := os.Getenv("SERENTAK_TEST_REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatalf("SERENTAK_TEST_REDIS_URL: %v", err)
		}
		r.Opt = asynq.RedisClientOpt{Addr: opt.Addr, DB: opt.DB, Password: opt.Password, Username: opt.Username}
	} else {
		srv, err := embedredis.Start("")
		if err != nil {
			t.Fatalf("embedded redis: %v", err)
		}
		t.Cleanup(srv.Close)
		r.Embedded = srv
		r.Opt = asynq.RedisClientOpt{Addr: srv.Addr()}
	}
	r.Client = redis.NewClient(&redis.Options{Addr: r.Opt.Addr, DB: r.Opt.DB, Password: r.Opt.Password, Username: r.Opt.Username})
	t.Cleanup(func() { r.Client.Close() })
	r.FlushAll(t)
	return r
}

// Real reports whether this is a real Redis server.
func (r *Redis) Real() bool { return r.Embedded == nil }

// FlushAll empties the database, as an operator's FLUSHALL (or a restart
// without persistence) would.
func (r *Redis) FlushAll(t testing.TB) {
	t.Helper()
	if err := r.Client.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("flush redis: %v", err)
	}
}

// Prefixed is a test's share of a Redis it must not empty: a client and a
// key prefix of the test's own. Against SERENTAK_TEST_REDIS_URL the server
// is shared with other tests (and, on a developer's machine, with other
// work), so the test keeps to its prefix and its keys are deleted at its
// end; without it the test gets an in-process Redis of its own, and the
// prefix still applies.
func Prefixed(t testing.TB) (client *redis.Client, prefix string) {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	prefix = "test:" + hex.EncodeToString(b[:]) + ":"
	url := os.Getenv("SERENTAK_TEST_REDIS_URL")
	if url == "" {
		srv, err := embedredis.Start("")
		if err != nil {
			t.Fatalf("embedded redis: %v", err)
		}
		t.Cleanup(srv.Close)
		url = "redis://" + srv.Addr()
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("SERENTAK_TEST_REDIS_URL: %v", err)
	}
	client = redis.NewClient(opt)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		client.Close()
	})
	return client, prefix
}
