package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serentak/serentak"
)

// OrderLinks writes the rows of order links that count (migration 0015)
// that the redirect, the metrics fetcher and the link-in-bio page write in
// production, straight into a test store's database, for tests of what
// reads them (stats and reports). It marks deliveries published the same
// way, without a platform.
type OrderLinks struct {
	tb testing.TB
	db *gorm.DB
}

// NewOrderLinks opens the database at url (as URL returned it).
func NewOrderLinks(tb testing.TB, url string) *OrderLinks {
	tb.Helper()
	conn := OpenSQL(tb, url)
	var d gorm.Dialector = sqlite.Dialector{Conn: conn}
	if strings.HasPrefix(url, "postgres") {
		d = postgres.New(postgres.Config{Conn: conn})
	}
	db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	return &OrderLinks{tb: tb, db: db}
}

func (o *OrderLinks) exec(q string, args ...any) {
	o.tb.Helper()
	if err := o.db.Exec(q, args...).Error; err != nil {
		o.tb.Fatalf("storetest: %s: %v", q, err)
	}
}

// Publish marks a delivery published at at with its permalink, and its
// post published (or partially) as the worker would.
func (o *OrderLinks) Publish(d serentak.Delivery, permalink string, at time.Time) {
	o.tb.Helper()
	o.exec("UPDATE deliveries SET status = ?, permalink = ?, external_id = ?, published_at = ? WHERE id = ?",
		string(serentak.DeliveryPublished), permalink, "ext-"+d.ID, at.UTC(), d.ID)
	o.exec("UPDATE posts SET status = CASE WHEN EXISTS (SELECT 1 FROM deliveries WHERE post_id = posts.id AND status <> ?) THEN ? ELSE ? END WHERE id = ?",
		string(serentak.DeliveryPublished), string(serentak.PostPartiallyPublished), string(serentak.PostPublished), d.PostID)
}

// Clicks gives a delivery a tracked link (code d's ID) with n clicks.
func (o *OrderLinks) Clicks(d serentak.Delivery, n int64) {
	o.tb.Helper()
	now := time.Now().UTC()
	o.exec("INSERT INTO tracked_links (code, delivery_id, workspace_id, post_id, platform, target_url, ref, clicks, last_click_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"c"+d.ID, d.ID, d.WorkspaceID, d.PostID, string(d.Platform), "https://wa.me/6281234567890", "REF", n, now, now)
}

// Metrics records what a delivery's platform reported at fetchedAt (nil
// metrics with a reason: none, and why).
func (o *OrderLinks) Metrics(d serentak.Delivery, metrics map[string]float64, unavailable string, fetchedAt time.Time) {
	o.tb.Helper()
	raw, err := json.Marshal(metrics)
	if err != nil || metrics == nil {
		raw = []byte("{}")
	}
	o.exec("INSERT INTO delivery_metrics (delivery_id, workspace_id, post_id, platform, metrics, unavailable, fetches, fetched_at, next_fetch_at, last_error, published_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, NULL, '', ?, ?)",
		d.ID, d.WorkspaceID, d.PostID, string(d.Platform), string(raw), unavailable, fetchedAt.UTC(), fetchedAt.UTC(), fetchedAt.UTC())
}

// BioClicks adds n clicks on a post's order button of the link-in-bio
// page, from source, on day (YYYY-MM-DD in the workspace's timezone).
func (o *OrderLinks) BioClicks(workspaceID, postID, source, day string, n int64) {
	o.tb.Helper()
	o.exec("INSERT INTO bio_clicks (workspace_id, post_id, source, day, clicks) VALUES (?, ?, ?, ?, ?)", workspaceID, postID, source, day, n)
}
