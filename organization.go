package serentak

import "time"

// PrefixOrganization starts an organization's ID.
const PrefixOrganization = "org_"

// Organization is an agency: it owns many workspaces (Workspace.
// OrganizationID), and each of its members holds one role in all of them
// (docs/api.md#organizations), so staff are not added to a thousand
// workspaces one by one.
type Organization struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// OrgMembership is a user's one role in an organization: the role they
// hold in every workspace the organization owns, unless a Membership of
// the same user in one of them replaces it there.
type OrgMembership struct {
	OrganizationID string
	UserID         string
	Role           Role
	CreatedAt      time.Time
}

// WorkspaceAccess is one workspace a person may act in and the role that
// applies there: their Membership's when they have one, else their
// organization's (Via names it then).
type WorkspaceAccess struct {
	Workspace Workspace
	Role      Role
	// Via is the organization whose membership gives Role; "" when the
	// role is the person's own membership of the workspace.
	Via string
}

// EffectiveRole is the role that applies to a person in a workspace: the
// workspace membership's role when there is one (it replaces the
// organization's, so it can narrow it), else the organization's. Either
// may be "": no role at all is "".
func EffectiveRole(member, org Role) Role {
	if member != "" {
		return member
	}
	return org
}
