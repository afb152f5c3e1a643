package webhooktest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/task"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/webhook"
)

// Harness is a webhook.Store under test, with the means to seed and read
// it, and a Redis of the test's own. The in-memory Store and gormstore
// (on SQLite and PostgreSQL, with a real Redis) pass the same Exercise.
type Harness struct {
	Store webhook.Store
	Redis asynq.RedisConnOpt
	// FlushRedis empties the Redis, as FLUSHALL or a restart without
	// persistence would.
	FlushRedis func(t testing.TB)
	// NewEndpoint stores an enabled endpoint of a workspace, sending to
	// url, signing with secret.
	NewEndpoint func(t testing.TB, url, secret string) serentak.WebhookEndpoint
	// NewMessage stores a message for e, due now, as the outbox writes
	// one when an event happens.
	NewMessage func(t testing.TB, e serentak.WebhookEndpoint) serentak.Message
	// Message reads a message; Attempts the attempts of one, oldest first.
	Message  func(t testing.TB, id string) serentak.Message
	Attempts func(t testing.TB, messageID string) []serentak.Attempt
	// Data renders a message's data; {"id": subject} when nil.
	Data   func(ctx context.Context, m serentak.Message) (json.RawMessage, error)
	Logger *slog.Logger
}

// Exercise runs the sending side's scenarios on the harnesses setup makes:
// a dispatcher and a webhook worker on the harness's Redis and store, a
// real receiver verifying every signature independently, and a settable
// clock so retries minutes and hours apart happen at once.
func Exercise(t *testing.T, setup func(t *testing.T) Harness) {
	t.Run("ReceiverDownThenUp", func(t *testing.T) { receiverDownThenUp(t, setup(t)) })
	t.Run("NeverLost", func(t *testing.T) { neverLost(t, setup(t)) })
}

// world is one scenario's running sending side.
type world struct {
	h     Harness
	clock *testkit.Clock
	recv  *Receiver
	ep    serentak.WebhookEndpoint
}

func newWorld(t *testing.T, h Harness) *world {
	t.Helper()
	if h.Logger == nil {
		h.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.Data == nil {
		h.Data = func(_ context.Context, m serentak.Message) (json.RawMessage, error) {
			return json.RawMessage(fmt.Sprintf(`{"id":%q}`, m.SubjectID)), nil
		}
	}
	w := &world{h: h, clock: testkit.NewClock(time.Now())}
	secret := webhook.NewSecret()
	w.recv = NewReceiver(t, secret, w.clock.Now)
	w.ep = h.NewEndpoint(t, w.recv.URL()+"/hooks", secret)
	return w
}

// message stores a message and brings the clock to its time.
func (w *world) message(t *testing.T) serentak.Message {
	t.Helper()
	m := w.h.NewMessage(t, w.ep)
	if m.NextAttemptAt.After(w.clock.Now()) {
		w.clock.Set(m.NextAttemptAt)
	}
	return m
}

// startDispatcher runs a dispatcher until the test ends.
func (w *world) startDispatcher(t *testing.T) {
	t.Helper()
	d, err := webhook.NewDispatcher(webhook.DispatcherConfig{
		Store: w.h.Store, Redis: w.h.Redis, Now: w.clock.Now, Logger: w.h.Logger,
		Tick: 20 * time.Millisecond, RequeueAfter: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; d.Close() })
}

// startWorker starts a webhook worker; stop shuts it down (for its sends
// in flight, a killed worker).
func (w *world) startWorker(t *testing.T) (stop func()) {
	t.Helper()
	s, err := webhook.NewSender(webhook.Config{
		Store: w.h.Store, Data: w.h.Data, AllowPrivate: true, Now: w.clock.Now, Logger: w.h.Logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	wk, err := webhook.NewWorker(webhook.WorkerConfig{
		Sender: s, Redis: w.h.Redis, Logger: w.h.Logger,
		TaskCheckInterval: 20 * time.Millisecond, ShutdownTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wk.Shutdown)
	return wk.Shutdown
}

func (w *world) waitStatus(t *testing.T, id, status string) {
	t.Helper()
	testkit.WaitFor(t, 15*time.Second, "message "+id+" to be "+status, func() bool {
		return w.h.Message(t, id).Status == status
	})
}

// A receiver that fails N times, then answers 2xx, gets the event once as
// a success after N+1 attempts, all recorded, all with the same webhook-id
// and the same bytes, each signature verified independently.
func receiverDownThenUp(t *testing.T, h Harness) {
	const fails = 3
	w := newWorld(t, h)
	w.recv.SetAnswer(func(n int, rw http.ResponseWriter, _ *http.Request) {
		if n < fails {
			rw.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rw.WriteHeader(http.StatusOK)
	})
	w.startDispatcher(t)
	w.startWorker(t)
	m := w.message(t)

	for k := 1; k <= fails; k++ {
		testkit.WaitFor(t, 15*time.Second, "a failed attempt recorded", func() bool { return len(w.h.Attempts(t, m.ID)) == k })
		// Nothing is sent again before its time.
		if got := w.h.Message(t, m.ID); got.Status != serentak.MessagePending || got.Attempts != k {
			t.Fatalf("after attempt %d: %s with %d attempts", k, got.Status, got.Attempts)
		}
		if n := len(w.recv.Requests()); n != k {
			t.Fatalf("after attempt %d: %d requests", k, n)
		}
		w.clock.Advance(serentak.WebhookRetrySchedule[k-1])
	}
	w.waitStatus(t, m.ID, serentak.MessageSucceeded)

	reqs := w.recv.Requests()
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
	as := w.h.Attempts(t, m.ID)
	if len(as) != fails+1 {
		t.Fatalf("%d attempts recorded, want %d", len(as), fails+1)
	}
	for i, a := range as[:fails] {
		if a.StatusCode != http.StatusServiceUnavailable || a.NextRetryAt == nil {
			t.Errorf("attempt %d: status %d, next %v; want 503 with a next retry", i, a.StatusCode, a.NextRetryAt)
		}
	}
	if last := as[fails]; last.StatusCode != http.StatusOK || last.NextRetryAt != nil {
		t.Errorf("last attempt: status %d, next %v", last.StatusCode, last.NextRetryAt)
	}
	if got := w.h.Message(t, m.ID); got.Attempts != fails+1 || string(got.Body) != string(reqs[0].Body) {
		t.Errorf("message: %d attempts, body %s; want %d and the body sent", got.Attempts, got.Body, fails+1)
	}
}

// Never lost: Redis is emptied between the change and the send, and the
// worker is stopped in the middle of the send; the event still arrives.
func neverLost(t *testing.T, h Harness) {
	w := newWorld(t, h)
	release := make(chan struct{})
	w.recv.SetAnswer(func(n int, rw http.ResponseWriter, r *http.Request) {
		if n == 0 {
			// The first try hangs until the worker is stopped.
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		rw.WriteHeader(http.StatusOK)
	})
	w.startDispatcher(t)
	m := w.message(t)
	// The dispatcher enqueues it; then Redis loses its data.
	insp := asynq.NewInspector(h.Redis)
	defer insp.Close()
	testkit.WaitFor(t, 15*time.Second, "the message's task", func() bool {
		_, err := insp.GetTaskInfo(task.QueueWebhooks, task.WebhookSendID(m.ID, 0))
		return err == nil
	})
	h.FlushRedis(t)

	stop := w.startWorker(t)
	testkit.WaitFor(t, 15*time.Second, "the first try to reach the receiver", func() bool { return len(w.recv.Requests()) == 1 })
	stop() // the worker dies with the send in flight
	close(release)
	if as := h.Attempts(t, m.ID); len(as) != 0 {
		t.Errorf("an interrupted send was recorded: %+v", as)
	}
	// A new worker, once the dead one's lease has run out.
	w.startWorker(t)
	w.clock.Advance(serentak.WebhookTimeout + time.Minute)
	w.waitStatus(t, m.ID, serentak.MessageSucceeded)
	reqs := w.recv.Requests()
	if len(reqs) != 2 || reqs[1].Header.Get("Webhook-Id") != m.ID || reqs[1].Verified != nil {
		t.Errorf("%d requests; want 2, the second verified and with webhook-id %s", len(reqs), m.ID)
	}
	if as := h.Attempts(t, m.ID); len(as) != 1 || as[0].StatusCode != http.StatusOK {
		t.Errorf("attempts %+v; want one, a 200", as)
	}
}
