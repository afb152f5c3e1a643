package gormstore_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

// orgWorkspace makes a workspace owned by the organization orgID.
func (b *bundle) orgWorkspace(t testing.TB, orgID, name string) serentak.Workspace {
	t.Helper()
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: name, OrganizationID: orgID, CreatedAt: b.clock.Now()}
	key := serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), Hash: serentak.HashSecret(ws.ID)}
	if err := b.s.CreateWorkspace(b.ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	return ws
}

func (b *bundle) orgUser(t testing.TB, email string) serentak.User {
	t.Helper()
	u := serentak.User{ID: serentak.NewID(serentak.PrefixUser), Email: email, CreatedAt: b.clock.Now()}
	if err := b.s.CreateUser(b.ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	return u
}

// An organization's member holds their organization role in each of its
// workspaces, a workspace membership replaces it there, and the
// workspaces of another organization (or of none) give them no role.
func TestOrganizationRoles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	agency := serentak.Organization{ID: serentak.NewID(serentak.PrefixOrganization), Name: "Agensi", CreatedAt: b.clock.Now()}
	rival := serentak.Organization{ID: serentak.NewID(serentak.PrefixOrganization), Name: "Saingan", CreatedAt: b.clock.Now()}
	for _, o := range []serentak.Organization{agency, rival} {
		if err := b.s.CreateOrganization(b.ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	ws1, ws2 := b.orgWorkspace(t, agency.ID, "Toko Satu"), b.orgWorkspace(t, agency.ID, "Toko Dua")
	theirs := b.orgWorkspace(t, rival.ID, "Toko Mereka")
	if got, err := b.s.FindWorkspaceByID(b.ctx, ws1.ID); err != nil || got.OrganizationID != agency.ID {
		t.Fatalf("FindWorkspaceByID: %+v, %v; want organization %s", got, err, agency.ID)
	}
	missing := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "x", OrganizationID: serentak.NewID(serentak.PrefixOrganization)}
	wantCode(t, b.s.CreateWorkspace(b.ctx, missing, serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), Hash: "h"}), serentak.ECodeNotFound)

	staff := b.orgUser(t, "staf@example.com")
	if err := b.s.AddOrgMember(b.ctx, serentak.OrgMembership{OrganizationID: agency.ID, UserID: staff.ID, Role: serentak.RoleEditor}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.s.AddOrgMember(b.ctx, serentak.OrgMembership{OrganizationID: agency.ID, UserID: staff.ID, Role: serentak.RoleViewer}), serentak.ECodeConflict)
	// Narrowed in ws2; a direct member of b.ws, which no organization owns.
	for _, m := range []serentak.Membership{{WorkspaceID: ws2.ID, UserID: staff.ID, Role: serentak.RoleViewer}, {WorkspaceID: b.ws.ID, UserID: staff.ID, Role: serentak.RoleAdmin}} {
		if err := b.s.AddMember(b.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		ws   string
		want serentak.Role
	}{{ws1.ID, serentak.RoleEditor}, {ws2.ID, serentak.RoleViewer}, {b.ws.ID, serentak.RoleAdmin}} {
		if got, err := b.s.FindEffectiveRole(b.ctx, tt.ws, staff.ID); err != nil || got != tt.want {
			t.Errorf("role in %s: %q, %v; want %q", tt.ws, got, err, tt.want)
		}
	}
	for _, ws := range []string{theirs.ID, b.other.ID, serentak.NewID(serentak.PrefixWorkspace)} {
		_, err := b.s.FindEffectiveRole(b.ctx, ws, staff.ID)
		wantCode(t, err, serentak.ECodeNotFound)
	}

	// The person's workspaces: by ID, each with the role that applies
	// and, for an organization's role, the organization; paged.
	var got []serentak.WorkspaceAccess
	cursor := ""
	for range 5 {
		page, next, err := b.s.FindUserWorkspaces(b.ctx, staff.ID, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if cursor = next; cursor == "" {
			break
		}
	}
	type access struct {
		WS   string
		Role serentak.Role
		Via  string
	}
	var gotAccess []access
	for _, a := range got {
		gotAccess = append(gotAccess, access{a.Workspace.ID, a.Role, a.Via})
	}
	want := []access{{b.ws.ID, serentak.RoleAdmin, ""}, {ws1.ID, serentak.RoleEditor, agency.ID}, {ws2.ID, serentak.RoleViewer, ""}}
	// By ID: IDs made within one millisecond sort at random.
	slices.SortFunc(want, func(a, b access) int { return strings.Compare(a.WS, b.WS) })
	if diff := cmp.Diff(want, gotAccess); diff != "" {
		t.Errorf("FindUserWorkspaces (-want +got):\n%s", diff)
	}
	page, _, err := b.s.FindOrgWorkspaces(b.ctx, agency.ID, "", 10)
	if err != nil || len(page) != 2 || page[0].ID != min(ws1.ID, ws2.ID) || page[1].ID != max(ws1.ID, ws2.ID) {
		t.Errorf("FindOrgWorkspaces: %+v, %v; want %s and %s", page, err, ws1.ID, ws2.ID)
	}
	ms, orgs, err := b.s.FindUserOrgMemberships(b.ctx, staff.ID)
	if err != nil || len(ms) != 1 || ms[0].Role != serentak.RoleEditor || orgs[0].Name != "Agensi" {
		t.Errorf("FindUserOrgMemberships: %+v %+v, %v", ms, orgs, err)
	}

	// Leaving the organization leaves the workspace membership.
	if err := b.s.ChangeOrgMember(b.ctx, agency.ID, staff.ID, ""); err != nil {
		t.Fatal(err)
	}
	_, err = b.s.FindEffectiveRole(b.ctx, ws1.ID, staff.ID)
	wantCode(t, err, serentak.ECodeNotFound)
	if got, err := b.s.FindEffectiveRole(b.ctx, ws2.ID, staff.ID); err != nil || got != serentak.RoleViewer {
		t.Errorf("role in %s after leaving the organization: %q, %v; want viewer", ws2.ID, got, err)
	}
}

// The last owner of an organization can be neither removed nor demoted;
// with a second owner, either can go.
func TestOrganizationLastOwner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := serentak.Organization{ID: serentak.NewID(serentak.PrefixOrganization), Name: "Agensi"}
	if err := b.s.CreateOrganization(b.ctx, o); err != nil {
		t.Fatal(err)
	}
	boss, second := b.orgUser(t, "bos@example.com"), b.orgUser(t, "dua@example.com")
	if err := b.s.AddOrgMember(b.ctx, serentak.OrgMembership{OrganizationID: o.ID, UserID: boss.ID, Role: serentak.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.s.ChangeOrgMember(b.ctx, o.ID, boss.ID, serentak.RoleAdmin), serentak.ECodeConflict)
	wantCode(t, b.s.ChangeOrgMember(b.ctx, o.ID, boss.ID, ""), serentak.ECodeConflict)
	wantCode(t, b.s.ChangeOrgMember(b.ctx, o.ID, second.ID, ""), serentak.ECodeNotFound)
	if m, err := b.s.FindOrgMembership(b.ctx, o.ID, boss.ID); err != nil || m.Role != serentak.RoleOwner {
		t.Fatalf("the refused change changed the owner: %+v, %v", m, err)
	}
	b.clock.Advance(time.Minute) // the members list is oldest first
	if err := b.s.AddOrgMember(b.ctx, serentak.OrgMembership{OrganizationID: o.ID, UserID: second.ID, Role: serentak.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	if err := b.s.ChangeOrgMember(b.ctx, o.ID, boss.ID, serentak.RoleViewer); err != nil {
		t.Fatal(err)
	}
	ms, users, err := b.s.FindOrgMembers(b.ctx, o.ID)
	if err != nil || len(ms) != 2 || ms[0].Role != serentak.RoleViewer || users[0].Email != "bos@example.com" || ms[1].Role != serentak.RoleOwner {
		t.Errorf("FindOrgMembers: %+v %+v, %v", ms, users, err)
	}
	renamed, err := b.s.UpdateOrganization(b.ctx, serentak.Organization{ID: o.ID, Name: "Agensi Baru"})
	if err != nil || renamed.Name != "Agensi Baru" {
		t.Errorf("UpdateOrganization: %+v, %v", renamed, err)
	}
	list, next, err := b.s.FindOrganizations(b.ctx, "", 10)
	if err != nil || len(list) != 1 || next != "" || list[0].ID != o.ID {
		t.Errorf("FindOrganizations: %+v %q, %v", list, next, err)
	}
}

// BenchmarkRoleLookup: the read on every request a person makes to a
// workspace, before organizations (FindMembership) and with them
// (FindEffectiveRole, through an organization of 2,000 workspaces), and
// the first page of that person's workspaces.
func BenchmarkRoleLookup(b *testing.B) {
	s := setup(b)
	o := serentak.Organization{ID: serentak.NewID(serentak.PrefixOrganization), Name: "Agensi"}
	if err := s.s.CreateOrganization(s.ctx, o); err != nil {
		b.Fatal(err)
	}
	var last serentak.Workspace
	for range 2000 {
		last = s.orgWorkspace(b, o.ID, "Toko")
	}
	u := s.orgUser(b, "staf@example.com")
	if err := s.s.AddOrgMember(s.ctx, serentak.OrgMembership{OrganizationID: o.ID, UserID: u.ID, Role: serentak.RoleEditor}); err != nil {
		b.Fatal(err)
	}
	if err := s.s.AddMember(s.ctx, serentak.Membership{WorkspaceID: s.ws.ID, UserID: u.ID, Role: serentak.RoleEditor}); err != nil {
		b.Fatal(err)
	}
	b.Run("FindMembership", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.s.FindMembership(s.ctx, s.ws.ID, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FindEffectiveRole/member", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.s.FindEffectiveRole(s.ctx, s.ws.ID, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FindEffectiveRole/organization", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.s.FindEffectiveRole(s.ctx, last.ID, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FindUserWorkspaces/first-page", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.s.FindUserWorkspaces(s.ctx, u.ID, "", 20); err != nil {
				b.Fatal(err)
			}
		}
	})
}
