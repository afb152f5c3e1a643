package app

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/embedredis"
)

// TestRetentionTurnOncePerPeriod: of the scheduler replicas waking in the
// same hour, one gets the turn to prune.
func TestRetentionTurnOncePerPeriod(t *testing.T) {
	srv, err := embedredis.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	var got []bool
	for range 3 {
		rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr()}})
		defer rdb.Close()
		ok, err := takeRetentionTurn(ctx, rdb, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ok)
	}
	if !got[0] || got[1] || got[2] {
		t.Errorf("three replicas in one hour took the turn: %v, want only the first", got)
	}
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr()}})
	defer rdb.Close()
	if ttl := rdb.TTL(ctx, retentionTurnKey).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("the turn's expiry is %v, want under the period, so the next hour has a turn", ttl)
	}
}
