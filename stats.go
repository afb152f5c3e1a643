package serentak

import (
	"cmp"
	"slices"
	"time"
)

// Stats of order links that count (issue 22, docs/api.md#stats-and-reports):
// what each delivery of a published post brought, read from what the
// tracked links, the metrics fetcher and the link-in-bio page wrote.

// Why a delivery has no metrics, when its platform has not said why
// (DeliveryStats.MetricsUnavailable); the metrics fetcher's own reasons
// (a TikTok post that is not public, a permission missing) come through
// as it wrote them.
const (
	MetricsNotPublished = "not_published" // nothing to measure yet
	MetricsNotFetched   = "not_fetched"   // published; the first fetch is still to come
)

// DeliveryStats is one delivery and what it brought: the clicks on its
// tracked order link and what its platform reports about the published
// item.
type DeliveryStats struct {
	DeliveryID  string
	PostID      string
	AccountID   string
	AccountName string
	Platform    Platform
	Status      DeliveryStatus
	Permalink   string
	PublishedAt time.Time // zero: not published
	// Clicks counts its tracked order link's clicks (0 without one).
	Clicks int64
	// Metrics holds the platform's numbers by the platform's own names
	// (views, likes, comments, shares, …); empty when there are none.
	Metrics map[string]float64
	// MetricsUnavailable says why Metrics is empty ("" when it is not).
	MetricsUnavailable string
	MetricsFetchedAt   time.Time // zero: never fetched
	// The post's product (nil for a post written as a caption) and
	// caption, for the period's answers that name the post.
	Product *Product
	Caption string
}

// BioClicks counts the clicks on one product's order button of the
// link-in-bio page from one source (the platform the visitor came from,
// "other" when unknown) over a period.
type BioClicks struct {
	PostID  string
	Product *Product
	Caption string
	Source  string
	Clicks  int64
}

// PlatformStats sums a period's published deliveries on one platform.
type PlatformStats struct {
	Platform   Platform
	Deliveries int
	Clicks     int64
	Metrics    map[string]float64
}

// ProductStats is what one post (its product) brought over a period:
// tracked link clicks per platform, link-in-bio clicks per source.
type ProductStats struct {
	PostID    string
	Product   *Product
	Caption   string
	Clicks    map[Platform]int64
	BioClicks map[string]int64
	// Total is every click of both kinds.
	Total int64
}

// StatsSummary is a period's sums per platform (in Platforms' order, only
// those with a published delivery) and per product (most clicks first).
type StatsSummary struct {
	Platforms []PlatformStats
	Products  []ProductStats
}

// SumStats sums a period's published deliveries and link-in-bio clicks.
func SumStats(ds []DeliveryStats, bio []BioClicks) StatsSummary {
	byPlatform := map[Platform]*PlatformStats{}
	byPost := map[string]*ProductStats{}
	var postOrder []string
	product := func(id string, p *Product, caption string) *ProductStats {
		ps, ok := byPost[id]
		if !ok {
			ps = &ProductStats{PostID: id, Product: p, Caption: caption, Clicks: map[Platform]int64{}, BioClicks: map[string]int64{}}
			byPost[id] = ps
			postOrder = append(postOrder, id)
		}
		return ps
	}
	for _, d := range ds {
		ps, ok := byPlatform[d.Platform]
		if !ok {
			ps = &PlatformStats{Platform: d.Platform, Metrics: map[string]float64{}}
			byPlatform[d.Platform] = ps
		}
		ps.Deliveries++
		ps.Clicks += d.Clicks
		for name, v := range d.Metrics {
			ps.Metrics[name] += v
		}
		pr := product(d.PostID, d.Product, d.Caption)
		pr.Clicks[d.Platform] += d.Clicks
		pr.Total += d.Clicks
	}
	for _, b := range bio {
		pr := product(b.PostID, b.Product, b.Caption)
		pr.BioClicks[b.Source] += b.Clicks
		pr.Total += b.Clicks
	}
	var out StatsSummary
	for _, p := range Platforms {
		if ps, ok := byPlatform[p]; ok {
			out.Platforms = append(out.Platforms, *ps)
		}
	}
	for _, id := range postOrder {
		out.Products = append(out.Products, *byPost[id])
	}
	// Most clicks first; ties keep the order the posts were published in.
	slices.SortStableFunc(out.Products, func(a, b ProductStats) int { return cmp.Compare(b.Total, a.Total) })
	return out
}

// metricOrder is the order a person reads a post's numbers in: how many
// saw it first, then how many acted on it. Names not here follow, by name.
var metricOrder = []string{"views", "impressions", "reach", "plays", "likes", "reactions", "comments", "shares", "saved"}

// SortMetricNames orders a delivery's metric names as metricOrder says.
func SortMetricNames(names []string) {
	rank := func(n string) int {
		if i := slices.Index(metricOrder, n); i >= 0 {
			return i
		}
		return len(metricOrder)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
}
