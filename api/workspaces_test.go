package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/serentak/serentak/api"
)

func TestHealth(t *testing.T) {
	b := setup(t)
	m := b.expect(b.do("GET", "/healthz", "", nil), http.StatusOK)
	checkKeys(t, "healthz", m, "status")
	if m["status"] != "ok" {
		t.Fatalf("healthz = %v", m)
	}
	b.expect(b.do("GET", "/readyz", "", nil), http.StatusOK)

	// The 503 names what is down and nothing more: the dial error (with
	// internal addresses) is for the log, not for anyone who asks.
	const detail = "dial tcp 10.1.2.3:6379: connect: connection refused"
	for name, tt := range map[string]struct {
		err    error
		fields []string
	}{
		"one":     {api.Unready("redis", errors.New(detail)), []string{"redis"}},
		"both":    {errors.Join(api.Unready("database", errors.New(detail)), api.Unready("redis", errors.New(detail))), []string{"database", "redis"}},
		"unnamed": {errors.New(detail), []string{}},
	} {
		down := setup(t, func(c *api.Config) {
			c.ReadyFunc = func(ctx context.Context) error { return tt.err }
		})
		r := down.do("GET", "/readyz", "", nil)
		m = down.expectError(r, http.StatusServiceUnavailable, "unavailable", tt.fields...)
		if strings.Contains(string(r.body), "10.1.2.3") || strings.Contains(string(r.body), "dial") {
			t.Errorf("%s: readyz tells the dial error: %s", name, r.body)
		}
		for _, f := range tt.fields {
			if msg := m["error"].(map[string]any)["message"].(string); !strings.Contains(msg, f) {
				t.Errorf("%s: readyz message %q does not name %s", name, msg, f)
			}
		}
		if !strings.Contains(down.logs.String(), "10.1.2.3") {
			t.Errorf("%s: the log lacks the dial error: %s", name, down.logs.String())
		}
		// HEAD answers as GET, without a body (load balancers, probes).
		if r := down.do("HEAD", "/readyz", "", nil); r.status != http.StatusServiceUnavailable || len(r.body) != 0 {
			t.Errorf("%s: HEAD /readyz = %d with %d bytes, want 503 without a body", name, r.status, len(r.body))
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := b.do("HEAD", path, "", nil); r.status != http.StatusOK || len(r.body) != 0 {
			t.Errorf("HEAD %s = %d with %d bytes, want 200 without a body", path, r.status, len(r.body))
		}
	}
}

func TestAuth(t *testing.T) {
	b := setup(t)
	_, key := b.workspace("Toko Budi")
	for name, h := range map[string]string{
		"none":         "",
		"empty bearer": "Bearer ",
		"basic":        "Basic Zm9vOmJhcg==",
		"wrong key":    "Bearer sk_not-a-key",
		"admin prefix": "Bearer " + adminKey[:10],
	} {
		r := b.do("GET", "/v1/workspaces/ws_x", "", nil, "Authorization", h)
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, r.status)
			continue
		}
		checkErrorShape(t, r.body, "unauthorized")
	}
	// A workspace key may not create workspaces.
	b.expectError(b.do("POST", "/v1/workspaces", key, map[string]any{"name": "Other"}), http.StatusForbidden, "forbidden")
	// "bearer" in any case is the same scheme.
	ws, _ := b.workspace("Toko Sari")
	b.expect(b.do("GET", "/v1/workspaces/"+ws, "", nil, "Authorization", "bearer "+adminKey), http.StatusOK)
}

func TestRequestID(t *testing.T) {
	b := setup(t)
	r := b.do("GET", "/healthz", "", nil, "X-Request-ID", "abc-123")
	if got := r.header.Get("X-Request-ID"); got != "abc-123" {
		t.Fatalf("X-Request-ID = %q, want the caller's abc-123", got)
	}
	r = b.do("GET", "/healthz", "", nil)
	if got := r.header.Get("X-Request-ID"); len(got) < 16 {
		t.Fatalf("generated X-Request-ID = %q, want a random ID", got)
	}
	r = b.do("GET", "/healthz", "", nil, "X-Request-ID", "has space")
	if got := r.header.Get("X-Request-ID"); got == "has space" || got == "" {
		t.Fatalf("X-Request-ID = %q, want a fresh one instead of an unsafe one", got)
	}
}

func TestCreateWorkspace(t *testing.T) {
	b := setup(t)
	r := b.do("POST", "/v1/workspaces", adminKey, map[string]any{"name": "Toko Budi", "timezone": "Asia/Makassar"})
	m := b.expect(r, http.StatusCreated)
	checkKeys(t, "created workspace", m, "id", "name", "timezone", "language", "approval_required", "tracked_links", "api_key", "created_at")
	if !strings.HasPrefix(m["id"].(string), "ws_") || m["name"] != "Toko Budi" || m["timezone"] != "Asia/Makassar" {
		t.Fatalf("workspace = %v", m)
	}
	if k := m["api_key"].(string); !strings.HasPrefix(k, "sk_") || len(k) < 40 {
		t.Fatalf("api_key = %q, want sk_ and 32 random bytes", k)
	}
	if ca := m["created_at"].(string); !strings.HasSuffix(ca, "Z") {
		t.Fatalf("created_at = %q, want UTC", ca)
	}

	// The key works in its workspace; GET has no api_key.
	id, key := m["id"].(string), m["api_key"].(string)
	got := b.expect(b.do("GET", "/v1/workspaces/"+id, key, nil), http.StatusOK)
	checkKeys(t, "workspace", got, "id", "name", "timezone", "language", "approval_required", "tracked_links", "created_at")

	// Default timezone when absent.
	m = b.expect(b.do("POST", "/v1/workspaces", adminKey, map[string]any{"name": "Toko Sari"}), http.StatusCreated)
	if m["timezone"] != "Asia/Jakarta" {
		t.Fatalf("default timezone = %v, want Asia/Jakarta", m["timezone"])
	}
}

func TestCreateWorkspaceValidation(t *testing.T) {
	b := setup(t)
	long := strings.Repeat("a", 201)
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		fields []string
	}{
		{"no name", `{}`, 422, "validation_failed", []string{"name"}},
		{"blank name", `{"name":"   "}`, 422, "validation_failed", []string{"name"}},
		{"long name", `{"name":"` + long + `"}`, 422, "validation_failed", []string{"name"}},
		{"unknown timezone", `{"name":"x","timezone":"Mars/Olympus"}`, 422, "validation_failed", []string{"timezone"}},
		{"Local timezone", `{"name":"x","timezone":"Local"}`, 422, "validation_failed", []string{"timezone"}},
		{"empty timezone", `{"name":"x","timezone":" "}`, 422, "validation_failed", []string{"timezone"}},
		{"path timezone", `{"name":"x","timezone":"../../etc/passwd"}`, 422, "validation_failed", []string{"timezone"}},
		{"wrong type", `{"name":5}`, 422, "validation_failed", []string{"name"}},
		{"unknown field", `{"name":"x","timezon":"Asia/Jakarta"}`, 422, "validation_failed", []string{"timezon"}},
		{"malformed", `{"name":`, 400, "bad_request", nil},
		{"not an object", `["x"]`, 400, "bad_request", nil},
		{"trailing data", `{"name":"x"} {}`, 400, "bad_request", nil},
		{"empty body", ``, 400, "bad_request", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.do("POST", "/v1/workspaces", adminKey, tt.body, "Content-Type", "application/json")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			checkErrorShape(t, r.body, tt.code, tt.fields...)
		})
	}
	t.Run("content type", func(t *testing.T) {
		r := b.do("POST", "/v1/workspaces", adminKey, `{"name":"x"}`, "Content-Type", "text/plain")
		b.expectError(r, http.StatusBadRequest, "bad_request")
	})
	t.Run("curl -d without a content type is read as JSON", func(t *testing.T) {
		r := b.do("POST", "/v1/workspaces", adminKey, `{"name":"Toko Curl"}`, "Content-Type", "application/x-www-form-urlencoded")
		if r.status != http.StatusCreated {
			t.Fatalf("status %d, want 201: %s", r.status, r.body)
		}
	})
	t.Run("too large", func(t *testing.T) {
		body := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
		b.expectError(b.do("POST", "/v1/workspaces", adminKey, body), http.StatusRequestEntityTooLarge, "payload_too_large")
	})
}

func TestCreateKey(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", key, nil), http.StatusCreated)
	checkKeys(t, "key", m, "id", "name", "role", "api_key", "created_at")
	newKey := m["api_key"].(string)
	if !strings.HasPrefix(m["id"].(string), "key_") || !strings.HasPrefix(newKey, "sk_") || newKey == key {
		t.Fatalf("minted key = %v", m)
	}
	b.expect(b.do("GET", "/v1/workspaces/"+ws, newKey, nil), http.StatusOK)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", adminKey, nil), http.StatusCreated)
}

func TestUnknownRouteAndMethod(t *testing.T) {
	b := setup(t)
	b.expectError(b.do("GET", "/nope", "", nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("DELETE", "/healthz", "", nil), http.StatusMethodNotAllowed, "method_not_allowed")
}
