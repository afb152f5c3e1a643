package webapp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/internal/browsertest"
	"github.com/serentak/serentak/internal/fakestack"
	"github.com/serentak/serentak/media/mediatest"
)

// TestLinkInBioOnAPhone: on the settings page an owner switches tracked
// order links on, takes the page name proposed from the business name and
// gets the page's address with its ?src=ig and ?src=tiktok variants to
// copy; the page itself, on a phone, lists the published product with its
// Rp price and an order button, in Bahasa Indonesia and in English, with
// no CSP violation and nothing wider than the phone.
func TestLinkInBioOnAPhone(t *testing.T) {
	t.Parallel()
	s, _ := serveWithStack(t)
	p := browser.Page(t, browsertest.Phone)
	wsPath := signUpInBrowser(t, s, p, "Toko Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")
	ws := strings.TrimPrefix(wsPath, "/w/")

	// A product published on the fake Facebook, with its photo.
	var acc struct{ ID string }
	if st := s.apiAs(operatorKey, "POST", "/v1/workspaces/"+ws+"/accounts", map[string]string{"platform": "facebook",
		"external_id": fakestack.PageID, "name": fakestack.PageName, "access_token": fakestack.PageToken}, &acc); st != http.StatusCreated {
		t.Fatalf("attach the Page: %d", st)
	}
	// A phone camera's photo: 12 megapixels, portrait by its EXIF.
	photo := s.uploadPhoto(ws, mediatest.JPEGOf(mediatest.Scene(4032, 3024), 6))
	_, post := s.apiCall("POST", "/v1/workspaces/"+ws+"/posts", map[string]any{
		"product": map[string]any{"name": "Keripik Singkong Pedas", "price": map[string]any{"amount": 25000, "currency": "IDR"},
			"whatsapp": "0812-3456-7890"},
		"media":        []any{map[string]any{"id": photo}},
		"targets":      []any{map[string]any{"account_id": acc.ID}},
		"scheduled_at": time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339),
	})
	s.waitPost(ws, post["id"].(string), "published")

	// The settings: tracked links, and the page name proposed.
	p.Open(s.base + wsPath + "/settings")
	if got := value(p, "#handle"); got != "toko-sari" {
		t.Errorf("the proposed page name is %q, want toko-sari", got)
	}
	if p.Count("#bio-url") != 0 {
		t.Error("a page address is shown before the page has a name")
	}
	p.Click("#tracked")
	p.Follow("#settings-form button[type=submit]")
	if got := p.Text(".flash"); got != "Pengaturan disimpan." {
		t.Fatalf("saving the settings says %q", got)
	}
	if !browsertest.Eval[bool](p, "document.querySelector('#tracked').checked") {
		t.Error("tracked order links did not stick")
	}
	p.Follow("#bio-form button[type=submit]")
	if got := p.Text(".flash"); got != "Nama halaman disimpan." {
		t.Fatalf("saving the page name says %q", got)
	}
	bio := s.base + "/b/toko-sari"
	for sel, want := range map[string]string{"#bio-url": bio, "#bio-ig": bio + "?src=ig", "#bio-tiktok": bio + "?src=tiktok"} {
		if got := value(p, sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	look(t, p, "settings-bio")

	// The page, as a visitor from Instagram sees it.
	p.Open(bio + "?src=ig")
	if got := p.Text("li h2"); got != "Keripik Singkong Pedas" {
		t.Errorf("the product is %q", got)
	}
	if got := p.Text("li .price"); got != "Rp25.000" {
		t.Errorf("the price is %q, want Rp25.000", got)
	}
	if got := p.Text("li .order"); got != "Pesan" {
		t.Errorf("the button says %q, want Pesan", got)
	}
	if !strings.HasSuffix(attr(p, "li .order", "href"), "?src=instagram") {
		t.Errorf("the button does not carry the source: %s", attr(p, "li .order", "href"))
	}
	// The thumbnail is made on its first request: wait for it to load.
	if !browsertest.Eval[bool](p, `new Promise(done => { const i = document.querySelector('li img');
		if (i.complete) { done(i.naturalWidth > 0); return }
		i.onload = () => done(true); i.onerror = () => done(false) })`) {
		t.Error("the product's photo did not load")
	}
	// Its thumbnail, upright: 176 px on the long side for an 88 px box.
	if w, h := browsertest.Eval[int](p, "document.querySelector('li img').naturalWidth"), browsertest.Eval[int](p, "document.querySelector('li img').naturalHeight"); w != 132 || h != 176 {
		t.Errorf("the photo is %d×%d, want the 132×176 thumbnail", w, h)
	}
	look(t, p, "bio-id")
	weigh(t, s, "/b/toko-sari")

	if st := s.apiAs(operatorKey, "PATCH", "/v1/workspaces/"+ws, map[string]string{"language": "en"}, nil); st != http.StatusOK {
		t.Fatalf("switch the workspace to English: %d", st)
	}
	p.Open(bio)
	if got := p.Text("li .order"); got != "Order" {
		t.Errorf("the English button says %q, want Order", got)
	}
	look(t, p, "bio-en")
	p.Open(s.base + "/lang?to=en&back=" + wsPath + "/settings")
	if got := p.Text("#bio-h"); got != "Link-in-bio page" {
		t.Errorf("the English settings' section is %q", got)
	}
	look(t, p, "settings-bio-en")
	if st := p.Open(s.base + "/b/toko-lain"); st != http.StatusNotFound {
		t.Errorf("an unknown page name: %d, want 404", st)
	}
	p.TakeProblems() // the 404, as the browser logs it
	look(t, p, "bio-missing")
}

// uploadPhoto uploads a photo to the workspace and answers its ID.
func (s *site) uploadPhoto(ws string, data []byte) string {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "keripik.jpg")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/v1/workspaces/"+ws+"/media", &body)
	req.Header.Set("Authorization", "Bearer "+operatorKey)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	var m struct{ ID string }
	if err := json.Unmarshal([]byte(readBody(s.t, res)), &m); err != nil || res.StatusCode != http.StatusCreated {
		s.t.Fatalf("upload: %d %v", res.StatusCode, err)
	}
	return m.ID
}

// weigh logs what a phone downloads for a page: the HTML and its
// stylesheet, and its photos, as sent (no compression). The HTML and CSS
// are at most 10 KB; each photo at most 32 KB (a thumbnail, not the
// camera's megabytes).
func weigh(t *testing.T, s *site, path string) {
	t.Helper()
	get := func(u string) []byte {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return b
	}
	html := get(s.base + path)
	css := []byte{}
	if i := bytes.Index(html, []byte(`href="/public/bio.css`)); i >= 0 {
		rest := html[i+len(`href="`):]
		css = get(s.base + strings.ReplaceAll(string(rest[:bytes.IndexByte(rest, '"')]), "&amp;", "&"))
	}
	photos, n := 0, 0
	for _, m := range regexp.MustCompile(`<img src="([^"]+)"`).FindAllSubmatch(html, -1) {
		src := strings.ReplaceAll(string(m[1]), "&amp;", "&")
		if strings.HasPrefix(src, "/") {
			src = s.base + src
		}
		photos += len(get(src))
		n++
	}
	t.Logf("%s weighs %d bytes of HTML, %d of CSS and %d of %d photos (%d in all)", path, len(html), len(css), photos, n, len(html)+len(css)+photos)
	if len(html)+len(css) > 10_000 {
		t.Errorf("%s weighs %d bytes before its photos, want at most 10 KB", path, len(html)+len(css))
	}
	if photos > 32_000*n {
		t.Errorf("%s's %d photos weigh %d bytes, want at most 32 KB each", path, n, photos)
	}
}
