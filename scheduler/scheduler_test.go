package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/scheduler"
	"github.com/serentak/serentak/task"
	"github.com/serentak/serentak/testkit"
)

// bundle is one test's database, Redis, workspace and account.
type bundle struct {
	store *gormstore.Store
	redis *redistest.Redis
	insp  *asynq.Inspector
	acc   serentak.Account
}

func setup(t testing.TB) *bundle {
	t.Helper()
	return setupAt(t, storetest.URL(t))
}

// setupAt is setup on the database at url (storetest.URL).
func setupAt(t testing.TB, url string) *bundle {
	t.Helper()
	ctx := context.Background()
	b := &bundle{store: storetest.Open(t, gormstore.Config{URL: url}), redis: redistest.New(t)}
	b.insp = asynq.NewInspector(b.redis.Opt)
	t.Cleanup(func() { b.insp.Close() })
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Toko Test", Timezone: "Asia/Jakarta"}
	key := serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: ws.ID, Hash: serentak.HashSecret(ws.ID)}
	if err := b.store.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	acc, _, err := b.store.UpsertAccount(ctx, serentak.Account{
		ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: ws.ID, Platform: serentak.Facebook, ExternalID: "page-1", Name: "Toko Page",
		Status: serentak.AccountActive, Token: serentak.Token{AccessToken: "tok"},
	})
	if err != nil {
		t.Fatalf("upsert account: %v", err)
	}
	b.acc = acc
	return b
}

// addDelivery creates a post with one Facebook delivery due at at.
func (b *bundle) addDelivery(t testing.TB, at time.Time) serentak.Delivery {
	t.Helper()
	p := serentak.Post{
		ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: b.acc.WorkspaceID, Caption: "hi", ScheduledAt: at,
		Deliveries: []serentak.Delivery{{
			ID: serentak.NewID(serentak.PrefixDelivery), AccountID: b.acc.ID, Platform: serentak.Facebook,
			Content: serentak.Content{Text: "hi"}, ScheduledAt: at,
		}},
	}
	out, _, err := b.store.CreatePost(context.Background(), p, nil)
	if err != nil {
		t.Fatalf("create post: %v", err)
	}
	return out.Deliveries[0]
}

func (b *bundle) newScheduler(t testing.TB, mutate func(*scheduler.Config)) *scheduler.Scheduler {
	t.Helper()
	cfg := scheduler.Config{
		Store: b.store, Redis: b.redis.Opt, Tick: 50 * time.Millisecond, Horizon: 2 * time.Second,
		StrandedGrace: 30 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := scheduler.New(cfg)
	if err != nil {
		t.Fatalf("scheduler.New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// taskOf returns the Asynq task of a delivery's version, or nil.
func (b *bundle) taskOf(t *testing.T, d serentak.Delivery) *asynq.TaskInfo {
	t.Helper()
	info, err := b.insp.GetTaskInfo(task.Queue(d.Platform), task.ID(d.ID, d.Version))
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("get task info: %v", err)
	}
	return info
}

// queueSize is the number of tasks in the Facebook queue, in any state,
// counted from Asynq's task keys.
func (b *bundle) queueSize(t *testing.T) int {
	t.Helper()
	keys, err := b.redis.Client.Keys(context.Background(), "asynq:{"+task.Queue(serentak.Facebook)+"}:t:*").Result()
	if err != nil {
		t.Fatalf("list task keys: %v", err)
	}
	return len(keys)
}

func tick(t *testing.T, s *scheduler.Scheduler) scheduler.Stats {
	t.Helper()
	st, err := s.Tick(context.Background())
	if err != nil {
		t.Fatalf("tick: %v", err)
	}
	return st
}

func TestTickEnqueuesDueWithinHorizon(t *testing.T) {
	b := setup(t)
	now := time.Now()
	overdue := b.addDelivery(t, now.Add(-time.Minute))
	// Seconds ahead, so that a slow setup (a busy machine, -race) still
	// ticks before its time, and within the horizon.
	soon := b.addDelivery(t, now.Add(3*time.Second).Truncate(time.Second).Add(700*time.Millisecond))
	later := b.addDelivery(t, now.Add(time.Hour))
	s := b.newScheduler(t, func(c *scheduler.Config) { c.Horizon = 5 * time.Second })

	st := tick(t, s)
	if !st.Reset || st.Enqueued != 2 || st.AlreadyQueued != 0 {
		t.Fatalf("first tick = %+v, want Reset, Enqueued 2", st)
	}
	if info := b.taskOf(t, overdue); info == nil || info.State != asynq.TaskStatePending {
		t.Errorf("overdue delivery's task = %+v, want pending", info)
	}
	info := b.taskOf(t, soon)
	if info == nil || info.State != asynq.TaskStateScheduled {
		t.Fatalf("soon delivery's task = %+v, want scheduled", info)
	}
	if want := soon.ScheduledAt.Truncate(time.Second); !info.NextProcessAt.Equal(want) {
		t.Errorf("task process time = %v, want %v (scheduled time rounded down)", info.NextProcessAt, want)
	}
	if info.Queue != task.Queue(serentak.Facebook) || info.MaxRetry != task.MaxRetry {
		t.Errorf("task queue/max retry = %s/%d", info.Queue, info.MaxRetry)
	}
	p, err := task.ParsePublish(asynq.NewTask(info.Type, info.Payload))
	if err != nil || p.DeliveryID != soon.ID || p.Version != 1 {
		t.Errorf("payload = %+v, %v", p, err)
	}
	if b.taskOf(t, later) != nil {
		t.Errorf("a delivery due in an hour was enqueued")
	}

	st = tick(t, s)
	if st != (scheduler.Stats{}) {
		t.Errorf("second tick = %+v, want nothing done (deliveries marked enqueued)", st)
	}
}

func TestTickBatches(t *testing.T) {
	b := setup(t)
	for range 7 {
		b.addDelivery(t, time.Now().Add(-time.Second))
	}
	s := b.newScheduler(t, func(c *scheduler.Config) { c.BatchSize = 3 })
	if st := tick(t, s); st.Enqueued != 7 {
		t.Fatalf("tick = %+v, want 7 enqueued in batches of 3", st)
	}
	if n := b.queueSize(t); n != 7 {
		t.Errorf("queue holds %d tasks, want 7", n)
	}
}

func TestTwoSchedulersEnqueueEachDeliveryOnce(t *testing.T) {
	b := setup(t)
	const n = 50
	var ds []serentak.Delivery
	for i := range n {
		ds = append(ds, b.addDelivery(t, time.Now().Add(time.Duration(i%3)*time.Second)))
	}
	s1 := b.newScheduler(t, nil)
	s2 := b.newScheduler(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range []*scheduler.Scheduler{s1, s2} {
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(ctx) }()
	}
	testkit.WaitFor(t, 10*time.Second, "every delivery enqueued", func() bool {
		for _, d := range ds {
			if b.taskOf(t, d) == nil {
				return false
			}
		}
		return true
	})
	// Let both keep ticking a while, including concurrent Redis-loss
	// resets, then count.
	b.redis.FlushAll(t)
	testkit.WaitFor(t, 10*time.Second, "every delivery enqueued again after FLUSHALL", func() bool {
		return b.queueSize(t) == n
	})
	for range 5 {
		s1.Wake()
		s2.Wake()
		time.Sleep(60 * time.Millisecond) // let several passes run; the count below must stay n
	}
	cancel()
	wg.Wait()
	if got := b.queueSize(t); got != n {
		t.Errorf("queue holds %d tasks, want %d (one per delivery)", got, n)
	}
}

func TestRedisLossReenqueues(t *testing.T) {
	b := setup(t)
	d := b.addDelivery(t, time.Now().Add(-time.Second))
	s := b.newScheduler(t, nil)
	tick(t, s)
	if b.taskOf(t, d) == nil {
		t.Fatal("not enqueued")
	}
	if st := tick(t, s); st.Reset {
		t.Fatalf("second tick reset with the marker present: %+v", st)
	}

	b.redis.FlushAll(t)
	st := tick(t, s)
	if !st.Reset || st.ResetCount != 1 || st.Enqueued != 1 {
		t.Fatalf("tick after FLUSHALL = %+v, want a reset of 1 and 1 enqueued", st)
	}
	if b.taskOf(t, d) == nil {
		t.Fatal("not enqueued again after FLUSHALL")
	}
	if v, err := b.redis.Client.Get(context.Background(), scheduler.MarkerKey).Result(); err != nil || v == "" {
		t.Errorf("marker after reset = %q, %v", v, err)
	}
}

func TestCanceledAndRescheduled(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	canceled := b.addDelivery(t, time.Now().Add(-time.Second))
	moved := b.addDelivery(t, time.Now().Add(-time.Second))
	if _, err := b.store.CancelPost(ctx, b.acc.WorkspaceID, canceled.PostID); err != nil {
		t.Fatal(err)
	}
	s := b.newScheduler(t, nil)
	tick(t, s)
	if b.taskOf(t, canceled) != nil {
		t.Error("a canceled delivery was enqueued")
	}
	// Rescheduled after enqueue: the new version gets its own task.
	newAt := time.Now().Add(time.Second)
	if _, err := b.store.ReschedulePost(ctx, b.acc.WorkspaceID, moved.PostID, newAt); err != nil {
		t.Fatal(err)
	}
	if st := tick(t, s); st.Enqueued != 1 {
		t.Fatalf("tick after reschedule = %+v, want the new version enqueued", st)
	}
	moved.Version = 2
	if info := b.taskOf(t, moved); info == nil || !info.NextProcessAt.Equal(newAt.Truncate(time.Second)) {
		t.Errorf("rescheduled task = %+v, want one for version 2 at %v", info, newAt.Truncate(time.Second))
	}
}

func TestStrandedDeliveriesEnqueuedAgain(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	now := time.Now()
	lost := b.addDelivery(t, now.Add(-time.Minute))
	abandoned := b.addDelivery(t, now.Add(-time.Minute))
	clock := testkit.NewClock(now)
	s := b.newScheduler(t, func(c *scheduler.Config) {
		c.StrandedGrace = 30 * time.Second
		c.Now = clock.Now
	})
	tick(t, s)

	// The first task vanished from Redis without the marker going (say a
	// worker crashed mid-way and its task ended); the second delivery was
	// claimed by a worker that died, its lease now run out.
	q := task.Queue(serentak.Facebook)
	for _, d := range []serentak.Delivery{lost, abandoned} {
		if err := b.insp.DeleteTask(q, task.ID(d.ID, d.Version)); err != nil {
			t.Fatalf("delete task: %v", err)
		}
	}
	if _, ok, err := b.store.ClaimDelivery(ctx, abandoned.ID, abandoned.Version, now.Add(-time.Second)); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}

	st := tick(t, s)
	if st.Stranded != 1 || st.StrandedEnqueued != 1 {
		t.Fatalf("tick within grace = %+v, want only the expired lease", st)
	}
	if b.taskOf(t, abandoned) == nil {
		t.Error("delivery with an expired lease not enqueued again")
	}

	later := now.Add(time.Minute)
	clock.Set(later)
	st = tick(t, s)
	if st.Stranded != 2 || st.StrandedEnqueued != 1 {
		t.Fatalf("tick after grace = %+v, want 2 stranded, 1 enqueued (the other still queued)", st)
	}
	if b.taskOf(t, lost) == nil {
		t.Error("lost delivery not enqueued again")
	}
	// Its grace period restarted: the next pass leaves it alone.
	st = tick(t, s)
	if st.StrandedEnqueued != 0 {
		t.Errorf("next tick = %+v, want nothing enqueued again", st)
	}
}

// replacement returns the n-th replacement task of a delivery, or nil.
func (b *bundle) replacement(t *testing.T, d serentak.Delivery, n int) *asynq.TaskInfo {
	t.Helper()
	info, err := b.insp.GetTaskInfo(task.Queue(d.Platform), task.ReplacementID(d.ID, d.Version, n))
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("get task info: %v", err)
	}
	return info
}

// holdTasks runs an Asynq server that takes n tasks and never finishes
// them, like a worker killed with SIGKILL: Asynq keeps such a task active
// under its ID. With every slot held it takes no more. It returns when the
// n tasks are taken.
func (b *bundle) holdTasks(t *testing.T, n int) {
	t.Helper()
	taken := make(chan string, n)
	release := make(chan struct{})
	srv := asynq.NewServer(b.redis.Opt, asynq.Config{
		Queues: map[string]int{task.Queue(serentak.Facebook): 1}, Concurrency: n,
		TaskCheckInterval: 20 * time.Millisecond, DelayedTaskCheckInterval: 20 * time.Millisecond,
		LogLevel: asynq.FatalLevel, ShutdownTimeout: time.Second,
	})
	err := srv.Start(asynq.HandlerFunc(func(ctx context.Context, tk *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		taken <- id
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}))
	if err != nil {
		t.Fatalf("start asynq server: %v", err)
	}
	t.Cleanup(func() { close(release); srv.Shutdown() })
	for range n {
		select {
		case <-taken:
		case <-time.After(10 * time.Second):
			t.Fatalf("the tasks were not taken")
		}
	}
}

// A worker killed with SIGKILL leaves its task active in Redis under the
// delivery's task ID until Asynq's own recovery, a minute or more later, or
// for good if Asynq archives it. The sweep must not wait for that: a
// stranded delivery (never claimed, or its lease run out) whose task is
// active or archived gets a replacement task. Found by the chaos suite:
// killed workers' deliveries waited about a minute past a 3 s lease.
func TestStrandedDeliveryWithADeadTaskIsReplaced(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	now := time.Now()
	clock := testkit.NewClock(now)
	s := b.newScheduler(t, func(c *scheduler.Config) {
		c.StrandedGrace = 30 * time.Second
		c.Now = clock.Now
	})
	unclaimed := b.addDelivery(t, now.Add(-time.Minute))
	claimed := b.addDelivery(t, now.Add(-time.Minute))
	if st := tick(t, s); st.Enqueued != 2 {
		t.Fatalf("first tick = %+v, want both enqueued", st)
	}
	// A worker takes both tasks and dies: one delivery before its claim,
	// the other after (its lease long run out).
	b.holdTasks(t, 2)
	if _, ok, err := b.store.ClaimDelivery(ctx, claimed.ID, claimed.Version, now.Add(-time.Second)); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	for _, d := range []serentak.Delivery{unclaimed, claimed} {
		if info := b.taskOf(t, d); info == nil || info.State != asynq.TaskStateActive {
			t.Fatalf("task of %s = %+v, want active: the test proves nothing", d.ID, info)
		}
	}

	later := now.Add(time.Minute)
	clock.Set(later)
	st := tick(t, s)
	if st.Stranded != 2 || st.StrandedEnqueued != 2 {
		t.Fatalf("tick after grace = %+v, want both replaced", st)
	}
	for _, d := range []serentak.Delivery{unclaimed, claimed} {
		if b.replacement(t, d, 1) == nil {
			t.Errorf("no replacement task for %s", d.ID)
		}
	}
	// The replacement waits its turn: the next pass leaves it alone.
	if st := tick(t, s); st.StrandedEnqueued != 0 {
		t.Errorf("next tick = %+v, want the replacements found, not more", st)
	}
	// The replacements are taken by a worker that dies too: the next ones.
	b.holdTasks(t, 2)
	later = later.Add(time.Minute)
	clock.Set(later)
	if st := tick(t, s); st.StrandedEnqueued != 2 {
		t.Fatalf("tick after the replacements died = %+v, want two more", st)
	}
	for _, d := range []serentak.Delivery{unclaimed, claimed} {
		if b.replacement(t, d, 2) == nil {
			t.Errorf("no second replacement task for %s", d.ID)
		}
	}
}

// An archived task pins its ID: the stranded delivery gets a replacement.
func TestStrandedDeliveryWithAnArchivedTaskIsReplaced(t *testing.T) {
	b := setup(t)
	now := time.Now()
	clock := testkit.NewClock(now)
	s := b.newScheduler(t, func(c *scheduler.Config) {
		c.StrandedGrace = 30 * time.Second
		c.Now = clock.Now
	})
	d := b.addDelivery(t, now.Add(-time.Minute))
	tick(t, s)
	if err := b.insp.ArchiveTask(task.Queue(d.Platform), task.ID(d.ID, d.Version)); err != nil {
		t.Fatalf("archive: %v", err)
	}
	later := now.Add(time.Minute)
	clock.Set(later)
	if st := tick(t, s); st.StrandedEnqueued != 1 || b.replacement(t, d, 1) == nil {
		t.Fatalf("tick = %+v, want a replacement of the archived task", st)
	}
}

func TestWakeEnqueuesAtOnce(t *testing.T) {
	b := setup(t)
	s := b.newScheduler(t, func(c *scheduler.Config) { c.Tick = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	// The first pass runs at once and sets the marker.
	testkit.WaitFor(t, 5*time.Second, "the first pass", func() bool {
		return b.redis.Client.Exists(context.Background(), scheduler.MarkerKey).Val() == 1
	})
	d := b.addDelivery(t, time.Now())
	s.Wake()
	testkit.WaitFor(t, 5*time.Second, "the woken pass to enqueue", func() bool { return b.taskOf(t, d) != nil })
}

// flakyStore fails its first calls, as a database restarting would.
type flakyStore struct {
	scheduler.Store
	failures atomic.Int32
}

func (f *flakyStore) FindDueDeliveries(ctx context.Context, before time.Time, limit int) ([]serentak.DueDelivery, error) {
	if f.failures.Add(-1) >= 0 {
		return nil, fmt.Errorf("connection refused")
	}
	return f.Store.FindDueDeliveries(ctx, before, limit)
}

func TestRunSurvivesStoreErrors(t *testing.T) {
	b := setup(t)
	d := b.addDelivery(t, time.Now())
	fs := &flakyStore{Store: b.store}
	fs.failures.Store(3)
	s := b.newScheduler(t, func(c *scheduler.Config) { c.Store = fs })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	testkit.WaitFor(t, 5*time.Second, "enqueue after the store recovers", func() bool { return b.taskOf(t, d) != nil })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := scheduler.New(scheduler.Config{Redis: asynq.RedisClientOpt{Addr: "127.0.0.1:1"}}); err == nil {
		t.Error("New without a store succeeded")
	}
	if _, err := scheduler.New(scheduler.Config{Store: &flakyStore{}}); err == nil {
		t.Error("New without Redis succeeded")
	}
	// The timings' defaults live in package config alone: a zero here is a
	// wiring mistake, not a silent second default.
	full := scheduler.Config{Store: &flakyStore{}, Redis: asynq.RedisClientOpt{Addr: "127.0.0.1:1"},
		Tick: time.Second, Horizon: 5 * time.Second, StrandedGrace: 30 * time.Second}
	for name, zero := range map[string]func(*scheduler.Config){
		"Tick":          func(c *scheduler.Config) { c.Tick = 0 },
		"Horizon":       func(c *scheduler.Config) { c.Horizon = 0 },
		"StrandedGrace": func(c *scheduler.Config) { c.StrandedGrace = 0 },
	} {
		cfg := full
		zero(&cfg)
		if _, err := scheduler.New(cfg); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("New without %s: %v, want an error naming it", name, err)
		}
	}
}

// BenchmarkTick measures one pass enqueueing 1,000 due deliveries: the
// query, the enqueues and the marking.
//
//	go test -run '^$' -bench Tick ./scheduler/
func BenchmarkTick(b *testing.B) {
	const n = 1000
	bb := setup(b)
	for range n {
		bb.addDelivery(b, time.Now().Add(-time.Second))
	}
	s := bb.newScheduler(b, nil)
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		bb.redis.FlushAll(b) // the pass then resets and enqueues all n
		b.StartTimer()
		st, err := s.Tick(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if st.Enqueued != n {
			b.Fatalf("enqueued %d, want %d", st.Enqueued, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

// The enqueue continues the trace stored with the delivery: its span is a
// child of the creating request's, and the task carries the enqueue span's
// traceparent for the worker.
func TestEnqueueContinuesTheStoredTrace(t *testing.T) {
	b := setup(t)
	const stored = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	p := serentak.Post{
		ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: b.acc.WorkspaceID, Caption: "hi", ScheduledAt: time.Now(),
		Deliveries: []serentak.Delivery{{
			ID: serentak.NewID(serentak.PrefixDelivery), AccountID: b.acc.ID, Platform: serentak.Facebook,
			Content: serentak.Content{Text: "hi"}, ScheduledAt: time.Now(), TraceParent: stored,
		}},
	}
	out, _, err := b.store.CreatePost(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	s := b.newScheduler(t, func(c *scheduler.Config) {
		c.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	})
	tick(t, s)

	spans := rec.Ended()
	if len(spans) != 1 || spans[0].Name() != "scheduler enqueue" {
		t.Fatalf("%d spans, want one scheduler enqueue", len(spans))
	}
	sp := spans[0]
	if sp.Parent().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || sp.Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("enqueue span's parent = %v, want the stored traceparent's span", sp.Parent())
	}
	info := b.taskOf(t, out.Deliveries[0])
	if info == nil {
		t.Fatal("no task enqueued")
	}
	pl, err := task.ParsePublish(asynq.NewTask(info.Type, info.Payload))
	want := "00-4bf92f3577b34da6a3ce929d0e0e4736-" + sp.SpanContext().SpanID().String() + "-01"
	if err != nil || pl.TraceParent != want {
		t.Errorf("task traceparent = %q, %v; want %q (the enqueue span)", pl.TraceParent, err, want)
	}
}
