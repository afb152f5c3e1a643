package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/mail"
)

// Store is what the Notifier needs from the database; *gormstore.Store
// has it.
type Store interface {
	DueNotifications(ctx context.Context, now time.Time, limit int) ([]serentak.Notification, error)
	ClaimNotification(ctx context.Context, id string, now, leaseUntil time.Time) (serentak.Notification, bool, error)
	FinishNotification(ctx context.Context, id, status string, at time.Time, lastError string) error
	SkipNotifications(ctx context.Context, now time.Time, reason string) (int64, error)
	NotificationSentAt(ctx context.Context, accountID, kind string) (time.Time, error)
	SetNotificationSentAt(ctx context.Context, accountID, kind string, at time.Time) error
	FindManagers(ctx context.Context, workspaceID string) ([]serentak.User, error)
	FindWorkspaceByID(ctx context.Context, id string) (serentak.Workspace, error)
	FindPostByID(ctx context.Context, workspaceID, id string) (serentak.Post, error)
	FindAccountByID(ctx context.Context, workspaceID, id string) (serentak.Account, error)
}

// Reconnector makes an account's reconnect link: *connect.Connector's
// NewReconnectLink, the code the API's POST …/reconnect-link runs, which
// stores the link's hash and returns the URL with its token.
type Reconnector interface {
	NewReconnectLink(ctx context.Context, acc serentak.Account) (link string, expiresAt time.Time, err error)
}

// Defaults for Config.
const (
	DefaultTick        = 5 * time.Second
	DefaultBatch       = 100
	DefaultLease       = 5 * time.Minute
	DefaultMaxAttempts = 12
	// firstRetry doubles with each failed attempt, up to maxRetry: with
	// DefaultMaxAttempts a mail server may be down for about half a day
	// before a notification is given up.
	firstRetry = time.Minute
	maxRetry   = 2 * time.Hour
)

// Config configures a Notifier. Store is required.
type Config struct {
	Store Store
	// Sender sends the emails; nil (no SERENTAK_SMTP_URL): every pending
	// notification is marked skipped.
	Sender mail.Sender
	// Reconnectors make the reconnect links, by platform. The email
	// about an account to reconnect needs its link: for a platform
	// without one (its login not configured) it fails, and says why.
	Reconnectors map[serentak.Platform]Reconnector
	Tick         time.Duration // DefaultTick when zero
	Batch        int           // DefaultBatch when zero
	// Lease is how long one notifier holds a notification it works on;
	// DefaultLease when zero (above mail.DefaultTimeout per recipient).
	Lease time.Duration
	// MaxAttempts is how many tries a notification gets before it is
	// marked failed; DefaultMaxAttempts when zero.
	MaxAttempts int
	Now         func() time.Time // time.Now when nil
	Logger      *slog.Logger
}

// Notifier emails the admins of a workspace about the notifications the
// store wrote with the problems' webhook events: one email per account
// and problem kind per Window (Due, the times kept in the database),
// retried with backoff when the mail server fails. It runs in the
// scheduler role; any number may run, a claim's lease keeps two from
// working on one notification at once.
type Notifier struct {
	cfg Config
	log *slog.Logger
}

// New returns a Notifier.
func New(cfg Config) (*Notifier, error) {
	if cfg.Store == nil {
		return nil, errors.New("notify: Config.Store is required")
	}
	if cfg.Tick <= 0 {
		cfg.Tick = DefaultTick
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Notifier{cfg: cfg, log: cfg.Logger.With("component", "notifier")}, nil
}

// Run makes passes until ctx ends. A failed pass is logged and the next
// one tried.
func (n *Notifier) Run(ctx context.Context) error {
	t := time.NewTicker(n.cfg.Tick)
	defer t.Stop()
	for {
		if _, err := n.Tick(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("notification pass failed; retrying at the next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick makes one pass over the due notifications and returns how many it
// finished (sent, skipped or failed for good).
func (n *Notifier) Tick(ctx context.Context) (int, error) {
	now := n.cfg.Now()
	if n.cfg.Sender == nil {
		k, err := n.cfg.Store.SkipNotifications(ctx, now, "no mail server (SERENTAK_SMTP_URL is not set)")
		return int(k), err
	}
	due, err := n.cfg.Store.DueNotifications(ctx, now, n.cfg.Batch)
	if err != nil {
		return 0, fmt.Errorf("notify: list due notifications: %w", err)
	}
	done := 0
	for _, d := range due {
		nt, ok, err := n.cfg.Store.ClaimNotification(ctx, d.ID, now, now.Add(n.cfg.Lease))
		if err != nil {
			return done, fmt.Errorf("notify: claim %s: %w", d.ID, err)
		}
		if !ok {
			continue // another notifier has it
		}
		status, why, err := n.handle(ctx, nt, now)
		at := now
		if err != nil {
			status, why = serentak.NotificationPending, err.Error()
			at = now.Add(backoff(nt.Attempts))
			if nt.Attempts >= n.cfg.MaxAttempts {
				status = serentak.NotificationFailed
				n.log.Error("a notification was given up", "notification_id", nt.ID, "workspace_id", nt.WorkspaceID,
					"event", nt.EventType, "subject_id", nt.SubjectID, "attempts", nt.Attempts, "err", err)
			} else {
				n.log.Warn("a notification failed; retrying later", "notification_id", nt.ID, "event", nt.EventType,
					"attempts", nt.Attempts, "retry_at", at, "err", err)
			}
		}
		if err := n.cfg.Store.FinishNotification(ctx, nt.ID, status, at, why); err != nil {
			return done, fmt.Errorf("notify: finish %s: %w", nt.ID, err)
		}
		if status != serentak.NotificationPending {
			done++
		}
	}
	return done, nil
}

// backoff is the wait after the attempt-th failed attempt.
func backoff(attempt int) time.Duration {
	d := firstRetry
	for i := 1; i < attempt && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

// handle works on one claimed notification: its final status and why, or
// an error to retry. The problems already told within the Window (by an
// earlier attempt of this notification, or about another post of the
// same account) are not told again.
func (n *Notifier) handle(ctx context.Context, nt serentak.Notification, now time.Time) (status, why string, err error) {
	ws, err := n.cfg.Store.FindWorkspaceByID(ctx, nt.WorkspaceID)
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return serentak.NotificationSkipped, "the workspace is gone", nil
	}
	if err != nil {
		return "", "", err
	}
	problems, err := n.problems(ctx, ws, nt)
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return serentak.NotificationSkipped, "its post or account is gone", nil
	}
	if err != nil {
		return "", "", err
	}
	if len(problems) == 0 {
		return serentak.NotificationSkipped, "nothing left to tell", nil
	}
	users, err := n.cfg.Store.FindManagers(ctx, ws.ID)
	if err != nil {
		return "", "", err
	}
	var to []string
	for _, u := range users {
		if u.Email != "" {
			to = append(to, u.Email)
		}
	}
	if len(to) == 0 {
		return serentak.NotificationSkipped, "the workspace has no admin with an email address", nil
	}
	var errs []error
	for _, p := range problems {
		if err := n.tell(ctx, p, to, now); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", "", err
	}
	return serentak.NotificationSent, "", nil
}

// tell emails one problem to the admins unless it was told within the
// Window, and records when it was.
func (n *Notifier) tell(ctx context.Context, p Problem, to []string, now time.Time) error {
	last, err := n.cfg.Store.NotificationSentAt(ctx, p.AccountID, string(p.Kind))
	if err != nil {
		return err
	}
	if !Due(last, now) {
		return nil
	}
	if p.Kind == AccountNeedsReconnect {
		rc := n.cfg.Reconnectors[p.Platform]
		if rc == nil {
			return fmt.Errorf("no %s login is configured, so no reconnect link can be made for account %s", p.Platform.DisplayName(), p.AccountID)
		}
		link, _, err := rc.NewReconnectLink(ctx, p.account)
		if err != nil {
			return fmt.Errorf("make the reconnect link of account %s: %w", p.AccountID, err)
		}
		p.ReconnectURL = link
	}
	sent, err := Notify(ctx, n.cfg.Sender, p, to, last, now)
	if sent {
		if err != nil {
			// Some admins got it: telling them again tomorrow is worse
			// than one admin missing it; the log says who.
			n.log.Error("a notification reached only some admins", "kind", p.Kind, "account_id", p.AccountID, "err", err)
		}
		return n.cfg.Store.SetNotificationSentAt(ctx, p.AccountID, string(p.Kind), now)
	}
	return err
}

// problems are what nt tells of, one per account: the account, or each
// account whose delivery of the post failed.
func (n *Notifier) problems(ctx context.Context, ws serentak.Workspace, nt serentak.Notification) ([]Problem, error) {
	switch nt.EventType {
	case serentak.EventAccountNeedsReauth:
		acc, err := n.cfg.Store.FindAccountByID(ctx, ws.ID, nt.SubjectID)
		if err != nil {
			return nil, err
		}
		if acc.Status != serentak.AccountNeedsReauth {
			return nil, nil // reconnected since
		}
		return []Problem{{
			Kind: AccountNeedsReconnect, Workspace: ws, AccountID: acc.ID, AccountName: acc.Name,
			Platform: acc.Platform, Error: acc.StatusReason, account: acc,
		}}, nil
	case serentak.EventPostFailed, serentak.EventPostPartiallyPublished:
		post, err := n.cfg.Store.FindPostByID(ctx, ws.ID, nt.SubjectID)
		if err != nil {
			return nil, err
		}
		kind := PostFailed
		if nt.EventType == serentak.EventPostPartiallyPublished {
			kind = PostPartiallyFailed
		}
		var out []Problem
		seen := map[string]bool{}
		for _, d := range post.Deliveries {
			if d.Status != serentak.DeliveryFailed || seen[d.AccountID] {
				continue
			}
			seen[d.AccountID] = true
			p := Problem{
				Kind: kind, Workspace: ws, AccountID: d.AccountID, Platform: d.Platform,
				PostID: post.ID, PostText: d.Content.Text, ScheduledAt: d.ScheduledAt,
			}
			if acc, err := n.cfg.Store.FindAccountByID(ctx, ws.ID, d.AccountID); err == nil {
				p.AccountName = acc.Name
			}
			if d.Error != nil {
				p.Error = d.Error.Message
			}
			out = append(out, p)
		}
		return out, nil
	}
	return nil, nil
}
