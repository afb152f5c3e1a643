package gormstore_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

// The bundle's clock is Tuesday 1 December 2026, 09:00 in Jakarta
// (02:00 UTC), the workspace's zone.
var (
	tue0900 = serentak.QueueSlot{Day: time.Tuesday, Minute: 9 * 60}
	wed1000 = serentak.QueueSlot{Day: time.Wednesday, Minute: 10 * 60}
)

func TestQueueSlotsAndNextFree(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got, err := b.s.PutQueue(b.ctx, b.ws.ID, []serentak.QueueSlot{wed1000, tue0900, wed1000})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]serentak.QueueSlot{tue0900, wed1000}, got); diff != "" {
		t.Errorf("slots stored (-want +got):\n%s", diff)
	}
	q, err := b.s.FindQueue(b.ctx, b.ws.ID, b.clock.Now(), 3)
	if err != nil {
		t.Fatal(err)
	}
	free := []time.Time{
		time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), // now: a slot at this very moment is free
		time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC),
	}
	if diff := cmp.Diff(serentak.Queue{Timezone: "Asia/Jakarta", Slots: []serentak.QueueSlot{tue0900, wed1000}, Next: free}, q); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}
	// A post at a slot's time holds it, whether queued or not; canceling
	// it frees it. Another workspace's posts hold none of this one's.
	p := b.post(t, free[0], b.fb)
	if _, _, err := b.s.CreatePost(b.ctx, newPost(b.other.ID, free[1]), nil); err != nil {
		t.Fatal(err)
	}
	q, err = b.s.FindQueue(b.ctx, b.ws.ID, b.clock.Now(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(free[1:], q.Next); diff != "" {
		t.Errorf("next after a post took the first (-want +got):\n%s", diff)
	}
	if _, err := b.s.CancelPost(b.ctx, b.ws.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	q, err = b.s.FindQueue(b.ctx, b.ws.ID, b.clock.Now(), 1)
	if err != nil || !q.Next[0].Equal(free[0]) {
		t.Errorf("after cancel: next %v, %v; want %v", q.Next, err, free[0])
	}
	// An empty list empties the queue.
	if _, err := b.s.PutQueue(b.ctx, b.ws.ID, nil); err != nil {
		t.Fatal(err)
	}
	if q, err = b.s.FindQueue(b.ctx, b.ws.ID, b.clock.Now(), 3); err != nil || len(q.Slots)+len(q.Next) != 0 {
		t.Errorf("emptied queue: %+v, %v", q, err)
	}
	if _, err := b.s.PutQueue(b.ctx, "ws_nope", []serentak.QueueSlot{tue0900}); serentak.ErrorCode(err) != serentak.ECodeNotFound {
		t.Errorf("unknown workspace: %v, want not_found", err)
	}
}

// Twenty posts queued at once take twenty different slots, the first
// twenty free ones: the slot is chosen under a lock on the workspace's
// row, in the transaction that stores the post (on PostgreSQL the
// goroutines really run at once).
func TestQueuedPostsTakeDistinctSlotsConcurrently(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if _, err := b.s.PutQueue(b.ctx, b.ws.ID, []serentak.QueueSlot{tue0900, wed1000}); err != nil {
		t.Fatal(err)
	}
	const n = 20
	want, err := b.s.FindQueue(b.ctx, b.ws.ID, b.clock.Now(), n)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		times []time.Time
		start = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			p, created, err := b.s.CreateQueuedPost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb, b.ig), nil, b.clock.Now())
			if err != nil || !created {
				t.Errorf("CreateQueuedPost: created %v, %v", created, err)
				return
			}
			for _, d := range p.Deliveries {
				if !d.ScheduledAt.Equal(p.ScheduledAt) {
					t.Errorf("delivery at %v, post at %v", d.ScheduledAt, p.ScheduledAt)
				}
			}
			mu.Lock()
			times = append(times, p.ScheduledAt)
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	slices.SortFunc(times, time.Time.Compare)
	if diff := cmp.Diff(want.Next, times); diff != "" {
		t.Errorf("slots taken (-want +got):\n%s", diff)
	}
}

func TestQueuedPostWithoutAFreeSlot(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, _, err := b.s.CreateQueuedPost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb), nil, b.clock.Now())
	if fe := fieldOf(err); serentak.ErrorCode(err) != serentak.ECodeValidation || fe.Field != "queue" || fe.Code != "no_slots" {
		t.Fatalf("no slots: %v, want validation_failed on queue", err)
	}
	if _, err := b.s.PutQueue(b.ctx, b.ws.ID, []serentak.QueueSlot{tue0900}); err != nil {
		t.Fatal(err)
	}
	// One slot a week: 53 Tuesdays within the year's horizon.
	for i := range 53 {
		if _, _, err := b.s.CreateQueuedPost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb), nil, b.clock.Now()); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	_, _, err = b.s.CreateQueuedPost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb), nil, b.clock.Now())
	if fe := fieldOf(err); serentak.ErrorCode(err) != serentak.ECodeValidation || fe.Field != "queue" || fe.Code != "full" {
		t.Fatalf("every slot taken: %v, want validation_failed on queue", err)
	}
}

func fieldOf(err error) serentak.FieldError {
	e, ok := err.(*serentak.Error)
	if !ok || len(e.Details) == 0 {
		return serentak.FieldError{}
	}
	return e.Details[0]
}

func series(b *bundle, n int) []serentak.Post {
	var ps []serentak.Post
	for k := range n {
		ps = append(ps, newPost(b.ws.ID, b.clock.Now().AddDate(0, 0, 7*k), b.fb, b.ig))
	}
	return ps
}

func TestPostSeriesIsOneTransactionAndReplaysWhole(t *testing.T) {
	t.Parallel()
	b := setup(t)
	idem := &serentak.IdempotencyKey{Key: "weekly", RequestHash: "h1"}
	ps := series(b, 3)
	got, created, err := b.s.CreatePostSeries(b.ctx, ps, idem)
	if err != nil || !created || len(got) != 3 {
		t.Fatalf("CreatePostSeries = %d posts, created %v, %v", len(got), created, err)
	}
	ids := []string{ps[0].ID, ps[1].ID, ps[2].ID}
	for i, p := range got {
		if p.ID != ids[i] || p.RepeatOf != ids[0] || !p.ScheduledAt.Equal(ps[i].ScheduledAt) || len(p.Deliveries) != 2 {
			t.Errorf("post %d: %s repeat_of %q at %v with %d deliveries", i, p.ID, p.RepeatOf, p.ScheduledAt, len(p.Deliveries))
		}
	}
	again, created, err := b.s.CreatePostSeries(b.ctx, series(b, 3), idem)
	if err != nil || created {
		t.Fatalf("replay: created %v, %v", created, err)
	}
	var againIDs []string
	for _, p := range again {
		againIDs = append(againIDs, p.ID)
	}
	if diff := cmp.Diff(ids, againIDs); diff != "" {
		t.Errorf("replay (-want +got):\n%s", diff)
	}
	if got, err := b.s.FindSeriesIDs(b.ctx, b.ws.ID, ids[0]); err != nil || !cmp.Equal(ids, got) {
		t.Errorf("FindSeriesIDs = %v, %v", got, err)
	}
	if got, err := b.s.FindSeriesIDs(b.ctx, b.other.ID, ids[0]); err != nil || len(got) != 0 {
		t.Errorf("another workspace's series: %v, %v", got, err)
	}

	// A series whose last post cannot be stored stores nothing.
	bad := series(b, 3)
	bad[2].Deliveries[0].AccountID = b.account(t, b.other.ID, serentak.Facebook, "other-page").ID
	if _, _, err := b.s.CreatePostSeries(b.ctx, bad, nil); serentak.ErrorCode(err) != serentak.ECodeNotFound {
		t.Fatalf("a series with another workspace's account: %v, want not_found", err)
	}
	if _, err := b.s.FindPostByID(b.ctx, b.ws.ID, bad[0].ID); serentak.ErrorCode(err) != serentak.ECodeNotFound {
		t.Errorf("the series' first post was stored: %v", err)
	}
}
