package main

import (
	"testing"
	"time"
)

// TestApprovalHoldsEditorsPosts runs the whole system: an editor's post in
// a workspace requiring approval is not published past its time; approved
// late, it is published at once, exactly once.
func TestApprovalHoldsEditorsPosts(t *testing.T) {
	s := newSystem(t)
	s.base = s.start("serve")
	ws, owner, acc := s.tour()
	if code, out := s.call("PATCH", "/v1/workspaces/"+ws, owner, map[string]any{"approval_required": true}); code != 200 {
		t.Fatalf("require approval: %d %v", code, out)
	}
	code, out := s.call("POST", "/v1/workspaces/"+ws+"/keys", owner, map[string]any{"name": "staff", "role": "editor"})
	if code != 201 {
		t.Fatalf("editor key: %d %v", code, out)
	}
	editor := out["api_key"].(string)
	code, post := s.call("POST", "/v1/workspaces/"+ws+"/posts", editor, productPost(acc, time.Now().Add(time.Second)))
	if code != 201 || post["status"] != "pending_approval" {
		t.Fatalf("editor's post: %d %v", code, post)
	}
	id := post["id"].(string)

	time.Sleep(3 * time.Second) // past its time, scheduler ticks included
	if n := len(s.graph.Posts(pageID)); n != 0 {
		t.Fatalf("%d posts published before approval", n)
	}
	if code, out := s.call("GET", "/v1/workspaces/"+ws+"/posts/"+id, owner, nil); code != 200 || out["status"] != "pending_approval" {
		t.Fatalf("before approval: %d %v", code, out["status"])
	}

	if code, out := s.call("POST", "/v1/workspaces/"+ws+"/posts/"+id+"/approve", owner, nil); code != 200 {
		t.Fatalf("approve: %d %v", code, out)
	}
	if done := s.waitPost(ws, owner, id, "published", "failed"); done["status"] != "published" {
		t.Fatalf("approved post ended %v: %v", done["status"], done)
	}
	if n := len(s.graph.Posts(pageID)); n != 1 {
		t.Errorf("%d posts on the Page, want 1", n)
	}
}
