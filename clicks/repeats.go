package clicks

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Repeats remembers recent clicks, to count a person's click once however
// often they tap: Memory in this process, Redis across every API process
// of an install. Neither keeps what identifies a click (an address, a
// User-Agent), only a keyed hash of it.
type Repeats interface {
	// First reports whether the click identified by parts (the client's
	// address, its User-Agent, the link) is the first within window
	// before now, and remembers it. A repeat does not extend the window.
	// It always answers: a store that fails decides from this process's
	// memory.
	First(ctx context.Context, now time.Time, window time.Duration, parts ...string) bool
}

var (
	_ Repeats = (*Memory)(nil)
	_ Repeats = (*Redis)(nil)
)

// sum is the keyed hash of a click's parts, each ended by a zero byte so
// that "ab"+"c" is not "a"+"bc".
func sum(key []byte, parts []string) [sha256.Size]byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	var h [sha256.Size]byte
	copy(h[:], m.Sum(nil))
	return h
}

// Memory remembers clicks in this process. It keeps only an HMAC-SHA-256
// under a random key made at start, never written anywhere, so no address
// is kept, even in memory, and the hashes mean nothing after a restart.
type Memory struct {
	key [32]byte

	mu sync.Mutex
	// seen is when each click's window ends.
	seen map[[sha256.Size]byte]time.Time
}

// maxRemembered bounds the memory a Memory uses (about 60 bytes a click):
// past it, clicks whose window has ended are forgotten, and if every one
// is recent, all are (a burst is then counted as first clicks rather than
// filling the memory).
const maxRemembered = 200_000

// NewMemory remembers clicks in this process.
func NewMemory() *Memory {
	r := &Memory{seen: map[[sha256.Size]byte]time.Time{}}
	rand.Read(r.key[:]) // cannot fail (Go 1.24 and later)
	return r
}

// First is Repeats.First, in this process.
func (r *Memory) First(_ context.Context, now time.Time, window time.Duration, parts ...string) bool {
	h := sum(r.key[:], parts)
	r.mu.Lock()
	defer r.mu.Unlock()
	if until, ok := r.seen[h]; ok && now.Before(until) {
		return false
	}
	if len(r.seen) >= maxRemembered {
		maps.DeleteFunc(r.seen, func(_ [sha256.Size]byte, until time.Time) bool { return !now.Before(until) })
		if len(r.seen) >= maxRemembered {
			clear(r.seen)
		}
	}
	r.seen[h] = now.Add(window)
	return true
}

// redisTimeout bounds one question to Redis, so a Redis that hangs
// delays the counts by this much a click at most, never the redirect
// (Counter decides repeats in the background).
const redisTimeout = 250 * time.Millisecond

// Redis remembers clicks in Redis, so that every API process of an
// install agrees on what is a repeat. A click is one key, SET NX with the
// window as its expiry: prefix + HMAC-SHA-256 of its parts under a salt
// that changes every day (itself an HMAC of the date under the install's
// secret), so a key says nothing of the address, and today's cannot be
// linked to yesterday's without the secret. Nothing else is written.
//
// When Redis fails or is slow, this process's memory decides (a repeat
// across processes is then counted again), and that is logged once, as
// is Redis answering again.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
	secret []byte
	local  *Memory
	log    *slog.Logger
	// down is whether the last question to Redis failed.
	down atomic.Bool
}

// NewRedis remembers clicks in rdb under prefix. Every API process of an
// install must have the same secret; an empty one is random, this
// process's own (repeats are then told apart per process only). log gets
// Redis failing and answering again (nil: nowhere).
func NewRedis(rdb redis.UniversalClient, prefix string, secret []byte, log *slog.Logger) *Redis {
	if len(secret) == 0 {
		secret = []byte(rand.Text())
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Redis{rdb: rdb, prefix: prefix, secret: secret, local: NewMemory(), log: log}
}

// key is the Redis key of the click identified by parts at now: the same
// all day (UTC), another the next.
func (r *Redis) key(now time.Time, parts ...string) string {
	day := hmac.New(sha256.New, r.secret)
	day.Write([]byte("click-salt:" + now.UTC().Format(time.DateOnly)))
	h := sum(day.Sum(nil), parts)
	return r.prefix + hex.EncodeToString(h[:])
}

// First is Repeats.First, in Redis; in this process's memory when Redis
// does not answer within 250 ms.
func (r *Redis) First(ctx context.Context, now time.Time, window time.Duration, parts ...string) bool {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	first, err := r.rdb.SetNX(ctx, r.key(now, parts...), 1, max(window, time.Millisecond)).Result()
	if err != nil {
		if r.down.CompareAndSwap(false, true) {
			r.log.Warn("clicks: Redis does not answer; repeated clicks are told apart by each API process alone until it does", "error", err.Error())
		}
		return r.local.First(ctx, now, window, parts...)
	}
	if r.down.CompareAndSwap(true, false) {
		r.log.Info("clicks: Redis answers again; repeated clicks are told apart across API processes")
	}
	return first
}
