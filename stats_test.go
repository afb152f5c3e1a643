package serentak_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

func TestSumStats(t *testing.T) {
	kripik := &serentak.Product{Name: "Keripik"}
	sambal := &serentak.Product{Name: "Sambal"}
	ds := []serentak.DeliveryStats{
		{PostID: "p1", Product: kripik, Platform: serentak.Instagram, Clicks: 3, Metrics: map[string]float64{"views": 100, "likes": 4}},
		{PostID: "p1", Product: kripik, Platform: serentak.Facebook, Clicks: 2, Metrics: map[string]float64{"views": 50}},
		{PostID: "p2", Product: sambal, Platform: serentak.Instagram, Clicks: 9, Metrics: map[string]float64{"views": 10, "likes": 1}},
		{PostID: "p2", Product: sambal, Platform: serentak.TikTok, MetricsUnavailable: "not_public"},
	}
	bio := []serentak.BioClicks{
		{PostID: "p1", Product: kripik, Source: "instagram", Clicks: 6},
		{PostID: "p3", Caption: "Promo", Source: "tiktok", Clicks: 1},
	}
	got := serentak.SumStats(ds, bio)
	want := serentak.StatsSummary{
		// In the platforms' order, whatever order they came in.
		Platforms: []serentak.PlatformStats{
			{Platform: serentak.Facebook, Deliveries: 1, Clicks: 2, Metrics: map[string]float64{"views": 50}},
			{Platform: serentak.Instagram, Deliveries: 2, Clicks: 12, Metrics: map[string]float64{"views": 110, "likes": 5}},
			{Platform: serentak.TikTok, Deliveries: 1, Metrics: map[string]float64{}},
		},
		// Most clicks first: p1 has 5 tracked and 6 from the bio page.
		Products: []serentak.ProductStats{
			{PostID: "p1", Product: kripik, Clicks: map[serentak.Platform]int64{"instagram": 3, "facebook": 2}, BioClicks: map[string]int64{"instagram": 6}, Total: 11},
			{PostID: "p2", Product: sambal, Clicks: map[serentak.Platform]int64{"instagram": 9, "tiktok": 0}, BioClicks: map[string]int64{}, Total: 9},
			{PostID: "p3", Caption: "Promo", Clicks: map[serentak.Platform]int64{}, BioClicks: map[string]int64{"tiktok": 1}, Total: 1},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SumStats (-want +got):\n%s", diff)
	}
}

func TestSortMetricNames(t *testing.T) {
	names := []string{"comments", "zeta", "likes", "views", "alpha", "shares"}
	serentak.SortMetricNames(names)
	if diff := cmp.Diff([]string{"views", "likes", "comments", "shares", "alpha", "zeta"}, names); diff != "" {
		t.Errorf("SortMetricNames (-want +got):\n%s", diff)
	}
}
