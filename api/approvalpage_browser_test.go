package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/internal/browsertest"
	"github.com/serentak/serentak/media/mediatest"
	"github.com/serentak/serentak/testkit"
)

// The approval link in a real browser on a phone-sized screen
// (docs/api.md#approval-link): what a merchant sees and taps, checked
// through the page and then through the API.

// linkBundle is an API on a real loopback server with a clock the tests
// move while the browser talks to the server, and a workspace requiring
// approval with four accounts.
type linkBundle struct {
	*bundle
	clock                *testkit.Clock
	ws, owner, editor    string
	accounts, mediaItems []string
}

func newLinkBundle(t *testing.T, language string) *linkBundle {
	t.Helper()
	// The server reads the clock on its own goroutines while the browser
	// (and its favicon request) talks to it: a locked clock, not b.now.
	clock := testkit.NewClock(time.Now().UTC().Truncate(time.Second))
	b := setup(t, allPlatforms, func(c *api.Config) { c.Now = clock.Now })
	b.now = clock.Now()
	l := &linkBundle{bundle: b, clock: clock}
	l.ws, l.owner = b.workspace("Toko Budi")
	b.expect(b.do("PATCH", "/v1/workspaces/"+l.ws, l.owner, map[string]any{"approval_required": true, "language": language}), http.StatusOK)
	l.editor = b.expect(b.do("POST", "/v1/workspaces/"+l.ws+"/keys", l.owner, map[string]any{"name": "Agensi Maju", "role": "editor"}), http.StatusCreated)["api_key"].(string)
	l.accounts = fourAccounts(b, l.ws, l.owner)
	photo := b.expect(b.upload(l.ws, l.owner, "keripik.jpg", "image/jpeg", mediatest.JPEG(1080, 1080, 0)), http.StatusCreated)["id"].(string)
	video := b.expect(b.upload(l.ws, l.owner, "keripik.mp4", "video/mp4",
		mediatest.Movie{Width: 1080, Height: 1920, Duration: 30 * time.Second, FPS: 30, AudioCodec: "mp4a", DataSize: 1000}.Bytes()), http.StatusCreated)["id"].(string)
	l.mediaItems = []string{photo, video}
	return l
}

// post is an editor's product post to the four accounts, due in an hour,
// with a photo and a video; it waits for approval.
func (l *linkBundle) post() map[string]any {
	l.t.Helper()
	body := productPost(l.bundle, l.accounts)
	// A description of the length merchants write, so the screenshots
	// show the whole page at a readable size.
	body["product"].(map[string]any)["description"] = "Keripik singkong renyah dengan bumbu cabai asli, tanpa pengawet dan tanpa MSG. " +
		"Dibuat setiap pagi di Garut, dikemas rapat 250 gram.\n\nPesan hari ini, dikirim besok pagi."
	body["scheduled_at"] = l.clock.Now().Add(time.Hour).Format(time.RFC3339)
	body["media"] = []any{map[string]any{"id": l.mediaItems[0]}, map[string]any{"id": l.mediaItems[1]}}
	// In Bahasa Indonesia, the workspace's language: the approval page
	// shows the warnings in it, and the tests compare the two.
	p := l.expect(l.do("POST", "/v1/workspaces/"+l.ws+"/posts", l.editor, body, "Accept-Language", "id"), http.StatusCreated)
	if p["status"] != "pending_approval" {
		l.t.Fatalf("the editor's post is %v, want pending_approval", p["status"])
	}
	return p
}

// link makes the post's approval link through the API.
func (l *linkBundle) link(p map[string]any) string {
	l.t.Helper()
	return l.expect(l.do("POST", "/v1/workspaces/"+l.ws+"/posts/"+p["id"].(string)+"/approval-link", l.editor, nil), http.StatusCreated)["url"].(string)
}

// reread is the post as the API answers it now.
func (l *linkBundle) reread(p map[string]any) map[string]any {
	l.t.Helper()
	return l.expect(l.do("GET", "/v1/workspaces/"+l.ws+"/posts/"+p["id"].(string), l.owner, nil), http.StatusOK)
}

// robot fetches the link as a chat app's link-preview robot does.
func (l *linkBundle) robot(method, u, userAgent string) {
	l.t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("User-Agent", userAgent)
	res, err := l.srv.Client().Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		l.t.Errorf("%s by %q: %d, want 200", method, userAgent, res.StatusCode)
	}
}

// Link-preview robots of WhatsApp and Facebook.
var previewRobots = []string{
	"WhatsApp/2.23.20.0 A",
	"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
}

// readable checks what makes the page usable on a phone: nothing the
// browser refused or failed to load, no broken message, nothing wider than the screen, body
// text of at least 16 px, and buttons a thumb can hit (at least 44 px
// high, the size the platforms' guidelines ask).
func readable(t *testing.T, p *browsertest.Page) {
	t.Helper()
	for _, pr := range p.TakeProblems() {
		if !strings.Contains(pr, "/v1/approval-link?") { // a used or expired link's own 410
			t.Errorf("the browser reported: %s", pr)
		}
	}
	if text := p.Text("main"); strings.Contains(text, "%!") {
		t.Errorf("the page shows a formatting error: %q", text)
	}
	if n := p.Overflow(); n > 0 {
		t.Errorf("the page is %d px wider than the %d px screen: the merchant must scroll sideways", n, browsertest.Phone.Width)
	}
	if px := browsertest.Eval[float64](p, `parseFloat(getComputedStyle(document.body).fontSize)`); px < 16 {
		t.Errorf("body text is %v px, want at least 16", px)
	}
	small := browsertest.Eval[[]string](p, `[...document.querySelectorAll("button")].filter(b => b.getBoundingClientRect().height < 44).map(b => b.textContent)`)
	if len(small) > 0 {
		t.Errorf("buttons under 44 px high: %q", small)
	}
}

// The merchant's journey on a phone: robots preview the link without
// using it; the page shows each platform's preview as it will be
// published, in Bahasa Indonesia; Approve schedules the post; the link is
// then used up.
func TestApprovalPageOnPhone(t *testing.T) {
	l := newLinkBundle(t, "id")
	post := l.post()
	u := l.link(post)
	for _, ua := range previewRobots {
		l.robot("HEAD", u, ua)
		l.robot("GET", u, ua)
	}

	p := browser.Page(t, browsertest.Phone)
	if status := p.Open(u); status != http.StatusOK {
		t.Fatalf("the link after the robots: %d, want 200 (not used up)", status)
	}
	if got := browsertest.Eval[string](p, "document.documentElement.lang"); got != "id" {
		t.Errorf("lang %q, want id", got)
	}
	if got := p.Text("h1"); got != "Persetujuan postingan" {
		t.Errorf("heading %q", got)
	}
	if intro := p.Text("main > p"); !strings.Contains(intro, "Toko Budi meminta persetujuan Anda") {
		t.Errorf("intro %q", intro)
	}
	// Each platform's preview, in the post's order, as the API stored it.
	deliveries := post["deliveries"].([]any)
	if n := p.Count("section.card"); n != len(deliveries) {
		t.Fatalf("%d previews, want one per platform (%d)", n, len(deliveries))
	}
	for i, d := range deliveries {
		d := d.(map[string]any)
		content := d["content"].(map[string]any)
		sec := fmt.Sprintf("section.card:nth-of-type(%d)", i+1)
		if got, want := p.Text(sec+" h2"), platformName(d["platform"].(string)); got != want {
			t.Errorf("preview %d is headed %q, want %q", i, got, want)
		}
		if got, want := strings.TrimSpace(p.Text(sec+" .text")), strings.TrimSpace(content["text"].(string)); got != want {
			t.Errorf("%s: the page shows\n%q\nthe API stored\n%q", d["platform"], got, want)
		}
		var images, videos int
		for _, m := range content["media"].([]any) {
			if m.(map[string]any)["kind"] == "image" {
				images++
			} else {
				videos++
			}
		}
		if got := p.Count(sec + " .media img"); got != images {
			t.Errorf("%s: %d photos shown, it publishes %d", d["platform"], got, images)
		}
		if got := p.Count(sec + " .media a"); got != videos {
			t.Errorf("%s: %d videos shown, it publishes %d", d["platform"], got, videos)
		}
		// The photos load from the server's signed media links.
		if broken := browsertest.Eval[int](p, fmt.Sprintf(`Promise.all([...document.querySelectorAll(%q)].map(i => i.decode().then(() => 0, () => 1))).then(r => r.reduce((a, b) => a + b, 0))`, sec+" .media img")); broken > 0 {
			t.Errorf("%s: %d photos did not load", d["platform"], broken)
		}
		warnings := d["warnings"].([]any)
		if got := p.Count(sec + " .warn li"); got != len(warnings) {
			t.Errorf("%s: %d notes shown, the API has %d: %v", d["platform"], got, len(warnings), warnings)
		}
		for j, w := range warnings {
			if got := p.Text(fmt.Sprintf("%s .warn li:nth-of-type(%d)", sec, j+1)); got != w {
				t.Errorf("%s: note %d %q, want %q", d["platform"], j, got, w)
			}
		}
	}
	readable(t, p)
	p.ScreenshotScreen("opened")
	p.Screenshot("preview")
	// The same page on a laptop, for the agency checking it before
	// sending (opening does not use the link).
	desk := browser.Page(t, browsertest.Desktop)
	if status := desk.Open(u); status != http.StatusOK {
		t.Errorf("on a laptop: %d", status)
	}
	if n := desk.Overflow(); n > 0 {
		t.Errorf("on a laptop the page is %d px too wide", n)
	}
	desk.Screenshot("preview")

	if status := p.Follow("button.approve"); status != http.StatusOK {
		t.Errorf("approve: %d", status)
	}
	if got := p.Text(".notice"); !strings.Contains(got, "Postingan disetujui dan akan terbit sesuai jadwal") {
		t.Errorf("after approving, the page says %q", got)
	}
	readable(t, p)
	p.Screenshot("approved")
	if got := l.reread(post); got["status"] != "scheduled" || got["approved_by"] != "link" || got["scheduled_at"] != post["scheduled_at"] {
		t.Errorf("after the link's approval: %v by %v at %v (was %v)", got["status"], got["approved_by"], got["scheduled_at"], post["scheduled_at"])
	}

	// The merchant opens the link again from the chat.
	if status := p.Open(u); status != http.StatusGone {
		t.Errorf("the used link: %d, want 410", status)
	}
	if got := p.Text(".notice"); !strings.Contains(got, "Tautan ini sudah dipakai") {
		t.Errorf("the used link says %q", got)
	}
	if n := p.Count("form"); n != 0 {
		t.Errorf("the used link still offers %d forms", n)
	}
	readable(t, p)
	p.Screenshot("used")
}

func platformName(p string) string {
	switch p {
	case "youtube":
		return "YouTube"
	case "tiktok":
		return "TikTok"
	}
	return strings.ToUpper(p[:1]) + p[1:]
}

// Reject with a reason typed on the phone's keyboard.
func TestApprovalPageRejectOnPhone(t *testing.T) {
	l := newLinkBundle(t, "id")
	post := l.post()
	p := browser.Page(t, browsertest.Phone)
	p.Open(l.link(post))
	const reason = "Harganya salah, kak: Rp25.000, bukan Rp31.250."
	p.Click("a[href='#reject']") // from the bar at the bottom of the screen
	if got := browsertest.Eval[string](p, "location.hash"); got != "#reject" {
		t.Errorf("the bar's reject link went to %q", got)
	}
	p.Click("#comment")
	p.Fill("#comment", reason)
	p.Screenshot("reject-typed")
	if status := p.Follow("button.reject"); status != http.StatusOK {
		t.Errorf("reject: %d", status)
	}
	if got := p.Text(".notice"); !strings.Contains(got, "Postingan ditolak") {
		t.Errorf("after rejecting, the page says %q", got)
	}
	readable(t, p)
	p.Screenshot("rejected")
	if got := l.reread(post); got["status"] != "rejected" || got["rejection_comment"] != reason {
		t.Errorf("after the link's rejection: %v, comment %q", got["status"], got["rejection_comment"])
	}
}

// A link opened after its 72 hours says so, with nothing to tap.
func TestApprovalPageExpiredOnPhone(t *testing.T) {
	l := newLinkBundle(t, "id")
	post := l.post()
	u := l.link(post)
	l.clock.Advance(72 * time.Hour)
	p := browser.Page(t, browsertest.Phone)
	if status := p.Open(u); status != http.StatusGone {
		t.Errorf("the expired link: %d, want 410", status)
	}
	if got := p.Text(".notice"); !strings.Contains(got, "kedaluwarsa") || !strings.Contains(got, "Minta tautan baru") {
		t.Errorf("the expired link says %q", got)
	}
	if n := p.Count("form"); n != 0 {
		t.Errorf("the expired link offers %d forms", n)
	}
	readable(t, p)
	p.Screenshot("expired")
	if got := l.reread(post); got["status"] != "pending_approval" {
		t.Errorf("the post after its link expired: %v", got["status"])
	}
}

// Approving after the post's time publishes it now, and the page says so.
func TestApprovalPageLateOnPhone(t *testing.T) {
	l := newLinkBundle(t, "id")
	post := l.post()
	p := browser.Page(t, browsertest.Phone)
	p.Open(l.link(post))
	l.clock.Advance(2 * time.Hour) // the merchant read it late
	if status := p.Follow("button.approve"); status != http.StatusOK {
		t.Errorf("approve: %d", status)
	}
	if got, want := p.Text(".notice"), "Terima kasih! Postingan disetujui. Jadwalnya sudah lewat, jadi postingan diterbitkan sekarang."; got != want {
		t.Errorf("after a late approval the page says\n%q\nwant\n%q", got, want)
	}
	readable(t, p)
	p.Screenshot("approved-late")
	if got := l.reread(post); got["status"] != "scheduled" || got["scheduled_at"] != l.clock.Now().Format(time.RFC3339) {
		t.Errorf("after a late approval: %v at %v, want scheduled now (%v)", got["status"], got["scheduled_at"], l.clock.Now().Format(time.RFC3339))
	}
}

// A workspace in English shows the page and its answers in English.
func TestApprovalPageInEnglishOnPhone(t *testing.T) {
	l := newLinkBundle(t, "en")
	post := l.post()
	p := browser.Page(t, browsertest.Phone)
	p.Open(l.link(post))
	if got := browsertest.Eval[string](p, "document.documentElement.lang"); got != "en" {
		t.Errorf("lang %q, want en", got)
	}
	if got := p.Text("h1"); got != "Post approval" {
		t.Errorf("heading %q", got)
	}
	if got := p.Text("button.approve"); got != "Approve" {
		t.Errorf("approve button %q", got)
	}
	if got := p.Text("label[for=comment]"); got != "Why you reject it (optional)" {
		t.Errorf("comment label %q", got)
	}
	readable(t, p)
	p.Screenshot("preview-en")
	p.Follow("button.approve")
	if got := p.Text(".notice"); !strings.Contains(got, "The post is approved and will be published as scheduled") {
		t.Errorf("after approving, the page says %q", got)
	}
	p.Screenshot("approved-en")
}
