package main

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/metrics/metricstest"
)

// zeroAtStart are contract series (docs/api.md#metrics) that a fresh
// serve exports at zero, before anything has happened: a dashboard and an
// alert see 0, never a gap.
var zeroAtStart = [][]string{
	{"serentak_deliveries_total", "platform", "facebook", "outcome", "published"},
	{"serentak_deliveries_total", "platform", "tiktok", "outcome", "failed"},
	{"serentak_queue_due", "platform", "facebook"},
	{"serentak_accounts", "platform", "instagram", "status", "needs_reauth"},
	{"serentak_webhook_attempts_total", "outcome", "failed"},
	{"serentak_platform_errors_total", "platform", "youtube", "kind", "auth_expired"},
	{"serentak_queue_tasks", "queue", "publish-facebook", "state", "pending"},
}

// GET /metrics on serve: the operator's only, every contract series there
// from the start, and after one post published through the fake Graph
// API its delivery counted and its lateness observed; API durations are
// labelled by route template, never by an ID.
func TestMetricsServe(t *testing.T) {
	s := newSystem(t)
	if url := os.Getenv("SERENTAK_TEST_REDIS_URL"); url != "" {
		redistest.New(t)
		s.env["SERENTAK_REDIS_URL"] = url
	}
	s.base = s.start("serve")

	if code, out := s.call("GET", "/metrics", "", nil); code != http.StatusUnauthorized || out["error"] == nil {
		t.Errorf("GET /metrics without a key = %d %v, want 401 with the error body", code, out)
	}
	before := metricstest.Scrape(t, s.base+"/metrics", testAdminKey)
	for _, series := range zeroAtStart {
		if v, ok := before.Value(series[0], series[1:]...); !ok || v != 0 {
			t.Errorf("at start %v = %v (present: %v), want present at 0", series, v, ok)
		}
	}
	if n, ok := before.Count("serentak_publish_lateness_seconds", "platform", "facebook"); !ok || n != 0 {
		t.Errorf("at start the lateness histogram holds %d (present: %v), want present and empty", n, ok)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if before[name] == nil {
			t.Errorf("the Go runtime's and the process's %s are missing", name)
		}
	}

	ws, key, acc := s.tour()
	code, post := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, productPost(acc, time.Now()))
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	if done := s.waitPost(ws, key, post["id"].(string), "published", "failed"); done["status"] != "published" {
		t.Fatalf("post ended %v", done["status"])
	}
	// A workspace key, however strong in its workspace, reads no metrics.
	if code, _ := s.call("GET", "/metrics", key, nil); code != http.StatusForbidden {
		t.Errorf("GET /metrics with a workspace key = %d, want 403", code)
	}

	after := metricstest.Scrape(t, s.base+"/metrics", testAdminKey)
	if v, _ := after.Value("serentak_deliveries_total", "platform", "facebook", "outcome", "published"); v != 1 {
		t.Errorf(`serentak_deliveries_total{platform="facebook",outcome="published"} = %v, want 1`, v)
	}
	if n, _ := after.Count("serentak_publish_lateness_seconds", "platform", "facebook"); n != 1 {
		t.Errorf("the lateness histogram holds %d observations, want 1", n)
	}
	if n, _ := after.Count("serentak_platform_call_duration_seconds", "platform", "facebook", "result", "ok"); n != 1 {
		t.Errorf("platform calls to facebook that succeeded: %d, want 1", n)
	}
	if v, _ := after.Value("serentak_accounts", "platform", "facebook", "status", "active"); v != 1 {
		t.Errorf(`serentak_accounts{platform="facebook",status="active"} = %v, want 1`, v)
	}
	if n, _ := after.Count("serentak_api_request_duration_seconds", "method", "POST", "route", "/v1/workspaces/:ws/posts", "code", "201"); n != 1 {
		t.Errorf("API requests POST /v1/workspaces/:ws/posts 201: %d, want 1", n)
	}
	id := regexp.MustCompile(`(ws|acc|pst|dlv|key)_[A-Za-z0-9]`)
	for _, v := range after.LabelValues() {
		if id.MatchString(v) || strings.Contains(v, ws) {
			t.Errorf("a label value carries an ID: %q", v)
		}
	}
}

// SERENTAK_METRICS_PUBLIC=true serves /metrics to anyone.
func TestMetricsPublic(t *testing.T) {
	s := newSystem(t)
	s.env["SERENTAK_METRICS_PUBLIC"] = "true"
	s.base = s.start("serve")
	got := metricstest.Scrape(t, s.base+"/metrics", "")
	if got["serentak_deliveries_total"] == nil {
		t.Error("the public /metrics lacks serentak_deliveries_total")
	}
}

// Worker and scheduler processes serve /metrics on SERENTAK_METRICS_ADDR,
// to the operator key only. The gauges read from the database and Redis
// come from the scheduler alone, so that sums over replicas stay true.
func TestMetricsListenersOfWorkerAndScheduler(t *testing.T) {
	s := newSystem(t)
	if url := os.Getenv("SERENTAK_TEST_REDIS_URL"); url != "" {
		redistest.New(t)
		s.env["SERENTAK_REDIS_URL"] = url
	} else {
		r := redistest.New(t)
		s.env["SERENTAK_REDIS_URL"] = "redis://" + r.Opt.Addr
	}
	s.base = s.start("api")
	s.start("scheduler")
	sched := s.metricsAddr(1)
	s.start("worker")
	work := s.metricsAddr(2)

	res, err := http.Get(sched)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("the scheduler's /metrics without a key = %d %s, want 401 with the error body", res.StatusCode, res.Header.Get("Content-Type"))
	}
	fromSched := metricstest.Scrape(t, sched, testAdminKey)
	fromWorker := metricstest.Scrape(t, work, testAdminKey)
	fromAPI := metricstest.Scrape(t, s.base+"/metrics", testAdminKey)
	for _, name := range []string{"serentak_queue_due", "serentak_accounts", "serentak_queue_tasks"} {
		if fromSched[name] == nil {
			t.Errorf("the scheduler does not export %s", name)
		}
		if fromWorker[name] != nil || fromAPI[name] != nil {
			t.Errorf("%s is exported by a role besides the scheduler: sums over processes would count it twice", name)
		}
	}
	if fromWorker["serentak_deliveries_total"] == nil || fromWorker["go_goroutines"] == nil {
		t.Error("the worker's /metrics lacks its delivery counters or the Go runtime's series")
	}
}

// metricsAddr waits for the n-th "metrics listening" line of the logs and
// returns its /metrics URL.
func (s *system) metricsAddr(n int) string {
	s.t.Helper()
	line := regexp.MustCompile(`"msg":"metrics listening","addr":"([^"]+)"`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := line.FindAllStringSubmatch(s.logs.String(), -1); len(m) >= n {
			return "http://" + m[n-1][1] + "/metrics"
		}
	}
	s.t.Fatalf("no metrics listener #%d within 30s\n%s", n, s.logs)
	return ""
}
