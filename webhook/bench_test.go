package webhook_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/webhook"
)

// BenchmarkSlowReceiverCost measures what the sending side costs the
// process while it is as busy as a slow receiver can make it: every slot
// of the webhook worker waiting on a receiver that answers in 2 s,
// thousands of messages due behind them, the dispatcher passing every
// second. It reports the process's CPU time per second of wall time
// (user + system, in ms; 1000 is one core) and the sends started per
// second. The receiver runs in the process too, so its cost is included.
//
//	go test -run '^$' -bench SlowReceiverCost -benchtime 1x -count 3 ./webhook/
func BenchmarkSlowReceiverCost(b *testing.B) {
	for range b.N {
		b.StopTimer()
		bb := setup(b)
		var started atomic.Int64
		bb.recv.SetAnswer(func(_ int, w http.ResponseWriter, r *http.Request) {
			started.Add(1)
			select {
			case <-time.After(2 * time.Second): // the receiver's answer time
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusNoContent)
		})
		for range 5000 {
			bb.addMessage(b, nil)
		}
		// Production settings (config's defaults); the clock stays still,
		// so no message falls due again during the run.
		r := redistest.New(b)
		d, err := webhook.NewDispatcher(webhook.DispatcherConfig{Store: bb.store, Redis: r.Opt, Now: bb.clock.Now, Logger: bb.log})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); d.Run(ctx) }()
		b.Cleanup(func() { cancel(); <-done; d.Close() })
		w, err := webhook.NewWorker(webhook.WorkerConfig{Sender: bb.sender(b, nil), Redis: r.Opt, Logger: bb.log, TaskCheckInterval: 500 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(w.Shutdown)
		testkit.WaitFor(b, 30*time.Second, "every slot to wait on the receiver", func() bool {
			return started.Load() >= webhook.DefaultConcurrency
		})
		b.StartTimer()
		cpu0, wall0, n0 := cpuTime(b), time.Now(), started.Load()
		time.Sleep(10 * time.Second) // the span measured
		cpu, wall, n := cpuTime(b)-cpu0, time.Since(wall0), started.Load()-n0
		b.StopTimer()
		b.ReportMetric(float64(cpu.Milliseconds())/wall.Seconds(), "cpu-ms/s")
		b.ReportMetric(float64(n)/wall.Seconds(), "sends/s")
	}
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
