package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/gormstore"
)

// statusOn sends a request without a body to srv and returns the status.
func statusOn(t *testing.T, srv *httptest.Server, method, path, token string) int {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// A person's role changed, or their membership ended, on one API process
// holds from the next request on another process over the same database:
// a session acts with the role the database has now, not the one it had
// when it was last seen. (An API key's role never changes: a key is
// revoked and a new one made, TestKeysWithRoles.)
func TestMemberChangeOnEveryProcess(t *testing.T) {
	b := setup(t)
	ws, owner := b.workspace("Toko Budi")
	b.user("sari@example.com")
	members := "/v1/workspaces/" + ws + "/members"
	sari := b.expect(b.do("POST", members, owner, map[string]any{"email": "sari@example.com", "role": "admin"}), http.StatusCreated)["user_id"].(string)
	tok := b.signIn("sari@example.com", testPassword)

	second := httptest.NewServer(api.New(api.Config{Store: b.store, Blobs: b.blobs, Signer: b.signer, AdminKey: adminKey, Now: func() time.Time { return b.now }}).Handler())
	t.Cleanup(second.Close)
	if got := statusOn(t, second, "GET", members, tok); got != http.StatusOK {
		t.Fatalf("an admin's session lists members on the second process: %d", got)
	}
	b.expect(b.do("PATCH", members+"/"+sari, owner, map[string]any{"role": "viewer"}), http.StatusOK)
	if got := statusOn(t, second, "GET", members, tok); got != http.StatusForbidden {
		t.Errorf("a session demoted to viewer lists members on the second process: %d, want 403", got)
	}
	if got := statusOn(t, second, "GET", "/v1/workspaces/"+ws, tok); got != http.StatusOK {
		t.Errorf("a viewer's session reads the workspace on the second process: %d, want 200", got)
	}
	b.expect(b.do("DELETE", members+"/"+sari, owner, nil), http.StatusNoContent)
	if got := statusOn(t, second, "GET", "/v1/workspaces/"+ws, tok); got != http.StatusNotFound {
		t.Errorf("a session whose membership ended reads the workspace on the second process: %d, want 404", got)
	}
	if got := statusOn(t, second, "GET", "/v1/me", tok); got != http.StatusOK {
		t.Errorf("the session itself still works on the second process: %d, want 200", got)
	}
}

// sessionCountingStore counts the reads and writes of a session's auth path.
type sessionCountingStore struct {
	*gormstore.Store
	finds, memberships, touches atomic.Int32
}

func (s *sessionCountingStore) FindSessionByHash(ctx context.Context, hash string, now time.Time) (serentak.Session, error) {
	s.finds.Add(1)
	return s.Store.FindSessionByHash(ctx, hash, now)
}

// FindEffectiveRole is the membership read of a workspace request: one
// indexed read for a workspace's own member (organizations add one only
// for those who reach it through one).
func (s *sessionCountingStore) FindEffectiveRole(ctx context.Context, workspaceID, userID string) (serentak.Role, error) {
	s.memberships.Add(1)
	return s.Store.FindEffectiveRole(ctx, workspaceID, userID)
}

func (s *sessionCountingStore) TouchSession(ctx context.Context, ses serentak.Session, at time.Time) error {
	s.touches.Add(1)
	return s.Store.TouchSession(ctx, ses, at)
}

// A session's request in a workspace costs two indexed reads (the session
// by its hash, the person's membership there) and one write of its use a
// minute: one read more than a key (TestAuthPathIsOneLookup), the price of
// roles that change without signing in again (BENCHMARKS.md#the-authenticated-request-path).
func TestSessionAuthPathIsTwoReads(t *testing.T) {
	var cs *sessionCountingStore
	b := setup(t, func(c *api.Config) {
		cs = &sessionCountingStore{Store: c.Store.(*gormstore.Store)}
		c.Store = cs
	})
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	b.user("sari@example.com")
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members", key, map[string]any{"email": "sari@example.com", "role": "editor"}), http.StatusCreated)
	tok := b.signIn("sari@example.com", testPassword)
	cs.finds.Store(0)
	cs.memberships.Store(0)
	cs.touches.Store(0)
	for range 10 {
		b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", tok, postBody(acc)), http.StatusCreated)
	}
	if f, m, w := cs.finds.Load(), cs.memberships.Load(), cs.touches.Load(); f != 10 || m != 10 || w != 0 {
		t.Errorf("10 posts within a minute of sign-in: %d session lookups, %d membership reads, %d writes of its use; want 10, 10 and 0", f, m, w)
	}
	b.now = b.now.Add(time.Minute)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", tok, postBody(acc)), http.StatusCreated)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", tok, postBody(acc)), http.StatusCreated)
	if w := cs.touches.Load(); w != 1 {
		t.Errorf("a minute later: %d writes of the session's use, want 1", w)
	}
}
