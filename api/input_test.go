package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

// Inputs PostgreSQL cannot store (a NUL character, bytes that are not
// UTF-8) are refused with the error body before they reach the database:
// on PostgreSQL they were 500s with an SQL error in the log. These tests
// run on PostgreSQL too when SERENTAK_TEST_DATABASE_URL is set.

// noInternalErrors fails the test when the server logged an internal
// error: a 4xx answer that went through the database first is not enough.
func noInternalErrors(t *testing.T, b *bundle) {
	t.Helper()
	if logs := b.logs.String(); strings.Contains(logs, `"internal error"`) || strings.Contains(logs, `"status":500`) {
		t.Fatalf("the server logged an internal error:\n%s", logs)
	}
}

func TestJSONStringsMustBeStorable(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	posts := "/v1/workspaces/" + ws + "/posts"
	post := func(edit func(m map[string]any)) map[string]any {
		m := postBody(acc)
		edit(m)
		return m
	}
	for _, tt := range []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"workspace name", "POST", "/v1/workspaces", `{"name":"Toko\u0000Budi"}`, "name"},
		{"workspace timezone", "POST", "/v1/workspaces", `{"name":"Toko","timezone":"Asia/Jakarta\u0000"}`, "timezone"},
		{"account external_id", "POST", "/v1/workspaces/" + ws + "/accounts",
			`{"platform":"facebook","external_id":"12\u00003","access_token":"EAAB-x"}`, "external_id"},
		{"account name", "POST", "/v1/workspaces/" + ws + "/accounts",
			`{"platform":"facebook","external_id":"123","name":"\u0000","access_token":"EAAB-x"}`, "name"},
		{"access token", "POST", "/v1/workspaces/" + ws + "/accounts",
			`{"platform":"facebook","external_id":"123","access_token":"EAAB\u0000x"}`, "access_token"},
		{"caption", "POST", posts, post(func(m map[string]any) { m["caption"] = "Enak\x00" }), "caption"},
		{"product name", "POST", posts, post(func(m map[string]any) { m["product"].(map[string]any)["name"] = "Keripik\x00" }), "product.name"},
		{"hashtag", "POST", posts, post(func(m map[string]any) { m["hashtags"] = []string{"ok", "um\x00km"} }), "hashtags[1]"},
		{"target caption", "POST", posts, post(func(m map[string]any) {
			m["targets"] = []any{map[string]any{"account_id": acc, "caption": "a\x00b"}}
		}), "targets[0].caption"},
		{"account id", "POST", posts, post(func(m map[string]any) { m["targets"] = []any{map[string]any{"account_id": acc + "\x00"}} }), "targets[0].account_id"},
		{"media url", "POST", posts, post(func(m map[string]any) {
			m["media"] = []any{map[string]any{"url": "https://cdn.example.com/a\x00.jpg"}}
		}), "media[0].url"},
		{"media id", "POST", posts, post(func(m map[string]any) { m["media"] = []any{map[string]any{"id": "med_\x00"}} }), "media[0].id"},
		{"preview", "POST", posts + "/preview", post(func(m map[string]any) { m["caption"] = "\x00" }), "caption"},
		{"scheduled_at", "PATCH", posts + "/" + b.expect(b.do("POST", posts, key, postBody(acc)), http.StatusCreated)["id"].(string), `{"scheduled_at":"2030-01-01T00:00:00Z\u0000"}`, "scheduled_at"},
		{"template", "PUT", "/v1/workspaces/" + ws + "/templates/all/id", `{"footer":"Buka\u0000"}`, "footer"},
		// Bytes that are not UTF-8: encoding/json would quietly make them
		// U+FFFD; they are refused instead, naming the field.
		{"caption not UTF-8", "POST", posts, strings.Replace(mustJSON(t, postBody(acc)), `"hashtags":["umkm"`, `"caption":"Enak `+"\xff\xfe"+`","hashtags":["umkm"`, 1), "caption"},
		{"workspace name not UTF-8", "POST", "/v1/workspaces", "{\"name\":\"Toko \xc3\"}", "name"},
	} {
		r := b.do(tt.method, tt.path, keyFor(tt.path, key), tt.body)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422; body %s", tt.name, r.status, r.body)
			continue
		}
		checkErrorShape(t, r.body, "validation_failed", tt.field)
	}
	noInternalErrors(t, b)
}

// keyFor is the operator key for creating workspaces, else the workspace's.
func keyFor(path, key string) string {
	if path == "/v1/workspaces" {
		return adminKey
	}
	return key
}

// TestPathAndQueryMustBeStorable: a path ID that is not a well-formed ID
// (post_%00x) is not found without a database lookup, on every route; a
// query parameter with a NUL or bytes that are not UTF-8 is a 422 naming
// it.
func TestPathAndQueryMustBeStorable(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	for _, r := range b.handler.(*echo.Echo).Routes() {
		if !strings.Contains(r.Path, ":") {
			continue
		}
		for _, bad := range []string{"%00x", "%ffx", "x"} {
			if bad == "x" && strings.Count(r.Path, ":") == 1 && strings.Contains(r.Path, ":ws") {
				continue // "x" is for the parameters after :ws: ws_x is a bad workspace ID only for the operator
			}
			// :ws with the operator key (which looks the workspace up), and
			// every other parameter with a good workspace and its key.
			caller, wsValue := key, ws
			if strings.Contains(r.Path, ":ws") && bad != "x" {
				caller, wsValue = adminKey, "ws_"+bad
			}
			segs := strings.Split(r.Path, "/")
			for i, s := range segs {
				switch {
				case s == ":ws":
					segs[i] = wsValue
				case strings.HasPrefix(s, ":"):
					segs[i] = idPrefix(segs[i-1]) + bad
				}
			}
			path := strings.Join(segs, "/")
			var body any
			if r.Method == "PATCH" || r.Method == "PUT" || r.Method == "POST" {
				body = `{}`
			}
			res := b.do(r.Method, path, caller, body)
			if res.status != http.StatusNotFound {
				t.Errorf("%s %s: status %d, want 404; body %s", r.Method, path, res.status, res.body)
				continue
			}
			switch {
			case r.Method == "GET" && (strings.Contains(r.Path, ":token") || strings.Contains(r.Path, ":code") || strings.HasPrefix(r.Path, "/b/")):
				// A link's page (an invite, a tracked order link, the
				// link-in-bio page) answers a
				// browser with a page saying so.
				if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("%s %s: Content-Type %q, want a page", r.Method, path, ct)
				}
			case r.Method != "HEAD":
				checkErrorShape(t, res.body, "not_found")
			}
		}
	}

	for _, q := range []string{"cursor=%00", "cursor=%ff", "status=%00", "limit=1%00"} {
		field, _, _ := strings.Cut(q, "=")
		b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/posts?"+q, key, nil), http.StatusUnprocessableEntity, "validation_failed", field)
	}
	// Queries of routes without a bearer key too: the OAuth state, and a
	// reconnect link's token, which names no link.
	conn := setup(t, func(c *api.Config) {
		c.Connectors = map[serentak.Platform]api.Connector{serentak.Facebook: &storingConnector{t: t}}
	})
	conn.expectError(conn.do("GET", "/v1/oauth/facebook/callback?state=%00&code=x", "", nil), http.StatusUnprocessableEntity, "validation_failed", "state")
	conn.expectError(conn.do("GET", "/v1/oauth/facebook/reconnect?token=%ff", "", nil), http.StatusNotFound, "not_found")
	noInternalErrors(t, conn)
	// A header the database would see: the idempotency key.
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, postBody("acc_x"), "Idempotency-Key", "k\xff"),
		http.StatusBadRequest, "bad_request")
	noInternalErrors(t, b)
}

// idPrefix is the ID prefix of a path parameter after segment: the
// collection it names.
func idPrefix(segment string) string {
	switch segment {
	case "accounts":
		return serentak.PrefixAccount
	case "posts":
		return serentak.PrefixPost
	case "media":
		return serentak.PrefixMedia
	case "uploads":
		return "upl_"
	}
	return "" // :platform, :language
}

// storingConnector fails the test when a query that cannot be stored
// reaches it: a real one would look it up in the database.
type storingConnector struct {
	fakeConnector
	t *testing.T
}

func (f *storingConnector) Callback(ctx context.Context, q url.Values) ([]serentak.Account, error) {
	if !utf8.ValidString(q.Get("state")) || strings.Contains(q.Get("state"), "\x00") {
		f.t.Errorf("the OAuth state %q reached the connector", q.Get("state"))
	}
	return f.fakeConnector.Callback(ctx, q)
}

func (f *storingConnector) NewReconnectLink(ctx context.Context, acc serentak.Account) (string, time.Time, error) {
	return "", time.Time{}, errors.New("not used")
}

func (f *storingConnector) ReconnectAuthorizeURL(ctx context.Context, token string) (string, error) {
	if !utf8.ValidString(token) || strings.Contains(token, "\x00") {
		f.t.Errorf("the reconnect token %q reached the connector", token)
	}
	return "", serentak.NotFound("reconnect link")
}
