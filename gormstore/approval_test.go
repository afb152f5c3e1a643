package gormstore_test

import (
	"testing"
	"time"

	"github.com/serentak/serentak"
)

// held makes a post awaiting approval, due an hour ago.
func held(t *testing.T, b *bundle) serentak.Post {
	t.Helper()
	in := newPost(b.ws.ID, b.clock.Now().Add(-time.Hour), b.fb, b.ig)
	for i := range in.Deliveries {
		in.Deliveries[i].Status = serentak.DeliveryPendingApproval
	}
	p, _, err := b.s.CreatePost(b.ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != serentak.PostPendingApproval {
		t.Fatalf("status %q, want pending_approval", p.Status)
	}
	return p
}

// A post awaiting approval is never due, even past its time; approving
// it makes it due now.
func TestPendingPostIsNotDueUntilApproved(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := held(t, b)
	due, err := b.s.FindDueDeliveries(b.ctx, b.clock.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 0 {
		t.Fatalf("due while pending approval: %+v", due)
	}
	got, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{Approve: true, By: "key_x", At: b.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostScheduled || got.ApprovedBy != "key_x" || !got.ScheduledAt.Equal(b.clock.Now()) {
		t.Errorf("approved post: %s by %q at %v", got.Status, got.ApprovedBy, got.ScheduledAt)
	}
	due, err = b.s.FindDueDeliveries(b.ctx, b.clock.Now(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 {
		t.Errorf("due after approval: %d deliveries, want 2", len(due))
	}
	if _, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{Approve: true, At: b.clock.Now()}); serentak.ErrorCode(err) != serentak.ECodeConflict {
		t.Errorf("approving twice: %v, want conflict", err)
	}
}

func TestRejectPost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := held(t, b)
	got, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{By: "key_y", Comment: "harga salah", At: b.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostRejected || got.RejectionComment != "harga salah" || got.Deliveries[0].Status != serentak.DeliveryRejected {
		t.Errorf("rejected post: %s %q %s", got.Status, got.RejectionComment, got.Deliveries[0].Status)
	}
	if _, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{Approve: true, At: b.clock.Now()}); serentak.ErrorCode(err) != serentak.ECodeConflict {
		t.Errorf("approving a rejected post: %v, want conflict", err)
	}
	// An editor's new time sends it back for approval.
	got, err = b.s.ResubmitPost(b.ctx, b.ws.ID, p.ID, b.clock.Now().Add(time.Hour))
	if err != nil || got.Status != serentak.PostPendingApproval {
		t.Errorf("resubmitted: %v, %v", got.Status, err)
	}
}

// An approval link is used up by the decision, once; an expired one
// decides nothing.
func TestApprovalLinkIsSingleUse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := held(t, b)
	now := b.clock.Now()
	for _, l := range []serentak.ApprovalLink{
		{Hash: "h1", WorkspaceID: b.ws.ID, PostID: p.ID, ExpiresAt: now.Add(time.Hour)},
		{Hash: "old", WorkspaceID: b.ws.ID, PostID: p.ID, ExpiresAt: now.Add(-time.Second)},
	} {
		if err := b.s.CreateApprovalLink(b.ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{Approve: true, At: now, LinkHash: "old"}); serentak.ErrorCode(err) != serentak.ECodeNotFound {
		t.Fatalf("expired link: %v, want not_found", err)
	}
	if _, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{Approve: true, By: "link", At: now, LinkHash: "h1"}); err != nil {
		t.Fatal(err)
	}
	l, err := b.s.FindApprovalLink(b.ctx, "h1")
	if err != nil || l.UsedAt == nil {
		t.Fatalf("link after use: %+v, %v", l, err)
	}
	if _, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{At: now, LinkHash: "h1"}); serentak.ErrorCode(err) != serentak.ECodeNotFound {
		t.Errorf("second use: %v, want not_found", err)
	}
}

func TestUpdateAndListWorkspaces(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ws := b.ws
	ws.Name, ws.Language, ws.ApprovalRequired = "Toko Baru", "en", true
	got, err := b.s.UpdateWorkspace(b.ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Toko Baru" || got.Language != "en" || !got.ApprovalRequired {
		t.Errorf("updated: %+v", got)
	}
	page, next, err := b.s.FindWorkspaces(b.ctx, "", 1)
	if err != nil || len(page) != 1 || next == "" {
		t.Fatalf("first page: %v %q %v", page, next, err)
	}
	rest, next2, err := b.s.FindWorkspaces(b.ctx, next, 100)
	if err != nil || len(rest) == 0 || next2 != "" || rest[0].ID <= page[0].ID {
		t.Errorf("second page: %v %q %v", rest, next2, err)
	}
}
