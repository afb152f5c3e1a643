package throttle

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis counts in Redis, shared by every process that uses the same
// Redis and prefix. Windows follow Redis's clock (key expiry).
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
	secret []byte
}

// NewRedis counts in rdb under keys prefix + a hash of each key. The keys
// a caller counts (an email, an address) never reach Redis in clear: each
// is named by HMAC-SHA256 under secret, so that someone who reads Redis
// cannot even confirm a guessed email without the install's secret. An
// empty secret falls back to a plain SHA-256 (tests).
func NewRedis(rdb redis.UniversalClient, prefix string, secret []byte) *Redis {
	return &Redis{rdb: rdb, prefix: prefix, secret: secret}
}

// name is the Redis key that counts key.
func (r *Redis) name(key string) string {
	var sum []byte
	if len(r.secret) > 0 {
		h := hmac.New(sha256.New, r.secret)
		h.Write([]byte(key))
		sum = h.Sum(nil)
	} else {
		s := sha256.Sum256([]byte(key))
		sum = s[:]
	}
	return r.prefix + hex.EncodeToString(sum)
}

// failScript counts one failure against KEYS[1]: a SET … NX PX starts a
// window of ARGV[1] ms only where none is running, then INCR counts (and
// keeps the expiry). One script, so no count is ever left without its
// expiry and two processes cannot both start a window.
var failScript = redis.NewScript(`
redis.call('SET', KEYS[1], 0, 'PX', ARGV[1], 'NX')
return redis.call('INCR', KEYS[1])`)

// Fail counts a failure against each key, in one round trip: one script
// per key, pipelined. (One script per key rather than one for all: the
// keys may hash to different nodes of a Redis Cluster, which go-redis
// routes a pipeline's commands to, but a script's or a MULTI's keys must
// share a node.)
func (r *Redis) Fail(ctx context.Context, win time.Duration, keys ...string) error {
	if win < time.Millisecond {
		return errors.New("throttle: a window shorter than a millisecond")
	}
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			failScript.Eval(ctx, p, []string{r.name(k)}, win.Milliseconds())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("count a failure in Redis: %w", err)
	}
	return nil
}

// Failures is the highest count among the keys' live windows, in one
// round trip.
func (r *Redis) Failures(ctx context.Context, keys ...string) (int, error) {
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, r.name(k))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("read failure counts in Redis: %w", err)
	}
	n := 0
	for _, c := range cmds {
		v, err := c.Int()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read a failure count in Redis: %w", err)
		}
		n = max(n, v)
	}
	return n, nil
}

// Clear forgets key's count.
func (r *Redis) Clear(ctx context.Context, key string) error {
	if err := r.rdb.Del(ctx, r.name(key)).Err(); err != nil {
		return fmt.Errorf("clear a failure count in Redis: %w", err)
	}
	return nil
}
