package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/throttle"
)

// signInOn tries a sign-in on srv and returns the status.
func signInOn(t *testing.T, srv *httptest.Server, email, password string) int {
	t.Helper()
	raw, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := srv.Client().Post(srv.URL+"/v1/sessions", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Two API processes on one Redis count failed sign-ins together: five
// failures on each, and the 11th attempt is refused on either, even with
// the right password.
func TestSignInThrottledAcrossProcesses(t *testing.T) {
	client, prefix := redistest.Prefixed(t)
	prefix += "serentak:signin:"
	secret := []byte("install secret")
	b := setup(t, func(c *api.Config) { c.SignInFailures = throttle.NewRedis(client, prefix, secret) })
	api.SetSignInDelay(b.server, time.Millisecond)
	b.user("sari@example.com")

	// The second process has a Redis client (and a memory) of its own.
	o := client.Options()
	other := redis.NewClient(&redis.Options{Addr: o.Addr, DB: o.DB, Username: o.Username, Password: o.Password})
	t.Cleanup(func() { other.Close() })
	secondAPI := api.New(api.Config{Store: b.store, Blobs: b.blobs, Signer: b.signer, AdminKey: adminKey,
		Now: func() time.Time { return b.now }, SignInFailures: throttle.NewRedis(other, prefix, secret)})
	api.SetSignInDelay(secondAPI, time.Millisecond)
	second := httptest.NewServer(secondAPI.Handler())
	t.Cleanup(second.Close)

	for i := range 10 {
		srv := b.srv
		if i%2 == 1 {
			srv = second
		}
		if got := signInOn(t, srv, "sari@example.com", "wrong password "+string(rune('a'+i))); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, got)
		}
	}
	if got := signInOn(t, second, "sari@example.com", testPassword); got != http.StatusTooManyRequests {
		t.Errorf("the 11th attempt, on the second process: %d, want 429", got)
	}
	if got := signInOn(t, b.srv, "budi@example.com", testPassword); got != http.StatusTooManyRequests {
		t.Errorf("another email from the same address, on the first process: %d, want 429", got)
	}
	keys, err := client.Keys(t.Context(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || strings.Contains(strings.Join(keys, " "), "sari") {
		t.Fatalf("Redis holds %v, want two keys (the address, the email), neither in clear", keys)
	}

	// A success on one process clears the email's count for both; the
	// address's count stays.
	client.Del(t.Context(), keys...)
	for range 3 {
		signInOn(t, b.srv, "sari@example.com", "wrong password")
	}
	if got := signInOn(t, second, "sari@example.com", testPassword); got != http.StatusCreated {
		t.Fatalf("the right password after three failures: %d, want 201", got)
	}
	var counts []string
	for _, k := range keys {
		counts = append(counts, client.Get(t.Context(), k).Val())
	}
	if strings.Join(counts, "+") != "3+" && strings.Join(counts, "+") != "+3" {
		t.Errorf("counts after a success: %q, want the address's 3 and no count for the email", counts)
	}
}

// With Redis down sign-in still works (fail open), the log says why the
// count is local, and this process's own count still refuses the 11th
// attempt.
func TestSignInWithRedisDown(t *testing.T) {
	// Nothing listens on port 1; one dial per call keeps the test short.
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { down.Close() })
	b := setup(t, func(c *api.Config) { c.SignInFailures = throttle.NewRedis(down, "serentak:signin:", nil) })
	api.SetSignInDelay(b.server, time.Millisecond)
	b.user("sari@example.com")
	b.signIn("sari@example.com", testPassword)
	if !strings.Contains(b.logs.String(), "check Redis") {
		t.Errorf("no warning that the shared count is unreachable in the log:\n%s", b.logs.String())
	}
	for range 10 {
		b.expectError(b.do("POST", "/v1/sessions", "", map[string]any{"email": "sari@example.com", "password": "wrong password"}), http.StatusUnauthorized, "unauthorized")
	}
	b.expectError(b.do("POST", "/v1/sessions", "", map[string]any{"email": "sari@example.com", "password": testPassword}), http.StatusTooManyRequests, "rate_limited")
	if strings.Contains(b.logs.String(), "sari@example.com") {
		t.Error("the email is in the log")
	}
}
