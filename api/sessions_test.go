package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/serentak/serentak/api"
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
