package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/task"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/webhook"
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

// A receiver that fails N times, then answers 2xx, gets the event once as
// a success after N+1 attempts, all recorded, all with the same webhook-id
// and the same bytes, each signature verified independently.
func TestReceiverDownThenUp(t *testing.T) {
	const fails = 3
	b := setup(t)
	b.recv.setAnswer(func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < fails {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	p := b.pipeline(t)
	b.startWorker(t, p, b.sender(t, nil))
	m := b.addMessage(t, nil)

	for k := 1; k <= fails; k++ {
		testkit.WaitFor(t, 10*time.Second, "a failed attempt recorded", func() bool { return len(b.store.Attempts(m.ID)) == k })
		// Nothing is sent again before its time.
		if got := b.store.Message(m.ID); got.Status != serentak.MessagePending || got.Attempts != k {
			t.Fatalf("after attempt %d: %s with %d attempts", k, got.Status, got.Attempts)
		}
		b.clock.Advance(serentak.WebhookRetrySchedule[k-1])
	}
	testkit.WaitFor(t, 10*time.Second, "the message to succeed", func() bool {
		return b.store.Message(m.ID).Status == serentak.MessageSucceeded
	})

	reqs := b.recv.requests()
	if len(reqs) != fails+1 {
		t.Fatalf("%d requests, want %d", len(reqs), fails+1)
	}
	for i, r := range reqs {
		if r.Verified != nil {
			t.Errorf("request %d: %v", i, r.Verified)
		}
		if id := r.Header.Get("Webhook-Id"); id != m.ID {
			t.Errorf("request %d: webhook-id %s, want %s", i, id, m.ID)
		}
		if string(r.Body) != string(reqs[0].Body) {
			t.Errorf("request %d sent other bytes:\n%s\nthan the first:\n%s", i, r.Body, reqs[0].Body)
		}
	}
	if n := b.data.Load(); n != 1 {
		t.Errorf("the body was rendered %d times, want once", n)
	}
	as := b.store.Attempts(m.ID)
	if len(as) != fails+1 {
		t.Fatalf("%d attempts recorded, want %d", len(as), fails+1)
	}
	for i, a := range as[:fails] {
		if a.StatusCode != 503 || a.NextRetryAt == nil {
			t.Errorf("attempt %d: status %d, next %v; want 503 with a next retry", i, a.StatusCode, a.NextRetryAt)
		}
	}
	if last := as[fails]; last.StatusCode != 200 || last.NextRetryAt != nil {
		t.Errorf("last attempt: status %d, next %v", last.StatusCode, last.NextRetryAt)
	}
	if got := b.store.Message(m.ID); got.Attempts != fails+1 {
		t.Errorf("message attempts %d, want %d", got.Attempts, fails+1)
	}
}

// Never lost: Redis is emptied between the change and the send, and the
// worker is stopped in the middle of the send; the event still arrives.
func TestNeverLost(t *testing.T) {
	b := setup(t)
	release := make(chan struct{})
	b.recv.setAnswer(func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			// The first try hangs until the worker is stopped.
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	p := b.pipeline(t)
	m := b.addMessage(t, nil)
	// The dispatcher enqueues it; then Redis loses its data.
	testkit.WaitFor(t, 10*time.Second, "the message's task", func() bool {
		n, _ := p.redis.Client.Exists(context.Background(), "asynq:{"+task.QueueWebhooks+"}:t:"+task.WebhookSendID(m.ID, 0)).Result()
		return n == 1
	})
	p.redis.FlushAll(t)

	stop := b.startWorker(t, p, b.sender(t, nil))
	testkit.WaitFor(t, 10*time.Second, "the first try to reach the receiver", func() bool { return len(b.recv.requests()) == 1 })
	stop() // the worker dies with the send in flight
	close(release)
	if as := b.store.Attempts(m.ID); len(as) != 0 {
		t.Errorf("an interrupted send was recorded: %+v", as)
	}
	// A new worker, once the dead one's lease has run out.
	b.startWorker(t, p, b.sender(t, nil))
	b.clock.Advance(serentak.WebhookTimeout + time.Minute)
	testkit.WaitFor(t, 10*time.Second, "the message to succeed", func() bool {
		return b.store.Message(m.ID).Status == serentak.MessageSucceeded
	})
	reqs := b.recv.requests()
	if len(reqs) != 2 || reqs[1].Header.Get("Webhook-Id") != m.ID || reqs[1].Verified != nil {
		t.Errorf("%d requests; want 2, the second verified and with webhook-id %s", len(reqs), m.ID)
	}
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
