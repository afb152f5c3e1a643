package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
)

// approvalWorkspace is a workspace requiring approval with an owner key,
// an editor key, an approver key and a Facebook account.
type approvalWorkspace struct {
	ws, owner, editor, approver, acc string
}

func newApprovalWorkspace(t *testing.T, b *bundle) approvalWorkspace {
	t.Helper()
	w := approvalWorkspace{}
	w.ws, w.owner = b.workspace("Toko Budi")
	m := b.expect(b.do("PATCH", "/v1/workspaces/"+w.ws, w.owner, map[string]any{"approval_required": true}), http.StatusOK)
	if m["approval_required"] != true || m["language"] != "id" {
		t.Fatalf("patched workspace: %v", m)
	}
	for _, role := range []string{"editor", "approver"} {
		k := b.expect(b.do("POST", "/v1/workspaces/"+w.ws+"/keys", w.owner, map[string]any{"name": role, "role": role}), http.StatusCreated)["api_key"].(string)
		if role == "editor" {
			w.editor = k
		} else {
			w.approver = k
		}
	}
	w.acc = b.account(w.ws, w.owner, serentak.Facebook, "111")
	return w
}

// post makes a post due in an hour with key and returns it.
func (w approvalWorkspace) post(b *bundle, key string) map[string]any {
	b.t.Helper()
	body := postBody(w.acc)
	body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
	return b.expect(b.do("POST", "/v1/workspaces/"+w.ws+"/posts", key, body), http.StatusCreated)
}

func deliveryStatus(p map[string]any) any {
	return p["deliveries"].([]any)[0].(map[string]any)["status"]
}

// An editor's post waits for approval, and is never due, even past its
// time; an owner's is scheduled as usual.
func TestEditorPostWaitsForApproval(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	p := w.post(b, w.editor)
	if p["status"] != "pending_approval" || deliveryStatus(p) != "pending_approval" {
		t.Fatalf("editor's post: %v, delivery %v", p["status"], deliveryStatus(p))
	}
	due, err := b.store.FindDueDeliveries(t.Context(), b.now.Add(48*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 0 {
		t.Errorf("a post awaiting approval is due past its time: %+v", due)
	}
	if o := w.post(b, w.owner); o["status"] != "scheduled" {
		t.Errorf("owner's post: %v, want scheduled", o["status"])
	}
	// An editor's new time sends the post back for approval; the
	// owner's moves it as usual.
	id := p["id"].(string)
	r := b.expect(b.do("PATCH", "/v1/workspaces/"+w.ws+"/posts/"+id, w.editor, map[string]any{"scheduled_at": b.now.Add(2 * time.Hour).Format(time.RFC3339)}), http.StatusOK)
	if r["status"] != "pending_approval" {
		t.Errorf("rescheduled by the editor: %v", r["status"])
	}
	list := b.expect(b.do("GET", "/v1/workspaces/"+w.ws+"/posts?status=pending_approval", w.approver, nil), http.StatusOK)
	if n := len(list["data"].([]any)); n != 1 {
		t.Errorf("posts pending approval: %d, want 1", n)
	}
}

func TestApproveAndReject(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	path := func(p map[string]any, what string) string {
		return "/v1/workspaces/" + w.ws + "/posts/" + p["id"].(string) + "/" + what
	}
	p := w.post(b, w.editor)
	b.expectError(b.do("POST", path(p, "approve"), w.editor, nil), http.StatusForbidden, "forbidden")
	wakes := b.wakes.Load()
	got := b.expect(b.do("POST", path(p, "approve"), w.approver, nil), http.StatusOK)
	if got["status"] != "scheduled" || deliveryStatus(got) != "scheduled" || got["approved_by"] == nil {
		t.Errorf("approved: %v %v by %v", got["status"], deliveryStatus(got), got["approved_by"])
	}
	if got["scheduled_at"] != p["scheduled_at"] {
		t.Errorf("approving before the time moved it: %v, was %v", got["scheduled_at"], p["scheduled_at"])
	}
	if b.wakes.Load() == wakes {
		t.Error("approving did not wake the scheduler")
	}
	b.expectError(b.do("POST", path(p, "approve"), w.approver, nil), http.StatusConflict, "conflict")
	b.expectError(b.do("POST", path(p, "reject"), w.approver, map[string]any{"comment": "x"}), http.StatusConflict, "conflict")

	q := w.post(b, w.editor)
	got = b.expect(b.do("POST", path(q, "reject"), w.approver, map[string]any{"comment": "Harganya salah, kak"}), http.StatusOK)
	if got["status"] != "rejected" || deliveryStatus(got) != "rejected" || got["rejection_comment"] != "Harganya salah, kak" {
		t.Errorf("rejected: %v %v %v", got["status"], deliveryStatus(got), got["rejection_comment"])
	}
	got = b.expect(b.do("GET", "/v1/workspaces/"+w.ws+"/posts/"+q["id"].(string), w.editor, nil), http.StatusOK)
	if got["rejection_comment"] != "Harganya salah, kak" {
		t.Errorf("the comment is not kept: %v", got["rejection_comment"])
	}
	b.expectError(b.do("POST", path(q, "approve"), w.approver, nil), http.StatusConflict, "conflict")
}

// Approving after the post's time publishes at once: its deliveries are
// due now.
func TestApprovePastTimePublishesAtOnce(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	p := w.post(b, w.editor)
	b.now = b.now.Add(3 * time.Hour)
	got := b.expect(b.do("POST", "/v1/workspaces/"+w.ws+"/posts/"+p["id"].(string)+"/approve", w.approver, nil), http.StatusOK)
	if got["scheduled_at"] != b.now.Format(time.RFC3339) {
		t.Errorf("approved late: scheduled_at %v, want now %v", got["scheduled_at"], b.now.Format(time.RFC3339))
	}
	due, err := b.store.FindDueDeliveries(t.Context(), b.now, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 {
		t.Errorf("due after a late approval: %d, want 1", len(due))
	}
}

func TestPatchAndListWorkspaces(t *testing.T) {
	b := setup(t)
	ws, owner := b.workspace("Toko Budi")
	b.workspace("Toko Lain")
	m := b.expect(b.do("PATCH", "/v1/workspaces/"+ws, owner, map[string]any{"name": "Toko Budi Jaya", "timezone": "Asia/Makassar", "language": "en"}), http.StatusOK)
	if m["name"] != "Toko Budi Jaya" || m["timezone"] != "Asia/Makassar" || m["language"] != "en" || m["approval_required"] != false {
		t.Errorf("patched: %v", m)
	}
	for _, tt := range []struct {
		body   string
		status int
		fields []string
	}{
		{`{"timezone":"Local"}`, 422, []string{"timezone"}},
		{`{"timezone":"Mars/Olympus"}`, 422, []string{"timezone"}},
		{`{"language":"jv"}`, 422, []string{"language"}},
		{`{"name":" "}`, 422, []string{"name"}},
		{`{"tracked_links":"yes"}`, 422, []string{"tracked_links"}},
	} {
		r := b.do("PATCH", "/v1/workspaces/"+ws, owner, tt.body)
		if r.status != tt.status {
			t.Errorf("%s: %d, want %d: %s", tt.body, r.status, tt.status, r.body)
		}
	}
	got := b.expect(b.do("GET", "/v1/workspaces/"+ws, owner, nil), http.StatusOK)
	if got["language"] != "en" || got["name"] != "Toko Budi Jaya" {
		t.Errorf("GET after refused changes: %v", got)
	}
	own := b.expect(b.do("GET", "/v1/workspaces", owner, nil), http.StatusOK)["data"].([]any)
	if len(own) != 1 || own[0].(map[string]any)["id"] != ws {
		t.Errorf("a workspace key sees %v, want its own only", own)
	}
	page := b.expect(b.do("GET", "/v1/workspaces?limit=1", adminKey, nil), http.StatusOK)
	next, _ := page["next_cursor"].(string)
	if len(page["data"].([]any)) != 1 || next == "" {
		t.Fatalf("operator's first page: %v", page)
	}
	page = b.expect(b.do("GET", "/v1/workspaces?limit=1&cursor="+next, adminKey, nil), http.StatusOK)
	if len(page["data"].([]any)) != 1 || page["next_cursor"] != nil {
		t.Errorf("operator's second page: %v", page)
	}
}

// A reject with a comment too long stores nothing.
func TestRejectCommentTooLong(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	p := w.post(b, w.editor)
	path := "/v1/workspaces/" + w.ws + "/posts/" + p["id"].(string)
	b.expectError(b.do("POST", path+"/reject", w.approver, map[string]any{"comment": strings.Repeat("a", 2001)}), http.StatusUnprocessableEntity, "validation_failed", "comment")
	if got := b.expect(b.do("GET", path, w.approver, nil), http.StatusOK); got["status"] != "pending_approval" {
		t.Errorf("after a refused reject: %v", got["status"])
	}
	// Canceling a post awaiting approval cancels it.
	if got := b.expect(b.do("POST", path+"/cancel", w.editor, nil), http.StatusOK); got["status"] != "canceled" {
		t.Errorf("canceled: %v", got["status"])
	}
}
