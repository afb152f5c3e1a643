package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/testkit"
)

// scopedRoute is one workspace-scoped request with what a caller allowed
// in the workspace gets.
type scopedRoute struct {
	route        string // as the router names it: "GET /v1/workspaces/:ws"
	method, path string
	body         func() (any, []string) // body and extra headers
	ok           int                    // the status for an allowed caller
	// destroys: the route deletes the workspace itself; an allowed
	// caller is sent to a throwaway workspace (b.throwaway) instead.
	destroys bool
}

// throwaway makes a workspace to be deleted, for a caller the deletion
// route admits: the operator (adminKey) deletes it with its own key,
// anyone else with the new workspace's owner key. It returns the route's
// path there and the key to send.
func (b *bundle) throwaway(r scopedRoute, ws, key string) (string, string) {
	tws, owner := b.workspace("Sekali Pakai")
	if key != adminKey {
		key = owner
	}
	return strings.Replace(r.path, ws, tws, 1), key
}

// scopedRoutes builds a request for every route with :ws in its path, from
// the router itself, so a new route without a fixture here fails the test.
// "%POST%" in a path stands for a fresh post of the workspace.
func scopedRoutes(t *testing.T, b *bundle, ws, key, acc string) []scopedRoute {
	t.Helper()
	med := b.expect(b.upload(ws, key, "a.png", "image/png", pngBytes), http.StatusCreated)["id"].(string)
	noBody := func() (any, []string) { return nil, nil }
	fixtures := map[string]scopedRoute{
		"GET /v1/workspaces/:ws":        {body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/export": {body: noBody, ok: 200},
		"DELETE /v1/workspaces/:ws":     {body: noBody, ok: 204, destroys: true},
		"PATCH /v1/workspaces/:ws": {body: func() (any, []string) {
			return map[string]any{"timezone": "Asia/Jakarta"}, nil
		}, ok: 200},
		"POST /v1/workspaces/:ws/posts/:id/approve":       {path: "/v1/workspaces/:ws/posts/%PENDING%/approve", body: noBody, ok: 200},
		"POST /v1/workspaces/:ws/posts/:id/approval-link": {path: "/v1/workspaces/:ws/posts/%PENDING%/approval-link", body: noBody, ok: 201},
		"POST /v1/workspaces/:ws/posts/:id/reject": {path: "/v1/workspaces/:ws/posts/%PENDING%/reject", ok: 200, body: func() (any, []string) {
			return map[string]any{"comment": "harga salah"}, nil
		}},
		"POST /v1/workspaces/:ws/keys":       {body: noBody, ok: http.StatusCreated},
		"GET /v1/workspaces/:ws/keys":        {body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/audit":       {body: noBody, ok: 200},
		"DELETE /v1/workspaces/:ws/keys/:id": {path: "/v1/workspaces/:ws/keys/%KEY%", body: noBody, ok: 204},
		"POST /v1/workspaces/:ws/accounts": {body: func() (any, []string) {
			return map[string]any{"platform": "facebook", "external_id": "999", "access_token": "EAAB-x"}, nil
		}, ok: 200}, // 200: the same account again each time
		"GET /v1/workspaces/:ws/accounts":                     {body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/accounts/:id":                 {path: "/v1/workspaces/:ws/accounts/" + acc, body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/accounts/:id/options":         {path: "/v1/workspaces/:ws/accounts/" + acc + "/options", body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/accounts/connect/:platform":   {path: "/v1/workspaces/:ws/accounts/connect/facebook", body: noBody, ok: 422},
		"POST /v1/workspaces/:ws/accounts/:id/reconnect-link": {path: "/v1/workspaces/:ws/accounts/" + acc + "/reconnect-link", body: noBody, ok: 422}, // no OAuth app configured here
		"POST /v1/workspaces/:ws/posts":                       {body: func() (any, []string) { return postBody(acc), nil }, ok: 201},
		"GET /v1/workspaces/:ws/posts":                        {body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/posts/:id":                    {path: "/v1/workspaces/:ws/posts/%POST%", body: noBody, ok: 200},
		"PATCH /v1/workspaces/:ws/posts/:id": {path: "/v1/workspaces/:ws/posts/%POST%", ok: 200, body: func() (any, []string) {
			return map[string]any{"scheduled_at": b.now.Add(2 * time.Hour).Format(time.RFC3339)}, nil
		}},
		"POST /v1/workspaces/:ws/posts/:id/cancel":   {path: "/v1/workspaces/:ws/posts/%POST%/cancel", body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/posts/:id/stats":     {path: "/v1/workspaces/:ws/posts/%POST%/stats", body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/stats":               {body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/reports/publication": {body: noBody, ok: 200},
		"POST /v1/workspaces/:ws/posts/preview":      {body: func() (any, []string) { return postBody(acc), nil }, ok: 200},
		"GET /v1/workspaces/:ws/templates":           {body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/queue":               {body: noBody, ok: 200},
		"PUT /v1/workspaces/:ws/queue": {ok: 200, body: func() (any, []string) {
			return map[string]any{"slots": []any{map[string]any{"day": "mon", "time": "09:00"}}}, nil
		}},
		"POST /v1/workspaces/:ws/posts/import": {body: func() (any, []string) {
			return "caption,accounts\nBuka jam 8,facebook\n", []string{"Content-Type", "text/csv"}
		}, ok: 200},
		"DELETE /v1/workspaces/:ws/posts/:id":        {path: "/v1/workspaces/:ws/posts/%POST%", body: noBody, ok: 204},
		"POST /v1/workspaces/:ws/posts/:id/schedule": {path: "/v1/workspaces/:ws/posts/%DRAFT%/schedule", body: noBody, ok: 200},
		"PUT /v1/workspaces/:ws/templates/:platform/:language": {path: "/v1/workspaces/:ws/templates/instagram/id", ok: 200,
			body: func() (any, []string) { return map[string]any{"order_label": "Order di sini:"}, nil }},
		"DELETE /v1/workspaces/:ws/templates/:platform/:language": {path: "/v1/workspaces/:ws/templates/all/en", ok: 204,
			body: func() (any, []string) {
				// Something to delete, each time.
				b.expect(b.do("PUT", "/v1/workspaces/"+ws+"/templates/all/en", key, map[string]any{"footer": "Buka 08.00–20.00"}), http.StatusOK)
				return nil, nil
			}},
		"GET /v1/workspaces/:ws/media/:id":       {path: "/v1/workspaces/:ws/media/" + med, body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/media":           {body: noBody, ok: 200},
		"DELETE /v1/workspaces/:ws/accounts/:id": {path: "/v1/workspaces/:ws/accounts/%ACCOUNT%", body: noBody, ok: 204},
		"DELETE /v1/workspaces/:ws/media/:id":    {path: "/v1/workspaces/:ws/media/%MEDIA%", body: noBody, ok: 204},
		"POST /v1/workspaces/:ws/uploads": {body: func() (any, []string) {
			return map[string]any{"size": 1000}, nil
		}, ok: 201},
		"GET /v1/workspaces/:ws/uploads/:id":    {path: "/v1/workspaces/:ws/uploads/%UPLOAD%", body: noBody, ok: 200},
		"HEAD /v1/workspaces/:ws/uploads/:id":   {path: "/v1/workspaces/:ws/uploads/%UPLOAD%", body: noBody, ok: 200},
		"DELETE /v1/workspaces/:ws/uploads/:id": {path: "/v1/workspaces/:ws/uploads/%UPLOAD%", body: noBody, ok: 204},
		"PATCH /v1/workspaces/:ws/uploads/:id": {path: "/v1/workspaces/:ws/uploads/%UPLOAD%", ok: 200, body: func() (any, []string) {
			return pngBytes, []string{"Content-Type", "application/offset+octet-stream", "Upload-Offset", "0"}
		}},
		"POST /v1/workspaces/:ws/media": {body: func() (any, []string) {
			body, ct := multipartFile(t, "file", "a.png", "image/png", pngBytes)
			return body, []string{"Content-Type", ct}
		}, ok: 201},
		"POST /v1/workspaces/:ws/members": {body: func() (any, []string) {
			return map[string]any{"email": newEmail(), "role": "viewer"}, nil
		}, ok: 201},
		"GET /v1/workspaces/:ws/members": {body: noBody, ok: 200},
		"PATCH /v1/workspaces/:ws/members/:id": {path: "/v1/workspaces/:ws/members/%MEMBER%", ok: 200, body: func() (any, []string) {
			return map[string]any{"role": "approver"}, nil
		}},
		"DELETE /v1/workspaces/:ws/members/:id":              {path: "/v1/workspaces/:ws/members/%MEMBER%", body: noBody, ok: 204},
		"POST /v1/workspaces/:ws/members/:id/password-reset": {path: "/v1/workspaces/:ws/members/%MEMBER%/password-reset", body: noBody, ok: 201},
		"POST /v1/workspaces/:ws/webhooks": {ok: 201, body: func() (any, []string) {
			return map[string]any{"url": "https://cdn.example.com/hooks"}, nil
		}},
		"GET /v1/workspaces/:ws/webhooks":        {body: noBody, ok: 200},
		"GET /v1/workspaces/:ws/webhooks/:id":    {path: "/v1/workspaces/:ws/webhooks/%WEBHOOK%", body: noBody, ok: 200},
		"DELETE /v1/workspaces/:ws/webhooks/:id": {path: "/v1/workspaces/:ws/webhooks/%WEBHOOK%", body: noBody, ok: 204},
		"PATCH /v1/workspaces/:ws/webhooks/:id": {path: "/v1/workspaces/:ws/webhooks/%WEBHOOK%", ok: 200, body: func() (any, []string) {
			return map[string]any{"events": []string{"post.failed"}}, nil
		}},
		"POST /v1/workspaces/:ws/webhooks/:id/rotate-secret":                {path: "/v1/workspaces/:ws/webhooks/%WEBHOOK%/rotate-secret", body: noBody, ok: 200},
		"POST /v1/workspaces/:ws/webhooks/:id/test":                         {path: "/v1/workspaces/:ws/webhooks/%WEBHOOK%/test", body: noBody, ok: 202},
		"GET /v1/workspaces/:ws/webhooks/:id/deliveries":                    {path: "/v1/workspaces/:ws/webhooks/%WEBHOOK%/deliveries", body: noBody, ok: 200},
		"POST /v1/workspaces/:ws/webhooks/:id/deliveries/:attempt_id/retry": {path: "/v1/workspaces/:ws/webhooks/%ATTEMPT%/retry", body: noBody, ok: 202},
	}
	var out []scopedRoute
	for _, r := range b.handler.(*echo.Echo).Routes() {
		if !strings.Contains(r.Path, ":ws") {
			continue
		}
		f, ok := fixtures[r.Method+" "+r.Path]
		if !ok {
			t.Fatalf("no fixture for %s %s: add one to scopedRoutes", r.Method, r.Path)
		}
		f.route, f.method = r.Method+" "+r.Path, r.Method
		if f.path == "" {
			f.path = r.Path
		}
		f.path = strings.Replace(f.path, ":ws", ws, 1)
		out = append(out, f)
	}
	if len(out) != len(fixtures) {
		t.Fatalf("%d workspace routes registered, %d fixtures: remove stale fixtures", len(out), len(fixtures))
	}
	return out
}

// newEmail returns an email no user has.
func newEmail() string { return serentak.NewID("m") + "@example.com" }

// freshPaths returns what replaces each placeholder of a scopedRoute's
// path with a new resource of the workspace, made with its owner key.
func freshPaths(b *bundle, ws, key, acc string) func(path string) string {
	freshPost := func() string {
		body := postBody(acc)
		body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
		return b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)["id"].(string)
	}
	// A post awaiting approval: an editor's, made while the workspace
	// requires approval (switched on for it only).
	var editor string
	freshPending := func() string {
		if editor == "" {
			editor = b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", key, map[string]any{"name": "editor", "role": "editor"}), http.StatusCreated)["api_key"].(string)
		}
		b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"approval_required": true}), http.StatusOK)
		defer func() {
			b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"approval_required": false}), http.StatusOK)
		}()
		body := postBody(acc)
		body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
		p := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", editor, body), http.StatusCreated)
		if p["status"] != "pending_approval" {
			b.t.Fatalf("an editor's post in a workspace requiring approval is %v", p["status"])
		}
		return p["id"].(string)
	}
	freshDraft := func() string {
		body := postBody(acc)
		body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
		body["draft"] = true
		return b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)["id"].(string)
	}
	return func(path string) string {
		if strings.Contains(path, "%DRAFT%") {
			path = strings.Replace(path, "%DRAFT%", freshDraft(), 1)
		}
		if strings.Contains(path, "%PENDING%") {
			path = strings.Replace(path, "%PENDING%", freshPending(), 1)
		}
		if strings.Contains(path, "%POST%") {
			path = strings.Replace(path, "%POST%", freshPost(), 1)
		}
		if strings.Contains(path, "%MEDIA%") {
			path = strings.Replace(path, "%MEDIA%", b.expect(b.upload(ws, key, "a.png", "image/png", pngBytes), http.StatusCreated)["id"].(string), 1)
		}
		if strings.Contains(path, "%UPLOAD%") {
			up := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/uploads", key, map[string]any{"size": len(pngBytes)}), http.StatusCreated)
			path = strings.Replace(path, "%UPLOAD%", up["id"].(string), 1)
		}
		if strings.Contains(path, "%MEMBER%") {
			m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members", key, map[string]any{"email": newEmail(), "role": "viewer"}), http.StatusCreated)
			path = strings.Replace(path, "%MEMBER%", m["user_id"].(string), 1)
		}
		if strings.Contains(path, "%WEBHOOK%") {
			path = strings.Replace(path, "%WEBHOOK%", b.webhook(ws, key)["id"].(string), 1)
		}
		if strings.Contains(path, "%ATTEMPT%") {
			hook := b.webhook(ws, key)["id"].(string)
			path = strings.Replace(path, "%ATTEMPT%", hook+"/deliveries/"+b.webhookAttempt(ws, key, hook), 1)
		}
		if strings.Contains(path, "%ACCOUNT%") {
			path = strings.Replace(path, "%ACCOUNT%", b.account(ws, key, serentak.Facebook, serentak.NewID("page-")), 1)
		}
		if strings.Contains(path, "%KEY%") {
			k := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", key, map[string]any{"name": "to revoke", "role": "viewer"}), http.StatusCreated)
			path = strings.Replace(path, "%KEY%", k["id"].(string), 1)
		}
		return path
	}
}

func TestWorkspaceIsolation(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	_, otherKey := b.workspace("Toko Lain")
	acc := b.account(ws, key, serentak.Facebook, "111")
	b.account(ws, key, serentak.Facebook, "999")
	routes := scopedRoutes(t, b, ws, key, acc)
	fresh := freshPaths(b, ws, key, acc)
	for _, r := range routes {
		path := fresh(r.path)
		body, hdr := r.body()
		// Another workspace's key: 404, never 403, and the same answer as
		// for a workspace that does not exist.
		resp := b.do(r.method, path, otherKey, body, hdr...)
		if resp.status != http.StatusNotFound {
			t.Errorf("%s %s with another workspace's key: %d, want 404: %s", r.method, path, resp.status, resp.body)
		} else if r.method != http.MethodHead { // a HEAD answer has no body
			checkErrorShape(t, resp.body, "not_found")
		}
		// The operator acts everywhere.
		path, k := fresh(r.path), adminKey
		if r.destroys {
			path, k = b.throwaway(r, ws, adminKey)
		}
		body, hdr = r.body()
		if resp := b.do(r.method, path, k, body, hdr...); resp.status != r.ok {
			t.Errorf("%s %s with the operator key: %d, want %d: %s", r.method, path, resp.status, r.ok, resp.body)
		}
		// And the workspace's own key.
		path, k = fresh(r.path), key
		if r.destroys {
			path, k = b.throwaway(r, ws, key)
		}
		body, hdr = r.body()
		if resp := b.do(r.method, path, k, body, hdr...); resp.status != r.ok {
			t.Errorf("%s %s with its own key: %d, want %d: %s", r.method, path, resp.status, r.ok, resp.body)
		}
		// A workspace that does not exist, for the operator.
		missing := strings.NewReplacer("%POST%", "post_x", "%PENDING%", "post_x", "%DRAFT%", "post_x", "%MEDIA%", "med_x", "%UPLOAD%", "upl_x", "%KEY%", "key_x", "%ACCOUNT%", "acc_x", "%MEMBER%", "usr_x",
			"%WEBHOOK%", "wh_x", "%ATTEMPT%", "wh_x/deliveries/wha_x", ws, "ws_missing").Replace(r.path)
		body, hdr = r.body()
		if resp := b.do(r.method, missing, adminKey, body, hdr...); resp.status != http.StatusNotFound {
			t.Errorf("%s %s (no such workspace) with the operator key: %d, want 404", r.method, missing, resp.status)
		}
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	const token = "EAAB-page-token-that-must-never-be-logged"
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/accounts", key, map[string]any{
		"platform": "facebook", "external_id": "1", "access_token": token, "refresh_token": token + "-refresh",
	}), http.StatusCreated)
	b.do("GET", "/v1/workspaces/"+ws, "sk_wrong-key-also-secret", nil)
	b.do("GET", "/v1/workspaces/"+ws+"/accounts", key, nil, "X-Request-ID", "trace-me")
	b.do("POST", "/v1/workspaces/"+ws+"/accounts", key, `{"platform":"facebook","access_token":"`+token+`"`)

	logs := b.logs.String()
	for _, secret := range []string{adminKey, key, token, "sk_wrong-key-also-secret", "Bearer"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
	// One JSON line per request with the fields operators need.
	var found bool
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if line["request_id"] == "trace-me" {
			found = true
			for _, k := range []string{"method", "path", "status", "latency_ms", "workspace"} {
				if _, ok := line[k]; !ok {
					t.Errorf("access log line lacks %q: %s", k, sc.Text())
				}
			}
			if line["workspace"] != ws || line["status"] != 200.0 || line["method"] != "GET" {
				t.Errorf("access log line = %s", sc.Text())
			}
		}
	}
	if !found {
		t.Fatalf("no access log line for request trace-me:\n%s", logs)
	}
}

// brokenStore fails the way a broken database does.
type brokenStore struct {
	*gormstore.Store
}

func (brokenStore) FindAccounts(ctx context.Context, ws string) ([]serentak.Account, error) {
	return nil, errors.New(`pq: relation "accounts" does not exist: SELECT * FROM accounts WHERE workspace_id = 'x'`)
}

func (brokenStore) FindMediaByID(ctx context.Context, ws, id string) (serentak.Media, error) {
	panic("media lookup exploded")
}

func TestInternalErrors(t *testing.T) {
	b := setup(t, func(c *api.Config) { c.Store = brokenStore{c.Store.(*gormstore.Store)} })
	ws, key := b.workspace("Toko Budi")
	r := b.do("GET", "/v1/workspaces/"+ws+"/accounts", key, nil)
	m := b.expectError(r, http.StatusInternalServerError, "internal")
	if msg := m["error"].(map[string]any)["message"]; msg != "internal error" {
		t.Fatalf("message %q, want internal error", msg)
	}
	r = b.do("GET", "/v1/workspaces/"+ws+"/media/"+serentak.NewID(serentak.PrefixMedia), key, nil)
	b.expectError(r, http.StatusInternalServerError, "internal")
	logs := b.logs.String()
	if !strings.Contains(logs, `relation \"accounts\" does not exist`) || !strings.Contains(logs, "media lookup exploded") {
		t.Fatalf("the log lacks the causes:\n%s", logs)
	}
}

func TestRateLimit(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	b := setup(t, func(c *api.Config) {
		c.RateLimit = 1
		c.Now = clock.Now
	})
	ws, key := b.workspace("Toko Budi")
	path := "/v1/workspaces/" + ws
	b.expect(b.do("GET", path, key, nil), 200)
	b.expect(b.do("GET", path, key, nil), 200)
	r := b.do("GET", path, key, nil)
	b.expectError(r, http.StatusTooManyRequests, "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// Another key has its own bucket (the operator already spent one).
	b.expect(b.do("GET", path, adminKey, nil), 200)
	clock.Advance(time.Second)
	b.expect(b.do("GET", path, key, nil), 200)
	b.expectError(b.do("GET", path, key, nil), http.StatusTooManyRequests, "rate_limited")
}
