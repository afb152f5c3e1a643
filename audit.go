package serentak

import (
	"strings"
	"time"
)

// PrefixAudit starts an audit entry's ID.
const PrefixAudit = "aud_"

// Kinds of actor in the audit log.
const (
	ActorUser     = "user"
	ActorKey      = "key"
	ActorOperator = "operator"
	// ActorLink: a merchant's decision through an approval link.
	ActorLink = "link"
	// ActorOAuth: accounts connected or reconnected by a platform's OAuth
	// callback (a connect or reconnect link).
	ActorOAuth = "oauth"
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

// NewIDAfter is NewID, made to sort after last (an ID of the same prefix)
// when both fall in the same millisecond: then it is last plus one. A
// process that keeps its last audit ID lists its entries in the order it
// made them, however fast.
func NewIDAfter(prefix, last string) string {
	id := NewID(prefix)
	if id > last || !strings.HasPrefix(last, prefix) {
		return id
	}
	raw, err := idEncoding.DecodeString(last[len(prefix):])
	if err != nil || len(raw) != 16 {
		return id
	}
	for i := len(raw) - 1; i >= 0; i-- {
		raw[i]++
		if raw[i] != 0 {
			break
		}
	}
	return prefix + idEncoding.EncodeToString(raw)
}
