package webhook_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/task"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/webhook"
	"github.com/serentak/serentak/webhook/webhooktest"
)

// pipeline is the sending side as the roles run it: a dispatcher (the
// scheduler role's loop) and a webhook worker, on one Redis.
type pipeline struct {
	redis *redistest.Redis
	disp  *webhook.Dispatcher
}

func (b *bundle) pipeline(t testing.TB) *pipeline {
	t.Helper()
	p := &pipeline{redis: redistest.New(t)}
	d, err := webhook.NewDispatcher(webhook.DispatcherConfig{
		Store: b.store, Redis: p.redis.Opt, Tick: 20 * time.Millisecond, Now: b.clock.Now, Logger: b.log,
		RequeueAfter: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	p.disp = d
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return p
}

// startWorker starts a webhook worker; stop shuts it down (a killed
// worker process, as far as its sends in flight are concerned).
func (b *bundle) startWorker(t testing.TB, p *pipeline, s *webhook.Sender) (stop func()) {
	t.Helper()
	w, err := webhook.NewWorker(webhook.WorkerConfig{
		Sender: s, Redis: p.redis.Opt, Logger: b.log,
		TaskCheckInterval: 20 * time.Millisecond, ShutdownTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	return w.Shutdown
}

// The scenarios every webhook.Store passes, on the in-memory one.
func TestExercise(t *testing.T) {
	webhooktest.Exercise(t, func(t *testing.T) webhooktest.Harness {
		store, r := webhooktest.NewStore(), redistest.New(t)
		var log *slog.Logger
		if os.Getenv("SERENTAK_TEST_LOG") != "" {
			log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		return webhooktest.Harness{
			Store: store, Redis: r.Opt, FlushRedis: r.FlushAll, Logger: log,
			NewEndpoint: func(_ testing.TB, url, secret string) serentak.WebhookEndpoint {
				e := serentak.WebhookEndpoint{ID: serentak.NewID(serentak.PrefixWebhook), WorkspaceID: "ws_1", URL: url, Secret: secret}
				store.AddEndpoint(e)
				return e
			},
			NewMessage: func(_ testing.TB, e serentak.WebhookEndpoint) serentak.Message {
				now := time.Now()
				m := serentak.Message{
					ID: serentak.NewID(serentak.PrefixMessage), WorkspaceID: e.WorkspaceID, EndpointID: e.ID,
					EventType: serentak.EventPostPublished, SubjectID: "post_1", Status: serentak.MessagePending,
					NextAttemptAt: now, CreatedAt: now,
				}
				store.AddMessage(m)
				return m
			},
			Message:  func(_ testing.TB, id string) serentak.Message { return store.Message(id) },
			Attempts: func(_ testing.TB, id string) []serentak.Attempt { return store.Attempts(id) },
		}
	})
}

// A task that will never run (archived: its handler panicked) pins its
// ID; the dispatcher replaces it.
func TestDispatcherReplacesAnArchivedTask(t *testing.T) {
	b := setup(t)
	p := &pipeline{redis: redistest.New(t)}
	d, err := webhook.NewDispatcher(webhook.DispatcherConfig{
		Store: b.store, Redis: p.redis.Opt, Now: b.clock.Now, Logger: b.log,
		RequeueAfter: time.Nanosecond, // every pass looks at Redis
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m := b.addMessage(t, nil)
	ctx := context.Background()
	if n, err := d.Tick(ctx); n != 1 || err != nil {
		t.Fatalf("first pass: %d enqueued, %v", n, err)
	}
	if n, err := d.Tick(ctx); n != 0 || err != nil {
		t.Fatalf("second pass: %d enqueued, %v; want 0 (the task exists)", n, err)
	}
	insp := asynq.NewInspector(p.redis.Opt)
	defer insp.Close()
	if err := insp.ArchiveTask(task.QueueWebhooks, task.WebhookSendID(m.ID, 0)); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Tick(ctx); n != 1 || err != nil {
		t.Fatalf("after archiving: %d enqueued, %v; want 1", n, err)
	}
	info, err := insp.GetTaskInfo(task.QueueWebhooks, task.WebhookSendID(m.ID, 0))
	if err != nil || info.State != asynq.TaskStatePending {
		t.Fatalf("task %v, %v; want pending", info, err)
	}
}

// A dispatcher trusts the tasks it enqueued for RequeueAfter, sparing Redis
// an enqueue per due message per pass, but not across a loss of Redis.
func TestDispatcherEnqueuesAgainAfterRedisLoss(t *testing.T) {
	b := setup(t)
	r := redistest.New(t)
	d, err := webhook.NewDispatcher(webhook.DispatcherConfig{Store: b.store, Redis: r.Opt, Now: b.clock.Now, Logger: b.log})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m := b.addMessage(t, nil)
	ctx := context.Background()
	if n, err := d.Tick(ctx); n != 1 || err != nil {
		t.Fatalf("first pass: %d enqueued, %v", n, err)
	}
	key := "asynq:{" + task.QueueWebhooks + "}:t:" + task.WebhookSendID(m.ID, 0)
	// The task's hash alone disappears (not a loss of Redis): trusted.
	if err := r.Client.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Tick(ctx); n != 0 || err != nil {
		t.Fatalf("second pass: %d enqueued, %v; want 0 within RequeueAfter", n, err)
	}
	r.FlushAll(t)
	if n, err := d.Tick(ctx); n != 1 || err != nil {
		t.Fatalf("after FLUSHALL: %d enqueued, %v; want 1", n, err)
	}
	if n, _ := r.Client.Exists(ctx, key).Result(); n != 1 {
		t.Error("no task in Redis after the pass that followed FLUSHALL")
	}
}

// A send that panics ends its task without archiving it (an archived task
// pins its ID); the message is sent once its lease runs out.
func TestPanickingSendIsSentAgain(t *testing.T) {
	b := setup(t)
	p := b.pipeline(t)
	var calls atomic.Int32
	b.startWorker(t, p, b.sender(t, func(c *webhook.Config) {
		c.Data = func(context.Context, serentak.Message) (json.RawMessage, error) {
			if calls.Add(1) == 1 {
				panic("renderer bug")
			}
			return json.RawMessage(`{}`), nil
		}
	}))
	m := b.addMessage(t, nil)
	testkit.WaitFor(t, 10*time.Second, "the renderer to be called", func() bool { return calls.Load() == 1 })
	b.clock.Advance(serentak.WebhookTimeout + time.Minute)
	testkit.WaitFor(t, 10*time.Second, "the message to succeed", func() bool {
		return b.store.Message(m.ID).Status == serentak.MessageSucceeded
	})
	n, err := p.redis.Client.ZCard(context.Background(), "asynq:{"+task.QueueWebhooks+"}:archived").Result()
	if err != nil || n != 0 {
		t.Errorf("%d archived tasks (%v), want none", n, err)
	}
}
