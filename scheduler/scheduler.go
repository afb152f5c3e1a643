// Package scheduler moves deliveries from the database into the queue. The
// database is the source of truth: the scheduler enqueues what is due, notices
// when Redis has lost its data and enqueues everything again, and re-enqueues
// deliveries that were enqueued or claimed but never finished. Every task has
// a deterministic ID (package task), so any number of schedulers can run at
// once and enqueueing twice makes one task.
package scheduler

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/task"
	"github.com/serentak/serentak/tracing"
)

// Store is what the scheduler needs from the database.
type Store interface {
	// FindDueDeliveries returns scheduled deliveries due before the given
	// time and not yet enqueued, at most limit of them.
	FindDueDeliveries(ctx context.Context, before time.Time, limit int) ([]serentak.DueDelivery, error)
	// MarkEnqueued records that a task exists for each delivery's version.
	MarkEnqueued(ctx context.Context, ds []serentak.DueDelivery, at time.Time) error
	// ResetEnqueued forgets every enqueue, after Redis lost its data, and
	// brings deliveries waiting for a lost retry task forward to their retry time.
	ResetEnqueued(ctx context.Context) (int64, error)
	// FindStrandedDeliveries returns deliveries enqueued or claimed more than
	// grace ago that nothing is working on.
	FindStrandedDeliveries(ctx context.Context, now time.Time, grace time.Duration, limit int) ([]serentak.DueDelivery, error)
}

// MarkerKey is the Redis key whose absence tells the scheduler that Redis
// has lost its data (FLUSHALL, or a restart without persistence). It never
// expires.
const MarkerKey = "serentak:scheduler:epoch"

// Config configures a Scheduler. Store and Redis are required.
type Config struct {
	Store Store
	Redis asynq.RedisConnOpt
	// Tick, Horizon and StrandedGrace are required: their defaults are
	// the operator's settings and live in one place, package config
	// (SERENTAK_SCHEDULER_TICK, _HORIZON, _STRANDED_GRACE).
	//
	// Tick is the time between passes.
	Tick time.Duration
	// Horizon is how far ahead due deliveries are enqueued (as scheduled
	// Asynq tasks), so a delivery is in Redis before its time comes.
	Horizon time.Duration
	// Lead is how long before its time a delivery's task is released to a
	// worker. The worker claims the delivery, loads its account and content,
	// then waits out the rest, so the platform call starts on time instead
	// of after a round of database work. Must be below Horizon; 0 releases
	// tasks at their time (rounded down to the second, as Asynq keeps it).
	Lead time.Duration
	// StrandedGrace is how long an enqueued delivery may wait unclaimed, or
	// a claimed one stay past its lease, before it is enqueued again.
	StrandedGrace time.Duration
	// BatchSize is how many deliveries one query returns; 1000 when zero.
	BatchSize int
	// EnqueueConcurrency is how many enqueues are in flight at once; 16
	// when zero. Each enqueue is one Redis round trip.
	EnqueueConcurrency int
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
	// RedisStartsEmpty says Redis is serve's in-process one, empty at every
	// start: the first pass finding no marker is then the normal start,
	// logged at INFO, not a loss.
	RedisStartsEmpty bool
	// TracerProvider makes the span of each enqueue, continuing the trace
	// of the request that created the delivery; nil: tracing off.
	TracerProvider trace.TracerProvider
}

// Scheduler runs the passes. Use New.
type Scheduler struct {
	cfg Config
	log *slog.Logger
	rdb redis.UniversalClient
	// client enqueues. It is replaced after a Redis loss: an Asynq client
	// registers a queue in Redis (for Inspector and asynqmon) only on its
	// first enqueue to it, so an old client would leave the queues of an
	// emptied Redis unregistered.
	client atomic.Pointer[asynq.Client]
	// insp looks at a stranded delivery's task (replaceDead).
	insp *asynq.Inspector
	wake chan struct{}
	// resets counts the resets this process made (reset's log level).
	resets atomic.Int64
	tracer trace.Tracer
}

// Stats counts what one pass did.
type Stats struct {
	// Reset is true when the pass found Redis empty of our marker and
	// cleared every enqueue in the database.
	Reset bool
	// ResetCount is how many deliveries the reset made due again.
	ResetCount int64
	// Enqueued counts tasks created for due deliveries.
	Enqueued int
	// AlreadyQueued counts due deliveries whose task already existed.
	AlreadyQueued int
	// Stranded counts stranded deliveries found, and StrandedEnqueued those
	// for which a new task was created (the rest still had one).
	Stranded         int
	StrandedEnqueued int
}

// New returns a Scheduler connected to Redis.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil {
		return nil, errors.New("scheduler: Config.Store is required")
	}
	if cfg.Redis == nil {
		return nil, errors.New("scheduler: Config.Redis is required")
	}
	for name, d := range map[string]time.Duration{"Tick": cfg.Tick, "Horizon": cfg.Horizon, "StrandedGrace": cfg.StrandedGrace} {
		if d <= 0 {
			return nil, fmt.Errorf("scheduler: Config.%s is %v; want a positive duration (config.Load gives its default)", name, d)
		}
	}
	if cfg.Lead < 0 || cfg.Lead >= cfg.Horizon {
		return nil, fmt.Errorf("scheduler: Lead (%v) must be at least 0 and below Horizon (%v)", cfg.Lead, cfg.Horizon)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1000
	}
	if cfg.EnqueueConcurrency <= 0 {
		cfg.EnqueueConcurrency = 16
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rdb, ok := cfg.Redis.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, fmt.Errorf("scheduler: unsupported Redis connection option %T", cfg.Redis)
	}
	s := &Scheduler{
		cfg:    cfg,
		log:    cfg.Logger.With("component", "scheduler"),
		rdb:    rdb,
		insp:   asynq.NewInspectorFromRedisClient(rdb),
		wake:   make(chan struct{}, 1),
		tracer: tracing.Tracer(cfg.TracerProvider),
	}
	s.client.Store(asynq.NewClientFromRedisClient(rdb))
	return s, nil
}

// Close releases the Redis connections.
func (s *Scheduler) Close() error {
	return s.rdb.Close()
}

// Wake asks for a pass now rather than at the next tick, so a post to be
// published right away is enqueued right away. It never blocks.
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run makes passes until ctx is done. A failed pass (database or Redis
// unreachable) is logged and the next one tried: the scheduler never exits
// on a transient error.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("scheduler pass failed; retrying at the next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Tick makes one pass: Redis-loss check, due deliveries, stranded ones.
func (s *Scheduler) Tick(ctx context.Context) (Stats, error) {
	var st Stats
	epoch, err := s.checkEpoch(ctx, &st)
	if err != nil {
		return st, err
	}
	if err := s.enqueueDue(ctx, &st); err != nil {
		return st, err
	}
	if err := s.enqueueStranded(ctx, &st); err != nil {
		return st, err
	}
	// Redis may have been emptied during this pass, after another
	// scheduler's reset but before our MarkEnqueued: those marks describe
	// tasks that no longer exist. A changed epoch means exactly that, so
	// reset again; the next pass enqueues what was lost.
	now, err := s.rdb.Get(ctx, MarkerKey).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return st, fmt.Errorf("scheduler: read Redis marker: %w", err)
	}
	if now != epoch {
		if _, err := s.reset(ctx, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

// checkEpoch detects a Redis that lost its data: our marker key is missing.
// Then every enqueue recorded in the database is void, so they are cleared
// before the marker is set again (if the reset fails the marker stays absent
// and the next pass tries again). Two schedulers doing this at once is
// harmless: the second reset only causes enqueues that find their task.
// It returns the epoch (the marker's value) the pass runs under.
func (s *Scheduler) checkEpoch(ctx context.Context, st *Stats) (string, error) {
	epoch, err := s.rdb.Get(ctx, MarkerKey).Result()
	if err == nil {
		return epoch, nil
	}
	if !errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("scheduler: read Redis marker: %w", err)
	}
	if _, err := s.reset(ctx, st); err != nil {
		return "", err
	}
	if err := s.rdb.SetNX(ctx, MarkerKey, newEpoch(), 0).Err(); err != nil {
		return "", fmt.Errorf("scheduler: set Redis marker: %w", err)
	}
	epoch, err = s.rdb.Get(ctx, MarkerKey).Result()
	if err != nil {
		return "", fmt.Errorf("scheduler: read Redis marker: %w", err)
	}
	return epoch, nil
}

func (s *Scheduler) reset(ctx context.Context, st *Stats) (int64, error) {
	n, err := s.cfg.Store.ResetEnqueued(ctx)
	if err != nil {
		return 0, fmt.Errorf("scheduler: Redis lost its data but resetting enqueued deliveries failed: %w", err)
	}
	st.Reset = true
	st.ResetCount += n
	s.client.Store(asynq.NewClientFromRedisClient(s.rdb))
	// A loss is worth a warning only when something was lost: a new
	// Redis (n == 0) and serve's in-process Redis at start are normal.
	first := s.resets.Add(1) == 1
	switch {
	case n == 0:
		s.log.Info("Redis holds no scheduler marker (a new or emptied Redis); nothing was queued in it", "deliveries", n)
	case first && s.cfg.RedisStartsEmpty:
		s.log.Info("the in-process Redis starts empty; re-enqueueing every scheduled delivery from the database", "deliveries", n)
	default:
		s.log.Warn("Redis lost the scheduler's marker (flushed, or restarted without persistence); re-enqueueing every scheduled delivery", "deliveries", n)
	}
	return n, nil
}

func newEpoch() string {
	return time.Now().UTC().Format(time.RFC3339) + "/" + rand.Text()
}

// enqueueDue enqueues deliveries due within the horizon, a batch at a time.
func (s *Scheduler) enqueueDue(ctx context.Context, st *Stats) error {
	for {
		now := s.cfg.Now()
		due, err := s.cfg.Store.FindDueDeliveries(ctx, now.Add(s.cfg.Horizon), s.cfg.BatchSize)
		if err != nil {
			return fmt.Errorf("scheduler: find due deliveries: %w", err)
		}
		if len(due) == 0 {
			return nil
		}
		created, existed, err := s.enqueue(ctx, due)
		st.Enqueued += created
		st.AlreadyQueued += existed
		// A failed enqueue leaves its delivery unmarked; it is found
		// again next pass. Stop here rather than loop on the same rows.
		if err != nil {
			return err
		}
		if err := s.cfg.Store.MarkEnqueued(ctx, due, now); err != nil {
			return fmt.Errorf("scheduler: mark %d deliveries enqueued: %w", len(due), err)
		}
		if len(due) < s.cfg.BatchSize {
			return nil
		}
	}
}

// enqueueStranded enqueues again deliveries that nothing is working on. The
// task ID is the same, so if Asynq still holds a task that will run,
// nothing changes; a task that never will (see replaceDead) is replaced.
func (s *Scheduler) enqueueStranded(ctx context.Context, st *Stats) error {
	now := s.cfg.Now()
	ds, err := s.cfg.Store.FindStrandedDeliveries(ctx, now, s.cfg.StrandedGrace, s.cfg.BatchSize)
	if err != nil {
		return fmt.Errorf("scheduler: find stranded deliveries: %w", err)
	}
	if len(ds) == 0 {
		return nil
	}
	st.Stranded += len(ds)
	results := make([]error, len(ds))
	s.each(ctx, ds, func(i int, err error) { results[i] = err })
	var firstErr error
	for i, d := range ds {
		switch err := results[i]; {
		case err == nil:
			st.StrandedEnqueued++
			deliveryLog(s.log, d).Warn("stranded delivery enqueued again", "platform", d.Platform, "version", d.Version, "scheduled_at", d.ScheduledAt)
		case isAlreadyQueued(err):
			replaced, err := s.replaceDead(ctx, d)
			switch {
			case err != nil:
				if firstErr == nil {
					firstErr = err
				}
			case replaced:
				st.StrandedEnqueued++
				deliveryLog(s.log, d).Warn("stranded delivery's task is held by a dead worker (or archived); enqueued a replacement",
					"platform", d.Platform, "version", d.Version, "scheduled_at", d.ScheduledAt)
			default:
				deliveryLog(s.log, d).Debug("stranded delivery still has its task", "version", d.Version)
			}
		default:
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if firstErr != nil {
		return fmt.Errorf("scheduler: enqueue stranded deliveries: %w", firstErr)
	}
	// Restart each one's grace period, so a delivery whose task is merely
	// waiting in a long queue is not looked at again on every pass.
	if err := s.cfg.Store.MarkEnqueued(ctx, ds, now); err != nil {
		return fmt.Errorf("scheduler: mark %d stranded deliveries enqueued: %w", len(ds), err)
	}
	return nil
}

// maxReplacements bounds the replacement tasks tried for one delivery in
// one pass; each needs a worker to die holding the previous one.
const maxReplacements = 8

// replaceDead handles a stranded delivery whose task exists: if that task
// is active, its worker took it more than the grace period ago and has
// neither claimed the delivery nor kept its claim, so it died (SIGKILL, a
// lost machine); Asynq itself gives such a task back only after its own
// 30 s lease, a 30 s margin and a recovery pass each minute, and archives
// it, pinning its ID for good, when it was on its last retry. An archived
// task never runs either. In both cases a replacement task is enqueued
// under the first free task.ReplacementID; a replacement that is itself
// dead leads to the next. A task waiting its turn (pending, scheduled,
// retry) is left alone. It reports whether a task was enqueued.
//
// Two tasks for one delivery are harmless: the claim in the database lets
// one attempt at a time through, and the dead task, when Asynq recovers it,
// finds nothing to do. The IDs are deterministic, so schedulers running at
// once enqueue one replacement.
func (s *Scheduler) replaceDead(ctx context.Context, d serentak.DueDelivery) (bool, error) {
	q := task.Queue(d.Platform)
	id := task.ID(d.ID, d.Version)
	for n := 1; n <= maxReplacements; n++ {
		info, err := s.insp.GetTaskInfo(q, id)
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			return false, nil // it just ended; the next pass looks again
		}
		if err != nil {
			return false, fmt.Errorf("scheduler: inspect task %s: %w", id, err)
		}
		if info.State != asynq.TaskStateActive && info.State != asynq.TaskStateArchived {
			return false, nil
		}
		id = task.ReplacementID(d.ID, d.Version, n)
		err = s.enqueueOne(ctx, s.client.Load(), d, asynq.TaskID(id))
		if err == nil {
			return true, nil
		}
		if !isAlreadyQueued(err) {
			return false, fmt.Errorf("scheduler: enqueue replacement task %s: %w", id, err)
		}
	}
	return false, nil
}

// enqueue creates a task for each delivery and counts those created and
// those whose task already existed. It returns the first other error.
func (s *Scheduler) enqueue(ctx context.Context, ds []serentak.DueDelivery) (created, existed int, err error) {
	results := make([]error, len(ds))
	s.each(ctx, ds, func(i int, err error) { results[i] = err })
	for _, e := range results {
		switch {
		case e == nil:
			created++
		case isAlreadyQueued(e):
			existed++
		case err == nil:
			err = fmt.Errorf("scheduler: enqueue: %w", e)
		}
	}
	return created, existed, err
}

// each enqueues every delivery, EnqueueConcurrency at a time, and reports
// each result. Every enqueue is one round trip to Redis, so a few in flight
// at once make a large batch quick.
func (s *Scheduler) each(ctx context.Context, ds []serentak.DueDelivery, report func(i int, err error)) {
	n := min(s.cfg.EnqueueConcurrency, len(ds))
	next := make(chan int)
	client := s.client.Load()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				report(i, s.enqueueOne(ctx, client, ds[i]))
			}
		}()
	}
	for i := range ds {
		next <- i
	}
	close(next)
	wg.Wait()
}

// isAlreadyQueued reports whether an enqueue failed only because the task
// exists: another scheduler, or an earlier pass, made it.
func isAlreadyQueued(err error) bool {
	return errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask)
}

// enqueueOne enqueues d's task (extra options after the task's own) in a
// span that continues the trace of the request that created d: the span
// is a child of d's stored traceparent, and the task carries the span's
// own traceparent, so the worker's span is the next link of one trace.
func (s *Scheduler) enqueueOne(ctx context.Context, client *asynq.Client, d serentak.DueDelivery, extra ...asynq.Option) error {
	ctx, span := s.tracer.Start(tracing.WithTraceParent(ctx, d.TraceParent), "scheduler enqueue",
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("serentak.delivery.id", d.ID),
			attribute.String("serentak.post.id", d.PostID),
			attribute.String("serentak.workspace.id", d.WorkspaceID),
			attribute.String("serentak.platform", string(d.Platform)),
			attribute.Int("serentak.delivery.version", d.Version),
		))
	defer span.End()
	p := task.PublishPayload{DeliveryID: d.ID, Version: d.Version, TraceParent: tracing.TraceParent(ctx)}
	t, opts := task.NewPublishOf(p, d.Platform, d.ScheduledAt.Add(-s.cfg.Lead))
	_, err := client.EnqueueContext(ctx, t, append(opts, extra...)...)
	switch {
	case err == nil:
	case isAlreadyQueued(err):
		span.SetAttributes(attribute.Bool("serentak.task.existed", true))
	default:
		span.SetStatus(codes.Error, "enqueue failed")
	}
	return err
}

// deliveryLog is log with the fields that name d in every line about it:
// its delivery, post and workspace, and its trace when it has one.
func deliveryLog(log *slog.Logger, d serentak.DueDelivery) *slog.Logger {
	args := []any{"delivery_id", d.ID, "post_id", d.PostID, "workspace_id", d.WorkspaceID}
	if tid := tracing.TraceID(d.TraceParent); tid != "" {
		args = append(args, "trace_id", tid)
	}
	return log.With(args...)
}
