package webapp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/internal/browsertest"
	"github.com/serentak/serentak/media/mediatest"
)

// The composer's tests run the whole server with TikTok's fake behind
// it: the composer asks TikTok for the creator's settings (creator_info)
// through GET …/accounts/{id}/options. The other platforms are asked
// nothing until a post is published, and these posts are for tomorrow.

// tiktokCreator is the TikTok account of the tests: Stitch turned off by
// the creator, videos of at most 30 seconds.
var tiktokCreator = faketiktok.User{OpenID: "open-warung-sari", Nickname: "Warung Sari Official", AccessToken: "act.warung-sari",
	RefreshToken: "rft.warung-sari", StitchDisabled: true, MaxVideoPostDurationSec: 30}

func composeSite(t *testing.T) (*site, *faketiktok.Server) {
	t.Helper()
	fake := faketiktok.New(faketiktok.WithProcessingReads(0))
	t.Cleanup(fake.Close)
	fake.AddUser(tiktokCreator)
	return serve(t, map[string]string{"SERENTAK_TIKTOK_API_URL": fake.URL}), fake
}

// operator calls the API as the install's operator and decodes the
// answer; it fails the test on any other status than want.
func (s *site) operator(method, path string, in any, want int) map[string]any {
	s.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, body)
	req.Header.Set("Authorization", "Bearer "+operatorKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	text := readBody(s.t, res)
	if res.StatusCode != want {
		s.t.Fatalf("%s %s: %d, want %d\n%s", method, path, res.StatusCode, want, text)
	}
	out := map[string]any{}
	_ = json.Unmarshal([]byte(text), &out)
	return out
}

// attachFour attaches a Facebook Page, an Instagram account, a YouTube
// channel and the TikTok creator to workspace ws by their tokens, and
// answers their IDs by platform.
func (s *site) attachFour(ws string) map[string]string {
	s.t.Helper()
	ids := map[string]string{}
	for _, a := range []map[string]any{
		{"platform": "facebook", "external_id": "1029384756", "name": "Warung Sari", "access_token": "EAAB-page-token"},
		{"platform": "instagram", "external_id": "17841400000000001", "name": "warungsari", "access_token": "IGQ-token"},
		{"platform": "youtube", "external_id": "UC-warung-sari", "name": "Warung Sari TV", "access_token": "ya29-token", "refresh_token": "1//refresh"},
		{"platform": "tiktok", "external_id": tiktokCreator.OpenID, "name": "warungsari", "access_token": tiktokCreator.AccessToken, "refresh_token": tiktokCreator.RefreshToken},
	} {
		out := s.operator("POST", "/v1/workspaces/"+ws+"/accounts", a, http.StatusCreated)
		ids[a["platform"].(string)] = out["id"].(string)
	}
	return ids
}

// waitUntil polls a JavaScript condition until it holds, failing with
// what it shows after a generous time (the page answers in milliseconds;
// this is no measure of speed).
func waitUntil(t *testing.T, p *browsertest.Page, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !browsertest.Eval[bool](p, "!!("+cond+")") {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s (%s)\nprevious: %s\nfiles: %s", what, cond, browsertest.Eval[string](p, "document.getElementById('previews').innerText"),
				browsertest.Eval[string](p, "document.getElementById('media-list').innerText + ' ' + document.getElementById('files-error').innerText"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pickFiles(p *browsertest.Page, paths ...string) {
	browsertest.Run(p, "pick files", chromedp.SetUploadFiles(chromedp.CSS("#files"), paths))
}

// A merchant on a phone writes a product post for their four accounts:
// the four previews follow what they type, TikTok asks who may see the
// post, a photo uploads with its progress, a video too long for TikTok is
// refused before it is sent, and the post is scheduled with its four
// deliveries and the TikTok choices made.
func TestComposeProductPostOnAPhone(t *testing.T) {
	t.Parallel()
	s, _ := composeSite(t)
	p := browser.Page(t, browsertest.Phone)
	wsPath := signUpInBrowser(t, s, p, "Warung Sari", "Sari", "sari@example.com", "rahasia-warung-2026")
	ws := strings.TrimPrefix(wsPath, "/w/")
	accs := s.attachFour(ws)

	if st := p.Open(s.base + wsPath + "/posts/new"); st != http.StatusOK {
		t.Fatalf("the composer answered %d", st)
	}
	if n := p.Count(`input[name="account"]:checked`); n != 4 {
		t.Fatalf("%d accounts picked at first, want the 4 healthy ones", n)
	}
	if got := p.Text(".tiktok .nickname"); got != tiktokCreator.Nickname {
		t.Errorf("TikTok shows the creator %q, want their nickname %q", got, tiktokCreator.Nickname)
	}
	if got := browsertest.Eval[string](p, "document.querySelector('.tt-privacy').value"); got != "" {
		t.Errorf("TikTok privacy preselected as %q: the guidelines forbid a default", got)
	}
	if !browsertest.Eval[bool](p, "document.getElementById('tt-stitch-"+accs["tiktok"]+"').disabled") {
		t.Error("Stitch can be turned on although the creator turned it off")
	}
	p.Screenshot("compose-empty")
	if o := p.Overflow(); o > 0 {
		t.Errorf("the empty composer is %d px wider than the phone", o)
	}

	p.Fill("#name", "Keripik Singkong Pedas")
	p.Fill("#price", "25000")
	p.Fill("#description", "Renyah, pedas, tanpa pengawet.")
	p.Fill("#whatsapp", "0852-1234-5678")
	p.Fill("#hashtags", "umkm keripik")
	waitUntil(t, p, "four previews with the name and the price",
		`document.querySelectorAll('#previews .pv').length === 4 && Array.from(document.querySelectorAll('#previews .pv-text')).every(e => e.textContent.includes('Keripik Singkong Pedas') && e.textContent.includes('Rp25.000'))`)
	for _, pl := range []string{"facebook", "instagram", "youtube", "tiktok"} {
		if p.Count("#previews .pv-"+pl) != 1 {
			t.Errorf("no %s preview", pl)
		}
	}
	if got := p.Text("#previews .pv-tiktok .pv-errors"); !strings.Contains(got, "choose who can see the post") {
		t.Errorf("the TikTok preview says %q, want that a privacy level must be chosen", got)
	}

	// A photo from the gallery: uploaded in pieces with its progress,
	// then in the previews.
	pickFiles(p, writeFile(t, "keripik.jpg", mediatest.JPEG(1080, 1080, 0)))
	waitUntil(t, p, "the photo uploaded", `document.querySelector('.media-item[data-id^="med_"]')`)
	if got := p.Text(".media-item .pct"); got != "100%" {
		t.Errorf("the photo's progress ends at %q, want 100%%", got)
	}
	if v := browsertest.Eval[float64](p, "document.querySelector('.media-item progress').value"); v != 100 {
		t.Errorf("the progress bar ends at %v, want 100", v)
	}
	waitUntil(t, p, "the photo in the Instagram and Facebook previews",
		`document.querySelector('#previews .pv-instagram img.pv-pic') && document.querySelector('#previews .pv-facebook img.pv-pic')`)
	if !browsertest.Eval[bool](p, "document.getElementById('tt-duet-"+accs["tiktok"]+"').disabled") {
		t.Error("Duet can be turned on for a photo post")
	}

	// A 45-second video: TikTok takes 30 here, so it is refused before a
	// byte is sent.
	long := mediatest.Movie{Width: 1080, Height: 1920, Duration: 45 * time.Second, FPS: 30, DataSize: 64 << 10}.Bytes()
	pickFiles(p, writeFile(t, "panjang.mp4", long))
	waitUntil(t, p, "the long video refused", `!document.getElementById('files-error').hidden`)
	if got := p.Text("#files-error"); !strings.Contains(got, "45 detik") || !strings.Contains(got, "30 detik") {
		t.Errorf("the refusal says %q, want the video's 45 s and TikTok's 30 s", got)
	}
	if n := p.Count(".media-item"); n != 1 {
		t.Errorf("%d items after the refused video, want only the photo (nothing uploaded)", n)
	}

	// A short video, so YouTube has something to publish.
	short := mediatest.Movie{Width: 1080, Height: 1920, Duration: 12 * time.Second, FPS: 30, DataSize: 64 << 10}.Bytes()
	pickFiles(p, writeFile(t, "keripik.mp4", short))
	waitUntil(t, p, "the video uploaded", `document.querySelectorAll('.media-item[data-id^="med_"]').length === 2`)

	// Scheduling before TikTok's privacy is chosen is stopped on the page.
	p.Click("button[value=schedule]")
	if got := p.Text("#submit-error"); !strings.Contains(got, "siapa yang boleh melihat") {
		t.Errorf("scheduling without a TikTok privacy level says %q", got)
	}
	if got := browsertest.Eval[string](p, "location.pathname"); got != wsPath+"/posts/new" {
		t.Fatalf("scheduling without a TikTok privacy level went to %q", got)
	}

	// TikTok's choices: who may see it, comments on, the post disclosed
	// as the merchant's own brand.
	tt := accs["tiktok"]
	browsertest.Run(p, "choose the privacy", chromedp.SetValue(chromedp.CSS("#tt-privacy-"+tt), "PUBLIC_TO_EVERYONE"))
	browsertest.Eval[bool](p, "document.getElementById('tt-privacy-"+tt+"').dispatchEvent(new Event('change', {bubbles: true}))")
	p.Click("label[for=tt-comment-" + tt + "]")
	p.Click("label[for=tt-disclose-" + tt + "]")
	if got := p.Text("#tiktok-" + tt + " .tt-label"); !strings.Contains(got, "promosikan diri sendiri, pihak ketiga") {
		t.Errorf("disclosed with nothing chosen, TikTok's part says %q", got)
	}
	p.Click("label[for=tt-yours-" + tt + "]")
	if got := p.Text("#tiktok-" + tt + " .tt-label"); !strings.Contains(got, "'Promotional content'") {
		t.Errorf("as their own brand, TikTok's part says %q", got)
	}
	p.Click("label[for=tt-branded-" + tt + "]")
	if got := p.Text("#tiktok-" + tt + " .tt-label"); !strings.Contains(got, "'Paid partnership'") {
		t.Errorf("as branded content, TikTok's part says %q", got)
	}
	if got := p.Text(".tt-consent"); !strings.Contains(got, "Branded Content Policy") {
		t.Errorf("branded, the statement by the button says %q", got)
	}
	if !browsertest.Eval[bool](p, "document.querySelector('#tt-privacy-"+tt+" option[value=SELF_ONLY]').disabled") {
		t.Error("branded content can still be made private")
	}
	p.Click("label[for=tt-branded-" + tt + "]") // their own brand only, after all
	waitUntil(t, p, "the TikTok preview without faults", `document.querySelector('#previews .pv-tiktok') && !document.querySelector('#previews .pv-tiktok .pv-errors')`)

	tomorrow := time.Now().In(jakarta(t)).Add(24*time.Hour).Format("2006-01-02") + "T09:30"
	browsertest.Run(p, "choose the time", chromedp.SetValue(chromedp.CSS("#scheduled_at"), tomorrow))
	p.Screenshot("compose-filled")
	for _, part := range []string{"tiktok-" + tt, "previews"} {
		browsertest.Eval[bool](p, "document.getElementById('"+part+"').scrollIntoView(), true")
		p.ScreenshotScreen("compose-" + strings.Split(part, "-")[0])
	}
	if o := p.Overflow(); o > 0 {
		t.Errorf("the filled composer is %d px wider than the phone", o)
	}
	if probs := p.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}

	p.Follow("button[value=schedule]") // the post's page is another's work; where it goes is checked
	at := browsertest.Eval[string](p, "location.pathname")
	id, ok := strings.CutPrefix(at, wsPath+"/posts/")
	if !ok || !strings.HasPrefix(id, "post_") {
		t.Fatalf("after scheduling the browser is at %q, want the post's page", at)
	}
	p.TakeProblems() // the post's page may not exist yet (404)
	post := s.operator("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil, http.StatusOK)
	if post["status"] != "scheduled" {
		t.Errorf("the post is %v, want scheduled", post["status"])
	}
	if got := post["scheduled_at"].(string); !strings.HasPrefix(tomorrowUTC(t, tomorrow), got[:16]) {
		t.Errorf("scheduled at %s, want %s WIB (%s)", got, tomorrow, tomorrowUTC(t, tomorrow))
	}
	dl := post["deliveries"].([]any)
	platforms := map[string]bool{}
	for _, d := range dl {
		platforms[d.(map[string]any)["platform"].(string)] = true
	}
	if len(dl) != 4 || len(platforms) != 4 {
		t.Errorf("the post has %d deliveries (%v), want one per platform", len(dl), platforms)
	}
	if n := len(post["media"].([]any)); n != 2 {
		t.Errorf("the post has %d media, want the photo and the video", n)
	}
	// The TikTok choices are checked where they end up: TikTok's call
	// (TestComposeWithoutScripts publishes one).
}

func jakarta(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func tomorrowUTC(t *testing.T, local string) string {
	at, err := time.ParseInLocation("2006-01-02T15:04", local, jakarta(t))
	if err != nil {
		t.Fatal(err)
	}
	return at.UTC().Format(time.RFC3339)
}

// The composer on a desktop, filled in, in English: for the screenshots
// and the other language.
func TestComposeOnADesktopInEnglish(t *testing.T) {
	t.Parallel()
	s, _ := composeSite(t)
	p := browser.Page(t, browsertest.Desktop)
	wsPath := signUpInBrowser(t, s, p, "Warung Sari", "Sari", "sari@example.com", "rahasia-warung-2026")
	s.attachFour(strings.TrimPrefix(wsPath, "/w/"))
	p.Open(s.base + "/lang?to=en&back=" + url.QueryEscape(wsPath+"/posts/new"))
	if got := p.Text("h1"); got != "New product post" {
		t.Errorf("the composer's title in English is %q", got)
	}
	p.Screenshot("compose-empty")
	p.Fill("#name", "Spicy Cassava Chips")
	p.Fill("#price", "25.000")
	p.Fill("#compare_at_price", "30000")
	p.Fill("#description", "Crunchy and spicy, no preservatives.")
	p.Fill("#whatsapp", "0852-1234-5678")
	p.Fill("#hashtags", "umkm chips")
	pickFiles(p, writeFile(t, "chips.jpg", mediatest.JPEG(1200, 1200, 0)))
	waitUntil(t, p, "four previews with the photo", `document.querySelectorAll('#previews .pv').length === 4 && document.querySelector('#previews .pv-instagram img.pv-pic') && Array.from(document.querySelectorAll('#previews .pv-text')).every(e => e.textContent.includes('Rp25'))`)
	p.Screenshot("compose-filled")
	browsertest.Eval[bool](p, "document.getElementById('previews').scrollIntoView(), true")
	p.ScreenshotScreen("compose-previews")
	if probs := p.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}
}

// multipartPost sends the composer's form as a browser without scripts
// does (multipart, with files).
func (c *client) multipartPost(path string, form url.Values, files map[string][]byte) (*http.Response, string) {
	c.s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile("files", name)
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.s.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.Do(req)
	if err != nil {
		c.s.t.Fatal(err)
	}
	return res, readBody(c.s.t, res)
}

// Without scripts the composer still works: "Pratinjau" answers the
// server's previews, the API's refusals come back beside their fields,
// a file goes up with the form, and "Jadwalkan" makes the post — here
// for TikTok alone, now, so TikTok's fake shows the choices it was sent.
func TestComposeWithoutScripts(t *testing.T) {
	t.Parallel()
	s, fake := composeSite(t)
	c := s.newClient()
	wsPath := c.signUp("Warung Sari", "Sari", "sari@example.com", "rahasia-warung-2026")
	ws := strings.TrimPrefix(wsPath, "/w/")
	accs := s.attachFour(ws)
	// A TikTok account whose token TikTok no longer takes: shown, not
	// pickable, with why.
	broken := s.operator("POST", "/v1/workspaces/"+ws+"/accounts", map[string]any{"platform": "tiktok", "external_id": "open-gone",
		"name": "warungsari_lama", "access_token": "act.revoked"}, http.StatusCreated)["id"].(string)
	res, page := c.get(wsPath + "/posts/new")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("composer: %d", res.StatusCode)
	}
	tok := csrf(t, page)
	if !strings.Contains(page, `value="`+broken+`" data-platform="tiktok" data-name="warungsari_lama" disabled`) {
		t.Error("the TikTok account TikTok refuses can be picked")
	}
	if !strings.Contains(page, `class="badge bad"`) || !strings.Contains(page, `class="muted reason"`) {
		t.Error("the refused account is not shown with its reason")
	}
	// The page and what it loads stay under 100 KB.
	size := len(page)
	for _, asset := range []string{"app.css", "app.js", "compose.css", "compose.js"} {
		i := strings.Index(page, "/static/"+asset)
		if i < 0 {
			t.Fatalf("the page does not load %s", asset)
		}
		href := page[i:]
		_, body := c.get(href[:strings.IndexByte(href, '"')])
		size += len(body)
	}
	if size > 100<<10 {
		t.Errorf("the composer weighs %d bytes with its styles and scripts, want under 100 KB", size)
	}
	form := url.Values{"csrf_token": {tok}, "name": {"Keripik Singkong Pedas"}, "price": {"Rp25.000"}, "whatsapp": {"0852-1234-5678"},
		"account": {accs["facebook"], accs["instagram"], accs["tiktok"]}, "when": {"at"}, "action": {"preview"}}
	res, page = c.multipartPost(wsPath+"/posts/new", form, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d\n%s", res.StatusCode, page)
	}
	for _, want := range []string{`class="pv pv-facebook"`, `class="pv pv-instagram"`, `class="pv pv-tiktok"`, "Keripik Singkong Pedas", "Rp25.000", "wa.me/6285212345678", "choose who can see the post"} {
		if !strings.Contains(page, want) {
			t.Errorf("the server's preview lacks %q", want)
		}
	}
	if strings.Contains(page, `class="pv pv-youtube"`) {
		t.Error("a preview for YouTube, which was not picked")
	}

	// Scheduling without a privacy level: the API's refusal, beside TikTok.
	form.Set("action", "schedule")
	res, page = c.multipartPost(wsPath+"/posts/new", form, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "choose who can see the post") {
		t.Fatalf("scheduling without a TikTok privacy level: %d, want 422 saying why\n%s", res.StatusCode, page)
	}
	if !strings.Contains(page, `value="Keripik Singkong Pedas"`) {
		t.Error("after a refusal the form lost the product's name")
	}

	// Now, to TikTok only, with a video sent with the form.
	tt := accs["tiktok"]
	form = url.Values{"csrf_token": {tok}, "name": {"Keripik Singkong Pedas"}, "price": {"25000"}, "whatsapp": {"0852-1234-5678"},
		"account": {tt}, "when": {"at"}, "action": {"schedule"},
		"tiktok_" + tt + "_privacy": {"MUTUAL_FOLLOW_FRIENDS"}, "tiktok_" + tt + "_comment": {"1"}, "tiktok_" + tt + "_duet": {"1"},
		"tiktok_" + tt + "_disclose": {"1"}, "tiktok_" + tt + "_yours": {"1"}}
	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 10 * time.Second, FPS: 30, DataSize: 64 << 10}.Bytes()
	res, page = c.multipartPost(wsPath+"/posts/new", form, map[string][]byte{"keripik.mp4": video})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("schedule: %d, want 303\n%s", res.StatusCode, page)
	}
	loc := res.Header.Get("Location")
	id, _, _ := strings.Cut(strings.TrimPrefix(loc, wsPath+"/posts/"), "?")
	if !strings.HasPrefix(id, "post_") {
		t.Fatalf("scheduled, went to %q, want the post's page", loc)
	}
	post := s.operator("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil, http.StatusOK)
	if n := len(post["deliveries"].([]any)); n != 1 {
		t.Errorf("%d deliveries, want TikTok's", n)
	}
	if n := len(post["media"].([]any)); n != 1 {
		t.Errorf("%d media, want the video sent with the form", n)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(fake.Publishes(tiktokCreator.OpenID)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("TikTok was never sent the post: %v", s.operator("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil, http.StatusOK))
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := fake.Publishes(tiktokCreator.OpenID)[0]
	want := fmt.Sprintf("privacy=%s comment-off=%v duet-off=%v stitch-off=%v own-brand=%v branded=%v", "MUTUAL_FOLLOW_FRIENDS", false, false, true, true, false)
	if g := fmt.Sprintf("privacy=%s comment-off=%v duet-off=%v stitch-off=%v own-brand=%v branded=%v", got.PrivacyLevel, got.DisableComment,
		got.DisableDuet, got.DisableStitch, got.BrandOrganicToggle, got.BrandContentToggle); g != want {
		t.Errorf("TikTok was sent %s, want %s (Stitch off: the creator turned it off)", g, want)
	}

	// The API's warnings read in the page's language: a product without
	// an order link, previewed for Facebook, on an Indonesian page, then
	// on an English one (the language switcher's cookie).
	form = url.Values{"csrf_token": {tok}, "name": {"Keripik Singkong Pedas"}, "price": {"25000"},
		"account": {accs["facebook"]}, "when": {"at"}, "action": {"preview"}}
	for _, tt := range []struct{ lang, want string }{
		{"id", "produk ini tidak punya link pemesanan, jadi postingan tidak menyebut cara memesan"},
		{"en", "the product has no order link, so the post does not say where to order"},
	} {
		base, _ := url.Parse(s.base)
		c.Jar.SetCookies(base, []*http.Cookie{{Name: "serentak_lang", Value: tt.lang, Path: "/"}})
		res, page = c.multipartPost(wsPath+"/posts/new", form, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(page, "<li>"+tt.want+"</li>") {
			t.Errorf("%s preview of a product without an order link: %d, want the warning %q\n%s", tt.lang, res.StatusCode, tt.want, page)
		}
	}
}

// A draft is saved, opened again filled in, changed, and scheduled, all
// without scripts.
func TestComposeEditADraft(t *testing.T) {
	t.Parallel()
	s, _ := composeSite(t)
	c := s.newClient()
	wsPath := c.signUp("Warung Sari", "Sari", "sari@example.com", "rahasia-warung-2026")
	ws := strings.TrimPrefix(wsPath, "/w/")
	accs := s.attachFour(ws)
	_, page := c.get(wsPath + "/posts/new")
	tok := csrf(t, page)
	form := url.Values{"csrf_token": {tok}, "name": {"Kue Lapis Legit"}, "price": {"25.000"}, "hashtags": {"kue lapis"},
		"account": {accs["facebook"], accs["instagram"]}, "when": {"at"}, "action": {"draft"}}
	res, page := c.multipartPost(wsPath+"/posts/new", form, map[string][]byte{"kue.jpg": mediatest.JPEG(800, 800, 0)})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("draft: %d\n%s", res.StatusCode, page)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(res.Header.Get("Location"), wsPath+"/posts/"), "?")
	if post := s.operator("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil, http.StatusOK); post["status"] != "draft" {
		t.Fatalf("the post is %v, want a draft", post["status"])
	}

	res, page = c.get(wsPath + "/posts/" + id + "/edit")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	for _, want := range []string{`value="Kue Lapis Legit"`, `value="25000"`, `value="kue lapis"`, `name="media_id" value="med_`,
		`id="acc-` + accs["facebook"] + `" name="account" value="` + accs["facebook"] + `" data-platform="facebook" data-name="Warung Sari" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit form lacks %s", want)
		}
	}
	if strings.Contains(page, `id="acc-`+accs["youtube"]+`" name="account" value="`+accs["youtube"]+`" data-platform="youtube" data-name="Warung Sari TV" checked`) {
		t.Error("YouTube is picked, but the post is not for it")
	}
	media := s.operator("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil, http.StatusOK)["media"].([]any)[0].(map[string]any)["id"].(string)
	tomorrow := time.Now().In(jakarta(t)).Add(24*time.Hour).Format("2006-01-02") + "T10:00"
	form = url.Values{"csrf_token": {tok}, "status": {"draft"}, "name": {"Kue Lapis Legit"}, "price": {"22000"}, "hashtags": {"kue lapis"},
		"media_id": {media}, "account": {accs["facebook"], accs["instagram"]}, "when": {"at"}, "scheduled_at": {tomorrow}, "action": {"schedule"}}
	res, page = c.multipartPost(wsPath+"/posts/"+id+"/edit", form, nil)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), wsPath+"/posts/"+id+"?done=") {
		t.Fatalf("schedule the draft: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), page)
	}
	post := s.operator("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil, http.StatusOK)
	price := post["product"].(map[string]any)["price"].(map[string]any)["amount"]
	if post["status"] != "scheduled" || price != 22000.0 || post["scheduled_at"] != tomorrowUTC(t, tomorrow) {
		t.Errorf("after the edit the post is %v at %v for %v, want scheduled at %s for 22000", post["status"], post["scheduled_at"], price, tomorrowUTC(t, tomorrow))
	}
}

// "Next free slot" takes the workspace's queue: the post gets the first
// slot, as the API chooses it.
func TestComposeQueued(t *testing.T) {
	t.Parallel()
	s, _ := composeSite(t)
	c := s.newClient()
	wsPath := c.signUp("Warung Sari", "Sari", "sari@example.com", "rahasia-warung-2026")
	ws := strings.TrimPrefix(wsPath, "/w/")
	accs := s.attachFour(ws)
	q := s.operator("PUT", "/v1/workspaces/"+ws+"/queue", map[string]any{"slots": []map[string]string{{"day": "mon", "time": "09:00"}, {"day": "thu", "time": "19:00"}}}, http.StatusOK)
	_, page := c.get(wsPath + "/posts/new")
	form := url.Values{"csrf_token": {csrf(t, page)}, "name": {"Kue Lapis Legit"}, "price": {"25000"}, "whatsapp": {"0852-1234-5678"},
		"account": {accs["facebook"]}, "when": {"queue"}, "scheduled_at": {""}, "action": {"schedule"}}
	res, page := c.multipartPost(wsPath+"/posts/new", form, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("queue: %d\n%s", res.StatusCode, page)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(res.Header.Get("Location"), wsPath+"/posts/"), "?")
	post := s.operator("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil, http.StatusOK)
	if want := q["next"].([]any)[0]; post["scheduled_at"] != want {
		t.Errorf("queued at %v, want the next slot %v", post["scheduled_at"], want)
	}
}
