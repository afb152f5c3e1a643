// Package config reads Serentak's settings from the environment and, when
// present, from an env-style file (KEY=VALUE lines, see
// configs/serentak.example.env). The environment wins over the file.
package config

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak/mail"
)

// OAuth is one platform's app credentials and endpoints.
type OAuth struct {
	ClientID     string
	ClientSecret string
	AuthURL      string
	TokenURL     string
}

// Configured reports whether the platform can be connected.
func (o OAuth) Configured() bool { return o.ClientID != "" && o.ClientSecret != "" }

// DefaultRetention is SERENTAK_RETENTION's default: a month, so that the
// attempt log of the webhooks and a finished publish's checkpoint are
// there to investigate a problem reported within a monthly cycle, while
// the tables that grow with every delivery stop growing in them (River,
// a PostgreSQL job queue, keeps finished jobs 24 hours and discarded
// ones 7 days by default; ours are read by people, so longer).
const DefaultRetention = 30 * 24 * time.Hour

// Config is every setting. Names in comments are the environment variables.
type Config struct {
	Addr        string // SERENTAK_ADDR
	DatabaseURL string // SERENTAK_DATABASE_URL
	RedisURL    string // SERENTAK_REDIS_URL; "" = embedded
	// Redis is RedisURL parsed (ParseRedisURL); nil when RedisURL is "".
	Redis             asynq.RedisConnOpt
	AdminKey          string // SERENTAK_ADMIN_KEY
	SecretKey         string // SERENTAK_SECRET_KEY
	PublicURL         string // SERENTAK_PUBLIC_URL
	MediaAllowPrivate bool   // SERENTAK_MEDIA_ALLOW_PRIVATE
	// WebhookAllowPrivate lets webhook URLs point at loopback and private
	// addresses (tests, intranets).
	WebhookAllowPrivate bool // SERENTAK_WEBHOOK_ALLOW_PRIVATE
	// SignUp is who may sign up in the web app: "first" (the first
	// person, while the install has no user), "open" or "closed".
	SignUp  string // SERENTAK_SIGNUP
	DataDir string // SERENTAK_DATA_DIR
	// MediaS3URL stores uploads in an S3-compatible bucket instead of the
	// data directory: s3://KEY:SECRET@host[:port]/bucket[/prefix]?region=…
	MediaS3URL string // SERENTAK_MEDIA_S3_URL
	// UploadsDir is where resumable uploads are assembled until their
	// last byte; several API processes share it (one volume every API pod
	// mounts) so that any of them takes the next chunk. Empty: beside the
	// media on disk (SERENTAK_DATA_DIR/media/.uploads), or
	// SERENTAK_DATA_DIR/uploads with a bucket.
	UploadsDir string // SERENTAK_UPLOADS_DIR

	FacebookAPIURL  string // SERENTAK_FACEBOOK_API_URL
	FacebookVersion string // SERENTAK_FACEBOOK_API_VERSION
	// FacebookConfigID is a Facebook Login for Business configuration ID
	// (SERENTAK_FACEBOOK_CONFIG_ID); set, the login asks for it instead of
	// a list of scopes.
	FacebookConfigID string
	InstagramAPIURL  string // SERENTAK_INSTAGRAM_API_URL
	YouTubeAPIURL    string // SERENTAK_YOUTUBE_API_URL
	TikTokAPIURL     string // SERENTAK_TIKTOK_API_URL

	Facebook, Instagram, YouTube, TikTok OAuth // SERENTAK_<P>_CLIENT_ID, …

	LogLevel      string  // SERENTAK_LOG_LEVEL: debug|info|warn|error
	BodyLimit     int64   // SERENTAK_BODY_LIMIT_BYTES
	MediaMaxBytes int64   // SERENTAK_MEDIA_MAX_BYTES
	RateLimit     float64 // SERENTAK_RATE_LIMIT: requests/s per key, 0 = off
	Concurrency   int     // SERENTAK_WORKER_CONCURRENCY: per platform queue (Facebook, Instagram)
	// UploadConcurrency (SERENTAK_WORKER_UPLOAD_CONCURRENCY) is the same
	// for YouTube and TikTok, which are sent the media's bytes: each
	// publish there streams a file, and their quotas allow few anyway.
	UploadConcurrency int
	// Ahead (SERENTAK_WORKER_AHEAD) is how many more deliveries of each
	// platform queue a worker may claim before their time, to wait for it
	// holding no publishing slot; -1 (unset): twice the queue's
	// concurrency (worker.DefaultAheadFactor).
	Ahead         int
	Tick          time.Duration // SERENTAK_SCHEDULER_TICK
	Horizon       time.Duration // SERENTAK_SCHEDULER_HORIZON
	Lead          time.Duration // SERENTAK_SCHEDULER_LEAD: a worker claims a delivery this long before its time
	CheckInterval time.Duration // SERENTAK_QUEUE_CHECK_INTERVAL: Asynq's delayed/idle task checks
	DBMaxConns    int           // SERENTAK_DATABASE_MAX_CONNS
	WorkerLease   time.Duration // SERENTAK_WORKER_LEASE: how long a claimed delivery is held without news from its worker
	StrandedGrace time.Duration // SERENTAK_SCHEDULER_STRANDED_GRACE: how long an enqueued delivery may wait unclaimed
	// Retention (SERENTAK_RETENTION) is how long after it ended a
	// delivery keeps its checkpoint, and a webhook message or notification
	// is kept at all; 0 prunes nothing (gormstore.Prune).
	Retention time.Duration

	TikTokPullFromURL bool // SERENTAK_TIKTOK_PULL_FROM_URL: TikTok fetches videos from SERENTAK_PUBLIC_URL (a verified domain)

	// InstagramLogin is how Instagram accounts are connected
	// (SERENTAK_INSTAGRAM_LOGIN): "instagram" (Instagram Login, the
	// default, no Facebook Page needed) or "facebook" (Facebook Login,
	// through the Pages the IG accounts are linked to). The defaults of
	// SERENTAK_INSTAGRAM_AUTH_URL and _TOKEN_URL follow it, and so does
	// SERENTAK_INSTAGRAM_API_URL: each login has its own host
	// (docs/platforms/instagram.md#connecting), and Meta refuses a token of
	// one login on the other's host with code 190, so Load refuses that
	// pairing too.
	InstagramLogin string
	// InstagramMaxHashtags (SERENTAK_INSTAGRAM_MAX_HASHTAGS, default 5) is
	// how many hashtags an Instagram caption may carry
	// (docs/platforms/instagram.md#limits): the API reference still says
	// 30, Instagram's app has allowed 5 since December 2025.
	InstagramMaxHashtags int
	// Preflight is how long before a delivery is due its account's token
	// is checked (SERENTAK_PREFLIGHT_HOURS, default 6).
	Preflight           time.Duration
	YouTubeDailyUploads int    // SERENTAK_YOUTUBE_DAILY_UPLOADS: the Google Cloud project's uploads per quota day, every channel together; 0 = YouTube's default
	YouTubePrivacy      string // SERENTAK_YOUTUBE_PRIVACY: public | unlisted | private

	// MetricsPublic serves /metrics without the operator key
	// (SERENTAK_METRICS_PUBLIC): for a Prometheus that can reach it on a
	// private network only.
	MetricsPublic bool
	// MetricsAddr is where the worker and scheduler roles, which have no
	// API, serve /metrics (SERENTAK_METRICS_ADDR, default :9090; "off":
	// not at all). The api role and serve answer /metrics on the API.
	MetricsAddr string

	// SMTPURL is the mail server invites, password resets and account
	// problems are sent through (SERENTAK_SMTP_URL, format in package
	// mail): smtp://USER:PASSWORD@HOST:587?from=… ; empty: no email, the
	// links are only answered to whoever made them.
	SMTPURL string
	// SMTP is SMTPURL parsed, its sender replaced by SERENTAK_SMTP_FROM
	// when that is set; nil when SMTPURL is "".
	SMTP *mail.SMTPConfig

	// CORSOrigins are the browser origins allowed to call the API
	// (SERENTAK_CORS_ORIGINS, comma-separated): exact origins
	// (https://app.example.com, lower case), or "*" for any origin
	// without credentials. Empty: none.
	CORSOrigins []string
}

// Load reads the configuration: the file named by SERENTAK_CONFIG, else
// configs/serentak.env when it exists, then the environment over it.
// getenv is os.Getenv in production, a map in tests.
func Load(getenv func(string) string) (Config, error) {
	file := map[string]string{}
	path := getenv("SERENTAK_CONFIG")
	explicit := path != ""
	if !explicit {
		path = filepath.Join("configs", "serentak.env")
	}
	if f, err := readEnvFile(path); err == nil {
		file = f
	} else if explicit || !errors.Is(err, fs.ErrNotExist) {
		return Config{}, fmt.Errorf("config file %s: %w", path, err)
	}
	get := func(key string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return file[key]
	}
	var errs []error
	str := func(key, def string) string {
		if v := strings.TrimSpace(get(key)); v != "" {
			return v
		}
		return def
	}
	boolean := func(key string) bool {
		v := get(key)
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want true or false", key, v))
		}
		return b
	}
	integer := func(key string, def int64) int64 {
		v := get(key)
		if v == "" {
			return def
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a whole number ≥ 0", key, v))
		}
		return n
	}
	duration := func(key string, def time.Duration) time.Duration {
		v := get(key)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 200ms or 2s", key, v))
		}
		return d
	}

	durationOrZero := func(key string, def time.Duration) time.Duration {
		if get(key) == "0" {
			return 0
		}
		return duration(key, def)
	}

	c := Config{
		Addr:                str("SERENTAK_ADDR", ":8080"),
		RedisURL:            str("SERENTAK_REDIS_URL", ""),
		AdminKey:            str("SERENTAK_ADMIN_KEY", ""),
		SecretKey:           str("SERENTAK_SECRET_KEY", ""),
		PublicURL:           strings.TrimRight(str("SERENTAK_PUBLIC_URL", "http://localhost:8080"), "/"),
		MediaAllowPrivate:   boolean("SERENTAK_MEDIA_ALLOW_PRIVATE"),
		WebhookAllowPrivate: boolean("SERENTAK_WEBHOOK_ALLOW_PRIVATE"),
		SignUp:              str("SERENTAK_SIGNUP", "first"),
		DataDir:             str("SERENTAK_DATA_DIR", "data"),
		FacebookAPIURL:      strings.TrimRight(str("SERENTAK_FACEBOOK_API_URL", "https://graph.facebook.com"), "/"),
		FacebookVersion:     str("SERENTAK_FACEBOOK_API_VERSION", "v25.0"),
		FacebookConfigID:    str("SERENTAK_FACEBOOK_CONFIG_ID", ""),
		YouTubeAPIURL:       strings.TrimRight(str("SERENTAK_YOUTUBE_API_URL", "https://www.googleapis.com"), "/"),
		TikTokAPIURL:        strings.TrimRight(str("SERENTAK_TIKTOK_API_URL", "https://open.tiktokapis.com"), "/"),
		LogLevel:            str("SERENTAK_LOG_LEVEL", "info"),
		BodyLimit:           integer("SERENTAK_BODY_LIMIT_BYTES", 1<<20),
		MediaMaxBytes:       integer("SERENTAK_MEDIA_MAX_BYTES", 512<<20),
		Concurrency:         int(integer("SERENTAK_WORKER_CONCURRENCY", 1000)),
		UploadConcurrency:   int(integer("SERENTAK_WORKER_UPLOAD_CONCURRENCY", 50)),
		Ahead:               int(integer("SERENTAK_WORKER_AHEAD", -1)),
		Tick:                duration("SERENTAK_SCHEDULER_TICK", 200*time.Millisecond),
		Horizon:             duration("SERENTAK_SCHEDULER_HORIZON", 5*time.Second),
		Lead:                durationOrZero("SERENTAK_SCHEDULER_LEAD", 2*time.Second),
		CheckInterval:       duration("SERENTAK_QUEUE_CHECK_INTERVAL", 500*time.Millisecond),
		DBMaxConns:          int(integer("SERENTAK_DATABASE_MAX_CONNS", 0)),
		WorkerLease:         duration("SERENTAK_WORKER_LEASE", 5*time.Minute),
		StrandedGrace:       duration("SERENTAK_SCHEDULER_STRANDED_GRACE", 30*time.Second),
		Retention:           durationOrZero("SERENTAK_RETENTION", DefaultRetention),
		TikTokPullFromURL:   boolean("SERENTAK_TIKTOK_PULL_FROM_URL"),
		YouTubeDailyUploads: int(integer("SERENTAK_YOUTUBE_DAILY_UPLOADS", 0)),
		YouTubePrivacy:      str("SERENTAK_YOUTUBE_PRIVACY", "public"),
		MetricsPublic:       boolean("SERENTAK_METRICS_PUBLIC"),
		MetricsAddr:         str("SERENTAK_METRICS_ADDR", ":9090"),
	}
	if v := get("SERENTAK_RATE_LIMIT"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 {
			errs = append(errs, fmt.Errorf("SERENTAK_RATE_LIMIT=%q: want requests per second ≥ 0", v))
		}
		c.RateLimit = r
	}
	switch c.SignUp {
	case "first", "open", "closed":
	default:
		errs = append(errs, fmt.Errorf("SERENTAK_SIGNUP=%q: want first, open or closed", c.SignUp))
	}
	for _, o := range strings.Split(get("SERENTAK_CORS_ORIGINS"), ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		origin, err := parseOrigin(o)
		if err != nil {
			errs = append(errs, fmt.Errorf("SERENTAK_CORS_ORIGINS: %w", err))
			continue
		}
		c.CORSOrigins = append(c.CORSOrigins, origin)
	}
	if c.RedisURL != "" {
		var err error
		if c.Redis, err = ParseRedisURL(c.RedisURL); err != nil {
			errs = append(errs, err)
		}
	}
	c.DatabaseURL = str("SERENTAK_DATABASE_URL", filepath.Join(c.DataDir, "serentak.db"))
	c.MediaS3URL = str("SERENTAK_MEDIA_S3_URL", "")
	c.UploadsDir = str("SERENTAK_UPLOADS_DIR", "")
	c.InstagramLogin = str("SERENTAK_INSTAGRAM_LOGIN", "instagram")
	// Each login has its own host ("Host URL" in the Requirements table of
	// every Instagram Platform reference page, e.g.
	// https://developers.facebook.com/documentation/instagram-platform/reference
	// and .../reference/ig-container): Instagram Login tokens are served
	// by graph.instagram.com, Facebook Login tokens by graph.facebook.com.
	igAPI, igAuth, igToken := instagramLoginHost, "https://www.instagram.com/oauth/authorize", "https://api.instagram.com/oauth/access_token"
	switch c.InstagramLogin {
	case "instagram":
	case "facebook":
		igAPI, igAuth, igToken = facebookLoginHost, "https://www.facebook.com/"+c.FacebookVersion+"/dialog/oauth", ""
	default:
		errs = append(errs, fmt.Errorf("SERENTAK_INSTAGRAM_LOGIN=%q: want instagram or facebook", c.InstagramLogin))
	}
	c.InstagramAPIURL = strings.TrimRight(str("SERENTAK_INSTAGRAM_API_URL", igAPI), "/")
	if err := checkInstagramHost(c.InstagramLogin, c.InstagramAPIURL); err != nil {
		errs = append(errs, err)
	}
	c.InstagramMaxHashtags = int(integer("SERENTAK_INSTAGRAM_MAX_HASHTAGS", 5))
	if c.InstagramMaxHashtags < 0 || c.InstagramMaxHashtags > 30 {
		errs = append(errs, fmt.Errorf("SERENTAK_INSTAGRAM_MAX_HASHTAGS=%d: want 0 to 30 (30 is the API reference's cap)", c.InstagramMaxHashtags))
	}
	if igToken == "" {
		igToken = c.InstagramAPIURL + "/" + c.FacebookVersion + "/oauth/access_token"
	}
	c.SMTPURL = str("SERENTAK_SMTP_URL", "")
	if err := c.loadSMTP(str("SERENTAK_SMTP_FROM", "")); err != nil {
		errs = append(errs, err)
	}
	hours := integer("SERENTAK_PREFLIGHT_HOURS", 6)
	if hours < 1 || hours > 24*7 {
		errs = append(errs, fmt.Errorf("SERENTAK_PREFLIGHT_HOURS=%d: want 1 to 168 hours", hours))
	}
	c.Preflight = time.Duration(hours) * time.Hour

	oauth := func(p, auth, token string) OAuth {
		return OAuth{
			ClientID:     str("SERENTAK_"+p+"_CLIENT_ID", ""),
			ClientSecret: str("SERENTAK_"+p+"_CLIENT_SECRET", ""),
			AuthURL:      str("SERENTAK_"+p+"_AUTH_URL", auth),
			TokenURL:     str("SERENTAK_"+p+"_TOKEN_URL", token),
		}
	}
	c.Facebook = oauth("FACEBOOK", "https://www.facebook.com/"+c.FacebookVersion+"/dialog/oauth",
		c.FacebookAPIURL+"/"+c.FacebookVersion+"/oauth/access_token")
	c.Instagram = oauth("INSTAGRAM", igAuth, igToken)
	c.YouTube = oauth("YOUTUBE", "https://accounts.google.com/o/oauth2/v2/auth",
		"https://oauth2.googleapis.com/token")
	c.TikTok = oauth("TIKTOK", "https://www.tiktok.com/v2/auth/authorize/",
		c.TikTokAPIURL+"/v2/oauth/token/")

	if c.Lead >= c.Horizon {
		errs = append(errs, fmt.Errorf("SERENTAK_SCHEDULER_LEAD (%v) must be below SERENTAK_SCHEDULER_HORIZON (%v)", c.Lead, c.Horizon))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("SERENTAK_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	return c, errors.Join(errs...)
}

// parseOrigin checks one of SERENTAK_CORS_ORIGINS: "*", or an origin as
// a browser sends it, scheme://host[:port] with nothing after, which it
// returns in lower case (browsers send it so).
func parseOrigin(o string) (string, error) {
	if o == "*" {
		return o, nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "/") {
		return "", fmt.Errorf("%q is not an origin: want scheme://host[:port] exactly as the browser's address bar shows it, without a path or a trailing slash (https://app.example.com), or * for any origin without credentials", o)
	}
	return strings.ToLower(o), nil
}

// loadSMTP parses SMTPURL; from, when set, is the sender, and the URL
// then needs no from= of its own.
func (c *Config) loadSMTP(from string) error {
	if c.SMTPURL == "" {
		if from != "" {
			return errors.New("SERENTAK_SMTP_FROM is set but SERENTAK_SMTP_URL is not: set the mail server too, or unset both")
		}
		return nil
	}
	raw := c.SMTPURL
	if from != "" {
		// SERENTAK_SMTP_FROM wins over the URL's own from=.
		u, err := url.Parse(raw)
		if err == nil {
			q := u.Query()
			q.Set("from", from)
			u.RawQuery = q.Encode()
			raw = u.String()
		}
	}
	sc, err := mail.ParseURL(raw)
	if err != nil {
		return err
	}
	c.SMTP = &sc
	return nil
}

// The two Instagram hosts, one per login.
const (
	instagramLoginHost = "https://graph.instagram.com"
	facebookLoginHost  = "https://graph.facebook.com"
)

// checkInstagramHost refuses a real Meta host that does not serve the
// login's tokens: Instagram Login with graph.facebook.com (every connect
// and publish would fail with code 190), or Facebook Login with
// graph.instagram.com. Other hosts (a fake, a proxy) are the operator's
// choice.
func checkInstagramHost(login, apiURL string) error {
	host := apiURL
	if u, err := url.Parse(apiURL); err == nil && u.Host != "" {
		host = u.Scheme + "://" + strings.ToLower(u.Host)
	}
	switch {
	case login == "instagram" && host == facebookLoginHost:
		return fmt.Errorf("SERENTAK_INSTAGRAM_API_URL=%s does not serve Instagram Login tokens (SERENTAK_INSTAGRAM_LOGIN=instagram): Meta would refuse every call with code 190; use %s, or leave the setting unset to follow the login", apiURL, instagramLoginHost)
	case login == "facebook" && host == instagramLoginHost:
		return fmt.Errorf("SERENTAK_INSTAGRAM_API_URL=%s does not serve Facebook Login tokens (SERENTAK_INSTAGRAM_LOGIN=facebook): Meta would refuse every call with code 190; use %s, or leave the setting unset to follow the login", apiURL, facebookLoginHost)
	}
	return nil
}

// IsPostgres reports whether the database is PostgreSQL (else SQLite).
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// readEnvFile parses KEY=VALUE lines; blank lines and # comments are
// skipped, and a value may be wrapped in single or double quotes.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want KEY=VALUE", n)
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
			val = val[1 : len(val)-1]
		}
		out[strings.TrimSpace(key)] = val
	}
	return out, sc.Err()
}

// Persisted returns the value of a generated secret kept in dir/name,
// creating it (32 random bytes, base64) on first use. created reports that
// it was made just now, so the caller can print it once.
func Persisted(dir, name string) (value string, created bool, err error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil {
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", false, fmt.Errorf("%s is empty; delete it to generate a new one", path)
		}
		return v, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, err
	}
	// 32 bytes, more than rand.Text's 130 bits: the secret key seals every
	// stored token. rand.Read cannot fail (Go 1.24 and later).
	var b [32]byte
	rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return Persisted(dir, name)
	}
	if err != nil {
		return "", false, err
	}
	if _, err := f.WriteString(v + "\n"); err != nil {
		f.Close()
		return "", false, err
	}
	return v, true, f.Close()
}
