package webapp_test

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/internal/app"
	"github.com/serentak/serentak/internal/browsertest"
)

// The web app's tests run the whole of `serentak serve` (API, web app,
// scheduler, workers; SQLite and the embedded Redis in a temporary
// directory) on a loopback port, and drive it with a real browser
// (browser) or a plain HTTP client (newClient).

var browser = browsertest.New()

func TestMain(m *testing.M) {
	// The browser tests run in parallel (each has its own install, fakes
	// and browser context): most of their time is spent waiting for the
	// app (scheduler ticks, workers, Instagram's container checks), not
	// on the CPU, so more of them run at once than the CPUs go test
	// counts by default. An explicit -parallel wins.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", strconv.Itoa(max(4, runtime.GOMAXPROCS(0))))
	}
	code := m.Run()
	browser.Close()
	os.Exit(code)
}

// operatorKey is the operator key of the test installs.
const operatorKey = "sk_op_webapp_tests_0123456789abcdefghij"

// site is one running install.
type site struct {
	t    *testing.T
	base string // http://127.0.0.1:port
}

// serve starts `serentak serve` with env added to its configuration and
// stops it when the test ends.
func serve(t *testing.T, env map[string]string) *site {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{
		"SERENTAK_ADDR":      "127.0.0.1:0",
		"SERENTAK_DATA_DIR":  dir,
		"SERENTAK_CONFIG":    os.DevNull,
		"SERENTAK_ADMIN_KEY": operatorKey,
		"SERENTAK_LOG_LEVEL": "warn",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(cfg, app.Serve, io.Discard)
	listening := make(chan string, 1)
	a.Listening = listening
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve after stop: %v", err)
		}
		a.Close()
	})
	select {
	case addr := <-listening:
		return &site{t: t, base: "http://" + addr}
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not listen within a minute")
	}
	return nil
}

// client is a browser without a browser: a cookie jar and no automatic
// redirects, for the tests of what the server answers.
type client struct {
	*http.Client
	s *site
}

func (s *site) newClient() *client {
	jar, _ := cookiejar.New(nil)
	return &client{s: s, Client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get answers GET path and its body.
func (c *client) get(path string) (*http.Response, string) {
	c.s.t.Helper()
	res, err := c.Get(c.s.base + path)
	if err != nil {
		c.s.t.Fatal(err)
	}
	return res, readBody(c.s.t, res)
}

// post sends a form to path.
func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.s.t.Helper()
	res, err := c.PostForm(c.s.base+path, form)
	if err != nil {
		c.s.t.Fatal(err)
	}
	return res, readBody(c.s.t, res)
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// csrf is the CSRF token of the first form in page.
func csrf(t *testing.T, page string) string {
	t.Helper()
	const mark = `name="csrf_token" value="`
	i := strings.Index(page, mark)
	if i < 0 {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	rest := page[i+len(mark):]
	return rest[:strings.IndexByte(rest, '"')]
}

// signUp makes a person and their business through the sign-up form and
// answers the workspace's path (/w/ws_…).
func (c *client) signUp(business, name, email, password string) string {
	c.s.t.Helper()
	_, page := c.get("/signup")
	res, body := c.post("/signup", url.Values{"csrf_token": {csrf(c.s.t, page)}, "business": {business},
		"name": {name}, "email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		c.s.t.Fatalf("sign-up: %d, want 303\n%s", res.StatusCode, body)
	}
	loc := res.Header.Get("Location")
	ws, _, _ := strings.Cut(loc, "?")
	ws = strings.TrimSuffix(ws, "/accounts") // sign-up lands on the accounts page
	if !strings.HasPrefix(ws, "/w/ws_") {
		c.s.t.Fatalf("sign-up went to %q, want a workspace", loc)
	}
	return ws
}

// signUpInBrowser makes a person and their business on page p, as a
// person would, and answers the workspace's path.
func signUpInBrowser(t *testing.T, s *site, p *browsertest.Page, business, name, email, password string) string {
	t.Helper()
	p.Open(s.base + "/signup")
	p.Fill("#business", business)
	p.Fill("#name", name)
	p.Fill("#email", email)
	p.Fill("#password", password)
	if st := p.Follow("button[type=submit]"); st != http.StatusOK {
		t.Fatalf("sign-up: the page after it answered %d", st)
	}
	path := browsertest.Eval[string](p, "location.pathname")
	if !strings.HasPrefix(path, "/w/ws_") {
		t.Fatalf("after sign-up the browser is at %q, want a workspace's page", path)
	}
	return strings.TrimSuffix(path, "/accounts") // sign-up lands on the accounts page
}
