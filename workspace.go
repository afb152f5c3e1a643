package serentak

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Workspace is one merchant (one business). Every other resource belongs to
// exactly one workspace, and every query is scoped by it.
type Workspace struct {
	ID        string
	Name      string
	Timezone  string // IANA name, e.g. "Asia/Jakarta"
	CreatedAt time.Time
}

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
