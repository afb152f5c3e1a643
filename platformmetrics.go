package serentak

import (
	"context"
	"errors"
	"time"
)

// Platform metrics (docs/api.md#platform-metrics): what each platform
// reports about a published item — views, likes, comments, shares — in the
// platform's own names, fetched on a schedule after publication and kept
// per delivery (table delivery_metrics).

// Metrics are a published item's counts as its platform names them
// ("post_media_view", "views", "viewCount", "view_count").
type Metrics map[string]int64

// MetricsRequest is what a MetricsFetcher needs for one read.
type MetricsRequest struct {
	// Account is the delivery's account, tokens decrypted.
	Account Account
	// ExternalID is the platform's ID of the published item
	// (Delivery.ExternalID).
	ExternalID  string
	PublishedAt time.Time
}

// MetricsFetcher is implemented by the adapters of platforms that report
// metrics. Errors are *PublishError, classified as Publish's are:
// RateLimited with the platform's hint, AuthExpired, Transient, Rejected.
// A missing permission wraps ErrMetricsPermission; an item the platform
// has no metrics for, by its nature, wraps ErrNoMetrics.
type MetricsFetcher interface {
	FetchMetrics(ctx context.Context, req MetricsRequest) (Metrics, error)
}

// FeatureMetrics names platform metrics for an adapter's PermissionsFor:
// the permissions reading them needs beyond publishing.
const FeatureMetrics = "metrics"

var (
	// ErrMetricsPermission: the account's login does not grant what
	// reading metrics needs (it was connected before Serentak asked for
	// it). The account publishes as before; reconnecting it allows
	// metrics. It is never a reason to mark the account needs_reauth.
	ErrMetricsPermission = errors.New("the account has not allowed reading metrics")
	// ErrNoMetrics: the platform gives no metrics for this item, and never
	// will (a TikTok post that is not public has no post ID to ask with).
	ErrNoMetrics = errors.New("the platform gives no metrics for this item")
)

// UnavailableMetricsPermission is the delivery_metrics.unavailable text of
// a delivery whose account lacks the metrics permission.
const UnavailableMetricsPermission = "reconnect to allow metrics"

// UnavailableTikTokNotPublic is the delivery_metrics.unavailable text of a
// TikTok delivery without a public post ID.
const UnavailableTikTokNotPublic = "TikTok gives no ID for posts that are not public"

// MetricsUnavailable returns why a delivery published on p as externalID
// can have no metrics, or "" when it can. TikTok's public post IDs are
// numbers (Video Object, "id": https://developers.tiktok.com/doc/tiktok-api-v2-video-object);
// a post that is not public never gets one, and the TikTok adapter then
// records its publish_id ("v_pub_url~v2…", adapters/tiktok/status.go)
// instead, which the video query cannot take.
func MetricsUnavailable(p Platform, externalID string) string {
	if p != TikTok {
		return ""
	}
	if externalID == "" {
		return UnavailableTikTokNotPublic
	}
	for _, r := range externalID {
		if r < '0' || r > '9' {
			return UnavailableTikTokNotPublic
		}
	}
	return ""
}

// DueMetrics is a delivery whose metrics are due to be fetched, claimed by
// one fetcher until its lease (the row's next_fetch_at moved ahead).
type DueMetrics struct {
	DeliveryID  string
	WorkspaceID string
	PostID      string
	Platform    Platform
	ExternalID  string
	PublishedAt time.Time
	Fetches     int
	// Account is the delivery's account, tokens decrypted; its ID is ""
	// when the account was removed.
	Account Account
}

// MetricsOutcome is what one fetch found, for the store to record.
type MetricsOutcome struct {
	DeliveryID string
	// Metrics replaces the stored metrics when not nil (a successful
	// fetch); nil keeps what was there.
	Metrics Metrics
	// Unavailable says why there are no metrics ("" when there are).
	Unavailable string
	// LastError is the last failed fetch's message ("" after a success).
	LastError string
	// At is when the fetch was made; a successful one counts in fetches
	// and sets fetched_at.
	At time.Time
	// NextFetchAt is when to fetch again; zero: never.
	NextFetchAt time.Time
}
