package api_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
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
