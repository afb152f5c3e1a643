package gormstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore/storetest"
)

func TestStatsReadClicksMetricsAndBioClicks(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t)
	b := setupURL(t, url)
	rows := storetest.NewOrderLinks(t, url)
	day := time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC) // 09.00 WIB
	tt := b.account(t, b.ws.ID, serentak.TikTok, "tt-1")

	p := b.post(t, day, b.fb, b.ig, tt)
	fb, ig, tk := p.Deliveries[0], p.Deliveries[1], p.Deliveries[2]
	rows.Publish(fb, "https://facebook.com/1", day.Add(time.Second))
	rows.Publish(ig, "https://instagram.com/p/1", day.Add(2*time.Second))
	rows.Clicks(fb, 7)
	rows.Clicks(ig, 3)
	fetched := day.Add(time.Hour)
	rows.Metrics(fb, map[string]float64{"views": 120, "reactions": 9}, "", fetched)
	// TikTok's delivery is left scheduled: no metrics, and why.

	// Another post, published the next month, and one of another tenant
	// with the same shape, which no answer may show.
	later := b.post(t, day.AddDate(0, 1, 0), b.ig)
	rows.Publish(later.Deliveries[0], "https://instagram.com/p/2", day.AddDate(0, 1, 0))
	rows.Clicks(later.Deliveries[0], 100)
	otherAcc := b.account(t, b.other.ID, serentak.Facebook, "page-other")
	op, _, err := b.s.CreatePost(b.ctx, newPost(b.other.ID, day, otherAcc), nil)
	if err != nil {
		t.Fatal(err)
	}
	rows.Publish(op.Deliveries[0], "https://facebook.com/other", day)
	rows.Clicks(op.Deliveries[0], 50)
	rows.BioClicks(b.other.ID, op.ID, "instagram", "2026-11-10", 40)

	rows.BioClicks(b.ws.ID, p.ID, "instagram", "2026-11-01", 2)
	rows.BioClicks(b.ws.ID, p.ID, "instagram", "2026-11-30", 3)
	rows.BioClicks(b.ws.ID, p.ID, "tiktok", "2026-11-15", 4)
	rows.BioClicks(b.ws.ID, p.ID, "tiktok", "2026-12-01", 8) // next month

	t.Run("post", func(t *testing.T) {
		got, err := b.s.FindPostStats(b.ctx, b.ws.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []serentak.DeliveryStats{
			{DeliveryID: fb.ID, AccountName: "Account page-1", Platform: serentak.Facebook, Status: serentak.DeliveryPublished,
				Permalink: "https://facebook.com/1", PublishedAt: day.Add(time.Second), Clicks: 7,
				Metrics: map[string]float64{"views": 120, "reactions": 9}, MetricsFetchedAt: fetched},
			{DeliveryID: ig.ID, AccountName: "Account ig-1", Platform: serentak.Instagram, Status: serentak.DeliveryPublished,
				Permalink: "https://instagram.com/p/1", PublishedAt: day.Add(2 * time.Second), Clicks: 3,
				MetricsUnavailable: serentak.MetricsNotFetched},
			{DeliveryID: tk.ID, AccountName: "Account tt-1", Platform: serentak.TikTok, Status: serentak.DeliveryScheduled,
				MetricsUnavailable: serentak.MetricsNotPublished},
		}
		opts := cmpopts.IgnoreFields(serentak.DeliveryStats{}, "PostID", "AccountID", "Product", "Caption")
		if diff := cmp.Diff(want, got, opts, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("FindPostStats (-want +got):\n%s", diff)
		}
		if got[0].Product == nil || got[0].Product.Name != "Keripik Singkong" {
			t.Errorf("product = %+v, want the post's", got[0].Product)
		}
	})

	t.Run("another tenant's post is not found", func(t *testing.T) {
		_, err := b.s.FindPostStats(b.ctx, b.ws.ID, op.ID)
		wantCode(t, err, serentak.ECodeNotFound)
	})

	t.Run("a deleted post is not found", func(t *testing.T) {
		gone := b.post(t, day, b.fb)
		if err := b.s.DeletePost(b.ctx, b.ws.ID, gone.ID); err != nil {
			t.Fatal(err)
		}
		_, err := b.s.FindPostStats(b.ctx, b.ws.ID, gone.ID)
		wantCode(t, err, serentak.ECodeNotFound)
	})

	t.Run("period", func(t *testing.T) {
		from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		got, err := b.s.FindPublishedStats(b.ctx, b.ws.ID, from, from.AddDate(0, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range got {
			ids = append(ids, d.DeliveryID)
		}
		if diff := cmp.Diff([]string{fb.ID, ig.ID}, ids); diff != "" {
			t.Errorf("published in November (-want +got):\n%s", diff)
		}
		// to is excluded.
		got, err = b.s.FindPublishedStats(b.ctx, b.ws.ID, from, day.Add(2*time.Second))
		if err != nil || len(got) != 1 || got[0].DeliveryID != fb.ID {
			t.Errorf("up to the Instagram delivery's second = %+v, %v; want only Facebook's", got, err)
		}
	})

	t.Run("bio clicks", func(t *testing.T) {
		got, err := b.s.FindBioClicks(b.ctx, b.ws.ID, "2026-11-01", "2026-12-01")
		if err != nil {
			t.Fatal(err)
		}
		want := []serentak.BioClicks{
			{PostID: p.ID, Source: "instagram", Clicks: 5},
			{PostID: p.ID, Source: "tiktok", Clicks: 4},
		}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(serentak.BioClicks{}, "Product")); diff != "" {
			t.Errorf("FindBioClicks (-want +got):\n%s", diff)
		}
		if got[0].Product == nil || got[0].Product.Price.Amount != 25000 {
			t.Errorf("product = %+v, want the post's with its price", got[0].Product)
		}
	})
}
