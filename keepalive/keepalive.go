// Package keepalive keeps connected accounts connected. Two passes run
// periodically (in the scheduler role):
//
//   - Refresh: tokens that expire within their platform's window are
//     refreshed before they do (YouTube's hour, TikTok's hours, Instagram
//     Login's 60 days), through the same TokenRefresher the worker uses.
//     A refresh is taken under a per-account lease in the database, so one
//     process spends a rotating refresh token (TikTok's dies the moment a
//     new one is issued), and stored by compare-and-swap, so a token a
//     slower refresher got can never overwrite a newer one.
//   - Pre-flight: some hours before an account's scheduled deliveries are
//     due, its credentials are exercised (a refresh where there is a
//     refresh token, then one cheap read with the access token). An
//     account that fails turns needs_reauth now, and its scheduled
//     deliveries carry {code: needs_reauth, retryable: true} while they
//     are still scheduled, so the owner hears hours ahead instead of at
//     publish time. Reconnecting the account clears the flag.
//
// It is its own package rather than part of the scheduler: it shares no
// state with the delivery pipeline and talks to the platforms, which the
// scheduler never does.
package keepalive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/tracing"
)

// NeedsReauthCode is the delivery error code of a flagged delivery; the
// worker fails deliveries of broken accounts with the same code.
const NeedsReauthCode = "needs_reauth"

// Defaults for Config.
const (
	DefaultInterval  = time.Minute
	DefaultPreflight = 6 * time.Hour
	DefaultRecheck   = time.Hour
	DefaultLease     = 2 * time.Minute
	// DefaultRefreshBefore is the window for platforms not in
	// DefaultRefreshWindows.
	DefaultRefreshBefore = 15 * time.Minute
	batch                = 100
)

// DefaultRefreshWindows is how long before expiry each platform's tokens
// are refreshed: well inside the access token's life (YouTube ~1 h, TikTok
// 2–24 h), and a week ahead for Instagram Login's 60-day token, which can
// only be extended while it is still valid.
var DefaultRefreshWindows = map[serentak.Platform]time.Duration{
	serentak.YouTube:   10 * time.Minute,
	serentak.TikTok:    30 * time.Minute,
	serentak.Instagram: 7 * 24 * time.Hour,
}

// Store is what keeping accounts alive needs; *gormstore.Store has it.
type Store interface {
	FindAccountByID(ctx context.Context, workspaceID, id string) (serentak.Account, error)
	FindAccountsToRefresh(ctx context.Context, platform serentak.Platform, before time.Time, limit int) ([]serentak.Account, error)
	FindAccountsToCheck(ctx context.Context, dueBefore, checkedSince time.Time, limit int) ([]serentak.Account, error)
	FindAccountsNeedingReauthWithDue(ctx context.Context, dueBefore time.Time, code string, limit int) ([]serentak.Account, error)
	ClaimTokenRefresh(ctx context.Context, accountID string, until time.Time) (bool, error)
	ReleaseTokenRefresh(ctx context.Context, accountID string) error
	SwapAccountToken(ctx context.Context, workspaceID, id, used string, t serentak.Token) (bool, error)
	MarkAccountNeedsReauth(ctx context.Context, workspaceID, id, reason string) error
	RecordAccountCheck(ctx context.Context, accountID, lastError string) error
	FlagScheduledDeliveries(ctx context.Context, workspaceID, accountID string, dueBefore time.Time, e serentak.DeliveryError) (int64, error)
}

// Verifier checks an account's token with one cheap platform call. An
// error that is a *serentak.PublishError of kind AuthExpired means the
// account must be reconnected; any other error means the check could not
// be made. connect.Connector implements it.
type Verifier interface {
	VerifyAccount(ctx context.Context, acc serentak.Account) error
}

// Config configures a Keeper. Store is required.
type Config struct {
	Store      Store
	Refreshers map[serentak.Platform]serentak.TokenRefresher
	Verifiers  map[serentak.Platform]Verifier
	// RefreshWindows overrides DefaultRefreshWindows per platform.
	RefreshWindows map[serentak.Platform]time.Duration
	// Preflight is how long before a delivery is due its account is
	// checked (SERENTAK_PREFLIGHT_HOURS); DefaultPreflight when zero.
	Preflight time.Duration
	// Recheck is how long a successful check counts; DefaultRecheck.
	Recheck time.Duration
	// Interval is the time between passes; DefaultInterval.
	Interval time.Duration
	// Lease bounds one refresh; DefaultLease.
	Lease  time.Duration
	Now    func() time.Time
	Logger *slog.Logger
	// TracerProvider makes a span of each refresh and each pre-flight
	// check, parent of the refreshers' and verifiers' calls to the
	// platforms; nil: tracing off.
	TracerProvider trace.TracerProvider
}

// Keeper runs the passes.
type Keeper struct {
	cfg    Config
	log    *slog.Logger
	tracer trace.Tracer
}

// New returns a Keeper.
func New(cfg Config) (*Keeper, error) {
	if cfg.Store == nil {
		return nil, errors.New("keepalive: a store is required")
	}
	if cfg.Preflight <= 0 {
		cfg.Preflight = DefaultPreflight
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = DefaultRecheck
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	k := &Keeper{cfg: cfg, log: cfg.Logger, tracer: tracing.Tracer(cfg.TracerProvider)}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	return k, nil
}

// Run runs a pass every Interval until ctx ends. A failed pass is logged
// and the next one tries again.
func (k *Keeper) Run(ctx context.Context) error {
	t := time.NewTicker(k.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := k.RefreshDue(ctx); err != nil && ctx.Err() == nil {
			k.log.Error("token refresh pass failed", "err", err)
		}
		if _, err := k.CheckDue(ctx); err != nil && ctx.Err() == nil {
			k.log.Error("pre-flight check pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (k *Keeper) window(p serentak.Platform) time.Duration {
	if d, ok := k.cfg.RefreshWindows[p]; ok && d > 0 {
		return d
	}
	if d, ok := DefaultRefreshWindows[p]; ok {
		return d
	}
	return DefaultRefreshBefore
}

// RefreshDue refreshes every token that expires within its platform's
// window and returns how many were refreshed.
func (k *Keeper) RefreshDue(ctx context.Context) (int, error) {
	n := 0
	var errs []error
	for _, p := range serentak.Platforms {
		if k.cfg.Refreshers[p] == nil {
			continue
		}
		accs, err := k.cfg.Store.FindAccountsToRefresh(ctx, p, k.cfg.Now().Add(k.window(p)), batch)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, a := range accs {
			ok, err := k.refresh(ctx, a, false)
			if err != nil && !errors.Is(err, errBroken) {
				k.log.Warn("token refresh failed; will try again", "account_id", a.ID, "platform", a.Platform, "err", err)
			}
			if ok {
				n++
			}
		}
	}
	return n, errors.Join(errs...)
}

// errBroken: the account was found broken and marked needs_reauth.
var errBroken = errors.New("keepalive: account needs reauth")

// errBusy: another process holds the account's refresh lease.
var errBusy = errors.New("keepalive: another refresh of this account is in progress")

// refresh refreshes one account's token under its lease. force refreshes
// even when the token is not yet due (the pre-flight check's way of
// proving the refresh token still works). refreshed reports that a new
// token was stored (by us or, meanwhile, by someone else).
func (k *Keeper) refresh(ctx context.Context, a serentak.Account, force bool) (refreshed bool, err error) {
	r := k.cfg.Refreshers[a.Platform]
	if r == nil {
		return false, nil
	}
	got, err := k.cfg.Store.ClaimTokenRefresh(ctx, a.ID, k.cfg.Now().Add(k.cfg.Lease))
	if err != nil {
		return false, err
	}
	if !got {
		return false, errBusy
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := k.cfg.Store.ReleaseTokenRefresh(rctx, a.ID); err != nil {
			k.log.Warn("releasing the refresh lease failed; it runs out by itself", "account_id", a.ID, "err", err)
		}
	}()
	// Read again under the lease: a refresh that finished just before we
	// took it has already stored a new token.
	cur, err := k.cfg.Store.FindAccountByID(ctx, a.WorkspaceID, a.ID)
	if err != nil {
		return false, err
	}
	if cur.Status != serentak.AccountActive {
		return false, nil
	}
	if !force && (cur.Token.ExpiresAt.IsZero() || cur.Token.ExpiresAt.After(k.cfg.Now().Add(k.window(cur.Platform)))) {
		return cur.Token.AccessToken != a.Token.AccessToken, nil
	}
	// A span for a refresh actually made (not for one found unneeded
	// under the lease): the account, never its tokens.
	ctx, span := k.tracer.Start(ctx, "keepalive refresh", trace.WithAttributes(accountAttrs(cur)...),
		trace.WithAttributes(attribute.Bool("serentak.keepalive.forced", force)))
	defer span.End()
	tok, err := r.RefreshToken(ctx, cur)
	if err != nil {
		span.SetStatus(codes.Error, "refresh failed")
		var pe *serentak.PublishError
		if errors.As(err, &pe) && pe.Kind == serentak.AuthExpired {
			// A process refreshing without the lease (a worker reacting to
			// a refused token) may have rotated the token under us.
			again, ferr := k.cfg.Store.FindAccountByID(ctx, a.WorkspaceID, a.ID)
			if ferr == nil && (again.Token.RefreshToken != cur.Token.RefreshToken || again.Token.AccessToken != cur.Token.AccessToken) {
				return true, nil
			}
			return false, k.broken(ctx, cur, fmt.Sprintf("%s refused to refresh the token: %s", cur.Platform.DisplayName(), pe.Message))
		}
		if rerr := k.cfg.Store.RecordAccountCheck(ctx, cur.ID, "token refresh failed for now: "+err.Error()); rerr != nil {
			k.log.Warn("recording a failed refresh failed", "account_id", cur.ID, "err", rerr)
		}
		return false, err
	}
	swapped, err := k.cfg.Store.SwapAccountToken(ctx, cur.WorkspaceID, cur.ID, cur.Token.RefreshToken, tok)
	if err != nil {
		return false, err
	}
	if !swapped {
		k.log.Info("a newer token was stored meanwhile; keeping it and discarding ours", "account_id", cur.ID, "platform", cur.Platform)
		return true, nil
	}
	k.log.Info("token refreshed", "account_id", cur.ID, "platform", cur.Platform, "expires_at", tok.ExpiresAt)
	return true, nil
}

// CheckDue runs the pre-flight check of every active account with a
// delivery due within Preflight that was not checked within Recheck, and
// flags the deliveries of accounts already in needs_reauth. It returns how
// many accounts were found broken.
func (k *Keeper) CheckDue(ctx context.Context) (int, error) {
	now := k.cfg.Now()
	dueBefore := now.Add(k.cfg.Preflight)
	var errs []error
	broken := 0
	accs, err := k.cfg.Store.FindAccountsToCheck(ctx, dueBefore, now.Add(-k.cfg.Recheck), batch)
	if err != nil {
		errs = append(errs, err)
	}
	for _, a := range accs {
		err := k.check(ctx, a)
		switch {
		case errors.Is(err, errBroken):
			broken++
		case errors.Is(err, errBusy):
			// Checked on a later pass.
		case err != nil:
			k.log.Warn("pre-flight check could not be made; will try again", "account_id", a.ID, "platform", a.Platform, "err", err)
		}
	}

	// Accounts the worker found broken: their other deliveries say so too.
	stale, err := k.cfg.Store.FindAccountsNeedingReauthWithDue(ctx, dueBefore, NeedsReauthCode, batch)
	if err != nil {
		errs = append(errs, err)
	}
	for _, a := range stale {
		if _, err := k.cfg.Store.FlagScheduledDeliveries(ctx, a.WorkspaceID, a.ID, time.Time{}, flag(a, a.StatusReason)); err != nil {
			errs = append(errs, err)
		}
	}
	return broken, errors.Join(errs...)
}

// check is one account's pre-flight check, in a span of its own.
func (k *Keeper) check(ctx context.Context, a serentak.Account) error {
	ctx, span := k.tracer.Start(ctx, "keepalive check", trace.WithAttributes(accountAttrs(a)...))
	defer span.End()
	err := k.checkAccount(ctx, a)
	switch {
	case errors.Is(err, errBroken):
		span.SetStatus(codes.Error, "needs reauth")
		span.SetAttributes(attribute.Bool("serentak.account.needs_reauth", true))
	case err != nil:
		span.SetStatus(codes.Error, "check not made")
	}
	return err
}

// accountAttrs names an account in a span.
func accountAttrs(a serentak.Account) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("serentak.account.id", a.ID),
		attribute.String("serentak.workspace.id", a.WorkspaceID),
		attribute.String("serentak.platform", string(a.Platform)),
	}
}

func (k *Keeper) checkAccount(ctx context.Context, a serentak.Account) error {
	if a.Token.RefreshToken != "" && k.cfg.Refreshers[a.Platform] != nil {
		if _, err := k.refresh(ctx, a, true); err != nil {
			return err
		}
		cur, err := k.cfg.Store.FindAccountByID(ctx, a.WorkspaceID, a.ID)
		if err != nil {
			return err
		}
		a = cur
	}
	if v := k.cfg.Verifiers[a.Platform]; v != nil {
		if err := v.VerifyAccount(ctx, a); err != nil {
			var pe *serentak.PublishError
			if errors.As(err, &pe) && pe.Kind == serentak.AuthExpired {
				return k.broken(ctx, a, pe.Message)
			}
			if rerr := k.cfg.Store.RecordAccountCheck(ctx, a.ID, "check failed for now: "+err.Error()); rerr != nil {
				return rerr
			}
			return err
		}
	}
	return k.cfg.Store.RecordAccountCheck(ctx, a.ID, "")
}

// broken marks the account needs_reauth and flags all its scheduled
// deliveries; it returns errBroken when that worked.
func (k *Keeper) broken(ctx context.Context, a serentak.Account, reason string) error {
	if err := k.cfg.Store.MarkAccountNeedsReauth(ctx, a.WorkspaceID, a.ID, reason); err != nil {
		return err
	}
	if err := k.cfg.Store.RecordAccountCheck(ctx, a.ID, reason); err != nil {
		return err
	}
	n, err := k.cfg.Store.FlagScheduledDeliveries(ctx, a.WorkspaceID, a.ID, time.Time{}, flag(a, reason))
	if err != nil {
		return err
	}
	k.log.Warn("account needs to be reconnected; its scheduled deliveries are flagged",
		"account_id", a.ID, "platform", a.Platform, "deliveries", n, "reason", reason)
	return errBroken
}

// flag is the error a scheduled delivery of a broken account carries.
// Retryable: reconnecting the account in time lets it go out as planned.
func flag(a serentak.Account, reason string) serentak.DeliveryError {
	name := a.Platform.DisplayName() + " account"
	if a.Name != "" {
		name = fmt.Sprintf("%s account %q", a.Platform.DisplayName(), a.Name)
	}
	msg := fmt.Sprintf("The %s must be reconnected before this post is due, or publishing it will fail", name)
	if reason != "" {
		msg += ": " + reason
	}
	return serentak.DeliveryError{Code: NeedsReauthCode, Message: msg + ". Reconnect it, or send its owner a reconnect link.", Retryable: true}
}
