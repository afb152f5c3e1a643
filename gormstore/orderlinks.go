package gormstore

import "time"

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
