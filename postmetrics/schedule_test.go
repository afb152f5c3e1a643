package postmetrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/postmetrics"
	"github.com/serentak/serentak/testkit"
)

// oneRow is a store of one delivery_metrics row, for the schedule's
// arithmetic (the real store's claims are tested in gormstore and above).
type oneRow struct {
	due     serentak.DueMetrics
	next    time.Time
	fetches []time.Time
}

func (s *oneRow) ClaimDueMetrics(_ context.Context, now, leaseUntil time.Time, _ int) ([]serentak.DueMetrics, error) {
	if s.next.IsZero() || s.next.After(now) {
		return nil, nil
	}
	s.next = leaseUntil
	return []serentak.DueMetrics{s.due}, nil
}

func (s *oneRow) RecordMetrics(_ context.Context, o serentak.MetricsOutcome) error {
	if o.Metrics != nil {
		s.fetches = append(s.fetches, o.At)
	}
	s.next = o.NextFetchAt
	return nil
}

type constFetcher struct{}

func (constFetcher) FetchMetrics(context.Context, serentak.MetricsRequest) (serentak.Metrics, error) {
	return serentak.Metrics{"views": 1}, nil
}

func TestScheduleHourlyForTwoDaysThenDailyForAMonth(t *testing.T) {
	published := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	clk := testkit.NewClock(published)
	st := &oneRow{due: serentak.DueMetrics{DeliveryID: "dlv_1", Platform: serentak.Facebook, ExternalID: "1_2",
		PublishedAt: published, Account: serentak.Account{ID: "acc_1"}}, next: published.Add(time.Hour)}
	f := postmetrics.New(postmetrics.Config{Store: st, Now: clk.Now,
		Fetchers: map[serentak.Platform]serentak.MetricsFetcher{serentak.Facebook: constFetcher{}}})
	for range 200 {
		if st.next.IsZero() {
			break
		}
		clk.Set(st.next)
		if _, err := f.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if !st.next.IsZero() {
		t.Fatalf("still fetching after %d fetches", len(st.fetches))
	}
	// Hourly from 1 h to 48 h (48 fetches), then daily from 72 h to 720 h
	// (28 fetches): none after thirty days.
	if len(st.fetches) != 48+28 {
		t.Fatalf("%d fetches, want 76", len(st.fetches))
	}
	for i, at := range st.fetches {
		age := at.Sub(published)
		want := time.Duration(i+1) * time.Hour
		if i >= 48 {
			want = 72*time.Hour + time.Duration(i-48)*24*time.Hour
		}
		if age != want {
			t.Fatalf("fetch %d at %s after publication, want %s", i+1, age, want)
		}
	}
}
