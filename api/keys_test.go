package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/gormstore"
)

func TestKeysWithRoles(t *testing.T) {
	b := setup(t)
	ws, owner := b.workspace("Toko Budi")
	keys := "/v1/workspaces/" + ws + "/keys"

	// The workspace's first key is an owner key.
	list := b.expect(b.do("GET", keys, owner, nil), http.StatusOK)["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["role"] != "owner" || !strings.HasPrefix(owner, list[0].(map[string]any)["prefix"].(string)) {
		t.Fatalf("keys of a new workspace = %v, want its owner key", list)
	}

	// Default role admin; a name and a role as asked.
	def := b.expect(b.do("POST", keys, owner, map[string]any{"name": "Zapier"}), http.StatusCreated)
	if def["role"] != "admin" || def["name"] != "Zapier" {
		t.Errorf("a key without a role = %v, want an admin key named Zapier", def)
	}
	admin := def["api_key"].(string)
	ed := b.expect(b.do("POST", keys, admin, map[string]any{"name": "Mobile app", "role": "editor"}), http.StatusCreated)
	checkKeys(t, "new key", ed, "id", "name", "role", "api_key", "created_at")
	if ed["role"] != "editor" || ed["name"] != "Mobile app" {
		t.Errorf("editor key = %v", ed)
	}

	// Never above the caller's own role; unknown roles are 422.
	b.expectError(b.do("POST", keys, admin, map[string]any{"role": "owner"}), http.StatusForbidden, "forbidden")
	b.expectError(b.do("POST", keys, owner, map[string]any{"role": "root"}), http.StatusUnprocessableEntity, "validation_failed", "role")
	b.expectError(b.do("POST", keys, owner, map[string]any{"role": "admin", "scope": "all"}), http.StatusUnprocessableEntity, "validation_failed", "scope")
	b.expectError(b.do("POST", keys, ed["api_key"].(string), map[string]any{"role": "viewer"}), http.StatusForbidden, "forbidden")
	b.expect(b.do("POST", keys, owner, map[string]any{"role": "owner"}), http.StatusCreated)
	b.expect(b.do("POST", keys, adminKey, map[string]any{"role": "owner"}), http.StatusCreated)

	// The list: never the key nor its hash; last_used_at once used.
	b.expect(b.do("GET", "/v1/workspaces/"+ws, ed["api_key"].(string), nil), http.StatusOK)
	r := b.do("GET", keys, admin, nil)
	list = b.expect(r, http.StatusOK)["data"].([]any)
	if len(list) != 5 {
		t.Fatalf("%d keys listed, want 5: %s", len(list), r.body)
	}
	for _, secret := range []string{owner, admin, ed["api_key"].(string)} {
		if strings.Contains(string(r.body), secret) || strings.Contains(string(r.body), secret[10:]) {
			t.Fatalf("the key list shows a secret: %s", r.body)
		}
	}
	var edView map[string]any
	for _, k := range list {
		checkKeys(t, "listed key", k.(map[string]any), "id", "name", "role", "prefix", "created_at", "last_used_at")
		if k.(map[string]any)["id"] == ed["id"] {
			edView = k.(map[string]any)
		}
	}
	if edView == nil || edView["role"] != "editor" || edView["prefix"] != ed["api_key"].(string)[:11] ||
		edView["last_used_at"] != b.now.Format(time.RFC3339) {
		t.Errorf("the editor key listed as %v, want its role, prefix and last use (%s)", edView, b.now.Format(time.RFC3339))
	}

	// Revoked: 401 from the next request, on this process and on another
	// one serving the same database; another workspace cannot revoke it.
	other := httptest.NewServer(api.New(api.Config{Store: b.store, AdminKey: adminKey}).Handler())
	t.Cleanup(other.Close)
	get := func(srv *httptest.Server, key string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/workspaces/"+ws, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get(other, ed["api_key"].(string)); got != http.StatusOK {
		t.Fatalf("the editor key on the second process: %d", got)
	}
	_, otherOwner := b.workspace("Toko Lain")
	b.expectError(b.do("DELETE", keys+"/"+ed["id"].(string), otherOwner, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("DELETE", keys+"/key_missing", owner, nil), http.StatusNotFound, "not_found")
	b.expect(b.do("DELETE", keys+"/"+ed["id"].(string), admin, nil), http.StatusNoContent)
	b.expectError(b.do("GET", "/v1/workspaces/"+ws, ed["api_key"].(string), nil), http.StatusUnauthorized, "unauthorized")
	if got := get(other, ed["api_key"].(string)); got != http.StatusUnauthorized {
		t.Errorf("a revoked key on the second process: %d, want 401", got)
	}
	b.expectError(b.do("DELETE", keys+"/"+ed["id"].(string), admin, nil), http.StatusNotFound, "not_found")
	if list := b.expect(b.do("GET", keys, admin, nil), http.StatusOK)["data"].([]any); len(list) != 4 {
		t.Errorf("%d keys listed after revoking one, want 4", len(list))
	}
	// Only an owner revokes an owner key.
	ownerKey := b.expect(b.do("POST", keys, owner, map[string]any{"name": "second owner", "role": "owner"}), http.StatusCreated)
	b.expectError(b.do("DELETE", keys+"/"+ownerKey["id"].(string), admin, nil), http.StatusForbidden, "forbidden")
	b.expect(b.do("DELETE", keys+"/"+ownerKey["id"].(string), owner, nil), http.StatusNoContent)
	// A key may revoke itself.
	b.expect(b.do("DELETE", keys+"/"+def["id"].(string), admin, nil), http.StatusNoContent)
	b.expectError(b.do("GET", keys, admin, nil), http.StatusUnauthorized, "unauthorized")
}

// A key's use is written at most once a minute, so the auth path stays
// one read on almost every request.
func TestKeyLastUsedAtMostOnceAMinute(t *testing.T) {
	b := setup(t)
	ws, owner := b.workspace("Toko Budi")
	lastUsed := func() any {
		return b.expect(b.do("GET", "/v1/workspaces/"+ws+"/keys", adminKey, nil), http.StatusOK)["data"].([]any)[0].(map[string]any)["last_used_at"]
	}
	if got := lastUsed(); got != nil {
		t.Fatalf("last_used_at of an unused key = %v, want null", got)
	}
	first := b.now
	b.expect(b.do("GET", "/v1/workspaces/"+ws, owner, nil), http.StatusOK)
	b.now = first.Add(59 * time.Second)
	b.expect(b.do("GET", "/v1/workspaces/"+ws, owner, nil), http.StatusOK)
	if got := lastUsed(); got != first.Format(time.RFC3339) {
		t.Errorf("last_used_at = %v, want %s (the use 59 s later is not written)", got, first.Format(time.RFC3339))
	}
	b.now = first.Add(time.Minute)
	b.expect(b.do("GET", "/v1/workspaces/"+ws, owner, nil), http.StatusOK)
	if got := lastUsed(); got != b.now.Format(time.RFC3339) {
		t.Errorf("last_used_at = %v, want %s", got, b.now.Format(time.RFC3339))
	}
}

// countingStore counts the key calls of the auth path.
type countingStore struct {
	*gormstore.Store
	finds, touches atomic.Int32
}

func (s *countingStore) FindAPIKeyByHash(ctx context.Context, hash string) (serentak.APIKey, error) {
	s.finds.Add(1)
	return s.Store.FindAPIKeyByHash(ctx, hash)
}

func (s *countingStore) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	s.touches.Add(1)
	return s.Store.TouchAPIKey(ctx, id, at)
}

// The auth path is one lookup by hash per request, and one write of the
// key's use a minute, so POST /posts pays nothing more for roles.
func TestAuthPathIsOneLookup(t *testing.T) {
	var cs *countingStore
	b := setup(t, func(c *api.Config) {
		cs = &countingStore{Store: c.Store.(*gormstore.Store)}
		c.Store = cs
	})
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	cs.finds.Store(0)
	cs.touches.Store(0)
	for range 10 {
		b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, postBody(acc)), http.StatusCreated)
	}
	if f, w := cs.finds.Load(), cs.touches.Load(); f != 10 || w != 0 {
		// The account's attachment a moment ago recorded this minute.
		t.Errorf("10 posts within a minute: %d key lookups and %d writes of its use, want 10 and 0", f, w)
	}
	b.now = b.now.Add(time.Minute)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, postBody(acc)), http.StatusCreated)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, postBody(acc)), http.StatusCreated)
	if w := cs.touches.Load(); w != 1 {
		t.Errorf("a minute later: %d writes of the key's use, want 1", w)
	}
}
