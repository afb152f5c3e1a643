package serentak

import "time"

// ID prefixes of people and their sessions.
const (
	PrefixUser    = "usr_"
	PrefixSession = "ses_"
)

// User is a person who signs in with an email and a password
// (docs/api.md#people-and-sessions). Email is stored lower-cased, so two
// spellings of one address are one user.
type User struct {
	ID    string
	Email string
	Name  string
	// PasswordHash is the encoded argon2id hash; empty until the person
	// sets a password through an invite link.
	PasswordHash string
	CreatedAt    time.Time
}

// Session is a person signed in: its bearer token ("ses_…") is stored
// only as HashSecret of it. It ends SessionIdle after its last use, and
// SessionMaxAge after it began, whichever comes first.
type Session struct {
	ID         string
	UserID     string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
}

// Session lifetimes: sliding (each use moves the end to SessionIdle
// later), never past SessionMaxAge from the sign-in.
const (
	SessionIdle   = 30 * 24 * time.Hour
	SessionMaxAge = 90 * 24 * time.Hour
)

// SessionExpiry is when a session begun at created and last used at used
// ends.
func SessionExpiry(created, used time.Time) time.Time {
	idle, max := used.Add(SessionIdle), created.Add(SessionMaxAge)
	if idle.Before(max) {
		return idle
	}
	return max
}

// Membership is a user's one role in one workspace.
type Membership struct {
	WorkspaceID string
	UserID      string
	Role        Role
	CreatedAt   time.Time
}

// The kinds of a PasswordToken.
const (
	TokenInvite = "invite"
	TokenReset  = "reset"
)

// PasswordToken is a single-use link's secret that lets a person set a
// password: an invite (InviteTTL) or a reset (ResetTTL). Only its hash is
// stored.
type PasswordToken struct {
	Hash      string
	UserID    string
	Kind      string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// How long password links stay valid.
const (
	InviteTTL = 7 * 24 * time.Hour
	ResetTTL  = 24 * time.Hour
)
