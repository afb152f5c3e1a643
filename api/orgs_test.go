package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// ids reads the IDs of a list answer's data.
func ids(t *testing.T, m map[string]any, field string) []string {
	t.Helper()
	var out []string
	for _, e := range m["data"].([]any) {
		out = append(out, e.(map[string]any)[field].(string))
	}
	return out
}

// An organization's member holds their organization role in every
// workspace it owns, one made after they joined included; their own
// membership of a workspace replaces it there; the workspaces of another
// organization stay 404.
func TestOrganizationRoleAppliesToEveryWorkspace(t *testing.T) {
	b := setup(t)
	org, rival := b.organization("Agensi Maju"), b.organization("Agensi Lain")
	ws1, _ := b.orgWorkspace(org, "Toko Satu")
	ws2, owner2 := b.orgWorkspace(org, "Toko Dua")
	theirs, _ := b.orgWorkspace(rival, "Toko Mereka")
	alone, _ := b.workspace("Toko Sendiri")
	b.user("staf@example.com")
	b.expect(b.do("POST", "/v1/organizations/"+org+"/members", adminKey, map[string]any{"email": "staf@example.com", "role": "editor"}), http.StatusCreated)
	ws3, _ := b.orgWorkspace(org, "Toko Tiga") // after they joined
	// Narrowed to viewer in ws2 by a workspace membership.
	b.expect(b.do("POST", "/v1/workspaces/"+ws2+"/members", owner2, map[string]any{"email": "staf@example.com", "role": "viewer"}), http.StatusCreated)
	tok := b.signIn("staf@example.com", testPassword)

	for _, ws := range []string{ws1, ws3} {
		got := b.expect(b.do("GET", "/v1/workspaces/"+ws, tok, nil), http.StatusOK)
		if got["organization_id"] != org {
			t.Errorf("workspace %s answers organization_id %v, want %s", ws, got["organization_id"], org)
		}
		b.expect(b.do("POST", "/v1/workspaces/"+ws+"/media", tok, nil), http.StatusBadRequest) // an editor may upload: past the role check, to the missing file
		b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/members", tok, nil), http.StatusForbidden, "forbidden")
	}
	b.expect(b.do("GET", "/v1/workspaces/"+ws2, tok, nil), http.StatusOK)
	b.expectError(b.do("POST", "/v1/workspaces/"+ws2+"/media", tok, nil), http.StatusForbidden, "forbidden") // a viewer there
	for _, ws := range []string{theirs, alone} {
		b.expectError(b.do("GET", "/v1/workspaces/"+ws, tok, nil), http.StatusNotFound, "not_found")
	}
	b.expectError(b.do("GET", "/v1/organizations/"+rival, tok, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("GET", "/v1/organizations/"+rival+"/workspaces", tok, nil), http.StatusNotFound, "not_found")

	// The person's lists: their organization, its workspaces, and /v1/me.
	orgs := b.expect(b.do("GET", "/v1/organizations", tok, nil), http.StatusOK)
	if got := ids(t, orgs, "id"); len(got) != 1 || got[0] != org || orgs["data"].([]any)[0].(map[string]any)["role"] != "editor" {
		t.Errorf("GET /v1/organizations for an editor of %s: %v", org, orgs["data"])
	}
	want := []string{ws1, ws2, ws3}
	slices.Sort(want) // by ID: IDs made within one millisecond sort at random
	if got := ids(t, b.expect(b.do("GET", "/v1/organizations/"+org+"/workspaces", tok, nil), http.StatusOK), "id"); !slices.Equal(got, want) {
		t.Errorf("the organization's workspaces: %v, want %v", got, want)
	}
	var listed []string
	roles := map[string]any{}
	for cursor := ""; ; {
		page := b.expect(b.do("GET", "/v1/workspaces?limit=2&cursor="+cursor, tok, nil), http.StatusOK)
		for _, w := range page["data"].([]any) {
			w := w.(map[string]any)
			listed = append(listed, w["id"].(string))
			roles[w["id"].(string)] = w["role"]
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if !slices.Equal(listed, want) || roles[ws1] != "editor" || roles[ws2] != "viewer" {
		t.Errorf("GET /v1/workspaces pages: %v with roles %v, want %v (editor, viewer, editor)", listed, roles, want)
	}
	me := b.expect(b.do("GET", "/v1/me", tok, nil), http.StatusOK)
	wantMe := []any{
		map[string]any{"workspace_id": ws1, "role": "editor", "organization_id": org},
		map[string]any{"workspace_id": ws2, "role": "viewer"},
		map[string]any{"workspace_id": ws3, "role": "editor", "organization_id": org},
	}
	slices.SortFunc(wantMe, func(a, b any) int {
		return strings.Compare(a.(map[string]any)["workspace_id"].(string), b.(map[string]any)["workspace_id"].(string))
	})
	if diff := cmp.Diff(wantMe, me["memberships"]); diff != "" {
		t.Errorf("GET /v1/me memberships (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{map[string]any{"organization_id": org, "role": "editor"}}, me["organizations"]); diff != "" || me["memberships_next_cursor"] != nil {
		t.Errorf("GET /v1/me organizations (-want +got):\n%s; next cursor %v", diff, me["memberships_next_cursor"])
	}
}

// An organization's admin manages its members and makes its workspaces
// (with an admin key, never above their role); an editor does neither;
// the last owner stays.
func TestOrganizationMembersAndWorkspaces(t *testing.T) {
	b := setup(t)
	org, rival := b.organization("Agensi Maju"), b.organization("Agensi Lain")
	members := "/v1/organizations/" + org + "/members"
	boss := b.user("bos@example.com")
	b.expect(b.do("POST", members, adminKey, map[string]any{"email": "bos@example.com", "role": "owner"}), http.StatusCreated)
	b.expectError(b.do("PATCH", members+"/"+boss, adminKey, map[string]any{"role": "admin"}), http.StatusConflict, "conflict")
	b.expectError(b.do("DELETE", members+"/"+boss, adminKey, nil), http.StatusConflict, "conflict")
	owner := b.signIn("bos@example.com", testPassword)

	// An unknown email: a new user with an invite link.
	added := b.expect(b.do("POST", members, owner, map[string]any{"email": "admin@example.com", "role": "admin"}), http.StatusCreated)
	if u, _ := added["invite_url"].(string); !strings.Contains(u, "/v1/invites/") {
		t.Errorf("adding an unknown email: invite_url %q", u)
	}
	b.expectError(b.do("POST", members, owner, map[string]any{"email": "admin@example.com", "role": "viewer"}), http.StatusConflict, "conflict")
	b.expect(b.do("POST", linkPath(t, added["invite_url"].(string)), "", map[string]any{"password": testPassword}), http.StatusOK)
	admin := b.signIn("admin@example.com", testPassword)
	b.expectError(b.do("POST", members, admin, map[string]any{"email": "x@example.com", "role": "owner"}), http.StatusForbidden, "forbidden")
	b.expectError(b.do("PATCH", members+"/"+boss, admin, map[string]any{"role": "viewer"}), http.StatusForbidden, "forbidden")
	ed := b.expect(b.do("POST", members, admin, map[string]any{"email": "editor@example.com", "role": "editor"}), http.StatusCreated)["user_id"].(string)
	b.expect(b.do("PATCH", "/v1/organizations/"+org, admin, map[string]any{"name": "Agensi Baru"}), http.StatusOK)
	list := b.expect(b.do("GET", members, admin, nil), http.StatusOK)
	if got := ids(t, list, "email"); !slices.Equal(got, []string{"bos@example.com", "admin@example.com", "editor@example.com"}) {
		t.Errorf("members: %v", got)
	}

	// An admin makes a workspace of the organization: its key is an
	// admin's. Without organization_id, or in another organization: no.
	made := b.expect(b.do("POST", "/v1/workspaces", admin, map[string]any{"name": "Toko Baru", "organization_id": org}), http.StatusCreated)
	if made["organization_id"] != org {
		t.Errorf("the new workspace's organization_id: %v", made["organization_id"])
	}
	keys := b.expect(b.do("GET", "/v1/workspaces/"+made["id"].(string)+"/keys", made["api_key"].(string), nil), http.StatusOK)["data"].([]any)
	if len(keys) != 1 || keys[0].(map[string]any)["role"] != "admin" {
		t.Errorf("the key an organization admin got: %v, want one admin key", keys)
	}
	b.expectError(b.do("POST", "/v1/workspaces", admin, map[string]any{"name": "Toko Lepas"}), http.StatusForbidden, "forbidden")
	b.expectError(b.do("POST", "/v1/workspaces", admin, map[string]any{"name": "Toko Lain", "organization_id": rival}), http.StatusNotFound, "not_found")
	b.expect(b.do("POST", linkPath(t, b.expect(b.do("POST", "/v1/users/"+ed+"/password-reset", adminKey, nil), http.StatusCreated)["reset_url"].(string)), "", map[string]any{"password": testPassword}), http.StatusOK)
	editor := b.signIn("editor@example.com", testPassword)
	b.expectError(b.do("POST", "/v1/workspaces", editor, map[string]any{"name": "Toko X", "organization_id": org}), http.StatusForbidden, "forbidden")
	b.expectError(b.do("GET", members, editor, nil), http.StatusForbidden, "forbidden")
	// The owner, through the organization, owns the new workspace.
	b.expect(b.do("GET", "/v1/workspaces/"+made["id"].(string)+"/export", owner, nil), http.StatusOK)
	b.expectError(b.do("GET", "/v1/workspaces/"+made["id"].(string)+"/export", admin, nil), http.StatusForbidden, "forbidden")

	// A second owner: then the first may go.
	b.expect(b.do("PATCH", members+"/"+ed, owner, map[string]any{"role": "owner"}), http.StatusOK)
	b.expect(b.do("DELETE", members+"/"+boss, owner, nil), http.StatusNoContent)
	b.expectError(b.do("GET", "/v1/organizations/"+org, owner, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("DELETE", members+"/"+boss, editor, nil), http.StatusNotFound, "not_found")

	// Each change of the organization's members is in the server's log,
	// with who made it.
	logs := b.logs.String()
	for _, want := range []string{`"action":"organization.member.add"`, `"action":"organization.member.update"`, `"action":"organization.member.remove"`, `"actor_id":"` + boss + `"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log has no %s", want)
		}
	}
}

// GET /v1/me lists at most 100 workspaces; the rest are paged with GET
// /v1/workspaces from memberships_next_cursor.
func TestMeBoundsOrganizationWorkspaces(t *testing.T) {
	b := setup(t)
	org := b.organization("Agensi Besar")
	var all []string
	for range 101 {
		id, _ := b.orgWorkspace(org, "Toko")
		all = append(all, id)
	}
	slices.Sort(all)
	b.user("staf@example.com")
	b.expect(b.do("POST", "/v1/organizations/"+org+"/members", adminKey, map[string]any{"email": "staf@example.com", "role": "viewer"}), http.StatusCreated)
	tok := b.signIn("staf@example.com", testPassword)
	me := b.expect(b.do("GET", "/v1/me", tok, nil), http.StatusOK)
	ms := me["memberships"].([]any)
	if len(ms) != 100 || me["memberships_next_cursor"] != all[99] {
		t.Fatalf("GET /v1/me: %d memberships, next cursor %v; want 100 and %s", len(ms), me["memberships_next_cursor"], all[99])
	}
	rest := b.expect(b.do("GET", "/v1/workspaces?cursor="+all[99], tok, nil), http.StatusOK)
	if got := ids(t, rest, "id"); !slices.Equal(got, all[100:]) || rest["next_cursor"] != nil {
		t.Errorf("the rest: %v (next %v), want %v", got, rest["next_cursor"], all[100:])
	}
}

// An organization's invite is emailed, as a workspace's is, naming the
// organization.
func TestOrganizationInviteIsEmailed(t *testing.T) {
	smtp, opt := withMail(t)
	b := setup(t, opt)
	org := b.organization("Agensi Maju")
	m := b.expect(b.do("POST", "/v1/organizations/"+org+"/members", adminKey, map[string]any{"email": "baru@example.com", "role": "editor"}), http.StatusCreated)
	link, _ := m["invite_url"].(string)
	got := smtp.WaitFor(t, 1)[0]
	if link == "" || got.To[0] != "baru@example.com" || !strings.Contains(got.Text, link) || !strings.Contains(got.Text, "Agensi Maju") {
		t.Errorf("invite %q; email to %v %q:\n%s", link, got.To, got.Subject, got.Text)
	}
}
