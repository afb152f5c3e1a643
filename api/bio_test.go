package api_test

import (
	"bytes"
	"image"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/clicks"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/media/mediatest"
)

// Visitors' User-Agents, as the apps send them.
const (
	instagramApp = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 340.0.0.22.109 (iPhone14,5; iOS 17_5; id_ID; id; scale=3.00; 1170x2532; 623449563)"
	tiktokApp    = "Mozilla/5.0 (Linux; Android 12; V2111 Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 trill_320604 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/32.6.4 ByteLocale/id BytedanceWebview/d8a21c6"
	chromePhone  = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
	whatsAppBot  = "WhatsApp/2.23.20.0 A"
)

// bioBundle is an API whose database the test can read (bio_clicks has no
// reader in the API: the stats do).
type bioBundle struct {
	*bundle
	url string
}

func setupBio(t *testing.T, opts ...func(*api.Config)) bioBundle {
	t.Helper()
	u := storetest.URL(t)
	st := storetest.Open(t, gormstore.Config{URL: u})
	b := setup(t, append([]func(*api.Config){func(c *api.Config) { c.Store = st }}, opts...)...)
	b.store = st
	// An order button's 302 is the answer: nothing here may reach wa.me.
	b.srv.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return bioBundle{bundle: b, url: u}
}

// publishedPost makes a post of product (name, price in rupiah), with
// photo uploaded as its media (nil: none), at b.now+1 min, and publishes
// it as a worker would; it returns the post's ID.
func (b bioBundle) publishedPost(ws, key, acc, name string, price float64, photo []byte) string {
	b.t.Helper()
	body := map[string]any{
		"product":      map[string]any{"name": name, "price": map[string]any{"amount": price, "currency": "IDR"}, "whatsapp": "0812-3456-7890"},
		"scheduled_at": b.now.Add(time.Minute).Format(time.RFC3339),
		"targets":      []any{map[string]any{"account_id": acc}},
	}
	if photo != nil {
		med := b.expect(b.upload(ws, key, "photo", "", photo), http.StatusCreated)["id"].(string)
		body["media"] = []any{map[string]any{"id": med}}
	}
	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	ctx := b.t.Context()
	d := m["deliveries"].([]any)[0].(map[string]any)["id"].(string)
	claim, ok, err := b.store.ClaimDelivery(ctx, d, 1, time.Now().Add(time.Minute))
	if err != nil || !ok {
		b.t.Fatalf("claim: %v %v", ok, err)
	}
	if err := b.store.CompleteDelivery(ctx, claim, serentak.Result{ExternalID: "1_" + d, PublishedAt: b.now.Add(time.Minute)}); err != nil {
		b.t.Fatal(err)
	}
	return m["id"].(string)
}

// bioClicks reads bio_clicks: "post source day" → clicks.
func (b bioBundle) bioClicks() map[string]int64 {
	b.t.Helper()
	if err := api.FlushClicks(b.t.Context(), b.server); err != nil {
		b.t.Fatal(err)
	}
	rows, err := storetest.OpenSQL(b.t, b.url).Query(`SELECT post_id, source, day, clicks FROM bio_clicks`)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var post, src, day string
		var n int64
		if err := rows.Scan(&post, &src, &day, &n); err != nil {
			b.t.Fatal(err)
		}
		out[post+" "+src+" "+day] = n
	}
	return out
}

var orderHref = regexp.MustCompile(`href="(/b/[^"]+/o/[^"]+)"`)

// TestBioPageListsCurrentProducts: the page shows the products of the
// posts published in the last 30 days, newest first, a product posted
// again once, with Rp prices, in the workspace's language, under a strict
// CSP and without a script.
func TestBioPageListsCurrentProducts(t *testing.T) {
	b := setupBio(t)
	ws, key := b.workspace("Toko Sari")
	acc := b.account(ws, key, serentak.Facebook, "111")
	start := b.now
	b.now = start.Add(-40 * 24 * time.Hour) // a post from 40 days ago has left the page
	b.publishedPost(ws, key, acc, "Sambal Roa Lama", 30000, nil)
	b.now = start.Add(-3 * 24 * time.Hour)
	b.publishedPost(ws, key, acc, "Keripik Singkong Pedas", 20000, nil) // posted again below: shown once
	b.now = start.Add(-2 * 24 * time.Hour)
	older := b.publishedPost(ws, key, acc, "Kopi Gayo 250 g", 85000, nil)
	b.now = start
	newest := b.publishedPost(ws, key, acc, "Keripik Singkong Pedas", 25000, pngBytes)
	// A post still to come is not on the page.
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, map[string]any{
		"product":      map[string]any{"name": "Rendang Kemasan", "whatsapp": "081234567890"},
		"scheduled_at": start.Add(time.Hour).Format(time.RFC3339), "targets": []any{map[string]any{"account_id": acc}},
	}), http.StatusCreated)
	b.now = start.Add(2 * time.Minute)
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"handle": "toko-sari"}), http.StatusOK)

	r := b.do("GET", "/b/toko-sari", "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /b/toko-sari: %d %s", r.status, r.body)
	}
	page := string(r.body)
	for _, want := range []string{`<html lang="id">`, "Toko Sari", "Keripik Singkong Pedas", "Rp25.000", "Kopi Gayo 250 g", "Rp85.000",
		">Pesan<", `loading="lazy"`, `<img src="/b/toko-sari/img/med_`, `href="/public/bio.css?v=`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	for _, gone := range []string{"Sambal Roa Lama", "Rendang Kemasan", "Rp20.000", "<script", "style=", "/public/media/"} {
		if strings.Contains(page, gone) {
			t.Errorf("the page shows %q:\n%s", gone, page)
		}
	}
	var hrefs []string
	for _, m := range orderHref.FindAllStringSubmatch(page, -1) {
		hrefs = append(hrefs, m[1])
	}
	if diff := cmp.Diff([]string{"/b/toko-sari/o/" + newest, "/b/toko-sari/o/" + older}, hrefs); diff != "" {
		t.Errorf("order buttons, newest first (-want +got):\n%s", diff)
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("CSP %q, want %q and no script or inline style", csp, want)
		}
	}
	css := b.do("GET", strings.TrimPrefix(regexp.MustCompile(`href="(/public/bio.css[^"]*)"`).FindStringSubmatch(page)[1], ""), "", nil)
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") || !strings.Contains(css.header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet: %d %v", css.status, css.header)
	}
	if head := b.do("HEAD", "/b/toko-sari", "", nil); head.status != http.StatusOK || len(head.body) != 0 {
		t.Errorf("HEAD: %d, %d bytes", head.status, len(head.body))
	}

	// In English when the workspace is.
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"language": "en"}), http.StatusOK)
	page = string(b.do("GET", "/b/toko-sari", "", nil).body)
	for _, want := range []string{`<html lang="en">`, ">Order<", "Rp25.000"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English page lacks %q:\n%s", want, page)
		}
	}
}

// TestBioClicksCounted: a click from Instagram through the page's button
// is counted under instagram, and goes to the wa.me link with its message
// and a reference; a preview robot's and a repeat are not counted; a
// TikTok in-app browser's is counted under tiktok without ?src=.
func TestBioClicksCounted(t *testing.T) {
	b := setupBio(t)
	ws, key := b.workspace("Toko Sari")
	acc := b.account(ws, key, serentak.Facebook, "111")
	b.now = time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC) // already 4 December in Jakarta
	id := b.publishedPost(ws, key, acc, "Keripik Singkong Pedas", 25000, nil)
	b.now = b.now.Add(2 * time.Minute)
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"handle": "toko-sari"}), http.StatusOK)

	page := b.do("GET", "/b/toko-sari", "", nil, "Referer", "https://l.instagram.com/?u=https%3A%2F%2Fserentak.example%2Fb%2Ftoko-sari", "User-Agent", chromePhone)
	m := orderHref.FindStringSubmatch(string(page.body))
	if m == nil {
		t.Fatalf("no order button:\n%s", page.body)
	}
	button := strings.ReplaceAll(m[1], "&amp;", "&")
	if want := "/b/toko-sari/o/" + id + "?src=instagram"; button != want {
		t.Fatalf("the button is %s, want %s (the source carried)", button, want)
	}
	click := func(ua string) response {
		t.Helper()
		r := b.do("GET", button, "", nil, "User-Agent", ua)
		if r.status != http.StatusFound {
			t.Fatalf("click as %q: %d %s", ua, r.status, r.body)
		}
		return r
	}
	r := click(chromePhone)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || loc.Host != "wa.me" || loc.Path != "/6281234567890" {
		t.Fatalf("Location %q, want the wa.me link", r.header.Get("Location"))
	}
	if got, want := loc.Query().Get("text"), "Halo, saya mau pesan Keripik Singkong Pedas (ref BIO-IG)"; got != want {
		t.Errorf("the message is %q, want %q", got, want)
	}
	click(chromePhone) // a repeat: the same visitor a moment later
	click(whatsAppBot) // the preview of a shared link
	b.now = b.now.Add(time.Minute)
	if r := b.do("GET", "/b/toko-sari/o/"+id, "", nil, "User-Agent", tiktokApp); r.status != http.StatusFound {
		t.Fatalf("TikTok click: %d", r.status)
	}

	want := map[string]int64{id + " instagram 2026-12-04": 1, id + " tiktok 2026-12-04": 1}
	if diff := cmp.Diff(want, b.bioClicks()); diff != "" {
		t.Errorf("bio_clicks (-want +got):\n%s", diff)
	}
	// Flushed counts are not written twice.
	if diff := cmp.Diff(want, b.bioClicks()); diff != "" {
		t.Errorf("bio_clicks after a second flush (-want +got):\n%s", diff)
	}
}

// TestBioRepeatAcrossServers: two API processes behind a round-robin
// balancer, sharing one Redis, count a visitor's taps on one product once,
// whichever process each tap reaches; another product's tap still counts.
func TestBioRepeatAcrossServers(t *testing.T) {
	client, prefix := redistest.Prefixed(t)
	secret := []byte("install secret")
	b := setupBio(t, func(c *api.Config) { c.ClickRepeats = clicks.NewRedis(client, prefix, secret, nil) })
	ws, key := b.workspace("Toko Sari")
	acc := b.account(ws, key, serentak.Facebook, "111")
	b.now = time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	id := b.publishedPost(ws, key, acc, "Keripik Singkong Pedas", 25000, nil)
	other := b.publishedPost(ws, key, acc, "Kopi Gayo 250 g", 85000, nil)
	b.now = b.now.Add(2 * time.Minute)
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"handle": "toko-sari"}), http.StatusOK)

	// The second process: the same database, its own memory of repeats in
	// the same Redis, as internal/app makes it.
	second := api.New(api.Config{Store: b.store, Blobs: b.blobs, Signer: b.signer, AdminKey: adminKey,
		Now: func() time.Time { return b.now }, ClickRepeats: clicks.NewRedis(client, prefix, secret, nil)})
	lb, hits := roundRobin(t, []*api.Server{b.server, second})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tap := func(post string) {
		t.Helper()
		req, _ := http.NewRequest("GET", lb.URL+"/b/toko-sari/o/"+post+"?src=ig", nil)
		req.Header.Set("User-Agent", instagramApp)
		res, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound {
			t.Fatalf("tap on %s: %d", post, res.StatusCode)
		}
	}
	for range 4 {
		tap(id) // one visitor, four taps: two on each process
	}
	tap(other)
	if hits[0].Load() < 2 || hits[1].Load() < 2 {
		t.Fatalf("the processes had %d and %d taps: not round robin", hits[0].Load(), hits[1].Load())
	}
	if err := api.FlushClicks(t.Context(), second); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{id + " instagram 2026-12-04": 1, other + " instagram 2026-12-04": 1}
	if diff := cmp.Diff(want, b.bioClicks()); diff != "" {
		t.Errorf("bio_clicks (-want +got):\n%s", diff)
	}
}

// TestBioUnknownHandle: an unknown handle, or a post not on the page,
// answers a friendly 404 page, not the JSON error.
func TestBioUnknownHandle(t *testing.T) {
	b := setupBio(t)
	ws, key := b.workspace("Toko Sari")
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"handle": "toko-sari"}), http.StatusOK)
	for _, path := range []string{"/b/toko-lain", "/b/TOKO", "/b/toko-sari/o/pst_01jb2c3d4e5f6g7h8j9k0m1n2p", "/b/toko-sari/o/x", "/b/toko-lain/o/pst_01jb2c3d4e5f6g7h8j9k0m1n2p"} {
		r := b.do("GET", path, "", nil, "Accept-Language", "en-US,en;q=0.9")
		if r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(r.body), "No shop has this address") {
			t.Errorf("GET %s: %d %s %s", path, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
	if r := b.do("GET", "/b/toko-lain", "", nil); !strings.Contains(string(r.body), "Halaman tidak ditemukan") {
		t.Errorf("the 404 page is not in Bahasa Indonesia by default:\n%s", r.body)
	}
	// A workspace with no product yet says so.
	if r := b.do("GET", "/b/toko-sari", "", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), "Belum ada produk") {
		t.Errorf("empty page: %d %s", r.status, r.body)
	}
}

// TestWorkspaceHandle: the handle's rules, its URL in the answers, the
// conflict when another workspace holds it, and clearing it (SQLite, and
// PostgreSQL with SERENTAK_TEST_DATABASE_URL).
func TestWorkspaceHandle(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Sari")
	other, otherKey := b.workspace("Toko Sari Juga")
	patch := func(ws, key string, handle any) response {
		return b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"handle": handle})
	}
	for _, bad := range []string{"ab", "toko sari", "toko_sari", "-toko", "toko--sari", "tokó", strings.Repeat("a", 31)} {
		b.expectError(patch(ws, key, bad), http.StatusUnprocessableEntity, "validation_failed", "handle")
	}
	if m := b.expectError(patch(ws, key, "admin"), http.StatusUnprocessableEntity, "validation_failed", "handle"); !strings.Contains(mustJSON(t, m), "reserved") {
		t.Errorf("a reserved word is not said to be: %v", m)
	}
	m := b.expect(patch(ws, key, " Toko-Sari "), http.StatusOK)
	if m["handle"] != "toko-sari" || m["bio_url"] != b.srv.URL+"/b/toko-sari" {
		t.Errorf("after PATCH: handle %v bio_url %v", m["handle"], m["bio_url"])
	}
	if m := b.expect(b.do("GET", "/v1/workspaces/"+ws, key, nil), http.StatusOK); m["bio_url"] != b.srv.URL+"/b/toko-sari" {
		t.Errorf("GET: bio_url %v", m["bio_url"])
	}
	b.expectError(patch(other, otherKey, "toko-sari"), http.StatusConflict, "conflict", "handle")
	// Keeping one's own handle is no conflict.
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"handle": "toko-sari", "name": "Toko Sari Jaya"}), http.StatusOK)

	m = b.expect(patch(ws, key, ""), http.StatusOK)
	if _, has := m["bio_url"]; m["handle"] != "" || has {
		t.Errorf("after clearing: %v", m)
	}
	if r := b.do("GET", "/b/toko-sari", "", nil); r.status != http.StatusNotFound {
		t.Errorf("a cleared handle's page: %d", r.status)
	}
	b.expect(patch(other, otherKey, "toko-sari"), http.StatusOK) // free again
	// Two workspaces without a handle do not conflict.
	b.expect(patch(ws, key, ""), http.StatusOK)
	third, thirdKey := b.workspace("Toko Ketiga")
	b.expect(patch(third, thirdKey, ""), http.StatusOK)

	updates := 0
	for _, a := range b.auditLog(ws, key) {
		if strings.HasPrefix(a, "workspace.update "+ws) {
			updates++
		}
	}
	if updates != 4 { // set, kept with a new name, cleared twice
		t.Errorf("%d handle changes audited, want 4", updates)
	}
}

var bioImg = regexp.MustCompile(`<img src="([^"]+)" alt="" width="88" height="88"`)

// TestBioPhotoIsAThumbnail: the page draws a product's photo from its own
// thumbnail, not the upload: a JPEG of at most 176 px on the long side
// (upright, as the phone took it), a small fraction of the upload's
// bytes, cached for a year, kept after it is made. Only a listed post's
// photo is served: another workspace's, a post still to come's, a bad ID
// are 404 (SQLite, and PostgreSQL with SERENTAK_TEST_DATABASE_URL).
func TestBioPhotoIsAThumbnail(t *testing.T) {
	b := setupBio(t)
	ws, key := b.workspace("Toko Sari")
	acc := b.account(ws, key, serentak.Facebook, "111")
	photo := mediatest.JPEG(1600, 1200, 6) // a phone's portrait photo, stored on its side
	b.publishedPost(ws, key, acc, "Keripik Singkong Pedas", 25000, photo)
	other, otherKey := b.workspace("Toko Lain")
	otherAcc := b.account(other, otherKey, serentak.Facebook, "222")
	b.publishedPost(other, otherKey, otherAcc, "Kopi Gayo", 85000, pngBytes)
	// A post still to come, with its photo: not on the page.
	unlisted := b.expect(b.upload(ws, key, "b.jpg", "image/jpeg", mediatest.JPEG(300, 200, 0)), http.StatusCreated)["id"].(string)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, map[string]any{
		"product": map[string]any{"name": "Rendang", "whatsapp": "081234567890"}, "media": []any{map[string]any{"id": unlisted}},
		"scheduled_at": b.now.Add(time.Hour).Format(time.RFC3339), "targets": []any{map[string]any{"account_id": acc}},
	}), http.StatusCreated)
	b.now = b.now.Add(2 * time.Minute)
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"handle": "toko-sari"}), http.StatusOK)
	b.expect(b.do("PATCH", "/v1/workspaces/"+other, otherKey, map[string]any{"handle": "toko-lain"}), http.StatusOK)

	page := b.do("GET", "/b/toko-sari", "", nil)
	m := bioImg.FindStringSubmatch(string(page.body))
	if m == nil || !strings.HasPrefix(m[1], "/b/toko-sari/img/med_") {
		t.Fatalf("the page's <img> is not the thumbnail, with its size:\n%s", page.body)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self';") {
		t.Errorf("CSP %q: the photos are the page's own", csp)
	}
	thumb := m[1]
	r := b.do("GET", thumb, "", nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET %s: %d %q", thumb, r.status, r.header.Get("Content-Type"))
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "public") || !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control %q, want public, a year, immutable", cc)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(r.body))
	if err != nil || format != "jpeg" || cfg.Width != 132 || cfg.Height != 176 {
		t.Errorf("the thumbnail is %s %d×%d (%v), want a 132×176 JPEG (upright, 176 px on the long side)", format, cfg.Width, cfg.Height, err)
	}
	if len(r.body) > len(photo)/10 {
		t.Errorf("the thumbnail is %d bytes, the upload %d", len(r.body), len(photo))
	}
	if again := b.do("GET", thumb, "", nil); again.status != http.StatusOK || !bytes.Equal(again.body, r.body) {
		t.Errorf("a second GET: %d, same bytes %v", again.status, bytes.Equal(again.body, r.body))
	}
	if head := b.do("HEAD", thumb, "", nil); head.status != http.StatusOK || head.header.Get("Content-Type") != "image/jpeg" || len(head.body) != 0 {
		t.Errorf("HEAD %s: %d %q, %d bytes", thumb, head.status, head.header.Get("Content-Type"), len(head.body))
	}
	mediaID := strings.TrimPrefix(thumb, "/b/toko-sari/img/")
	kept := func() bool {
		rc, _, _, err := b.blobs.Open(t.Context(), media.ThumbnailKey(mediaID))
		if err == nil {
			rc.Close()
		}
		return err == nil
	}
	if !kept() {
		t.Errorf("the thumbnail is not kept in the blob store beside %s", mediaID)
	}

	om := bioImg.FindStringSubmatch(string(b.do("GET", "/b/toko-lain", "", nil).body))
	if om == nil {
		t.Fatal("the other workspace's page shows no photo")
	}
	otherMedia := strings.TrimPrefix(om[1], "/b/toko-lain/img/")
	if r := b.do("GET", om[1], "", nil); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("a tiny PNG is its own thumbnail: %d %q", r.status, r.header.Get("Content-Type"))
	}
	for _, path := range []string{
		"/b/toko-sari/img/" + otherMedia, // another workspace's media
		"/b/toko-sari/img/" + unlisted,   // a post not on the page
		"/b/toko-sari/img/med_01jb2c3d4e5f6g7h8j9k0m1n2p", "/b/toko-sari/img/x", "/b/toko-sari/img/..%2Fmed_x",
		"/b/toko-nope/img/" + mediaID,
	} {
		if r := b.do("GET", path, "", nil); r.status != http.StatusNotFound || strings.HasPrefix(r.header.Get("Content-Type"), "image/") {
			t.Errorf("GET %s: %d %q, want the 404 page", path, r.status, r.header.Get("Content-Type"))
		}
	}

	// Deleting the media deletes its thumbnail; the page's photo is then 404.
	b.expect(b.do("DELETE", "/v1/workspaces/"+ws+"/media/"+mediaID, key, nil), http.StatusNoContent)
	if kept() {
		t.Error("the thumbnail outlived its media")
	}
	if r := b.do("GET", thumb, "", nil); r.status != http.StatusNotFound {
		t.Errorf("GET %s after the media is deleted: %d", thumb, r.status)
	}
}
