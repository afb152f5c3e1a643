package worker_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/scheduler"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/worker"
)

// BenchmarkLateness measures how late deliveries all due at the same second
// reach their publisher (publisher call time − scheduled time), through the
// whole pipeline: database → scheduler → Redis → worker → claim → publish →
// record. It reports p50, p99 and max lateness (the max is also the time to
// drain the burst).
//
//	go test -run '^$' -bench Lateness -benchtime 1x ./worker/
func BenchmarkLateness(b *testing.B) {
	for _, tc := range []struct {
		name    string
		n       int
		latency time.Duration // of each platform call
	}{
		{"1000_instant", 1000, 0},
		{"1000_call_100ms", 1000, 100 * time.Millisecond},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var p50, p99, worst time.Duration
			for range b.N {
				p50, p99, worst = latenessRun(b, tc.n, tc.latency, nil)
			}
			b.ReportMetric(float64(p50.Milliseconds()), "p50-ms")
			b.ReportMetric(float64(p99.Milliseconds()), "p99-ms")
			b.ReportMetric(float64(worst.Milliseconds()), "max-ms")
		})
	}
}

// latenessRun runs one burst of n deliveries. alongside, when set, starts
// other work in the same process before the burst (webhook sends).
func latenessRun(b *testing.B, n int, latency time.Duration, alongside func(*testing.B, *bundle)) (p50, p99, worst time.Duration) {
	b.StopTimer()
	defer b.StartTimer()
	// The production pool size, not the test default.
	bb := setupWith(b, gormstore.Config{MaxOpenConns: gormstore.DefaultMaxOpenConns})
	if latency > 0 {
		bb.pub.script = func(req serentak.PublishRequest, _ int) (serentak.Result, error) {
			time.Sleep(latency) // the platform's answer time
			return serentak.Result{}, nil
		}
	}
	// Create the posts, all due at one second, and start the pipeline
	// before it comes, as in production. Time a few creations to pick a
	// second far enough ahead.
	start := time.Now()
	for range 20 {
		bb.addDelivery(b, bb.acc, start.Add(time.Hour))
	}
	perPost := time.Since(start) / 20
	due := nextSecond(time.Duration(n)*perPost*3/2+time.Second, 0)
	ds := make([]serentak.Delivery, n)
	for i := range ds {
		ds[i] = bb.addDelivery(b, bb.acc, due)
	}
	if time.Until(due) < 500*time.Millisecond {
		b.Fatalf("setup too slow: deliveries due in %v", time.Until(due))
	}
	if alongside != nil {
		alongside(b, bb)
	}
	bb.startScheduler(b, func(c *scheduler.Config) { c.Tick = 200 * time.Millisecond })
	bb.startWorker(b, func(c *worker.Config) {})
	b.StartTimer()

	testkit.WaitFor(b, 2*time.Minute, "every delivery sent to the publisher", func() bool { return bb.pub.count() >= n })
	b.StopTimer()
	testkit.WaitFor(b, time.Minute, "every delivery recorded as published", func() bool { return bb.countPublished(b, ds) == n })
	bb.pub.mu.Lock()
	late := make([]time.Duration, 0, n)
	for _, c := range bb.pub.calls {
		late = append(late, c.At.Sub(c.ScheduledAt))
	}
	bb.pub.mu.Unlock()
	slices.Sort(late)
	if late[0] < 0 {
		b.Errorf("a delivery was published %v early", -late[0])
	}
	if len(late) != n {
		b.Errorf("%d publish calls for %d deliveries", len(late), n)
	}
	return late[len(late)/2], late[len(late)*99/100], late[len(late)-1]
}

// countPublished counts published deliveries among ds.
func (b *bundle) countPublished(tb testing.TB, ds []serentak.Delivery) int {
	tb.Helper()
	k := 0
	for _, d := range ds {
		p, err := b.store.FindPostByID(context.Background(), d.WorkspaceID, d.PostID)
		if err != nil {
			tb.Fatalf("find post: %v", err)
		}
		for _, x := range p.Deliveries {
			if x.Status == serentak.DeliveryPublished {
				k++
			}
		}
	}
	return k
}
