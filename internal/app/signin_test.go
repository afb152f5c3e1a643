package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// serve counts failed sign-ins in its (embedded) Redis, where every API
// process of an install would count them, and names them by hash only.
func TestServeCountsSignInsInRedis(t *testing.T) {
	a := New(testConfig(t, nil), Serve, io.Discard)
	addr := start(t, a)
	res, err := http.Post("http://"+addr+"/v1/sessions", "application/json",
		strings.NewReader(`{"email":"sari@example.com","password":"not the password"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong sign-in: %d, want 401", res.StatusCode)
	}
	rdb := redis.NewClient(&redis.Options{Addr: a.redis.(asynq.RedisClientOpt).Addr})
	t.Cleanup(func() { rdb.Close() })
	keys, err := rdb.Keys(context.Background(), "serentak:signin:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("sign-in counters in Redis: %v, want two (the address and the email)", keys)
	}
	for _, k := range keys {
		if strings.Contains(k, "sari") || strings.Contains(k, "127.0.0.1") {
			t.Errorf("the counter %q names what it counts", k)
		}
		if n, _ := rdb.Get(context.Background(), k).Int(); n != 1 {
			t.Errorf("the counter %q = %d, want 1", k, n)
		}
	}
}
