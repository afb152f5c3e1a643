package api_test

import (
	"net/http"
)

// organization makes an organization (the operator key) and returns its
// ID.
func (b *bundle) organization(name string) string {
	b.t.Helper()
	return b.expect(b.do("POST", "/v1/organizations", adminKey, map[string]any{"name": name}), http.StatusCreated)["id"].(string)
}

// orgWorkspace makes a workspace the organization owns (the operator
// key) and returns its ID and owner key.
func (b *bundle) orgWorkspace(org, name string) (id, key string) {
	b.t.Helper()
	m := b.expect(b.do("POST", "/v1/workspaces", adminKey, map[string]any{"name": name, "organization_id": org}), http.StatusCreated)
	if m["organization_id"] != org {
		b.t.Fatalf("a workspace created in %s answers organization_id %v", org, m["organization_id"])
	}
	return m["id"].(string), m["api_key"].(string)
}
