package gormstore

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// Retention (SERENTAK_RETENTION, docs/retention.md). Most of
// what the database keeps is the product's history, read for as long as
// the post exists: a delivery's content, external ID, permalink,
// published_at and error (the post page, statistics, the monthly report),
// and the audit log. What nothing reads once a delivery or event is over
// is pruned here, in small batches, each its own short transaction, so
// that a pass never holds locks the hot path waits on for long:
//
//   - a finished delivery's checkpoint and lease token, once it finished
//     before the cutoff: the checkpoint only lets a later attempt resume a
//     publish, and a published, failed or canceled delivery has no later
//     attempt; what it learnt (post ID, permalink, time) is in its columns.
//   - webhook messages that ended (succeeded or failed) before the cutoff,
//     with their bodies and attempt log lines (River's job cleaner deletes
//     finished jobs the same way, by default after 24 hours and 7 days).
//   - notifications that ended before the cutoff.
//   - expired idempotency keys (older than IdempotencyWindow), sessions,
//     password links and OAuth states: already unusable, whatever the
//     cutoff, and otherwise deleted only when the same key is sent again
//     or someone signs out.
//
// Deleting or shrinking rows does not shrink the files: VACUUM (autovacuum
// on PostgreSQL) makes the space reusable by later rows.

// PruneBatch is how many rows one statement of Prune touches: small enough
// that each transaction is over in milliseconds (PostgreSQL's and River's
// advice for queue tables: many short deletes rather than one long one).
const PruneBatch = 1000

// PruneCounts is what one Prune pass did.
type PruneCounts struct {
	Checkpoints     int64 // finished deliveries whose checkpoint was cleared
	WebhookMessages int64 // ended webhook messages deleted
	WebhookAttempts int64 // their attempt log lines deleted
	Notifications   int64 // ended notifications deleted
	IdempotencyKeys int64 // expired keys deleted
	Sessions        int64 // expired sessions deleted
	PasswordTokens  int64 // expired password links deleted
	OAuthStates     int64 // expired sign-in flows deleted
}

// Total is every row the pass changed or deleted.
func (c PruneCounts) Total() int64 {
	return c.Checkpoints + c.WebhookMessages + c.WebhookAttempts + c.Notifications + c.IdempotencyKeys + c.Sessions + c.PasswordTokens + c.OAuthStates
}

// Prune removes what nothing reads any more (above): finished deliveries'
// checkpoints, ended webhook messages and notifications that ended more
// than retention ago, and expired keys, sessions and links. It stops at
// ctx's end and returns what it did by then.
func (s *Store) Prune(ctx context.Context, retention time.Duration) (PruneCounts, error) {
	var c PruneCounts
	now := s.clock()
	cutoff := now.Add(-retention)
	var err error
	if c.Checkpoints, err = s.pruneCheckpoints(ctx, cutoff); err != nil {
		return c, err
	}
	if c.WebhookMessages, c.WebhookAttempts, err = s.pruneWebhookMessages(ctx, cutoff); err != nil {
		return c, err
	}
	ended := []string{serentak.NotificationSent, serentak.NotificationSkipped, serentak.NotificationFailed}
	steps := []struct {
		n     *int64
		what  string
		table string
		key   string
		where string
		args  []any
	}{
		{&c.Notifications, "notifications", "notifications", "id", "status IN ? AND created_at < ?", []any{ended, cutoff}},
		{&c.IdempotencyKeys, "idempotency keys", "idempotency_keys", "(workspace_id, idem_key)", "created_at < ?", []any{now.Add(-IdempotencyWindow)}},
		{&c.Sessions, "sessions", "sessions", "id", "expires_at < ?", []any{now}},
		{&c.PasswordTokens, "password links", "password_tokens", "hash", "expires_at < ?", []any{now}},
		{&c.OAuthStates, "OAuth states", "oauth_states", "hash", "expires_at < ?", []any{now}},
	}
	for _, st := range steps {
		for {
			if err := ctx.Err(); err != nil {
				return c, err
			}
			// DELETE … LIMIT exists on neither database as written here,
			// so each batch names its rows by key.
			res := s.db.WithContext(ctx).Exec("DELETE FROM "+st.table+" WHERE "+st.key+" IN (SELECT "+strings.Trim(st.key, "()")+" FROM "+st.table+" WHERE "+st.where+" LIMIT ?)",
				append(st.args, PruneBatch)...)
			if res.Error != nil {
				return c, dbError("prune "+st.what, res.Error)
			}
			*st.n += res.RowsAffected
			if res.RowsAffected < PruneBatch {
				break
			}
		}
	}
	return c, nil
}

// pruneCheckpoints walks deliveries by primary key, a batch at a time,
// and clears the checkpoint and lease token of those that finished before
// cutoff. Walking the key, rather than asking for the next rows to prune,
// reads each row once per pass without an index of its own: an index on
// the finished rows would be one more write for every delivery on the hot
// path, for a pass that runs once an hour.
func (s *Store) pruneCheckpoints(ctx context.Context, cutoff time.Time) (int64, error) {
	finished := []string{string(serentak.DeliveryPublished), string(serentak.DeliveryFailed), string(serentak.DeliveryCanceled)}
	var n int64
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		var ids []string
		if err := s.db.WithContext(ctx).Model(&deliveryRow{}).Where("id > ?", after).Order("id").Limit(PruneBatch).Pluck("id", &ids).Error; err != nil {
			return n, dbError("prune checkpoints: list deliveries", err)
		}
		if len(ids) == 0 {
			return n, nil
		}
		after = ids[len(ids)-1]
		res := s.db.WithContext(ctx).Exec("UPDATE deliveries SET checkpoint = '{}', lease_token = '' WHERE id IN ? AND status IN ? AND updated_at < ? AND (checkpoint <> '{}' OR lease_token <> '')",
			ids, finished, cutoff)
		if res.Error != nil {
			return n, dbError("prune checkpoints", res.Error)
		}
		n += res.RowsAffected
	}
}

// pruneWebhookMessages deletes webhook messages that ended (succeeded, or
// failed for good) before cutoff, and their attempt log lines first:
// SQLite enforces the ON DELETE CASCADE only with foreign keys on. It
// walks the primary key, like pruneCheckpoints, so that a pass reads each
// message once rather than scanning past the ones it just deleted.
func (s *Store) pruneWebhookMessages(ctx context.Context, cutoff time.Time) (msgs, attempts int64, err error) {
	ended := []string{serentak.MessageSucceeded, serentak.MessageFailed}
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return msgs, attempts, err
		}
		var ids []string
		if err := s.db.WithContext(ctx).Model(&webhookMessageRow{}).Where("id > ?", after).Order("id").
			Limit(PruneBatch).Pluck("id", &ids).Error; err != nil {
			return msgs, attempts, dbError("prune webhook messages: list", err)
		}
		if len(ids) == 0 {
			return msgs, attempts, nil
		}
		after = ids[len(ids)-1]
		err := s.tx(ctx, func(tx *gorm.DB) error {
			// The status is read in the transaction that deletes: a
			// manual retry may have made a message pending again.
			var done []string
			if err := tx.Model(&webhookMessageRow{}).Where("id IN ? AND status IN ? AND created_at < ?", ids, ended, cutoff).
				Pluck("id", &done).Error; err != nil || len(done) == 0 {
				return err
			}
			res := tx.Where("message_id IN ?", done).Delete(&webhookAttemptRow{})
			if res.Error != nil {
				return res.Error
			}
			attempts += res.RowsAffected
			res = tx.Where("id IN ? AND status IN ?", done, ended).Delete(&webhookMessageRow{})
			msgs += res.RowsAffected
			return res.Error
		})
		if err != nil {
			return msgs, attempts, dbError("prune webhook messages", err)
		}
	}
}
