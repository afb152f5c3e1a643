package gormstore

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// The tables of order links that count (migration 0015, issue 22):
// tracked links and their clicks, platform metrics per delivery, and
// link-in-bio clicks.

type trackedLinkRow struct {
	Code        string `gorm:"primaryKey"`
	DeliveryID  string `gorm:"not null;uniqueIndex:idx_tracked_links_delivery"`
	WorkspaceID string `gorm:"not null;index:idx_tracked_links_post,priority:1"`
	PostID      string `gorm:"not null;index:idx_tracked_links_post,priority:2"`
	Platform    string `gorm:"not null"`
	TargetURL   string `gorm:"not null"`
	Ref         string `gorm:"not null;default:''"`
	Clicks      int64  `gorm:"not null;default:0"`
	LastClickAt *time.Time
	CreatedAt   time.Time `gorm:"not null"`
}

func (trackedLinkRow) TableName() string { return "tracked_links" }

type deliveryMetricsRow struct {
	DeliveryID  string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null;index:idx_delivery_metrics_post,priority:1"`
	PostID      string `gorm:"not null;index:idx_delivery_metrics_post,priority:2"`
	Platform    string `gorm:"not null"`
	Metrics     string `gorm:"not null;default:'{}'"`
	Unavailable string `gorm:"not null;default:''"`
	Fetches     int64  `gorm:"not null;default:0"`
	FetchedAt   *time.Time
	NextFetchAt *time.Time `gorm:"index:idx_delivery_metrics_due,where:next_fetch_at IS NOT NULL"`
	LastError   string     `gorm:"not null;default:''"`
	PublishedAt time.Time  `gorm:"not null"`
	UpdatedAt   time.Time  `gorm:"not null"`
}

func (deliveryMetricsRow) TableName() string { return "delivery_metrics" }

type bioClickRow struct {
	WorkspaceID string `gorm:"primaryKey"`
	PostID      string `gorm:"primaryKey"`
	Source      string `gorm:"primaryKey"`
	Day         string `gorm:"primaryKey"`
	Clicks      int64  `gorm:"not null;default:0"`
}

func (bioClickRow) TableName() string { return "bio_clicks" }

// AddBioClicks adds counted link-in-bio clicks to bio_clicks, in one
// transaction (a Counter's flush, clicks.FlushFunc). Clicks of a
// workspace deleted since are dropped, so one such click cannot hold the
// others back forever.
func (s *Store) AddBioClicks(ctx context.Context, counts map[serentak.BioClick]int64) error {
	// In a stable order, so two processes flushing at once on PostgreSQL
	// lock the rows in the same order and cannot deadlock.
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b serentak.BioClick) int {
		return strings.Compare(a.WorkspaceID+"\x00"+a.PostID+"\x00"+a.Source+"\x00"+a.Day,
			b.WorkspaceID+"\x00"+b.PostID+"\x00"+b.Source+"\x00"+b.Day)
	})
	return s.tx(ctx, func(tx *gorm.DB) error {
		for _, k := range keys {
			// The SELECT's WHERE also keeps SQLite from reading ON
			// CONFLICT as part of the SELECT (sqlite.org/lang_upsert.html).
			err := tx.Exec(`INSERT INTO bio_clicks (workspace_id, post_id, source, day, clicks)
				SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = ?)
				ON CONFLICT (workspace_id, post_id, source, day) DO UPDATE SET clicks = bio_clicks.clicks + excluded.clicks`,
				k.WorkspaceID, k.PostID, k.Source, k.Day, counts[k], k.WorkspaceID).Error
			if err != nil {
				return dbError("add link-in-bio clicks", err)
			}
		}
		return nil
	})
}
