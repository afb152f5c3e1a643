package gormstore_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

func TestOAuthStateIsSingleUse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	st := serentak.OAuthState{State: "state-abc", WorkspaceID: b.ws.ID, Platform: serentak.YouTube,
		Verifier: "verifier-xyz", ExpiresAt: b.clock.Now().Add(10 * time.Minute)}
	if err := b.s.CreateOAuthState(b.ctx, st); err != nil {
		t.Fatal(err)
	}
	var raw struct{ Verifier string }
	gormstore.DB(b.s).Table("oauth_states").Select("verifier").Take(&raw)
	if raw.Verifier == "verifier-xyz" || raw.Verifier == "" {
		t.Errorf("the PKCE verifier is stored in the clear")
	}
	var n int64
	gormstore.DB(b.s).Table("oauth_states").Where("hash = ?", "state-abc").Count(&n)
	if n != 0 {
		t.Errorf("the state is stored in the clear")
	}

	if _, err := b.s.ConsumeOAuthState(b.ctx, serentak.TikTok, "state-abc"); !errors.Is(err, serentak.ErrStateUnknown) {
		t.Errorf("another platform's consume = %v, want ErrStateUnknown", err)
	}
	// Ten callbacks at once: one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := b.s.ConsumeOAuthState(b.ctx, serentak.YouTube, "state-abc")
			switch {
			case err == nil:
				wins.Add(1)
				if got.WorkspaceID != b.ws.ID || got.Verifier != "verifier-xyz" {
					t.Errorf("consumed %+v", got)
				}
			case !errors.Is(err, serentak.ErrStateUsed):
				t.Errorf("losing consume = %v, want ErrStateUsed", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d consumers won, want 1", wins.Load())
	}
	if _, err := b.s.ConsumeOAuthState(b.ctx, serentak.YouTube, "forged"); !errors.Is(err, serentak.ErrStateUnknown) {
		t.Errorf("forged = %v, want ErrStateUnknown", err)
	}

	st.State = "state-old"
	if err := b.s.CreateOAuthState(b.ctx, st); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(11 * time.Minute)
	if _, err := b.s.ConsumeOAuthState(b.ctx, serentak.YouTube, "state-old"); !errors.Is(err, serentak.ErrStateExpired) {
		t.Errorf("expired = %v, want ErrStateExpired", err)
	}
	// Creating a state sweeps the expired ones.
	st.State, st.ExpiresAt = "state-new", b.clock.Now().Add(time.Minute)
	if err := b.s.CreateOAuthState(b.ctx, st); err != nil {
		t.Fatal(err)
	}
	gormstore.DB(b.s).Table("oauth_states").Count(&n)
	if n != 1 {
		t.Errorf("%d states kept after the sweep, want 1", n)
	}
}

func TestReconnectLinkIsSingleUse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	l := serentak.ReconnectLink{Hash: serentak.HashSecret("tok"), WorkspaceID: b.ws.ID, AccountID: b.fb.ID,
		Platform: serentak.Facebook, ExpiresAt: b.clock.Now().Add(time.Hour)}
	if err := b.s.CreateReconnectLink(b.ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.FindReconnectLink(b.ctx, serentak.Instagram, l.Hash); !errors.Is(err, serentak.ErrLinkInvalid) {
		t.Errorf("found as another platform's: %v", err)
	}
	got, err := b.s.FindReconnectLink(b.ctx, serentak.Facebook, l.Hash)
	if err != nil || got.AccountID != b.fb.ID {
		t.Fatalf("FindReconnectLink = %+v, %v", got, err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.s.UseReconnectLink(b.ctx, l.Hash); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, serentak.ErrLinkInvalid) {
				t.Errorf("UseReconnectLink = %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d uses won, want 1", wins.Load())
	}
	if _, err := b.s.FindReconnectLink(b.ctx, serentak.Facebook, l.Hash); !errors.Is(err, serentak.ErrLinkInvalid) {
		t.Errorf("used link still found: %v", err)
	}

	l.Hash = serentak.HashSecret("tok2")
	if err := b.s.CreateReconnectLink(b.ctx, l); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(time.Hour)
	if err := b.s.UseReconnectLink(b.ctx, l.Hash); !errors.Is(err, serentak.ErrLinkInvalid) {
		t.Errorf("expired link used: %v", err)
	}
	l.Hash, l.AccountID = serentak.HashSecret("tok3"), "acc_missing"
	if err := b.s.CreateReconnectLink(b.ctx, l); serentak.ErrorCode(err) != serentak.ECodeNotFound {
		t.Errorf("link for a missing account = %v, want not_found", err)
	}
}

func TestTokenRefreshLease(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := b.s.ClaimTokenRefresh(b.ctx, b.fb.ID, b.clock.Now().Add(time.Minute))
			if err != nil {
				t.Errorf("ClaimTokenRefresh = %v", err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d claims won, want 1", wins.Load())
	}
	b.clock.Advance(time.Minute) // the holder died: the lease runs out
	if ok, err := b.s.ClaimTokenRefresh(b.ctx, b.fb.ID, b.clock.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("claim after the lease ran out = %v, %v", ok, err)
	}
	if err := b.s.ReleaseTokenRefresh(b.ctx, b.fb.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.s.ClaimTokenRefresh(b.ctx, b.fb.ID, b.clock.Now().Add(time.Minute)); !ok {
		t.Errorf("claim after release refused")
	}
}

func TestAccountsToRefreshAndCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := b.clock.Now()
	yt, _, err := b.s.UpsertAccount(b.ctx, serentak.Account{ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: b.ws.ID,
		Platform: serentak.YouTube, ExternalID: "UC1", Token: serentak.Token{AccessToken: "a", RefreshToken: "r", ExpiresAt: now.Add(5 * time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindAccountsToRefresh(b.ctx, serentak.YouTube, now.Add(10*time.Minute), 10)
	if err != nil || len(got) != 1 || got[0].ID != yt.ID || got[0].Token.RefreshToken != "r" {
		t.Fatalf("FindAccountsToRefresh = %v, %v", got, err)
	}
	if got, _ := b.s.FindAccountsToRefresh(b.ctx, serentak.YouTube, now.Add(time.Minute), 10); len(got) != 0 {
		t.Errorf("a token expiring later was returned")
	}

	b.post(t, now.Add(3*time.Hour), b.fb)
	b.post(t, now.Add(30*time.Hour), yt)
	got, err = b.s.FindAccountsToCheck(b.ctx, now.Add(6*time.Hour), now.Add(-time.Hour), 10)
	if err != nil || len(got) != 1 || got[0].ID != b.fb.ID {
		t.Fatalf("FindAccountsToCheck = %v, %v; want the Facebook account only", got, err)
	}
	if err := b.s.RecordAccountCheck(b.ctx, b.fb.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.s.FindAccountsToCheck(b.ctx, now.Add(6*time.Hour), now.Add(-time.Hour), 10); len(got) != 0 {
		t.Errorf("an account checked just now is due again")
	}

	// Flags and their clearing touch only scheduled deliveries of the account.
	flag := serentak.DeliveryError{Code: "needs_reauth", Message: "reconnect", Retryable: true}
	if n, err := b.s.FlagScheduledDeliveries(b.ctx, b.ws.ID, b.fb.ID, time.Time{}, flag); err != nil || n != 1 {
		t.Fatalf("FlagScheduledDeliveries = %d, %v; want 1", n, err)
	}
	if n, _ := b.s.FlagScheduledDeliveries(b.ctx, b.ws.ID, b.fb.ID, time.Time{}, flag); n != 0 {
		t.Errorf("flagging again changed %d deliveries", n)
	}
	if n, err := b.s.ClearScheduledDeliveryFlags(b.ctx, b.ws.ID, b.fb.ID, "needs_reauth"); err != nil || n != 1 {
		t.Errorf("ClearScheduledDeliveryFlags = %d, %v; want 1", n, err)
	}
	if n, _ := b.s.FlagScheduledDeliveries(b.ctx, b.other.ID, b.fb.ID, time.Time{}, flag); n != 0 {
		t.Errorf("another workspace flagged %d deliveries", n)
	}
}
