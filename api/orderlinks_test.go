package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/testkit"
)

// The User-Agents of the tests: a phone's browser, and link-preview
// robots as they introduce themselves.
const (
	phoneUA        = "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
	instagramAppUA = "Mozilla/5.0 (Linux; Android 14; SM-A155F; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.0.0 Mobile Safari/537.36 Instagram 357.0.0.25.101 Android"
	whatsappUA     = "WhatsApp/2.24.21.88 A"
	facebookUA     = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
)

// trackedBundle is an API with tracked links counted in the background
// (CountClicks), flushed every few milliseconds, and one workspace with
// tracked links on and a Facebook account.
type trackedBundle struct {
	*bundle
	ws, key, fb string
	stop        func()
}

func setupLinks(t *testing.T, opts ...func(*api.Config)) *trackedBundle {
	t.Helper()
	lb := &trackedBundle{}
	b := setup(t, append([]func(*api.Config){func(c *api.Config) {
		c.PublicURL = "https://cdn.example.com"
		c.LinkFlushEvery = 5 * time.Millisecond
	}}, opts...)...)
	lb.bundle = b
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.server.CountClicks(ctx) }()
	lb.stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("CountClicks: %v", err)
		}
	})
	t.Cleanup(lb.stop)
	lb.ws, lb.key = b.workspace("Toko Keripik")
	lb.fb = b.account(lb.ws, lb.key, serentak.Facebook, "page-1")
	m := b.expect(b.do("PATCH", "/v1/workspaces/"+lb.ws, lb.key, map[string]any{"tracked_links": true}), http.StatusOK)
	if m["tracked_links"] != true || m["warnings"] != nil {
		t.Fatalf("PATCH tracked_links on a public https URL: %v", m)
	}
	return lb
}

var codeInText = regexp.MustCompile(`https://cdn\.example\.com/o/([0-9a-z]{7})\b`)

// post makes a Facebook post and returns its delivery's ID and code.
func (lb *trackedBundle) post(t *testing.T) (delivery, code string) {
	t.Helper()
	m := lb.expect(lb.do("POST", "/v1/workspaces/"+lb.ws+"/posts", lb.key, postBody(lb.fb)), http.StatusCreated)
	d := m["deliveries"].([]any)[0].(map[string]any)
	text := d["content"].(map[string]any)["text"].(string)
	found := codeInText.FindStringSubmatch(text)
	if found == nil || strings.Contains(text, "wa.me") {
		t.Fatalf("the composed text carries no tracked link, or the order link itself:\n%s", text)
	}
	return d["id"].(string), found[1]
}

// click opens /o/{code} as a browser would, without following the
// redirect, from the given address (X-Forwarded-For is not trusted: the
// test's own connection is the client).
func (lb *trackedBundle) click(t *testing.T, method, code, ua string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, lb.srv.URL+"/o/"+code, nil)
	req.Header.Set("User-Agent", ua)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func (lb *trackedBundle) clicks(t *testing.T, code string) int64 {
	t.Helper()
	l, err := lb.store.FindTrackedLink(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return l.Clicks
}

// The "done when", through the HTTP server: a post composed with
// a tracked link; a person's click on it is counted on its delivery, and
// the preview robots' fetches (WhatsApp, facebookexternalhit), a HEAD and
// the same person's second click are not; another browser's click is.
// Every one of them is sent on to the order link, the wa.me chat with the
// post's message and reference.
func TestTrackedLinkClicksCounted(t *testing.T) {
	lb := setupLinks(t)
	delivery, code := lb.post(t)

	l, err := lb.store.FindTrackedLink(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	wantTarget := "https://wa.me/6281234567890?text=Halo%2C%20saya%20mau%20pesan%20Keripik%20Singkong%20Pedas%20%28kode%20FB-" + strings.ToUpper(code[:3]) + "%29"
	if l.Target != wantTarget || l.Ref != "FB-"+strings.ToUpper(code[:3]) {
		t.Errorf("tracked link %+v, want target %s", l, wantTarget)
	}

	for _, c := range []struct {
		method, ua string
	}{
		{"GET", phoneUA},        // counted
		{"GET", whatsappUA},     // preview robot
		{"GET", facebookUA},     // preview robot
		{"HEAD", phoneUA},       // a checker
		{"GET", phoneUA},        // the same person again within the window
		{"GET", instagramAppUA}, // Instagram's in-app browser: a person, counted
	} {
		res := lb.click(t, c.method, code, c.ua)
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != wantTarget {
			t.Errorf("%s %q: %d to %q, want 302 to %s", c.method, c.ua, res.StatusCode, res.Header.Get("Location"), wantTarget)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q: a cached redirect is a click nobody counts", cc)
		}
	}
	testkit.WaitFor(t, 10*time.Second, "two clicks in the database", func() bool { return lb.clicks(t, code) >= 2 })
	lb.stop() // the last flush: nothing more is counted
	if n := lb.clicks(t, code); n != 2 {
		t.Errorf("clicks = %d, want 2 (the phone once, the Instagram app once)", n)
	}
	if l, _ := lb.store.FindTrackedLink(context.Background(), code); l.LastClickAt.IsZero() {
		t.Error("last_click_at is not set")
	}
	m := lb.expect(lb.do("GET", "/v1/workspaces/"+lb.ws+"/posts", lb.key, nil), http.StatusOK)
	if got := m["data"].([]any)[0].(map[string]any)["deliveries"].([]any)[0].(map[string]any)["id"]; got != delivery {
		t.Errorf("the post's delivery is %v, want %s", got, delivery)
	}
}

// blockingStore is a database that stops answering tracked link reads and
// writes while blocked.
type blockingStore struct {
	api.Store
	mu      sync.Mutex
	blocked chan struct{} // nil: answering
}

func (s *blockingStore) wait(ctx context.Context) error {
	s.mu.Lock()
	ch := s.blocked
	s.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *blockingStore) block() {
	s.mu.Lock()
	s.blocked = make(chan struct{})
	s.mu.Unlock()
}

func (s *blockingStore) unblock() {
	s.mu.Lock()
	close(s.blocked)
	s.blocked = nil
	s.mu.Unlock()
}

func (s *blockingStore) FindTrackedLink(ctx context.Context, code string) (serentak.TrackedLink, error) {
	if err := s.wait(ctx); err != nil {
		return serentak.TrackedLink{}, err
	}
	return s.Store.FindTrackedLink(ctx, code)
}

func (s *blockingStore) AddLinkClicks(ctx context.Context, clicks map[string]int64, at time.Time) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.AddLinkClicks(ctx, clicks, at)
}

// A database that does not answer does not hold the redirect: a link
// opened once is answered from memory while the database is blocked, the
// clicks wait in memory, and reach the database once it answers again.
func TestTrackedLinkAnswersWhileTheDatabaseIsBlocked(t *testing.T) {
	var bs *blockingStore
	lb := setupLinks(t, func(c *api.Config) {
		bs = &blockingStore{Store: c.Store}
		c.Store = bs
	})
	_, code := lb.post(t)
	lb.click(t, "GET", code, phoneUA) // read from the database once
	testkit.WaitFor(t, 10*time.Second, "the first click in the database", func() bool { return lb.clicks(t, code) == 1 })

	bs.block()
	for i := range 3 {
		// Three browsers: three clicks. The client's timeout (10 s) is
		// the hang this would be if the redirect waited for the database.
		res := lb.click(t, "GET", code, phoneUA+" build/"+string(rune('a'+i)))
		if res.StatusCode != http.StatusFound {
			t.Fatalf("click %d while the database is blocked: %d", i, res.StatusCode)
		}
	}
	bs.unblock()
	testkit.WaitFor(t, 10*time.Second, "the clicks made while blocked in the database", func() bool { return lb.clicks(t, code) == 4 })
}

// An unknown code is a page for the person who opened it, in their
// language, not the API's JSON.
func TestUnknownTrackedLink(t *testing.T) {
	lb := setupLinks(t)
	for _, tc := range []struct{ code, lang, want string }{
		{"zzzzzzz", "id-ID,id;q=0.9", "Tautan tidak ditemukan"},
		{"zzzzzzz", "en-US,en;q=0.9", "Link not found"},
		{"NOT-A-CODE", "", "Tautan tidak ditemukan"},
	} {
		r := lb.do("GET", "/o/"+tc.code, "", nil, "Accept-Language", tc.lang)
		if r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("/o/%s (%s): %d %s, want a 404 page saying %q", tc.code, tc.lang, r.status, r.header.Get("Content-Type"), tc.want)
		}
	}
}

// Switching tracked links on is allowed whatever the public URL; the
// answer says when buyers' phones could not open the links (each reason:
// TestPublicURLWarnings), and only the PATCH's answer says it.
func TestTrackedLinksWarnAboutThePublicURL(t *testing.T) {
	b := setup(t, func(c *api.Config) { c.PublicURL = "http://localhost:8080" })
	ws, key := b.workspace("Toko")
	m := b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"tracked_links": true}), http.StatusOK)
	got, _ := m["warnings"].([]any)
	if m["tracked_links"] != true || len(got) != 2 || !strings.Contains(got[0].(string), "not reachable from the internet") ||
		!strings.Contains(got[1].(string), "plain http") {
		t.Errorf("PATCH on http://localhost:8080: %v, want tracked_links on with two warnings", m)
	}
	if g := b.expect(b.do("GET", "/v1/workspaces/"+ws, key, nil), http.StatusOK); g["tracked_links"] != true || g["warnings"] != nil {
		t.Errorf("GET after switching on: %v", g)
	}
	m = b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"tracked_links": false}), http.StatusOK)
	if m["tracked_links"] != false || m["warnings"] != nil {
		t.Errorf("PATCH off: %v", m)
	}
}

// BenchmarkTrackedLinkRedirect is the redirect's time at the server, the
// API's middleware included, for a code in memory: go test ./api -run '^$'
// -bench TrackedLinkRedirect.
func BenchmarkTrackedLinkRedirect(b *testing.B) {
	h, code := benchLinks(b)
	req := httptest.NewRequest("GET", "/o/"+code, nil)
	req.Header.Set("User-Agent", phoneUA)
	h.ServeHTTP(httptest.NewRecorder(), req) // cached
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusFound {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// benchLinks is an API on a store holding one post with a tracked link,
// and that link's code. Clicks queue up uncounted (no CountClicks): past
// the queue's bound they are dropped, which costs the same.
func benchLinks(b *testing.B) (http.Handler, string) {
	st := storetest.New(b)
	ctx := context.Background()
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Toko", Timezone: "Asia/Jakarta"}
	if err := st.CreateWorkspace(ctx, ws, serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: ws.ID, Hash: "h"}); err != nil {
		b.Fatal(err)
	}
	acc, _, err := st.UpsertAccount(ctx, serentak.Account{ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: ws.ID,
		Platform: serentak.Facebook, ExternalID: "page", Name: "Toko", Token: serentak.Token{AccessToken: "t"}})
	if err != nil {
		b.Fatal(err)
	}
	code := serentak.NewLinkCode()
	p := serentak.Post{ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: ws.ID, Caption: "x", ScheduledAt: time.Now().Add(time.Hour),
		Deliveries: []serentak.Delivery{{ID: serentak.NewID(serentak.PrefixDelivery), AccountID: acc.ID, Platform: serentak.Facebook,
			ScheduledAt: time.Now().Add(time.Hour), Status: serentak.DeliveryScheduled, Version: 1,
			TrackedLink: &serentak.TrackedLink{Code: code, Target: "https://wa.me/6281234567890?text=Halo"}}}}
	if _, _, err := st.CreatePost(ctx, p, nil); err != nil {
		b.Fatal(err)
	}
	return api.New(api.Config{Store: st, PublicURL: "https://cdn.example.com"}).Handler(), code
}

// A repeated post's copies and an edited post each get codes of their
// own: every published text leads to its own delivery.
func TestTrackedLinksOfRepeatsAndEdits(t *testing.T) {
	lb := setupLinks(t)
	body := postBody(lb.fb)
	body["scheduled_at"] = lb.now.Add(time.Hour).Format(time.RFC3339)
	body["repeat"] = map[string]any{"every": "week", "count": 3}
	m := lb.expect(lb.do("POST", "/v1/workspaces/"+lb.ws+"/posts", lb.key, body), http.StatusCreated)
	seen := map[string]bool{}
	for _, id := range m["repeat"].(map[string]any)["post_ids"].([]any) {
		p := lb.expect(lb.do("GET", "/v1/workspaces/"+lb.ws+"/posts/"+id.(string), lb.key, nil), http.StatusOK)
		text := p["deliveries"].([]any)[0].(map[string]any)["content"].(map[string]any)["text"].(string)
		found := codeInText.FindStringSubmatch(text)
		if found == nil || seen[found[1]] {
			t.Fatalf("post %s: code %v, already seen %v", id, found, seen)
		}
		seen[found[1]] = true
		l, err := lb.store.FindTrackedLink(context.Background(), found[1])
		if err != nil || !strings.Contains(l.Target, "FB-"+strings.ToUpper(found[1][:3])) {
			t.Errorf("post %s: tracked link %+v, %v; want its own reference in the target", id, l, err)
		}
	}

	id := m["id"].(string)
	old := m["deliveries"].([]any)[0].(map[string]any)["content"].(map[string]any)["text"].(string)
	e := lb.expect(lb.do("PATCH", "/v1/workspaces/"+lb.ws+"/posts/"+id, lb.key, map[string]any{"product": map[string]any{
		"name": "Keripik Balado", "price": map[string]any{"amount": 27000, "currency": "IDR"}, "url": "https://toko.example.com/balado"}}), http.StatusOK)
	text := e["deliveries"].([]any)[0].(map[string]any)["content"].(map[string]any)["text"].(string)
	code := codeInText.FindStringSubmatch(text)
	if code == nil || strings.Contains(old, code[1]) {
		t.Fatalf("edited text %q: a new code expected (was %q)", text, old)
	}
	if l, err := lb.store.FindTrackedLink(context.Background(), code[1]); err != nil || l.Target != "https://toko.example.com/balado" {
		t.Errorf("the edited delivery's link: %+v, %v", l, err)
	}
	if _, err := lb.store.FindTrackedLink(context.Background(), codeInText.FindStringSubmatch(old)[1]); err == nil {
		t.Error("the code of the text before the edit still leads somewhere")
	}
}
