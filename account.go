package serentak

import (
	"context"
	"time"
)

// AccountStatus says whether an account can publish.
type AccountStatus string

const (
	AccountActive AccountStatus = "active"
	// AccountNeedsReauth: the platform rejected the token and refreshing it
	// failed; the owner must connect the account again.
	AccountNeedsReauth AccountStatus = "needs_reauth"
)

// Account is a connected social account: a Facebook Page, an Instagram
// professional account, a YouTube channel or a TikTok user.
type Account struct {
	ID          string
	WorkspaceID string
	Platform    Platform
	// ExternalID is the platform's own ID: the Page ID, the IG user ID, the
	// YouTube channel ID or the TikTok open_id.
	ExternalID string
	Name       string
	Status     AccountStatus
	// StatusReason explains a needs_reauth status in words.
	StatusReason string
	Token        Token
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Token is the credential that publishes for an account. It is encrypted at
// rest and never returned by the API or written to a log.
type Token struct {
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time // zero: does not expire (e.g. a Facebook Page token)
}

// String hides the secrets so a Token printed by mistake leaks nothing.
func (Token) String() string { return "Token{redacted}" }

// GoString hides the secrets from %#v as well.
func (Token) GoString() string { return "serentak.Token{redacted}" }

// AccountHealth is what the keep-alive checks know about an account: the
// scopes it was granted at its last connect, when its token was last
// checked, and what went wrong then.
type AccountHealth struct {
	Scopes    []string
	CheckedAt time.Time // zero: never checked
	LastError string    // "": the last check passed
}

// TokenRevoker is the optional capability of a platform's adapter to
// revoke an account's token at the platform, so a deleted workspace leaves
// no working credential behind (docs/api.md#leaving-export-and-deletion).
// Facebook Pages and Instagram have none: Serentak keeps no token that
// could revoke them (docs/api.md says what the merchant does instead).
type TokenRevoker interface {
	RevokeToken(ctx context.Context, acc Account) error
}
