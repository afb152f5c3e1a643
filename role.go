package serentak

// Power is one thing a caller may do in a workspace. A Role is a set of
// powers; the API checks the one power each route needs, in one place
// (api: routes and needMiddleware), so a role is never compared by rank.
type Power uint8

// The powers, smallest first.
const (
	// PowerRead reads everything in the workspace.
	PowerRead Power = 1 << iota
	// PowerApprove approves or rejects posts.
	PowerApprove
	// PowerWrite creates, edits, cancels and deletes posts and uploads
	// media.
	PowerWrite
	// PowerManage manages accounts, members, keys, webhooks, templates and
	// settings.
	PowerManage
	// PowerOwn manages owners and deletes the workspace.
	PowerOwn
)

// String names a power, for messages.
func (p Power) String() string {
	switch p {
	case PowerRead:
		return "read"
	case PowerApprove:
		return "approve"
	case PowerWrite:
		return "write"
	case PowerManage:
		return "manage"
	case PowerOwn:
		return "own"
	}
	return "unknown"
}

// Role is what a key (and later a member) may do in its workspace.
// approver and editor stand side by side: neither includes the other.
type Role string

// The roles of the contract.
const (
	RoleViewer   Role = "viewer"
	RoleApprover Role = "approver"
	RoleEditor   Role = "editor"
	RoleAdmin    Role = "admin"
	RoleOwner    Role = "owner"
)

// Roles lists every role, fewest powers first.
func Roles() []Role {
	return []Role{RoleViewer, RoleApprover, RoleEditor, RoleAdmin, RoleOwner}
}

// DefaultKeyRole is the role of a key minted without one.
const DefaultKeyRole = RoleAdmin

// powers is the role's set of powers; an unknown role has none.
func (r Role) powers() Power {
	switch r {
	case RoleViewer:
		return PowerRead
	case RoleApprover:
		return PowerRead | PowerApprove
	case RoleEditor:
		return PowerRead | PowerWrite
	case RoleAdmin:
		return PowerRead | PowerApprove | PowerWrite | PowerManage
	case RoleOwner:
		return PowerRead | PowerApprove | PowerWrite | PowerManage | PowerOwn
	}
	return 0
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return r.powers() != 0 }

// Can reports whether the role has power p.
func (r Role) Can(p Power) bool { return p != 0 && r.powers()&p == p }

// Covers reports whether r has every power of other: a caller may give
// (a key, later a member) only a role its own covers. A role "above" the
// caller's is one with a power the caller lacks, so an editor cannot
// mint an approver key, nor an approver an editor key.
func (r Role) Covers(other Role) bool {
	return r.Valid() && other.Valid() && other.powers()&^r.powers() == 0
}
