// Package app wires Serentak's parts, by hand, into the processes
// cmd/serentak runs: the REST API, the publishing workers, the scheduler,
// or all three in one process (serve). An App is built from a loaded
// config.Config; Run starts its roles and returns when they have stopped,
// Close releases what Run opened.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/mail"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/metrics"
	"github.com/serentak/serentak/scheduler"
)

// Roles says which parts a process runs.
type Roles struct{ API, Worker, Scheduler bool }

// Serve is the all-in-one install: every role in one process. It alone may
// generate its keys and start an in-process Redis; separate processes must
// share theirs.
var Serve = Roles{API: true, Worker: true, Scheduler: true}

// RolesOf returns the roles of a serentak command (serve, api, worker,
// scheduler); ok is false for any other word.
func RolesOf(command string) (r Roles, ok bool) {
	switch command {
	case "serve":
		return Serve, true
	case "api":
		return Roles{API: true}, true
	case "worker":
		return Roles{Worker: true}, true
	case "scheduler":
		return Roles{Scheduler: true}, true
	}
	return Roles{}, false
}

// String is the command that runs r.
func (r Roles) String() string {
	switch r {
	case Serve:
		return "serve"
	case Roles{API: true}:
		return "api"
	case Roles{Worker: true}:
		return "worker"
	case Roles{Scheduler: true}:
		return "scheduler"
	}
	return fmt.Sprintf("%+v", Roles(r))
}

// MinKeyLength is the shortest SERENTAK_ADMIN_KEY and SERENTAK_SECRET_KEY
// the production roles accept. The operator key is a password anyone who
// reaches the API may guess at, and the secret key seals every stored
// token: 32 characters of base64 carry 192 bits or more. The keys Serentak
// generates (43 characters) and the README's command (44) pass.
const MinKeyLength = 32

// keyAdvice says how to make a key that passes (README, Production).
const keyAdvice = "head -c 32 /dev/urandom | base64"

// checkKeys refuses short keys in the production roles (api, worker,
// scheduler). serve, the all-in-one install on one machine, takes any: it
// generates its own unless told otherwise, and tests and demos give it
// short ones.
func checkKeys(cfg config.Config, embedded bool) error {
	if embedded {
		return nil
	}
	var errs []error
	for _, k := range []struct{ name, value string }{
		{"SERENTAK_ADMIN_KEY", cfg.AdminKey},
		{"SERENTAK_SECRET_KEY", cfg.SecretKey},
	} {
		if k.value != "" && len(k.value) < MinKeyLength {
			errs = append(errs, fmt.Errorf("%s is %d characters; the api, worker and scheduler processes need at least %d (generate one with: %s)",
				k.name, len(k.value), MinKeyLength, keyAdvice))
		}
	}
	return errors.Join(errs...)
}

// DefaultSweepEvery is how often the API removes resumable uploads
// abandoned past their time (media.Uploads.TTL).
const DefaultSweepEvery = 10 * time.Minute

// App is one serentak process.
type App struct {
	Config config.Config
	Roles  Roles
	// Out receives the JSON logs and, once, a newly generated operator key.
	Out io.Writer
	// Listening, when set, receives the API's address once it listens.
	Listening chan<- string
	// SweepEvery is how often abandoned uploads are removed;
	// DefaultSweepEvery when zero.
	SweepEvery time.Duration

	log     *slog.Logger
	closers []func() error // what Run opened, closed by Close in reverse

	// Shared by the roles; opened by open.
	store      *gormstore.Store
	redis      asynq.RedisConnOpt
	signer     *media.Signer
	blobs      blob.Store
	uploads    *media.Uploads
	publishers map[serentak.Platform]serentak.Publisher
	oauth      *oauthParts
	sched      *scheduler.Scheduler // nil unless this process schedules
	// metrics is the process's one registry; every role counts into it.
	metrics *metrics.Metrics
	// mailer sends email (SERENTAK_SMTP_URL); nil without a mail server.
	// The API sends invites and reset links through it; the scheduler
	// role's notifier tells admins about problems through it.
	mailer mail.Sender

	// signInSecret names the sign-in counters in Redis (throttle.NewRedis).
	signInSecret []byte
	// linkSecret salts the keys of repeated clicks in Redis (clicks.NewRedis).
	linkSecret []byte
	// tracer makes the spans of every role; nil when tracing is off
	// (tracing.go).
	tracer trace.TracerProvider
}

// New returns the App of roles on cfg. Out defaults to io.Discard.
func New(cfg config.Config, roles Roles, out io.Writer) *App {
	if out == nil {
		out = io.Discard
	}
	return &App{Config: cfg, Roles: roles, Out: out, log: newLogger(out, cfg.LogLevel), metrics: metrics.New()}
}

// part is one thing a role runs until ctx ends; it returns nil then, and an
// error only when it failed on its own.
type part func(ctx context.Context) error

// Run opens what the roles share, builds the roles, and runs them until
// ctx ends (SIGTERM, SIGINT) or one fails, which stops the others. On ctx's
// end the workers stop taking work and finish or hand back what is in
// flight, and the API finishes its requests; Run then returns nil, also
// when ctx ended while it was still starting.
func (a *App) Run(ctx context.Context) error {
	err := a.run(ctx)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil // told to stop while migrating or connecting: a clean stop
	}
	return err
}

func (a *App) run(ctx context.Context) error {
	if err := checkKeys(a.Config, a.embedded()); err != nil {
		return err
	}
	if err := a.open(ctx); err != nil {
		return err
	}
	parts, err := a.roles()
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	for _, p := range parts {
		g.Go(func() error { return p(ctx) })
	}
	a.log.Info("serentak started", "command", a.Roles.String(), "database", dbKind(a.Config), "redis", redisKind(a.Config))
	if err := g.Wait(); err != nil {
		return err
	}
	a.log.Info("serentak stopped")
	return nil
}

// roles builds every role's parts before any starts, so a role that cannot
// be built leaves nothing running.
func (a *App) roles() ([]part, error) {
	var parts []part
	for _, role := range []struct {
		on    bool
		build func() ([]part, error)
	}{
		{a.Roles.Scheduler, a.schedulerRole}, // first: the API wakes it
		{a.Roles.Worker, a.workerRole},
		{a.Roles.API, a.apiRole},
	} {
		if !role.on {
			continue
		}
		p, err := role.build()
		if err != nil {
			return nil, err
		}
		parts = append(parts, p...)
	}
	serve, err := a.metricsListener() // metrics.go
	if err != nil {
		return nil, err
	}
	if serve != nil {
		parts = append(parts, serve)
	}
	return parts, nil
}

// Close releases what Run opened (the database, Redis connections, the
// embedded Redis), last opened first. Call it after Run has returned.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// onClose adds f to what Close runs.
func (a *App) onClose(f func() error) { a.closers = append(a.closers, f) }

// embedded reports whether this process is the all-in-one install.
func (a *App) embedded() bool { return a.Roles == Serve }

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by config.Load
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func dbKind(c config.Config) string {
	if c.IsPostgres() {
		return "postgresql"
	}
	return "sqlite"
}

func redisKind(c config.Config) string {
	if c.RedisURL == "" {
		return "embedded"
	}
	return "external"
}
