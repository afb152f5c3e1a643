package browsertest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/serentak/serentak/internal/browsertest"
	"github.com/serentak/serentak/testkit"
)

var browser = browsertest.New()

func TestMain(m *testing.M) {
	code := m.Run()
	browser.Close()
	os.Exit(code)
}

// site is a form that answers what was typed, a page wider than a phone,
// and what the browser sent.
func site(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<form method="post" action="/answer"><label for="name">Nama</label><input id="name" name="name">
<button id="send" type="submit">Kirim</button></form></body></html>`)
	})
	mux.HandleFunc("POST /answer", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `<!DOCTYPE html><p id="got">Halo, %s!</p>`, strings.ReplaceAll(r.FormValue("name"), "<", "&lt;"))
	})
	mux.HandleFunc("GET /wide", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<div style="width:500px">lebar</div></body></html>`)
	})
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'")
		fmt.Fprint(w, `<!DOCTYPE html><p id="x">rusak</p><img src="/missing.png" alt=""><script>document.title = "ran"</script>`)
	})
	mux.HandleFunc("GET /throws", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><p id="x">rusak</p><script>null.harga</script>`)
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><p id="ua">%s</p>`, strings.ReplaceAll(r.UserAgent(), "<", "&lt;"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// A person on a phone fills a form, sends it and reads the answer; the
// screenshot is a PNG of the phone's width at its density.
func TestPhoneFillsAForm(t *testing.T) {
	srv := site(t)
	p := browser.Page(t, browsertest.Phone)
	if status := p.Open(srv.URL + "/form"); status != http.StatusOK {
		t.Fatalf("open: %d", status)
	}
	if got := browsertest.Eval[int](p, "window.innerWidth"); got != 360 {
		t.Errorf("innerWidth %d, want the phone's 360", got)
	}
	if p.Count("input") != 1 {
		t.Errorf("inputs: %d", p.Count("input"))
	}
	t.Setenv(browsertest.EnvScreenshots, t.TempDir())
	path := p.Screenshot("form")
	if filepath.Dir(path) != os.Getenv(browsertest.EnvScreenshots) || filepath.Base(path) != "TestPhoneFillsAForm-form-phone.png" {
		t.Errorf("screenshot at %s", path)
	}
	png, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("the screenshot is not a PNG: % x", png[:8])
	}
	// IHDR's width: 360 CSS pixels at a density of 2.
	if w := int(png[16])<<24 | int(png[17])<<16 | int(png[18])<<8 | int(png[19]); w != 720 {
		t.Errorf("screenshot %d pixels wide, want 720", w)
	}

	p.Fill("#name", "Budi <Jaya>")
	if status := p.Follow("#send"); status != http.StatusAccepted {
		t.Errorf("after sending: %d, want the answer's 202", status)
	}
	if got := p.Text("#got"); got != "Halo, Budi <Jaya>!" {
		t.Errorf("answer %q", got)
	}
}

// The phone sends its own user agent, and a page wider than the phone is
// seen as overflowing while one that fits is not.
func TestPhoneSeesOverflow(t *testing.T) {
	srv := site(t)
	p := browser.Page(t, browsertest.Phone)
	p.Open(srv.URL + "/whoami")
	if got := p.Text("#ua"); got != browsertest.Phone.UserAgent {
		t.Errorf("user agent %q", got)
	}
	p.Open(srv.URL + "/form")
	if n := p.Overflow(); n > 0 {
		t.Errorf("a page that fits overflows by %d px", n)
	}
	p.Open(srv.URL + "/wide")
	if n := p.Overflow(); n < 140 {
		t.Errorf("a 500 px page on a 360 px phone overflows by %d px, want at least 140", n)
	}
	d := browser.Page(t, browsertest.Desktop)
	d.Open(srv.URL + "/wide")
	if n := d.Overflow(); n > 0 {
		t.Errorf("on a desktop the 500 px page overflows by %d px", n)
	}
}

// Only 127.0.0.1 is reached: every host name, even localhost, resolves to
// nothing, so a page cannot load from the internet.
func TestOnlyLoopbackAddress(t *testing.T) {
	srv := site(t)
	p := browser.Page(t, browsertest.Phone)
	p.Open(srv.URL + "/form")
	fetch := func(u string) bool {
		t.Helper()
		return browsertest.Eval[bool](p, fmt.Sprintf(`fetch(%q, {mode: "no-cors"}).then(() => true, () => false)`, u))
	}
	if !fetch(srv.URL + "/whoami") {
		t.Errorf("the page cannot fetch from its own server at %s", srv.URL)
	}
	if byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1); fetch(byName + "/whoami") {
		t.Errorf("the browser resolved a host name: it fetched %s", byName)
	}
}

// What the browser reports as errors is collected: a missing image, a
// script refused by the Content-Security-Policy, an uncaught exception.
func TestProblemsAreCollected(t *testing.T) {
	srv := site(t)
	p := browser.Page(t, browsertest.Phone)
	p.Open(srv.URL + "/form")
	if got := p.TakeProblems(); len(got) != 0 {
		t.Errorf("a clean page: %q", got)
	}
	p.Open(srv.URL + "/broken")
	wantProblems(t, p, "404 (Not Found) "+srv.URL+"/missing.png", "Content Security Policy")
	p.Open(srv.URL + "/throws")
	wantProblems(t, p, "TypeError: Cannot read properties of null")
	if got := p.TakeProblems(); len(got) != 0 {
		t.Errorf("taken twice: %q", got)
	}
}

// wantProblems waits for the page to report one problem containing each
// of want (events arrive on their own).
func wantProblems(t *testing.T, p *browsertest.Page, want ...string) {
	t.Helper()
	var got []string
	testkit.WaitFor(t, browsertest.Timeout, fmt.Sprintf("problems %q", want), func() bool {
		got = append(got, p.TakeProblems()...)
		return len(got) >= len(want)
	})
	for _, w := range want {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, w) }) {
			t.Errorf("no problem says %q: %q", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %q, want %d", got, len(want))
	}
}

// recorder is a testing.TB that records a skip or a failure and stops
// the goroutine it runs on, as testing.T does.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	runtime.Goexit()
}

func pageWithoutChromium(t *testing.T) *recorder {
	t.Setenv("PATH", t.TempDir())
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b := browsertest.New()
		defer b.Close()
		b.Page(r, browsertest.Phone)
	}()
	<-done
	return r
}

// Without Chromium a test is skipped saying how to install it, unless the
// browser is required (CI): then it fails.
func TestWithoutChromium(t *testing.T) {
	t.Setenv(browsertest.EnvRequire, "")
	r := pageWithoutChromium(t)
	if r.failed != "" || !strings.Contains(r.skipped, "apt-get install chromium") {
		t.Errorf("skipped %q, failed %q", r.skipped, r.failed)
	}
	t.Setenv(browsertest.EnvRequire, "required")
	r = pageWithoutChromium(t)
	if r.skipped != "" || !strings.Contains(r.failed, "SERENTAK_TEST_BROWSER=required") {
		t.Errorf("required: skipped %q, failed %q", r.skipped, r.failed)
	}
}
