// Package postmetrics fetches what the platforms report about published
// deliveries (docs/api.md#platform-metrics): in the scheduler role, it
// claims the delivery_metrics rows that are due, asks each platform's
// adapter (serentak.MetricsFetcher) and records the answer — hourly for
// the first two days after publication, then daily until thirty days,
// then never again.
//
// It calls the platforms itself rather than through the worker's queues:
// a fetch is one small idempotent read, nothing is lost if it is repeated
// or skipped, and a modest batch a minute keeps far below every
// platform's limits (docs/platforms/). Two scheduler replicas do not fetch
// the same row twice: a row is claimed by moving its next_fetch_at ahead
// by a lease (ClaimDueMetrics), so the other replica does not find it due.
package postmetrics

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/serentak/serentak"
)

// Store is what the fetcher needs of the database (gormstore implements it).
type Store interface {
	ClaimDueMetrics(ctx context.Context, now, leaseUntil time.Time, limit int) ([]serentak.DueMetrics, error)
	RecordMetrics(ctx context.Context, o serentak.MetricsOutcome) error
}

// Schedule is when metrics are fetched after publication.
type Schedule struct {
	// Hourly is the interval while the item is younger than HourlyFor.
	Hourly    time.Duration
	HourlyFor time.Duration
	// Daily is the interval after that, until Until after publication.
	Daily time.Duration
	Until time.Duration
}

// DefaultSchedule: hourly for two days, then daily for a month. Platforms
// update most numbers a few times a day at best (Page Insights: "Most
// metrics will update once every 24 hours", Instagram media insights:
// "Data used to calculate metrics can be delayed up to 48 hours"), so
// fetching more often shows nothing new.
var DefaultSchedule = Schedule{Hourly: time.Hour, HourlyFor: 48 * time.Hour, Daily: 24 * time.Hour, Until: 30 * 24 * time.Hour}

// Defaults for Config. A delivery takes 76 fetches over its month (48 in
// its first two days), so 100 a minute keep up with about 1,900 deliveries
// published a day; beyond that fetches run late, never lost. The
// database's share is small (a batch of 50 took 86 ms on SQLite and 200 ms
// on PostgreSQL with a no-op fetcher); the platforms' answers dominate.
const (
	DefaultEvery = time.Minute
	DefaultBatch = 100
	DefaultLease = 5 * time.Minute
	// defaultRateLimitWait is the pushback of a rate-limited answer
	// without a hint.
	defaultRateLimitWait = time.Hour
)

// Config configures a Fetcher. Zero fields take defaults.
type Config struct {
	Store Store
	// Fetchers are the platforms' adapters that report metrics.
	Fetchers map[serentak.Platform]serentak.MetricsFetcher
	Schedule Schedule
	// Every is how often due rows are looked for; Batch how many are
	// taken at a time; Lease how long a claimed row is held.
	Every  time.Duration
	Batch  int
	Lease  time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Fetcher fetches due platform metrics.
type Fetcher struct {
	cfg Config
}

// New returns a Fetcher.
func New(cfg Config) *Fetcher {
	if cfg.Schedule == (Schedule{}) {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.Every <= 0 {
		cfg.Every = DefaultEvery
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Fetcher{cfg: cfg}
}

// Run fetches due metrics every Every until ctx ends.
func (f *Fetcher) Run(ctx context.Context) error {
	t := time.NewTicker(f.cfg.Every)
	defer t.Stop()
	for {
		if _, err := f.RunOnce(ctx); err != nil && ctx.Err() == nil {
			f.cfg.Logger.Warn("fetching platform metrics failed; tried again on the next tick", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce claims one batch of due rows and fetches them; it returns how
// many rows it recorded.
func (f *Fetcher) RunOnce(ctx context.Context) (int, error) {
	now := f.cfg.Now()
	due, err := f.cfg.Store.ClaimDueMetrics(ctx, now, now.Add(f.cfg.Lease), f.cfg.Batch)
	if err != nil {
		return 0, err
	}
	// A platform that answered "rate limited" is not asked again in this
	// batch: its other rows wait as long as it said.
	paused := map[serentak.Platform]time.Time{}
	n := 0
	for _, d := range due {
		o := f.fetch(ctx, d, paused)
		if err := f.cfg.Store.RecordMetrics(ctx, o); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// fetch asks the platform for one row's metrics and says what to record.
func (f *Fetcher) fetch(ctx context.Context, d serentak.DueMetrics, paused map[serentak.Platform]time.Time) serentak.MetricsOutcome {
	now := f.cfg.Now()
	o := serentak.MetricsOutcome{DeliveryID: d.DeliveryID, At: now}
	if why := serentak.MetricsUnavailable(d.Platform, d.ExternalID); why != "" {
		o.Unavailable = why
		return o
	}
	if d.Account.ID == "" {
		o.Unavailable = "the account was removed"
		return o
	}
	fetcher := f.cfg.Fetchers[d.Platform]
	if fetcher == nil {
		// Publishing on this platform is not configured any more: try
		// again later, in case it comes back.
		o.LastError = "the " + d.Platform.DisplayName() + " adapter is not configured"
		o.NextFetchAt = f.next(d, now)
		return o
	}
	if until, ok := paused[d.Platform]; ok {
		o.LastError = d.Platform.DisplayName() + "'s rate limit was reached; fetched again later"
		o.NextFetchAt = until
		return o
	}
	m, err := fetcher.FetchMetrics(ctx, serentak.MetricsRequest{Account: d.Account, ExternalID: d.ExternalID, PublishedAt: d.PublishedAt})
	if err == nil {
		if m == nil {
			m = serentak.Metrics{}
		}
		o.Metrics = m
		o.NextFetchAt = f.next(d, now)
		return o
	}
	o.LastError = err.Error()
	var pe *serentak.PublishError
	errors.As(err, &pe)
	switch {
	case errors.Is(err, serentak.ErrNoMetrics):
		o.Unavailable = messageOf(pe, err)
	case errors.Is(err, serentak.ErrMetricsPermission):
		// Told, not failed silently: the stats say to reconnect, and the
		// row is tried daily so metrics resume once the account is
		// reconnected with the permission. The account itself keeps
		// publishing; it is not marked needs_reauth.
		o.Unavailable = serentak.UnavailableMetricsPermission
		o.NextFetchAt = f.later(d, now, f.cfg.Schedule.Daily)
	case pe != nil && pe.Kind == serentak.RateLimited:
		wait := pe.RetryAfter
		if wait <= 0 {
			wait = defaultRateLimitWait
		}
		paused[d.Platform] = now.Add(wait)
		o.NextFetchAt = now.Add(wait)
	case pe != nil && pe.Kind == serentak.Rejected:
		// The item is gone or the platform will never answer for it
		// (deleted post, video removed).
		o.Unavailable = messageOf(pe, err)
	case pe != nil && pe.Kind == serentak.AuthExpired:
		// The token no longer works: the keep-alive refreshes it, or
		// marks the account needs_reauth and tells its admins
		// (keepalive, notify). Metrics resume on a later fetch.
		o.NextFetchAt = f.later(d, now, f.cfg.Schedule.Hourly)
	default:
		o.NextFetchAt = f.later(d, now, f.cfg.Schedule.Hourly)
	}
	return o
}

// next is when to fetch again after a fetch at now: hourly while the
// item is young, then daily, and never once it is older than Until.
func (f *Fetcher) next(d serentak.DueMetrics, now time.Time) time.Time {
	step := f.cfg.Schedule.Daily
	if now.Sub(d.PublishedAt) < f.cfg.Schedule.HourlyFor {
		step = f.cfg.Schedule.Hourly
	}
	return f.later(d, now, step)
}

// later is now+step, or never when that is past the schedule's end.
func (f *Fetcher) later(d serentak.DueMetrics, now time.Time, step time.Duration) time.Time {
	t := now.Add(step)
	if t.Sub(d.PublishedAt) > f.cfg.Schedule.Until {
		return time.Time{}
	}
	return t
}

// messageOf is the platform's explanation of a failure.
func messageOf(pe *serentak.PublishError, err error) string {
	if pe != nil && pe.Message != "" {
		return pe.Message
	}
	return err.Error()
}
