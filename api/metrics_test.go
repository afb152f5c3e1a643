package api_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak/api"
)

// GET /metrics is the operator's; SERENTAK_METRICS_PUBLIC opens it to
// anyone; a process given no metrics answers 404 in the error shape.
func TestMetricsAccess(t *testing.T) {
	b := setup(t)
	b.expectError(b.do("GET", "/metrics", "", nil), http.StatusUnauthorized, "unauthorized")
	if r := b.do("GET", "/metrics", adminKey, nil); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("GET /metrics with the operator key = %d %s, want 200 text/plain", r.status, r.header.Get("Content-Type"))
	}

	open := setup(t, func(c *api.Config) { c.MetricsPublic = true })
	if r := open.do("GET", "/metrics", "", nil); r.status != 200 || !strings.Contains(string(r.body), "serentak_deliveries_total") {
		t.Errorf("public GET /metrics without a key = %d, want 200 with the series\n%.300s", r.status, r.body)
	}

	none := setup(t, func(c *api.Config) { c.Metrics = nil })
	none.expectError(none.do("GET", "/metrics", adminKey, nil), http.StatusNotFound, "not_found")
}

// Requests are observed by route template, never by path: the label
// values stay few, and no ID becomes one.
func TestRequestsObservedByRoute(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	b := setup(t, func(c *api.Config) {
		c.ObserveRequestFunc = func(method, route string, status int, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, method+" "+route+" "+http.StatusText(status))
		}
	})
	ws, key := b.workspace("Toko Route")
	b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts", key, nil), http.StatusOK)
	b.do("GET", "/no/such/"+ws, key, nil)

	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(seen, "\n")
	if !strings.Contains(joined, "GET /v1/workspaces/:ws/posts OK") {
		t.Errorf("no observation of the route template GET /v1/workspaces/:ws/posts:\n%s", joined)
	}
	if !strings.Contains(joined, "GET  Not Found") {
		t.Errorf("an unmatched path is not observed with an empty route:\n%s", joined)
	}
	if strings.Contains(joined, ws) {
		t.Errorf("an observation carries the workspace ID %s:\n%s", ws, joined)
	}
}
