package gormstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := b.clock.Now()
	// fbOnly goes entirely; mixed keeps its Instagram delivery; running is
	// being published on Facebook when the account goes; done was
	// published before.
	fbOnly := b.post(t, now.Add(time.Hour), b.fb)
	mixed := b.post(t, now.Add(time.Hour), b.fb, b.ig)
	running := b.post(t, now.Add(time.Minute), b.fb)
	done := b.post(t, now.Add(30*time.Second), b.fb)
	b.clock.Set(now.Add(time.Minute))
	c := claim(t, b, done.Deliveries[0])
	if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: "1"}); err != nil {
		t.Fatal(err)
	}
	inFlight := claim(t, b, running.Deliveries[0])

	gone, err := b.s.DeleteAccount(b.ctx, b.ws.ID, b.fb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gone.ID != b.fb.ID || gone.Token.AccessToken == "" {
		t.Errorf("DeleteAccount answered %+v; want the account with its token, to revoke", gone)
	}

	if _, err := b.s.FindAccountByID(b.ctx, b.ws.ID, b.fb.ID); !isNotFound(err) {
		t.Errorf("the removed account = %v; want not_found", err)
	}
	accs, err := b.s.FindAccounts(b.ctx, b.ws.ID)
	if err != nil || len(accs) != 1 || accs[0].ID != b.ig.ID {
		t.Errorf("FindAccounts = %v, %v; want only the Instagram account", accs, err)
	}
	if _, err := b.s.DeleteAccount(b.ctx, b.ws.ID, b.fb.ID); !isNotFound(err) {
		t.Errorf("removing it again = %v; want not_found", err)
	}
	if _, err := b.s.DeleteAccount(b.ctx, b.other.ID, b.ig.ID); !isNotFound(err) {
		t.Errorf("removing another workspace's account = %v; want not_found", err)
	}
	// The tokens are erased in the database itself.
	var sealed struct{ AccessToken, RefreshToken string }
	if err := gormstore.DB(b.s).Raw("SELECT access_token, refresh_token FROM accounts WHERE id = ?", b.fb.ID).Scan(&sealed).Error; err != nil {
		t.Fatal(err)
	}
	if sealed.AccessToken != "" || sealed.RefreshToken != "" {
		t.Errorf("the removed account's row still holds tokens: %+v", sealed)
	}

	load := func(id string) serentak.Post {
		t.Helper()
		p, err := b.s.FindPostByID(b.ctx, b.ws.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	removed := serentak.DeliveryError{Code: gormstore.AccountRemovedCode}
	if p := load(fbOnly.ID); p.Status != serentak.PostCanceled || p.Deliveries[0].Status != serentak.DeliveryCanceled ||
		p.Deliveries[0].Error == nil || p.Deliveries[0].Error.Code != removed.Code {
		t.Errorf("a post only for the account: %s, delivery %+v; want canceled with account_removed", p.Status, p.Deliveries[0])
	}
	if p := load(mixed.ID); p.Status != serentak.PostScheduled || p.Deliveries[0].Status != serentak.DeliveryCanceled || p.Deliveries[1].Status != serentak.DeliveryScheduled {
		t.Errorf("a post for both accounts: %s, deliveries %s, %s; want scheduled, canceled, scheduled", p.Status, p.Deliveries[0].Status, p.Deliveries[1].Status)
	}
	if p := load(done.ID); p.Status != serentak.PostPublished || p.Deliveries[0].Error != nil {
		t.Errorf("a published post: %s, %+v; want it left as it was", p.Status, p.Deliveries[0])
	}
	// The delivery being published finishes with the claim it holds.
	if p := load(running.ID); p.Deliveries[0].Status != serentak.DeliveryPublishing {
		t.Errorf("the delivery being published: %s; want still publishing", p.Deliveries[0].Status)
	}
	if err := b.s.CompleteDelivery(b.ctx, inFlight, serentak.Result{ExternalID: "2"}); err != nil {
		t.Fatalf("completing the delivery in flight: %v", err)
	}
	if p := load(running.ID); p.Status != serentak.PostPublished {
		t.Errorf("after the delivery in flight finished: %s; want published", p.Status)
	}

	// A removed account is no target for a new post.
	if _, _, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, now.Add(2*time.Hour), b.fb), nil); err == nil {
		t.Error("a post to the removed account was stored")
	}
	// Connecting the same Page again makes a new account.
	again := b.account(t, b.ws.ID, serentak.Facebook, "page-1")
	if again.ID == b.fb.ID || again.Status != serentak.AccountActive {
		t.Errorf("the Page connected again: %+v; want a new active account", again)
	}
	// And the workspace, removed account included, can still be deleted.
	if err := b.s.CancelWorkspaceDeliveries(b.ctx, b.ws.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.DeleteWorkspace(b.ctx, b.ws.ID); err != nil {
		t.Fatalf("deleting a workspace with a removed account: %v", err)
	}
}

func isNotFound(err error) bool {
	var e *serentak.Error
	return errors.As(err, &e) && e.Code == serentak.ECodeNotFound
}

func TestFindMediaPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var want []string
	for range 5 {
		m := serentak.Media{ID: serentak.NewIDAfter(serentak.PrefixMedia, lastOf(want)), WorkspaceID: b.ws.ID, ContentType: "image/jpeg",
			Size: 10, Kind: serentak.MediaImage, StorageKey: "k"}
		if err := b.s.CreateMedia(b.ctx, m); err != nil {
			t.Fatal(err)
		}
		want = append(want, m.ID)
	}
	other := serentak.Media{ID: serentak.NewID(serentak.PrefixMedia), WorkspaceID: b.other.ID, ContentType: "image/jpeg", Size: 1, Kind: serentak.MediaImage, StorageKey: "o"}
	if err := b.s.CreateMedia(b.ctx, other); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for range 10 {
		page, next, err := b.s.FindMedia(b.ctx, b.ws.ID, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			got = append(got, m.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
		want[i], want[j] = want[j], want[i] // newest first
	}
	if len(got) != len(want) {
		t.Fatalf("pages gave %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pages gave %v; want %v", got, want)
		}
	}
}

func lastOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}
