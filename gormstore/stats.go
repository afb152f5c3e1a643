package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// Stats and reports (issue 22): read-only queries over what the tracked
// links, the metrics fetcher and the link-in-bio page write (tables of
// migration 0015). Each answer is one query, however many deliveries it
// covers: the clicks and metrics come joined to their deliveries, never
// read one delivery at a time.

// statsRow is one delivery joined to its clicks and metrics.
type statsRow struct {
	ID          string
	PostID      string
	AccountID   string
	AccountName *string
	Platform    string
	Status      string
	Permalink   string
	PublishedAt *time.Time
	Clicks      int64
	Metrics     *string
	Unavailable *string
	FetchedAt   *time.Time
	Product     *string
	Caption     string
}

// statsQuery selects a workspace's deliveries with their clicks and
// metrics; the joins name the workspace too, so a row another part wrote
// with a wrong workspace never leaks across.
func statsQuery(db *gorm.DB, workspaceID string) *gorm.DB {
	return db.Table("deliveries AS d").
		Select("d.id, d.post_id, d.account_id, a.name AS account_name, d.platform, d.status, d.permalink, d.published_at, "+
			"COALESCE(t.clicks, 0) AS clicks, m.metrics, m.unavailable, m.fetched_at, p.product, p.caption").
		Joins("JOIN posts AS p ON p.id = d.post_id AND p.workspace_id = ? AND p.deleted_at IS NULL", workspaceID).
		Joins("LEFT JOIN accounts AS a ON a.id = d.account_id AND a.workspace_id = d.workspace_id").
		Joins("LEFT JOIN tracked_links AS t ON t.delivery_id = d.id AND t.workspace_id = d.workspace_id").
		Joins("LEFT JOIN delivery_metrics AS m ON m.delivery_id = d.id AND m.workspace_id = d.workspace_id").
		Where("d.workspace_id = ?", workspaceID)
}

// FindPostStats is every delivery of a post, in the post's order, with its
// clicks and metrics (not_found "post" for a post not in the workspace or
// deleted).
func (s *Store) FindPostStats(ctx context.Context, workspaceID, postID string) ([]serentak.DeliveryStats, error) {
	var rows []statsRow
	err := statsQuery(s.db.WithContext(ctx), workspaceID).Where("d.post_id = ?", postID).Order("d.position").Scan(&rows).Error
	if err != nil {
		return nil, dbError("find the post's stats", err)
	}
	if len(rows) == 0 { // every post has a delivery: none means no such post
		return nil, serentak.NotFound("post")
	}
	return toDeliveryStats(rows)
}

// FindPublishedStats is every delivery of the workspace published in
// [from, to), oldest first, with its clicks, metrics and post.
func (s *Store) FindPublishedStats(ctx context.Context, workspaceID string, from, to time.Time) ([]serentak.DeliveryStats, error) {
	var rows []statsRow
	err := statsQuery(s.db.WithContext(ctx), workspaceID).
		Where("d.status = ? AND d.published_at >= ? AND d.published_at < ?", string(serentak.DeliveryPublished), from.UTC(), to.UTC()).
		Order("d.published_at, d.id").Scan(&rows).Error
	if err != nil {
		return nil, dbError("find the period's stats", err)
	}
	return toDeliveryStats(rows)
}

// FindBioClicks sums the link-in-bio page's clicks per post and source on
// the days from fromDay to before toDay (YYYY-MM-DD in the workspace's
// timezone, as the page writes them), with each post's product.
func (s *Store) FindBioClicks(ctx context.Context, workspaceID, fromDay, toDay string) ([]serentak.BioClicks, error) {
	var rows []struct {
		PostID  string
		Source  string
		Clicks  int64
		Product *string
		Caption string
	}
	err := s.db.WithContext(ctx).Table("bio_clicks AS b").
		Select("b.post_id, b.source, SUM(b.clicks) AS clicks, p.product, p.caption").
		Joins("JOIN posts AS p ON p.id = b.post_id AND p.workspace_id = b.workspace_id AND p.deleted_at IS NULL").
		Where("b.workspace_id = ? AND b.day >= ? AND b.day < ?", workspaceID, fromDay, toDay).
		Group("b.post_id, b.source, p.product, p.caption").
		Order("b.post_id, b.source").Scan(&rows).Error
	if err != nil {
		return nil, dbError("find the link-in-bio clicks", err)
	}
	out := make([]serentak.BioClicks, 0, len(rows))
	for _, r := range rows {
		p, err := decodeProduct(r.Product)
		if err != nil {
			return nil, err
		}
		out = append(out, serentak.BioClicks{PostID: r.PostID, Product: p, Caption: r.Caption, Source: r.Source, Clicks: r.Clicks})
	}
	return out, nil
}

func toDeliveryStats(rows []statsRow) ([]serentak.DeliveryStats, error) {
	out := make([]serentak.DeliveryStats, 0, len(rows))
	for _, r := range rows {
		d := serentak.DeliveryStats{
			DeliveryID: r.ID, PostID: r.PostID, AccountID: r.AccountID, Platform: serentak.Platform(r.Platform),
			Status: serentak.DeliveryStatus(r.Status), Permalink: r.Permalink, Clicks: r.Clicks, Caption: r.Caption,
		}
		if r.AccountName != nil {
			d.AccountName = *r.AccountName
		}
		if r.PublishedAt != nil {
			d.PublishedAt = r.PublishedAt.UTC()
		}
		if r.FetchedAt != nil {
			d.MetricsFetchedAt = r.FetchedAt.UTC()
		}
		var err error
		if d.Product, err = decodeProduct(r.Product); err != nil {
			return nil, err
		}
		if r.Metrics != nil {
			if d.Metrics, err = decodeMetrics(*r.Metrics); err != nil {
				return nil, fmt.Errorf("delivery %s: %w", r.ID, err)
			}
		}
		switch {
		case len(d.Metrics) > 0:
		case r.Unavailable != nil && *r.Unavailable != "":
			d.MetricsUnavailable = *r.Unavailable
		case d.Status != serentak.DeliveryPublished:
			d.MetricsUnavailable = serentak.MetricsNotPublished
		default:
			d.MetricsUnavailable = serentak.MetricsNotFetched
		}
		out = append(out, d)
	}
	return out, nil
}

func decodeProduct(raw *string) (*serentak.Product, error) {
	if raw == nil {
		return nil, nil
	}
	var p serentak.Product
	if err := json.Unmarshal([]byte(*raw), &p); err != nil {
		return nil, fmt.Errorf("decode a post's product: %w", err)
	}
	return &p, nil
}

// decodeMetrics reads the metrics fetcher's JSON object: its numbers by
// name. What is not a number (a platform adding a text field) is left
// out, since stats sum them.
func decodeMetrics(raw string) (map[string]float64, error) {
	var all map[string]any
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		return nil, fmt.Errorf("decode metrics: %w", err)
	}
	out := map[string]float64{}
	for k, v := range all {
		if n, ok := v.(float64); ok {
			out[k] = n
		}
	}
	return out, nil
}
