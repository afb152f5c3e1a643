package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/facebook"
	"github.com/serentak/serentak/adapters/graph"
	"github.com/serentak/serentak/adapters/instagram"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/embedredis"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/mail"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/secretbox"
)

// open opens what the roles share: the database, Redis, the media stores,
// the publishers and the OAuth parts.
func (a *App) open(ctx context.Context) error {
	var err error
	if a.tracer, err = a.openTracing(ctx); err != nil {
		return err
	}
	secret, err := secretKey(a.Config, a.embedded(), a.log)
	if err != nil {
		return err
	}
	if a.store, err = openStore(ctx, a.Config, secret, false); err != nil {
		return err
	}
	a.onClose(a.store.Close)
	if a.redis, err = a.connectRedis(); err != nil {
		return err
	}
	a.signer = &media.Signer{Secret: []byte("media-url:" + secret), BaseURL: a.Config.PublicURL, TTL: 24 * time.Hour}
	a.signInSecret = []byte("sign-in-counters:" + secret)
	a.linkSecret = []byte("tracked-link-clicks:" + secret)
	if a.blobs, a.uploads, err = newBlobStore(a.Config); err != nil {
		return err
	}
	// One client for the publishers' shared counts (the YouTube quota).
	rdb := redis.NewUniversalClient(redisUniversal(a.redis))
	a.onClose(rdb.Close)
	if a.publishers, err = newPublishers(a.Config, youtubeQuota{rdb: rdb}, a.tracer); err != nil {
		return err
	}
	a.oauth, err = newOAuthParts(a.Config, a.store, a.publishers, a.log, a.tracer) // connect.go
	if err != nil {
		return err
	}
	if a.Config.SMTP != nil {
		a.mailer = mail.NewSMTP(*a.Config.SMTP)
		a.log.Info("email is sent through " + a.Config.SMTP.Redacted())
	}
	return nil
}

// openStore opens the database; migrateAll checks every table even on a
// current schema (serentak migrate).
func openStore(ctx context.Context, cfg config.Config, secret string, skipMigrations bool) (*gormstore.Store, error) {
	store, err := gormstore.Open(ctx, gormstore.Config{
		URL:          cfg.DatabaseURL,
		SecretKey:    secretbox.KeyFromString(secret),
		MaxOpenConns: cfg.DBMaxConns,
		// migrate status lists the pending migrations instead of applying them.
		SkipMigrations: skipMigrations,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return store, nil
}

// openStoreWithKey opens the database for a look only (healthcheck): no
// migration, one connection.
func openStoreWithKey(ctx context.Context, cfg config.Config, key []byte) (*gormstore.Store, error) {
	return gormstore.Open(ctx, gormstore.Config{URL: cfg.DatabaseURL, SecretKey: key, MaxOpenConns: 1, SkipMigrations: true})
}

// connectRedis returns how to reach Redis: SERENTAK_REDIS_URL, or for
// serve an in-process Redis.
func (a *App) connectRedis() (asynq.RedisConnOpt, error) {
	if a.Config.Redis != nil {
		return a.Config.Redis, nil
	}
	if !a.embedded() {
		return nil, errors.New("SERENTAK_REDIS_URL is not set: separate api, worker and scheduler processes must share one Redis (the embedded one exists only inside `serentak serve`)")
	}
	srv, err := embedredis.Start("")
	if err != nil {
		return nil, fmt.Errorf("embedded redis: %w", err)
	}
	a.onClose(func() error { srv.Close(); return nil })
	a.log.Info("using the embedded in-process Redis; queued tasks are rebuilt from the database at every start")
	return asynq.RedisClientOpt{Addr: srv.Addr()}, nil
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

// newBlobStore returns where uploaded media live, the data directory or an
// S3-compatible bucket (SERENTAK_MEDIA_S3_URL), and where resumable uploads
// are assembled: in a directory either way (SERENTAK_UPLOADS_DIR, which
// several API processes share), then moved into the store. By default, on
// disk, they sit beside the blobs in a directory no blob key can name (keys
// never start with a dot), so finishing one is a rename.
func newBlobStore(cfg config.Config) (blob.Store, *media.Uploads, error) {
	uploads := &media.Uploads{MaxBytes: api.DefaultUploadMaxBytes}
	if cfg.MediaS3URL == "" {
		dir := filepath.Join(cfg.DataDir, "media")
		uploads.Dir = filepath.Join(dir, ".uploads")
		if cfg.UploadsDir != "" {
			uploads.Dir = cfg.UploadsDir
		}
		return &blob.Disk{Dir: dir}, uploads, nil
	}
	s3cfg, err := blob.ParseS3URL(cfg.MediaS3URL)
	if err != nil {
		return nil, nil, fmt.Errorf("SERENTAK_MEDIA_S3_URL: %w", err)
	}
	s3, err := blob.NewS3(s3cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("SERENTAK_MEDIA_S3_URL: %w", err)
	}
	uploads.Dir = filepath.Join(cfg.DataDir, "uploads")
	if cfg.UploadsDir != "" {
		uploads.Dir = cfg.UploadsDir
	}
	return s3, uploads, nil
}

// The publishers tell which permissions a feature needs (apiConfig), and
// read their platform's metrics (platformMetrics).
var (
	_ permissionTeller = (*facebook.Publisher)(nil)
	_ permissionTeller = (*instagram.Publisher)(nil)
	_ permissionTeller = (*youtube.Publisher)(nil)
	_ permissionTeller = (*tiktok.Publisher)(nil)

	_ serentak.MetricsFetcher = (*facebook.Publisher)(nil)
	_ serentak.MetricsFetcher = (*instagram.Publisher)(nil)
	_ serentak.MetricsFetcher = (*youtube.Publisher)(nil)
	_ serentak.MetricsFetcher = (*tiktok.Publisher)(nil)
)

// newPublishers builds one Publisher per platform, each reaching its
// platform only through its configured base URL. quota counts YouTube
// uploads for every worker of the install (nil: per process). With tracing
// on (tp), every platform call is a client span.
func newPublishers(cfg config.Config, quota youtube.QuotaStore, tp trace.TracerProvider) (map[serentak.Platform]serentak.Publisher, error) {
	clone := func() *http.Transport { return http.DefaultTransport.(*http.Transport).Clone() }
	yt, err := youtube.New(youtube.Config{
		HTTPClient:    platformClient(tp, string(serentak.YouTube), youtube.RequestTimeout, clone()),
		BaseURL:       cfg.YouTubeAPIURL,
		TokenURL:      cfg.YouTube.TokenURL,
		ClientID:      cfg.YouTube.ClientID,
		ClientSecret:  cfg.YouTube.ClientSecret,
		PrivacyStatus: cfg.YouTubePrivacy,
		DailyUploads:  cfg.YouTubeDailyUploads,
		Quota:         quota,
	})
	if err != nil {
		return nil, fmt.Errorf("youtube: %w", err)
	}
	return map[serentak.Platform]serentak.Publisher{
		serentak.Facebook: facebook.New(facebook.Config{BaseURL: cfg.FacebookAPIURL, Version: cfg.FacebookVersion,
			HTTPClient: platformClient(tp, string(serentak.Facebook), graph.DefaultTimeout, graphTransport())}),
		serentak.Instagram: instagram.New(instagram.Config{BaseURL: cfg.InstagramAPIURL, Version: cfg.FacebookVersion,
			HTTPClient: platformClient(tp, string(serentak.Instagram), graph.DefaultTimeout, graphTransport())}),
		serentak.YouTube: yt,
		serentak.TikTok: tiktok.New(tiktok.Config{
			HTTPClient:       platformClient(tp, string(serentak.TikTok), tiktok.DefaultTimeout, clone()),
			BaseURL:          cfg.TikTokAPIURL,
			TokenURL:         cfg.TikTok.TokenURL,
			ClientKey:        cfg.TikTok.ClientID,
			ClientSecret:     cfg.TikTok.ClientSecret,
			PullFromURL:      cfg.TikTokPullFromURL,
			VerifiedPrefixes: []string{cfg.PublicURL + "/"},
		}),
	}, nil
}

// secretKey returns SERENTAK_SECRET_KEY, or for the all-in-one install a key
// generated once and kept under the data directory. Separate production
// processes must share one key, so they refuse to invent their own.
func secretKey(cfg config.Config, embedded bool, log *slog.Logger) (string, error) {
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil
	}
	if !embedded && cfg.IsPostgres() {
		return "", errors.New("SERENTAK_SECRET_KEY is not set: every api and worker process must share one key to read stored tokens (generate one with: " + keyAdvice + ")")
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
		return "", errors.New("SERENTAK_ADMIN_KEY is not set: every api process must share one operator key (generate one with: " + keyAdvice + ")")
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
