package gormstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/secretbox"
)

func TestUpsertAccount(t *testing.T) {
	t.Parallel()
	b := setup(t)
	expires := time.Date(2027, 1, 1, 0, 0, 0, 123456000, time.UTC)
	in := serentak.Account{
		ID: "acc_new", WorkspaceID: b.ws.ID, Platform: serentak.YouTube, ExternalID: "UC123", Name: "Channel",
		Token: serentak.Token{AccessToken: "ya29.first", RefreshToken: "1//refresh-first", ExpiresAt: expires},
	}
	got, created, err := b.s.UpsertAccount(b.ctx, in)
	if err != nil || !created {
		t.Fatalf("UpsertAccount = created %v, %v; want created", created, err)
	}
	want := in
	want.Status = serentak.AccountActive
	want.CreatedAt, want.UpdatedAt = b.clock.Now(), b.clock.Now()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created account (-want +got):\n%s", diff)
	}
	found, err := b.s.FindAccountByID(b.ctx, b.ws.ID, "acc_new")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("FindAccountByID (-want +got):\n%s", diff)
	}

	t.Run("update keeps the ID and an unsent refresh token", func(t *testing.T) {
		if err := b.s.MarkAccountNeedsReauth(b.ctx, b.ws.ID, "acc_new", "token revoked"); err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(time.Hour)
		again := in
		again.ID = "acc_ignored"
		again.Name = "Channel renamed"
		again.Token = serentak.Token{AccessToken: "ya29.second"}
		got, created, err := b.s.UpsertAccount(b.ctx, again)
		if err != nil || created {
			t.Fatalf("UpsertAccount = created %v, %v; want an update", created, err)
		}
		want := want
		want.Name = "Channel renamed"
		want.Token = serentak.Token{AccessToken: "ya29.second", RefreshToken: "1//refresh-first"}
		want.UpdatedAt = b.clock.Now()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("updated account (-want +got):\n%s", diff)
		}
		found, err := b.s.FindAccountByID(b.ctx, b.ws.ID, "acc_new")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, found); diff != "" {
			t.Errorf("stored account (-want +got):\n%s", diff)
		}
		if _, err := b.s.FindAccountByID(b.ctx, b.ws.ID, "acc_ignored"); serentak.ErrorCode(err) != serentak.ECodeNotFound {
			t.Errorf("an update created acc_ignored: %v", err)
		}
	})

	t.Run("a new refresh token replaces the old", func(t *testing.T) {
		again := in
		again.Token = serentak.Token{AccessToken: "ya29.third", RefreshToken: "1//refresh-second"}
		got, _, err := b.s.UpsertAccount(b.ctx, again)
		if err != nil {
			t.Fatal(err)
		}
		if got.Token.RefreshToken != "1//refresh-second" || got.Token.AccessToken != "ya29.third" {
			t.Errorf("tokens not replaced")
		}
	})

	t.Run("same external ID in another workspace is another account", func(t *testing.T) {
		other := in
		other.ID, other.WorkspaceID = "acc_other_ws", b.other.ID
		_, created, err := b.s.UpsertAccount(b.ctx, other)
		if err != nil || !created {
			t.Fatalf("UpsertAccount in other workspace = created %v, %v", created, err)
		}
	})
}

func TestUpsertAccountConcurrent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 8
	type result struct {
		a       serentak.Account
		created bool
		err     error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			a, created, err := b.s.UpsertAccount(b.ctx, serentak.Account{
				ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: b.ws.ID, Platform: serentak.TikTok,
				ExternalID: "open-id", Name: "tt", Token: serentak.Token{AccessToken: "a" + string(rune('0'+i))},
			})
			results <- result{a, created, err}
		}()
	}
	ids, createdCount := map[string]bool{}, 0
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatalf("UpsertAccount: %v", r.err)
		}
		ids[r.a.ID] = true
		if r.created {
			createdCount++
		}
	}
	if len(ids) != 1 || createdCount != 1 {
		t.Errorf("%d concurrent upserts: %d IDs, %d created; want 1 and 1", n, len(ids), createdCount)
	}
}

func TestTokensAreSealedAtRest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var raw []struct{ AccessToken, RefreshToken string }
	if err := gormstore.DB(b.s).Raw("SELECT access_token, refresh_token FROM accounts WHERE id IN ?", []string{b.fb.ID, b.ig.ID}).Scan(&raw).Error; err != nil {
		t.Fatal(err)
	}
	if len(raw) != 2 {
		t.Fatalf("read %d rows, want 2", len(raw))
	}
	for _, r := range raw {
		for _, col := range []string{r.AccessToken, r.RefreshToken} {
			if !strings.HasPrefix(col, "v1:") || strings.Contains(col, "access-") || strings.Contains(col, "refresh-") {
				t.Errorf("stored token %q is not sealed", col)
			}
		}
	}
	// A row's sealed token copied into another row does not open there.
	if err := gormstore.DB(b.s).Exec("UPDATE accounts SET access_token = (SELECT access_token FROM accounts WHERE id = ?) WHERE id = ?", b.fb.ID, b.ig.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.FindAccountByID(b.ctx, b.ws.ID, b.ig.ID); !errors.Is(err, secretbox.ErrCorrupt) {
		t.Errorf("token moved to another row: FindAccountByID error = %v, want secretbox.ErrCorrupt", err)
	}
}

func TestTokensNeedTheKey(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t)
	ctx := context.Background()
	s := storetest.Open(t, gormstore.Config{URL: url})
	ws := serentak.Workspace{ID: "ws_k", Name: "k"}
	if err := s.CreateWorkspace(ctx, ws, serentak.APIKey{ID: "key_k", Hash: "k"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpsertAccount(ctx, serentak.Account{ID: "acc_k", WorkspaceID: ws.ID, Platform: serentak.Facebook, ExternalID: "p", Token: serentak.Token{AccessToken: "secret"}}); err != nil {
		t.Fatal(err)
	}
	other := storetest.Open(t, gormstore.Config{URL: url, SecretKey: secretbox.KeyFromString("another key")})
	if _, err := other.FindAccountByID(ctx, ws.ID, "acc_k"); !errors.Is(err, secretbox.ErrCorrupt) {
		t.Errorf("FindAccountByID with the wrong key: %v, want secretbox.ErrCorrupt", err)
	}
}

func TestUpdateAccountToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	exp := b.clock.Now().Add(time.Hour)
	if err := b.s.UpdateAccountToken(b.ctx, b.ws.ID, b.fb.ID, serentak.Token{AccessToken: "new-access", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindAccountByID(b.ctx, b.ws.ID, b.fb.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := serentak.Token{AccessToken: "new-access", RefreshToken: "refresh-page-1", ExpiresAt: exp}
	if diff := cmp.Diff(want, got.Token); diff != "" {
		t.Errorf("token after refresh without a refresh token (-want +got):\n%s", diff)
	}

	if err := b.s.UpdateAccountToken(b.ctx, b.ws.ID, b.fb.ID, serentak.Token{AccessToken: "newer", RefreshToken: "new-refresh"}); err != nil {
		t.Fatal(err)
	}
	got, err = b.s.FindAccountByID(b.ctx, b.ws.ID, b.fb.ID)
	if err != nil {
		t.Fatal(err)
	}
	want = serentak.Token{AccessToken: "newer", RefreshToken: "new-refresh"}
	if diff := cmp.Diff(want, got.Token); diff != "" {
		t.Errorf("token after refresh (-want +got):\n%s", diff)
	}
}

func TestMarkAccountNeedsReauth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if err := b.s.MarkAccountNeedsReauth(b.ctx, b.ws.ID, b.fb.ID, "Facebook said: session expired"); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindAccountByID(b.ctx, b.ws.ID, b.fb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.AccountNeedsReauth || got.StatusReason != "Facebook said: session expired" {
		t.Errorf("status = %q (%q), want needs_reauth with the reason", got.Status, got.StatusReason)
	}
	// Connecting again makes it active.
	got, _, err = b.s.UpsertAccount(b.ctx, serentak.Account{WorkspaceID: b.ws.ID, Platform: serentak.Facebook, ExternalID: "page-1", Token: serentak.Token{AccessToken: "fresh"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.AccountActive || got.StatusReason != "" || got.Name != b.fb.Name {
		t.Errorf("after reconnecting: %+v", got)
	}
}

func TestFindAccounts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got, err := b.s.FindAccounts(b.ctx, b.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Both were made at the same (fake) time: then by ID.
	want := []serentak.Account{b.fb, b.ig}
	if want[0].ID > want[1].ID {
		want[0], want[1] = want[1], want[0]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FindAccounts (-want +got):\n%s", diff)
	}
	got, err = b.s.FindAccounts(b.ctx, b.other.ID)
	if err != nil || len(got) != 0 {
		t.Errorf("FindAccounts(other workspace) = %d accounts, %v; want none", len(got), err)
	}
}

func TestAccountsAreScopedByWorkspace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.s.FindAccountByID(b.ctx, b.other.ID, b.fb.ID)
	wantCode(t, err, serentak.ECodeNotFound)
	err = b.s.UpdateAccountToken(b.ctx, b.other.ID, b.fb.ID, serentak.Token{AccessToken: "x"})
	wantCode(t, err, serentak.ECodeNotFound)
	err = b.s.MarkAccountNeedsReauth(b.ctx, b.other.ID, b.fb.ID, "x")
	wantCode(t, err, serentak.ECodeNotFound)

	got, err := b.s.FindAccountByID(b.ctx, b.ws.ID, b.fb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b.fb, got); diff != "" {
		t.Errorf("account changed through another workspace (-want +got):\n%s", diff)
	}
}

func TestUpsertAccountTakenID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, _, err := b.s.UpsertAccount(b.ctx, serentak.Account{ID: b.fb.ID, WorkspaceID: b.other.ID, Platform: serentak.Facebook, ExternalID: "x", Token: serentak.Token{AccessToken: "a"}})
	wantCode(t, err, serentak.ECodeConflict)
}
