package gormstore_test

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

func TestCreatePostRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	at := b.clock.Now().Add(time.Hour).Add(123456 * time.Microsecond)
	in := newPost(b.ws.ID, at.In(time.FixedZone("WIB", 7*3600)), b.ig, b.fb) // order kept, zone normalized
	in.Caption = "Renyah!"
	in.Deliveries[0].Content.Title = "judul"
	in.Deliveries[0].Content.Media = []serentak.MediaRef{{ID: "med_1", Kind: serentak.MediaVideo, ContentType: "video/mp4", Size: 99}}

	created, ok, err := b.s.CreatePost(b.ctx, in, nil)
	if err != nil || !ok {
		t.Fatalf("CreatePost = %v, %v", ok, err)
	}
	want := in
	want.ScheduledAt = at
	want.CreatedAt, want.UpdatedAt = b.clock.Now(), b.clock.Now()
	want.Deliveries = slices.Clone(in.Deliveries)
	for i := range want.Deliveries {
		d := &want.Deliveries[i]
		d.PostID, d.WorkspaceID = in.ID, in.WorkspaceID
		d.ScheduledAt = at
		d.CreatedAt, d.UpdatedAt = b.clock.Now(), b.clock.Now()
	}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("CreatePost returned (-want +got):\n%s", diff)
	}
	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FindPostByID (-want +got):\n%s", diff)
	}
}

func TestCreatePostWithoutProduct(t *testing.T) {
	t.Parallel()
	b := setup(t)
	in := newPost(b.ws.ID, b.clock.Now(), b.fb)
	in.Product, in.Hashtags, in.Media = nil, nil, nil
	in.Caption = "only a caption"
	if _, _, err := b.s.CreatePost(b.ctx, in, nil); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Product != nil || got.Hashtags != nil || got.Media != nil || got.Caption != "only a caption" {
		t.Errorf("post = %+v", got)
	}
}

func TestCreatePostDerivesStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	in := newPost(b.ws.ID, b.clock.Now(), b.fb)
	in.Status = serentak.PostPublished // wrong on purpose
	got, _, err := b.s.CreatePost(b.ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostScheduled {
		t.Errorf("Status = %q, want scheduled", got.Status)
	}
}

func TestCreatePostRefusesAnotherWorkspacesAccount(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stranger := b.account(t, b.other.ID, serentak.Facebook, "page-of-other")
	_, _, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb, stranger), nil)
	wantCode(t, err, serentak.ECodeNotFound)
	posts, _, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{})
	if err != nil || len(posts) != 0 {
		t.Fatalf("after a refused create: %d posts, %v; want none", len(posts), err)
	}
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	idem := &serentak.IdempotencyKey{Key: "abc", RequestHash: "hash-1"}
	first, created, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb), idem)
	if err != nil || !created {
		t.Fatalf("first CreatePost = %v, %v", created, err)
	}

	t.Run("same body returns the first post", func(t *testing.T) {
		b.clock.Advance(23 * time.Hour)
		got, created, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb, b.ig), idem)
		if err != nil || created {
			t.Fatalf("replay = created %v, %v; want the first post", created, err)
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("replay (-want +got):\n%s", diff)
		}
	})
	t.Run("different body is a conflict", func(t *testing.T) {
		_, _, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb), &serentak.IdempotencyKey{Key: "abc", RequestHash: "hash-2"})
		wantCode(t, err, serentak.ECodeConflict)
	})
	t.Run("the key is per workspace", func(t *testing.T) {
		acc := b.account(t, b.other.ID, serentak.Facebook, "other-page")
		_, created, err := b.s.CreatePost(b.ctx, newPost(b.other.ID, b.clock.Now(), acc), idem)
		if err != nil || !created {
			t.Fatalf("same key in another workspace = created %v, %v", created, err)
		}
	})
	t.Run("after 24 hours the key is new", func(t *testing.T) {
		b.clock.Advance(time.Hour)
		got, created, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb), &serentak.IdempotencyKey{Key: "abc", RequestHash: "hash-2"})
		if err != nil || !created || got.ID == first.ID {
			t.Fatalf("after expiry = %s created %v, %v; want a new post", got.ID, created, err)
		}
		again, created, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb), &serentak.IdempotencyKey{Key: "abc", RequestHash: "hash-2"})
		if err != nil || created || again.ID != got.ID {
			t.Fatalf("replay of the new use = %s created %v, %v; want %s", again.ID, created, err, got.ID)
		}
	})
}

func TestIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 10
	idem := &serentak.IdempotencyKey{Key: "race", RequestHash: "h"}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ids     = map[string]bool{}
		created int
		errs    []error
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, c, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, b.clock.Now(), b.fb, b.ig), idem)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			ids[p.ID] = true
			if c {
				created++
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent CreatePost errors: %v", errs)
	}
	if len(ids) != 1 || created != 1 {
		t.Errorf("%d concurrent creates with one key: %d posts returned, %d created; want 1 and 1", n, len(ids), created)
	}
	posts, _, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{})
	if err != nil || len(posts) != 1 {
		t.Errorf("stored posts = %d, %v; want 1", len(posts), err)
	}
}

func TestFindPostsPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	base := b.clock.Now().Add(time.Hour)
	for i := range 12 {
		at := base
		if i >= 7 { // 7 posts share one time, the others spread around it
			at = base.Add(time.Duration(i-9) * time.Minute)
		}
		b.post(t, at, b.fb, b.ig)
	}
	all, _, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 12 {
		t.Fatalf("one page of 100: %d posts, want 12", len(all))
	}
	want := slices.Clone(all)
	sort.SliceStable(want, func(i, j int) bool {
		if !want[i].ScheduledAt.Equal(want[j].ScheduledAt) {
			return want[i].ScheduledAt.After(want[j].ScheduledAt)
		}
		return want[i].ID > want[j].ID
	})
	if diff := cmp.Diff(want, all); diff != "" {
		t.Fatalf("order (-want +got):\n%s", diff)
	}

	for _, limit := range []int{1, 3, 5, 12} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			var got []serentak.Post
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("paging does not end")
				}
				page, next, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{Limit: limit, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > limit {
					t.Fatalf("page of %d, limit %d", len(page), limit)
				}
				got = append(got, page...)
				if next == "" {
					break
				}
				cursor = next
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages joined (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindPostsLimits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := newPost(b.ws.ID, b.clock.Now(), b.fb)
	for i := range 105 {
		p.Deliveries = nil
		p.ID = fmt.Sprintf("post_%03d", i)
		if _, _, err := b.s.CreatePost(b.ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct{ limit, want int }{{0, gormstore.DefaultPostLimit}, {-1, gormstore.DefaultPostLimit}, {100, 100}, {1000, gormstore.MaxPostLimit}} {
		page, next, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{Limit: tt.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != tt.want || next == "" {
			t.Errorf("limit %d: %d posts, next %q; want %d and a cursor", tt.limit, len(page), next, tt.want)
		}
	}
}

func TestFindPostsRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, f := range []serentak.PostFilter{
		{Cursor: "not base64!"},
		{Cursor: "bm8tc2VwYXJhdG9y"}, // "no-separator"
		{Cursor: "eHx5"},             // "x|y"
		{Status: "sent"},
	} {
		_, _, err := b.s.FindPosts(b.ctx, b.ws.ID, f)
		wantCode(t, err, serentak.ECodeValidation)
	}
}

func TestFindPostsStatusFilter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	at := b.clock.Now().Add(time.Hour)
	scheduled := b.post(t, at, b.fb)
	canceled := b.post(t, at.Add(time.Minute), b.fb)
	publishing := b.post(t, at.Add(2*time.Minute), b.fb, b.ig)
	if _, err := b.s.CancelPost(b.ctx, b.ws.ID, canceled.ID); err != nil {
		t.Fatal(err)
	}
	claim(t, b, publishing.Deliveries[0])

	for _, tt := range []struct {
		status serentak.PostStatus
		want   []string
	}{
		{serentak.PostScheduled, []string{scheduled.ID}},
		{serentak.PostCanceled, []string{canceled.ID}},
		{serentak.PostPublishing, []string{publishing.ID}},
		{serentak.PostPublished, nil},
		{"", []string{publishing.ID, canceled.ID, scheduled.ID}},
	} {
		posts, next, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{Status: tt.status})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range posts {
			got = append(got, p.ID)
			if tt.status != "" && p.Status != tt.status {
				t.Errorf("status %q: post %s has status %q", tt.status, p.ID, p.Status)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" || next != "" {
			t.Errorf("status %q (-want +got):\n%s next %q", tt.status, diff, next)
		}
	}
}

func TestCancelPost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb, b.ig)
	c := claim(t, b, p.Deliveries[0])

	got, err := b.s.CancelPost(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s := deliveryStatuses(got); !slices.Equal(s, []serentak.DeliveryStatus{serentak.DeliveryPublishing, serentak.DeliveryCanceled}) {
		t.Errorf("after cancel: deliveries %v, want the started one left publishing", s)
	}
	if got.Status != serentak.PostPublishing {
		t.Errorf("post status = %q, want publishing", got.Status)
	}
	if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: "1_2"}); err != nil {
		t.Fatal(err)
	}
	got, err = b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostPublished {
		t.Errorf("post status after the started delivery published = %q, want published", got.Status)
	}

	all := b.post(t, b.clock.Now(), b.fb, b.ig)
	got, err = b.s.CancelPost(b.ctx, b.ws.ID, all.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostCanceled {
		t.Errorf("post with nothing started, canceled: status %q", got.Status)
	}
	// Canceling again changes nothing and is not an error.
	if again, err := b.s.CancelPost(b.ctx, b.ws.ID, all.ID); err != nil || again.Status != serentak.PostCanceled {
		t.Errorf("second cancel = %q, %v", again.Status, err)
	}
}

func TestReschedulePost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb, b.ig)
	if err := b.s.MarkEnqueued(b.ctx, dueOf(p), b.clock.Now()); err != nil {
		t.Fatal(err)
	}
	claim(t, b, p.Deliveries[0])

	at := b.clock.Now().Add(48 * time.Hour)
	got, err := b.s.ReschedulePost(b.ctx, b.ws.ID, p.ID, at.In(time.FixedZone("WIB", 7*3600)))
	if err != nil {
		t.Fatal(err)
	}
	if !got.ScheduledAt.Equal(at) {
		t.Errorf("post scheduled_at = %v, want %v", got.ScheduledAt, at)
	}
	started, moved := got.Deliveries[0], got.Deliveries[1]
	if started.Version != 1 || !started.ScheduledAt.Equal(p.ScheduledAt) || started.Status != serentak.DeliveryPublishing {
		t.Errorf("started delivery changed: %+v", started)
	}
	if moved.Version != 2 || !moved.ScheduledAt.Equal(at) || moved.Status != serentak.DeliveryScheduled {
		t.Errorf("rescheduled delivery: version %d at %v status %q; want 2, %v, scheduled", moved.Version, moved.ScheduledAt, moved.Status, at)
	}
	// enqueued_at was cleared: the new version is due at its new time.
	due, err := b.s.FindDueDeliveries(b.ctx, at, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]serentak.DueDelivery{{ID: moved.ID, Platform: moved.Platform, Version: 2, ScheduledAt: at, PostID: p.ID, WorkspaceID: p.WorkspaceID}}, due); diff != "" {
		t.Errorf("due after reschedule (-want +got):\n%s", diff)
	}

	if _, err := b.s.CancelPost(b.ctx, b.ws.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	_, err = b.s.ReschedulePost(b.ctx, b.ws.ID, p.ID, at.Add(time.Hour))
	wantCode(t, err, serentak.ECodeConflict)
	after, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ScheduledAt.Equal(at) {
		t.Errorf("a refused reschedule moved the post to %v", after.ScheduledAt)
	}
}

func TestPostsAreScopedByWorkspace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb)

	_, err := b.s.FindPostByID(b.ctx, b.other.ID, p.ID)
	wantCode(t, err, serentak.ECodeNotFound)
	_, err = b.s.CancelPost(b.ctx, b.other.ID, p.ID)
	wantCode(t, err, serentak.ECodeNotFound)
	_, err = b.s.ReschedulePost(b.ctx, b.other.ID, p.ID, b.clock.Now().Add(time.Hour))
	wantCode(t, err, serentak.ECodeNotFound)
	_, err = b.s.FindPostByID(b.ctx, b.ws.ID, "post_missing")
	wantCode(t, err, serentak.ECodeNotFound)
	posts, next, err := b.s.FindPosts(b.ctx, b.other.ID, serentak.PostFilter{})
	if err != nil || len(posts) != 0 || next != "" {
		t.Errorf("FindPosts(other workspace) = %d posts, %q, %v; want none", len(posts), next, err)
	}

	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("post changed through another workspace (-want +got):\n%s", diff)
	}
}

func deliveryStatuses(p serentak.Post) []serentak.DeliveryStatus {
	var out []serentak.DeliveryStatus
	for _, d := range p.Deliveries {
		out = append(out, d.Status)
	}
	return out
}

func dueOf(p serentak.Post) []serentak.DueDelivery {
	var out []serentak.DueDelivery
	for _, d := range p.Deliveries {
		out = append(out, serentak.DueDelivery{ID: d.ID, Platform: d.Platform, Version: d.Version, ScheduledAt: d.ScheduledAt,
			PostID: p.ID, WorkspaceID: p.WorkspaceID, TraceParent: d.TraceParent})
	}
	return out
}

// claim claims d for five minutes and fails the test if it cannot.
func claim(t *testing.T, b *bundle, d serentak.Delivery) serentak.Claim {
	t.Helper()
	c, ok, err := b.s.ClaimDelivery(b.ctx, d.ID, d.Version, b.clock.Now().Add(5*time.Minute))
	if err != nil || !ok {
		t.Fatalf("ClaimDelivery(%s) = %v, %v; want a claim", d.ID, ok, err)
	}
	return c
}
