package serentak

import (
	"errors"
	"time"
)

// OAuthState is one OAuth flow in progress, bound to a workspace and a
// platform. State is the random value sent to the platform; only its hash
// (HashSecret) is stored.
type OAuthState struct {
	State       string
	WorkspaceID string
	Platform    Platform
	// Verifier is the PKCE code verifier; "" when the platform takes none.
	Verifier string
	// AccountID and LinkHash are set when the flow came from a reconnect
	// link: the login must reach that account, and the link is spent when
	// it does.
	AccountID string
	LinkHash  string
	// ReturnTo is a local path (/w/ws_…/accounts) the callback sends the
	// person back to, for a login started from the web app; "" answers
	// with the callback's own page.
	ReturnTo  string
	ExpiresAt time.Time
}

// Errors of consuming an OAuth state. They carry no detail: the caller
// words the answer for the person in the browser.
var (
	ErrStateUnknown = errors.New("unknown OAuth state")
	ErrStateUsed    = errors.New("OAuth state already used")
	ErrStateExpired = errors.New("OAuth state expired")
)

// ReconnectLink is a link that lets an account's owner connect it again
// without the workspace's API key.
type ReconnectLink struct {
	// Hash is HashSecret of the link's token.
	Hash        string
	WorkspaceID string
	AccountID   string
	Platform    Platform
	ExpiresAt   time.Time
	Used        bool
}

// ErrLinkInvalid: the reconnect link is unknown, expired or used. One error
// for all three, so a link's existence is not revealed to whoever holds a
// guessed or stale one.
var ErrLinkInvalid = errors.New("reconnect link unknown, expired or already used")
