package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak/api"
)

var (
	docOnce sync.Once
	doc     *openapi3.T
	docErr  error
)

// openAPI loads and validates api/openapi.json once.
func openAPI(t *testing.T) *openapi3.T {
	t.Helper()
	docOnce.Do(func() {
		raw, err := os.ReadFile("openapi.json")
		if err != nil {
			docErr = err
			return
		}
		doc, docErr = openapi3.NewLoader().LoadFromData(raw)
		if docErr == nil {
			docErr = doc.Validate(context.Background())
		}
	})
	if docErr != nil {
		t.Fatalf("openapi.json: %v", docErr)
	}
	return doc
}

var echoParam = regexp.MustCompile(`:([A-Za-z_]+)`)

func TestOpenAPIMatchesRoutes(t *testing.T) {
	d := openAPI(t)
	b := setup(t)
	var registered, documented []string
	for _, r := range b.handler.(*echo.Echo).Routes() {
		registered = append(registered, r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}"))
	}
	for path, item := range d.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(registered)
	sort.Strings(documented)
	if strings.Join(registered, "\n") != strings.Join(documented, "\n") {
		t.Fatalf("routes and openapi.json differ\nregistered:\n  %s\ndocumented:\n  %s",
			strings.Join(registered, "\n  "), strings.Join(documented, "\n  "))
	}

	r := b.do("GET", "/openapi.json", "", nil)
	raw, _ := os.ReadFile("openapi.json")
	if r.status != http.StatusOK || !bytes.Equal(r.body, raw) || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json = %d %s, want the embedded document", r.status, r.header.Get("Content-Type"))
	}

	// With a public URL, the served document names it as the server and
	// is otherwise the same.
	withURL := setup(t, func(c *api.Config) { c.PublicURL = "https://serentak.example" })
	r = withURL.do("GET", "/openapi.json", "", nil)
	served, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if err := served.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(served.Servers) != 1 || served.Servers[0].URL != "https://serentak.example" {
		t.Fatalf("servers = %+v, want the public URL", served.Servers)
	}
	if len(served.Paths.Map()) != len(d.Paths.Map()) {
		t.Fatal("the served document lost paths")
	}
}

// findOperation matches a request path against the document's paths.
func findOperation(d *openapi3.T, method, path string) (*routers.Route, map[string]string) {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	var best *routers.Route
	var bestParams map[string]string
	bestStatic := -1
	for tmpl, item := range d.Paths.Map() {
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		params, static, ok := map[string]string{}, 0, true
		for i, s := range ts {
			switch {
			case strings.HasPrefix(s, "{"):
				params[strings.Trim(s, "{}")] = segs[i]
			case s == segs[i]:
				static++
			default:
				ok = false
			}
		}
		if ok && static > bestStatic {
			best = &routers.Route{Spec: d, Path: tmpl, PathItem: item, Method: method, Operation: op}
			bestParams, bestStatic = params, static
		}
	}
	return best, bestParams
}

// checkAgainstOpenAPI validates one answer against the document: its
// status must be documented for the operation and a JSON body must match
// the schema. Every request of these tests goes through it, so the
// document cannot drift from what the server says.
func checkAgainstOpenAPI(t *testing.T, req *http.Request, res response) {
	t.Helper()
	d := openAPI(t)
	route, params := findOperation(d, req.Method, req.URL.Path)
	if route == nil {
		return // an unknown route or method: its 404/405 is checked by the tests
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true}
	if !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		opts.ExcludeResponseBody = true
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.status,
		Header:                 res.header,
		Body:                   io.NopCloser(bytes.NewReader(res.body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL.Path, res.status, err, res.body)
	}
}

// TestOpenAPIOperationsDescribed keeps the document useful to people and
// client generators as routes are added: every operation has a unique
// operationId, a tag, a description, and an example for each body it
// takes or answers with (the loader has already checked that the examples
// match their schemas). An operation with no body at all (a HEAD, a 204)
// has nothing to show beyond its errors, whose shared answers carry
// examples.
func TestOpenAPIOperationsDescribed(t *testing.T) {
	d := openAPI(t)
	seen := map[string]string{}
	for path, item := range d.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			switch {
			case op.OperationID == "":
				t.Errorf("%s: no operationId", where)
			case seen[op.OperationID] != "":
				t.Errorf("%s: operationId %q is also %s's", where, op.OperationID, seen[op.OperationID])
			}
			seen[op.OperationID] = where
			if strings.TrimSpace(op.Description) == "" {
				t.Errorf("%s: no description", where)
			}
			if len(op.Tags) == 0 {
				t.Errorf("%s: no tag", where)
			}
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				for mt, m := range rb.Value.Content {
					if !hasExample(m) {
						t.Errorf("%s: the %s request body has no example", where, mt)
					}
				}
			}
			for status, res := range op.Responses.Map() {
				if res.Ref != "" || res.Value == nil || (status[0] != '2' && status[0] != '3') {
					continue
				}
				for mt, m := range res.Value.Content {
					if !hasExample(m) {
						t.Errorf("%s: the %s %s answer has no example", where, status, mt)
					}
				}
			}
		}
	}
	for name, res := range d.Components.Responses {
		for mt, m := range res.Value.Content {
			if !hasExample(m) {
				t.Errorf("components/responses/%s: the %s answer has no example", name, mt)
			}
		}
	}
}

// hasExample reports whether a body shows what it looks like: raw bytes
// (a file, a chunk) have nothing to show.
func hasExample(m *openapi3.MediaType) bool {
	if m.Example != nil || len(m.Examples) > 0 {
		return true
	}
	return m.Schema != nil && m.Schema.Value != nil && m.Schema.Value.Format == "binary"
}
