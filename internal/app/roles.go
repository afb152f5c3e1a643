package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/clicks"
	"github.com/serentak/serentak/compose"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/scheduler"
	"github.com/serentak/serentak/throttle"
	"github.com/serentak/serentak/webapp"
	"github.com/serentak/serentak/worker"
)

// schedulerRole moves due deliveries and due webhook messages from the
// database into Redis, keeps accounts' tokens fresh before their
// deliveries are due, fetches published deliveries' platform metrics,
// emails admins about problems, and prunes what ended a retention ago
// (SERENTAK_RETENTION).
func (a *App) schedulerRole() ([]part, error) {
	cfg := a.Config
	s, err := scheduler.New(scheduler.Config{
		Store: a.store, Redis: a.redis, Logger: a.log,
		Tick: cfg.Tick, Horizon: cfg.Horizon, Lead: cfg.Lead, StrandedGrace: cfg.StrandedGrace,
		RedisStartsEmpty: cfg.Redis == nil, // serve's in-process Redis
		TracerProvider:   a.tracer,
	})
	if err != nil {
		return nil, err
	}
	a.onClose(s.Close)
	a.sched = s
	a.watchShared() // metrics.go
	parts := []part{s.Run, a.oauth.keeper.Run, a.platformMetrics().Run}
	dispatch, err := a.webhookDispatcher()
	if err != nil {
		return nil, err
	}
	if dispatch != nil {
		parts = append(parts, dispatch)
	}
	tell, err := a.notifier() // notify.go
	if err != nil {
		return nil, err
	}
	parts = append(parts, tell)
	if cfg.Retention > 0 {
		parts = append(parts, a.retention()) // retention.go
	}
	return parts, nil
}

// workerRole publishes the deliveries Redis hands it, and sends webhooks.
func (a *App) workerRole() ([]part, error) {
	cfg := a.Config
	conc := map[serentak.Platform]int{}
	var ahead map[serentak.Platform]int // nil: the worker's default
	if cfg.Ahead >= 0 {
		ahead = map[serentak.Platform]int{}
	}
	for p := range a.publishers {
		conc[p] = cfg.Concurrency
		if p == serentak.YouTube || p == serentak.TikTok {
			conc[p] = cfg.UploadConcurrency
		}
		if ahead != nil {
			ahead[p] = cfg.Ahead
		}
	}
	w, err := worker.New(worker.Config{
		Store:                    a.store,
		Publishers:               a.publishers,
		Redis:                    a.redis,
		Concurrency:              conc,
		Ahead:                    ahead,
		Lease:                    cfg.WorkerLease,
		MediaURLFunc:             func(m serentak.MediaRef) (string, error) { return a.signer.URL(m.ID, time.Now()), nil },
		OpenMediaFunc:            (&media.Source{Blobs: a.blobs, AllowPrivate: cfg.MediaAllowPrivate}).Open,
		Logger:                   a.log,
		DelayedTaskCheckInterval: cfg.CheckInterval,
		TaskCheckInterval:        cfg.CheckInterval,
		Observer:                 a.metrics,
		TracerProvider:           a.tracer,
	})
	if err != nil {
		return nil, err
	}
	parts := []part{func(ctx context.Context) error {
		if err := w.Start(); err != nil {
			return fmt.Errorf("start workers: %w", err)
		}
		<-ctx.Done()
		// Stop taking work; finish what is in flight, or hand it back to
		// the queue when it takes too long.
		w.Shutdown()
		return nil
	}}
	send, err := a.webhookWorker()
	if err != nil {
		return nil, err
	}
	if send != nil {
		parts = append(parts, send)
	}
	return parts, nil
}

// apiRole serves the REST API, removes abandoned resumable uploads and
// writes the clicks it counts (tracked links, link-in-bio buttons).
func (a *App) apiRole() ([]part, error) {
	key, err := adminKey(a.Config, a.embedded(), a.Out, a.log)
	if err != nil {
		return nil, err
	}
	rdb := redis.NewUniversalClient(redisUniversal(a.redis))
	a.onClose(rdb.Close)
	srv := api.New(a.apiConfig(key, rdb))
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (SERENTAK_ADDR): %w", a.Config.Addr, err)
	}
	// The web app serves its pages and hands every other path to the API.
	hs := srv.HTTPServer(ln.Addr().String())
	hs.Handler = webapp.New(webapp.Config{API: srv.Handler(), PublicURL: a.Config.PublicURL,
		OperatorKey: key, SignUp: a.Config.SignUp, AnyUser: a.store.AnyUser, Log: a.log,
		Connectable: map[string]bool{"facebook": a.Config.Facebook.Configured(), "instagram": a.Config.Instagram.Configured(),
			"youtube": a.Config.YouTube.Configured(), "tiktok": a.Config.TikTok.Configured()}})
	a.log.Info("api listening", "addr", ln.Addr().String())
	if a.Listening != nil {
		a.Listening <- ln.Addr().String()
	}
	every := a.SweepEvery
	if every <= 0 {
		every = DefaultSweepEvery
	}
	return []part{
		// Clicks on tracked links and on the link-in-bio buttons are
		// counted until the server has stopped taking requests, then
		// written once more.
		func(ctx context.Context) error {
			counting, stop := context.WithCancel(context.Background())
			counted := make(chan error, 1)
			go func() { counted <- srv.CountClicks(counting) }()
			err := serveHTTP(hs, api.Listener(ln), a.log)(ctx)
			stop()
			return errors.Join(err, <-counted)
		},
		func(ctx context.Context) error { return sweepUploads(ctx, a.uploads.Sweep, every, a.log) },
	}, nil
}

// permissionTeller is a publisher that names the permissions a feature
// ("first_comment") needs beyond publishing.
type permissionTeller interface {
	PermissionsFor(feature string) []string
}

func (a *App) apiConfig(adminKey string, rdb redis.UniversalClient) api.Config {
	cfg := a.Config
	enabled := map[serentak.Platform]bool{}
	// The publishers that can say what an account may choose now (TikTok's
	// creator_info) answer GET …/accounts/{id}/options and check TikTok
	// targets' options at creation.
	readers := map[serentak.Platform]serentak.OptionsReader{}
	// The publishers that know which permissions a feature needs beyond
	// publishing (facebook, instagram: PermissionsFor) tell accounts
	// connected without one what they lack.
	perms := map[serentak.Platform]permissionTeller{}
	// The publishers that can revoke an account's token at the platform
	// (tiktok, youtube) do so when its workspace is deleted.
	revokers := map[serentak.Platform]serentak.TokenRevoker{}
	for p, pub := range a.publishers {
		enabled[p] = true
		if r, ok := pub.(serentak.TokenRevoker); ok {
			revokers[p] = r
		}
		if r, ok := pub.(serentak.OptionsReader); ok {
			readers[p] = r
		}
		if t, ok := pub.(permissionTeller); ok {
			perms[p] = t
		}
	}
	var wake func() // nil: a separate scheduler process picks new posts up on its next tick
	if a.sched != nil {
		wake = a.sched.Wake
	}
	return api.Config{
		Store:               a.store,
		Blobs:               a.blobs,
		Uploads:             a.uploads,
		Signer:              a.signer,
		AdminKey:            adminKey,
		PublicURL:           cfg.PublicURL,
		MediaAllowPrivate:   cfg.MediaAllowPrivate,
		WebhookAllowPrivate: cfg.WebhookAllowPrivate,
		ReadMediaFunc:       (&media.Source{AllowPrivate: cfg.MediaAllowPrivate}).Head,
		Publishers:          enabled,
		OptionsReaders:      readers,
		YouTubePrivacy:      cfg.YouTubePrivacy,
		TikTokPullFromURL:   cfg.TikTokPullFromURL,
		Connectors:          a.oauth.apiConnectors(),
		Revokers:            revokers,
		AccountHealthFunc:   a.oauth.accountHealth,
		PermissionsFunc: func(p serentak.Platform, feature string) []string {
			if t := perms[p]; t != nil {
				return t.PermissionsFor(feature)
			}
			return nil
		},
		ReadyFunc: func(ctx context.Context) error {
			// Both are asked, so /readyz names every dependency that is down.
			var errs []error
			if err := a.store.Ping(ctx); err != nil {
				errs = append(errs, api.Unready("database", err))
			}
			if err := rdb.Ping(ctx).Err(); err != nil {
				errs = append(errs, api.Unready("redis", err))
			}
			return errors.Join(errs...)
		},
		WakeFunc:       wake,
		TracerProvider: a.tracer,
		Mailer:         a.mailer,
		Logger:         a.log,
		BodyLimit:      cfg.BodyLimit,
		MediaMaxBytes:  cfg.MediaMaxBytes,
		RateLimit:      cfg.RateLimit,
		ComposeRules:   compose.Rules{InstagramMaxHashtags: cfg.InstagramMaxHashtags},
		// The same allowance the workers count (open.go).
		YouTubeDailyUploads: cfg.YouTubeDailyUploads,

		// Every API process of the install counts failed sign-ins into one
		// number; serve's embedded Redis counts too (it expires keys).
		SignInFailures: throttle.NewRedis(rdb, "serentak:signin:", a.signInSecret),
		// …and takes every request from one allowance per key.
		RateLimits:  throttle.NewRedis(rdb, "serentak:rate:", a.signInSecret),
		CORSOrigins: cfg.CORSOrigins,

		// The process's one registry (metrics.go): the API's durations
		// count into it, and /metrics answers all of it.
		Metrics:            a.metrics.Handler(),
		MetricsPublic:      cfg.MetricsPublic,
		ObserveRequestFunc: a.metrics.APIRequest,

		// Tracked order links and link-in-bio buttons: every API process
		// agrees on repeats (Redis, keys salted daily under linkSecret;
		// serve's embedded Redis expires them too).
		ClickRepeats:     clicks.NewRedis(rdb, "serentak:click:", a.linkSecret, a.log),
		ObserveClickFunc: a.metrics.LinkRedirects(clicks.Outcomes),
	}
}

// httpShutdownTimeout is how long requests in flight may take to finish
// once the API is told to stop.
const httpShutdownTimeout = 10 * time.Second

// serveHTTP serves on ln until ctx ends, then lets requests in flight
// finish for up to httpShutdownTimeout and cuts the rest.
func serveHTTP(srv *http.Server, ln net.Listener, log *slog.Logger) part {
	return func(ctx context.Context) error {
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			return fmt.Errorf("api: %w", err)
		case <-ctx.Done():
		}
		shutCtx, done := context.WithTimeout(context.Background(), httpShutdownTimeout)
		defer done()
		if err := srv.Shutdown(shutCtx); errors.Is(err, context.DeadlineExceeded) {
			// A platform still pulling a large video, say: stopping was
			// asked for, so stop.
			log.Warn("api: requests still running after the shutdown grace were cut", "grace", httpShutdownTimeout)
			return srv.Close()
		} else if err != nil {
			return fmt.Errorf("api shutdown: %w", err)
		}
		return nil
	}
}

// sweepUploads removes resumable uploads abandoned past their time
// (media.Uploads.Sweep), now and then every `every`, until ctx ends. A
// failed sweep is logged and tried again next time.
func sweepUploads(ctx context.Context, sweep func() (int, error), every time.Duration, log *slog.Logger) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := sweep(); err != nil {
			log.Warn("removing abandoned uploads failed; trying again later", "err", err)
		} else if n > 0 {
			log.Info("removed abandoned uploads", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
