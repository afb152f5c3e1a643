package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/metrics"
	"github.com/serentak/serentak/metrics/metricstest"
	"github.com/serentak/serentak/webhook"
	"github.com/serentak/serentak/worker"
)

// fakeStore answers the gauges' counts, or err.
type fakeStore struct {
	due      map[serentak.Platform]int
	accounts map[serentak.Platform]map[serentak.AccountStatus]int
	err      error
}

func (f fakeStore) CountDueDeliveries(context.Context, time.Time) (map[serentak.Platform]int, error) {
	return f.due, f.err
}

func (f fakeStore) CountAccounts(context.Context) (map[serentak.Platform]map[serentak.AccountStatus]int, error) {
	return f.accounts, f.err
}

// fakeInspector knows the queues in info.
type fakeInspector map[string]*asynq.QueueInfo

func (f fakeInspector) Queues() ([]string, error) {
	var out []string
	for q := range f {
		out = append(out, q)
	}
	return out, nil
}

func (f fakeInspector) GetQueueInfo(q string) (*asynq.QueueInfo, error) {
	if i, ok := f[q]; ok {
		return i, nil
	}
	return nil, fmt.Errorf("queue %s not found", q)
}

// scheduler is a Metrics as the scheduler role has it: with the gauges
// read from the store and the queues.
func scheduler(st metrics.Store, in metrics.QueueInspector) *metrics.Metrics {
	m := metrics.New()
	m.WatchStore(st, nil)
	m.WatchQueues(in, []string{"publish-facebook", "webhooks"})
	return m
}

func scrape(t *testing.T, m *metrics.Metrics) metricstest.Families {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	return metricstest.Scrape(t, srv.URL, "")
}

// Before anything happens, every known label combination of every series
// is there at zero: dashboards and alerts see 0, not nothing.
func TestEverySeriesAtZeroFromTheStart(t *testing.T) {
	f := scrape(t, scheduler(fakeStore{}, fakeInspector{}))
	for _, p := range serentak.Platforms {
		for _, o := range worker.Outcomes {
			if v, ok := f.Value("serentak_deliveries_total", "platform", string(p), "outcome", string(o)); !ok || v != 0 {
				t.Errorf("serentak_deliveries_total{%s,%s} = %v (present %v), want 0", p, o, v, ok)
			}
		}
		if n, ok := f.Count("serentak_publish_lateness_seconds", "platform", string(p)); !ok || n != 0 {
			t.Errorf("serentak_publish_lateness_seconds{%s} holds %d (present %v), want present and empty", p, n, ok)
		}
		if v, ok := f.Value("serentak_queue_due", "platform", string(p)); !ok || v != 0 {
			t.Errorf("serentak_queue_due{%s} = %v (present %v), want 0", p, v, ok)
		}
		for _, s := range []string{"active", "needs_reauth"} {
			if v, ok := f.Value("serentak_accounts", "platform", string(p), "status", s); !ok || v != 0 {
				t.Errorf("serentak_accounts{%s,%s} = %v (present %v), want 0", p, s, v, ok)
			}
		}
		for _, k := range []string{"transient", "rate_limited", "auth_expired", "rejected", "unknown", "pending", "unclassified"} {
			if _, ok := f.Value("serentak_platform_errors_total", "platform", string(p), "kind", k); !ok {
				t.Errorf("serentak_platform_errors_total{%s,%s} is missing", p, k)
			}
		}
	}
	for _, o := range []string{"succeeded", "retrying", "failed", "interrupted"} {
		if v, ok := f.Value("serentak_webhook_attempts_total", "outcome", o); !ok || v != 0 {
			t.Errorf("serentak_webhook_attempts_total{%s} = %v (present %v), want 0", o, v, ok)
		}
	}
	if _, ok := f.Value("serentak_webhook_attempts_total", "outcome", "not_due"); ok {
		t.Error("a webhook not sent (not_due) is counted as an attempt")
	}
	for _, q := range []string{"publish-facebook", "webhooks"} {
		if v, ok := f.Value("serentak_queue_tasks", "queue", q, "state", "pending"); !ok || v != 0 {
			t.Errorf("serentak_queue_tasks{%s,pending} = %v (present %v), want 0 for a queue never used", q, v, ok)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total"} {
		if f[name] == nil {
			t.Errorf("%s is missing: the Go runtime's and the process's collectors", name)
		}
	}
}

// What the worker, the webhook sender, the API and the store say shows in
// the series, with its labels.
func TestCounting(t *testing.T) {
	m := scheduler(fakeStore{
		due:      map[serentak.Platform]int{serentak.TikTok: 3},
		accounts: map[serentak.Platform]map[serentak.AccountStatus]int{serentak.Instagram: {serentak.AccountNeedsReauth: 2}},
	}, fakeInspector{"publish-facebook": {Queue: "publish-facebook", Pending: 7, Latency: 1500 * time.Millisecond}})
	m.Outcome(serentak.Facebook, worker.OutcomePublished)
	m.Late(serentak.Facebook, 150*time.Millisecond)
	m.Late(serentak.Facebook, -time.Second) // never early: counted as on time
	m.PlatformCall(serentak.YouTube, &serentak.PublishError{Kind: serentak.RateLimited}, time.Second)
	m.PlatformCall(serentak.YouTube, fmt.Errorf("wrapped: %w", &serentak.PublishError{Kind: serentak.AuthExpired}), time.Second)
	m.PlatformCall(serentak.YouTube, errors.New("what is this"), time.Second)
	m.PlatformCall(serentak.YouTube, nil, time.Second)
	m.WebhookAttempt(webhook.Retrying)
	m.WebhookAttempt(webhook.NotDue)
	m.APIRequest("GET", "/v1/workspaces/:ws/posts", 200, 10*time.Millisecond)
	m.APIRequest("GET", "", 404, time.Millisecond)

	f := scrape(t, m)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"serentak_deliveries_total", []string{"platform", "facebook", "outcome", "published"}, 1},
		{"serentak_platform_errors_total", []string{"platform", "youtube", "kind", "rate_limited"}, 1},
		{"serentak_platform_errors_total", []string{"platform", "youtube", "kind", "auth_expired"}, 1},
		{"serentak_platform_errors_total", []string{"platform", "youtube", "kind", "unclassified"}, 1},
		{"serentak_webhook_attempts_total", []string{"outcome", "retrying"}, 1},
		{"serentak_queue_due", []string{"platform", "tiktok"}, 3},
		{"serentak_accounts", []string{"platform", "instagram", "status", "needs_reauth"}, 2},
		{"serentak_queue_tasks", []string{"queue", "publish-facebook", "state", "pending"}, 7},
		{"serentak_queue_latency_seconds", []string{"queue", "publish-facebook"}, 1.5},
	} {
		if got, _ := f.Value(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   uint64
	}{
		{"serentak_publish_lateness_seconds", []string{"platform", "facebook"}, 2},
		{"serentak_platform_call_duration_seconds", []string{"platform", "youtube", "result", "ok"}, 1},
		{"serentak_platform_call_duration_seconds", []string{"platform", "youtube", "result", "rate_limited"}, 1},
		{"serentak_api_request_duration_seconds", []string{"method", "GET", "route", "/v1/workspaces/:ws/posts", "code", "200"}, 1},
		{"serentak_api_request_duration_seconds", []string{"route", "unmatched", "code", "404"}, 1},
	} {
		if got, _ := f.Count(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v holds %d, want %d", c.name, c.labels, got, c.want)
		}
	}
	// 150 ms and "on time" fall in different buckets: a step at 100 ms.
	h := f["serentak_publish_lateness_seconds"].GetMetric()[0].GetHistogram()
	for _, b := range h.GetBucket() {
		if b.GetUpperBound() == 0.1 && b.GetCumulativeCount() != 1 {
			t.Errorf("lateness bucket le=0.1 holds %d, want 1 (the early one)", b.GetCumulativeCount())
		}
	}
}

// A database that does not answer leaves its gauges out of the scrape;
// the rest is still served.
func TestStoreDownServesTheRest(t *testing.T) {
	m := scheduler(fakeStore{err: errors.New("connection refused")}, fakeInspector{})
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	f := metricstest.Parse(t, res.Body)
	if f["serentak_queue_due"] != nil {
		t.Error("serentak_queue_due served although the database did not answer")
	}
	if f["serentak_deliveries_total"] == nil || f["serentak_queue_tasks"] == nil {
		t.Error("the series that do not need the database are missing")
	}
	if !strings.Contains(fmt.Sprint(f["promhttp_metric_handler_errors_total"]), "gathering") {
		t.Error("the failed collection is not counted in promhttp_metric_handler_errors_total")
	}
}

func TestCallResult(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{&serentak.PublishError{Kind: serentak.Transient}, "transient"},
		{fmt.Errorf("x: %w", &serentak.PublishError{Kind: serentak.Pending}), "pending"},
		{&serentak.PublishError{Kind: "made_up"}, "unclassified"},
		{context.DeadlineExceeded, "unclassified"},
	} {
		if got := metrics.CallResult(c.err); got != c.want {
			t.Errorf("CallResult(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
