package gormstore_test

import (
	"testing"
	"time"

	"github.com/serentak/serentak"
)

func TestCancelThenDeleteWorkspace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, _, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, b.clock.Now().Add(time.Hour), b.fb, b.ig), nil)
	if err != nil {
		t.Fatal(err)
	}
	otherAcc := b.account(t, b.other.ID, serentak.Facebook, "page-other")
	op, _, err := b.s.CreatePost(b.ctx, newPost(b.other.ID, b.clock.Now().Add(time.Hour), otherAcc), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := serentak.Media{ID: serentak.NewID(serentak.PrefixMedia), WorkspaceID: b.ws.ID, ContentType: "image/jpeg",
		Size: 10, Kind: serentak.MediaImage, StorageKey: "blob-of-ws", CreatedAt: b.clock.Now()}
	if err := b.s.CreateMedia(b.ctx, m); err != nil {
		t.Fatal(err)
	}

	// Canceling: nothing of the workspace is left to publish; the other
	// workspace's post is untouched.
	if err := b.s.CancelWorkspaceDeliveries(b.ctx, b.ws.ID); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range got.Deliveries {
		if d.Status != serentak.DeliveryCanceled {
			t.Errorf("delivery %s is %s, want canceled", d.ID, d.Status)
		}
	}
	if o, _ := b.s.FindPostByID(b.ctx, b.other.ID, op.ID); o.Deliveries[0].Status != serentak.DeliveryScheduled {
		t.Errorf("the other workspace's delivery is %s", o.Deliveries[0].Status)
	}

	page, next, err := b.s.FindMediaPage(b.ctx, b.ws.ID, "", 10)
	if err != nil || len(page) != 1 || next != "" {
		t.Fatalf("FindMediaPage = %v, %q, %v", page, next, err)
	}

	keys, err := b.s.DeleteWorkspace(b.ctx, b.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "blob-of-ws" {
		t.Errorf("storage keys %v, want the media's", keys)
	}
	_, err = b.s.FindWorkspaceByID(b.ctx, b.ws.ID)
	wantCode(t, err, serentak.ECodeNotFound)
	if as, _ := b.s.FindAccounts(b.ctx, b.ws.ID); len(as) != 0 {
		t.Errorf("accounts left: %v", as)
	}
	if _, err := b.s.FindPostByID(b.ctx, b.other.ID, op.ID); err != nil {
		t.Errorf("the other workspace's post: %v", err)
	}
	_, err = b.s.DeleteWorkspace(b.ctx, b.ws.ID)
	wantCode(t, err, serentak.ECodeNotFound)
}
