// Package browsertest runs a headless Chromium for tests: one browser per
// test binary, started on first use, and a tab per test with a device's
// screen (a phone by default), with helpers that each wait at most a
// bounded time.
//
// A test binary holds one Browser and closes it after its tests:
//
//	var browser = browsertest.New()
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		browser.Close()
//		os.Exit(code)
//	}
//
// A test then opens a page: p := browser.Page(t, browsertest.Phone).
// Without Chromium installed the test is skipped, saying so, unless
// SERENTAK_TEST_BROWSER=required (CI), when it fails. A Chromium that is
// installed but does not start always fails.
//
// The browser reaches 127.0.0.1 only: every other host name resolves to
// nothing, so a page under test can never load from the internet.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
)

// The environment variables the package reads.
const (
	// EnvRequire set to "required" makes a missing browser fail the tests
	// instead of skipping them.
	EnvRequire = "SERENTAK_TEST_BROWSER"
	// EnvScreenshots names a directory that keeps the screenshots; without
	// it they go to the test's temporary directory and are removed.
	EnvScreenshots = "SERENTAK_SCREENSHOTS"
)

// executables are the names Chromium is installed under, in the order
// tried: Debian's package, other distributions', Google's builds.
var executables = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell", "headless_shell"}

// Timeouts: StartTimeout bounds starting the browser; Timeout bounds each
// helper (a navigation, a wait for an element, a click and the page it
// loads). Both are generous for a loaded CI machine.
const (
	StartTimeout = 60 * time.Second
	Timeout      = 20 * time.Second
)

// Device is the screen and browser a page emulates.
type Device struct {
	Name          string
	Width, Height int64   // CSS pixels
	Scale         float64 // device pixels per CSS pixel
	Mobile, Touch bool
	UserAgent     string
	// Language is the Accept-Language the browser sends: headless
	// Chromium sends en-US whatever its --lang, and the merchants'
	// phones ask for Bahasa Indonesia.
	Language string
}

// Phone is a mid-range Android phone, the screen the merchants of
// Serentak use: 360×800 CSS pixels at twice the density, with touch.
var Phone = Device{
	Name: "phone", Width: 360, Height: 800, Scale: 2, Mobile: true, Touch: true,
	UserAgent: "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
	Language:  "id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7",
}

// Desktop is a laptop's window.
var Desktop = Device{
	Name: "desktop", Width: 1280, Height: 800, Scale: 1,
	UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
	Language:  "id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7",
}

// Device makes d a chromedp.Device.
func (d Device) Device() device.Info {
	return device.Info{Name: d.Name, UserAgent: d.UserAgent, Width: d.Width, Height: d.Height,
		Scale: d.Scale, Mobile: d.Mobile, Touch: d.Touch}
}

// Browser is one Chromium shared by the tests of a binary. The zero value
// is not usable: call New.
type Browser struct {
	mu      sync.Mutex
	started bool
	// missing says why there is no browser to run (not installed);
	// err is a browser that is there but did not start.
	missing string
	err     error
	ctx     context.Context // the browser's first tab; pages are its siblings
	stop    func()
}

// New returns a Browser that starts on the first Page.
func New() *Browser { return &Browser{} }

// Close stops the browser, if it started, and removes its profile.
func (b *Browser) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stop != nil {
		b.stop()
		b.stop = nil
	}
}

// Find returns the path of the Chromium to run, or "" when none is
// installed.
func Find() string {
	for _, name := range executables {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// start starts the browser once; later calls answer the first outcome.
func (b *Browser) start() (missing string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return b.missing, b.err
	}
	b.started = true
	path := Find()
	if path == "" {
		b.missing = fmt.Sprintf("no Chromium found (looked for %s on PATH): install it (Debian: apt-get install chromium) to run the browser tests", strings.Join(executables, ", "))
		return b.missing, nil
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// Tests run as root in containers, where Chromium's sandbox
		// cannot start.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// Nothing but 127.0.0.1 resolves: a page under test cannot
		// reach the internet, and a test that tries fails visibly.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("lang", "id-ID"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	if err := firstRun(ctx, StartTimeout); err != nil {
		cancelBrowser()
		cancelAlloc()
		b.err = fmt.Errorf("start %s: %w (a browser that is installed must start: check that it runs with --headless --no-sandbox)", path, err)
		return "", b.err
	}
	b.ctx = ctx
	b.stop = func() {
		cancelBrowser()
		cancelAlloc()
	}
	return "", nil
}

// firstRun runs nothing on a chromedp context for the first time, which
// starts its browser or opens its tab. That first run ties the browser's
// or tab's life to the context it is given, so it must be ctx itself, not
// one with a deadline: the wait is bounded here instead.
func firstRun(ctx context.Context, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return fmt.Errorf("no answer within %v", timeout)
	}
}

// Page opens a new tab emulating d, in a fresh browser profile of its own
// (no cookies or storage shared with other tests), closed when the test
// ends. Without a browser the test is skipped, or fails when
// SERENTAK_TEST_BROWSER=required.
func (b *Browser) Page(t testing.TB, d Device) *Page {
	t.Helper()
	missing, err := b.start()
	if err != nil {
		t.Fatal(err)
	}
	if missing != "" {
		if os.Getenv(EnvRequire) == "required" {
			t.Fatalf("%s=required, but %s", EnvRequire, missing)
		}
		t.Skipf("skipping the browser test: %s", missing)
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := firstRun(ctx, Timeout); err != nil {
		t.Fatalf("browser: open a tab: %v", err)
	}
	p := &Page{t: t, ctx: ctx, device: d}
	p.watch()
	p.do("emulate "+d.Name, chromedp.Emulate(d))
	if d.Language != "" {
		ctx, cancel := p.bounded()
		defer cancel()
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": d.Language}}); err != nil {
			t.Fatalf("browser: ask for %s: %v", d.Language, err)
		}
	}
	return p
}

// Page is one tab. Its helpers fail the test when they do not succeed
// within Timeout.
type Page struct {
	t      testing.TB
	ctx    context.Context
	device Device
	dir    string // where screenshots go, once one is taken

	mu       sync.Mutex
	problems []string // what the browser reported as errors, in order
}

// watch collects the errors the browser reports for the tab (a refused
// Content-Security-Policy, an image that did not load, an uncaught
// JavaScript exception) until the tab closes.
func (p *Page) watch() {
	entries := chromedp.Events(p.ctx, cdplog.EntryAdded)
	exceptions := chromedp.Events(p.ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			if e := ev.Entry; e.Level == cdplog.EntryLevelError && !strings.HasSuffix(e.URL, "/favicon.ico") {
				p.problem(fmt.Sprintf("%s: %s %s", e.Source, e.Text, e.URL))
			}
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				text = d.Exception.Description
			}
			p.problem(fmt.Sprintf("javascript: %s at %s:%d", text, d.URL, d.LineNumber+1))
		}
	}()
}

func (p *Page) problem(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, s)
}

// TakeProblems answers the errors the browser reported for this tab (in
// its console) since the last call: a resource that did not load, a
// Content-Security-Policy refusal, an uncaught exception. A request for
// /favicon.ico, which browsers make by themselves, is left out. Events
// arrive on their own, so call it after a wait that follows them (a
// navigation, WaitFor, Eval).
func (p *Page) TakeProblems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.problems
	p.problems = nil
	return out
}

// bounded is the tab's context limited to Timeout.
func (p *Page) bounded() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, Timeout)
}

// do runs actions within Timeout, failing the test with what was being
// done.
func (p *Page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := p.bounded()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser: %s: %v", what, explain(err))
	}
}

// explain adds what a timeout means here.
func explain(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (gave up after %v)", err, Timeout)
	}
	return err
}

// Run runs an action that answers a value within Timeout, failing the
// test when it does not (chromedp.Evaluate, chromedp.Text…).
func Run[T any](p *Page, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := p.bounded()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("browser: %s: %v", what, explain(err))
	}
	return v
}

// Eval evaluates a JavaScript expression in the page and decodes its
// value into T; a promise is awaited.
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	return Run(p, "evaluate "+expr, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Open loads url and answers the HTTP status of the page.
func (p *Page) Open(url string) int {
	p.t.Helper()
	res := Run(p, "open "+url, chromedp.NavigateResponse(url))
	if res == nil {
		p.t.Fatalf("browser: open %s: no response", url)
	}
	return int(res.Status)
}

// WaitFor waits until an element matching the CSS selector is visible.
func (p *Page) WaitFor(sel string) {
	p.t.Helper()
	p.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// Text is the visible text of the first element matching the CSS
// selector, waiting for it to be visible.
func (p *Page) Text(sel string) string {
	p.t.Helper()
	return Run(p, "read the text of "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Count is the number of elements matching the CSS selector now (no
// wait).
func (p *Page) Count(sel string) int {
	p.t.Helper()
	return Eval[int](p, fmt.Sprintf("document.querySelectorAll(%q).length", sel))
}

// Click taps the element matching the CSS selector (a touch on a device
// with touch, a mouse click otherwise), waiting for it to be visible.
func (p *Page) Click(sel string) {
	p.t.Helper()
	p.do("click "+sel, p.press(sel))
}

// press is a tap where the device has touch, else a click.
func (p *Page) press(sel string) chromedp.Action[chromedp.Void] {
	if p.device.Touch {
		return chromedp.Tap(chromedp.CSS(sel))
	}
	return chromedp.Click(chromedp.CSS(sel))
}

// Follow clicks (taps) an element that loads a new page (a link, a form's
// button), waits for that page, and answers its HTTP status.
func (p *Page) Follow(sel string) int {
	p.t.Helper()
	ctx, cancel := p.bounded()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, p.press(sel))
	if err != nil {
		p.t.Fatalf("browser: click %s and wait for the next page: %v", sel, explain(err))
	}
	if res == nil {
		p.t.Fatalf("browser: click %s: no page loaded", sel)
	}
	return int(res.Status)
}

// Fill types value into the field matching the CSS selector, as a person
// would (key by key, after what the field holds).
func (p *Page) Fill(sel, value string) {
	p.t.Helper()
	p.do("fill "+sel, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// Overflow is how many CSS pixels the page is wider than the device's
// screen: more than 0 means the reader must scroll sideways or zoom out.
// It compares with the device's width, not window.innerWidth: a mobile
// browser widens its viewport to the content (zooming out), so there
// innerWidth grows with an overflowing page and hides the overflow.
func (p *Page) Overflow() int {
	p.t.Helper()
	return Eval[int](p, "document.scrollingElement.scrollWidth") - int(p.device.Width)
}

// Screenshot saves a PNG of the whole page (not only the screen) and
// answers its path. The file is <dir>/<test>-<name>-<device>.png, where
// dir is SERENTAK_SCREENSHOTS when set, else the test's temporary
// directory.
//
// The screen is made as tall as the page for the picture, as Puppeteer
// does: captured beyond a phone-sized screen instead, an element that
// sticks to the bottom of the screen would be drawn over the page's first
// screenful and leave a hole where it belongs.
func (p *Page) Screenshot(name string) string {
	p.t.Helper()
	tall := p.device
	tall.Height = max(tall.Height, int64(Eval[float64](p, "document.documentElement.scrollHeight")))
	p.do("make the screen as tall as the page", chromedp.Emulate(tall))
	png := Run(p, "screenshot "+name, chromedp.CaptureScreenshot())
	p.do("give the screen its size back", chromedp.Emulate(p.device))
	return p.save(name, png)
}

// ScreenshotScreen saves a PNG of what the screen shows now (the first
// screenful after Open), named as Screenshot names it, and answers its
// path.
func (p *Page) ScreenshotScreen(name string) string {
	p.t.Helper()
	return p.save(name, Run(p, "screenshot "+name, chromedp.CaptureScreenshot()))
}

// save writes a screenshot.
func (p *Page) save(name string, png []byte) string {
	p.t.Helper()
	if p.dir == "" {
		p.dir = os.Getenv(EnvScreenshots)
		if p.dir == "" {
			p.dir = p.t.TempDir()
		} else if err := os.MkdirAll(p.dir, 0o755); err != nil {
			p.t.Fatalf("screenshots: %v", err)
		}
	}
	path := filepath.Join(p.dir, fileName(p.t.Name()+"-"+name+"-"+p.device.Name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatalf("screenshots: %v", err)
	}
	return path
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName turns a test's name (with its subtests' slashes) into a file
// name.
func fileName(s string) string {
	return strings.Trim(unsafeName.ReplaceAllString(s, "_"), "_")
}
