package postmetrics_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/facebook"
	"github.com/serentak/serentak/adapters/facebook/fakegraph"
	"github.com/serentak/serentak/adapters/instagram"
	"github.com/serentak/serentak/adapters/instagram/fakeig"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/postmetrics"
	"github.com/serentak/serentak/testkit"
)

// The demo identities on the fakes.
const (
	pageID, pageToken        = "1001", "EAA-page-1001"
	igUser, igToken          = "17841400000000001", "IGAA-ig-token"
	channelID, ytToken       = "UCchannel000000000000001", "ya29.access"
	openID, ttToken          = "open-1", "act.access"
	ttUsername               = "warungsari"
	videoSize          int64 = 300_000
)

// world is a store, the four fakes, their publishers, and a fetcher, on one
// clock.
type world struct {
	ctx   context.Context
	clock *testkit.Clock
	store *gormstore.Store
	db    *sql.DB
	ws    serentak.Workspace

	graph *fakegraph.Server
	ig    *fakeig.Server
	yt    *fakeyoutube.Server
	tt    *faketiktok.Server

	pubs     map[serentak.Platform]serentak.Publisher
	accounts map[serentak.Platform]serentak.Account
	fetcher  *postmetrics.Fetcher
}

func newWorld(t *testing.T) *world {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	url := storetest.URL(t)
	w := &world{ctx: context.Background(), clock: clk,
		store: storetest.Open(t, gormstore.Config{URL: url, Now: clk.Now}), db: storetest.OpenSQL(t, url),
		pubs: map[serentak.Platform]serentak.Publisher{}, accounts: map[serentak.Platform]serentak.Account{}}
	w.ws = serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Warung Sari", Timezone: "Asia/Jakarta", Language: serentak.DefaultLanguage}
	if err := w.store.CreateWorkspace(w.ctx, w.ws, serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: w.ws.ID, Hash: serentak.HashSecret("k")}); err != nil {
		t.Fatal(err)
	}

	w.graph = fakegraph.New(fakegraph.WithClock(clk.Now))
	t.Cleanup(w.graph.Close)
	w.graph.AddPage(pageID, pageToken)
	w.pubs[serentak.Facebook] = facebook.New(facebook.Config{BaseURL: w.graph.URL, Now: clk.Now})

	w.ig = fakeig.New(fakeig.WithClock(clk.Now), fakeig.WithProcessingReads(0))
	t.Cleanup(w.ig.Close)
	w.ig.AddUser(igUser, igToken)
	w.pubs[serentak.Instagram] = instagram.New(instagram.Config{BaseURL: w.ig.URL, Now: clk.Now})

	w.yt = fakeyoutube.New(fakeyoutube.WithClock(clk.Now))
	t.Cleanup(w.yt.Close)
	w.yt.AddAccessToken(channelID, ytToken, clk.Now().Add(90*24*time.Hour))
	yt, err := youtube.New(youtube.Config{BaseURL: w.yt.URL, TokenURL: w.yt.TokenURL(), ClientID: w.yt.ClientID(),
		ClientSecret: w.yt.ClientSecret(), Now: clk.Now, Rand: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	w.pubs[serentak.YouTube] = yt

	// Tokens that outlive the test: in production the keep-alive
	// refreshes them before they expire (keepalive), not the fetcher.
	w.tt = faketiktok.New(faketiktok.WithClock(clk.Now), faketiktok.WithClient("ck", "cs"), faketiktok.WithProcessingReads(0),
		faketiktok.WithTokenLifetimes(90*24*time.Hour, 365*24*time.Hour))
	t.Cleanup(w.tt.Close)
	w.tt.AddUser(faketiktok.User{OpenID: openID, Username: ttUsername, Nickname: "Warung Sari", AccessToken: ttToken})
	w.pubs[serentak.TikTok] = tiktok.New(tiktok.Config{BaseURL: w.tt.URL, Now: clk.Now, ClientKey: "ck", ClientSecret: "cs"})

	for p, ext := range map[serentak.Platform][2]string{serentak.Facebook: {pageID, pageToken}, serentak.Instagram: {igUser, igToken},
		serentak.YouTube: {channelID, ytToken}, serentak.TikTok: {openID, ttToken}} {
		acc, _, err := w.store.UpsertAccount(w.ctx, serentak.Account{ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: w.ws.ID,
			Platform: p, ExternalID: ext[0], Name: "Warung Sari", Token: serentak.Token{AccessToken: ext[1]}})
		if err != nil {
			t.Fatal(err)
		}
		w.accounts[p] = acc
	}
	fetchers := map[serentak.Platform]serentak.MetricsFetcher{}
	for p, pub := range w.pubs {
		fetchers[p] = pub.(serentak.MetricsFetcher)
	}
	w.fetcher = postmetrics.New(postmetrics.Config{Store: w.store, Fetchers: fetchers, Now: clk.Now})
	return w
}

// content is what each platform publishes here.
func content(p serentak.Platform, privacy string) serentak.Content {
	switch p {
	case serentak.Facebook:
		return serentak.Content{Text: "Keripik Singkong Rp25.000 https://wa.me/6281234567890"}
	case serentak.Instagram:
		return serentak.Content{Text: "Keripik Singkong Rp25.000", Media: []serentak.MediaRef{{URL: "", Kind: serentak.MediaImage, ContentType: "image/jpeg"}}}
	case serentak.YouTube:
		return serentak.Content{Title: "Keripik Singkong", Text: "Keripik Singkong Rp25.000 #Shorts",
			Media: []serentak.MediaRef{{ID: "med_1", Kind: serentak.MediaVideo, ContentType: "video/mp4", Size: videoSize}}}
	}
	return serentak.Content{Text: "Keripik Singkong #keripik", Options: serentak.Options{PrivacyLevel: privacy},
		Media: []serentak.MediaRef{{ID: "med_1", Kind: serentak.MediaVideo, ContentType: "video/mp4", Size: videoSize}}}
}

// publish creates a post on p's account and publishes it (deliver). It
// returns the delivery's ID and the platform's ID of the item.
func (w *world) publish(t *testing.T, p serentak.Platform, privacy string) (string, string) {
	t.Helper()
	post := serentak.Post{ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: w.ws.ID, ScheduledAt: w.clock.Now(), Status: serentak.PostScheduled,
		Deliveries: []serentak.Delivery{w.delivery(p, privacy)}}
	post, _, err := w.store.CreatePost(w.ctx, post, nil)
	if err != nil {
		t.Fatal(err)
	}
	return post.Deliveries[0].ID, w.deliver(t, post.Deliveries[0])
}

// delivery is a scheduled delivery of content(p, privacy) on p's account.
func (w *world) delivery(p serentak.Platform, privacy string) serentak.Delivery {
	c := content(p, privacy)
	if p == serentak.Instagram {
		c.Media[0].URL = w.ig.SampleJPEGURL()
	}
	return serentak.Delivery{ID: serentak.NewID(serentak.PrefixDelivery), AccountID: w.accounts[p].ID, Platform: p,
		Content: c, ScheduledAt: w.clock.Now(), Status: serentak.DeliveryScheduled, Version: 1}
}

// deliver publishes a stored delivery on its fake through the adapter as
// the worker would (again while Pending), and records the publication in
// the store. It returns the platform's ID of the item.
func (w *world) deliver(t *testing.T, d serentak.Delivery) string {
	t.Helper()
	p, c := d.Platform, d.Content
	claim, ok, err := w.store.ClaimDelivery(w.ctx, d.ID, 1, w.clock.Now().Add(time.Hour))
	if err != nil || !ok {
		t.Fatalf("ClaimDelivery = %v, %v", ok, err)
	}
	video := bytes.Repeat([]byte{7}, int(videoSize))
	cp := serentak.Checkpoint{}
	req := serentak.PublishRequest{DeliveryID: d.ID, Account: claim.Account, Content: c, ScheduledAt: w.clock.Now(), Attempt: 1,
		OpenMediaFunc: func(context.Context, serentak.MediaRef) (io.ReadCloser, int64, error) {
			return io.NopCloser(bytes.NewReader(video)), videoSize, nil
		},
		SaveFunc: func(_ context.Context, c serentak.Checkpoint) error { cp = c; return nil },
	}
	for range 30 {
		req.Checkpoint = cp
		res, err := w.pubs[p].Publish(w.ctx, req)
		var pe *serentak.PublishError
		if errors.As(err, &pe) && pe.Kind == serentak.Pending {
			w.clock.Advance(pe.RetryAfter)
			continue
		}
		if err != nil {
			t.Fatalf("Publish on %s: %v", p, err)
		}
		if err := w.store.CompleteDelivery(w.ctx, claim, res); err != nil {
			t.Fatal(err)
		}
		return res.ExternalID
	}
	t.Fatalf("%s still pending", p)
	return ""
}

// row is a delivery_metrics row as the stats read it.
type row struct {
	Metrics     map[string]int64
	Unavailable string
	LastError   string
	Fetches     int
	Done        bool // no more fetches
}

func (w *world) row(t *testing.T, deliveryID string) row {
	t.Helper()
	var (
		r   row
		raw string
	)
	err := w.db.QueryRow(`SELECT metrics, unavailable, last_error, fetches, next_fetch_at IS NULL FROM delivery_metrics WHERE delivery_id = $1`, deliveryID).
		Scan(&raw, &r.Unavailable, &r.LastError, &r.Fetches, &r.Done)
	if err != nil {
		t.Fatalf("delivery_metrics of %s: %v", deliveryID, err)
	}
	if err := json.Unmarshal([]byte(raw), &r.Metrics); err != nil {
		t.Fatalf("metrics %q: %v", raw, err)
	}
	return r
}

// runAt moves the clock to at and runs one batch of the fetcher.
func (w *world) runAt(t *testing.T, at time.Time) int {
	t.Helper()
	w.clock.Set(at)
	n, err := w.fetcher.RunOnce(w.ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

func TestMetricsOfEachPlatformAfterTheScheduledFetch(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	type want struct {
		name  string
		value int64
	}
	wants := map[serentak.Platform]want{}
	ids := map[serentak.Platform]string{}
	for _, p := range serentak.Platforms {
		id, ext := w.publish(t, p, tiktok.PublicToEveryone)
		ids[p] = id
		switch p {
		case serentak.Facebook:
			w.graph.SetInsights(ext, map[string]any{"post_media_view": 120, "post_reactions_by_type_total": map[string]int{"like": 4, "love": 1}})
			wants[p] = want{"post_media_view", 120}
		case serentak.Instagram:
			w.ig.SetInsights(ext, map[string]int64{"views": 340, "likes": 21})
			wants[p] = want{"views", 340}
		case serentak.YouTube:
			w.yt.SetStatistics(ext, fakeyoutube.Statistics{Views: 56, Likes: 7, Comments: 2})
			wants[p] = want{"viewCount", 56}
		case serentak.TikTok:
			w.tt.SetCounts(ext, map[string]int64{"view_count": 980, "like_count": 77, "share_count": 5})
			wants[p] = want{"view_count", 980}
		}
	}
	// Publishing took the fakes' processing time; everything was
	// published within a minute or so of the start.
	last := w.clock.Now()
	if n := w.runAt(t, last.Add(30*time.Minute)); n != 0 {
		t.Fatalf("%d rows fetched half an hour after publication; want none before the hour", n)
	}
	if n := w.runAt(t, last.Add(time.Hour)); n != len(serentak.Platforms) {
		t.Fatalf("%d rows fetched an hour after publication, want %d", n, len(serentak.Platforms))
	}
	for p, id := range ids {
		r := w.row(t, id)
		if r.Metrics[wants[p].name] != wants[p].value || r.Fetches != 1 || r.Unavailable != "" || r.LastError != "" || r.Done {
			t.Errorf("%s: row %+v; want %s = %d after one fetch", p, r, wants[p].name, wants[p].value)
		}
	}
	if r := w.row(t, ids[serentak.Facebook]); r.Metrics["post_reactions_by_type_total"] != 5 {
		t.Errorf("Facebook reactions = %d, want the types summed (5)", r.Metrics["post_reactions_by_type_total"])
	}
	// The numbers move; the next hourly fetch picks them up.
	w.tt.SetCounts(w.externalID(t, ids[serentak.TikTok]), map[string]int64{"view_count": 1500})
	if n := w.runAt(t, last.Add(2*time.Hour)); n != len(serentak.Platforms) {
		t.Fatalf("%d rows fetched at the second hour", n)
	}
	if r := w.row(t, ids[serentak.TikTok]); r.Metrics["view_count"] != 1500 || r.Fetches != 2 {
		t.Errorf("TikTok after the second fetch: %+v", r)
	}
}

// externalID reads a delivery's platform ID.
func (w *world) externalID(t *testing.T, deliveryID string) string {
	t.Helper()
	var id string
	if err := w.db.QueryRow(`SELECT external_id FROM deliveries WHERE id = $1`, deliveryID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMissingPermissionIsToldNotFailedSilently(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fb, _ := w.publish(t, serentak.Facebook, "")
	tt, _ := w.publish(t, serentak.TikTok, tiktok.PublicToEveryone)
	// Both accounts were connected before Serentak asked for the metrics
	// permission.
	w.graph.DenyPermission(pageToken, "read_insights")
	w.tt.AddUser(faketiktok.User{OpenID: openID, Username: ttUsername, AccessToken: ttToken,
		Scopes: []string{"user.info.basic", "video.publish", "video.upload"}})

	first := w.clock.Now().Add(time.Hour)
	if n := w.runAt(t, first); n != 2 {
		t.Fatalf("fetched %d rows, want 2", n)
	}
	for _, id := range []string{fb, tt} {
		r := w.row(t, id)
		if r.Unavailable != serentak.UnavailableMetricsPermission || r.Fetches != 0 || r.Done {
			t.Errorf("row %+v; want unavailable %q, and tried again later", r, serentak.UnavailableMetricsPermission)
		}
	}
	// The accounts still publish: none is marked needs_reauth.
	for _, p := range []serentak.Platform{serentak.Facebook, serentak.TikTok} {
		acc, err := w.store.FindAccountByID(w.ctx, w.ws.ID, w.accounts[p].ID)
		if err != nil || acc.Status != serentak.AccountActive {
			t.Errorf("%s account = %q, %v; want active", p, acc.Status, err)
		}
	}
	// Tried daily, not hourly: nothing more within the day.
	if n := w.runAt(t, first.Add(23*time.Hour)); n != 0 {
		t.Errorf("fetched %d rows again within the day", n)
	}
	// Reconnected with the permission: metrics resume at the next try.
	w.tt.AddUser(faketiktok.User{OpenID: openID, Username: ttUsername, AccessToken: ttToken})
	if n := w.runAt(t, first.Add(24*time.Hour)); n != 2 {
		t.Fatalf("fetched %d rows a day later, want 2", n)
	}
	if r := w.row(t, tt); r.Unavailable != "" || r.Fetches != 1 {
		t.Errorf("TikTok after reconnecting: %+v", r)
	}
}

func TestTikTokPostNotPublicHasNoMetrics(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id, ext := w.publish(t, serentak.TikTok, tiktok.SelfOnly)
	if serentak.MetricsUnavailable(serentak.TikTok, ext) == "" {
		t.Fatalf("a SELF_ONLY post was recorded as %q, a public post ID", ext)
	}
	r := w.row(t, id)
	if r.Unavailable != serentak.UnavailableTikTokNotPublic || !r.Done {
		t.Fatalf("row %+v; want unavailable %q and no fetch", r, serentak.UnavailableTikTokNotPublic)
	}
	if n := w.runAt(t, w.clock.Now().Add(2*time.Hour)); n != 0 {
		t.Errorf("fetched %d rows", n)
	}
	if n := w.tt.CountCalls("", faketiktok.PathVideoQuery); n != 0 {
		t.Errorf("%d video queries for a post without a public ID", n)
	}
}

func TestRateLimitedFetchWaitsForThePlatformsHint(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id, _ := w.publish(t, serentak.YouTube, "")
	w.yt.FailNext(fakeyoutube.RouteList, 1, fakeyoutube.Fault{Reason: "rateLimitExceeded", Status: http.StatusForbidden, RetryAfter: 30 * time.Minute})
	first := w.clock.Now().Add(time.Hour)
	if n := w.runAt(t, first); n != 1 {
		t.Fatalf("fetched %d rows, want 1", n)
	}
	r := w.row(t, id)
	if r.Fetches != 0 || r.LastError == "" || r.Done {
		t.Fatalf("after a rate-limited fetch: %+v", r)
	}
	if n := w.runAt(t, first.Add(29*time.Minute)); n != 0 {
		t.Errorf("fetched %d rows before YouTube's Retry-After", n)
	}
	if n := w.runAt(t, first.Add(30*time.Minute)); n != 1 {
		t.Errorf("fetched %d rows at YouTube's Retry-After, want 1", n)
	}
	if r := w.row(t, id); r.Fetches != 1 || r.LastError != "" {
		t.Errorf("after the retry: %+v", r)
	}
}
