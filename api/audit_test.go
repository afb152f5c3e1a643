package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

// auditLine is an entry as "action target actor-type:actor-id".
func (b *bundle) auditLog(ws, key string) []string {
	b.t.Helper()
	var out []string
	cursor := ""
	for {
		path := "/v1/workspaces/" + ws + "/audit?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		m := b.expect(b.do("GET", path, key, nil), http.StatusOK)
		for _, e := range m["data"].([]any) {
			e := e.(map[string]any)
			actor := e["actor"].(map[string]any)
			who := actor["type"].(string)
			if id, ok := actor["id"].(string); ok {
				who += ":" + id
			}
			out = append(out, fmt.Sprintf("%s %s %s", e["action"], e["target_id"], who))
		}
		next, _ := m["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
}

func keyID(b *bundle, ws, owner, role string) (id, secret string) {
	b.t.Helper()
	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", owner, map[string]any{"name": role, "role": role}), http.StatusCreated)
	return m["id"].(string), m["api_key"].(string)
}

func TestAuditRecordsEachChangeWithItsActor(t *testing.T) {
	b := setup(t)
	ws, owner := b.workspace("Toko Sari")
	ownerID := ""
	for _, k := range b.expect(b.do("GET", "/v1/workspaces/"+ws+"/keys", owner, nil), http.StatusOK)["data"].([]any) {
		ownerID = k.(map[string]any)["id"].(string)
	}
	asKey := "key:" + ownerID
	p := "/v1/workspaces/" + ws

	var want []string
	rec := func(line string) { want = append([]string{line}, want...) } // newest first

	rec("workspace.create " + ws + " operator")
	acc := b.account(ws, owner, "facebook", "111")
	rec("account.attach " + acc + " " + asKey)
	post := b.expect(b.do("POST", p+"/posts", owner, postBody(acc)), http.StatusCreated)["id"].(string)
	rec("post.create " + post + " " + asKey)
	b.expect(b.do("POST", p+"/posts/"+post+"/cancel", owner, nil), http.StatusOK)
	rec("post.cancel " + post + " " + asKey)
	editorID, _ := keyID(b, ws, owner, "editor")
	rec("key.create " + editorID + " " + asKey)
	b.expect(b.do("DELETE", p+"/keys/"+editorID, owner, nil), http.StatusNoContent)
	rec("key.revoke " + editorID + " " + asKey)
	b.expect(b.do("PATCH", p, owner, map[string]any{"approval_required": true}), http.StatusOK)
	rec("workspace.update " + ws + " " + asKey)
	b.expect(b.do("PUT", p+"/templates/all/en", owner, map[string]any{"footer": "Buka 08.00–20.00"}), http.StatusOK)
	rec("template.put all/en " + asKey)
	b.expect(b.do("DELETE", p+"/templates/all/en", owner, nil), http.StatusNoContent)
	rec("template.delete all/en " + asKey)
	med := b.expect(b.upload(ws, owner, "a.png", "image/png", pngBytes), http.StatusCreated)["id"].(string)
	rec("media.create " + med + " " + asKey)
	b.expect(b.do("DELETE", p+"/media/"+med, owner, nil), http.StatusNoContent)
	rec("media.delete " + med + " " + asKey)

	// The operator, and a person's session.
	usr := b.user("sari@example.com")
	b.expect(b.do("POST", p+"/members", adminKey, map[string]any{"email": "sari@example.com", "role": "admin"}), http.StatusCreated)
	rec("member.add " + usr + " operator")
	b.expect(b.do("PATCH", p+"/members/"+usr, adminKey, map[string]any{"role": "editor"}), http.StatusOK)
	rec("member.update " + usr + " operator")
	session := b.signIn("sari@example.com", testPassword)
	held := b.expect(b.do("POST", p+"/posts", session, postBody(acc)), http.StatusCreated)["id"].(string)
	rec("post.create " + held + " user:" + usr)
	b.expect(b.do("POST", p+"/posts/"+held+"/approve", owner, nil), http.StatusOK)
	rec("post.approve " + held + " " + asKey)
	b.expect(b.do("DELETE", p+"/members/"+usr, owner, nil), http.StatusNoContent)
	rec("member.remove " + usr + " " + asKey)

	if diff := cmp.Diff(want, b.auditLog(ws, owner)); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
	// Another workspace's log is its own.
	other, otherKey := b.workspace("Toko Lain")
	if got := b.auditLog(other, otherKey); !cmp.Equal(got, []string{"workspace.create " + other + " operator"}) {
		t.Errorf("a new workspace's audit log: %v, want its creation only", got)
	}
}

func TestAuditSkipsRefusedAndReplayedChanges(t *testing.T) {
	b := setup(t)
	ws, owner := b.workspace("Toko Sari")
	acc := b.account(ws, owner, "facebook", "111")
	p := "/v1/workspaces/" + ws
	_, viewer := keyID(b, ws, owner, "viewer")
	before := b.auditLog(ws, owner)

	b.expectError(b.do("POST", p+"/posts", owner, map[string]any{"targets": []any{}}), http.StatusUnprocessableEntity, "validation_failed")
	b.expectError(b.do("POST", p+"/posts", viewer, postBody(acc)), http.StatusForbidden, "forbidden")
	b.expectError(b.do("POST", p+"/posts/post_00000000000000000000000000/cancel", owner, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("DELETE", p+"/keys/key_00000000000000000000000000", owner, nil), http.StatusNotFound, "not_found")
	b.expect(b.do("POST", p+"/posts/preview", owner, postBody(acc)), http.StatusOK)

	first := b.expect(b.do("POST", p+"/posts", owner, postBody(acc), "Idempotency-Key", "order-42"), http.StatusCreated)["id"].(string)
	b.expect(b.do("POST", p+"/posts", owner, postBody(acc), "Idempotency-Key", "order-42"), http.StatusOK)

	got := b.auditLog(ws, owner)
	if len(got) != len(before)+1 || !strings.HasPrefix(got[0], "post.create "+first+" ") {
		t.Errorf("audit log %v after refused changes, a preview and a replay: want only %v plus the one post.create", got, before)
	}
}

func TestAuditPages(t *testing.T) {
	b := setup(t)
	ws, owner := b.workspace("Toko Sari")
	p := "/v1/workspaces/" + ws
	for i := range 5 {
		b.expect(b.do("PUT", fmt.Sprintf("%s/templates/all/en", p), owner, map[string]any{"footer": fmt.Sprint("footer ", i)}), http.StatusOK)
	}
	all := b.auditLog(ws, owner)
	var paged []any
	cursor := ""
	pages := 0
	for {
		path := p + "/audit?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		m := b.expect(b.do("GET", path, owner, nil), http.StatusOK)
		pages++
		for _, e := range m["data"].([]any) {
			paged = append(paged, e.(map[string]any)["id"])
		}
		next, _ := m["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) != 6 || len(paged) != 6 || pages != 3 {
		t.Errorf("6 entries (the workspace's creation, 5 templates) by 2: %d pages, %d entries (of %d)", pages, len(paged), len(all))
	}
	for i := 1; i < len(paged); i++ {
		if paged[i].(string) >= paged[i-1].(string) {
			t.Errorf("entries not newest first: %v", paged)
		}
	}
	b.expectError(b.do("GET", p+"/audit?cursor=nope", owner, nil), http.StatusUnprocessableEntity, "validation_failed", "cursor")
	b.expectError(b.do("GET", p+"/audit?limit=0", owner, nil), http.StatusUnprocessableEntity, "validation_failed", "limit")
}

// TestEveryMutatingRouteHasAnAuditAction: a new route that changes a
// workspace must name its action (or "" for none) in auditActions.
func TestEveryMutatingRouteHasAnAuditAction(t *testing.T) {
	b := setup(t)
	actions := api.AuditActions()
	seen := map[string]bool{}
	for _, r := range b.handler.(*echo.Echo).Routes() {
		if !strings.HasPrefix(r.Path, "/v1/workspaces/:ws") {
			continue
		}
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			continue
		}
		name := r.Method + " " + r.Path
		seen[name] = true
		if _, ok := actions[name]; !ok {
			t.Errorf("%s has no audit action: name it in auditActions (audit.go)", name)
		}
	}
	for name := range actions {
		if !seen[name] {
			t.Errorf("auditActions names %s, which the router does not have", name)
		}
	}
}

// Changes made outside the workspace routes: a merchant's decision through
// an approval link, and accounts an OAuth callback connected.
func TestAuditRecordsLinksAndOAuth(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	path, p := w.approvalLink(b)
	b.do("POST", "/v1/approval-link", "", form(tokenOf(t, path), "decision", "approve"), formHeader...)
	if got := b.auditLog(w.ws, w.owner); got[0] != "post.approve "+p["id"].(string)+" link" {
		t.Errorf("newest entry after approving by link: %q", got[0])
	}
	// A used link decides nothing, and records nothing.
	before := len(b.auditLog(w.ws, w.owner))
	b.do("POST", "/v1/approval-link", "", form(tokenOf(t, path), "decision", "reject"), formHeader...)
	if got := b.auditLog(w.ws, w.owner); len(got) != before {
		t.Errorf("a used link added %v", got[:len(got)-before])
	}

	fc := &fakeConnector{}
	b2 := setup(t, func(c *api.Config) { c.Connectors = map[serentak.Platform]api.Connector{serentak.Facebook: fc} })
	ws, key := b2.workspace("Toko Sari")
	b2.expect(b2.do("GET", "/v1/workspaces/"+ws+"/accounts/connect/facebook", key, nil), http.StatusOK)
	b2.expect(b2.do("GET", "/v1/oauth/facebook/callback?code=CODE_Q&state=STATE_Q", "", nil), http.StatusOK)
	if got := b2.auditLog(ws, key); got[0] != "account.connect acc_1 oauth" {
		t.Errorf("newest entry after an OAuth callback: %q", got[0])
	}
}
