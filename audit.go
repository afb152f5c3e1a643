package serentak

import "time"

// PrefixAudit starts an audit entry's ID.
const PrefixAudit = "aud_"

// Kinds of actor in the audit log.
const (
	ActorUser     = "user"
	ActorKey      = "key"
	ActorOperator = "operator"
)

// Actor is who made a change: a person (ID usr_…), a workspace key (ID
// key_…) or the operator (no ID).
type Actor struct {
	Type string
	ID   string
}

// AuditEntry is one change in a workspace (docs/api.md#audit-log): who,
// what (an action such as "post.create") on which target, when.
type AuditEntry struct {
	ID          string
	WorkspaceID string
	Actor       Actor
	Action      string
	// TargetID is the ID of what changed ("" when the change has none of
	// its own, like workspace settings: then the workspace's).
	TargetID  string
	CreatedAt time.Time
}
