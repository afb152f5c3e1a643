package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/gormstore"
)

// RetentionEvery is how often the scheduler role prunes
// (SERENTAK_RETENTION, gormstore.Prune). A pass after a quiet hour has
// little to do; what it prunes ended a retention ago, so an hour more or
// less does not matter.
const RetentionEvery = time.Hour

// retentionTurnKey is the Redis key whose holder makes this hour's pass:
// every scheduler replica wakes each hour, and the first to set it prunes
// while the others skip. It expires just before the next hour, and is not
// deleted after the pass: it also says "done this hour". A pass that
// outlasts it may meet the next replica's; both are harmless together,
// since every batch names the rows it changes by what they are.
const retentionTurnKey = "serentak:retention:turn"

// retention is the scheduler role's part that prunes, when
// SERENTAK_RETENTION is not 0.
func (a *App) retention() part {
	rdb := redis.NewUniversalClient(redisUniversal(a.redis))
	a.onClose(rdb.Close)
	take := func(ctx context.Context) (bool, error) {
		return takeRetentionTurn(ctx, rdb, RetentionEvery)
	}
	return func(ctx context.Context) error {
		return pruneEvery(ctx, a.store, a.Config.Retention, RetentionEvery, take, a.log)
	}
}

// takeRetentionTurn reports whether this process makes this period's
// pass: true for the first caller of the period across the install.
func takeRetentionTurn(ctx context.Context, rdb redis.UniversalClient, period time.Duration) (bool, error) {
	return rdb.SetNX(ctx, retentionTurnKey, time.Now().UTC().Format(time.RFC3339), period-time.Minute).Result()
}

// pruneEvery prunes now and then every `every` until ctx ends, when take
// gives this process the turn. A failed pass is logged and tried again
// next time.
func pruneEvery(ctx context.Context, store *gormstore.Store, retention, every time.Duration, take func(context.Context) (bool, error), log *slog.Logger) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if ok, err := take(ctx); err != nil {
			log.Warn("retention: could not take the turn; trying again later", "err", err)
		} else if ok {
			start := time.Now()
			n, err := store.Prune(ctx, retention)
			if err != nil && ctx.Err() == nil {
				log.Warn("retention: pass failed; trying again later", "err", err, "pruned", n.Total())
			} else if n.Total() > 0 {
				log.Info("retention: pruned", "checkpoints", n.Checkpoints, "webhook_messages", n.WebhookMessages,
					"webhook_attempts", n.WebhookAttempts, "notifications", n.Notifications, "idempotency_keys", n.IdempotencyKeys,
					"sessions", n.Sessions, "password_tokens", n.PasswordTokens, "oauth_states", n.OAuthStates,
					"took", time.Since(start).Round(time.Millisecond))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Prune is `serentak prune`: one pass now, on this process, whoever's
// turn it is, with SERENTAK_RETENTION (0: only the expired keys,
// sessions and links, since 0 would otherwise mean "everything that
// ended"). It prints what it did.
func Prune(ctx context.Context, cfg config.Config, out io.Writer) error {
	log := newLogger(out, cfg.LogLevel)
	secret, err := secretKey(cfg, false, log)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, secret, false)
	if err != nil {
		return err
	}
	defer store.Close()
	retention := cfg.Retention
	if retention == 0 {
		retention = 100 * 365 * 24 * time.Hour
	}
	start := time.Now()
	n, err := store.Prune(ctx, retention)
	fmt.Fprintf(out, "pruned in %v (retention %v): %d checkpoints, %d webhook messages, %d webhook attempts, %d notifications, %d idempotency keys, %d sessions, %d password links, %d OAuth states\n",
		time.Since(start).Round(time.Millisecond), cfg.Retention, n.Checkpoints, n.WebhookMessages, n.WebhookAttempts, n.Notifications,
		n.IdempotencyKeys, n.Sessions, n.PasswordTokens, n.OAuthStates)
	return err
}
