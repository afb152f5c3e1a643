package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// DueDelivery is what the scheduler needs to enqueue a delivery.
type DueDelivery struct {
	ID          string
	Platform    serentak.Platform
	Version     int
	ScheduledAt time.Time
}

// DefaultBatch is the number of deliveries the scheduler's queries return
// when their limit is 0 or less.
const DefaultBatch = 500

// ClaimEarly is how long before a retry's time a claim may take it: Asynq
// keeps times in whole seconds, so the retry task can start up to a second
// early.
const ClaimEarly = 2 * time.Second

// RetryLeaseGrace is how long after its retry time a delivery waiting for a
// retry stays leased. The retry task normally claims it first; only when
// that task was lost does the lease run out and the stranded sweep take it.
const RetryLeaseGrace = 2 * time.Minute

// The status literals in the scheduler's queries are written into the SQL
// (they are our constants, never input) so that the planner can match them
// against the partial indexes' WHERE clauses, which a bound parameter does
// not always allow.
const (
	sqlScheduled  = "'" + string(serentak.DeliveryScheduled) + "'"
	sqlPublishing = "'" + string(serentak.DeliveryPublishing) + "'"
)

// dueQuery is FindDueDeliveries' query, served by idx_deliveries_due.
func dueQuery(db *gorm.DB, before time.Time, limit int) *gorm.DB {
	return db.Model(&deliveryRow{}).
		Select("id, platform, version, scheduled_at").
		Where("status = "+sqlScheduled+" AND enqueued_at IS NULL AND scheduled_at <= ?", dbTime(before)).
		Order("scheduled_at").Limit(limit)
}

// FindDueDeliveries returns scheduled deliveries not yet enqueued whose time
// is at or before before, earliest first.
func (s *Store) FindDueDeliveries(ctx context.Context, before time.Time, limit int) ([]DueDelivery, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	var rows []deliveryRow
	if err := dueQuery(s.db.WithContext(ctx), before, limit).Find(&rows).Error; err != nil {
		return nil, dbError("find due deliveries", err)
	}
	return toDue(rows), nil
}

// MarkEnqueued records that tasks were enqueued for these deliveries at
// these versions. A delivery rescheduled (or started) since it was read is
// left alone: its new version still needs a task.
func (s *Store) MarkEnqueued(ctx context.Context, ds []DueDelivery, at time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	byVersion := map[int][]string{}
	for _, d := range ds {
		byVersion[d.Version] = append(byVersion[d.Version], d.ID)
	}
	at = dbTime(at)
	return s.tx(ctx, func(tx *gorm.DB) error {
		for version, ids := range byVersion {
			for len(ids) > 0 {
				n := min(len(ids), 500)
				err := tx.Model(&deliveryRow{}).
					Where("status = "+sqlScheduled+" AND version = ? AND id IN ?", version, ids[:n]).
					Update("enqueued_at", at).Error
				if err != nil {
					return dbError("mark deliveries enqueued", err)
				}
				ids = ids[n:]
			}
		}
		return nil
	})
}

// ResetEnqueued forgets every enqueued mark of scheduled deliveries, after
// the queue lost its tasks; the scheduler then enqueues them again. It
// returns how many were reset.
func (s *Store) ResetEnqueued(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Model(&deliveryRow{}).
		Where("status = "+sqlScheduled+" AND enqueued_at IS NOT NULL").
		Update("enqueued_at", nil)
	if res.Error != nil {
		return 0, dbError("reset enqueued deliveries", res.Error)
	}
	return res.RowsAffected, nil
}

// FindStrandedDeliveries returns deliveries whose task seems lost: scheduled
// ones enqueued and due more than grace ago but never claimed, and
// publishing ones whose lease ran out (the worker died, or the retry task
// was lost). Earliest scheduled first.
//
// It runs two queries, one per partial index (idx_deliveries_enqueued,
// idx_deliveries_lease), rather than one OR that a planner may not split.
func (s *Store) FindStrandedDeliveries(ctx context.Context, now time.Time, grace time.Duration, limit int) ([]DueDelivery, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	db := s.db.WithContext(ctx)
	cutoff := dbTime(now.Add(-grace))
	var enqueued, leased []deliveryRow
	if err := strandedQuery(db, cutoff, limit).Find(&enqueued).Error; err != nil {
		return nil, dbError("find stranded scheduled deliveries", err)
	}
	if err := leaseExpiredQuery(db, dbTime(now), limit).Find(&leased).Error; err != nil {
		return nil, dbError("find deliveries with expired leases", err)
	}
	rows := append(enqueued, leased...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].ScheduledAt.Before(rows[j].ScheduledAt) })
	if len(rows) > limit {
		rows = rows[:limit]
	}
	return toDue(rows), nil
}

// strandedQuery is served by idx_deliveries_enqueued.
func strandedQuery(db *gorm.DB, cutoff time.Time, limit int) *gorm.DB {
	return db.Model(&deliveryRow{}).Select("id, platform, version, scheduled_at").
		Where("status = "+sqlScheduled+" AND enqueued_at IS NOT NULL AND enqueued_at < ? AND scheduled_at < ?", cutoff, cutoff).
		Order("scheduled_at").Limit(limit)
}

// leaseExpiredQuery is served by idx_deliveries_lease.
func leaseExpiredQuery(db *gorm.DB, now time.Time, limit int) *gorm.DB {
	return db.Model(&deliveryRow{}).Select("id, platform, version, scheduled_at").
		Where("status = "+sqlPublishing+" AND lease_until < ?", now).
		Order("lease_until").Limit(limit)
}

func toDue(rows []deliveryRow) []DueDelivery {
	out := make([]DueDelivery, len(rows))
	for i, r := range rows {
		out[i] = DueDelivery{ID: r.ID, Platform: serentak.Platform(r.Platform), Version: r.Version, ScheduledAt: r.ScheduledAt.UTC()}
	}
	return out
}

// Claim is a delivery a worker holds, with its account (tokens decrypted).
type Claim struct {
	Delivery serentak.Delivery
	Account  serentak.Account
	// Token proves the claim; every later write of this attempt carries it,
	// so a worker whose lease ran out cannot overwrite its successor's work.
	Token string
}

// ClaimDelivery takes a delivery for one publish attempt, in one
// conditional UPDATE: the version must match, and the delivery must be
// scheduled, or publishing with its lease run out or its retry time come
// (ClaimEarly before it at most). The attempt count grows and a new lease
// token is issued. ok is false, with a nil error, when there is nothing to
// do: another worker won, the version is stale, or the delivery was
// canceled or has ended. Of any number of concurrent claimers one wins.
func (s *Store) ClaimDelivery(ctx context.Context, id string, version int, leaseUntil time.Time) (Claim, bool, error) {
	var (
		c  Claim
		ok bool
	)
	now := s.clock()
	token := newToken()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&deliveryRow{}).
			Where("id = ? AND version = ? AND (status = "+sqlScheduled+" OR (status = "+sqlPublishing+
				" AND (lease_until < ? OR (retry_at IS NOT NULL AND retry_at <= ?))))",
				id, version, now, now.Add(ClaimEarly)).
			Updates(map[string]any{
				"status":      string(serentak.DeliveryPublishing),
				"attempts":    gorm.Expr("attempts + 1"),
				"lease_until": dbTime(leaseUntil),
				"lease_token": token,
				"retry_at":    nil,
				"updated_at":  now,
			})
		if res.Error != nil {
			return dbError("claim delivery", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		var r deliveryRow
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
			return dbError("load claimed delivery", err)
		}
		if err := recomputePostStatus(tx, r.PostID, now); err != nil {
			return err
		}
		d, err := toDelivery(r)
		if err != nil {
			return err
		}
		acc, err := s.findAccount(tx, r.WorkspaceID, r.AccountID)
		if err != nil {
			return fmt.Errorf("gormstore: claim delivery %s: %w", id, err)
		}
		c, ok = Claim{Delivery: d, Account: acc, Token: token}, true
		return nil
	})
	if err != nil {
		return Claim{}, false, err
	}
	return c, ok, nil
}

// SaveCheckpoint stores the adapter's checkpoint and extends the lease.
func (s *Store) SaveCheckpoint(ctx context.Context, c Claim, cp serentak.Checkpoint, leaseUntil time.Time) error {
	text, err := jsonText(cp, "{}")
	if err != nil {
		return err
	}
	return s.leaseWrite(ctx, c, false, map[string]any{
		"checkpoint":  text,
		"lease_until": dbTime(leaseUntil),
	})
}

// CompleteDelivery records a publication.
func (s *Store) CompleteDelivery(ctx context.Context, c Claim, r serentak.Result) error {
	at := r.PublishedAt
	if at.IsZero() {
		at = s.now()
	}
	return s.leaseWrite(ctx, c, true, map[string]any{
		"status":          string(serentak.DeliveryPublished),
		"external_id":     r.ExternalID,
		"permalink":       r.Permalink,
		"published_at":    dbTime(at),
		"error_code":      "",
		"error_message":   "",
		"error_retryable": false,
		"lease_until":     nil,
		"retry_at":        nil,
	})
}

// FailDelivery records that the delivery failed for good.
func (s *Store) FailDelivery(ctx context.Context, c Claim, e serentak.DeliveryError) error {
	return s.leaseWrite(ctx, c, true, map[string]any{
		"status":          string(serentak.DeliveryFailed),
		"error_code":      e.Code,
		"error_message":   e.Message,
		"error_retryable": e.Retryable,
		"lease_until":     nil,
		"retry_at":        nil,
	})
}

// RetryDelivery records a failed attempt to be retried at retryAt. The
// delivery stays publishing; the retry task claims it again from retryAt
// on. Its lease runs until RetryLeaseGrace after retryAt, so the stranded
// sweep steps in only if the retry task was lost.
func (s *Store) RetryDelivery(ctx context.Context, c Claim, e serentak.DeliveryError, retryAt time.Time) error {
	return s.leaseWrite(ctx, c, true, map[string]any{
		"error_code":      e.Code,
		"error_message":   e.Message,
		"error_retryable": e.Retryable,
		"retry_at":        dbTime(retryAt),
		"lease_until":     dbTime(retryAt.Add(RetryLeaseGrace)),
	})
}

// leaseWrite applies updates if c is still the delivery's current claim
// (same lease token, still publishing), else returns ErrLeaseLost. With
// recompute it also recomputes the post's status in the same transaction.
func (s *Store) leaseWrite(ctx context.Context, c Claim, recompute bool, updates map[string]any) error {
	if c.Delivery.ID == "" || c.Token == "" {
		return errors.New("gormstore: lease-guarded write without a claim")
	}
	now := s.clock()
	updates["updated_at"] = now
	if !recompute {
		// One guarded UPDATE needs no transaction: saves two round trips on
		// the hottest write (every checkpoint of every publish).
		res := s.db.WithContext(ctx).Model(&deliveryRow{}).
			Where("id = ? AND lease_token = ? AND status = "+sqlPublishing, c.Delivery.ID, c.Token).
			Updates(updates)
		if res.Error != nil {
			return dbError("update delivery", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrLeaseLost
		}
		return nil
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&deliveryRow{}).
			Where("id = ? AND lease_token = ? AND status = "+sqlPublishing, c.Delivery.ID, c.Token).
			Updates(updates)
		if res.Error != nil {
			return dbError("update delivery", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrLeaseLost
		}
		postID := c.Delivery.PostID
		if postID == "" {
			if err := tx.Model(&deliveryRow{}).Where("id = ?", c.Delivery.ID).Pluck("post_id", &postID).Error; err != nil {
				return dbError("find the delivery's post", err)
			}
		}
		return recomputePostStatus(tx, postID, now)
	})
}

func toDelivery(r deliveryRow) (serentak.Delivery, error) {
	d := serentak.Delivery{
		ID: r.ID, PostID: r.PostID, WorkspaceID: r.WorkspaceID, AccountID: r.AccountID,
		Platform: serentak.Platform(r.Platform), Status: serentak.DeliveryStatus(r.Status),
		ScheduledAt: r.ScheduledAt.UTC(), Version: r.Version, Attempts: r.Attempts,
		ExternalID: r.ExternalID, Permalink: r.Permalink, PublishedAt: fromDBPtr(r.PublishedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if err := json.Unmarshal([]byte(r.Content), &d.Content); err != nil {
		return d, fmt.Errorf("gormstore: delivery %s: decode content: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Checkpoint), &d.Checkpoint); err != nil {
		return d, fmt.Errorf("gormstore: delivery %s: decode checkpoint: %w", r.ID, err)
	}
	if len(d.Checkpoint) == 0 {
		d.Checkpoint = nil
	}
	if r.ErrorCode != "" || r.ErrorMessage != "" {
		d.Error = &serentak.DeliveryError{Code: r.ErrorCode, Message: r.ErrorMessage, Retryable: r.ErrorRetryable}
	}
	return d, nil
}
