package keepalive_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/connect"
	"github.com/serentak/serentak/connect/fakeoauth"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/keepalive"
	"github.com/serentak/serentak/testkit"
)

const publicURL = "https://serentak.example"

type bundle struct {
	t       *testing.T
	ctx     context.Context
	clock   *testkit.Clock
	store   *gormstore.Store
	logs    *testkit.Buffer
	ws      serentak.Workspace
	tt, yt  *fakeoauth.Server
	ttConn  *connect.Connector
	ytConn  *connect.Connector
	ttPub   *tiktok.Publisher
	ytPub   *youtube.Publisher
	keeper  *keepalive.Keeper
	verbose *slog.Logger
}

func setup(t *testing.T) *bundle {
	t.Helper()
	clk := testkit.NewClock(time.Now().UTC().Truncate(time.Second))
	b := &bundle{t: t, ctx: context.Background(), clock: clk, logs: &testkit.Buffer{}}
	b.store = storetest.Open(t, gormstore.Config{Now: clk.Now})
	b.verbose = slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	b.tt = fakeoauth.New(t, fakeoauth.TikTok)
	b.tt.Now, b.tt.AccessTTL = clk.Now, 2*time.Hour
	b.tt.RedirectURI = publicURL + "/v1/oauth/tiktok/callback"
	b.tt.OpenID, b.tt.Name = "open-budi", "Budi"
	b.yt = fakeoauth.New(t, fakeoauth.Google)
	b.yt.Now, b.yt.AccessTTL = clk.Now, time.Hour
	b.yt.RedirectURI = publicURL + "/v1/oauth/youtube/callback"
	b.yt.Channels = []fakeoauth.Channel{{ID: "UCbudi", Title: "Dapur Budi"}}

	var err error
	b.ttConn, err = connect.NewTikTok(connect.Config{Store: b.store, ClientID: b.tt.ClientID, ClientSecret: b.tt.ClientSecret,
		AuthURL: b.tt.URL + "/v2/auth/authorize/", TokenURL: b.tt.URL + "/v2/oauth/token/", PublicURL: publicURL, APIURL: b.tt.URL, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	b.ytConn, err = connect.NewYouTube(connect.Config{Store: b.store, ClientID: b.yt.ClientID, ClientSecret: b.yt.ClientSecret,
		AuthURL: b.yt.URL + "/o/oauth2/v2/auth", TokenURL: b.yt.URL + "/token", PublicURL: publicURL, APIURL: b.yt.URL, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	b.ttPub = b.tiktokPublisher()
	b.ytPub, err = youtube.New(youtube.Config{BaseURL: b.yt.URL, TokenURL: b.yt.URL + "/token", ClientID: b.yt.ClientID, ClientSecret: b.yt.ClientSecret, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	b.keeper = b.newKeeper(b.ttPub)

	b.ws = serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Toko Budi", Timezone: "Asia/Jakarta"}
	if err := b.store.CreateWorkspace(b.ctx, b.ws, serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: b.ws.ID, Hash: serentak.HashSecret(b.ws.ID)}); err != nil {
		t.Fatal(err)
	}
	return b
}

// tiktokPublisher is a TikTok publisher of its own: another process.
func (b *bundle) tiktokPublisher() *tiktok.Publisher {
	return tiktok.New(tiktok.Config{BaseURL: b.tt.URL, TokenURL: b.tt.URL + "/v2/oauth/token/", ClientKey: b.tt.ClientID, ClientSecret: b.tt.ClientSecret, Now: b.clock.Now})
}

func (b *bundle) newKeeper(tt *tiktok.Publisher) *keepalive.Keeper {
	k, err := keepalive.New(keepalive.Config{
		Store:      b.store,
		Refreshers: map[serentak.Platform]serentak.TokenRefresher{serentak.TikTok: tt, serentak.YouTube: b.ytPub},
		Verifiers:  map[serentak.Platform]keepalive.Verifier{serentak.TikTok: b.ttConn, serentak.YouTube: b.ytConn},
		Now:        b.clock.Now, Logger: b.verbose,
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return k
}

// connect runs the real login against the fake and returns the account.
func (b *bundle) connect(c *connect.Connector, f *fakeoauth.Server) serentak.Account {
	b.t.Helper()
	u, err := c.AuthorizeURL(b.ctx, b.ws.ID)
	if err != nil {
		b.t.Fatal(err)
	}
	as, err := c.Callback(b.ctx, f.Authorize(b.t, u))
	if err != nil || len(as) != 1 {
		b.t.Fatalf("Callback = %v, %v", as, err)
	}
	return as[0]
}

func (b *bundle) account(id string) serentak.Account {
	b.t.Helper()
	a, err := b.store.FindAccountByID(b.ctx, b.ws.ID, id)
	if err != nil {
		b.t.Fatal(err)
	}
	return a
}

// post schedules a post at at on the accounts.
func (b *bundle) post(at time.Time, accounts ...serentak.Account) serentak.Post {
	b.t.Helper()
	p := serentak.Post{ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: b.ws.ID, Caption: "Keripik Rp25.000",
		ScheduledAt: at, Status: serentak.PostScheduled}
	for _, a := range accounts {
		p.Deliveries = append(p.Deliveries, serentak.Delivery{ID: serentak.NewID(serentak.PrefixDelivery), AccountID: a.ID, Platform: a.Platform,
			Content: serentak.Content{Text: "Keripik Rp25.000", Title: "Keripik"}, ScheduledAt: at, Status: serentak.DeliveryScheduled, Version: 1})
	}
	p, _, err := b.store.CreatePost(b.ctx, p, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return p
}

func (b *bundle) deliveries(p serentak.Post) []serentak.Delivery {
	b.t.Helper()
	got, err := b.store.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		b.t.Fatal(err)
	}
	return got.Deliveries
}

// assertNoTokens fails when a token of the workspace's accounts appears in
// the captured log.
func (b *bundle) assertNoTokens(extra ...string) {
	b.t.Helper()
	as, _ := b.store.FindAccounts(b.ctx, b.ws.ID)
	for _, a := range as {
		extra = append(extra, a.Token.AccessToken, a.Token.RefreshToken)
	}
	logs := b.logs.String()
	for _, tok := range extra {
		if tok != "" && strings.Contains(logs, tok) {
			b.t.Errorf("a token appears in the log")
		}
	}
}

func TestRefreshBeforeExpiry(t *testing.T) {
	b := setup(t)
	tt := b.connect(b.ttConn, b.tt)
	yt := b.connect(b.ytConn, b.yt)

	// Nothing is due yet: TikTok's token has 2 h, YouTube's 1 h.
	if n, err := b.keeper.RefreshDue(b.ctx); err != nil || n != 0 {
		t.Fatalf("RefreshDue with fresh tokens = %d, %v; want 0", n, err)
	}
	// 55 minutes on, YouTube's token is inside its 10-minute window;
	// TikTok's (1 h 5 min left) is not yet inside its 30-minute one.
	b.clock.Advance(55 * time.Minute)
	if n, err := b.keeper.RefreshDue(b.ctx); err != nil || n != 1 {
		t.Fatalf("RefreshDue = %d, %v; want 1 (YouTube)", n, err)
	}
	y := b.account(yt.ID)
	if y.Token.AccessToken == yt.Token.AccessToken || !y.Token.ExpiresAt.After(b.clock.Now().Add(50*time.Minute)) {
		t.Errorf("YouTube token not refreshed: expires %v", y.Token.ExpiresAt)
	}
	if y.Token.RefreshToken != yt.Token.RefreshToken {
		t.Errorf("YouTube refresh token changed; Google sends none on refresh, so the stored one must stay")
	}
	if b.account(tt.ID).Token.AccessToken != tt.Token.AccessToken {
		t.Errorf("TikTok token refreshed before its window")
	}

	b.clock.Advance(40 * time.Minute) // TikTok: 25 min left
	if n, err := b.keeper.RefreshDue(b.ctx); err != nil || n != 1 {
		t.Fatalf("RefreshDue = %d, %v; want 1 (TikTok)", n, err)
	}
	got := b.account(tt.ID)
	if got.Token.RefreshToken == tt.Token.RefreshToken || !b.tt.RefreshWorks(got.Token.RefreshToken) || b.tt.RefreshWorks(tt.Token.RefreshToken) {
		t.Errorf("TikTok: the rotated refresh token must be stored and the old one dead")
	}
	if !b.tt.AccessWorks(got.Token.AccessToken) || !got.Token.ExpiresAt.After(b.clock.Now().Add(time.Hour)) {
		t.Errorf("TikTok: the new access token does not work or expires at %v", got.Token.ExpiresAt)
	}
	b.assertNoTokens(tt.Token.AccessToken, tt.Token.RefreshToken, yt.Token.AccessToken)
}

func TestConcurrentRefreshesKeepTheNewestToken(t *testing.T) {
	b := setup(t)
	acc := b.connect(b.ttConn, b.tt)
	b.clock.Advance(100 * time.Minute) // inside the window
	before := b.tt.Calls("POST /v2/oauth/token/")

	// Two processes (each with its own TikTok publisher, so no in-process
	// sharing) refresh at once, many times over.
	keepers := []*keepalive.Keeper{b.newKeeper(b.tiktokPublisher()), b.newKeeper(b.tiktokPublisher())}
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		for _, k := range keepers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := k.RefreshDue(b.ctx); err != nil {
					t.Errorf("RefreshDue: %v", err)
				}
			}()
		}
		wg.Wait()
		got := b.account(acc.ID)
		if got.Status != serentak.AccountActive || !b.tt.RefreshWorks(got.Token.RefreshToken) || !b.tt.AccessWorks(got.Token.AccessToken) {
			t.Fatalf("round %d: stored token status %s, refresh works %v; want the newest, working token",
				round, got.Status, b.tt.RefreshWorks(got.Token.RefreshToken))
		}
		b.clock.Advance(100 * time.Minute) // due again
	}
	// One refresh per round: the lease kept the second process out.
	if n := b.tt.Calls("POST /v2/oauth/token/") - before; n != 5 {
		t.Errorf("%d refresh calls in 5 rounds, want 5", n)
	}
}

func TestSwapAccountTokenKeepsTheNewerToken(t *testing.T) {
	b := setup(t)
	acc := b.connect(b.ttConn, b.tt)
	r1 := acc.Token.RefreshToken
	ok, err := b.store.SwapAccountToken(b.ctx, b.ws.ID, acc.ID, r1, serentak.Token{AccessToken: "act.2", RefreshToken: "rft.2"})
	if err != nil || !ok {
		t.Fatalf("first swap = %v, %v; want swapped", ok, err)
	}
	// A slower refresher that also spent r1 comes back with its token.
	ok, err = b.store.SwapAccountToken(b.ctx, b.ws.ID, acc.ID, r1, serentak.Token{AccessToken: "act.3", RefreshToken: "rft.3"})
	if err != nil || ok {
		t.Fatalf("stale swap = %v, %v; want refused", ok, err)
	}
	if got := b.account(acc.ID).Token; got.AccessToken != "act.2" || got.RefreshToken != "rft.2" {
		t.Errorf("stored token after a stale swap is not the first swap's")
	}
	// An empty refresh token keeps the stored one.
	if ok, err := b.store.SwapAccountToken(b.ctx, b.ws.ID, acc.ID, "rft.2", serentak.Token{AccessToken: "act.4"}); err != nil || !ok {
		t.Fatalf("swap without a refresh token = %v, %v", ok, err)
	}
	if got := b.account(acc.ID).Token; got.AccessToken != "act.4" || got.RefreshToken != "rft.2" {
		t.Errorf("a swap without a refresh token lost the stored one")
	}
}

func TestPreflightFlagsABrokenAccountHoursAhead(t *testing.T) {
	b := setup(t)
	tt := b.connect(b.ttConn, b.tt)
	yt := b.connect(b.ytConn, b.yt)
	soon := b.post(b.clock.Now().Add(5*time.Hour), tt, yt)
	later := b.post(b.clock.Now().Add(30*time.Hour), tt)
	hook, err := b.store.CreateWebhook(b.ctx, serentak.WebhookEndpoint{ID: serentak.NewID(serentak.PrefixWebhook), WorkspaceID: b.ws.ID,
		URL: "https://hooks.example.com/serentak", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		Events: []string{serentak.EventAccountNeedsReauth, serentak.EventAccountReconnected}})
	if err != nil {
		t.Fatal(err)
	}

	// The TikTok owner removes the app; YouTube is fine.
	b.tt.Revoke()
	b.clock.Advance(time.Hour + time.Minute) // the connect-time checks are stale
	n, err := b.keeper.CheckDue(b.ctx)
	if err != nil || n != 1 {
		t.Fatalf("CheckDue = %d, %v; want 1 broken account", n, err)
	}
	got := b.account(tt.ID)
	if got.Status != serentak.AccountNeedsReauth || !strings.Contains(got.StatusReason, "TikTok") {
		t.Fatalf("TikTok account %s (%q), want needs_reauth with a reason", got.Status, got.StatusReason)
	}
	if y := b.account(yt.ID); y.Status != serentak.AccountActive {
		t.Errorf("healthy YouTube account turned %s", y.Status)
	}
	for _, p := range []serentak.Post{soon, later} {
		for _, d := range b.deliveries(p) {
			switch d.Platform {
			case serentak.TikTok:
				if d.Status != serentak.DeliveryScheduled || d.Error == nil || d.Error.Code != "needs_reauth" || !d.Error.Retryable ||
					!strings.Contains(d.Error.Message, "reconnect") {
					t.Errorf("TikTok delivery %s: status %s, error %+v; want scheduled with a retryable needs_reauth", d.ID, d.Status, d.Error)
				}
			case serentak.YouTube:
				if d.Error != nil {
					t.Errorf("YouTube delivery flagged: %+v", d.Error)
				}
			}
		}
	}
	health, err := b.store.FindAccountHealth(b.ctx, b.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h := health[tt.ID]; h.LastError == "" || !h.CheckedAt.Equal(b.clock.Now()) {
		t.Errorf("TikTok health %+v, want the last error and a check time", h)
	}
	if h := health[yt.ID]; h.LastError != "" || !h.CheckedAt.Equal(b.clock.Now()) {
		t.Errorf("YouTube health %+v, want checked now without error", h)
	}

	// Checked again within the hour: nothing to do.
	if n, err := b.keeper.CheckDue(b.ctx); err != nil || n != 0 {
		t.Errorf("second CheckDue = %d, %v; want 0", n, err)
	}
	// The webhook receiver hears of it once, before any post is due.
	b.wantEvents(hook, serentak.EventAccountNeedsReauth+" "+tt.ID)

	// The owner reconnects: the account works again and the flags go.
	b.connect(b.ttConn, b.tt)
	b.wantEvents(hook, serentak.EventAccountNeedsReauth+" "+tt.ID, serentak.EventAccountReconnected+" "+tt.ID)
	if got := b.account(tt.ID); got.Status != serentak.AccountActive {
		t.Errorf("after reconnecting: %s", got.Status)
	}
	for _, p := range []serentak.Post{soon, later} {
		for _, d := range b.deliveries(p) {
			if d.Error != nil {
				t.Errorf("delivery %s still flagged after the reconnect: %+v", d.ID, d.Error)
			}
		}
	}
	b.assertNoTokens(tt.Token.AccessToken, tt.Token.RefreshToken)
}

// wantEvents checks the webhook messages written for endpoint e, as
// "type subject", oldest first.
func (b *bundle) wantEvents(e serentak.WebhookEndpoint, want ...string) {
	b.t.Helper()
	ms, err := b.store.DueMessages(b.ctx, b.clock.Now(), 100)
	if err != nil {
		b.t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		if m.EndpointID == e.ID {
			got = append(got, m.EventType+" "+m.SubjectID)
		}
	}
	if !slices.Equal(got, want) {
		b.t.Errorf("webhook events %q, want %q", got, want)
	}
}

func TestPreflightSkipsFarDeliveriesAndFlagsWorkerBrokenAccounts(t *testing.T) {
	b := setup(t)
	tt := b.connect(b.ttConn, b.tt)
	yt := b.connect(b.ytConn, b.yt)
	far := b.post(b.clock.Now().Add(10*time.Hour), yt)
	soon := b.post(b.clock.Now().Add(2*time.Hour), tt)
	b.clock.Advance(2 * time.Hour)
	b.yt.Revoke()

	// The worker found TikTok's token refused and marked the account.
	if err := b.store.MarkAccountNeedsReauth(b.ctx, b.ws.ID, tt.ID, "TikTok refused the access token"); err != nil {
		t.Fatal(err)
	}
	before := b.yt.Calls("POST /token")
	if _, err := b.keeper.CheckDue(b.ctx); err != nil {
		t.Fatal(err)
	}
	if b.yt.Calls("POST /token") != before || b.account(yt.ID).Status != serentak.AccountActive {
		t.Errorf("an account whose delivery is 8 h away (preflight 6 h) was checked")
	}
	if d := b.deliveries(soon)[0]; d.Error == nil || d.Error.Code != "needs_reauth" || !strings.Contains(d.Error.Message, "TikTok refused the access token") {
		t.Errorf("delivery of an account the worker marked: %+v, want a needs_reauth flag with the reason", d.Error)
	}
	if d := b.deliveries(far)[0]; d.Error != nil {
		t.Errorf("far delivery flagged: %+v", d.Error)
	}
}

func TestRefreshFailureMarksNeedsReauth(t *testing.T) {
	b := setup(t)
	tt := b.connect(b.ttConn, b.tt)
	p := b.post(b.clock.Now().Add(5*time.Hour), tt)
	b.tt.Revoke()
	b.clock.Advance(100 * time.Minute)
	if _, err := b.keeper.RefreshDue(b.ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.account(tt.ID); got.Status != serentak.AccountNeedsReauth {
		t.Fatalf("after a refused refresh: %s, want needs_reauth", got.Status)
	}
	if d := b.deliveries(p)[0]; d.Status != serentak.DeliveryScheduled || d.Error == nil || d.Error.Code != "needs_reauth" {
		t.Errorf("delivery %s %+v, want scheduled and flagged", d.Status, d.Error)
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	b := setup(t)
	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan error, 1)
	go func() { done <- b.keeper.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// Compile-time guards: the connectors are verifiers, the publishers
// refreshers.
var (
	_ keepalive.Verifier      = (*connect.Connector)(nil)
	_ serentak.TokenRefresher = (*tiktok.Publisher)(nil)
)
