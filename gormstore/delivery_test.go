package gormstore_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

func TestDueMarkReset(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := b.clock.Now()
	soon := b.post(t, now.Add(time.Minute), b.fb, b.ig)
	past := b.post(t, now.Add(-time.Minute), b.fb)
	later := b.post(t, now.Add(time.Hour), b.fb)
	canceled := b.post(t, now, b.fb)
	if _, err := b.s.CancelPost(b.ctx, b.ws.ID, canceled.ID); err != nil {
		t.Fatal(err)
	}

	due, err := b.s.FindDueDeliveries(b.ctx, now.Add(5*time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	want := append(dueOf(past), dueOf(soon)...)
	if diff := cmp.Diff(want, due); diff != "" {
		t.Fatalf("due within 5 minutes (-want +got):\n%s", diff)
	}
	if lim, err := b.s.FindDueDeliveries(b.ctx, now.Add(5*time.Minute), 2); err != nil || len(lim) != 2 || lim[0].ID != past.Deliveries[0].ID {
		t.Errorf("limit 2: %v, %v", lim, err)
	}

	// A delivery rescheduled after it was read keeps no mark from the old
	// version.
	stale := dueOf(later)
	stale[0].Version = 0
	if err := b.s.MarkEnqueued(b.ctx, append(due, stale...), now); err != nil {
		t.Fatal(err)
	}
	due, err = b.s.FindDueDeliveries(b.ctx, now.Add(2*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dueOf(later), due); diff != "" {
		t.Fatalf("due after marking (-want +got):\n%s", diff)
	}

	// Redis lost: every mark of a scheduled delivery goes, started ones
	// stay as they are.
	claim(t, b, soon.Deliveries[0])
	n, err := b.s.ResetEnqueued(b.ctx)
	if err != nil || n != 2 {
		t.Fatalf("ResetEnqueued = %d, %v; want 2", n, err)
	}
	due, err = b.s.FindDueDeliveries(b.ctx, now.Add(2*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range due {
		ids = append(ids, d.ID)
	}
	if diff := cmp.Diff([]string{past.Deliveries[0].ID, soon.Deliveries[1].ID, later.Deliveries[0].ID}, ids); diff != "" {
		t.Errorf("due after reset (-want +got):\n%s", diff)
	}
	if n, err := b.s.ResetEnqueued(b.ctx); err != nil || n != 0 {
		t.Errorf("second ResetEnqueued = %d, %v; want 0", n, err)
	}
	if err := b.s.MarkEnqueued(b.ctx, nil, now); err != nil {
		t.Errorf("MarkEnqueued(nil) = %v", err)
	}
}

func TestMarkEnqueuedManyVersions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := b.clock.Now()
	var all []serentak.DueDelivery
	for i := range 30 {
		p := b.post(t, now, b.fb)
		if i%3 == 0 {
			var err error
			if p, err = b.s.ReschedulePost(b.ctx, b.ws.ID, p.ID, now); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, dueOf(p)...)
	}
	if err := b.s.MarkEnqueued(b.ctx, all, now); err != nil {
		t.Fatal(err)
	}
	due, err := b.s.FindDueDeliveries(b.ctx, now, 100)
	if err != nil || len(due) != 0 {
		t.Errorf("after marking 30 deliveries of versions 1 and 2: %d still due, %v", len(due), err)
	}
}

func TestFindStrandedDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const grace = time.Minute
	t0 := b.clock.Now()
	enqueued := b.post(t, t0.Add(30*time.Second), b.fb)
	future := b.post(t, t0.Add(time.Hour), b.fb) // enqueued early for a far time: not stranded
	leased := b.post(t, t0, b.ig)
	if err := b.s.MarkEnqueued(b.ctx, append(dueOf(enqueued), dueOf(future)...), t0); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := b.s.ClaimDelivery(b.ctx, leased.Deliveries[0].ID, 1, t0.Add(2*time.Minute)); err != nil || !ok {
		t.Fatalf("ClaimDelivery = %v, %v", ok, err)
	}

	ids := func(now time.Time) []string {
		t.Helper()
		ds, err := b.s.FindStrandedDeliveries(b.ctx, now, grace, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	if got := ids(t0.Add(grace)); len(got) != 0 {
		t.Errorf("at once: stranded %v, want none", got)
	}
	// Enqueued more than grace ago but due only 59 s ago: still waits.
	if got := ids(t0.Add(30*time.Second + grace - time.Second)); len(got) != 0 {
		t.Errorf("before grace after its time: stranded %v, want none", got)
	}
	got := ids(t0.Add(30*time.Second + grace + time.Second))
	if diff := cmp.Diff([]string{enqueued.Deliveries[0].ID}, got); diff != "" {
		t.Errorf("after grace (-want +got):\n%s", diff)
	}
	got = ids(t0.Add(3 * time.Minute)) // the lease ran out too
	if diff := cmp.Diff([]string{leased.Deliveries[0].ID, enqueued.Deliveries[0].ID}, got); diff != "" {
		t.Errorf("after the lease (-want +got):\n%s", diff)
	}
	if ds, err := b.s.FindStrandedDeliveries(b.ctx, t0.Add(3*time.Minute), grace, 1); err != nil || len(ds) != 1 || ds[0].ID != leased.Deliveries[0].ID {
		t.Errorf("limit 1: %v, %v", ds, err)
	}
}

func TestClaimDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb, b.ig)
	d := p.Deliveries[0]
	lease := b.clock.Now().Add(5 * time.Minute)

	c, ok, err := b.s.ClaimDelivery(b.ctx, d.ID, 1, lease)
	if err != nil || !ok {
		t.Fatalf("ClaimDelivery = %v, %v", ok, err)
	}
	want := d
	want.Status, want.Attempts = serentak.DeliveryPublishing, 1
	if diff := cmp.Diff(want, c.Delivery); diff != "" {
		t.Errorf("claimed delivery (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(b.fb, c.Account); diff != "" {
		t.Errorf("claimed account, tokens decrypted (-want +got):\n%s", diff)
	}
	if len(c.Token) < 16 {
		t.Errorf("lease token %q", c.Token)
	}
	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostPublishing {
		t.Errorf("post status after a claim = %q, want publishing", got.Status)
	}

	for _, tt := range []struct {
		name    string
		id      string
		version int
	}{
		{"held by another worker", d.ID, 1},
		{"stale version", p.Deliveries[1].ID, 0},
		{"missing", "dlv_missing", 1},
	} {
		if _, ok, err := b.s.ClaimDelivery(b.ctx, tt.id, tt.version, lease); ok || err != nil {
			t.Errorf("%s: ClaimDelivery = %v, %v; want false, nil", tt.name, ok, err)
		}
	}
	if _, err := b.s.CancelPost(b.ctx, b.ws.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := b.s.ClaimDelivery(b.ctx, p.Deliveries[1].ID, 1, lease); ok || err != nil {
		t.Errorf("canceled: ClaimDelivery = %v, %v; want false, nil", ok, err)
	}

	// The lease runs out: another worker takes over, and the first one's
	// writes are refused.
	b.clock.Advance(5*time.Minute + time.Second)
	c2, ok, err := b.s.ClaimDelivery(b.ctx, d.ID, 1, b.clock.Now().Add(5*time.Minute))
	if err != nil || !ok {
		t.Fatalf("claim after the lease ran out = %v, %v", ok, err)
	}
	if c2.Delivery.Attempts != 2 || c2.Token == c.Token {
		t.Errorf("second claim: attempts %d, token reused %v", c2.Delivery.Attempts, c2.Token == c.Token)
	}
	stale := []struct {
		name  string
		write func() error
	}{
		{"SaveCheckpoint", func() error {
			return b.s.SaveCheckpoint(b.ctx, c, serentak.Checkpoint{"x": "y"}, b.clock.Now().Add(time.Hour))
		}},
		{"CompleteDelivery", func() error { return b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: "x"}) }},
		{"FailDelivery", func() error { return b.s.FailDelivery(b.ctx, c, serentak.DeliveryError{Code: "x"}) }},
		{"RetryDelivery", func() error {
			return b.s.RetryDelivery(b.ctx, c, serentak.DeliveryError{Code: "x"}, b.clock.Now())
		}},
	}
	for _, w := range stale {
		if err := w.write(); !errors.Is(err, serentak.ErrLeaseLost) {
			t.Errorf("%s with a stale claim = %v, want ErrLeaseLost", w.name, err)
		}
	}
	after, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ad := after.Deliveries[0]; ad.Status != serentak.DeliveryPublishing || ad.Checkpoint != nil || ad.Error != nil || ad.ExternalID != "" {
		t.Errorf("stale writes changed the delivery: %+v", ad)
	}
}

func TestClaimRace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb)
	const n = 20
	var (
		wins  atomic.Int32
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make(chan error, n)
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, ok, err := b.s.ClaimDelivery(b.ctx, p.Deliveries[0].ID, 1, b.clock.Now().Add(time.Minute))
			if err != nil {
				errs <- err
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("ClaimDelivery: %v", err)
	}
	if wins.Load() != 1 {
		t.Errorf("%d of %d concurrent claimers won, want exactly 1", wins.Load(), n)
	}
	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Deliveries[0].Attempts != 1 {
		t.Errorf("attempts = %d, want 1", got.Deliveries[0].Attempts)
	}
}

func TestCheckpointAndComplete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb, b.ig)
	c := claim(t, b, p.Deliveries[0])

	cp := serentak.Checkpoint{"container_id": "17890", "step": "about to publish"}
	newLease := b.clock.Now().Add(10 * time.Minute)
	if err := b.s.SaveCheckpoint(b.ctx, c, cp, newLease); err != nil {
		t.Fatal(err)
	}
	// The extended lease holds past the first one.
	b.clock.Advance(6 * time.Minute)
	if _, ok, err := b.s.ClaimDelivery(b.ctx, c.Delivery.ID, 1, b.clock.Now().Add(time.Minute)); ok || err != nil {
		t.Fatalf("claim within the extended lease = %v, %v; want false", ok, err)
	}
	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cp, got.Deliveries[0].Checkpoint); diff != "" {
		t.Errorf("checkpoint (-want +got):\n%s", diff)
	}

	publishedAt := b.clock.Now().Add(-time.Second)
	warnings := []serentak.Warning{serentak.NewWarning(serentak.WarnFacebookVideoProcessing, "after", "10m0s", "status", `"processing"`)}
	if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: "123_456", Permalink: "https://facebook.com/123_456", PublishedAt: publishedAt,
		Warnings: warnings}); err != nil {
		t.Fatal(err)
	}
	got, err = b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	d := got.Deliveries[0]
	if d.Status != serentak.DeliveryPublished || d.ExternalID != "123_456" || d.Permalink != "https://facebook.com/123_456" ||
		!d.PublishedAt.Equal(publishedAt) || d.Error != nil || d.Attempts != 1 || d.Checkpoint["container_id"] != "17890" {
		t.Errorf("completed delivery: %+v", d)
	}
	if diff := cmp.Diff(warnings, d.Warnings); diff != "" {
		t.Errorf("the platform's warnings (-want +got):\n%s", diff)
	}
	if w := got.Deliveries[1].Warnings; w != nil {
		t.Errorf("a delivery not published has warnings %q", w)
	}
	if got.Status != serentak.PostPublishing {
		t.Errorf("post with one of two published: %q, want publishing", got.Status)
	}
	if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{}); !errors.Is(err, serentak.ErrLeaseLost) {
		t.Errorf("completing twice = %v, want ErrLeaseLost", err)
	}

	c2 := claim(t, b, p.Deliveries[1])
	if err := b.s.FailDelivery(b.ctx, c2, serentak.DeliveryError{Code: "rejected", Message: "(#100) invalid media"}); err != nil {
		t.Fatal(err)
	}
	got, err = b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostPartiallyPublished {
		t.Errorf("post status = %q, want partially_published", got.Status)
	}
	want := &serentak.DeliveryError{Code: "rejected", Message: "(#100) invalid media"}
	if diff := cmp.Diff(want, got.Deliveries[1].Error); diff != "" || got.Deliveries[1].Status != serentak.DeliveryFailed {
		t.Errorf("failed delivery %q, error (-want +got):\n%s", got.Deliveries[1].Status, diff)
	}
	if _, ok, err := b.s.ClaimDelivery(b.ctx, p.Deliveries[1].ID, 1, b.clock.Now().Add(time.Hour)); ok || err != nil {
		t.Errorf("claim of a failed delivery = %v, %v", ok, err)
	}
}

func TestFailedPostStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb)
	c := claim(t, b, p.Deliveries[0])
	if err := b.s.FailDelivery(b.ctx, c, serentak.DeliveryError{Code: "needs_reauth", Message: "190/463"}); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostFailed {
		t.Errorf("post status = %q, want failed", got.Status)
	}
}

func TestRetryDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb)
	d := p.Deliveries[0]
	c := claim(t, b, d)
	retryAt := b.clock.Now().Add(30 * time.Second)
	e := serentak.DeliveryError{Code: "rate_limited", Message: "(#4) too many calls", Retryable: true}
	if err := b.s.RetryDelivery(b.ctx, c, e, retryAt); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gd := got.Deliveries[0]; gd.Status != serentak.DeliveryPublishing || gd.Error == nil || *gd.Error != e || got.Status != serentak.PostPublishing {
		t.Errorf("waiting for a retry: post %q, delivery %+v", got.Status, gd)
	}

	// Not before its time (less the 2 s Asynq may start early)...
	if _, ok, err := b.s.ClaimDelivery(b.ctx, d.ID, 1, retryAt.Add(time.Minute)); ok || err != nil {
		t.Fatalf("claim before the retry time = %v, %v; want false", ok, err)
	}
	// ...and not stranded while the retry task may still come.
	if ds, err := b.s.FindStrandedDeliveries(b.ctx, retryAt.Add(gormstore.RetryLeaseGrace-time.Second), time.Minute, 10); err != nil || len(ds) != 0 {
		t.Errorf("stranded before the retry lease ran out: %v, %v", ds, err)
	}
	if ds, err := b.s.FindStrandedDeliveries(b.ctx, retryAt.Add(gormstore.RetryLeaseGrace+time.Second), time.Minute, 10); err != nil || len(ds) != 1 {
		t.Errorf("stranded after the retry lease ran out: %v, %v; want the delivery", ds, err)
	}

	b.clock.Advance(30*time.Second - gormstore.ClaimEarly)
	c2, ok, err := b.s.ClaimDelivery(b.ctx, d.ID, 1, b.clock.Now().Add(5*time.Minute))
	if err != nil || !ok {
		t.Fatalf("claim at the retry time = %v, %v", ok, err)
	}
	if c2.Delivery.Attempts != 2 || c2.Delivery.Error == nil {
		t.Errorf("retry claim: attempts %d, error %v; want 2 and the last error", c2.Delivery.Attempts, c2.Delivery.Error)
	}
	if err := b.s.RetryDelivery(b.ctx, c, e, retryAt); !errors.Is(err, serentak.ErrLeaseLost) {
		t.Errorf("the first claim's write after a retry claim = %v, want ErrLeaseLost", err)
	}
	if err := b.s.CompleteDelivery(b.ctx, c2, serentak.Result{ExternalID: "1"}); err != nil {
		t.Fatal(err)
	}
	got, err = b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gd := got.Deliveries[0]; gd.Error != nil || gd.Status != serentak.DeliveryPublished || !gd.PublishedAt.Equal(b.clock.Now()) || got.Status != serentak.PostPublished {
		t.Errorf("after the retry published: post %q, delivery %+v", got.Status, gd)
	}
	if ds, err := b.s.FindStrandedDeliveries(b.ctx, b.clock.Now().Add(time.Hour), time.Minute, 10); err != nil || len(ds) != 0 {
		t.Errorf("a published delivery is stranded: %v, %v", ds, err)
	}
}

// TestSchedulerQueriesUseTheirIndexes checks the plans, so the scheduler's
// every-200-ms queries stay cheap with millions of future or finished rows.
func TestSchedulerQueriesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for range 20 {
		b.post(t, b.clock.Now().Add(time.Hour), b.fb, b.ig)
	}
	if err := b.s.Migrate(b.ctx); err != nil { // a second migration keeps them
		t.Fatal(err)
	}
	for index, query := range gormstore.SchedulerQueries(b.s, b.clock.Now()) {
		if plan := queryPlan(t, b, query); !strings.Contains(plan, index) {
			t.Errorf("query %s\nplan does not use %s:\n%s", query, index, plan)
		}
	}
}

// queryPlan is the database's plan of query, lines joined.
func queryPlan(t *testing.T, b *bundle, query string) string {
	t.Helper()
	db := gormstore.DB(b.s)
	var plan []string
	switch b.s.Dialect() {
	case gormstore.SQLite:
		var rows []struct{ Detail string }
		if err := db.Raw("EXPLAIN QUERY PLAN " + query).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			plan = append(plan, r.Detail)
		}
	case gormstore.Postgres:
		// With a handful of rows a sequential scan is cheapest; forbid
		// it to see whether the index can serve the query at all.
		tx := db.Begin()
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			t.Fatal(err)
		}
		if err := tx.Raw("EXPLAIN " + query).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		tx.Rollback()
	}
	return strings.Join(plan, "\n")
}

// TestLeaseGuardedWritesUseThePrimaryKey: every checkpoint and outcome is
// a lease-guarded write by id. Before a burst nothing is publishing, and
// statistics taken then made PostgreSQL prefer the (then empty) partial
// index of leases, which the burst fills: each write scanned every leased
// row. The plan must find the row by its primary key.
func TestLeaseGuardedWritesUseThePrimaryKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for range 150 {
		b.post(t, b.clock.Now().Add(time.Hour), b.fb, b.ig)
	}
	db := gormstore.DB(b.s)
	if err := db.Exec("ANALYZE").Error; err != nil { // nothing publishing
		t.Fatal(err)
	}
	args := []any{"{}", b.clock.Now(), "dlv_x", "token"}
	var plan []string
	switch b.s.Dialect() {
	case gormstore.SQLite:
		var rows []struct{ Detail string }
		if err := db.Raw("EXPLAIN QUERY PLAN "+gormstore.LeaseWriteSQL(), args...).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			plan = append(plan, r.Detail)
		}
	case gormstore.Postgres:
		if err := db.Raw("EXPLAIN "+gormstore.LeaseWriteSQL(), args...).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
	}
	got := strings.Join(plan, "\n")
	if !strings.Contains(got, "deliveries_pkey") && !strings.Contains(got, "sqlite_autoindex_deliveries_1") {
		t.Errorf("a lease-guarded write does not find its row by the primary key:\n%s", got)
	}
}

// TestConcurrentOutcomesOfOnePost: workers finishing deliveries of one post
// at once must leave the post's status derived from all of them.
func TestConcurrentOutcomesOfOnePost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	accounts := []serentak.Account{b.fb, b.ig}
	for i := range 6 {
		accounts = append(accounts, b.account(t, b.ws.ID, serentak.Facebook, "page-extra-"+string(rune('a'+i))))
	}
	p := b.post(t, b.clock.Now(), accounts...)
	claims := make([]serentak.Claim, len(p.Deliveries))
	for i, d := range p.Deliveries {
		claims[i] = claim(t, b, d)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(claims))
	for _, c := range claims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: c.Delivery.ID})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("CompleteDelivery: %v", err)
		}
	}
	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostPublished {
		t.Errorf("post status after %d concurrent completions = %q, want published", len(claims), got.Status)
	}
}

// TestClaimFixesPostStatus holds serentak.DerivePostStatus to what
// ClaimDelivery relies on to skip reading a post's deliveries: once one of
// them is publishing, the post is publishing whatever the others are.
func TestClaimFixesPostStatus(t *testing.T) {
	t.Parallel()
	all := []serentak.DeliveryStatus{
		serentak.DeliveryScheduled, serentak.DeliveryPublishing, serentak.DeliveryPublished,
		serentak.DeliveryFailed, serentak.DeliveryCanceled,
	}
	var others func(n int, prefix []serentak.DeliveryStatus)
	others = func(n int, prefix []serentak.DeliveryStatus) {
		ds := append([]serentak.DeliveryStatus{serentak.DeliveryPublishing}, prefix...)
		if got := serentak.DerivePostStatus(ds); got != serentak.PostPublishing {
			t.Errorf("DerivePostStatus(%v) = %q, want publishing", ds, got)
		}
		if n == 0 {
			return
		}
		for _, s := range all {
			others(n-1, append(prefix[:len(prefix):len(prefix)], s))
		}
	}
	others(3, nil)
}

// TestResetEnqueuedBringsRetriesForward: when Redis loses its tasks, a
// delivery waiting for a retry lost its retry task too; the reset makes the
// stranded sweep take it at its retry time, not RetryLeaseGrace later.
func TestResetEnqueuedBringsRetriesForward(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb)
	c := claim(t, b, p.Deliveries[0])
	retryAt := b.clock.Now().Add(30 * time.Second)
	if err := b.s.RetryDelivery(b.ctx, c, serentak.DeliveryError{Code: "transient", Retryable: true}, retryAt); err != nil {
		t.Fatal(err)
	}
	if ds, err := b.s.FindStrandedDeliveries(b.ctx, retryAt.Add(time.Second), time.Minute, 10); err != nil || len(ds) != 0 {
		t.Fatalf("stranded right after its retry time before any reset: %v, %v", ds, err)
	}
	n, err := b.s.ResetEnqueued(b.ctx)
	if err != nil || n != 1 {
		t.Fatalf("ResetEnqueued = %d, %v; want 1", n, err)
	}
	if ds, err := b.s.FindStrandedDeliveries(b.ctx, retryAt.Add(-time.Second), time.Minute, 10); err != nil || len(ds) != 0 {
		t.Errorf("stranded before its retry time: %v, %v", ds, err)
	}
	if ds, err := b.s.FindStrandedDeliveries(b.ctx, retryAt.Add(time.Second), time.Minute, 10); err != nil || len(ds) != 1 {
		t.Errorf("not stranded at its retry time after the reset: %v, %v; want the delivery", ds, err)
	}
	if n, err := b.s.ResetEnqueued(b.ctx); err != nil || n != 0 {
		t.Errorf("second ResetEnqueued = %d, %v; want 0", n, err)
	}
}

// A checkpoint saved without a lease time keeps the lease the claim took.
func TestCheckpointWithoutLeaseKeepsTheLease(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb)
	c := claim(t, b, p.Deliveries[0]) // leased for 5 minutes
	if err := b.s.SaveCheckpoint(b.ctx, c, serentak.Checkpoint{"step": "feed"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(4 * time.Minute)
	if _, ok, err := b.s.ClaimDelivery(b.ctx, c.Delivery.ID, 1, b.clock.Now().Add(time.Minute)); ok || err != nil {
		t.Fatalf("claim within the lease = %v, %v; want false", ok, err)
	}
	b.clock.Advance(2 * time.Minute)
	taken, ok, err := b.s.ClaimDelivery(b.ctx, c.Delivery.ID, 1, b.clock.Now().Add(time.Minute))
	if !ok || err != nil {
		t.Fatalf("claim after the lease = %v, %v; want a takeover", ok, err)
	}
	if taken.Delivery.Checkpoint["step"] != "feed" {
		t.Errorf("the takeover sees checkpoint %v, want the saved one", taken.Delivery.Checkpoint)
	}
}

// Many deliveries claimed at once (on SQLite, in batches) are each claimed
// once, by the claimer that asked, with a token of its own, and each post
// is publishing; a second round finds nothing to do.
func TestManyClaimsAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 60
	ds := make([]serentak.Delivery, n)
	for i := range ds {
		ds[i] = b.post(t, b.clock.Now(), b.fb, b.ig).Deliveries[i%2]
	}
	claims := make([]serentak.Claim, n)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for round := range 2 {
		for i, d := range ds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, ok, err := b.s.ClaimDelivery(b.ctx, d.ID, d.Version, b.clock.Now().Add(time.Minute))
				switch {
				case err != nil:
					errs <- err
				case round == 0 && !ok:
					errs <- fmt.Errorf("delivery %d was not claimed", i)
				case round == 1 && ok:
					errs <- fmt.Errorf("delivery %d was claimed twice", i)
				case ok:
					claims[i] = c
				}
			}()
		}
		wg.Wait()
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tokens := map[string]bool{}
	for i, c := range claims {
		if c.Delivery.ID != ds[i].ID || c.Account.ID != ds[i].AccountID || c.Delivery.Status != serentak.DeliveryPublishing || c.Delivery.Attempts != 1 {
			t.Errorf("claim %d = delivery %s (%s, %d attempts), account %s; want delivery %s, account %s",
				i, c.Delivery.ID, c.Delivery.Status, c.Delivery.Attempts, c.Account.ID, ds[i].ID, ds[i].AccountID)
		}
		if c.Token == "" || tokens[c.Token] {
			t.Errorf("claim %d has token %q, empty or shared", i, c.Token)
		}
		tokens[c.Token] = true
		p, err := b.s.FindPostByID(b.ctx, b.ws.ID, ds[i].PostID)
		if err != nil || p.Status != serentak.PostPublishing {
			t.Errorf("post of claim %d: %s, %v; want publishing", i, p.Status, err)
		}
	}
	// Each claim's token guards its own delivery only.
	if err := b.s.SaveCheckpoint(b.ctx, claims[0], serentak.Checkpoint{"k": "v"}, time.Time{}); err != nil {
		t.Errorf("save with the claim's own token: %v", err)
	}
	wrong := claims[0]
	wrong.Token = claims[1].Token
	if err := b.s.SaveCheckpoint(b.ctx, wrong, serentak.Checkpoint{"k": "v"}, time.Time{}); !errors.Is(err, serentak.ErrLeaseLost) {
		t.Errorf("save with another claim's token = %v, want ErrLeaseLost", err)
	}
}

// Outcomes recorded at the same moment (batched together) each take
// effect, a lost lease among them fails only its own write, and every
// post's status is recomputed from all of its deliveries.
func TestManyOutcomesAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 30
	var claims []serentak.Claim
	var postIDs []string
	for range n {
		p := b.post(t, b.clock.Now(), b.fb, b.ig)
		postIDs = append(postIDs, p.ID)
		for _, d := range p.Deliveries {
			claims = append(claims, claim(t, b, d))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(claims))
	for i, c := range claims {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: fmt.Sprintf("ext-%d", i)}); err != nil {
				errs <- fmt.Errorf("complete %d: %w", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			stale := c
			stale.Token = "a-lost-lease"
			if err := b.s.SaveCheckpoint(b.ctx, stale, serentak.Checkpoint{"x": "y"}, time.Time{}); !errors.Is(err, serentak.ErrLeaseLost) {
				errs <- fmt.Errorf("save with a lost lease %d = %v, want ErrLeaseLost", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, id := range postIDs {
		p, err := b.s.FindPostByID(b.ctx, b.ws.ID, id)
		if err != nil || p.Status != serentak.PostPublished {
			t.Errorf("post %s = %s, %v; want published", id, p.Status, err)
			continue
		}
		for _, d := range p.Deliveries {
			if d.Status != serentak.DeliveryPublished || d.ExternalID == "" || d.Checkpoint["x"] != "" {
				t.Errorf("delivery %s = %s %q %v", d.ID, d.Status, d.ExternalID, d.Checkpoint)
			}
		}
	}
}

// A delivery keeps the traceparent of the request that made it: the
// scheduler reads it with the due deliveries, the worker with its claim.
func TestDeliveryKeepsTraceParent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	p := newPost(b.ws.ID, b.clock.Now(), b.fb)
	p.Deliveries[0].TraceParent = tp
	stored, _, err := b.s.CreatePost(b.ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	due, err := b.s.FindDueDeliveries(b.ctx, b.clock.Now().Add(time.Minute), 10)
	if err != nil || len(due) != 1 || due[0].TraceParent != tp || due[0].PostID != stored.ID || due[0].WorkspaceID != b.ws.ID {
		t.Fatalf("due = %+v, %v; want the delivery with its traceparent, post and workspace", due, err)
	}
	if c := claim(t, b, stored.Deliveries[0]); c.Delivery.TraceParent != tp {
		t.Errorf("claimed delivery's TraceParent = %q, want %q", c.Delivery.TraceParent, tp)
	}
}
