package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/throttle"
)

// roundRobin is a load balancer in front of several API processes: each
// request goes to the next.
func roundRobin(t *testing.T, servers []*api.Server) (*httptest.Server, []*atomic.Int32) {
	t.Helper()
	var n atomic.Uint64
	hits := make([]*atomic.Int32, len(servers))
	for i := range hits {
		hits[i] = &atomic.Int32{}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)-1) % len(servers)
		hits[i].Add(1)
		servers[i].Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

func get(t *testing.T, url, key string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// Three API processes behind a round-robin balancer, sharing one Redis,
// enforce one limit per key: the burst once in all, not once each. The
// answers say so in the RateLimit fields of the IETF draft, and a 429
// says when to retry.
func TestRateLimitAcrossProcesses(t *testing.T) {
	client, prefix := redistest.Prefixed(t)
	const burst = 6
	limit := func(shared bool) func(*api.Config) {
		return func(c *api.Config) {
			c.RateLimit = 1.0 / 60 // one a minute: the test's own time refills nothing
			c.RateBurst = burst
			if shared {
				c.RateLimits = throttle.NewRedis(client, prefix+"rate:", []byte("install secret"))
			}
		}
	}
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			b := setup(t, limit(shared))
			ws, key := b.workspace("Toko Budi")
			servers := []*api.Server{b.server}
			for range 2 {
				cfg := api.Config{Store: b.store, Blobs: b.blobs, Signer: b.signer, AdminKey: adminKey}
				limit(shared)(&cfg)
				servers = append(servers, api.New(cfg))
			}
			lb, hits := roundRobin(t, servers)
			url := lb.URL + "/v1/workspaces/" + ws
			allowed := 0
			var refused *http.Response
			for range 3 * burst {
				res := get(t, url, key)
				if res.StatusCode == http.StatusTooManyRequests {
					refused = res
					break
				}
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET: %d", res.StatusCode)
				}
				allowed++
				if got, want := res.Header.Get("RateLimit-Policy"), `"key";q=6;w=360`; got != want {
					t.Errorf("RateLimit-Policy %q, want %q", got, want)
				}
				if shared {
					want := fmt.Sprintf(`"key";r=%d;t=%d`, burst-allowed, 60*allowed)
					if got := res.Header.Get("RateLimit"); got != want {
						t.Errorf("request %d: RateLimit %q, want %q", allowed, got, want)
					}
				}
			}
			for i, h := range hits {
				if h.Load() < 2 {
					t.Fatalf("process %d had %d requests: not round robin", i, h.Load())
				}
			}
			if !shared {
				// Each process on its own count lets through its own burst:
				// what the shared count prevents.
				if refused != nil {
					t.Fatalf("three processes, each on its own count, refused after %d", allowed)
				}
				return
			}
			if allowed != burst || refused == nil {
				t.Fatalf("allowed %d of %d, then %v; want one burst of %d in all", allowed, 3*burst, refused != nil, burst)
			}
			if s, err := strconv.Atoi(refused.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
				t.Errorf("429 Retry-After %q, want 1 to 60 seconds", refused.Header.Get("Retry-After"))
			}
			if got := refused.Header.Get("RateLimit"); !strings.HasPrefix(got, `"key";r=0;`) {
				t.Errorf("429 RateLimit %q, want r=0", got)
			}
			// Another key has an allowance of its own.
			if res := get(t, url, adminKey); res.StatusCode != http.StatusOK {
				t.Errorf("the operator after another key's limit: %d", res.StatusCode)
			}
		})
	}
}

// With the shared count down, the limit falls back on each process's own
// count (fail open, as sign-in throttling does) and warns once, not once
// per request.
func TestRateLimitRedisDown(t *testing.T) {
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { down.Close() })
	b := setup(t, func(c *api.Config) {
		c.RateLimit = 1.0 / 60
		c.RateBurst = 2
		c.RateLimits = throttle.NewRedis(down, "rate:", nil)
	})
	ws, key := b.workspace("Toko Budi")
	path := "/v1/workspaces/" + ws
	b.expect(b.do("GET", path, key, nil), http.StatusOK)
	b.expect(b.do("GET", path, key, nil), http.StatusOK)
	b.expectError(b.do("GET", path, key, nil), http.StatusTooManyRequests, "rate_limited")
	if n := strings.Count(b.logs.String(), "the rate limit falls back on this process's count"); n != 1 {
		t.Errorf("%d warnings for 3 requests, want 1:\n%s", n, b.logs.String())
	}
}

// Failed authentications are limited per client address: past the
// limit the address is answered 429, even with a good key, until the
// window ends.
func TestAuthFailuresLimited(t *testing.T) {
	b := setup(t, func(c *api.Config) { c.AuthFailureLimit = 0 }) // the default, 20
	ws, key := b.workspace("Toko Budi")
	path := "/v1/workspaces/" + ws
	for i := range api.DefaultAuthFailureLimit {
		if r := b.do("GET", path, "sk_not-a-key-"+strconv.Itoa(i), nil); r.status != http.StatusUnauthorized {
			t.Fatalf("bad key %d: %d, want 401", i+1, r.status)
		}
	}
	r := b.do("GET", path, key, nil)
	b.expectError(r, http.StatusTooManyRequests, "rate_limited")
	if r.header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After %q, want 60", r.header.Get("Retry-After"))
	}
	// No key at all is not a failed guess: not counted, still 401.
	b.expectError(b.do("GET", path, "", nil), http.StatusUnauthorized, "unauthorized")
	b.now = b.now.Add(time.Minute)
	b.expect(b.do("GET", path, key, nil), http.StatusOK)
}

// Failed authentications are counted across the API processes of an
// installation (the shared count of sign-in throttling): 20 failures
// spread over three processes close the address on all of them.
func TestAuthFailuresAcrossProcesses(t *testing.T) {
	client, prefix := redistest.Prefixed(t)
	shared := func(c *api.Config) {
		c.AuthFailureLimit = 0
		c.SignInFailures = throttle.NewRedis(client, prefix+"signin:", []byte("install secret"))
	}
	b := setup(t, shared)
	ws, key := b.workspace("Toko Budi")
	servers := []*api.Server{b.server}
	for range 2 {
		cfg := api.Config{Store: b.store, Blobs: b.blobs, Signer: b.signer, AdminKey: adminKey}
		shared(&cfg)
		servers = append(servers, api.New(cfg))
	}
	lb, _ := roundRobin(t, servers)
	url := lb.URL + "/v1/workspaces/" + ws
	for i := range api.DefaultAuthFailureLimit {
		if res := get(t, url, "sk_not-a-key-"+strconv.Itoa(i)); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad key %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	for i := range len(servers) {
		if res := get(t, url, key); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("good key on process %d after 20 failures over all: %d, want 429", i, res.StatusCode)
		}
	}
}
