package gormstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

// The metrics' gauges: deliveries due and not started by platform (a
// started, a future and a canceled one are not), accounts by platform and
// status (a removed one is not).
func TestCountsForMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := b.clock.Now()
	b.post(t, now.Add(-time.Minute), b.fb, b.ig)
	// Due and enqueued, waiting for a worker: due too.
	enqueued := b.post(t, now, b.fb)
	if err := b.s.MarkEnqueued(b.ctx, dueOf(enqueued), now); err != nil {
		t.Fatal(err)
	}
	b.post(t, now.Add(time.Minute), b.fb)
	started := b.post(t, now.Add(-time.Second), b.ig)
	claim(t, b, started.Deliveries[0])
	canceled := b.post(t, now.Add(-time.Hour), b.fb)
	if _, err := b.s.CancelPost(b.ctx, b.ws.ID, canceled.ID); err != nil {
		t.Fatal(err)
	}
	due, err := b.s.CountDueDeliveries(b.ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[serentak.Platform]int{serentak.Facebook: 2, serentak.Instagram: 1}, due); diff != "" {
		t.Errorf("due and not started (-want +got):\n%s", diff)
	}

	if err := b.s.MarkAccountNeedsReauth(b.ctx, b.ws.ID, b.ig.ID, "token refused"); err != nil {
		t.Fatal(err)
	}
	gone := b.account(t, b.other.ID, serentak.Facebook, "page-gone")
	if _, err := b.s.DeleteAccount(b.ctx, b.other.ID, gone.ID); err != nil {
		t.Fatal(err)
	}
	b.account(t, b.other.ID, serentak.Facebook, "page-2")
	accounts, err := b.s.CountAccounts(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[serentak.Platform]map[serentak.AccountStatus]int{
		serentak.Facebook:  {serentak.AccountActive: 2},
		serentak.Instagram: {serentak.AccountNeedsReauth: 1},
	}
	if diff := cmp.Diff(want, accounts); diff != "" {
		t.Errorf("accounts by platform and status (-want +got):\n%s", diff)
	}
}

// The gauge of deliveries due is read at every scrape: its two queries
// each use their partial index, however many future or finished
// deliveries there are.
func TestCountQueriesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for range 20 {
		b.post(t, b.clock.Now().Add(time.Hour), b.fb, b.ig)
	}
	for index, query := range gormstore.CountQueries(b.s, b.clock.Now()) {
		if plan := queryPlan(t, b, query); !strings.Contains(plan, index) {
			t.Errorf("query %s\nplan does not use %s:\n%s", query, index, plan)
		}
	}
}
