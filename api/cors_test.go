package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/serentak/serentak/api"
)

// corsHeaders are the Access-Control-* headers of an answer.
func corsHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			out[k] = strings.Join(v, ", ")
		}
	}
	return out
}

// Browser apps on the origins of SERENTAK_CORS_ORIGINS get their
// preflight answered and may read the answers, with credentials; other
// origins get no CORS header at all.
func TestCORS(t *testing.T) {
	const app = "https://app.example.com"
	b := setup(t, func(c *api.Config) { c.CORSOrigins = []string{app, "http://localhost:5173"} })
	ws, key := b.workspace("Toko Budi")
	posts := "/v1/workspaces/" + ws + "/posts"

	t.Run("preflight", func(t *testing.T) {
		r := b.do("OPTIONS", posts, "", nil, "Origin", app, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
		if r.status != http.StatusNoContent {
			t.Fatalf("preflight: %d %s", r.status, r.body)
		}
		h := r.header
		if h.Get("Access-Control-Allow-Origin") != app || h.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("preflight allows %v", corsHeaders(h))
		}
		for _, m := range []string{"GET", "HEAD", "POST", "PATCH", "DELETE", "PUT"} {
			if !strings.Contains(h.Get("Access-Control-Allow-Methods"), m) {
				t.Errorf("Allow-Methods %q lacks %s", h.Get("Access-Control-Allow-Methods"), m)
			}
		}
		for _, hd := range []string{"Authorization", "Content-Type", "Idempotency-Key", "Upload-Offset", "Upload-Length", "Tus-Resumable"} {
			if !strings.Contains(h.Get("Access-Control-Allow-Headers"), hd) {
				t.Errorf("Allow-Headers %q lacks %s", h.Get("Access-Control-Allow-Headers"), hd)
			}
		}
		if h.Get("Access-Control-Max-Age") != "7200" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
			t.Errorf("Max-Age %q, Vary %q", h.Get("Access-Control-Max-Age"), h.Values("Vary"))
		}
	})

	t.Run("request", func(t *testing.T) {
		r := b.do("GET", "/v1/workspaces/"+ws, key, nil, "Origin", app)
		b.expect(r, http.StatusOK)
		h := r.header
		if h.Get("Access-Control-Allow-Origin") != app || h.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("answer allows %v", corsHeaders(h))
		}
		for _, hd := range []string{"Location", "RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-ID", "Upload-Offset"} {
			if !strings.Contains(h.Get("Access-Control-Expose-Headers"), hd) {
				t.Errorf("Expose-Headers %q lacks %s", h.Get("Access-Control-Expose-Headers"), hd)
			}
		}
		// Error answers too: the app must read why.
		r = b.do("GET", "/v1/workspaces/"+ws, "", nil, "Origin", app)
		if r.status != http.StatusUnauthorized || r.header.Get("Access-Control-Allow-Origin") != app {
			t.Errorf("401: %d, %v", r.status, corsHeaders(r.header))
		}
	})

	t.Run("unlisted origin", func(t *testing.T) {
		for _, r := range []response{
			b.do("OPTIONS", posts, "", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST"),
			b.do("GET", "/v1/workspaces/"+ws, key, nil, "Origin", "https://evil.example"),
			b.do("GET", "/v1/workspaces/"+ws, key, nil, "Origin", "https://app.example.com.evil.example"),
			b.do("GET", "/v1/workspaces/"+ws, key, nil, "Origin", "http://app.example.com"), // another scheme
		} {
			if h := corsHeaders(r.header); len(h) != 0 {
				t.Errorf("an unlisted origin got %v", h)
			}
		}
	})

	// "*": any origin, never with credentials; listed ones keep theirs.
	t.Run("any", func(t *testing.T) {
		any := setup(t, func(c *api.Config) { c.CORSOrigins = []string{"*", app} })
		r := any.do("GET", "/healthz", "", nil, "Origin", "https://elsewhere.example")
		if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("* gives %v", corsHeaders(r.header))
		}
		r = any.do("GET", "/healthz", "", nil, "Origin", app)
		if r.header.Get("Access-Control-Allow-Origin") != app || r.header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("a listed origin beside * gets %v", corsHeaders(r.header))
		}
	})

	t.Run("off", func(t *testing.T) {
		off := setup(t)
		r := off.do("GET", "/healthz", "", nil, "Origin", app)
		if h := corsHeaders(r.header); len(h) != 0 || len(r.header.Values("Vary")) != 0 {
			t.Errorf("without SERENTAK_CORS_ORIGINS: %v, Vary %v", h, r.header.Values("Vary"))
		}
	})
}
