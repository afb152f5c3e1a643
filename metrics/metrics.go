// Package metrics defines Serentak's Prometheus series (docs/api.md#metrics)
// on one registry per process, built by internal/app and handed to the
// parts that count: the worker (worker.Observer), the webhook sender
// (webhook.Config.ObserveFunc), the API (api.Config.ObserveRequestFunc)
// and, in the scheduler role only, the gauges read from the database and
// from Redis (WatchStore, WatchQueues), so that sums over replicas stay
// true. Nothing here is global: two Metrics never share a series.
package metrics

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/webhook"
	"github.com/serentak/serentak/worker"
)

// Namespace prefixes every series of ours.
const Namespace = "serentak"

// LatencyBuckets are the upper bounds, in seconds, of the publish lateness
// and platform call histograms: fine below a second, where a healthy
// install lives (a step at 100 ms), coarse up to the half hour a retry
// may wait.
var LatencyBuckets = []float64{0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 120, 300, 600, 1800}

// apiBuckets are the API request duration's upper bounds, in seconds.
var apiBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// CallOK is the result label of a platform call that succeeded; a failed
// one carries its serentak.PublishErrorKind, or CallUnclassified.
const (
	CallOK           = "ok"
	CallUnclassified = "unclassified"
)

// callResults are the result labels of platform calls: ok and every
// classified kind of failure.
var callResults = []string{
	CallOK, string(serentak.Transient), string(serentak.RateLimited), string(serentak.AuthExpired),
	string(serentak.Rejected), string(serentak.Unknown), string(serentak.Pending), CallUnclassified,
}

// webhookOutcomes are the outcomes of a webhook attempt that was made
// (webhook.NotDue is none).
var webhookOutcomes = []webhook.Outcome{webhook.Succeeded, webhook.Retrying, webhook.Failed, webhook.Interrupted}

// Metrics holds one process's series.
type Metrics struct {
	reg             *prometheus.Registry
	deliveries      *prometheus.CounterVec
	lateness        *prometheus.HistogramVec
	calls           *prometheus.HistogramVec
	callErrors      *prometheus.CounterVec
	webhookAttempts *prometheus.CounterVec
	requests        *prometheus.HistogramVec
	linkRedirects   *prometheus.CounterVec
}

// New returns a registry with the Go runtime's and the process's
// collectors and every counter and histogram of ours, each known label
// combination present at zero (a dashboard or alert sees 0, not nothing).
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "deliveries_total",
		Help: "Publish attempts by platform and outcome (published, failed, retry, handed_back, lease_lost).",
	}, []string{"platform", "outcome"})
	m.lateness = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "publish_lateness_seconds",
		Help:    "How long after its scheduled time a delivery was published (when the platform's answer came back).",
		Buckets: LatencyBuckets,
	}, []string{"platform"})
	m.calls = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "platform_call_duration_seconds",
		Help:    "Time a platform's publisher worked on one attempt (waiting for the scheduled time left out), by platform and result: ok or the classified kind of error.",
		Buckets: LatencyBuckets,
	}, []string{"platform", "result"})
	m.callErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "platform_errors_total",
		Help: "Failed publish calls by platform and classified kind (transient, rate_limited, auth_expired, rejected, unknown, pending, unclassified).",
	}, []string{"platform", "kind"})
	m.webhookAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "webhook_attempts_total",
		Help: "Webhook attempts by outcome (succeeded, retrying, failed: the last attempt failed, interrupted).",
	}, []string{"outcome"})
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "api_request_duration_seconds",
		Help:    "API requests by method, route template (never an ID) and status code.",
		Buckets: apiBuckets,
	}, []string{"method", "route", "code"})
	m.linkRedirects = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "link_redirects_total",
		Help: "Tracked order link requests (GET/HEAD /o/{code}) by outcome: counted, or why not (robot, prefetch, head, repeat, dropped, unknown).",
	}, []string{"outcome"})

	for _, p := range serentak.Platforms {
		for _, o := range worker.Outcomes {
			m.deliveries.WithLabelValues(string(p), string(o))
		}
		m.lateness.WithLabelValues(string(p))
		for _, r := range callResults {
			m.calls.WithLabelValues(string(p), r)
			if r != CallOK {
				m.callErrors.WithLabelValues(string(p), r)
			}
		}
	}
	for _, o := range webhookOutcomes {
		m.webhookAttempts.WithLabelValues(o.String())
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.deliveries, m.lateness, m.calls, m.callErrors, m.webhookAttempts, m.requests, m.linkRedirects,
	)
	return m
}

// Registry is the process's registry, to register more collectors on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler answers a scrape in Prometheus' text format (or OpenMetrics
// when asked). A collector that fails (the database did not answer)
// leaves its series out of that scrape; the others are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:          m.reg, // counts its own scrapes and errors
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}

// Outcome counts one publish attempt's outcome (worker.Observer).
func (m *Metrics) Outcome(p serentak.Platform, o worker.Outcome) {
	m.deliveries.WithLabelValues(string(p), string(o)).Inc()
}

// Late records how late after its time a delivery was published
// (worker.Observer); a delivery published early (never, by design) counts
// as on time.
func (m *Metrics) Late(p serentak.Platform, d time.Duration) {
	m.lateness.WithLabelValues(string(p)).Observe(max(d, 0).Seconds())
}

// PlatformCall records one call of a platform's publisher (worker.Observer):
// how long it worked and, when it failed, the classified kind.
func (m *Metrics) PlatformCall(p serentak.Platform, err error, d time.Duration) {
	result := CallResult(err)
	m.calls.WithLabelValues(string(p), result).Observe(max(d, 0).Seconds())
	if result != CallOK {
		m.callErrors.WithLabelValues(string(p), result).Inc()
	}
}

// CallResult is the result label of a platform call that returned err.
func CallResult(err error) string {
	if err == nil {
		return CallOK
	}
	var pe *serentak.PublishError
	if errors.As(err, &pe) {
		for _, r := range callResults {
			if r == string(pe.Kind) {
				return r
			}
		}
	}
	return CallUnclassified
}

// WebhookAttempt counts one webhook attempt's outcome
// (webhook.Config.ObserveFunc); NotDue is no attempt and is not counted.
func (m *Metrics) WebhookAttempt(o webhook.Outcome) {
	if o == webhook.NotDue {
		return
	}
	m.webhookAttempts.WithLabelValues(o.String()).Inc()
}

// APIRequest records one API request (api.Config.ObserveRequestFunc). route
// is the route template (/v1/workspaces/:ws/posts), never the path, so IDs
// never become label values; "" (no route matched) is "unmatched".
func (m *Metrics) APIRequest(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(max(d, 0).Seconds())
}

// LinkRedirects returns the API's api.Config.ObserveClickFunc, which
// counts tracked link requests by outcome; outcomes (clicks.Outcomes)
// are present at zero from the start.
func (m *Metrics) LinkRedirects(outcomes []string) func(outcome string) {
	for _, o := range outcomes {
		m.linkRedirects.WithLabelValues(o)
	}
	return func(outcome string) { m.linkRedirects.WithLabelValues(outcome).Inc() }
}
