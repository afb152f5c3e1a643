package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak/task"
)

// DefaultConcurrency is how many webhooks are sent at once by one worker
// process. A send mostly waits on the receiver (up to WebhookTimeout), on
// its own Asynq server, apart from the publishing pools.
const DefaultConcurrency = 20

// WorkerConfig configures a Worker. Sender and Redis are required.
type WorkerConfig struct {
	Sender *Sender
	Redis  asynq.RedisConnOpt
	// Concurrency is how many sends run at once; DefaultConcurrency when
	// zero.
	Concurrency int
	// TaskCheckInterval is how often an idle server looks for tasks;
	// Asynq's 1 s when zero.
	TaskCheckInterval time.Duration
	// ShutdownTimeout is how long Shutdown lets sends in flight finish;
	// 10 s when zero. A send still running then is cut: its message's
	// lease runs out and it is sent again.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
}

// Worker runs the webhooks queue on its own Asynq server.
type Worker struct {
	cfg WorkerConfig
	log *slog.Logger
	srv *asynq.Server
	// stopping ends every send in flight. Shutdown cancels it shortly
	// before Asynq gives up on them (Asynq itself does not), so a send
	// waiting on a slow receiver stops and leaves its message to be sent
	// again, unrecorded. It is not Asynq's BaseContext: a task whose
	// context Asynq sees cancelled is archived, which pins its ID.
	stopping context.Context
	stop     context.CancelFunc

	mu      sync.Mutex
	started bool
}

// NewWorker returns a Worker; Start starts it.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if cfg.Sender == nil {
		return nil, errors.New("webhook: WorkerConfig.Sender is required")
	}
	if cfg.Redis == nil {
		return nil, errors.New("webhook: WorkerConfig.Redis is required")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	w := &Worker{cfg: cfg, log: cfg.Logger.With("component", "webhook-worker")}
	w.stopping, w.stop = context.WithCancel(context.Background())
	w.srv = asynq.NewServer(cfg.Redis, asynq.Config{
		Concurrency:       cfg.Concurrency,
		Queues:            map[string]int{task.QueueWebhooks: 1},
		TaskCheckInterval: cfg.TaskCheckInterval,
		ShutdownTimeout:   cfg.ShutdownTimeout,
		Logger:            asynqLogger{w.log},
		LogLevel:          asynq.WarnLevel,
		HealthCheckFunc: func(err error) {
			if err != nil {
				w.log.Error("Redis health check failed", "err", err)
			}
		},
	})
	return w, nil
}

// Start starts taking tasks from the webhooks queue.
func (w *Worker) Start() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started {
		return errors.New("webhook: worker already started")
	}
	mux := asynq.NewServeMux()
	mux.HandleFunc(task.TypeWebhookSend, w.ProcessTask)
	if err := w.srv.Start(mux); err != nil {
		return fmt.Errorf("webhook: start queue %s: %w", task.QueueWebhooks, err)
	}
	w.started = true
	return nil
}

// Shutdown stops taking tasks, lets the sends in flight finish for most of
// ShutdownTimeout, then cancels the rest. A Worker cannot be started again.
func (w *Worker) Shutdown() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.started {
		return
	}
	grace := w.cfg.ShutdownTimeout - min(w.cfg.ShutdownTimeout/2, 2*time.Second)
	t := time.AfterFunc(grace, w.stop)
	defer t.Stop()
	w.srv.Shutdown()
	w.stop()
	w.started = false
}

// ProcessTask handles one webhook:send task. It always returns nil, even
// after a panic: the outcome is in the database, and the message's next
// attempt (or a re-send after an error here) is enqueued by the
// Dispatcher. An error would make Asynq archive the task, whose ID would
// then be pinned.
func (w *Worker) ProcessTask(ctx context.Context, t *asynq.Task) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(w.stopping, cancel)()
	defer func() {
		if r := recover(); r != nil {
			w.log.Error("a webhook send panicked; the dispatcher sends it again", "panic", fmt.Sprint(r))
			err = nil
		}
	}()
	p, err := task.ParseWebhookSend(t)
	if err != nil {
		w.log.Error("dropping a webhook task with a bad payload", "err", err)
		return nil
	}
	if _, err := w.cfg.Sender.Send(ctx, p.MessageID); err != nil && ctx.Err() == nil {
		w.log.Warn("a webhook attempt could not be made or recorded; the dispatcher sends it again", "message_id", p.MessageID, "err", err)
	}
	return nil
}

// asynqLogger sends Asynq's own logs to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...), "fatal", true)
	os.Exit(1)
}
