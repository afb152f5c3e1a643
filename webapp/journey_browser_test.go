package webapp_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"github.com/serentak/serentak/internal/browsertest"
	"github.com/serentak/serentak/internal/fakestack"
	"github.com/serentak/serentak/media/mediatest"
)

// serveWithStack starts the four platforms and their logins in process
// (internal/fakestack) and serve pointed at them. The app's port is
// picked first: the logins redirect to its callbacks.
func serveWithStack(t *testing.T) (*site, *fakestack.Stack) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stack, err := fakestack.Start(fakestack.Config{PublicURL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stack.Close() })
	env := stack.Env()
	env["SERENTAK_ADDR"] = addr
	env["SERENTAK_SCHEDULER_TICK"] = "100ms"
	env["SERENTAK_SECRET_KEY"] = "webapp-journey-test-secret-0123456789"
	return serve(t, env), stack
}

// person is someone using the app on page p, counting what they do: the
// taps, the fields they type into (and the characters), the files they
// pick from the gallery and the pages they have to read.
type person struct {
	t                          *testing.T
	p                          *browsertest.Page
	taps, fields, chars, files int
	pages                      int
}

// The estimate's rates: a deliberate reading of a merchant on a phone,
// not a power user's.
const (
	perTap  = 2 * time.Second
	perChar = 300 * time.Millisecond
	perFile = 5 * time.Second
	perPage = 3 * time.Second
)

func (h *person) open(url string) {
	h.t.Helper()
	if st := h.p.Open(url); st != http.StatusOK {
		h.t.Fatalf("opening %s answered %d", url, st)
	}
	h.pages++
}

// tap taps something on the same page.
func (h *person) tap(sel string) { h.t.Helper(); h.p.Click(sel); h.taps++ }

// follow taps a link or a button that loads another page.
func (h *person) follow(sel string) {
	h.t.Helper()
	if st := h.p.Follow(sel); st != http.StatusOK {
		h.t.Fatalf("tapping %s led to a %d", sel, st)
	}
	h.taps++
	h.pages++
}

// fill taps a field and types into it.
func (h *person) fill(sel, s string) {
	h.t.Helper()
	h.p.Fill(sel, s)
	h.taps++
	h.fields++
	h.chars += utf8.RuneCountInString(s)
}

// pick chooses files from the phone's gallery (one tap on the button,
// one pick each).
func (h *person) pick(paths ...string) {
	h.t.Helper()
	pickFiles(h.p, paths...)
	h.taps++
	h.files += len(paths)
}

// choose picks an option of a select: a tap to open it, one to choose.
func (h *person) choose(sel, value string) {
	h.t.Helper()
	browsertest.Run(h.p, "choose "+value, chromedp.SetValue(chromedp.CSS(sel), value))
	browsertest.Eval[bool](h.p, "document.querySelector('"+sel+"').dispatchEvent(new Event('change', {bubbles: true}))")
	h.taps += 2
}

// estimate is how long a person would take for what was counted.
func (h *person) estimate() time.Duration {
	return time.Duration(h.taps)*perTap + time.Duration(h.chars)*perChar +
		time.Duration(h.files)*perFile + time.Duration(h.pages)*perPage
}

// A newcomer on a phone, from the front page: signs up, connects
// Facebook, Instagram, YouTube and TikTok by tapping, writes one product
// post with a photo and a short video from the gallery for all four,
// chooses TikTok's privacy and leaves the time empty to post it now; then
// the post's page shows it published on all four with links, and the
// calendar shows it published. Only what a person does: taps, typing,
// file picks. What they did is counted, and the time a person would
// take, estimated from the count, must be under three minutes (issue 19's
// "Done when"; docs/webapp.md has the numbers).
func TestNewcomerSchedulesToFourNetworksOnAPhone(t *testing.T) {
	t.Parallel()
	s, stack := serveWithStack(t)
	p := browser.Page(t, browsertest.Phone)
	h := &person{t: t, p: p}
	photo := writeFile(t, "keripik-singkong.jpg", mediatest.JPEG(1080, 1080, 0))
	video := writeFile(t, "keripik-singkong.mp4", mediatest.Movie{Width: 1080, Height: 1920, Duration: 12 * time.Second, FPS: 30, DataSize: 64 << 10}.Bytes())

	start := time.Now()
	h.open(s.base + "/")
	h.follow(`a[href="/signup"]`)
	h.fill("#business", "Keripik Bu Sari")
	h.fill("#name", "Sari")
	h.fill("#email", "sari@keripikbusari.id")
	h.fill("#password", "pedas-renyah-2026")
	h.follow("button[type=submit]")
	wsPath := strings.TrimSuffix(browsertest.Eval[string](p, "location.pathname"), "/accounts")
	if !strings.HasPrefix(wsPath, "/w/ws_") {
		t.Fatalf("after sign-up the browser is at %q, want the workspace's accounts page", wsPath)
	}

	for _, platform := range []string{"facebook", "instagram", "youtube", "tiktok"} {
		h.follow("a.connect.p-" + platform) // the login answers at once and comes back
	}
	if n := p.Count(".account[data-health=active]"); n != 4 {
		t.Fatalf("%d healthy accounts after connecting four, want 4", n)
	}

	h.follow("nav.main-nav a.cta")
	if n := p.Count(`input[name="account"]:checked`); n != 4 {
		t.Fatalf("%d accounts picked in the composer, want the four just connected", n)
	}
	h.fill("#name", "Keripik Singkong Pedas")
	h.fill("#price", "25000")
	h.fill("#description", "Renyah, pedas, tanpa pengawet. Digoreng tiap pagi di dapur kami.")
	h.fill("#whatsapp", "0812-3456-7890")
	h.pick(photo)
	waitUntil(t, p, "the photo uploaded", `document.querySelectorAll('.media-item[data-id^="med_"]').length === 1`)
	h.pick(video)
	waitUntil(t, p, "the video uploaded", `document.querySelectorAll('.media-item[data-id^="med_"]').length === 2`)
	tt := browsertest.Eval[string](p, "document.querySelector('.tt-privacy').id")
	h.choose("#"+tt, "PUBLIC_TO_EVERYONE")
	waitUntil(t, p, "four previews without faults",
		`document.querySelectorAll('#previews .pv').length === 4 && !document.querySelector('#previews .pv-errors')`)
	// The time is left empty: "Kosongkan untuk langsung diposting",
	// the page says — it goes out now.
	if got := browsertest.Eval[string](p, "document.getElementById('scheduled_at').value"); got != "" {
		t.Fatalf("the composer starts with the time %q, want empty (now)", got)
	}
	h.follow("button[value=schedule]")
	took := time.Since(start)

	postPath := browsertest.Eval[string](p, "location.pathname")
	if !strings.HasPrefix(postPath, wsPath+"/posts/post_") {
		t.Fatalf("after scheduling the browser is at %q, want the post's page", postPath)
	}
	t.Logf("the person's part, from / to Schedule: %s of wall time in the test's browser", took.Round(100*time.Millisecond))
	t.Logf("they did: %d taps, %d fields typed (%d characters), %d files picked, %d pages read",
		h.taps, h.fields, h.chars, h.files, h.pages)
	est := h.estimate()
	t.Logf("a person would take about %s (%s a tap, %s a character, %s a file, %s a page)",
		est.Round(time.Second), perTap, perChar, perFile, perPage)
	if est >= 3*time.Minute {
		t.Errorf("a newcomer needs about %s to schedule their first post, want under 3 minutes", est.Round(time.Second))
	}

	// The post's page follows the post until it is out; a person waits
	// and looks again. Instagram takes longest: it processes the
	// carousel's photo and video, checked every 10 s.
	deadline := time.Now().Add(3 * time.Minute)
	for browsertest.Eval[string](p, "document.getElementById('post').dataset.status") != "published" {
		if time.Now().After(deadline) {
			_, post := s.apiCall("GET", "/v1/workspaces/"+strings.TrimPrefix(postPath[:strings.Index(postPath, "/posts/")], "/w/")+"/posts/"+strings.TrimPrefix(postPath, wsPath+"/posts/"), nil)
			t.Fatalf("the post's page says %q at %s, want published\n%s\nthe API: %v", p.Text(".post-status"), time.Now().Format(time.TimeOnly), p.Text("#post"), post["deliveries"])
		}
		time.Sleep(2 * time.Second)
		p.Open(s.base + postPath)
	}
	if got := p.Text(".post-status"); got != "Tayang" {
		t.Errorf("the post's badge says %q, want Tayang", got)
	}
	if n := p.Count(".delivery-status.good"); n != 4 {
		t.Errorf("%d deliveries shown published, want 4", n)
	}
	if n := p.Count("a.permalink"); n != 4 {
		t.Errorf("%d links to the platforms, want 4", n)
	}
	if o := p.Overflow(); o > 0 {
		t.Errorf("the post's page is %d px wider than the phone", o)
	}
	p.Screenshot("post-published")

	// What the platforms got.
	if n := len(stack.TikTok.Publishes(fakestack.TikTokOpenID)); n != 1 {
		t.Errorf("TikTok has %d posts, want 1", n)
	}

	h.follow(`nav.main-nav a[href="` + wsPath + `/calendar"]`)
	if n := p.Count(".entry.st-published"); n != 1 {
		t.Errorf("the calendar shows %d published entries, want the one post", n)
	}
	if got := p.Text(".entry.st-published"); !strings.Contains(got, "Keripik Singkong Pedas") {
		t.Errorf("the calendar's entry reads %q", got)
	}
	p.Screenshot("calendar")
	if probs := p.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}
}
