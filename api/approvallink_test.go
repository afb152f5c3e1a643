package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// approvalLink makes a link to a fresh editor's post and returns its
// path with the token, and the post.
func (w approvalWorkspace) approvalLink(b *bundle) (string, map[string]any) {
	b.t.Helper()
	p := w.post(b, w.editor)
	m := b.expect(b.do("POST", "/v1/workspaces/"+w.ws+"/posts/"+p["id"].(string)+"/approval-link", w.editor, nil), http.StatusCreated)
	u, err := url.Parse(m["url"].(string))
	if err != nil {
		b.t.Fatal(err)
	}
	exp, err := time.Parse(time.RFC3339, m["expires_at"].(string))
	if err != nil || !exp.Equal(b.now.Add(72*time.Hour)) {
		b.t.Errorf("expires_at %v, want 72 hours from now", m["expires_at"])
	}
	return u.RequestURI(), p
}

func form(token string, fields ...string) string {
	v := url.Values{"token": {token}}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Set(fields[i], fields[i+1])
	}
	return v.Encode()
}

var formHeader = []string{"Content-Type", "application/x-www-form-urlencoded"}

func tokenOf(t *testing.T, path string) string {
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func mustContain(t *testing.T, what string, r response, status int, want ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %d, want %d: %s", what, r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q, want a page", what, ct)
	}
	for _, s := range want {
		if !strings.Contains(string(r.body), s) {
			t.Errorf("%s: the page lacks %q:\n%s", what, s, r.body)
		}
	}
	if strings.Contains(string(r.body), "%!") { // a catalogue entry given the wrong arguments
		t.Errorf("%s: the page has a formatting error:\n%s", what, r.body)
	}
}

// Robots fetching the link (GET, HEAD) do not use it up; the first
// decision does, and the link then answers a clear page.
func TestApprovalLinkSingleUse(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	path, p := w.approvalLink(b)
	for i := 0; i < 2; i++ { // WhatsApp's preview robot, then the merchant
		mustContain(t, "GET", b.do("GET", path, "", nil), http.StatusOK,
			`lang="id"`, "Persetujuan postingan", "Toko Budi", "Facebook", "Keripik Singkong Pedas",
			`name="token"`, "Setujui", "Tolak", `name="viewport"`)
	}
	if r := b.do("HEAD", path, "", nil); r.status != http.StatusOK {
		t.Errorf("HEAD: %d", r.status)
	}
	r := b.do("POST", "/v1/approval-link", "", form(tokenOf(t, path), "decision", "approve"), formHeader...)
	mustContain(t, "approve", r, http.StatusOK, "Postingan disetujui")
	got := b.expect(b.do("GET", "/v1/workspaces/"+w.ws+"/posts/"+p["id"].(string), w.owner, nil), http.StatusOK)
	if got["status"] != "scheduled" || got["approved_by"] != "link" {
		t.Errorf("after the link's approval: %v by %v", got["status"], got["approved_by"])
	}
	again := b.do("POST", "/v1/approval-link", "", form(tokenOf(t, path), "decision", "reject"), formHeader...)
	mustContain(t, "second use", again, http.StatusGone, "sudah dipakai")
	mustContain(t, "GET after use", b.do("GET", path, "", nil), http.StatusGone, "sudah dipakai")
	mustContain(t, "unknown", b.do("GET", "/v1/approval-link?token=apr_nope", "", nil), http.StatusNotFound, "tidak dikenal")
	mustContain(t, "no token", b.do("GET", "/v1/approval-link", "", nil), http.StatusNotFound, "tidak dikenal")
}

func TestApprovalLinkRejectInEnglish(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	b.expect(b.do("PATCH", "/v1/workspaces/"+w.ws, w.owner, map[string]any{"language": "en"}), http.StatusOK)
	path, p := w.approvalLink(b)
	mustContain(t, "GET", b.do("GET", path, "", nil), http.StatusOK, `lang="en"`, "Post approval", "Approve", "Reject")
	bad := b.do("POST", "/v1/approval-link", "", form(tokenOf(t, path), "decision", "maybe"), formHeader...)
	mustContain(t, "no decision", bad, http.StatusUnprocessableEntity, "Choose Approve or Reject", `name="token"`)
	r := b.do("POST", "/v1/approval-link", "", form(tokenOf(t, path), "decision", "reject", "comment", "Harga <b>salah</b>"), formHeader...)
	mustContain(t, "reject", r, http.StatusOK, "The post is rejected")
	got := b.expect(b.do("GET", "/v1/workspaces/"+w.ws+"/posts/"+p["id"].(string), w.owner, nil), http.StatusOK)
	if got["status"] != "rejected" || got["rejection_comment"] != "Harga <b>salah</b>" {
		t.Errorf("after the link's rejection: %v %v", got["status"], got["rejection_comment"])
	}
}

func TestApprovalLinkExpired(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	path, _ := w.approvalLink(b)
	b.now = b.now.Add(72 * time.Hour)
	mustContain(t, "GET", b.do("GET", path, "", nil), http.StatusGone, "kedaluwarsa")
	r := b.do("POST", "/v1/approval-link", "", form(tokenOf(t, path), "decision", "approve"), formHeader...)
	mustContain(t, "POST", r, http.StatusGone, "kedaluwarsa")
}

// Approving through the link after the post's time publishes it at
// once, and the page says so.
func TestApprovalLinkPastTime(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	path, p := w.approvalLink(b)
	b.now = b.now.Add(2 * time.Hour)
	r := b.do("POST", "/v1/approval-link", "", form(tokenOf(t, path), "decision", "approve"), formHeader...)
	mustContain(t, "late approval", r, http.StatusOK, "diterbitkan sekarang")
	got := b.expect(b.do("GET", "/v1/workspaces/"+w.ws+"/posts/"+p["id"].(string), w.owner, nil), http.StatusOK)
	if got["scheduled_at"] != b.now.Format(time.RFC3339) {
		t.Errorf("scheduled_at %v, want now", got["scheduled_at"])
	}
	// A post already decided through the API: the link says so.
	path2, p2 := w.approvalLink(b)
	b.expect(b.do("POST", "/v1/workspaces/"+w.ws+"/posts/"+p2["id"].(string)+"/approve", w.approver, nil), http.StatusOK)
	mustContain(t, "decided", b.do("GET", path2, "", nil), http.StatusConflict, "tidak menunggu persetujuan")
	// Only posts awaiting approval get a link.
	b.expectError(b.do("POST", "/v1/workspaces/"+w.ws+"/posts/"+p2["id"].(string)+"/approval-link", w.editor, nil), http.StatusConflict, "conflict")
}
