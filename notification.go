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

// NotifiedEvents are the webhook event types that also email the
// workspace's admins: the store writes a notification with their event,
// in the same transaction.
func NotifiedEvents() []string {
	return []string{EventPostFailed, EventPostPartiallyPublished, EventAccountNeedsReauth}
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
