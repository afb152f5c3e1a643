// Command serentak is Serentak's one binary.
//
//	serentak serve      API, scheduler and workers in one process (the default install)
//	serentak api        the REST API only
//	serentak worker     the publishing workers only
//	serentak scheduler  the scheduler only
//	serentak migrate    create or update the database schema, then exit
//
// All wiring happens here, by hand.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // a minimal container still knows Asia/Jakarta

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/facebook"
	"github.com/serentak/serentak/adapters/instagram"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/embedredis"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/scheduler"
	"github.com/serentak/serentak/secretbox"
	"github.com/serentak/serentak/worker"
)

const usage = `usage: serentak <command>

commands:
  serve      run the API, the scheduler and the workers in one process
  api        run the REST API
  worker     run the publishing workers
  scheduler  run the scheduler
  migrate    create or update the database schema and exit
  bench      measure the pipeline against a fake Graph API (BENCHMARKS.md)
             (flags: -posts, -rate, -latency, -pages, -bare, -cpuprofile)
  fake-graph run a fake Facebook Graph API with one Page, to try the tour

Configuration comes from SERENTAK_* environment variables (see README.md and
configs/serentak.example.env).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "serentak:", err)
		os.Exit(1)
	}
}

// roles says which parts a command runs.
type roles struct{ api, worker, scheduler bool }

// run is main without the process: tests call it with their own
// environment, and listening tells them the API's address once it listens.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, listening chan<- string) (err error) {
	defer func() {
		// Told to stop while still starting (migrating, connecting): that
		// is a clean stop too, and SIGTERM promises exit 0.
		if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
			err = nil
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	var r roles
	switch args[0] {
	case "serve":
		r = roles{api: true, worker: true, scheduler: true}
	case "api":
		r = roles{api: true}
	case "worker":
		r = roles{worker: true}
	case "scheduler":
		r = roles{scheduler: true}
	case "migrate":
	case "bench":
		return benchCommand(ctx, args[1:], getenv, stdout)
	case "fake-graph":
		return fakeGraphCommand(ctx, stdout)
	case "bench-platform": // started by bench; not for people
		return benchPlatformCommand(ctx, args[1:], os.Stdin, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stdout, cfg.LogLevel)
	embedded := args[0] == "serve" || args[0] == "migrate"

	secret, err := secretKey(cfg, embedded, log)
	if err != nil {
		return err
	}
	store, err := gormstore.Open(ctx, gormstore.Config{
		URL:          cfg.DatabaseURL,
		SecretKey:    secretbox.KeyFromString(secret),
		MaxOpenConns: cfg.DBMaxConns,
		MigrateAll:   args[0] == "migrate", // every table, even on a current schema
	})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	if args[0] == "migrate" {
		log.Info("database schema is up to date")
		return nil
	}

	redisOpt, closeRedis, err := connectRedis(cfg, embedded, log)
	if err != nil {
		return err
	}
	defer closeRedis()

	signer := &media.Signer{Secret: []byte("media-url:" + secret), BaseURL: cfg.PublicURL, TTL: 24 * time.Hour}
	blobs, uploads, err := newBlobStore(cfg)
	if err != nil {
		return err
	}
	publishers, err := newPublishers(cfg)
	if err != nil {
		return err
	}
	oauth, err := newOAuthParts(cfg, store, publishers, log) // connect.go
	if err != nil {
		return err
	}

	// Each part runs until ctx is canceled; the first to fail stops all.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var parts []func() error

	var sched *scheduler.Scheduler
	if r.scheduler {
		sched, err = scheduler.New(scheduler.Config{
			Store: store, Redis: redisOpt, Tick: cfg.Tick, Horizon: cfg.Horizon, Lead: cfg.Lead, Logger: log,
			StrandedGrace: cfg.StrandedGrace,
		})
		if err != nil {
			return err
		}
		defer sched.Close()
		parts = append(parts, func() error { return sched.Run(ctx) })
		parts = append(parts, func() error { return oauth.keeper.Run(ctx) })
	}
	if r.worker {
		conc := map[serentak.Platform]int{}
		for p := range publishers {
			conc[p] = cfg.Concurrency
			if p == serentak.YouTube || p == serentak.TikTok {
				conc[p] = cfg.UploadConcurrency
			}
		}
		w, err := worker.New(worker.Config{
			Store:                    store,
			Publishers:               publishers,
			Redis:                    redisOpt,
			Concurrency:              conc,
			Lease:                    cfg.WorkerLease,
			MediaURLFunc:             func(m serentak.MediaRef) (string, error) { return signer.URL(m.ID, time.Now()), nil },
			OpenMediaFunc:            (&media.Source{Blobs: blobs, AllowPrivate: cfg.MediaAllowPrivate}).Open,
			Logger:                   log,
			DelayedTaskCheckInterval: cfg.CheckInterval,
			TaskCheckInterval:        cfg.CheckInterval,
		})
		if err != nil {
			return err
		}
		if err := w.Start(); err != nil {
			return fmt.Errorf("start workers: %w", err)
		}
		// Shutdown stops taking work and hands back or finishes what is in
		// flight; deferred so it runs after ctx is done.
		defer w.Shutdown()
		parts = append(parts, func() error { <-ctx.Done(); return nil })
	}
	if r.api {
		adminKey, err := adminKey(cfg, embedded, stdout, log)
		if err != nil {
			return err
		}
		rdb := redis.NewUniversalClient(redisUniversal(redisOpt))
		defer rdb.Close()
		enabled := map[serentak.Platform]bool{}
		for p := range publishers {
			enabled[p] = true
		}
		srv := api.New(api.Config{
			Store:             store,
			Blobs:             blobs,
			Uploads:           uploads,
			Signer:            signer,
			AdminKey:          adminKey,
			PublicURL:         cfg.PublicURL,
			MediaAllowPrivate: cfg.MediaAllowPrivate,
			Publishers:        enabled,
			Connectors:        oauth.apiConnectors(),
			AccountHealthFunc: oauth.accountHealth,
			ReadyFunc: func(ctx context.Context) error {
				if err := store.Ping(ctx); err != nil {
					return fmt.Errorf("database: %w", err)
				}
				if err := rdb.Ping(ctx).Err(); err != nil {
					return fmt.Errorf("redis: %w", err)
				}
				return nil
			},
			WakeFunc:      wakeFunc(sched),
			Logger:        log,
			BodyLimit:     cfg.BodyLimit,
			MediaMaxBytes: cfg.MediaMaxBytes,
			RateLimit:     cfg.RateLimit,
		})
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
		}
		httpSrv := srv.HTTPServer(cfg.Addr)
		log.Info("api listening", "addr", ln.Addr().String())
		if listening != nil {
			listening <- ln.Addr().String()
		}
		parts = append(parts, func() error {
			errc := make(chan error, 1)
			go func() { errc <- httpSrv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			shutCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
			defer done()
			return httpSrv.Shutdown(shutCtx)
		})
	}

	errc := make(chan error, len(parts))
	for _, part := range parts {
		go func() {
			err := part()
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
				cancel(err)
			}
			errc <- err
		}()
	}
	log.Info("serentak started", "command", args[0], "database", dbKind(cfg), "redis", redisKind(cfg))
	for range parts {
		<-errc
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info("serentak stopped")
	return nil
}

// newBlobStore returns where uploaded media live: the data directory, or an
// S3-compatible bucket (SERENTAK_MEDIA_S3_URL). Resumable uploads are
// assembled on local disk either way, then moved into the store.
func newBlobStore(cfg config.Config) (blob.Store, *media.Uploads, error) {
	if cfg.MediaS3URL == "" {
		return &blob.Disk{Dir: filepath.Join(cfg.DataDir, "media")}, nil, nil // api puts uploads beside the disk blobs
	}
	s3cfg, err := blob.ParseS3URL(cfg.MediaS3URL)
	if err != nil {
		return nil, nil, fmt.Errorf("SERENTAK_MEDIA_S3_URL: %w", err)
	}
	s3, err := blob.NewS3(s3cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("SERENTAK_MEDIA_S3_URL: %w", err)
	}
	return s3, &media.Uploads{Dir: filepath.Join(cfg.DataDir, "uploads")}, nil
}

// newPublishers builds one Publisher per platform, each reaching its
// platform only through its configured base URL.
func newPublishers(cfg config.Config) (map[serentak.Platform]serentak.Publisher, error) {
	yt, err := youtube.New(youtube.Config{
		BaseURL:           cfg.YouTubeAPIURL,
		TokenURL:          cfg.YouTube.TokenURL,
		ClientID:          cfg.YouTube.ClientID,
		ClientSecret:      cfg.YouTube.ClientSecret,
		PrivacyStatus:     cfg.YouTubePrivacy,
		DailyUploadBudget: cfg.YouTubeDailyUploads,
	})
	if err != nil {
		return nil, fmt.Errorf("youtube: %w", err)
	}
	return map[serentak.Platform]serentak.Publisher{
		serentak.Facebook:  facebook.New(facebook.Config{BaseURL: cfg.FacebookAPIURL, Version: cfg.FacebookVersion}),
		serentak.Instagram: instagram.New(instagram.Config{BaseURL: cfg.InstagramAPIURL, Version: cfg.FacebookVersion}),
		serentak.YouTube:   yt,
		serentak.TikTok: tiktok.New(tiktok.Config{
			BaseURL:          cfg.TikTokAPIURL,
			TokenURL:         cfg.TikTok.TokenURL,
			ClientKey:        cfg.TikTok.ClientID,
			ClientSecret:     cfg.TikTok.ClientSecret,
			PullFromURL:      cfg.TikTokPullFromURL,
			VerifiedPrefixes: []string{cfg.PublicURL + "/"},
		}),
	}, nil
}

func wakeFunc(s *scheduler.Scheduler) func() {
	if s == nil {
		return nil // a separate scheduler process picks new posts up on its next tick
	}
	return s.Wake
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by config.Load
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// secretKey returns SERENTAK_SECRET_KEY, or for the all-in-one install a key
// generated once and kept under the data directory. Separate production
// processes must share one key, so they refuse to invent their own.
func secretKey(cfg config.Config, embedded bool, log *slog.Logger) (string, error) {
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil
	}
	if !embedded && cfg.IsPostgres() {
		return "", errors.New("SERENTAK_SECRET_KEY is not set: every api and worker process must share one key to read stored tokens (generate one with: openssl rand -base64 32)")
	}
	v, created, err := config.Persisted(cfg.DataDir, "secret.key")
	if err != nil {
		return "", fmt.Errorf("secret key: %w", err)
	}
	if created {
		log.Info("generated a secret key for stored tokens", "file", cfg.DataDir+"/secret.key")
	}
	return v, nil
}

// adminKey returns SERENTAK_ADMIN_KEY, or one generated at first start and
// kept under the data directory; it is printed once, when generated.
func adminKey(cfg config.Config, embedded bool, out io.Writer, log *slog.Logger) (string, error) {
	if cfg.AdminKey != "" {
		return cfg.AdminKey, nil
	}
	if !embedded && cfg.IsPostgres() {
		return "", errors.New("SERENTAK_ADMIN_KEY is not set: every api process must share one operator key")
	}
	v, created, err := config.Persisted(cfg.DataDir, "admin.key")
	if err != nil {
		return "", fmt.Errorf("operator key: %w", err)
	}
	if created {
		fmt.Fprintf(out, "\nOperator key (shown once; also kept in %s/admin.key):\n\n    %s\n\n", cfg.DataDir, v)
		log.Info("generated the operator key", "file", cfg.DataDir+"/admin.key")
	}
	return v, nil
}

// connectRedis returns how to reach Redis: SERENTAK_REDIS_URL, or for
// `serve` an in-process Redis.
func connectRedis(cfg config.Config, embedded bool, log *slog.Logger) (asynq.RedisConnOpt, func(), error) {
	if cfg.RedisURL == "" {
		if !embedded {
			return nil, nil, errors.New("SERENTAK_REDIS_URL is not set: separate api, worker and scheduler processes must share one Redis (the embedded one exists only inside `serentak serve`)")
		}
		srv, err := embedredis.Start("")
		if err != nil {
			return nil, nil, fmt.Errorf("embedded redis: %w", err)
		}
		log.Info("using the embedded in-process Redis; queued tasks are rebuilt from the database at every start")
		return asynq.RedisClientOpt{Addr: srv.Addr()}, srv.Close, nil
	}
	opt, err := parseRedisURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, err
	}
	return opt, func() {}, nil
}

// parseRedisURL understands Asynq's redis://, rediss://, redis-socket:// and
// redis-sentinel:// URLs, plus redis-cluster://host1:port,host2:port.
func parseRedisURL(u string) (asynq.RedisConnOpt, error) {
	if rest, ok := strings.CutPrefix(u, "redis-cluster://"); ok {
		var opt asynq.RedisClusterClientOpt
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			userinfo := rest[:at]
			rest = rest[at+1:]
			user, pass, found := strings.Cut(userinfo, ":")
			if found {
				opt.Username, opt.Password = user, pass
			} else {
				opt.Password = user
			}
		}
		rest, _, _ = strings.Cut(rest, "/")
		for _, a := range strings.Split(rest, ",") {
			if a = strings.TrimSpace(a); a != "" {
				opt.Addrs = append(opt.Addrs, a)
			}
		}
		if len(opt.Addrs) == 0 {
			return nil, fmt.Errorf("SERENTAK_REDIS_URL %q names no cluster nodes", u)
		}
		return opt, nil
	}
	opt, err := asynq.ParseRedisURI(u)
	if err != nil {
		return nil, fmt.Errorf("SERENTAK_REDIS_URL: %w", err)
	}
	return opt, nil
}

// redisUniversal turns an Asynq connection option into go-redis options for
// our own client (readiness checks).
func redisUniversal(o asynq.RedisConnOpt) *redis.UniversalOptions {
	switch o := o.(type) {
	case asynq.RedisClientOpt:
		return &redis.UniversalOptions{Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig}
	case asynq.RedisFailoverClientOpt:
		return &redis.UniversalOptions{Addrs: o.SentinelAddrs, MasterName: o.MasterName, DB: o.DB, Username: o.Username, Password: o.Password, SentinelPassword: o.SentinelPassword, TLSConfig: o.TLSConfig}
	case asynq.RedisClusterClientOpt:
		return &redis.UniversalOptions{Addrs: o.Addrs, Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig}
	}
	return &redis.UniversalOptions{}
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
