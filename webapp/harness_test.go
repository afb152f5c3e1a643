package webapp_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/internal/browsertest"
	"github.com/serentak/serentak/internal/servetest"
)

// The web app's tests run the whole of `serentak serve` (API, web app,
// scheduler, workers; SQLite and the embedded Redis in a temporary
// directory) on a loopback port, and drive it with a real browser
// (browser) or a plain HTTP client (newClient).

var browser = browsertest.New()

// The browser tests call t.Parallel: each has its own install, fakes and
// browser context, and much of their time is spent waiting for the app
// (scheduler ticks, workers, Instagram's container checks). They run as
// many at once as go test's -parallel (GOMAXPROCS by default): on a loaded
// machine more tabs at once than CPUs left the browser's 20 s per step
// short.
func TestMain(m *testing.M) {
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

// serve starts `serentak serve` (internal/servetest) with env added to
// its configuration and stops it when the test ends.
func serve(t *testing.T, env map[string]string) *site {
	t.Helper()
	vars := map[string]string{
		"SERENTAK_ADMIN_KEY": operatorKey,
		"SERENTAK_LOG_LEVEL": "warn",
	}
	for k, v := range env {
		vars[k] = v
	}
	return &site{t: t, base: servetest.Start(t, vars)}
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
