package serentak

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Workspace is one merchant (one business). Every other resource belongs to
// exactly one workspace, and every query is scoped by it.
type Workspace struct {
	ID       string
	Name     string
	Timezone string // IANA name, e.g. "Asia/Jakarta"
	// Language is "id" or "en": the language of composed text and of
	// the pages shown to the merchant (the approval link).
	Language string
	// ApprovalRequired holds an editor's posts in pending_approval until
	// an approver approves them.
	ApprovalRequired bool
	// OrganizationID is the organization that owns the workspace; "":
	// none. Its members hold their organization role here.
	OrganizationID string
	// TrackedLinks puts {SERENTAK_PUBLIC_URL}/o/{code} in composed text in
	// place of the order link, one code per delivery, so clicks are
	// counted per platform (issue 22).
	TrackedLinks bool
	// Handle names the workspace's link-in-bio page,
	// {SERENTAK_PUBLIC_URL}/b/{handle}; "": none yet.
	Handle    string
	CreatedAt time.Time
}

// DefaultLanguage is a workspace's language unless set.
const DefaultLanguage = "id"

// ApprovalLink is a single-use link for a merchant without an account to
// approve or reject one post. Only the hash of its token is stored.
type ApprovalLink struct {
	Hash        string
	WorkspaceID string
	PostID      string
	ExpiresAt   time.Time
	// UsedAt is when a decision used it up; nil: not yet.
	UsedAt    *time.Time
	CreatedAt time.Time
}

// ApprovalLinkLifetime is how long an approval link works.
const ApprovalLinkLifetime = 72 * time.Hour

// APIKey is a workspace key. Only the hash of the secret is ever stored; the
// secret itself is shown once, when the key is minted.
type APIKey struct {
	ID          string
	WorkspaceID string
	Hash        string // hex SHA-256 of the secret
	// Role is what the key may do; keys made before roles existed are
	// owner keys (migration 0003).
	Role Role
	// Name tells keys apart in a list ("Mobile app"); may be empty.
	Name string
	// Prefix is the first characters of the secret, safe to show, so a
	// person can tell which key a list entry is.
	Prefix    string
	CreatedAt time.Time
	// LastUsedAt is when the key last authenticated a request, to the
	// minute (KeyUseResolution); nil: never.
	LastUsedAt *time.Time
}

// KeyUseResolution is how stale APIKey.LastUsedAt may be: a key's use is
// written at most once per this period, so authenticating stays one read.
const KeyUseResolution = time.Minute

// HashSecret returns the stored form of a secret we hand out and later
// look up: an API key, an OAuth state, a reconnect link's token. It is hex
// SHA-256: each is a long random string, so a fast hash is enough; what
// matters is that a database dump holds nothing usable.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Decision approves or rejects a post awaiting approval.
type Decision struct {
	Approve bool
	// By names who decided: a key ID, "operator", or "link".
	By string
	// Comment is a rejection's reason.
	Comment string
	// At is when; an approved delivery whose time has passed moves to At.
	At time.Time
	// LinkHash, when set, is the approval link the decision uses up.
	LinkHash string
}
