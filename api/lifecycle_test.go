package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
)

func deliveriesOf(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, d := range m["deliveries"].([]any) {
		out = append(out, d.(map[string]any))
	}
	return out
}

func TestDrafts(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	path := "/v1/workspaces/" + ws + "/posts"

	// A caption too long for Facebook, and a time gone by: a draft takes
	// both (shape only); scheduling it checks fully.
	body := postBody(acc)
	body["caption"] = strings.Repeat("a", 64000)
	body["scheduled_at"] = b.now.Add(-time.Hour).Format(time.RFC3339)
	body["draft"] = true
	m := b.expect(b.do("POST", path, key, body), http.StatusCreated)
	id := m["id"].(string)
	if m["status"] != "draft" || deliveriesOf(m)[0]["status"] != "draft" {
		t.Fatalf("draft = %v", m)
	}
	if b.wakes.Load() != 0 {
		t.Errorf("a draft woke the scheduler %d times; nothing is queued", b.wakes.Load())
	}
	// Shape is still checked.
	bad := postBody("acc_nope")
	bad["draft"] = true
	b.expectError(b.do("POST", path, key, bad), http.StatusUnprocessableEntity, "validation_failed", "targets[0].account_id")

	list := b.expect(b.do("GET", path+"?status=draft", key, nil), http.StatusOK)["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != id {
		t.Errorf("drafts listed = %v", list)
	}
	// Scheduling checks as create does: nothing changes on a fault.
	b.expectError(b.do("POST", path+"/"+id+"/schedule", key, nil), http.StatusUnprocessableEntity, "validation_failed", "targets[0].caption", "scheduled_at")
	// An edit of a draft keeps it a draft, with the same shape-only check.
	m = b.expect(b.do("PATCH", path+"/"+id, key, map[string]any{"caption": "Keripik renyah!"}), http.StatusOK)
	if m["status"] != "draft" || m["caption"] != "Keripik renyah!" {
		t.Fatalf("edited draft = %v", m)
	}
	b.expectError(b.do("POST", path+"/"+id+"/schedule", key, nil), http.StatusUnprocessableEntity, "validation_failed", "scheduled_at")
	at := b.now.Add(2 * time.Hour).UTC().Format(time.RFC3339)
	m = b.expect(b.do("POST", path+"/"+id+"/schedule", key, map[string]any{"scheduled_at": at}), http.StatusOK)
	d := deliveriesOf(m)[0]
	if m["status"] != "scheduled" || d["status"] != "scheduled" || m["scheduled_at"] != at || d["scheduled_at"] != at ||
		!strings.HasPrefix(d["content"].(map[string]any)["text"].(string), "Keripik renyah!") {
		t.Fatalf("scheduled draft = %v", m)
	}
	if b.wakes.Load() == 0 {
		t.Error("scheduling a draft did not wake the scheduler")
	}
	b.expectError(b.do("POST", path+"/"+id+"/schedule", key, nil), http.StatusConflict, "conflict")
	if log := strings.Join(b.auditLog(ws, key), "\n"); !strings.Contains(log, "post.schedule "+id) {
		t.Errorf("audit log has no post.schedule of %s:\n%s", id, log)
	}

	t.Run("an editor's draft, scheduled where approval is required, waits for it", func(t *testing.T) {
		editor := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", key, map[string]any{"name": "e", "role": "editor"}), http.StatusCreated)["api_key"].(string)
		b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"approval_required": true}), http.StatusOK)
		body := postBody(acc)
		body["draft"] = true
		body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
		id := b.expect(b.do("POST", path, editor, body), http.StatusCreated)["id"].(string)
		m := b.expect(b.do("POST", path+"/"+id+"/schedule", editor, nil), http.StatusOK)
		if m["status"] != "pending_approval" || deliveriesOf(m)[0]["status"] != "pending_approval" {
			t.Fatalf("an editor's scheduled draft = %v", m)
		}
	})
}

func TestEditPost(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc1 := b.account(ws, key, serentak.Facebook, "111")
	acc2 := b.account(ws, key, serentak.Facebook, "222")
	acc3 := b.account(ws, key, serentak.Facebook, "333")
	path := "/v1/workspaces/" + ws + "/posts"
	body := postBody(acc1, acc2)
	body["targets"] = []any{map[string]any{"account_id": acc1, "caption": "Khusus halaman satu"}, map[string]any{"account_id": acc2}}
	body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
	p := b.expect(b.do("POST", path, key, body), http.StatusCreated)
	id := p["id"].(string)
	d1, d2 := deliveriesOf(p)[0], deliveriesOf(p)[1]

	// A fault changes nothing.
	b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{"product": map[string]any{"name": ""}}),
		http.StatusUnprocessableEntity, "validation_failed", "product.name")
	b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{"draft": true}),
		http.StatusUnprocessableEntity, "validation_failed", "draft")
	if got := b.expect(b.do("GET", path+"/"+id, key, nil), http.StatusOK); got["updated_at"] != p["updated_at"] {
		t.Fatalf("a refused edit changed the post: %v", got)
	}

	// A new price: every delivery is recomposed; acc1 keeps its own
	// caption (the targets were not given, so they stay as made).
	m := b.expect(b.do("PATCH", path+"/"+id, key, map[string]any{"product": map[string]any{
		"name": "Keripik Singkong Pedas", "price": map[string]any{"amount": 22000, "currency": "IDR"}, "url": "https://wa.me/6281234567890"}}), http.StatusOK)
	ds := deliveriesOf(m)
	if t1 := ds[0]["content"].(map[string]any)["text"].(string); !strings.HasPrefix(t1, "Khusus halaman satu") {
		t.Errorf("acc1's text = %q, want its own caption kept", t1)
	}
	if t2 := ds[1]["content"].(map[string]any)["text"].(string); !strings.Contains(t2, "22.000") {
		t.Errorf("acc2's text = %q, want the new price", t2)
	}
	edit := m["edit"].(map[string]any)
	if len(edit["changed"].([]any)) != 2 || len(edit["unchanged"].([]any)) != 0 {
		t.Errorf("edit = %v, want both changed", edit)
	}

	// acc1's delivery starts; then the targets change: acc1 stays as it
	// is, acc2 is removed, acc3 added.
	if _, ok, err := b.store.ClaimDelivery(context.Background(), d1["id"].(string), 2, b.now.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	m = b.expect(b.do("PATCH", path+"/"+id, key, map[string]any{"caption": "Baru!", "targets": []any{
		map[string]any{"account_id": acc1}, map[string]any{"account_id": acc3}}}), http.StatusOK)
	edit = m["edit"].(map[string]any)
	un := edit["unchanged"].([]any)
	if len(un) != 1 || un[0].(map[string]any)["id"] != d1["id"] || un[0].(map[string]any)["status"] != "publishing" {
		t.Errorf("unchanged = %v, want acc1's delivery, publishing", un)
	}
	if rm := edit["removed"].([]any); len(rm) != 1 || rm[0] != d2["id"] {
		t.Errorf("removed = %v, want acc2's delivery", rm)
	}
	var accounts []string
	for _, d := range deliveriesOf(m) {
		accounts = append(accounts, d["account_id"].(string))
		if d["account_id"] == acc3 && !strings.HasPrefix(d["content"].(map[string]any)["text"].(string), "Baru!") {
			t.Errorf("acc3's delivery = %v", d)
		}
	}
	slices.Sort(accounts)
	want := []string{acc1, acc3}
	slices.Sort(want)
	if !slices.Equal(accounts, want) {
		t.Errorf("accounts = %v, want %v", accounts, want)
	}

	t.Run("nothing left to change", func(t *testing.T) {
		p := b.expect(b.do("POST", path, key, postBody(acc1)), http.StatusCreated)
		if _, ok, err := b.store.ClaimDelivery(context.Background(), deliveriesOf(p)[0]["id"].(string), 1, b.now.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		b.expectError(b.do("PATCH", path+"/"+p["id"].(string), key, map[string]any{"caption": "x"}), http.StatusConflict, "conflict")
	})
	t.Run("a canceled post", func(t *testing.T) {
		id := b.expect(b.do("POST", path, key, postBody(acc1)), http.StatusCreated)["id"].(string)
		b.expect(b.do("POST", path+"/"+id+"/cancel", key, nil), http.StatusOK)
		b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{"caption": "x"}), http.StatusConflict, "conflict")
	})
	t.Run("an editor's edit where approval is required waits for it", func(t *testing.T) {
		editor := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", key, map[string]any{"name": "e", "role": "editor"}), http.StatusCreated)["api_key"].(string)
		b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"approval_required": true}), http.StatusOK)
		defer func() {
			b.expect(b.do("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"approval_required": false}), http.StatusOK)
		}()
		body := postBody(acc2)
		body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
		id := b.expect(b.do("POST", path, key, body), http.StatusCreated)["id"].(string)
		m := b.expect(b.do("PATCH", path+"/"+id, editor, map[string]any{"caption": "Diubah editor"}), http.StatusOK)
		if m["status"] != "pending_approval" {
			t.Errorf("status = %v, want pending_approval", m["status"])
		}
	})
	log := strings.Join(b.auditLog(ws, key), "\n")
	if !strings.Contains(log, "post.update "+id) {
		t.Errorf("audit log has no post.update of %s:\n%s", id, log)
	}
}

func TestDeletePost(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	acc2 := b.account(ws, key, serentak.Facebook, "222")
	path := "/v1/workspaces/" + ws + "/posts"
	p := b.expect(b.do("POST", path, key, postBody(acc, acc2)), http.StatusCreated)
	id := p["id"].(string)
	// One delivery is publishing: it finishes; the other is canceled.
	if _, ok, err := b.store.ClaimDelivery(context.Background(), deliveriesOf(p)[0]["id"].(string), 1, b.now.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	_, otherKey := b.workspace("Toko Lain")
	b.expectError(b.do("DELETE", path+"/"+id, otherKey, nil), http.StatusNotFound, "not_found")
	b.expect(b.do("DELETE", path+"/"+id, key, nil), http.StatusNoContent)
	b.expectError(b.do("GET", path+"/"+id, key, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{"caption": "x"}), http.StatusNotFound, "not_found")
	b.expectError(b.do("DELETE", path+"/"+id, key, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("POST", path+"/"+id+"/cancel", key, nil), http.StatusNotFound, "not_found")
	if list := b.expect(b.do("GET", path, key, nil), http.StatusOK)["data"].([]any); len(list) != 0 {
		t.Errorf("list = %v, want the deleted post gone", list)
	}
	if _, ok, err := b.store.ClaimDelivery(context.Background(), deliveriesOf(p)[1]["id"].(string), 1, b.now.Add(time.Minute)); err != nil || ok {
		t.Errorf("claiming the canceled delivery = %v, %v; want nothing to do", ok, err)
	}
	if log := strings.Join(b.auditLog(ws, key), "\n"); !strings.Contains(log, "post.delete "+id) {
		t.Errorf("audit log has no post.delete of %s:\n%s", id, log)
	}
}

// TestEditPostMadeBeforeSources edits a post stored without its request
// (made before posts kept it): it is recomposed from its stored fields,
// and a new time alone moves it without recomposing.
func TestEditPostMadeBeforeSources(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	at := b.now.Add(time.Hour)
	p := serentak.Post{ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: ws,
		Product:     &serentak.Product{Name: "Keripik Singkong", Price: &serentak.Price{Amount: 25000, Currency: "IDR"}, URL: "https://wa.me/6281234567890"},
		Hashtags:    []string{"umkm"},
		Media:       []serentak.MediaRef{{URL: "https://cdn.example.com/k.jpg", Kind: serentak.MediaImage}},
		ScheduledAt: at,
		Deliveries: []serentak.Delivery{{ID: serentak.NewID(serentak.PrefixDelivery), AccountID: acc, Platform: serentak.Facebook,
			Content: serentak.Content{Text: "lama"}, ScheduledAt: at, Status: serentak.DeliveryScheduled, Version: 1}},
	}
	if _, _, err := b.store.CreatePost(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	path := "/v1/workspaces/" + ws + "/posts/" + p.ID
	later := b.now.Add(3 * time.Hour).UTC().Format(time.RFC3339)
	m := b.expect(b.do("PATCH", path, key, map[string]any{"scheduled_at": later}), http.StatusOK)
	d := deliveriesOf(m)[0]
	if d["content"].(map[string]any)["text"] != "lama" || d["scheduled_at"] != later {
		t.Errorf("moved delivery = %v, want its content kept and the new time", d)
	}
	if ch := m["edit"].(map[string]any)["changed"].([]any); len(ch) != 1 {
		t.Errorf("edit = %v", m["edit"])
	}
	m = b.expect(b.do("PATCH", path, key, map[string]any{"caption": "Baru!"}), http.StatusOK)
	d = deliveriesOf(m)[0]
	if text := d["content"].(map[string]any)["text"].(string); !strings.HasPrefix(text, "Baru!") || d["scheduled_at"] != later {
		t.Errorf("recomposed delivery = %v", d)
	}
}
