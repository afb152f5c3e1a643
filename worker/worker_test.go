package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/scheduler"
	"github.com/serentak/serentak/task"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/worker"
)

// call is one Publish call seen by the fake publisher.
type call struct {
	DeliveryID  string
	At          time.Time
	ScheduledAt time.Time
	Attempt     int
	Checkpoint  serentak.Checkpoint
	AccessToken string
}

// fakePublisher records its calls and answers as its script says. Like a
// real adapter it saves a checkpoint before its "platform call".
type fakePublisher struct {
	platform serentak.Platform
	// script gives the outcome of the n-th call (from 1) for a delivery;
	// nil publishes every time.
	script func(req serentak.PublishRequest, n int) (serentak.Result, error)

	mu    sync.Mutex
	calls []call
}

func (f *fakePublisher) Platform() serentak.Platform { return f.platform }

func (f *fakePublisher) Publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	at := time.Now()
	f.mu.Lock()
	n := 1
	for _, c := range f.calls {
		if c.DeliveryID == req.DeliveryID {
			n++
		}
	}
	f.calls = append(f.calls, call{
		DeliveryID: req.DeliveryID, At: at, ScheduledAt: req.ScheduledAt, Attempt: req.Attempt,
		Checkpoint: maps.Clone(req.Checkpoint), AccessToken: req.Account.Token.AccessToken,
	})
	f.mu.Unlock()
	if err := req.SaveFunc(ctx, serentak.Checkpoint{"feed": "sending", "call": fmt.Sprint(n)}); err != nil {
		return serentak.Result{}, &serentak.PublishError{Kind: serentak.Transient, Message: "could not save checkpoint", Err: err}
	}
	if f.script != nil {
		if res, err := f.script(req, n); err != nil || res.ExternalID != "" {
			return res, err
		}
	}
	return serentak.Result{ExternalID: "fb_" + req.DeliveryID, Permalink: "https://facebook.example/" + req.DeliveryID}, nil
}

func (f *fakePublisher) callsOf(id string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.DeliveryID == id {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakePublisher) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// refreshingPublisher can also refresh tokens.
type refreshingPublisher struct {
	*fakePublisher
	refresh func(serentak.Account) (serentak.Token, error)
}

func (r *refreshingPublisher) RefreshToken(ctx context.Context, a serentak.Account) (serentak.Token, error) {
	return r.refresh(a)
}

// bundle is one test's database, Redis, account and publisher.
type bundle struct {
	store *gormstore.Store
	redis *redistest.Redis
	insp  *asynq.Inspector
	ws    string
	acc   serentak.Account
	pub   *fakePublisher
	log   *slog.Logger
}

func setup(t testing.TB) *bundle {
	t.Helper()
	return setupWith(t, gormstore.Config{})
}

// setupWith is setup with a store configuration (see storetest.Open).
func setupWith(t testing.TB, storeCfg gormstore.Config) *bundle {
	t.Helper()
	ctx := context.Background()
	b := &bundle{store: storetest.Open(t, storeCfg), redis: redistest.New(t), pub: &fakePublisher{platform: serentak.Facebook}}
	b.insp = asynq.NewInspector(b.redis.Opt)
	t.Cleanup(func() { b.insp.Close() })
	b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("SERENTAK_TEST_LOG") != "" {
		b.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Toko Test", Timezone: "Asia/Jakarta"}
	key := serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: ws.ID, Hash: serentak.HashSecret(ws.ID)}
	if err := b.store.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	b.ws = ws.ID
	b.acc = b.addAccount(t, serentak.Facebook)
	return b
}

func (b *bundle) addAccount(t testing.TB, p serentak.Platform) serentak.Account {
	t.Helper()
	acc, _, err := b.store.UpsertAccount(context.Background(), serentak.Account{
		ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: b.ws, Platform: p,
		ExternalID: string(p) + "-1", Name: "Toko " + p.DisplayName(), Status: serentak.AccountActive,
		Token: serentak.Token{AccessToken: "old-token", RefreshToken: "refresh-token"},
	})
	if err != nil {
		t.Fatalf("upsert account: %v", err)
	}
	return acc
}

// addDelivery creates a post with one delivery on acc due at at.
func (b *bundle) addDelivery(t testing.TB, acc serentak.Account, at time.Time) serentak.Delivery {
	t.Helper()
	p := serentak.Post{
		ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: acc.WorkspaceID, Caption: "Keripik pedas", ScheduledAt: at,
		Deliveries: []serentak.Delivery{{
			ID: serentak.NewID(serentak.PrefixDelivery), AccountID: acc.ID, Platform: acc.Platform,
			Content: serentak.Content{Text: "Keripik pedas"}, ScheduledAt: at,
		}},
	}
	out, _, err := b.store.CreatePost(context.Background(), p, nil)
	if err != nil {
		t.Fatalf("create post: %v", err)
	}
	return out.Deliveries[0]
}

// delivery reads a delivery's current state.
func (b *bundle) delivery(t testing.TB, d serentak.Delivery) serentak.Delivery {
	t.Helper()
	p, err := b.store.FindPostByID(context.Background(), d.WorkspaceID, d.PostID)
	if err != nil {
		t.Fatalf("find post: %v", err)
	}
	for _, x := range p.Deliveries {
		if x.ID == d.ID {
			return x
		}
	}
	t.Fatalf("delivery %s not in its post", d.ID)
	return serentak.Delivery{}
}

func (b *bundle) startScheduler(t testing.TB, mutate func(*scheduler.Config)) {
	t.Helper()
	cfg := scheduler.Config{Store: b.store, Redis: b.redis.Opt, Tick: 50 * time.Millisecond,
		Horizon: 2 * time.Second, StrandedGrace: time.Second, Logger: b.log}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := scheduler.New(cfg)
	if err != nil {
		t.Fatalf("scheduler.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; s.Close() })
}

func (b *bundle) newWorker(t testing.TB, mutate func(*worker.Config)) *worker.Worker {
	t.Helper()
	cfg := worker.Config{
		Store: b.store, Redis: b.redis.Opt, Logger: b.log,
		Publishers:      map[serentak.Platform]serentak.Publisher{serentak.Facebook: b.pub},
		ShutdownTimeout: 2 * time.Second,
		BackoffFunc:     func(int) time.Duration { return 100 * time.Millisecond },
		Lease:           5 * time.Minute,
		// Fast checks keep the tests' publishes close to their time.
		DelayedTaskCheckInterval: 100 * time.Millisecond, TaskCheckInterval: 100 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	w, err := worker.New(cfg)
	if err != nil {
		t.Fatalf("worker.New: %v", err)
	}
	return w
}

func (b *bundle) startWorker(t testing.TB, mutate func(*worker.Config)) *worker.Worker {
	t.Helper()
	w := b.newWorker(t, mutate)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Shutdown)
	return w
}

// taskExists reports whether Asynq holds a task for the delivery's version,
// in any state.
func (b *bundle) taskExists(t testing.TB, d serentak.Delivery) bool {
	t.Helper()
	key := "asynq:{" + task.Queue(d.Platform) + "}:t:" + task.ID(d.ID, d.Version)
	n, err := b.redis.Client.Exists(context.Background(), key).Result()
	if err != nil {
		t.Fatalf("exists: %v", err)
	}
	return n == 1
}

// archived counts archived tasks of the Facebook queue: there must never
// be any, as an archived task pins its ID.
func (b *bundle) archived(t testing.TB) int64 {
	t.Helper()
	n, err := b.redis.Client.ZCard(context.Background(), "asynq:{"+task.Queue(serentak.Facebook)+"}:archived").Result()
	if err != nil {
		t.Fatalf("zcard: %v", err)
	}
	return n
}

func (b *bundle) waitFinal(t testing.TB, d serentak.Delivery, timeout time.Duration) serentak.Delivery {
	t.Helper()
	var got serentak.Delivery
	testkit.WaitFor(t, timeout, "delivery "+d.ID+" to finish", func() bool {
		got = b.delivery(t, d)
		return got.Status.Final()
	})
	return got
}

// nextSecond returns the first whole second at least d from now, plus frac.
func nextSecond(d, frac time.Duration) time.Time {
	return time.Now().Add(d).Truncate(time.Second).Add(time.Second + frac)
}

func TestPublishedAtItsTimeNeverBefore(t *testing.T) {
	b := setup(t)
	// Fractions of a second are what Asynq rounds away: the task starts at
	// the whole second, up to 0.9 s early.
	var ds []serentak.Delivery
	for _, frac := range []time.Duration{900 * time.Millisecond, 500 * time.Millisecond, 100 * time.Millisecond, 0} {
		ds = append(ds, b.addDelivery(t, b.acc, nextSecond(time.Second, frac)))
	}
	b.startScheduler(t, nil)
	b.startWorker(t, nil)
	for _, d := range ds {
		got := b.waitFinal(t, d, 10*time.Second)
		if got.Status != serentak.DeliveryPublished || got.ExternalID != "fb_"+d.ID {
			t.Errorf("delivery = %s %q, want published", got.Status, got.ExternalID)
		}
		calls := b.pub.callsOf(d.ID)
		if len(calls) != 1 {
			t.Fatalf("%d publish calls, want 1", len(calls))
		}
		c := calls[0]
		if c.At.Before(d.ScheduledAt) {
			t.Errorf("published %v BEFORE its time %v", d.ScheduledAt.Sub(c.At), d.ScheduledAt)
		}
		if late := c.At.Sub(d.ScheduledAt); late > 1500*time.Millisecond {
			t.Errorf("published %v late", late)
		}
		if !c.ScheduledAt.Equal(d.ScheduledAt) || c.Attempt != 1 || c.Checkpoint != nil || c.AccessToken != "old-token" {
			t.Errorf("publish request = %+v", c)
		}
	}
}

func TestEachDeliveryPublishedOnceByTwoSchedulersAndTwoWorkers(t *testing.T) {
	b := setup(t)
	const n = 50
	var ds []serentak.Delivery
	for i := range n {
		ds = append(ds, b.addDelivery(t, b.acc, time.Now().Add(time.Duration(i%10)*100*time.Millisecond)))
	}
	b.startScheduler(t, nil)
	b.startScheduler(t, nil)
	b.startWorker(t, nil)
	b.startWorker(t, nil)
	for _, d := range ds {
		if got := b.waitFinal(t, d, 15*time.Second); got.Status != serentak.DeliveryPublished || got.Attempts != 1 {
			t.Errorf("delivery %s = %s after %d attempts, want published after 1", d.ID, got.Status, got.Attempts)
		}
	}
	for _, d := range ds {
		if c := b.pub.callsOf(d.ID); len(c) != 1 {
			t.Errorf("delivery %s: %d publish calls, want 1", d.ID, len(c))
		}
	}
	if got := b.pub.count(); got != n {
		t.Errorf("%d publish calls in all, want %d", got, n)
	}
	if a := b.archived(t); a != 0 {
		t.Errorf("%d archived tasks, want 0", a)
	}
}

func TestRedisFlushedBeforeDueStillPublishedOnce(t *testing.T) {
	b := setup(t)
	d := b.addDelivery(t, b.acc, nextSecond(2*time.Second, 300*time.Millisecond))
	// The stranded sweep's grace is long: the scheduler's marker must
	// notice the loss.
	b.startScheduler(t, func(c *scheduler.Config) {
		c.Horizon = 10 * time.Second
		c.StrandedGrace = time.Minute
	})
	b.startWorker(t, nil)
	testkit.WaitFor(t, 5*time.Second, "the task to be enqueued", func() bool { return b.taskExists(t, d) })
	b.redis.FlushAll(t)
	got := b.waitFinal(t, d, 10*time.Second)
	if got.Status != serentak.DeliveryPublished {
		t.Fatalf("status = %s, want published", got.Status)
	}
	calls := b.pub.callsOf(d.ID)
	if len(calls) != 1 {
		t.Fatalf("%d publish calls, want 1", len(calls))
	}
	if calls[0].At.Before(d.ScheduledAt) {
		t.Errorf("published before its time")
	}
	if late := calls[0].At.Sub(d.ScheduledAt); late > 1500*time.Millisecond {
		t.Errorf("published %v late", late)
	}
}

func TestCanceledNeverPublishedRescheduledOnceAtNewTime(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	canceled := b.addDelivery(t, b.acc, nextSecond(2*time.Second, 0))
	moved := b.addDelivery(t, b.acc, nextSecond(time.Second, 500*time.Millisecond))
	b.startScheduler(t, func(c *scheduler.Config) { c.Horizon = 10 * time.Second })
	b.startWorker(t, nil)
	testkit.WaitFor(t, 5*time.Second, "both tasks enqueued", func() bool {
		return b.taskExists(t, canceled) && b.taskExists(t, moved)
	})
	if _, err := b.store.CancelPost(ctx, canceled.WorkspaceID, canceled.PostID); err != nil {
		t.Fatal(err)
	}
	newAt := nextSecond(3*time.Second, 200*time.Millisecond)
	if _, err := b.store.ReschedulePost(ctx, moved.WorkspaceID, moved.PostID, newAt); err != nil {
		t.Fatal(err)
	}

	got := b.waitFinal(t, moved, 15*time.Second)
	if got.Status != serentak.DeliveryPublished || got.Version != 2 {
		t.Fatalf("rescheduled delivery = %s v%d, want published v2", got.Status, got.Version)
	}
	calls := b.pub.callsOf(moved.ID)
	if len(calls) != 1 {
		t.Fatalf("rescheduled delivery: %d publish calls, want 1", len(calls))
	}
	if calls[0].At.Before(newAt) {
		t.Errorf("rescheduled delivery published at %v, before its new time %v", calls[0].At, newAt)
	}
	// The old tasks ran and did nothing: they are gone from Redis.
	testkit.WaitFor(t, 5*time.Second, "the stale tasks to be processed", func() bool {
		return !b.taskExists(t, canceled) && !b.taskExists(t, moved)
	})
	if c := b.pub.callsOf(canceled.ID); len(c) != 0 {
		t.Errorf("canceled delivery published %d times", len(c))
	}
	if got := b.delivery(t, canceled); got.Status != serentak.DeliveryCanceled || got.Attempts != 0 {
		t.Errorf("canceled delivery = %s after %d attempts", got.Status, got.Attempts)
	}
}

func TestAbandonedAttemptResumesFromCheckpoint(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	d := b.addDelivery(t, b.acc, time.Now().Add(-time.Second))
	// A worker claimed the delivery, saved "about to call /feed", and died.
	claim, ok, err := b.store.ClaimDelivery(ctx, d.ID, d.Version, time.Now().Add(500*time.Millisecond))
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	saved := serentak.Checkpoint{"feed": "sending", "call": "1"}
	if err := b.store.SaveCheckpoint(ctx, claim, saved, time.Now().Add(500*time.Millisecond)); err != nil {
		t.Fatalf("save checkpoint: %v", err)
	}
	b.startScheduler(t, nil)
	b.startWorker(t, func(c *worker.Config) { c.Lease = 2 * time.Second })

	got := b.waitFinal(t, d, 10*time.Second)
	if got.Status != serentak.DeliveryPublished || got.Attempts != 2 {
		t.Fatalf("delivery = %s after %d attempts, want published after 2", got.Status, got.Attempts)
	}
	calls := b.pub.callsOf(d.ID)
	if len(calls) != 1 {
		t.Fatalf("%d publish calls, want 1", len(calls))
	}
	if diff := cmp.Diff(saved, calls[0].Checkpoint); diff != "" {
		t.Errorf("second attempt's checkpoint (-want +got):\n%s", diff)
	}
	if calls[0].Attempt != 2 {
		t.Errorf("attempt = %d, want 2", calls[0].Attempt)
	}
}

func pubErr(kind serentak.PublishErrorKind, after time.Duration) error {
	return &serentak.PublishError{Kind: kind, RetryAfter: after, Code: "42", Message: "platform says " + string(kind)}
}

// failTimes fails the first k calls of each delivery with err.
func failTimes(k int, err error) func(serentak.PublishRequest, int) (serentak.Result, error) {
	return func(_ serentak.PublishRequest, n int) (serentak.Result, error) {
		if n <= k {
			return serentak.Result{}, err
		}
		return serentak.Result{}, nil
	}
}

func TestOutcomes(t *testing.T) {
	newToken := serentak.Token{AccessToken: "new-token", RefreshToken: "refresh-2"}
	tests := []struct {
		name   string
		script func(serentak.PublishRequest, int) (serentak.Result, error)
		// refresh, when set, makes the publisher a TokenRefresher.
		refresh func(serentak.Account) (serentak.Token, error)
		// maxRetry, when set, enqueues the task by hand with that retry
		// budget instead of running the scheduler.
		maxRetry int
		// platform of the delivery; Facebook when empty.
		platform serentak.Platform

		wantStatus    serentak.DeliveryStatus
		wantCode      string
		wantCalls     int
		wantAccount   serentak.AccountStatus
		wantToken     string // the stored access token afterwards
		wantLastToken string // the token of the last publish call
	}{
		{name: "success", wantStatus: serentak.DeliveryPublished, wantCalls: 1},
		{name: "rejected fails without retry", script: failTimes(99, pubErr(serentak.Rejected, 0)),
			wantStatus: serentak.DeliveryFailed, wantCode: worker.CodeRejected, wantCalls: 1},
		{name: "auth expired without refresher needs reauth", script: failTimes(99, pubErr(serentak.AuthExpired, 0)),
			wantStatus: serentak.DeliveryFailed, wantCode: worker.CodeNeedsReauth, wantCalls: 1,
			wantAccount: serentak.AccountNeedsReauth},
		{name: "auth expired refreshed and published", script: failTimes(1, pubErr(serentak.AuthExpired, 0)),
			refresh:    func(serentak.Account) (serentak.Token, error) { return newToken, nil },
			wantStatus: serentak.DeliveryPublished, wantCalls: 2, wantToken: "new-token", wantLastToken: "new-token"},
		{name: "auth expired refresh refused", script: failTimes(99, pubErr(serentak.AuthExpired, 0)),
			refresh: func(serentak.Account) (serentak.Token, error) {
				return serentak.Token{}, pubErr(serentak.AuthExpired, 0)
			},
			wantStatus: serentak.DeliveryFailed, wantCode: worker.CodeNeedsReauth, wantCalls: 1,
			wantAccount: serentak.AccountNeedsReauth},
		{name: "auth still expired after refresh refreshes once", script: failTimes(99, pubErr(serentak.AuthExpired, 0)),
			refresh:    func(serentak.Account) (serentak.Token, error) { return newToken, nil },
			wantStatus: serentak.DeliveryFailed, wantCode: worker.CodeNeedsReauth, wantCalls: 2,
			wantAccount: serentak.AccountNeedsReauth, wantToken: "new-token"},
		{name: "rate limited then published", script: failTimes(2, pubErr(serentak.RateLimited, 100*time.Millisecond)),
			wantStatus: serentak.DeliveryPublished, wantCalls: 3},
		{name: "rate limits do not spend the retry budget", script: failTimes(3, pubErr(serentak.RateLimited, 100*time.Millisecond)),
			maxRetry: 1, wantStatus: serentak.DeliveryPublished, wantCalls: 4},
		{name: "pending then published", script: failTimes(1, pubErr(serentak.Pending, 100*time.Millisecond)),
			wantStatus: serentak.DeliveryPublished, wantCalls: 2},
		{name: "transient retried then published", script: failTimes(2, pubErr(serentak.Transient, 0)),
			wantStatus: serentak.DeliveryPublished, wantCalls: 3},
		{name: "network error retried then published", script: failTimes(1, io.ErrUnexpectedEOF),
			wantStatus: serentak.DeliveryPublished, wantCalls: 2},
		{name: "unknown until the budget is spent", script: failTimes(99, pubErr(serentak.Unknown, 0)),
			maxRetry: 2, wantStatus: serentak.DeliveryFailed, wantCode: worker.CodeRetriesExhausted, wantCalls: 3},
		{name: "no publisher for the platform", platform: serentak.TikTok,
			wantStatus: serentak.DeliveryFailed, wantCode: worker.CodeNoPublisher, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t)
			b.pub.script = tt.script
			var pub serentak.Publisher = b.pub
			if tt.refresh != nil {
				pub = &refreshingPublisher{fakePublisher: b.pub, refresh: tt.refresh}
			}
			acc := b.acc
			if tt.platform != "" {
				acc = b.addAccount(t, tt.platform)
			}
			d := b.addDelivery(t, acc, time.Now().Add(-time.Second))
			if tt.maxRetry > 0 {
				c := asynq.NewClient(b.redis.Opt)
				tk, opts := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
				if _, err := c.Enqueue(tk, append(opts, asynq.MaxRetry(tt.maxRetry))...); err != nil {
					t.Fatalf("enqueue: %v", err)
				}
				c.Close()
			} else {
				b.startScheduler(t, nil)
			}
			b.startWorker(t, func(c *worker.Config) {
				c.Publishers = map[serentak.Platform]serentak.Publisher{serentak.Facebook: pub}
			})

			got := b.waitFinal(t, d, 20*time.Second)
			if got.Status != tt.wantStatus {
				t.Errorf("status = %s (%+v), want %s", got.Status, got.Error, tt.wantStatus)
			}
			var gotCode string
			if got.Error != nil {
				gotCode = got.Error.Code
				if got.Error.Retryable {
					t.Errorf("final error marked retryable: %+v", got.Error)
				}
				if got.Error.Message == "" {
					t.Errorf("final error without a message")
				}
			}
			if gotCode != tt.wantCode {
				t.Errorf("error code = %q (%+v), want %q", gotCode, got.Error, tt.wantCode)
			}
			calls := b.pub.callsOf(d.ID)
			if len(calls) != tt.wantCalls {
				t.Errorf("%d publish calls, want %d", len(calls), tt.wantCalls)
			}
			// Every attempt after the first resumes from the checkpoint
			// the one before it saved.
			for i := 1; i < len(calls); i++ {
				if got, want := calls[i].Checkpoint["call"], fmt.Sprint(i); got != want {
					t.Errorf("call %d saw checkpoint %v, want the one saved by call %s", i+1, calls[i].Checkpoint, want)
				}
			}
			if tt.wantLastToken != "" && len(calls) > 0 && calls[len(calls)-1].AccessToken != tt.wantLastToken {
				t.Errorf("last call used token %q, want %q", calls[len(calls)-1].AccessToken, tt.wantLastToken)
			}
			stored, err := b.store.FindAccountByID(context.Background(), acc.WorkspaceID, acc.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantAccount := tt.wantAccount
			if wantAccount == "" {
				wantAccount = serentak.AccountActive
			}
			if stored.Status != wantAccount {
				t.Errorf("account status = %s, want %s", stored.Status, wantAccount)
			}
			if wantAccount == serentak.AccountNeedsReauth && stored.StatusReason == "" {
				t.Errorf("account needs reauth without a reason")
			}
			wantToken := tt.wantToken
			if wantToken == "" {
				wantToken = "old-token"
			}
			if stored.Token.AccessToken != wantToken {
				t.Errorf("stored token = %q, want %q", stored.Token.AccessToken, wantToken)
			}
			testkit.WaitFor(t, 5*time.Second, "the task to end", func() bool { return !b.taskExists(t, d) })
			if a := b.archived(t); a != 0 {
				t.Errorf("%d archived tasks, want 0", a)
			}
		})
	}
}

func TestProcessTaskDirect(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	w := b.newWorker(t, nil)

	t.Run("bad payload is dropped without retry", func(t *testing.T) {
		err := w.ProcessTask(ctx, asynq.NewTask(task.TypePublish, []byte(`{`)))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("err = %v, want SkipRetry", err)
		}
	})
	t.Run("stale version does nothing", func(t *testing.T) {
		d := b.addDelivery(t, b.acc, time.Now().Add(-time.Second))
		tk, _ := task.NewPublish(d.ID, d.Version+1, d.Platform, d.ScheduledAt)
		if err := w.ProcessTask(ctx, tk); err != nil {
			t.Fatalf("err = %v", err)
		}
		if got := b.delivery(t, d); got.Status != serentak.DeliveryScheduled || got.Attempts != 0 || len(b.pub.callsOf(d.ID)) != 0 {
			t.Errorf("stale task touched the delivery: %s, %d attempts", got.Status, got.Attempts)
		}
	})
	t.Run("a finished delivery is not published again", func(t *testing.T) {
		d := b.addDelivery(t, b.acc, time.Now().Add(-time.Second))
		tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
		for range 2 {
			if err := w.ProcessTask(ctx, tk); err != nil {
				t.Fatalf("err = %v", err)
			}
		}
		if n := len(b.pub.callsOf(d.ID)); n != 1 {
			t.Errorf("%d publish calls, want 1", n)
		}
	})
	t.Run("what the platform did differently is recorded", func(t *testing.T) {
		d := b.addDelivery(t, b.acc, time.Now().Add(-time.Second))
		said := []serentak.Warning{{Plain: "TikTok published the post but has not made it public"}}
		b.pub.script = func(req serentak.PublishRequest, n int) (serentak.Result, error) {
			return serentak.Result{ExternalID: "x_" + req.DeliveryID, Warnings: said}, nil
		}
		defer func() { b.pub.script = nil }()
		tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
		if err := w.ProcessTask(ctx, tk); err != nil {
			t.Fatalf("err = %v", err)
		}
		if got := b.delivery(t, d); got.Status != serentak.DeliveryPublished || !reflect.DeepEqual(got.Warnings, said) {
			t.Errorf("delivery = %s, warnings %q; want published with %q", got.Status, got.Warnings, said)
		}
	})
	t.Run("early task waits for the scheduled time", func(t *testing.T) {
		at := time.Now().Add(400 * time.Millisecond)
		d := b.addDelivery(t, b.acc, at)
		tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
		if err := w.ProcessTask(ctx, tk); err != nil {
			t.Fatalf("err = %v", err)
		}
		calls := b.pub.callsOf(d.ID)
		if len(calls) != 1 || calls[0].At.Before(d.ScheduledAt) {
			t.Errorf("calls = %+v, want one at or after %v", calls, d.ScheduledAt)
		}
	})
	t.Run("interrupted wait hands the delivery back", func(t *testing.T) {
		d := b.addDelivery(t, b.acc, time.Now().Add(time.Hour))
		tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if err := w.ProcessTask(cctx, tk); err == nil {
			t.Fatal("interrupted task returned nil; Asynq would drop it")
		}
		if len(b.pub.callsOf(d.ID)) != 0 {
			t.Fatal("published before its time")
		}
		got := b.delivery(t, d)
		if got.Status != serentak.DeliveryPublishing || got.Error == nil || got.Error.Code != worker.CodeInterrupted {
			t.Errorf("delivery = %s %+v, want publishing with an interrupted retry", got.Status, got.Error)
		}
	})
}

func TestLeaseLostDuringPublish(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	d := b.addDelivery(t, b.acc, time.Now().Add(-2*time.Hour))
	// The worker's clock is an hour behind, so its lease has run out by the
	// time it is granted, and another worker takes the delivery over while
	// the first is publishing.
	var taker serentak.Claim
	b.pub.script = nil
	stolen := &fakePublisher{platform: serentak.Facebook}
	steal := func(ctx context.Context, req serentak.PublishRequest) {
		c, ok, err := b.store.ClaimDelivery(ctx, req.DeliveryID, d.Version, time.Now().Add(time.Minute))
		if err != nil || !ok {
			t.Errorf("take over: %v %v", ok, err)
		}
		taker = c
	}
	pub := &stealingPublisher{fakePublisher: stolen, before: steal}
	w := b.newWorker(t, func(c *worker.Config) {
		c.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		c.Lease = time.Minute
		c.Publishers = map[serentak.Platform]serentak.Publisher{serentak.Facebook: pub}
	})
	tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
	if err := w.ProcessTask(ctx, tk); err != nil {
		t.Fatalf("ProcessTask = %v, want nil (another worker owns the delivery)", err)
	}
	got := b.delivery(t, d)
	if got.Status != serentak.DeliveryPublishing || got.Error != nil || got.Attempts != 2 || taker.Token == "" {
		t.Errorf("delivery = %s %+v after %d attempts, want left to the second claimer", got.Status, got.Error, got.Attempts)
	}
}

// stealingPublisher runs before ahead of each publish.
type stealingPublisher struct {
	*fakePublisher
	before func(context.Context, serentak.PublishRequest)
}

func (s *stealingPublisher) Publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	s.before(ctx, req)
	return s.fakePublisher.Publish(ctx, req)
}

// blockingPublisher blocks its first call until the worker cancels it.
type blockingPublisher struct {
	*fakePublisher
	started chan struct{}
	once    sync.Once
}

func (p *blockingPublisher) Publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	first := false
	p.once.Do(func() { first = true })
	if !first {
		return p.fakePublisher.Publish(ctx, req)
	}
	if err := req.SaveFunc(ctx, serentak.Checkpoint{"feed": "sending", "call": "1"}); err != nil {
		return serentak.Result{}, err
	}
	close(p.started)
	<-ctx.Done()
	return serentak.Result{}, &serentak.PublishError{Kind: serentak.Unknown, Message: "no answer", Err: ctx.Err()}
}

func TestShutdownHandsBackWorkInFlight(t *testing.T) {
	b := setup(t)
	d := b.addDelivery(t, b.acc, time.Now().Add(-time.Second))
	blocking := &blockingPublisher{fakePublisher: b.pub, started: make(chan struct{})}
	b.startScheduler(t, nil)
	w1 := b.startWorker(t, func(c *worker.Config) {
		c.ShutdownTimeout = time.Second
		c.Publishers = map[serentak.Platform]serentak.Publisher{serentak.Facebook: blocking}
	})
	select {
	case <-blocking.started:
	case <-time.After(10 * time.Second):
		t.Fatal("publish never started")
	}
	w1.Shutdown()
	got := b.delivery(t, d)
	if got.Status != serentak.DeliveryPublishing || got.Error == nil || got.Error.Code != worker.CodeInterrupted {
		t.Fatalf("after shutdown delivery = %s %+v, want handed back", got.Status, got.Error)
	}
	// Another worker takes it at once (not after the 5 min lease) and
	// resumes from the checkpoint.
	b.startWorker(t, nil)
	got = b.waitFinal(t, d, 10*time.Second)
	if got.Status != serentak.DeliveryPublished || got.Attempts != 2 {
		t.Fatalf("delivery = %s after %d attempts, want published after 2", got.Status, got.Attempts)
	}
	calls := b.pub.callsOf(d.ID)
	if len(calls) != 1 || calls[0].Checkpoint["call"] != "1" {
		t.Errorf("calls after hand-back = %+v, want one resuming from the checkpoint", calls)
	}
}

func TestNewValidates(t *testing.T) {
	b := setup(t)
	if _, err := worker.New(worker.Config{Redis: b.redis.Opt}); err == nil {
		t.Error("New without a store succeeded")
	}
	_, err := worker.New(worker.Config{Store: b.store, Redis: b.redis.Opt,
		Publishers: map[serentak.Platform]serentak.Publisher{serentak.Instagram: b.pub}})
	if err == nil {
		t.Error("New with a Facebook publisher under Instagram succeeded")
	}
	// The timings' defaults live in package config alone: a zero here is a
	// wiring mistake, not a silent second default.
	full := worker.Config{Store: b.store, Redis: b.redis.Opt,
		Lease: time.Minute, DelayedTaskCheckInterval: time.Second, TaskCheckInterval: time.Second}
	for name, zero := range map[string]func(*worker.Config){
		"Lease":                    func(c *worker.Config) { c.Lease = 0 },
		"DelayedTaskCheckInterval": func(c *worker.Config) { c.DelayedTaskCheckInterval = 0 },
		"TaskCheckInterval":        func(c *worker.Config) { c.TaskCheckInterval = 0 },
	} {
		cfg := full
		zero(&cfg)
		if _, err := worker.New(cfg); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("New without %s: %v, want an error naming it", name, err)
		}
	}
}

// TestRefreshTakesATokenAnotherProcessStored: while a publish fails with an
// expired token, another process (the keepalive pass, another worker)
// refreshes the account first. The worker must use that newer token and
// not spend the refresh token again: with rotating refresh tokens (TikTok)
// the spent one is dead, and refreshing with it would lose the account.
func TestRefreshTakesATokenAnotherProcessStored(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	var refreshCalls atomic.Int32
	b.pub.script = func(req serentak.PublishRequest, n int) (serentak.Result, error) {
		if req.Account.Token.AccessToken == "keeper-token" {
			return serentak.Result{}, nil
		}
		// The keeper refreshes the account while this call is refused.
		swapped, err := b.store.SwapAccountToken(ctx, b.ws, b.acc.ID, "refresh-token",
			serentak.Token{AccessToken: "keeper-token", RefreshToken: "refresh-rotated", ExpiresAt: time.Now().Add(time.Hour)})
		if err != nil || !swapped {
			t.Errorf("keeper swap = %v, %v", swapped, err)
		}
		return serentak.Result{}, pubErr(serentak.AuthExpired, 0)
	}
	pub := &refreshingPublisher{fakePublisher: b.pub, refresh: func(serentak.Account) (serentak.Token, error) {
		refreshCalls.Add(1)
		return serentak.Token{}, &serentak.PublishError{Kind: serentak.AuthExpired, Code: "invalid_grant", Message: "refresh token already used"}
	}}
	w := b.newWorker(t, func(c *worker.Config) {
		c.Publishers = map[serentak.Platform]serentak.Publisher{serentak.Facebook: pub}
	})
	d := b.addDelivery(t, b.acc, time.Now().Add(-time.Second))
	tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
	if err := w.ProcessTask(ctx, tk); err != nil {
		t.Fatalf("ProcessTask: %v", err)
	}
	if got := b.delivery(t, d); got.Status != serentak.DeliveryPublished {
		t.Fatalf("delivery %s (%+v), want published with the keeper's token", got.Status, got.Error)
	}
	if n := refreshCalls.Load(); n != 0 {
		t.Errorf("the worker spent the refresh token %d times; the keeper's token was already stored", n)
	}
	acc, err := b.store.FindAccountByID(ctx, b.ws, b.acc.ID)
	if err != nil || acc.Status != serentak.AccountActive || acc.Token.RefreshToken != "refresh-rotated" {
		t.Errorf("account = %s with refresh token %q (%v); want active with the rotated token", acc.Status, acc.Token.RefreshToken, err)
	}
}

// earlyPublisher is an EarlyStarter: like a real adapter it checkpoints,
// then waits for the time before its public call.
type earlyPublisher struct {
	entered, saved, public chan time.Time
}

func (p *earlyPublisher) Platform() serentak.Platform { return serentak.Facebook }
func (p *earlyPublisher) StartsEarly() bool           { return true }

func (p *earlyPublisher) Publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	p.entered <- time.Now()
	if err := req.SaveFunc(ctx, serentak.Checkpoint{"step": "feed"}); err != nil {
		return serentak.Result{}, err
	}
	p.saved <- time.Now()
	if err := req.WaitUntilDue(ctx); err != nil {
		return serentak.Result{}, err
	}
	p.public <- time.Now()
	return serentak.Result{ExternalID: "fb_" + req.DeliveryID}, nil
}

func TestEarlyStarterCheckpointsAheadAndPublishesAtTheTime(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	pub := &earlyPublisher{entered: make(chan time.Time, 2), saved: make(chan time.Time, 2), public: make(chan time.Time, 2)}
	w := b.newWorker(t, func(c *worker.Config) {
		c.Publishers = map[serentak.Platform]serentak.Publisher{serentak.Facebook: pub}
	})

	t.Run("work before the time, public call at it", func(t *testing.T) {
		d := b.addDelivery(t, b.acc, time.Now().Add(1500*time.Millisecond)) // ample time to start before it on a busy machine
		tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
		if err := w.ProcessTask(ctx, tk); err != nil {
			t.Fatalf("err = %v", err)
		}
		entered, saved, public := <-pub.entered, <-pub.saved, <-pub.public
		if !entered.Before(d.ScheduledAt) || !saved.Before(d.ScheduledAt) {
			t.Errorf("publisher entered %v and checkpointed %v; both should precede %v", entered, saved, d.ScheduledAt)
		}
		if public.Before(d.ScheduledAt) {
			t.Errorf("public call at %v, before its time %v", public, d.ScheduledAt)
		}
		if got := b.delivery(t, d); got.Status != serentak.DeliveryPublished {
			t.Errorf("delivery = %s, want published", got.Status)
		}
	})
	t.Run("interrupted wait keeps the checkpoint and hands back", func(t *testing.T) {
		d := b.addDelivery(t, b.acc, time.Now().Add(time.Hour))
		tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
		cctx, cancel := context.WithCancel(ctx)
		go func() { <-pub.saved; cancel() }()
		err := w.ProcessTask(cctx, tk)
		<-pub.entered
		if err == nil {
			t.Fatal("interrupted task returned nil; Asynq would drop it")
		}
		select {
		case at := <-pub.public:
			t.Fatalf("public call at %v, an hour early", at)
		default:
		}
		got := b.delivery(t, d)
		if got.Checkpoint["step"] != "feed" {
			t.Errorf("checkpoint = %v, want the step saved before the wait", got.Checkpoint)
		}
		if got.Status != serentak.DeliveryPublishing || got.Error == nil || got.Error.Code != worker.CodeInterrupted {
			t.Errorf("delivery = %s %+v, want publishing with an interrupted retry", got.Status, got.Error)
		}
	})
}

// leaseRecorder records the lease each checkpoint save asks for.
type leaseRecorder struct {
	*gormstore.Store
	mu     sync.Mutex
	leases []time.Time
}

func (r *leaseRecorder) SaveCheckpoint(ctx context.Context, c serentak.Claim, cp serentak.Checkpoint, leaseUntil time.Time) error {
	r.mu.Lock()
	r.leases = append(r.leases, leaseUntil)
	r.mu.Unlock()
	return r.Store.SaveCheckpoint(ctx, c, cp, leaseUntil)
}

// A checkpoint saved right after the claim leaves the fresh lease alone (so
// the row is updated in place); one saved later extends it.
func TestCheckpointsExtendTheLeaseOnlyWhenItHasAged(t *testing.T) {
	b := setup(t)
	clock := testkit.NewClock(time.Now())
	rec := &leaseRecorder{Store: b.store}
	pub := &fakePublisher{platform: serentak.Facebook, script: func(req serentak.PublishRequest, n int) (serentak.Result, error) {
		// fakePublisher saved once already; a minute later, save again.
		clock.Advance(time.Minute)
		return serentak.Result{}, req.SaveFunc(context.Background(), serentak.Checkpoint{"step": "later"})
	}}
	w := b.newWorker(t, func(c *worker.Config) {
		c.Store, c.Now, c.Lease = rec, clock.Now, 5*time.Minute
		c.Publishers = map[serentak.Platform]serentak.Publisher{serentak.Facebook: pub}
	})
	d := b.addDelivery(t, b.acc, clock.Now().Add(-time.Second))
	tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
	if err := w.ProcessTask(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.leases) != 2 {
		t.Fatalf("%d checkpoint saves, want 2", len(rec.leases))
	}
	if !rec.leases[0].IsZero() {
		t.Errorf("the save right after the claim extended the lease to %v; the claim's lease is fresh", rec.leases[0])
	}
	if want := clock.Now().Add(5 * time.Minute); !rec.leases[1].Equal(want) {
		t.Errorf("the save a minute later set the lease to %v, want %v", rec.leases[1], want)
	}
}

// What a publisher keeps after its call (PublishRequest.KeepFunc) is
// stored with the attempt's outcome: with the publication, in its write,
// and before a retry, so the next attempt sees it without reconciling.
func TestKeptCheckpointIsStoredWithTheOutcome(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	w := b.newWorker(t, nil)
	for _, tc := range []struct {
		name   string
		err    error
		status serentak.DeliveryStatus
	}{
		{"published", nil, serentak.DeliveryPublished},
		{"retried", pubErr(serentak.Transient, 0), serentak.DeliveryPublishing},
		{"failed", pubErr(serentak.Rejected, 0), serentak.DeliveryFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := b.addDelivery(t, b.acc, time.Now().Add(-time.Second))
			b.pub.script = func(req serentak.PublishRequest, n int) (serentak.Result, error) {
				if err := req.KeepFunc(ctx, serentak.Checkpoint{"feed": "sent", "post_id": "fb_" + req.DeliveryID}); err != nil {
					t.Errorf("KeepFunc: %v", err)
				}
				if tc.err != nil {
					return serentak.Result{}, tc.err
				}
				return serentak.Result{ExternalID: "fb_" + req.DeliveryID}, nil
			}
			defer func() { b.pub.script = nil }()
			tk, _ := task.NewPublish(d.ID, d.Version, d.Platform, d.ScheduledAt)
			_ = w.ProcessTask(ctx, tk)
			got := b.delivery(t, d)
			if got.Status != tc.status || got.Checkpoint["post_id"] != "fb_"+d.ID {
				t.Errorf("delivery = %s with checkpoint %v; want %s with the kept post_id", got.Status, got.Checkpoint, tc.status)
			}
		})
	}
}
