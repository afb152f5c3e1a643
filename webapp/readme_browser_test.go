package webapp_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/internal/browsertest"
	"github.com/serentak/serentak/media/mediatest"
)

// EnvREADMEScreenshots names the directory TestScreenshotsForTheREADME
// writes its pictures to under fixed names (docs/screenshots/…); without
// it they go to the test's temporary directory, looked at by no one.
const EnvREADMEScreenshots = "SERENTAK_README_SCREENSHOTS"

// The README's phone is the test phone at one device pixel per CSS
// pixel: the same layout, a quarter of the bytes.
var readmePhone = func() browsertest.Device { d := browsertest.Phone; d.Scale = 1; return d }()

// shoot saves a full-page screenshot of p as <dir>/<name>.png.
func shoot(t *testing.T, p *browsertest.Page, name string) {
	t.Helper()
	if o := p.Overflow(); o > 0 {
		t.Errorf("%s: the page is %d px wider than the screen", name, o)
	}
	if probs := p.TakeProblems(); len(probs) > 0 {
		t.Errorf("%s: the browser reported: %v", name, probs)
	}
	keep(t, p.Screenshot(name), name)
}

// shootScreen saves what a phone's screen shows with the element sel at
// its top, as <dir>/<name>.png: a whole composer is five screens tall.
func shootScreen(t *testing.T, p *browsertest.Page, name, sel string) {
	t.Helper()
	browsertest.Eval[bool](p, "document.querySelector('"+sel+"').scrollIntoView(), true")
	keep(t, p.ScreenshotScreen(name), name)
}

// keep copies the screenshot at src to the README's directory as name.
func keep(t *testing.T, src, name string) {
	t.Helper()
	dir := os.Getenv(EnvREADMEScreenshots)
	if dir == "" {
		return
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The README's pictures: the main pages on a phone (360 px) and a
// desktop, with four accounts connected through the fake platforms, a
// product post published on all four and a few more scheduled.
// SERENTAK_README_SCREENSHOTS=docs/screenshots keeps them.
func TestScreenshotsForTheREADME(t *testing.T) {
	if dir := os.Getenv(EnvREADMEScreenshots); dir != "" && !filepath.IsAbs(dir) {
		// go test runs in the package's directory; the README's
		// directory is named from the repository's root.
		abs, _ := filepath.Abs(filepath.Join("..", dir))
		t.Setenv(EnvREADMEScreenshots, abs) // which a parallel test may not
	} else {
		t.Parallel()
	}
	s, _ := serveWithStack(t)
	p := browser.Page(t, readmePhone)
	d := browser.Page(t, browsertest.Desktop)

	p.Open(s.base + "/signin")
	shoot(t, p, "signin-phone")
	d.Open(s.base + "/signin")
	shoot(t, d, "signin-desktop")

	wsPath := signUpInBrowser(t, s, p, "Keripik Bu Sari", "Sari", "sari@keripikbusari.id", "pedas-renyah-2026")
	ws := strings.TrimPrefix(wsPath, "/w/")
	for _, platform := range []string{"facebook", "instagram", "youtube", "tiktok"} {
		if st := p.Follow("a.connect.p-" + platform); st != http.StatusOK {
			t.Fatalf("connecting %s: %d", platform, st)
		}
	}
	p.Open(s.base + wsPath + "/accounts") // without the flash of the last connect
	shoot(t, p, "accounts-phone")
	signInInBrowser(t, s, d, "sari@keripikbusari.id", "pedas-renyah-2026")
	d.Open(s.base + wsPath + "/accounts")
	shoot(t, d, "accounts-desktop")

	// A week of posts for the calendar, to Facebook.
	var accs struct {
		Data []struct{ ID, Platform string } `json:"data"`
	}
	s.apiAs(operatorKey, "GET", "/v1/workspaces/"+ws+"/accounts", nil, &accs)
	var fb string
	for _, a := range accs.Data {
		if a.Platform == "facebook" {
			fb = a.ID
		}
	}
	jkt := jakarta(t)
	day := time.Now().In(jkt)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, jkt)
	for i, name := range []string{"Sambal Roa Bu Sari", "Kue Lapis Legit", "Rendang Daging Sapi", "Es Kopi Susu Gula Aren"} {
		s.makePost(ws, fb, name, day.AddDate(0, 0, i+1).Add(time.Duration(9+2*i)*time.Hour))
	}

	// The composer with its previews, on both; the desktop's post goes out now.
	photo := writeFile(t, "keripik-singkong.jpg", mediatest.JPEG(1080, 1080, 0))
	video := writeFile(t, "keripik-singkong.mp4", mediatest.Movie{Width: 1080, Height: 1920, Duration: 12 * time.Second, FPS: 30, DataSize: 64 << 10}.Bytes())
	compose := func(pg *browsertest.Page) {
		pg.Open(s.base + wsPath + "/posts/new")
		pg.Fill("#name", "Keripik Singkong Pedas")
		pg.Fill("#price", "25000")
		pg.Fill("#description", "Renyah, pedas, tanpa pengawet. Digoreng tiap pagi di dapur kami.")
		pg.Fill("#whatsapp", "0812-3456-7890")
		pickFiles(pg, photo)
		waitUntil(t, pg, "the photo uploaded", `document.querySelectorAll('.media-item[data-id^="med_"]').length === 1`)
		pickFiles(pg, video)
		waitUntil(t, pg, "the video uploaded", `document.querySelectorAll('.media-item[data-id^="med_"]').length === 2`)
		browsertest.Eval[bool](pg, `(() => { const s = document.querySelector('.tt-privacy'); s.value = 'PUBLIC_TO_EVERYONE'; s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
		waitUntil(t, pg, "four previews without faults",
			`document.querySelectorAll('#previews .pv').length === 4 && !document.querySelector('#previews .pv-errors')`)
	}
	compose(p)
	shootScreen(t, p, "compose-phone", "main")
	compose(d)
	shootScreen(t, d, "compose-desktop", "main")
	browsertest.Eval[bool](d, `(() => { const e = document.getElementById('scheduled_at'); e.value = ''; e.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	if st := d.Follow("button[value=schedule]"); st != http.StatusOK {
		t.Fatalf("scheduling: %d", st)
	}
	postPath := browsertest.Eval[string](d, "location.pathname")
	id, ok := strings.CutPrefix(postPath, wsPath+"/posts/")
	if !ok {
		t.Fatalf("after scheduling the desktop is at %q", postPath)
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(time.Second) { // Instagram's carousel takes a while
		if _, post := s.apiCall("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil); post["status"] == "published" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the post is %v after 3 minutes, want published: %v", post["status"], post["deliveries"])
		}
	}
	d.Open(s.base + postPath)
	shoot(t, d, "post-desktop")
	p.Open(s.base + postPath)
	shoot(t, p, "post-phone")

	d.Open(s.base + wsPath + "/calendar?view=week")
	shoot(t, d, "calendar-desktop")
	p.Open(s.base + wsPath + "/calendar?view=list")
	shoot(t, p, "calendar-phone")

	p.Open(s.base + wsPath + "/members")
	shoot(t, p, "members-phone")
	d.Open(s.base + wsPath + "/members")
	shoot(t, d, "members-desktop")
}

// leakedID is a message ID shown as it is: a word of the catalogue's
// prefixes, a dot, a key.
var leakedID = regexp.MustCompile(`\b(?:nav|form|home|signin|signup|accounts|compose|calendar|post|posts|dashboard|members|approvals|import|templates|keys|webhooks|settings|more|workspaces|error|errors|lang)\.[a-z_]+(?:\.[a-z_]+)*\b`)

var (
	// Code is no words: webhook event names (post.published) are shown
	// as they are sent.
	scriptsAndStyles = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<code.*?</code>`)
	wordsInAttrs     = regexp.MustCompile(`\b(?:placeholder|aria-label|title|alt)="([^"]*)"`)
	tags             = regexp.MustCompile(`(?s)<[^>]*>`)
)

// words is what a reader sees of a page: its text and the words in its
// attributes.
func words(html string) string {
	html = scriptsAndStyles.ReplaceAllString(html, " ")
	var b strings.Builder
	for _, m := range wordsInAttrs.FindAllStringSubmatch(html, -1) {
		b.WriteString(m[1] + "\n")
	}
	b.WriteString(tags.ReplaceAllString(html, " "))
	return b.String()
}

// Every page works in English too: with the language cookie set to en,
// each main page answers 200 in <html lang="en"> and shows no message
// ID in place of words.
func TestEveryPageInEnglish(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	// Signed out first: once someone has signed up, sign-up is by
	// invitation (SERENTAK_SIGNUP=first) and /signup sends elsewhere.
	out := s.newClient()
	out.get("/lang?to=en&back=/")
	for _, path := range []string{"/signin", "/signup"} {
		if res, body := out.get(path); res.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="en"`) {
			t.Errorf("%s signed out: %d, want 200 in <html lang=\"en\">", path, res.StatusCode)
		} else if ids := leakedID.FindAllString(words(body), -1); len(ids) > 0 {
			t.Errorf("%s shows message IDs instead of words: %v", path, ids)
		}
	}
	c := s.newClient()
	wsPath := c.signUp("Keripik Bu Sari", "Sari", "sari@example.com", "pedas-renyah-2026")
	acc := s.attachFacebook(wsPath)
	post := s.makePost(strings.TrimPrefix(wsPath, "/w/"), acc, "Keripik Singkong Pedas", time.Now().Add(48*time.Hour))
	if res, _ := c.get("/lang?to=en&back=/"); res.StatusCode >= 400 {
		t.Fatalf("switching to English: %d", res.StatusCode)
	}

	pages := []struct {
		c    *client
		path string
	}{{c, "/workspaces"}}
	for _, p := range []string{"", "/accounts", "/posts/new", "/calendar", "/calendar?view=month", "/calendar?view=list",
		"/posts/" + post, "/posts/" + post + "/edit", "/more", "/members", "/approvals", "/import", "/templates", "/keys",
		"/webhooks", "/settings"} {
		pages = append(pages, struct {
			c    *client
			path string
		}{c, wsPath + p})
	}
	for _, pg := range pages {
		res, body := pg.c.get(pg.path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d in English, want 200", pg.path, res.StatusCode)
			continue
		}
		if !strings.Contains(body, `<html lang="en"`) {
			t.Errorf("%s: not marked <html lang=\"en\">", pg.path)
		}
		if ids := leakedID.FindAllString(words(body), -1); len(ids) > 0 {
			t.Errorf("%s shows message IDs instead of words: %v", pg.path, ids)
		}
	}
}
