package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

// matrixCallers are the columns of tenancyMatrix, in its order: the
// operator key; keys of the workspace under test by role; no
// Authorization; a revoked key of the workspace; the owner key of
// another workspace; a person's session, whose membership role in the
// workspace is editor; a session that was ended; a person who is an
// editor of the organization that owns the workspace (and no member of
// the workspace itself); an owner of another organization.
var matrixCallers = []string{"operator", "owner", "admin", "editor", "approver", "viewer", "none", "revoked", "other", "session", "ended", "orgeditor", "orgother"}

// tenancyMatrix is what each caller gets from each route of the router:
// "ok" is the route's own answer for a caller it admits (2xx, or 302 for
// the reconnect link), else 401, 403 or 404 with the error body. A route
// without a row fails TestTenancyMatrix: a new route must say here who
// may call it.
var tenancyMatrix = map[string]string{
	// Columns: operator owner admin editor approver viewer none revoked other session ended orgeditor orgother.
	"POST /v1/organizations":                                            "ok 403 403 403 403 403 401 401 403 403 401 403 403",
	"GET /v1/organizations":                                             "ok 403 403 403 403 403 401 401 403 ok 401 ok ok", // a person: their own
	"GET /v1/organizations/:org":                                        "ok 404 404 404 404 404 401 401 404 404 401 ok 404",
	"PATCH /v1/organizations/:org":                                      "ok 404 404 404 404 404 401 401 404 404 401 403 404",
	"GET /v1/organizations/:org/workspaces":                             "ok 404 404 404 404 404 401 401 404 404 401 ok 404",
	"POST /v1/organizations/:org/members":                               "ok 404 404 404 404 404 401 401 404 404 401 403 404",
	"GET /v1/organizations/:org/members":                                "ok 404 404 404 404 404 401 401 404 404 401 403 404",
	"PATCH /v1/organizations/:org/members/:id":                          "ok 404 404 404 404 404 401 401 404 404 401 403 404",
	"DELETE /v1/organizations/:org/members/:id":                         "ok 404 404 404 404 404 401 401 404 404 401 403 404",
	"GET /healthz":                                                      "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /readyz":                                                       "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"HEAD /healthz":                                                     "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"HEAD /readyz":                                                      "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /openapi.json":                                                 "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /docs":                                                         "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /metrics":                                                      "ok 403 403 403 403 403 401 401 403 403 401 403 403",
	"GET /public/media/:id":                                             "ok ok ok ok ok ok ok ok ok ok ok ok ok", // the signed link is the key
	"GET /public/bio.css":                                               "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /b/:handle":                                                    "ok ok ok ok ok ok ok ok ok ok ok ok ok", // public: the link-in-bio page
	"HEAD /b/:handle":                                                   "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /b/:handle/o/:post":                                            "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /b/:handle/img/:media":                                         "ok ok ok ok ok ok ok ok ok ok ok ok ok", // a listed product's photo
	"HEAD /b/:handle/img/:media":                                        "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"HEAD /public/media/:id":                                            "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /o/:code":                                                      "ok ok ok ok ok ok ok ok ok ok ok ok ok", // a tracked link: public, the code is the key
	"HEAD /o/:code":                                                     "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /v1/oauth/:platform/callback":                                  "ok ok ok ok ok ok ok ok ok ok ok ok ok", // the single-use state is the key
	"GET /v1/oauth/:platform/reconnect":                                 "ok ok ok ok ok ok ok ok ok ok ok ok ok", // the link's token is the key
	"POST /v1/users":                                                    "ok 403 403 403 403 403 401 401 403 403 401 403 403",
	"POST /v1/users/:id/password-reset":                                 "ok 403 403 403 403 403 401 401 403 403 401 403 403",
	"POST /v1/invites/:token":                                           "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"POST /v1/password-resets/:token":                                   "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"POST /v1/sessions":                                                 "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"DELETE /v1/sessions/current":                                       "403 403 403 403 403 403 401 401 403 ok 401 ok ok",
	"GET /v1/me":                                                        "403 403 403 403 403 403 401 401 403 ok 401 ok ok",
	"POST /v1/workspaces/:ws/members":                                   "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"GET /v1/workspaces/:ws/members":                                    "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"PATCH /v1/workspaces/:ws/members/:id":                              "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"DELETE /v1/workspaces/:ws/members/:id":                             "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces":                                               "ok 403 403 403 403 403 401 401 403 403 401 403 403",
	"GET /v1/workspaces/:ws":                                            "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"POST /v1/workspaces/:ws/keys":                                      "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"GET /v1/workspaces/:ws/keys":                                       "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"GET /v1/workspaces/:ws/audit":                                      "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"DELETE /v1/workspaces/:ws/keys/:id":                                "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/accounts":                                  "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"GET /v1/workspaces/:ws/accounts":                                   "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/accounts/:id":                               "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/accounts/:id/options":                       "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/accounts/connect/:platform":                 "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/accounts/:id/reconnect-link":               "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/posts":                                     "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/posts":                                      "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/posts/:id":                                  "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/posts/:id/stats":                            "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/stats":                                      "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/reports/publication":                        "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"PATCH /v1/workspaces/:ws/posts/:id":                                "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"POST /v1/workspaces/:ws/posts/:id/cancel":                          "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"POST /v1/workspaces/:ws/posts/preview":                             "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/templates":                                  "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"PUT /v1/workspaces/:ws/templates/:platform/:language":              "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"DELETE /v1/workspaces/:ws/templates/:platform/:language":           "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/media":                                     "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/media/:id":                                  "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"DELETE /v1/workspaces/:ws/media/:id":                               "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"POST /v1/workspaces/:ws/uploads":                                   "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"GET /v1/workspaces/:ws/uploads/:id":                                "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"HEAD /v1/workspaces/:ws/uploads/:id":                               "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"PATCH /v1/workspaces/:ws/uploads/:id":                              "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"DELETE /v1/workspaces/:ws/uploads/:id":                             "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"GET /v1/approval-link":                                             "ok ok ok ok ok ok ok ok ok ok ok ok ok", // the link's token is the key,
	"HEAD /v1/approval-link":                                            "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"POST /v1/approval-link":                                            "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /v1/workspaces":                                                "ok ok ok ok ok ok 401 401 ok ok 401 ok ok", // each caller its own,
	"PATCH /v1/workspaces/:ws":                                          "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"DELETE /v1/workspaces/:ws":                                         "ok ok 403 403 403 403 401 401 404 403 401 403 404", // the own power
	"GET /v1/workspaces/:ws/export":                                     "ok ok 403 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/posts/:id/approve":                         "ok ok ok 403 ok 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/posts/:id/approval-link":                   "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"POST /v1/workspaces/:ws/posts/:id/reject":                          "ok ok ok 403 ok 403 401 401 404 403 401 403 404",
	"GET /v1/invites/:token":                                            "ok ok ok ok ok ok ok ok ok ok ok ok ok", // the link's token is the key
	"HEAD /v1/invites/:token":                                           "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"GET /v1/password-resets/:token":                                    "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"HEAD /v1/password-resets/:token":                                   "ok ok ok ok ok ok ok ok ok ok ok ok ok",
	"POST /v1/password-resets":                                          "ok ok ok ok ok ok ok ok ok ok ok ok ok", // anyone may ask: 202 whatever the email
	"POST /v1/workspaces/:ws/members/:id/password-reset":                "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/webhooks":                                  "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"GET /v1/workspaces/:ws/webhooks":                                   "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"GET /v1/workspaces/:ws/webhooks/:id":                               "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"PATCH /v1/workspaces/:ws/webhooks/:id":                             "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"DELETE /v1/workspaces/:ws/webhooks/:id":                            "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/webhooks/:id/rotate-secret":                "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/webhooks/:id/test":                         "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"GET /v1/workspaces/:ws/webhooks/:id/deliveries":                    "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/webhooks/:id/deliveries/:attempt_id/retry": "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"GET /v1/workspaces/:ws/queue":                                      "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
	"PUT /v1/workspaces/:ws/queue":                                      "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"POST /v1/workspaces/:ws/posts/import":                              "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"DELETE /v1/workspaces/:ws/posts/:id":                               "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"POST /v1/workspaces/:ws/posts/:id/schedule":                        "ok ok ok ok 403 403 401 401 404 ok 401 ok 404",
	"DELETE /v1/workspaces/:ws/accounts/:id":                            "ok ok ok 403 403 403 401 401 404 403 401 403 404",
	"GET /v1/workspaces/:ws/media":                                      "ok ok ok ok ok ok 401 401 404 ok 401 ok 404",
}

// matrixConnector is an OAuth app that says yes, so the connect routes
// answer 2xx (or 302) to a caller they admit.
type matrixConnector struct{}

func (matrixConnector) AuthorizeURL(ctx context.Context, ws string) (string, error) {
	return "https://www.facebook.com/dialog/oauth?state=s", nil
}

func (matrixConnector) Callback(ctx context.Context, q url.Values) ([]serentak.Account, error) {
	return nil, nil
}

func (matrixConnector) NewReconnectLink(ctx context.Context, acc serentak.Account) (string, time.Time, error) {
	return "https://serentak.example/v1/oauth/facebook/reconnect?token=t", time.Now().Add(time.Hour), nil
}

func (matrixConnector) ReconnectAuthorizeURL(ctx context.Context, token string) (string, error) {
	return "https://www.facebook.com/dialog/oauth?state=r", nil
}

var _ api.Reconnector = matrixConnector{}

// TestTenancyMatrix walks every route of the router with every caller and
// checks the answer against tenancyMatrix.
func TestTenancyMatrix(t *testing.T) {
	b := setup(t, func(c *api.Config) {
		c.Connectors = map[serentak.Platform]api.Connector{serentak.Facebook: matrixConnector{}}
	})
	// The reconnect link's 302 is the answer; nothing here may reach
	// the internet.
	b.srv.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// The workspace under test belongs to an organization; another
	// organization owns the other workspace.
	orgID := b.organization("Agensi")
	otherOrg := b.organization("Agensi Lain")
	ws, owner := b.orgWorkspace(orgID, "Toko Budi")
	_, otherOwner := b.orgWorkspace(otherOrg, "Toko Lain")
	keys := map[string]string{"operator": adminKey, "owner": owner, "other": otherOwner, "none": ""}
	for _, role := range []string{"admin", "editor", "approver", "viewer", "revoked"} {
		r := role
		if role == "revoked" {
			r = "owner" // even an owner key is nothing once revoked
		}
		m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", adminKey, map[string]any{"name": role, "role": r}), http.StatusCreated)
		keys[role] = m["api_key"].(string)
		if role == "revoked" {
			b.expect(b.do("DELETE", "/v1/workspaces/"+ws+"/keys/"+m["id"].(string), owner, nil), http.StatusNoContent)
		}
	}
	// A person who is an editor of the workspace, signed in; and a
	// session of theirs that was ended.
	b.user("matrix@example.com")
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members", owner, map[string]any{"email": "matrix@example.com", "role": "editor"}), http.StatusCreated)
	keys["session"], keys["ended"] = b.signIn("matrix@example.com", testPassword), b.signIn("matrix@example.com", testPassword)
	b.expect(b.do("DELETE", "/v1/sessions/current", keys["ended"], nil), http.StatusNoContent)
	b.user("orgeditor@example.com")
	b.expect(b.do("POST", "/v1/organizations/"+orgID+"/members", adminKey, map[string]any{"email": "orgeditor@example.com", "role": "editor"}), http.StatusCreated)
	keys["orgeditor"] = b.signIn("orgeditor@example.com", testPassword)
	b.user("orgother@example.com")
	b.expect(b.do("POST", "/v1/organizations/"+otherOrg+"/members", adminKey, map[string]any{"email": "orgother@example.com", "role": "owner"}), http.StatusCreated)
	keys["orgother"] = b.signIn("orgother@example.com", testPassword)
	resetUser := b.user("reset@example.com") // its sessions end with each reset: not the matrix's person
	acc := b.account(ws, owner, serentak.Facebook, "111")
	b.account(ws, owner, serentak.Facebook, "999")
	scoped := map[string]scopedRoute{}
	for _, r := range scopedRoutes(t, b, ws, owner, acc) {
		scoped[r.route] = r
	}
	freshInWorkspace := freshPaths(b, ws, owner, acc)
	fresh := func(path string) string {
		if strings.Contains(path, "%INVITE%") {
			m := b.expect(b.do("POST", "/v1/users", adminKey, map[string]any{"email": newEmail()}), http.StatusCreated)
			path = linkPath(t, m["invite_url"].(string))
		}
		if strings.Contains(path, "%RESET%") {
			m := b.expect(b.do("POST", "/v1/users/"+resetUser+"/password-reset", adminKey, nil), http.StatusCreated)
			path = linkPath(t, m["reset_url"].(string))
		}
		if strings.Contains(path, "%ORGMEMBER%") {
			m := b.expect(b.do("POST", "/v1/organizations/"+orgID+"/members", adminKey, map[string]any{"email": newEmail(), "role": "viewer"}), http.StatusCreated)
			path = strings.Replace(path, "%ORGMEMBER%", m["user_id"].(string), 1)
		}
		return freshInWorkspace(path)
	}
	password := func() (any, []string) { return map[string]any{"password": testPassword}, nil }
	noBody := func() (any, []string) { return nil, nil }
	newWorkspace := func() (any, []string) { return map[string]any{"name": "Toko Baru"}, nil }
	// The routes outside /v1/workspaces/{ws}, with what an admitted
	// caller gets.
	med := b.expect(b.upload(ws, owner, "a.png", "image/png", pngBytes), http.StatusCreated)["id"].(string)
	link := strings.TrimPrefix(b.signer.URL(med, b.now), b.srv.URL)
	// An approval link to a fresh post awaiting approval: its token.
	newLink := func() string {
		id := fresh("%PENDING%")
		u := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts/"+id+"/approval-link", owner, nil), http.StatusCreated)["url"].(string)
		return strings.TrimPrefix(u, b.srv.URL+"/v1/approval-link?token=")
	}
	shown := "/v1/approval-link?token=" + newLink() // showing it never uses it up
	decide := func() (any, []string) {
		return "decision=approve&token=" + newLink(), []string{"Content-Type", "application/x-www-form-urlencoded"}
	}
	// The link-in-bio page and the order button of a published post.
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, owner, map[string]any{"handle": "toko-budi"}), http.StatusOK)
	bioPost := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", owner, map[string]any{
		"product":      map[string]any{"name": "Keripik", "whatsapp": "081234567890"},
		"scheduled_at": b.now.Add(time.Minute).Format(time.RFC3339), "targets": []any{map[string]any{"account_id": acc}},
		"media": []any{map[string]any{"id": med}},
	}), http.StatusCreated)
	bioClaim, claimed, err := b.store.ClaimDelivery(t.Context(), bioPost["deliveries"].([]any)[0].(map[string]any)["id"].(string), 1, time.Now().Add(time.Minute))
	if err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := b.store.CompleteDelivery(t.Context(), bioClaim, serentak.Result{ExternalID: "1_2"}); err != nil {
		t.Fatal(err)
	}
	b.now = b.now.Add(2 * time.Minute) // its scheduled time passed: on the page, with its photo
	unscoped := map[string]scopedRoute{
		"GET /b/:handle":                    {path: "/b/toko-budi", body: noBody, ok: 200},
		"HEAD /b/:handle":                   {path: "/b/toko-budi", body: noBody, ok: 200},
		"GET /b/:handle/o/:post":            {path: "/b/toko-budi/o/" + bioPost["id"].(string), body: noBody, ok: 302},
		"GET /b/:handle/img/:media":         {path: "/b/toko-budi/img/" + med, body: noBody, ok: 200},
		"HEAD /b/:handle/img/:media":        {path: "/b/toko-budi/img/" + med, body: noBody, ok: 200},
		"GET /public/bio.css":               {path: "/public/bio.css", body: noBody, ok: 200},
		"GET /v1/approval-link":             {path: shown, body: noBody, ok: 200},
		"HEAD /v1/approval-link":            {path: shown, body: noBody, ok: 200},
		"POST /v1/approval-link":            {path: "/v1/approval-link", body: decide, ok: 200},
		"GET /healthz":                      {path: "/healthz", body: noBody, ok: 200},
		"GET /readyz":                       {path: "/readyz", body: noBody, ok: 200},
		"HEAD /healthz":                     {path: "/healthz", body: noBody, ok: 200},
		"HEAD /readyz":                      {path: "/readyz", body: noBody, ok: 200},
		"GET /openapi.json":                 {path: "/openapi.json", body: noBody, ok: 200},
		"GET /docs":                         {path: "/docs", body: noBody, ok: 200},
		"GET /metrics":                      {path: "/metrics", body: noBody, ok: 200},
		"GET /public/media/:id":             {path: link, body: noBody, ok: 200},
		"HEAD /public/media/:id":            {path: link, body: noBody, ok: 200},
		"GET /o/:code":                      {path: "/o/zzzzzzz", body: noBody, ok: 404}, // the same page for every caller; the redirect: orderlinks_test.go
		"HEAD /o/:code":                     {path: "/o/zzzzzzz", body: noBody, ok: 404},
		"GET /v1/oauth/:platform/callback":  {path: "/v1/oauth/facebook/callback?code=c&state=s", body: noBody, ok: 200},
		"GET /v1/oauth/:platform/reconnect": {path: "/v1/oauth/facebook/reconnect?token=t", body: noBody, ok: 302},
		"POST /v1/workspaces":               {path: "/v1/workspaces", body: newWorkspace, ok: 201},
		"POST /v1/users": {path: "/v1/users", ok: 201, body: func() (any, []string) {
			return map[string]any{"email": newEmail(), "name": "Baru"}, nil
		}},
		"POST /v1/users/:id/password-reset": {path: "/v1/users/" + resetUser + "/password-reset", body: noBody, ok: 201},
		"POST /v1/invites/:token":           {path: "%INVITE%", body: password, ok: 200},
		"POST /v1/password-resets/:token":   {path: "%RESET%", body: password, ok: 200},
		"GET /v1/invites/:token":            {path: "%INVITE%", body: noBody, ok: 200},
		"HEAD /v1/invites/:token":           {path: "%INVITE%", body: noBody, ok: 200},
		"GET /v1/password-resets/:token":    {path: "%RESET%", body: noBody, ok: 200},
		"HEAD /v1/password-resets/:token":   {path: "%RESET%", body: noBody, ok: 200},
		"POST /v1/password-resets": {path: "/v1/password-resets", ok: 202, body: func() (any, []string) {
			// A minute apart: one address may ask ten times a minute.
			b.now = b.now.Add(time.Minute)
			return map[string]any{"email": newEmail()}, nil
		}},
		"POST /v1/sessions": {path: "/v1/sessions", ok: 201, body: func() (any, []string) {
			return map[string]any{"email": "matrix@example.com", "password": testPassword}, nil
		}},
		"DELETE /v1/sessions/current": {path: "/v1/sessions/current", body: noBody, ok: 204},
		"GET /v1/me":                  {path: "/v1/me", body: noBody, ok: 200},
		"GET /v1/workspaces":          {path: "/v1/workspaces", body: noBody, ok: 200},

		"POST /v1/organizations": {path: "/v1/organizations", ok: 201, body: func() (any, []string) {
			return map[string]any{"name": "Agensi Baru"}, nil
		}},
		"GET /v1/organizations":                 {path: "/v1/organizations", body: noBody, ok: 200},
		"GET /v1/organizations/:org":            {path: "/v1/organizations/" + orgID, body: noBody, ok: 200},
		"GET /v1/organizations/:org/workspaces": {path: "/v1/organizations/" + orgID + "/workspaces", body: noBody, ok: 200},
		"GET /v1/organizations/:org/members":    {path: "/v1/organizations/" + orgID + "/members", body: noBody, ok: 200},
		"PATCH /v1/organizations/:org": {path: "/v1/organizations/" + orgID, ok: 200, body: func() (any, []string) {
			return map[string]any{"name": "Agensi"}, nil
		}},
		"POST /v1/organizations/:org/members": {path: "/v1/organizations/" + orgID + "/members", ok: 201, body: func() (any, []string) {
			return map[string]any{"email": newEmail(), "role": "viewer"}, nil
		}},
		"PATCH /v1/organizations/:org/members/:id": {path: "/v1/organizations/" + orgID + "/members/%ORGMEMBER%", ok: 200, body: func() (any, []string) {
			return map[string]any{"role": "editor"}, nil
		}},
		"DELETE /v1/organizations/:org/members/:id": {path: "/v1/organizations/" + orgID + "/members/%ORGMEMBER%", body: noBody, ok: 204},
	}
	// With an OAuth app, connecting and reconnect links work.
	for route, ok := range map[string]int{
		"GET /v1/workspaces/:ws/accounts/connect/:platform":   200,
		"POST /v1/workspaces/:ws/accounts/:id/reconnect-link": 201,
	} {
		r := scoped[route]
		r.ok = ok
		scoped[route] = r
	}

	seen := map[string]bool{}
	for _, route := range b.handler.(*echo.Echo).Routes() {
		name := route.Method + " " + route.Path
		seen[name] = true
		row, ok := tenancyMatrix[name]
		if !ok {
			t.Errorf("%s has no row in tenancyMatrix: say who may call it", name)
			continue
		}
		want := strings.Fields(row)
		if len(want) != len(matrixCallers) {
			t.Fatalf("the row of %s has %d answers, want %d", name, len(want), len(matrixCallers))
		}
		r, ok := scoped[name]
		if !ok {
			r, ok = unscoped[name]
		}
		if !ok {
			t.Fatalf("no request for %s: add one to scopedRoutes or unscoped", name)
		}
		// A caller the route refuses uses nothing up: one resource serves
		// them all. A caller it admits gets its own (it may delete it).
		shared := fresh(r.path)
		for i, caller := range matrixCallers {
			path := shared
			if want[i] == "ok" {
				path = fresh(r.path)
			}
			body, hdr := r.body()
			key := keys[caller]
			if name == "DELETE /v1/sessions/current" && want[i] == "ok" {
				key = b.signIn("matrix@example.com", testPassword) // ending the matrix's own would end its column
			}
			if r.destroys && want[i] == "ok" {
				path, key = b.throwaway(r, ws, key) // deleting the matrix's workspace would end the matrix
			}
			resp := b.do(route.Method, path, key, body, hdr...)
			// A workspace holds 20 unfinished uploads at most.
			if strings.Contains(path, "/uploads/") {
				b.do("DELETE", path, owner, nil)
			} else if name == "POST /v1/workspaces/:ws/uploads" && resp.status == http.StatusCreated {
				b.do("DELETE", path+"/"+resp.json(t)["id"].(string), owner, nil)
			}
			wantStatus := r.ok
			if want[i] != "ok" {
				wantStatus, _ = strconv.Atoi(want[i])
			}
			if resp.status != wantStatus {
				t.Errorf("%s as %s: %d, want %d: %s", name, caller, resp.status, wantStatus, resp.body)
				continue
			}
			if want[i] != "ok" && route.Method != http.MethodHead { // a HEAD answer has no body
				code := map[string]string{"401": "unauthorized", "403": "forbidden", "404": "not_found"}[want[i]]
				checkErrorShape(t, resp.body, code)
			}
		}
	}
	for name := range tenancyMatrix {
		if !seen[name] {
			t.Errorf("tenancyMatrix has a row for %s, which the router does not have", name)
		}
	}
}
