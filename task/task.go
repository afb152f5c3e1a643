// Package task defines the queue's task types and payloads, shared by the
// scheduler (which enqueues) and the worker (which handles).
package task

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak"
)

// TypePublish publishes one delivery.
const TypePublish = "delivery:publish"

// PublishPayload names the delivery and the schedule version the task was
// made for; a task whose version is stale (the post was rescheduled) does
// nothing.
type PublishPayload struct {
	DeliveryID string `json:"delivery_id"`
	Version    int    `json:"version"`
	// TraceParent is the W3C traceparent of the scheduler's span that
	// enqueued the task, so the worker's span is its child; empty when
	// tracing is off. Old payloads without it decode as before.
	TraceParent string `json:"traceparent,omitempty"`
}

// Queue is the Asynq queue of a platform. Each platform has its own queue
// (and its own worker pool) so one slow platform cannot starve the others.
func Queue(p serentak.Platform) string { return "publish-" + string(p) }

// ID is the deterministic task ID of a delivery at a version: enqueueing it
// twice, from any number of schedulers, makes one task.
func ID(deliveryID string, version int) string {
	return fmt.Sprintf("%s:v%d", deliveryID, version)
}

// ReplacementID is the ID of the n-th (from 1) task that replaces a
// delivery version's task which will never run: active in a worker that
// died before finishing it, or archived (see scheduler). It is
// deterministic, so schedulers replacing the same task at once make one.
func ReplacementID(deliveryID string, version, n int) string {
	return fmt.Sprintf("%s:v%d:r%d", deliveryID, version, n)
}

// MaxRetry is how many times a transient failure is retried before the
// delivery is marked failed.
const MaxRetry = 12

// NewPublish returns the task for a delivery and the options that place it:
// its platform's queue, its deterministic ID, and its time. Asynq keeps
// times in whole seconds, so processAt is rounded down; the worker waits out
// the remainder so nothing is ever published early.
func NewPublish(deliveryID string, version int, platform serentak.Platform, processAt time.Time) (*asynq.Task, []asynq.Option) {
	return NewPublishOf(PublishPayload{DeliveryID: deliveryID, Version: version}, platform, processAt)
}

// NewPublishOf is NewPublish with the whole payload (a traceparent too).
// The task's ID depends on the delivery and version alone.
func NewPublishOf(p PublishPayload, platform serentak.Platform, processAt time.Time) (*asynq.Task, []asynq.Option) {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // plain string and int fields cannot fail to marshal
	}
	return asynq.NewTask(TypePublish, b), []asynq.Option{
		asynq.Queue(Queue(platform)),
		asynq.TaskID(ID(p.DeliveryID, p.Version)),
		asynq.ProcessAt(processAt.Truncate(time.Second)),
		asynq.MaxRetry(MaxRetry),
	}
}

// ParsePublish decodes a publish task's payload.
func ParsePublish(t *asynq.Task) (PublishPayload, error) {
	var p PublishPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return p, fmt.Errorf("task: bad %s payload: %w", TypePublish, err)
	}
	if p.DeliveryID == "" {
		return p, fmt.Errorf("task: %s payload without delivery_id", TypePublish)
	}
	return p, nil
}

// TypeWebhookSend makes one attempt at sending one webhook message.
const TypeWebhookSend = "webhook:send"

// QueueWebhooks is the queue of webhook sends. It has its own worker pool,
// so a slow receiver never holds a publishing slot.
const QueueWebhooks = "webhooks"

// WebhookSendPayload names the message to send.
type WebhookSendPayload struct {
	MessageID string `json:"message_id"`
}

// WebhookSendID is the task ID of a message's next attempt, made from the
// attempts already made: enqueueing it again, from any dispatcher, makes
// one task, and the attempt after a failure gets a new ID.
func WebhookSendID(messageID string, attempts int) string {
	return fmt.Sprintf("%s:%d", messageID, attempts)
}

// NewWebhookSend returns the task for a message's next attempt and the
// options that place it: the webhooks queue and its deterministic ID. The
// retry schedule lives in the database (the message's next attempt time),
// not in Asynq, which may lose its data: the task is never retried by Asynq.
func NewWebhookSend(messageID string, attempts int) (*asynq.Task, []asynq.Option) {
	b, err := json.Marshal(WebhookSendPayload{MessageID: messageID})
	if err != nil {
		panic(err) // one plain field cannot fail to marshal
	}
	return asynq.NewTask(TypeWebhookSend, b), []asynq.Option{
		asynq.Queue(QueueWebhooks),
		asynq.TaskID(WebhookSendID(messageID, attempts)),
		asynq.MaxRetry(0),
	}
}

// ParseWebhookSend decodes a webhook send task's payload.
func ParseWebhookSend(t *asynq.Task) (WebhookSendPayload, error) {
	var p WebhookSendPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return p, fmt.Errorf("task: bad %s payload: %w", TypeWebhookSend, err)
	}
	if p.MessageID == "" {
		return p, fmt.Errorf("task: %s payload without message_id", TypeWebhookSend)
	}
	return p, nil
}
