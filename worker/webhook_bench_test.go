package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/webhook"
	"github.com/serentak/serentak/webhook/webhooktest"
)

// BenchmarkLatenessWithWebhooks is BenchmarkLateness's burst of 1000
// deliveries due at one second, alone and then with the same process's
// webhook worker busy the whole time: every one of its slots waiting on a
// receiver that answers in 2 s, thousands of messages due behind them, and
// the dispatcher enqueueing them every second. Webhooks have their own
// Asynq server and pool, so publishing should not notice.
//
//	go test -run '^$' -bench LatenessWithWebhooks -benchtime 1x -count 3 ./worker/
func BenchmarkLatenessWithWebhooks(b *testing.B) {
	for _, tc := range []struct {
		name  string
		hooks bool
	}{
		{"1000_instant", false},
		{"1000_instant_webhooks_2s", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var p50, p99, worst time.Duration
			var sent atomic.Int64
			for range b.N {
				var alongside func(*testing.B, *bundle)
				if tc.hooks {
					alongside = func(b *testing.B, bb *bundle) { startSlowWebhooks(b, bb, &sent) }
				}
				p50, p99, worst = latenessRun(b, 1000, 0, alongside)
			}
			b.ReportMetric(float64(p50.Milliseconds()), "p50-ms")
			b.ReportMetric(float64(p99.Milliseconds()), "p99-ms")
			b.ReportMetric(float64(worst.Milliseconds()), "max-ms")
			if tc.hooks {
				b.ReportMetric(float64(sent.Load())/float64(b.N), "webhooks-started/op")
			}
		})
	}
}

// startSlowWebhooks starts, on the bundle's Redis, a webhook dispatcher and
// worker (production settings) sending 5000 due messages to a receiver on
// 127.0.0.1 that answers each after 2 s. sent counts the requests that
// reached the receiver.
func startSlowWebhooks(b *testing.B, bb *bundle, sent *atomic.Int64) {
	b.Helper()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		select {
		case <-time.After(2 * time.Second): // the receiver's answer time
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(recv.Close)
	store := webhooktest.NewStore()
	ep := serentak.WebhookEndpoint{ID: "wh_bench", WorkspaceID: bb.ws, URL: recv.URL, Secret: webhook.NewSecret()}
	store.AddEndpoint(ep)
	now := time.Now()
	for range 5000 {
		store.AddMessage(serentak.Message{
			ID: serentak.NewID(serentak.PrefixMessage), WorkspaceID: bb.ws, EndpointID: ep.ID,
			EventType: serentak.EventPostPublished, SubjectID: "post_bench", NextAttemptAt: now, CreatedAt: now,
		})
	}
	s, err := webhook.NewSender(webhook.Config{
		Store: store, AllowPrivate: true, Logger: bb.log,
		Data: func(context.Context, serentak.Message) (json.RawMessage, error) {
			return json.RawMessage(`{"id":"post_bench","status":"published"}`), nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	w, err := webhook.NewWorker(webhook.WorkerConfig{Sender: s, Redis: bb.redis.Opt, Logger: bb.log, TaskCheckInterval: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Shutdown)
	d, err := webhook.NewDispatcher(webhook.DispatcherConfig{Store: store, Redis: bb.redis.Opt, Logger: bb.log})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done; d.Close() })
	// Busy before the burst: every slot waiting on the receiver.
	testkit.WaitFor(b, 30*time.Second, "every webhook slot to wait on the receiver", func() bool {
		return sent.Load() >= webhook.DefaultConcurrency
	})
}
