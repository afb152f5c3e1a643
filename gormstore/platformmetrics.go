package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/serentak/serentak"
)

// Platform metrics (docs/api.md#platform-metrics): a delivery's
// delivery_metrics row is inserted with its publication (CompleteDelivery,
// same transaction), due an hour later; the metrics fetcher (postmetrics,
// scheduler role) claims due rows and records what each fetch found.

// FirstMetricsFetch is how long after publication the first fetch is due:
// platforms count for a while before their numbers mean anything.
const FirstMetricsFetch = time.Hour

// newMetricsRow is the delivery_metrics row of d published as externalID
// at publishedAt. A delivery that can have no metrics (a TikTok post that
// is not public) says why at once, and is never fetched.
func (s *Store) newMetricsRow(d serentak.Delivery, externalID string, publishedAt time.Time) *deliveryMetricsRow {
	now := s.clock()
	row := &deliveryMetricsRow{
		DeliveryID: d.ID, WorkspaceID: d.WorkspaceID, PostID: d.PostID, Platform: string(d.Platform),
		Metrics: "{}", PublishedAt: dbTime(publishedAt), UpdatedAt: now,
	}
	if why := serentak.MetricsUnavailable(d.Platform, externalID); why != "" {
		row.Unavailable = why
	} else {
		row.NextFetchAt = dbTimePtr(publishedAt.Add(FirstMetricsFetch))
	}
	return row
}

// insertMetricsRows inserts rows, in one statement, but for deliveries
// that have one already (a publication recorded twice changes nothing).
// Names a claim left empty are read from the delivery.
func insertMetricsRows(tx *gorm.DB, rows []*deliveryMetricsRow) error {
	if len(rows) == 0 {
		return nil
	}
	out := make([]deliveryMetricsRow, 0, len(rows))
	for _, row := range rows {
		r := *row
		if r.WorkspaceID == "" || r.PostID == "" || r.Platform == "" {
			var d deliveryRow
			if err := tx.Select("workspace_id", "post_id", "platform", "external_id").Where("id = ?", r.DeliveryID).Take(&d).Error; err != nil {
				return dbError("find the delivery of a metrics row", err)
			}
			r.WorkspaceID, r.PostID, r.Platform = d.WorkspaceID, d.PostID, d.Platform
			if why := serentak.MetricsUnavailable(serentak.Platform(d.Platform), d.ExternalID); why != "" {
				r.Unavailable, r.NextFetchAt = why, nil
			}
		}
		out = append(out, r)
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&out).Error; err != nil {
		return dbError("insert delivery metrics", err)
	}
	return nil
}

// ClaimDueMetrics claims up to limit deliveries whose metrics are due at
// now, oldest due first, by moving each one's next_fetch_at to leaseUntil:
// a second fetcher (another scheduler replica) finds it not due and
// leaves it, and if this one dies the row is due again at leaseUntil. A
// row is claimed by an UPDATE that still finds it due, so of two fetchers
// reading the same row only one claims it.
func (s *Store) ClaimDueMetrics(ctx context.Context, now, leaseUntil time.Time, limit int) ([]serentak.DueMetrics, error) {
	var rows []deliveryMetricsRow
	if err := s.db.WithContext(ctx).Where("next_fetch_at IS NOT NULL AND next_fetch_at <= ?", dbTime(now)).
		Order("next_fetch_at").Limit(limit).Find(&rows).Error; err != nil {
		return nil, dbError("find due metrics", err)
	}
	var out []serentak.DueMetrics
	for _, r := range rows {
		res := s.db.WithContext(ctx).Model(&deliveryMetricsRow{}).
			Where("delivery_id = ? AND next_fetch_at IS NOT NULL AND next_fetch_at <= ?", r.DeliveryID, dbTime(now)).
			Updates(map[string]any{"next_fetch_at": dbTime(leaseUntil), "updated_at": s.clock()})
		if res.Error != nil {
			return out, dbError("claim due metrics", res.Error)
		}
		if res.RowsAffected == 0 {
			continue // another fetcher took it
		}
		var d deliveryRow
		if err := s.db.WithContext(ctx).Select("id", "account_id", "external_id").Where("id = ?", r.DeliveryID).Take(&d).Error; err != nil {
			return out, dbError("find the delivery of due metrics", err)
		}
		due := serentak.DueMetrics{
			DeliveryID: r.DeliveryID, WorkspaceID: r.WorkspaceID, PostID: r.PostID,
			Platform: serentak.Platform(r.Platform), ExternalID: d.ExternalID,
			PublishedAt: r.PublishedAt.UTC(), Fetches: int(r.Fetches),
		}
		// A removed account (soft-deleted) is not found: the fetcher
		// stops fetching for it.
		var acc accountRow
		err := s.db.WithContext(ctx).Where("id = ? AND workspace_id = ?", d.AccountID, r.WorkspaceID).Take(&acc).Error
		switch {
		case err == nil:
			if due.Account, err = s.toAccount(acc); err != nil {
				return out, fmt.Errorf("gormstore: due metrics of %s: %w", r.DeliveryID, err)
			}
		case err != gorm.ErrRecordNotFound:
			return out, dbError("find the account of due metrics", err)
		}
		out = append(out, due)
	}
	return out, nil
}

// RecordMetrics records what a fetch found (serentak.MetricsOutcome).
func (s *Store) RecordMetrics(ctx context.Context, o serentak.MetricsOutcome) error {
	set := map[string]any{
		"unavailable":   o.Unavailable,
		"last_error":    o.LastError,
		"next_fetch_at": dbTimePtr(o.NextFetchAt),
		"updated_at":    s.clock(),
	}
	if o.Metrics != nil {
		b, err := json.Marshal(o.Metrics)
		if err != nil {
			return fmt.Errorf("gormstore: encoding metrics: %w", err)
		}
		set["metrics"] = string(b)
		set["fetches"] = gorm.Expr("fetches + 1")
		set["fetched_at"] = dbTime(o.At)
	}
	res := s.db.WithContext(ctx).Model(&deliveryMetricsRow{}).Where("delivery_id = ?", o.DeliveryID).Updates(set)
	if res.Error != nil {
		return dbError("record metrics", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("gormstore: record metrics: %w", serentak.NotFound("delivery metrics"))
	}
	return nil
}
