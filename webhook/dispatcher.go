package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/task"
)

// DueLister is what the Dispatcher needs from the database.
type DueLister interface {
	DueMessages(ctx context.Context, now time.Time, limit int) ([]serentak.Message, error)
}

// DefaultTick is the time between two dispatcher passes: the delay of a
// new event and of a retry, at most.
const DefaultTick = time.Second

// DefaultBatch is how many due messages one pass enqueues at most. A due
// message whose task is already queued costs one refused enqueue per pass,
// so this also bounds the queue's backlog and each pass's Redis work.
const DefaultBatch = 500

// DispatcherConfig configures a Dispatcher. Store and Redis are required.
type DispatcherConfig struct {
	Store DueLister
	Redis asynq.RedisConnOpt
	// Tick is the time between passes; DefaultTick when zero.
	Tick time.Duration
	// Batch is how many messages a pass enqueues at most; DefaultBatch
	// when zero.
	Batch int
	// RequeueAfter is how long a task enqueued is trusted to be in Redis;
	// DefaultRequeueAfter when zero.
	RequeueAfter time.Duration
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// MarkerKey is the Redis key whose absence tells a dispatcher that Redis
// lost its data (FLUSHALL, a restart without persistence), and with it the
// tasks it enqueued.
const MarkerKey = "serentak:webhook:epoch"

// DefaultRequeueAfter is how long a dispatcher trusts a task it enqueued
// to still be in Redis: a message still due after that is enqueued again
// (a no-op when its task exists).
const DefaultRequeueAfter = 30 * time.Second

// Dispatcher moves due messages from the database into the webhooks queue.
// A task's ID (message and attempt count) makes a second enqueue a no-op, so
// any number of dispatchers may run. A message stays due until an attempt
// claims it; to spare Redis, a dispatcher enqueues a due message again only
// after RequeueAfter, or at once when Redis has lost its data.
type Dispatcher struct {
	cfg  DispatcherConfig
	log  *slog.Logger
	rdb  redis.UniversalClient
	insp *asynq.Inspector
	// enqueued maps the task IDs this dispatcher made (or found) to when,
	// for the messages still due at the last pass.
	enqueued map[string]time.Time
}

// NewDispatcher returns a Dispatcher connected to Redis.
func NewDispatcher(cfg DispatcherConfig) (*Dispatcher, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhook: DispatcherConfig.Store is required")
	}
	if cfg.Redis == nil {
		return nil, errors.New("webhook: DispatcherConfig.Redis is required")
	}
	if cfg.Tick <= 0 {
		cfg.Tick = DefaultTick
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.RequeueAfter <= 0 {
		cfg.RequeueAfter = DefaultRequeueAfter
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rdb, ok := cfg.Redis.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, fmt.Errorf("webhook: unsupported Redis connection option %T", cfg.Redis)
	}
	return &Dispatcher{
		cfg:  cfg,
		log:  cfg.Logger.With("component", "webhook-dispatcher"),
		rdb:  rdb,
		insp: asynq.NewInspectorFromRedisClient(rdb),
	}, nil
}

// Close releases the Redis connections.
func (d *Dispatcher) Close() error { return d.rdb.Close() }

// Run makes passes until ctx ends. A failed pass is logged and the next
// one tried.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.cfg.Tick)
	defer t.Stop()
	for {
		if _, err := d.Tick(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("webhook dispatch pass failed; retrying at the next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick makes one pass and returns how many tasks it created. Tick is not
// safe for concurrent use (Run calls it from one goroutine).
func (d *Dispatcher) Tick(ctx context.Context) (int, error) {
	// Not on the wall clock: RequeueAfter is about Redis, not messages.
	now, wall := d.cfg.Now(), time.Now()
	ms, err := d.cfg.Store.DueMessages(ctx, now, d.cfg.Batch)
	if err != nil {
		return 0, fmt.Errorf("webhook: list due messages: %w", err)
	}
	// SET NX: the marker is missing only when Redis lost its data since
	// the last pass (of any dispatcher), tasks included.
	fresh, err := d.rdb.SetNX(ctx, MarkerKey, wall.UTC().Format(time.RFC3339), 0).Result()
	if err != nil {
		return 0, fmt.Errorf("webhook: check Redis: %w", err)
	}
	if fresh && len(d.enqueued) > 0 {
		d.log.Warn("Redis lost its data; enqueueing every due webhook message again")
		clear(d.enqueued)
	}
	// A client per pass: an Asynq client registers a queue in Redis only
	// at its first enqueue to it, and an emptied Redis must have the
	// webhooks queue registered again (the Inspector, asynqmon).
	client := asynq.NewClientFromRedisClient(d.rdb)
	still := make(map[string]time.Time, len(ms))
	n := 0
	for _, m := range ms {
		id := task.WebhookSendID(m.ID, m.Attempts)
		if at, ok := d.enqueued[id]; ok && wall.Sub(at) < d.cfg.RequeueAfter {
			still[id] = at
			continue
		}
		created, err := d.enqueue(ctx, client, m)
		if err != nil {
			d.enqueued = still
			return n, err
		}
		still[id] = wall
		if created {
			n++
		}
	}
	// Messages no longer due (claimed, sent) are forgotten.
	d.enqueued = still
	return n, nil
}

// enqueue creates the task of m's next attempt unless it exists. A task
// that exists but will never run (archived: its handler panicked) pins its
// ID, so it is deleted and made again.
func (d *Dispatcher) enqueue(ctx context.Context, client *asynq.Client, m serentak.Message) (bool, error) {
	t, opts := task.NewWebhookSend(m.ID, m.Attempts)
	_, err := client.EnqueueContext(ctx, t, opts...)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, asynq.ErrTaskIDConflict) {
		return false, fmt.Errorf("webhook: enqueue message %s: %w", m.ID, err)
	}
	id := task.WebhookSendID(m.ID, m.Attempts)
	info, err := d.insp.GetTaskInfo(task.QueueWebhooks, id)
	if err != nil || (info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted) {
		return false, nil // queued, running, or gone since: the next pass sees
	}
	d.log.Info("replacing a webhook task that will never run", "message_id", m.ID, "state", info.State.String())
	if err := d.insp.DeleteTask(task.QueueWebhooks, id); err != nil {
		return false, fmt.Errorf("webhook: delete the %s task of message %s: %w", info.State, m.ID, err)
	}
	if _, err = client.EnqueueContext(ctx, t, opts...); err != nil {
		return false, fmt.Errorf("webhook: enqueue message %s: %w", m.ID, err)
	}
	return true, nil
}
