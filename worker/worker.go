// Package worker publishes deliveries: it handles the Asynq publish tasks,
// claims each delivery in the database, calls the platform's Publisher with
// the stored checkpoint, and records the outcome. The database claim, not
// the queue, is what makes a delivery publish at most once at a time; the
// checkpoint is what lets a later attempt resume instead of repeating.
package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/task"
	"github.com/serentak/serentak/tracing"
)

// Store is what the worker needs from the database. The delivery writes are
// guarded by the claim's token and return serentak.ErrLeaseLost when
// another worker has taken over.
type Store interface {
	ClaimDelivery(ctx context.Context, id string, version int, leaseUntil time.Time) (serentak.Claim, bool, error)
	// SaveCheckpoint with a zero leaseUntil leaves the lease as it is.
	SaveCheckpoint(ctx context.Context, c serentak.Claim, cp serentak.Checkpoint, leaseUntil time.Time) error
	// CompleteDeliveryWithCheckpoint records a publication and, when cp is
	// not nil, the checkpoint with it, in one write.
	CompleteDeliveryWithCheckpoint(ctx context.Context, c serentak.Claim, r serentak.Result, cp serentak.Checkpoint) error
	FailDelivery(ctx context.Context, c serentak.Claim, e serentak.DeliveryError) error
	RetryDelivery(ctx context.Context, c serentak.Claim, e serentak.DeliveryError, retryAt time.Time) error
	MarkAccountNeedsReauth(ctx context.Context, workspaceID, id, reason string) error
	// Refreshing a token that rotates (TikTok) must spend each refresh
	// token once: these take the account's refresh lease and store the new
	// token only if the one spent is still the stored one.
	FindAccountByID(ctx context.Context, workspaceID, id string) (serentak.Account, error)
	ClaimTokenRefresh(ctx context.Context, accountID string, until time.Time) (bool, error)
	ReleaseTokenRefresh(ctx context.Context, accountID string) error
	SwapAccountToken(ctx context.Context, workspaceID, id, used string, t serentak.Token) (bool, error)
}

// Config configures a Worker. Store, Publishers and Redis are required.
type Config struct {
	Store      Store
	Publishers map[serentak.Platform]serentak.Publisher
	Redis      asynq.RedisConnOpt
	// Concurrency is how many deliveries of each platform are published at
	// once; DefaultConcurrency for a platform not listed.
	Concurrency map[serentak.Platform]int
	// Ahead is how many more deliveries of each platform may be claimed
	// before their time and wait for it (up to the scheduler's lead),
	// beyond Concurrency; DefaultAheadFactor × the platform's concurrency
	// for a platform not listed. A waiting delivery holds no publishing
	// slot: an early starter does its work before the time (a
	// checkpoint, an upload) holding one, gives it back to wait, and takes
	// one again for its public call. So in a burst larger than
	// Concurrency, more of it is claimed during the lead and less is left
	// for the second. Each waiting delivery costs a few tens of KB.
	Ahead map[serentak.Platform]int
	// Lease is how long a claim holds a delivery without news from its
	// worker; a SaveCheckpoint extends it (unless it was extended less
	// than a tenth of it ago, at most 30 s). It must exceed the longest
	// single publish step by that much.
	//
	// Lease, DelayedTaskCheckInterval and TaskCheckInterval are required:
	// their defaults are the operator's settings and live in one place,
	// package config (SERENTAK_WORKER_LEASE, SERENTAK_QUEUE_CHECK_INTERVAL).
	Lease time.Duration
	// MediaURLFunc gives platforms a URL for uploaded media.
	MediaURLFunc func(serentak.MediaRef) (string, error)
	// OpenMediaFunc streams a media item's bytes for platforms that are
	// pushed bytes (YouTube, TikTok file uploads).
	OpenMediaFunc func(ctx context.Context, m serentak.MediaRef) (io.ReadCloser, int64, error)
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
	// DelayedTaskCheckInterval is how often Asynq moves due scheduled and
	// retry tasks to their queue (Asynq's own 5 s default would make
	// publishing seconds late). Keep it well below the scheduler's lead.
	DelayedTaskCheckInterval time.Duration
	// TaskCheckInterval is how often an idle server looks for new tasks.
	TaskCheckInterval time.Duration
	// ShutdownTimeout is how long Shutdown lets publishes in flight finish
	// before handing their tasks back to the queue; 10 s when zero.
	ShutdownTimeout time.Duration
	// BackoffFunc is the wait after the n-th (from 0) transient failure;
	// 10 s·2^n capped at 30 min, ±20% jitter, when nil. A platform's
	// longer hint wins.
	BackoffFunc func(n int) time.Duration
	// Rand returns a number in [0, 1) for retry jitter; math/rand when nil.
	Rand func() float64
	// Observer is told each attempt's outcome and each call of a
	// platform's publisher (package metrics counts them); nil: nobody.
	Observer Observer
	// TracerProvider makes the span of each publish task, child of the
	// scheduler's span the task carries; nil: tracing off.
	TracerProvider trace.TracerProvider
}

// Outcome is how a publish attempt ended, as the logs' "outcome" and the
// metrics' outcome label say it.
type Outcome string

// The outcomes of an attempt that claimed its delivery.
const (
	OutcomePublished  Outcome = "published"
	OutcomeFailed     Outcome = "failed"
	OutcomeRetry      Outcome = "retry"
	OutcomeHandedBack Outcome = "handed_back"
	// OutcomeLeaseLost: another worker took the delivery over.
	OutcomeLeaseLost Outcome = "lease_lost"
)

// Outcomes lists every Outcome.
var Outcomes = []Outcome{OutcomePublished, OutcomeFailed, OutcomeRetry, OutcomeHandedBack, OutcomeLeaseLost}

// Observer is told what the worker does (metrics.Metrics).
type Observer interface {
	// Outcome: an attempt ended so, and it was recorded.
	Outcome(p serentak.Platform, o Outcome)
	// Late: a delivery was published d after its scheduled time.
	Late(p serentak.Platform, d time.Duration)
	// PlatformCall: the platform's publisher returned err after working
	// d, the wait for the scheduled time left out.
	PlatformCall(p serentak.Platform, err error, d time.Duration)
}

// nobody is the Observer when none is configured.
type nobody struct{}

func (nobody) Outcome(serentak.Platform, Outcome)                   {}
func (nobody) Late(serentak.Platform, time.Duration)                {}
func (nobody) PlatformCall(serentak.Platform, error, time.Duration) {}

// Worker runs Asynq servers on each platform queue.
type Worker struct {
	cfg Config
	// slots holds, per platform, a token for each delivery working with
	// the platform at once (Config.Concurrency); a delivery waiting for
	// its time holds none.
	slots   map[serentak.Platform]chan struct{}
	log     *slog.Logger
	tracer  trace.Tracer
	servers []*asynq.Server
	// serverPlatforms is the platform of each of servers.
	serverPlatforms []serentak.Platform
	// baseCtx is the parent of every task's context. Shutdown cancels it
	// shortly before Asynq gives up on the tasks in flight, so a handler
	// still waiting or publishing hands its delivery back at once.
	baseCtx    context.Context
	cancelBase context.CancelFunc
	// inflight counts running handlers: Shutdown returns only when each has
	// recorded its outcome, even one Asynq has stopped waiting for.
	inflight sync.WaitGroup

	mu      sync.Mutex
	started bool
}

// DefaultConcurrency is the number of publishes in flight per platform. A
// publish mostly waits: on the network, and, claimed up to the scheduler's
// lead before its time, on the clock, holding its slot. So this bounds how
// many deliveries due at the same second start on that second, and is far
// above the number of CPUs. Each slot costs a goroutine; the database pool
// bounds the queries in flight.
const DefaultConcurrency = 1000

// DefaultAheadFactor is, times a platform's concurrency, how many more of
// its deliveries may wait for their time, claimed, when Config.Ahead does
// not say.
const DefaultAheadFactor = 2

// tasksPerServer and maxServersPerQueue size the Asynq servers of a
// queue: one per thousand tasks at once, at most four.
const (
	tasksPerServer     = 1000
	maxServersPerQueue = 4
)

// New returns a Worker; Start starts it.
func New(cfg Config) (*Worker, error) {
	if cfg.Store == nil {
		return nil, errors.New("worker: Config.Store is required")
	}
	if cfg.Redis == nil {
		return nil, errors.New("worker: Config.Redis is required")
	}
	for p, pub := range cfg.Publishers {
		if pub == nil {
			return nil, fmt.Errorf("worker: nil publisher for %s", p)
		}
		if pub.Platform() != p {
			return nil, fmt.Errorf("worker: publisher for %s says it publishes to %s", p, pub.Platform())
		}
	}
	for name, d := range map[string]time.Duration{
		"Lease": cfg.Lease, "DelayedTaskCheckInterval": cfg.DelayedTaskCheckInterval, "TaskCheckInterval": cfg.TaskCheckInterval,
	} {
		if d <= 0 {
			return nil, fmt.Errorf("worker: Config.%s is %v; want a positive duration (config.Load gives its default)", name, d)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Observer == nil {
		cfg.Observer = nobody{}
	}
	if cfg.BackoffFunc == nil {
		rnd := cfg.Rand
		cfg.BackoffFunc = func(n int) time.Duration { return backoff(n, rnd) }
	}
	w := &Worker{cfg: cfg, log: cfg.Logger.With("component", "worker"), tracer: tracing.Tracer(cfg.TracerProvider)}

	w.baseCtx, w.cancelBase = context.WithCancel(context.Background())
	// Every platform gets a server, even one without a publisher, so its
	// deliveries fail with a clear message instead of waiting forever.
	w.slots = make(map[serentak.Platform]chan struct{}, len(serentak.Platforms))
	for _, p := range serentak.Platforms {
		conc := cfg.Concurrency[p]
		if conc <= 0 {
			conc = DefaultConcurrency
		}
		ahead, ok := cfg.Ahead[p]
		if !ok || ahead < 0 {
			ahead = DefaultAheadFactor * conc
		}
		w.slots[p] = make(chan struct{}, conc)
		// Asynq takes a queue's tasks one at a time, one round trip to
		// Redis each, in one loop per server: a burst of thousands is
		// taken faster by several servers on the queue.
		servers := min(maxServersPerQueue, max(1, (conc+ahead+tasksPerServer-1)/tasksPerServer))
		for i := range servers {
			tasks := (conc + ahead) / servers
			if i < (conc+ahead)%servers {
				tasks++
			}
			srv := asynq.NewServer(cfg.Redis, asynq.Config{
				Concurrency:              tasks,
				Queues:                   map[string]int{task.Queue(p): 1},
				RetryDelayFunc:           func(n int, err error, _ *asynq.Task) time.Duration { return retryDelay(n, err, cfg.Rand) },
				IsFailure:                isFailure,
				ErrorHandler:             asynq.ErrorHandlerFunc(w.handleError),
				Logger:                   asynqLogger{w.log.With("platform", p)},
				LogLevel:                 asynq.WarnLevel,
				DelayedTaskCheckInterval: cfg.DelayedTaskCheckInterval,
				TaskCheckInterval:        cfg.TaskCheckInterval,
				ShutdownTimeout:          cfg.ShutdownTimeout,
				BaseContext:              func() context.Context { return w.baseCtx },
				HealthCheckFunc: func(err error) {
					if err != nil {
						w.log.Error("Redis health check failed", "platform", p, "err", err)
					}
				},
			})
			w.servers = append(w.servers, srv)
			w.serverPlatforms = append(w.serverPlatforms, p)
		}
	}
	return w, nil
}

// Start starts taking tasks from every platform queue.
func (w *Worker) Start() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started {
		return errors.New("worker: already started")
	}
	mux := asynq.NewServeMux()
	mux.HandleFunc(task.TypePublish, w.ProcessTask)
	for i, srv := range w.servers {
		if err := srv.Start(mux); err != nil {
			for _, s := range w.servers[:i] {
				s.Shutdown()
			}
			return fmt.Errorf("worker: start queue %s: %w", task.Queue(w.serverPlatforms[i]), err)
		}
	}
	w.started = true
	return nil
}

// Shutdown stops taking tasks, lets publishes in flight finish for most of
// ShutdownTimeout, then cancels the rest, which hand their deliveries back
// (released at once, retried by any worker). It returns when every handler
// has returned. A Worker cannot be started again.
func (w *Worker) Shutdown() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.started {
		return
	}
	// Cancel the tasks still running a little before Asynq's own timeout,
	// leaving them time to record that they were interrupted.
	grace := w.cfg.ShutdownTimeout - min(w.cfg.ShutdownTimeout/2, 2*time.Second)
	stop := time.AfterFunc(grace, w.cancelBase)
	defer stop.Stop()
	var wg sync.WaitGroup
	for _, srv := range w.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv.Shutdown()
		}()
	}
	wg.Wait()
	w.cancelBase()
	w.inflight.Wait()
	w.started = false
}

// ProcessTask handles one publish task. It returns nil for every final
// outcome and for a task with nothing to do; an error asks Asynq to run the
// task again (see classify.go).
func (w *Worker) ProcessTask(ctx context.Context, t *asynq.Task) error {
	w.inflight.Add(1)
	defer w.inflight.Done()
	p, err := task.ParsePublish(t)
	if err != nil {
		w.log.Error("dropping a publish task with a bad payload", "err", err)
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	retried, maxRetry := retryCounts(ctx)
	ctx, span := w.tracer.Start(tracing.WithTraceParent(ctx, p.TraceParent), "worker publish",
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("serentak.delivery.id", p.DeliveryID),
			attribute.Int("serentak.delivery.version", p.Version),
			attribute.Int("serentak.task.retried", retried),
		))
	defer span.End()
	err = w.process(ctx, p, retried, maxRetry)
	if err != nil {
		span.SetStatus(codes.Error, "publish attempt ended in error; the task is retried")
	}
	if err != nil && retried >= maxRetry {
		// Asynq would archive the task, and an archived task pins its ID:
		// the scheduler's sweep could never enqueue the delivery again.
		// End the task instead; the delivery's lease runs out and the
		// sweep enqueues it anew.
		w.log.With(tracing.LogAttrs(ctx)...).Warn("last retry of a task ended in error; leaving the delivery to the stranded sweep",
			"delivery_id", p.DeliveryID, "version", p.Version, "err", err)
		return nil
	}
	return err
}

// retryCounts reads the task's retry count and budget, with the defaults of
// a first attempt when the context has none (a direct call in a test).
func retryCounts(ctx context.Context) (retried, maxRetry int) {
	retried, _ = asynq.GetRetryCount(ctx)
	maxRetry, ok := asynq.GetMaxRetry(ctx)
	if !ok {
		maxRetry = task.MaxRetry
	}
	return retried, maxRetry
}

// attempt is one claimed publish attempt.
type attempt struct {
	w     *Worker
	claim serentak.Claim
	log   *slog.Logger
	start time.Time

	mu         sync.Mutex
	checkpoint serentak.Checkpoint // the last one saved or kept
	// kept is a checkpoint the publisher kept (PublishRequest.KeepFunc)
	// and that no write has stored yet: the next one stores it.
	kept       serentak.Checkpoint
	leaseLost  bool
	leaseUntil time.Time // as last written
	// waited is how long the attempt has waited for the scheduled time,
	// which is not the platform's time (PlatformCall).
	waited time.Duration
	// slot is the platform's slots; holding, whether this attempt holds
	// one (only its own goroutine touches holding).
	slot    chan struct{}
	holding bool
}

// acquire takes a publishing slot, waiting for one.
func (a *attempt) acquire(ctx context.Context) error {
	if a.holding {
		return nil
	}
	select {
	case a.slot <- struct{}{}:
		a.holding = true
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release gives the slot back.
func (a *attempt) release() {
	if a.holding {
		<-a.slot
		a.holding = false
	}
}

// due is the attempt's DueFunc: an early starter waits for the scheduled
// time without its slot, and takes one again to make its public call.
// The wait for a slot, like the wait for the time, is not the platform's
// (PlatformCall).
func (a *attempt) due(ctx context.Context) error {
	if a.holding && !a.w.cfg.Now().Before(a.claim.Delivery.ScheduledAt) {
		return ctx.Err() // asked again after the time: keep the slot
	}
	a.release()
	if err := a.waitUntilDue(ctx); err != nil {
		return err
	}
	start := a.w.cfg.Now()
	err := a.acquire(ctx)
	a.mu.Lock()
	a.waited += a.w.cfg.Now().Sub(start)
	a.mu.Unlock()
	return err
}

func (w *Worker) process(ctx context.Context, p task.PublishPayload, retried, maxRetry int) error {
	leaseUntil := w.cfg.Now().Add(w.cfg.Lease)
	claim, ok, err := w.cfg.Store.ClaimDelivery(ctx, p.DeliveryID, p.Version, leaseUntil)
	if err != nil {
		return fmt.Errorf("worker: claim delivery %s v%d: %w", p.DeliveryID, p.Version, err)
	}
	if !ok {
		// Stale version, canceled, finished, or another worker holds it.
		w.log.Debug("nothing to do for publish task", "delivery_id", p.DeliveryID, "version", p.Version)
		return nil
	}
	d := claim.Delivery
	a := &attempt{
		w:          w,
		claim:      claim,
		leaseUntil: leaseUntil,
		start:      w.cfg.Now(),
		checkpoint: maps.Clone(d.Checkpoint),
		slot:       w.slots[d.Platform],
		// Every line about this delivery names it, its post and its
		// workspace, and its trace when tracing is on.
		log: w.log.With(append([]any{"delivery_id", d.ID, "post_id", d.PostID, "workspace_id", d.WorkspaceID,
			"platform", d.Platform, "attempt", d.Attempts, "version", d.Version}, tracing.LogAttrs(ctx)...)...),
	}
	trace.SpanFromContext(ctx).SetAttributes(
		attribute.String("serentak.post.id", d.PostID),
		attribute.String("serentak.workspace.id", d.WorkspaceID),
		attribute.String("serentak.platform", string(d.Platform)),
		attribute.Int("serentak.delivery.attempt", d.Attempts))

	// The task may start early: by the scheduler's lead, and by up to a
	// second more because Asynq keeps times in whole seconds. Nothing may
	// reach the platform before its time. An EarlyStarter is called now
	// and waits (through the request's DueFunc) before its public call, so
	// at the scheduled second only that call is left; any other publisher
	// is called when the time has come.
	pub := w.cfg.Publishers[d.Platform]
	if !startsEarly(pub) {
		if err := a.waitUntilDue(ctx); err != nil {
			return a.handBack(err)
		}
	}
	if pub == nil {
		return a.fail(decision{Action: actFail, Code: CodeNoPublisher,
			Message: fmt.Sprintf("this Serentak server cannot publish to %s: no %s publisher is configured", d.Platform.DisplayName(), d.Platform.DisplayName())})
	}

	res, err := a.publish(ctx, pub)
	if err == nil {
		return a.complete(res)
	}
	if a.lost(err) {
		return nil
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// Shutdown (or a cancellation of the task) cut the attempt short;
		// the platform's answer is unknown and the checkpoint covers it.
		// The task's context derives from the worker's base context. A
		// task that ran out of time is not handed back: it failed, and
		// spends its retry budget like any other failure.
		return a.handBack(err)
	}
	dec := w.classify(err, retried, maxRetry)
	if dec.Action == actReauth {
		var refreshed bool
		res, refreshed, err = a.refreshAndRepublish(ctx, pub, err)
		if refreshed {
			if err == nil {
				return a.complete(res)
			}
			if a.lost(err) {
				return nil
			}
			dec = w.classify(err, retried, maxRetry)
		}
	}
	switch dec.Action {
	case actReauth:
		return a.reauth(dec)
	case actFail:
		return a.fail(dec)
	case actRetry:
		return a.retry(dec, retried >= maxRetry)
	}
	return a.fail(decision{Action: actFail, Code: CodeTransient, Message: err.Error()})
}

func (w *Worker) classify(err error, retried, maxRetry int) decision {
	return classify(err, retried, maxRetry, w.cfg.BackoffFunc, w.cfg.Rand)
}

// publish calls the publisher with the claim's account, content and latest
// checkpoint; each checkpoint save also extends the lease.
func (a *attempt) publish(ctx context.Context, pub serentak.Publisher) (serentak.Result, error) {
	d := a.claim.Delivery
	a.mu.Lock()
	cp := maps.Clone(a.checkpoint)
	a.mu.Unlock()
	req := serentak.PublishRequest{
		DeliveryID:    d.ID,
		Account:       a.claim.Account,
		Content:       d.Content,
		ScheduledAt:   d.ScheduledAt,
		Attempt:       d.Attempts,
		Checkpoint:    cp,
		SaveFunc:      a.save,
		KeepFunc:      a.keep,
		MediaURLFunc:  a.w.mediaURL,
		OpenMediaFunc: a.w.cfg.OpenMediaFunc,
		DueFunc:       a.due,
	}
	// The slot is held while the attempt works with the platform, and
	// given back while an early starter waits for its time (a.due).
	if err := a.acquire(ctx); err != nil {
		return serentak.Result{}, err
	}
	defer a.release()
	start := a.w.cfg.Now()
	a.mu.Lock()
	waitedBefore := a.waited
	a.mu.Unlock()
	res, err := pub.Publish(ctx, req)
	if ctx.Err() == nil { // an interrupted call says nothing of the platform
		a.mu.Lock()
		waited := a.waited - waitedBefore
		a.mu.Unlock()
		a.w.cfg.Observer.PlatformCall(d.Platform, err, a.w.cfg.Now().Sub(start)-waited)
	}
	return res, err
}

// waitUntilDue blocks until the delivery's scheduled time.
func (a *attempt) waitUntilDue(ctx context.Context) error {
	if wait := a.claim.Delivery.ScheduledAt.Sub(a.w.cfg.Now()); wait > 0 {
		start := a.w.cfg.Now()
		err := sleep(ctx, wait)
		a.mu.Lock()
		a.waited += a.w.cfg.Now().Sub(start)
		a.mu.Unlock()
		return err
	}
	return ctx.Err()
}

// startsEarly reports whether pub may be called before the scheduled time.
func startsEarly(pub serentak.Publisher) bool {
	e, ok := pub.(serentak.EarlyStarter)
	return ok && e.StartsEarly()
}

func (w *Worker) mediaURL(m serentak.MediaRef) (string, error) {
	if m.URL != "" {
		return m.URL, nil
	}
	if w.cfg.MediaURLFunc == nil {
		return "", fmt.Errorf("worker: no media URL function configured for uploaded media %s", m.ID)
	}
	return w.cfg.MediaURLFunc(m)
}

// save is the attempt's SaveFunc. It extends the lease, unless the lease
// was written moments ago (the claim, then the checkpoint before the call,
// then the one after, come within milliseconds): leaving it alone lets the
// database update the row in place, and costs the next step at most
// leaseFresh of the lease.
func (a *attempt) save(ctx context.Context, cp serentak.Checkpoint) error {
	now := a.w.cfg.Now()
	a.mu.Lock()
	until := now.Add(a.w.cfg.Lease)
	if until.Sub(a.leaseUntil) < leaseFresh(a.w.cfg.Lease) {
		until = time.Time{}
	}
	a.mu.Unlock()
	err := a.w.cfg.Store.SaveCheckpoint(ctx, a.claim, cp, until)
	a.mu.Lock()
	defer a.mu.Unlock()
	if errors.Is(err, serentak.ErrLeaseLost) {
		a.leaseLost = true
	}
	if err == nil {
		// A later checkpoint holds what an earlier one kept (adapters add
		// to their checkpoint, never take back).
		a.kept = nil
		a.checkpoint = maps.Clone(cp)
		if !until.IsZero() {
			a.leaseUntil = until
		}
	}
	return err
}

// keep is the attempt's KeepFunc: the checkpoint is stored by the
// attempt's next write, the outcome's as a rule (CompleteDeliveryWithCheckpoint),
// saving a write per publication. Until then only this process knows it;
// if it dies first, the next attempt reconciles with the platform, as it
// would if the process had died just before a save. Every outcome writes
// it (storeKept before a failure or a retry).
func (a *attempt) keep(_ context.Context, cp serentak.Checkpoint) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.kept = maps.Clone(cp)
	a.checkpoint = maps.Clone(cp)
	return nil
}

// takeKept returns the checkpoint kept and not stored yet, or nil.
func (a *attempt) takeKept() serentak.Checkpoint {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.kept
}

// storeKept saves a kept checkpoint before an outcome other than a
// publication, which has no checkpoint of its own. A failure here loses
// nothing that reconciling cannot find, so it is only logged; a lost
// lease fails the outcome's own write too.
func (a *attempt) storeKept(ctx context.Context) {
	cp := a.takeKept()
	if cp == nil {
		return
	}
	if err := a.save(ctx, cp); err != nil {
		a.log.Warn("could not store the checkpoint kept by the publisher; the next attempt reconciles", "err", err)
	}
}

// leaseFresh is how recently written a lease is left as it is: a tenth of
// it, at most 30 s.
func leaseFresh(lease time.Duration) time.Duration {
	return min(lease/10, 30*time.Second)
}

// lost reports (and logs) whether another worker has taken the delivery
// over, seen either in err or in a checkpoint save the adapter may have
// wrapped beyond recognition.
func (a *attempt) lost(err error) bool {
	a.mu.Lock()
	lost := a.leaseLost
	a.mu.Unlock()
	if lost || errors.Is(err, serentak.ErrLeaseLost) {
		a.log.Warn("lease lost: another worker has taken this delivery over; leaving it to them",
			"outcome", OutcomeLeaseLost, "duration", a.w.cfg.Now().Sub(a.start), "err", err)
		a.w.cfg.Observer.Outcome(a.claim.Delivery.Platform, OutcomeLeaseLost)
		return true
	}
	return false
}

// refreshAndRepublish handles a refused token when the publisher can
// refresh it: refresh, persist, and publish once more right away. refreshed
// is false when no refresh happened (the caller then asks for reauth), and
// err is then the reason.
func (a *attempt) refreshAndRepublish(ctx context.Context, pub serentak.Publisher, authErr error) (res serentak.Result, refreshed bool, err error) {
	r, ok := pub.(serentak.TokenRefresher)
	if !ok {
		return res, false, authErr
	}
	tok, err := a.refreshToken(ctx, r)
	if err != nil {
		var pe *serentak.PublishError
		if errors.As(err, &pe) && (pe.Kind == serentak.Transient || pe.Kind == serentak.RateLimited || pe.Kind == serentak.Unknown) {
			// The platform could not answer; that says nothing about the
			// refresh token. Retry the whole attempt later.
			a.log.Warn("token refresh failed for now; will retry", "err", err)
			return res, true, err
		}
		a.log.Warn("token refresh refused", "err", err)
		return res, false, authErr
	}
	a.log.Info("access token refreshed; publishing again")
	a.claim.Account.Token = tok
	res, err = a.publish(ctx, pub)
	return res, true, err
}

// refreshLease bounds one token refresh by this worker.
const refreshLease = time.Minute

// refreshToken returns a fresh token for the claim's account. Refresh
// tokens may rotate (TikTok: each is good for one refresh), and the
// keepalive pass or another worker may be refreshing the same account, so
// only the holder of the account's refresh lease spends one, and what it
// gets is stored only if the refresh token it spent is still the stored
// one. When someone else refreshed first, their newer token is used.
func (a *attempt) refreshToken(ctx context.Context, r serentak.TokenRefresher) (serentak.Token, error) {
	st, acc := a.w.cfg.Store, a.claim.Account
	got, err := st.ClaimTokenRefresh(ctx, acc.ID, a.w.cfg.Now().Add(refreshLease))
	if err != nil {
		return serentak.Token{}, &serentak.PublishError{Kind: serentak.Transient, Message: "could not take the account's refresh lease", Err: err}
	}
	if !got {
		return serentak.Token{}, &serentak.PublishError{Kind: serentak.Transient, RetryAfter: 15 * time.Second,
			Message: "another process is refreshing this account's token; trying again shortly"}
	}
	defer func() {
		rctx, cancel := recordCtx()
		defer cancel()
		if err := st.ReleaseTokenRefresh(rctx, acc.ID); err != nil {
			a.log.Warn("releasing the refresh lease failed; it runs out by itself", "err", err)
		}
	}()
	cur, err := st.FindAccountByID(ctx, acc.WorkspaceID, acc.ID)
	if err != nil {
		return serentak.Token{}, &serentak.PublishError{Kind: serentak.Transient, Message: "could not read the account", Err: err}
	}
	if cur.Token.AccessToken != acc.Token.AccessToken {
		return cur.Token, nil // refreshed by someone else since the claim
	}
	tok, err := r.RefreshToken(ctx, cur)
	if err != nil {
		return serentak.Token{}, err
	}
	swapped, err := st.SwapAccountToken(ctx, cur.WorkspaceID, cur.ID, cur.Token.RefreshToken, tok)
	if err != nil {
		return serentak.Token{}, &serentak.PublishError{Kind: serentak.Transient, Message: "could not store the refreshed token", Err: err}
	}
	if !swapped {
		newer, err := st.FindAccountByID(ctx, cur.WorkspaceID, cur.ID)
		if err != nil {
			return serentak.Token{}, &serentak.PublishError{Kind: serentak.Transient, Message: "could not read the account", Err: err}
		}
		return newer.Token, nil
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = cur.Token.RefreshToken // Google sends none on refresh; the stored one stays
	}
	return tok, nil
}

// recordCtx is the context for recording an outcome: it survives the task's
// own cancellation (a shutdown mid-publish) so what happened is not lost.
func recordCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 15*time.Second)
}

func (a *attempt) complete(res serentak.Result) error {
	// The platform's answer is in: the post is public now, however late
	// the record below is.
	late := a.w.cfg.Now().Sub(a.claim.Delivery.ScheduledAt)
	if res.PublishedAt.IsZero() {
		res.PublishedAt = a.w.cfg.Now()
	}
	ctx, cancel := recordCtx()
	defer cancel()
	if err := a.w.cfg.Store.CompleteDeliveryWithCheckpoint(ctx, a.claim, res, a.takeKept()); err != nil {
		return a.recordFailed("complete", err)
	}
	a.log.Info("delivery published", "outcome", OutcomePublished, "external_id", res.ExternalID,
		"duration", a.w.cfg.Now().Sub(a.start))
	a.w.cfg.Observer.Outcome(a.claim.Delivery.Platform, OutcomePublished)
	a.w.cfg.Observer.Late(a.claim.Delivery.Platform, late)
	return nil
}

func (a *attempt) fail(dec decision) error {
	ctx, cancel := recordCtx()
	defer cancel()
	a.storeKept(ctx)
	if err := a.w.cfg.Store.FailDelivery(ctx, a.claim, serentak.DeliveryError{Code: dec.Code, Message: dec.Message}); err != nil {
		return a.recordFailed("fail", err)
	}
	a.log.Warn("delivery failed", "outcome", OutcomeFailed, "code", dec.Code, "message", dec.Message,
		"duration", a.w.cfg.Now().Sub(a.start))
	a.w.cfg.Observer.Outcome(a.claim.Delivery.Platform, OutcomeFailed)
	return nil
}

// reauth marks the account as needing a new connection and fails the
// delivery with a message that says what to do.
func (a *attempt) reauth(dec decision) error {
	acc := a.claim.Account
	name := acc.Platform.DisplayName()
	if acc.Name != "" {
		name += " account " + fmt.Sprintf("%q", acc.Name)
	} else {
		name += " account"
	}
	reason := fmt.Sprintf("%s refused the access token: %s", acc.Platform.DisplayName(), dec.Message)
	ctx, cancel := recordCtx()
	defer cancel()
	if err := a.w.cfg.Store.MarkAccountNeedsReauth(ctx, acc.WorkspaceID, acc.ID, reason); err != nil {
		return a.recordFailed("mark account needs_reauth", err)
	}
	dec.Message = fmt.Sprintf("The %s must be reconnected: %s. Reconnect the account in Serentak, then schedule the post again.", name, reason)
	return a.fail(dec)
}

// retry records the failed attempt and asks Asynq to run the task again
// after the decision's delay. On the task's last retry Asynq would archive
// it instead; then the task ends and the stranded sweep re-enqueues the
// delivery once its retry time has passed.
func (a *attempt) retry(dec decision, last bool) error {
	ctx, cancel := recordCtx()
	defer cancel()
	a.storeKept(ctx)
	retryAt := a.w.cfg.Now().Add(dec.Delay)
	e := serentak.DeliveryError{Code: dec.Code, Message: dec.Message, Retryable: true}
	if err := a.w.cfg.Store.RetryDelivery(ctx, a.claim, e, retryAt); err != nil {
		return a.recordFailed("retry", err)
	}
	a.log.Warn("delivery will be retried", "outcome", OutcomeRetry, "code", dec.Code, "message", dec.Message,
		"retry_in", dec.Delay, "spends_budget", dec.Failure, "duration", a.w.cfg.Now().Sub(a.start))
	a.w.cfg.Observer.Outcome(a.claim.Delivery.Platform, OutcomeRetry)
	if last {
		return nil
	}
	return &retryError{Delay: dec.Delay, Failure: dec.Failure, Code: dec.Code, Message: dec.Message}
}

// handBack gives the delivery back when the task is interrupted (the worker
// shuts down): the claim is released at once, rather than holding the
// delivery until the lease runs out, and the task is retried soon without
// spending the retry budget. A publish cut short midway left its checkpoint;
// the next attempt reconciles with the platform before calling again.
func (a *attempt) handBack(cause error) error {
	ctx, cancel := recordCtx()
	defer cancel()
	a.storeKept(ctx)
	e := serentak.DeliveryError{Code: CodeInterrupted, Message: "the worker stopped during the attempt; it will be tried again", Retryable: true}
	retryAt := a.w.cfg.Now()
	if s := a.claim.Delivery.ScheduledAt; s.After(retryAt) {
		retryAt = s
	}
	if err := a.w.cfg.Store.RetryDelivery(ctx, a.claim, e, retryAt); err != nil {
		if errors.Is(err, serentak.ErrLeaseLost) {
			a.w.cfg.Observer.Outcome(a.claim.Delivery.Platform, OutcomeLeaseLost)
			return nil
		}
		a.log.Error("could not hand the delivery back; it waits for its lease to run out", "err", err)
	}
	a.log.Info("attempt interrupted; delivery handed back", "outcome", OutcomeHandedBack, "err", cause,
		"duration", a.w.cfg.Now().Sub(a.start))
	a.w.cfg.Observer.Outcome(a.claim.Delivery.Platform, OutcomeHandedBack)
	return &retryError{Delay: retryAt.Sub(a.w.cfg.Now()), Code: CodeInterrupted, Message: cause.Error()}
}

// recordFailed handles a store error while recording an outcome: a lost
// lease means another worker owns the delivery now; anything else makes
// Asynq retry, and the next attempt reconciles through the checkpoint.
func (a *attempt) recordFailed(what string, err error) error {
	if errors.Is(err, serentak.ErrLeaseLost) {
		a.log.Warn("lease lost before the outcome was recorded; another worker has taken over",
			"outcome", OutcomeLeaseLost, "duration", a.w.cfg.Now().Sub(a.start))
		a.w.cfg.Observer.Outcome(a.claim.Delivery.Platform, OutcomeLeaseLost)
		return nil
	}
	return fmt.Errorf("worker: record outcome (%s) of delivery %s: %w", what, a.claim.Delivery.ID, err)
}

// handleError logs what Asynq does with a handler error.
func (w *Worker) handleError(ctx context.Context, t *asynq.Task, err error) {
	var re *retryError
	if errors.As(err, &re) {
		return // already logged by the handler, with its reason
	}
	id, _ := asynq.GetTaskID(ctx)
	w.log.Error("publish task failed; Asynq will retry it", "task_id", id, "err", err)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// asynqLogger sends Asynq's own logs to slog.
type asynqLogger struct{ l *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.l.Debug(fmt.Sprint(args...), "source", "asynq") }
func (l asynqLogger) Info(args ...any)  { l.l.Info(fmt.Sprint(args...), "source", "asynq") }
func (l asynqLogger) Warn(args ...any)  { l.l.Warn(fmt.Sprint(args...), "source", "asynq") }
func (l asynqLogger) Error(args ...any) { l.l.Error(fmt.Sprint(args...), "source", "asynq") }
func (l asynqLogger) Fatal(args ...any) {
	l.l.Error(fmt.Sprint(args...), "source", "asynq", "fatal", true)
	os.Exit(1)
}
