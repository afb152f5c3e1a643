package api_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/serentak/serentak/internal/browsertest"
)

// TestDocsPage: GET /docs is the reference rendered from the document,
// with every operation (by its operationId, as an anchor), every error
// code, examples, and no script: the policy forbids any.
func TestDocsPage(t *testing.T) {
	d := openAPI(t)
	b := setup(t)
	r := b.do("GET", "/docs", "", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs = %d %s, want 200 HTML", r.status, r.header.Get("Content-Type"))
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(string(r.body), -1) {
		ids[m[1]] = true
	}
	page := html.UnescapeString(string(r.body))
	for path, item := range d.Paths.Map() {
		for method, op := range item.Operations() {
			if !ids[op.OperationID] {
				t.Errorf("%s %s: no section with id %q on /docs", method, path, op.OperationID)
			}
		}
	}
	for _, code := range d.Components.Schemas["Error"].Value.Properties["error"].Value.Properties["code"].Value.Enum {
		if !strings.Contains(page, code.(string)) {
			t.Errorf("error code %q is not on /docs", code)
		}
	}
	// An example from the document, as the page shows it.
	for _, want := range []string{"/v1/workspaces/{ws}/posts", "Idempotency-Key", `"next_cursor"`, "validation_failed"} {
		if !strings.Contains(page, want) {
			t.Errorf("/docs does not show %s", want)
		}
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Error("/docs has a script element, want none")
	}
	csp := r.header.Get("Content-Security-Policy")
	if !regexp.MustCompile(`^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'`).MatchString(csp) {
		t.Errorf("Content-Security-Policy = %q, want nothing but the page's own style", csp)
	}
	if !strings.Contains(string(r.body), `name="viewport"`) {
		t.Error("/docs has no viewport: unreadable on a phone")
	}
	t.Logf("/docs: %d bytes", len(r.body))
}

// TestDocsPageOnAPhone: the reference in a real browser on a phone-sized
// screen: nothing refused by its Content-Security-Policy or failed to
// load, nothing wider than the screen, every operation shown.
func TestDocsPageOnAPhone(t *testing.T) {
	d := openAPI(t)
	b := setup(t)
	p := browser.Page(t, browsertest.Phone)
	if status := p.Open(b.srv.URL + "/docs"); status != http.StatusOK {
		t.Fatalf("GET /docs = %d", status)
	}
	ops := 0
	for _, item := range d.Paths.Map() {
		ops += len(item.Operations())
	}
	if n := p.Count("section.op"); n != ops {
		t.Errorf("the page shows %d operations, the document has %d", n, ops)
	}
	if over := p.Overflow(); over > 0 {
		t.Errorf("the page is %d CSS pixels wider than the phone's screen", over)
		t.Log("text wider than the screen:\n" + browsertest.Eval[string](p, widerThanScreen))
	}
	for _, pr := range p.TakeProblems() {
		t.Errorf("the browser reported: %s", pr)
	}
	p.ScreenshotScreen("top")
}

// widerThanScreen names the text that sticks out of a phone's screen,
// outside the tables and examples that scroll on their own.
const widerThanScreen = `(() => {
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), out = [];
  for (let n; (n = w.nextNode()) && out.length < 10; ) {
    if (n.parentElement.closest('.t, pre, details:not([open])')) continue;
    const r = document.createRange();
    r.selectNodeContents(n);
    if (r.getBoundingClientRect().right > window.screen.width) out.push(n.parentElement.tagName + ': ' + n.textContent.slice(0, 80));
  }
  return out.join('\n');
})()`
