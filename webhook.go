package serentak

import (
	"slices"
	"time"
)

// ID prefixes of webhooks (docs/api.md#webhooks).
const (
	PrefixWebhook = "wh_"
	// PrefixMessage starts a message: one event for one endpoint. Its ID
	// is the webhook-id header, the same on every attempt, so receivers
	// deduplicate on it.
	PrefixMessage = "msg_"
	// PrefixAttempt starts one try at sending a message.
	PrefixAttempt = "wha_"
)

// The event types of the contract. Data is what GET answers for the
// subject: the delivery (with its post_id) for delivery.*, the post for
// post.*, the account for account.*.
const (
	EventWebhookTest            = "webhook.test"
	EventPostPublished          = "post.published"
	EventPostPartiallyPublished = "post.partially_published"
	EventPostFailed             = "post.failed"
	EventPostPendingApproval    = "post.pending_approval"
	EventPostApproved           = "post.approved"
	EventPostRejected           = "post.rejected"
	EventDeliveryPublished      = "delivery.published"
	EventDeliveryFailed         = "delivery.failed"
	EventAccountNeedsReauth     = "account.needs_reauth"
	EventAccountReconnected     = "account.reconnected"
)

// EventTypes lists every event type an endpoint may subscribe to.
func EventTypes() []string {
	return []string{
		EventWebhookTest,
		EventPostPublished, EventPostPartiallyPublished, EventPostFailed,
		EventPostPendingApproval, EventPostApproved, EventPostRejected,
		EventDeliveryPublished, EventDeliveryFailed,
		EventAccountNeedsReauth, EventAccountReconnected,
	}
}

// ValidEventType reports whether t is one of EventTypes.
func ValidEventType(t string) bool { return slices.Contains(EventTypes(), t) }

// WebhookEndpoint is where a workspace's events are sent.
type WebhookEndpoint struct {
	ID          string
	WorkspaceID string
	URL         string
	Description string
	// Events it subscribes to; empty: all of them. webhook.test is sent
	// only when asked for (POST …/webhooks/{id}/test), whatever Events says.
	Events []string
	// Secret is "whsec_" + base64 of 24 or more random bytes. It is
	// stored sealed, like platform tokens, and shown only when made.
	Secret string
	// PreviousSecret still signs, beside Secret, until PreviousUntil
	// (WebhookRotationOverlap after a rotation), so receivers can move to
	// the new secret without losing events.
	PreviousSecret string
	PreviousUntil  time.Time
	// DisabledAt is set when the endpoint failed for WebhookDisableAfter
	// without one success (or was disabled by PATCH); nil: enabled.
	// Messages of a disabled endpoint wait; enabling it sends them.
	DisabledAt     *time.Time
	DisabledReason string
	// FailingSince is the first failure since the last success; nil when
	// the last attempt succeeded.
	FailingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Wants reports whether the endpoint subscribes to events of type t.
func (e WebhookEndpoint) Wants(t string) bool {
	if t == EventWebhookTest {
		return false // sent only on request
	}
	return len(e.Events) == 0 || slices.Contains(e.Events, t)
}

// The statuses of a message.
const (
	MessagePending   = "pending"   // waiting for its next attempt
	MessageSending   = "sending"   // an attempt holds it (leased)
	MessageSucceeded = "succeeded" // a 2xx was answered
	MessageFailed    = "failed"    // retries exhausted (WebhookRetrySchedule)
)

// Message is one event to one endpoint: the outbox row written in the same
// transaction as the change it tells of.
type Message struct {
	ID          string // msg_…: the webhook-id header
	WorkspaceID string
	EndpointID  string
	EventType   string
	// SubjectID is what the event is about: a dlv_, post_ or acc_ ID
	// (the endpoint's own ID for webhook.test).
	SubjectID string
	// Body is the JSON sent, {"type","timestamp","data"}: rendered at the
	// first attempt and kept, so every attempt sends the same bytes.
	Body []byte
	// Status is one of the Message* statuses.
	Status string
	// Attempts made so far.
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
}

// Attempt is one try at sending a message, as the attempt log shows it.
type Attempt struct {
	ID          string
	WorkspaceID string
	EndpointID  string
	MessageID   string
	EventType   string
	// StatusCode is the receiver's HTTP status; 0 when none came (refused,
	// timed out, blocked address).
	StatusCode int
	// Error says why an attempt failed without a status ("" otherwise).
	Error    string
	Duration time.Duration
	At       time.Time
	// NextRetryAt is when the message is tried again; nil: never (it
	// succeeded, or this was the last try).
	NextRetryAt *time.Time
}

// WebhookRetrySchedule is how long after each failed attempt the next one
// comes (Standard Webhooks' and Svix's schedule): the first retry within a
// minute, the last about 27 hours after the event. After the last, the
// message is MessageFailed.
var WebhookRetrySchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// Webhook timings.
const (
	// WebhookTimeout bounds one attempt: a 2xx within it is success.
	WebhookTimeout = 15 * time.Second
	// WebhookDisableAfter: an endpoint failing this long without one
	// success is disabled.
	WebhookDisableAfter = 5 * 24 * time.Hour
	// WebhookRotationOverlap: after a rotation the old secret keeps
	// signing this long.
	WebhookRotationOverlap = 24 * time.Hour
)
