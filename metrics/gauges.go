package metrics

import (
	"context"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/serentak/serentak"
)

// ReadTimeout bounds what one scrape may spend reading the database or
// Redis, below Prometheus' default 10 s scrape timeout.
const ReadTimeout = 5 * time.Second

// Store is what the gauges read from the database (gormstore.Store).
type Store interface {
	// CountDueDeliveries counts, by platform, the deliveries whose time
	// has come (scheduled_at <= now) and that no worker has started.
	CountDueDeliveries(ctx context.Context, now time.Time) (map[serentak.Platform]int, error)
	// CountAccounts counts the connected accounts by platform and status.
	CountAccounts(ctx context.Context) (map[serentak.Platform]map[serentak.AccountStatus]int, error)
}

// accountStatuses are the statuses every platform's accounts are counted
// in, at zero when none.
var accountStatuses = []serentak.AccountStatus{serentak.AccountActive, serentak.AccountNeedsReauth}

// WatchStore adds serentak_queue_due{platform} and
// serentak_accounts{platform,status}, read from st at every scrape. Only
// one role of an install (the scheduler) should watch: the database is
// shared, and two processes exporting it would double every sum.
func (m *Metrics) WatchStore(st Store, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	m.reg.MustRegister(&storeCollector{st: st, now: now})
}

var (
	queueDueDesc = prometheus.NewDesc(Namespace+"_queue_due",
		"Deliveries whose time has come and that no worker has started, by platform (read from the database).",
		[]string{"platform"}, nil)
	accountsDesc = prometheus.NewDesc(Namespace+"_accounts",
		"Connected accounts by platform and status (needs_reauth: the owner must connect it again).",
		[]string{"platform", "status"}, nil)
	queueTasksDesc = prometheus.NewDesc(Namespace+"_queue_tasks",
		"Tasks in each Asynq queue by state (pending, active, scheduled, retry, archived).",
		[]string{"queue", "state"}, nil)
	queueLatencyDesc = prometheus.NewDesc(Namespace+"_queue_latency_seconds",
		"How long the oldest pending task of each Asynq queue has waited.",
		[]string{"queue"}, nil)
)

type storeCollector struct {
	st  Store
	now func() time.Time
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDueDesc
	ch <- accountsDesc
}

// Collect reads both counts; a count that fails is reported as an
// invalid metric (the scrape logs it and serves the rest).
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ReadTimeout)
	defer cancel()
	if due, err := c.st.CountDueDeliveries(ctx, c.now()); err != nil {
		ch <- prometheus.NewInvalidMetric(queueDueDesc, err)
	} else {
		for _, p := range serentak.Platforms {
			ch <- prometheus.MustNewConstMetric(queueDueDesc, prometheus.GaugeValue, float64(due[p]), string(p))
		}
	}
	if accounts, err := c.st.CountAccounts(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(accountsDesc, err)
	} else {
		for _, p := range serentak.Platforms {
			for _, s := range accountStatuses {
				ch <- prometheus.MustNewConstMetric(accountsDesc, prometheus.GaugeValue, float64(accounts[p][s]), string(p), string(s))
			}
		}
	}
}

// QueueInspector is the part of asynq.Inspector the queue gauges read.
type QueueInspector interface {
	Queues() ([]string, error)
	GetQueueInfo(queue string) (*asynq.QueueInfo, error)
}

// WatchQueues adds serentak_queue_tasks{queue,state} and
// serentak_queue_latency_seconds{queue} for each of queues, read from
// Redis at every scrape: what a queue-depth autoscaler of workers reads.
// Like WatchStore, for one role only (Redis is shared).
func (m *Metrics) WatchQueues(in QueueInspector, queues []string) {
	m.reg.MustRegister(&queueCollector{in: in, queues: queues})
}

type queueCollector struct {
	in     QueueInspector
	queues []string
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueTasksDesc
	ch <- queueLatencyDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	known, err := c.in.Queues()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueTasksDesc, err)
		return
	}
	for _, q := range c.queues {
		info := &asynq.QueueInfo{Queue: q} // no task was ever enqueued there
		var err error
		if slices.Contains(known, q) {
			info, err = c.in.GetQueueInfo(q)
		}
		if err != nil {
			ch <- prometheus.NewInvalidMetric(queueTasksDesc, err)
			continue
		}
		for _, s := range []struct {
			state string
			n     int
		}{
			{"pending", info.Pending}, {"active", info.Active}, {"scheduled", info.Scheduled},
			{"retry", info.Retry}, {"archived", info.Archived},
		} {
			ch <- prometheus.MustNewConstMetric(queueTasksDesc, prometheus.GaugeValue, float64(s.n), q, s.state)
		}
		ch <- prometheus.MustNewConstMetric(queueLatencyDesc, prometheus.GaugeValue, info.Latency.Seconds(), q)
	}
}
