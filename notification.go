package serentak

import "time"

// PrefixNotification starts the ID of a notification: one problem to
// email a workspace's admins about (issue 17, docs/api.md#email).
const PrefixNotification = "ntf_"

// The statuses of a notification.
const (
	NotificationPending = "pending" // to send, at NextAttemptAt
	NotificationSent    = "sent"    // told (or already told within the day)
	// NotificationSkipped: nothing to send — no mail server, no admin
	// with an address, or the problem was gone (the account reconnected).
	NotificationSkipped = "skipped"
	NotificationFailed  = "failed" // MaxAttempts tries failed
)

// Notified reports whether events of type t also email the workspace's
// admins (post.failed, post.partially_published, account.needs_reauth):
// the store writes a notification with such an event, in the same
// transaction. A switch, not a list: it runs for every event the
// publishing burst writes.
func Notified(t string) bool {
	switch t {
	case EventPostFailed, EventPostPartiallyPublished, EventAccountNeedsReauth:
		return true
	}
	return false
}

// Notification is one problem to tell a workspace's admins about by
// email: the webhook event's type and subject (a post or an account).
type Notification struct {
	ID          string
	WorkspaceID string
	EventType   string
	SubjectID   string
	Status      string
	// Attempts counts the claims so far, this one included.
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
}
