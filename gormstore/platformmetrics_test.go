package gormstore_test

import (
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore/storetest"
)

// metricsRow is a delivery_metrics row as the stats read it.
type metricsRow struct {
	metrics, unavailable, lastError string
	fetches                         int
	done                            bool // next_fetch_at IS NULL
}

func readMetricsRow(t *testing.T, db *sql.DB, deliveryID string) metricsRow {
	t.Helper()
	var r metricsRow
	err := db.QueryRow(`SELECT metrics, unavailable, last_error, fetches, next_fetch_at IS NULL FROM delivery_metrics WHERE delivery_id = $1`, deliveryID).
		Scan(&r.metrics, &r.unavailable, &r.lastError, &r.fetches, &r.done)
	if err != nil {
		t.Fatalf("reading delivery_metrics of %s: %v", deliveryID, err)
	}
	return r
}

func TestDeliveryMetricsScheduledWithPublication(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t)
	b := setupURL(t, url)
	db := storetest.OpenSQL(t, url)
	tt := b.account(t, b.ws.ID, serentak.TikTok, "open-1")
	p := b.post(t, b.clock.Now(), b.fb, tt)

	publishedAt := b.clock.Now()
	if err := b.s.CompleteDelivery(b.ctx, claim(t, b, p.Deliveries[0]), serentak.Result{ExternalID: "123_456", PublishedAt: publishedAt}); err != nil {
		t.Fatal(err)
	}
	// A TikTok post that is not public has only its publish_id: no
	// metrics, ever, and the row says why.
	if err := b.s.CompleteDelivery(b.ctx, claim(t, b, p.Deliveries[1]), serentak.Result{ExternalID: "v_pub_url~v2.7341", PublishedAt: publishedAt}); err != nil {
		t.Fatal(err)
	}
	if r := readMetricsRow(t, db, p.Deliveries[1].ID); r.unavailable != serentak.UnavailableTikTokNotPublic || !r.done {
		t.Errorf("non-public TikTok row = %+v; want unavailable %q and no fetch", r, serentak.UnavailableTikTokNotPublic)
	}
	if r := readMetricsRow(t, db, p.Deliveries[0].ID); r.metrics != "{}" || r.unavailable != "" || r.fetches != 0 || r.done {
		t.Errorf("new row = %+v", r)
	}

	// Due an hour after publication, not before.
	b.clock.Advance(59 * time.Minute)
	if due, err := b.s.ClaimDueMetrics(b.ctx, b.clock.Now(), b.clock.Now().Add(5*time.Minute), 10); err != nil || len(due) != 0 {
		t.Fatalf("ClaimDueMetrics before the hour = %+v, %v; want none", due, err)
	}
	b.clock.Advance(time.Minute)
	due, err := b.s.ClaimDueMetrics(b.ctx, b.clock.Now(), b.clock.Now().Add(5*time.Minute), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("ClaimDueMetrics at the hour = %+v, %v; want the Facebook delivery", due, err)
	}
	d := due[0]
	if d.DeliveryID != p.Deliveries[0].ID || d.ExternalID != "123_456" || d.Platform != serentak.Facebook ||
		d.Account.ID != b.fb.ID || d.Account.Token.AccessToken != "access-page-1" || !d.PublishedAt.Equal(publishedAt) ||
		d.WorkspaceID != b.ws.ID || d.PostID != p.ID {
		t.Errorf("due = %+v", d)
	}
	// Claimed: not due for anyone else until the lease ends.
	if again, err := b.s.ClaimDueMetrics(b.ctx, b.clock.Now(), b.clock.Now().Add(5*time.Minute), 10); err != nil || len(again) != 0 {
		t.Fatalf("a second claim = %+v, %v; want none", again, err)
	}

	next := b.clock.Now().Add(time.Hour)
	if err := b.s.RecordMetrics(b.ctx, serentak.MetricsOutcome{DeliveryID: d.DeliveryID, Metrics: serentak.Metrics{"post_media_view": 40},
		At: b.clock.Now(), NextFetchAt: next}); err != nil {
		t.Fatal(err)
	}
	if r := readMetricsRow(t, db, d.DeliveryID); r.metrics != `{"post_media_view":40}` || r.fetches != 1 || r.done {
		t.Errorf("after a fetch: %+v", r)
	}
	// A failed fetch keeps the metrics and the count.
	if err := b.s.RecordMetrics(b.ctx, serentak.MetricsOutcome{DeliveryID: d.DeliveryID, LastError: "rate limited",
		At: b.clock.Now(), NextFetchAt: next}); err != nil {
		t.Fatal(err)
	}
	if r := readMetricsRow(t, db, d.DeliveryID); r.metrics != `{"post_media_view":40}` || r.fetches != 1 || r.lastError != "rate limited" {
		t.Errorf("after a failed fetch: %+v", r)
	}
	b.clock.Advance(time.Hour)
	if due, err := b.s.ClaimDueMetrics(b.ctx, b.clock.Now(), b.clock.Now().Add(5*time.Minute), 10); err != nil || len(due) != 1 {
		t.Fatalf("ClaimDueMetrics at the next time = %+v, %v", due, err)
	}
	// Never again.
	if err := b.s.RecordMetrics(b.ctx, serentak.MetricsOutcome{DeliveryID: d.DeliveryID, Metrics: serentak.Metrics{}, At: b.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if r := readMetricsRow(t, db, d.DeliveryID); !r.done || r.fetches != 2 {
		t.Errorf("after the last fetch: %+v", r)
	}
}

func TestClaimDueMetricsOnceAmongFetchers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb, b.ig)
	for i, d := range p.Deliveries {
		if err := b.s.CompleteDelivery(b.ctx, claim(t, b, d), serentak.Result{ExternalID: "x" + string(rune('0'+i)), PublishedAt: b.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	b.clock.Advance(2 * time.Hour)
	var (
		mu      sync.Mutex
		claimed []string
		wg      sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			due, err := b.s.ClaimDueMetrics(b.ctx, b.clock.Now(), b.clock.Now().Add(5*time.Minute), 10)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			for _, d := range due {
				claimed = append(claimed, d.DeliveryID)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(claimed) != 2 {
		t.Fatalf("four fetchers claimed %v; want each of the two rows once", claimed)
	}
	if claimed[0] == claimed[1] {
		t.Fatalf("one row claimed twice: %v", claimed)
	}
}
