package gormstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/webhook/webhooktest"
)

// The sending side's scenarios (a receiver down then up; Redis emptied
// between the change and the send; the worker stopped mid-send) against
// the real store, on SQLite and PostgreSQL, and a real Redis when
// SERENTAK_TEST_REDIS_URL names one: webhook.Store's semantics as
// gormstore implements them, not only as the in-memory Store follows them.
// Not parallel: against a real Redis the scenarios empty its database.
func TestWebhookExercise(t *testing.T) {
	webhooktest.Exercise(t, func(t *testing.T) webhooktest.Harness {
		// The store's clock is the wall clock: the scenarios' own clock
		// starts at now and only moves forward, so messages written now
		// are due to it.
		b := &bundle{ctx: t.Context(), s: storetest.New(t), clock: testkit.NewClock(time.Now())}
		b.ws = b.workspace(t, "Toko Webhook")
		r := redistest.New(t)
		return webhooktest.Harness{
			Store: b.s, Redis: r.Opt, FlushRedis: r.FlushAll,
			NewEndpoint: func(t testing.TB, url, secret string) serentak.WebhookEndpoint {
				e, err := b.s.CreateWebhook(b.ctx, serentak.WebhookEndpoint{
					ID: serentak.NewID(serentak.PrefixWebhook), WorkspaceID: b.ws.ID, URL: url, Secret: secret,
				})
				if err != nil {
					t.Fatalf("CreateWebhook: %v", err)
				}
				return e
			},
			// A test event is written as every event is: a pending
			// message due now, in the store's transaction.
			NewMessage: func(t testing.TB, e serentak.WebhookEndpoint) serentak.Message {
				m, err := b.s.CreateWebhookTest(b.ctx, e.WorkspaceID, e.ID)
				if err != nil {
					t.Fatalf("CreateWebhookTest: %v", err)
				}
				return m
			},
			Message: func(t testing.TB, id string) serentak.Message {
				var m struct {
					ID, Status string
					Attempts   int
					Body       []byte
				}
				err := gormstore.DB(b.s).Raw("SELECT id, status, attempts, body FROM webhook_messages WHERE id = ?", id).Scan(&m).Error
				if err != nil || m.ID == "" {
					t.Fatalf("message %s: %+v, %v", id, m, err)
				}
				return serentak.Message{ID: m.ID, Status: m.Status, Attempts: m.Attempts, Body: m.Body}
			},
			// The attempt log as GET …/deliveries reads it (newest first),
			// of one message, oldest first.
			Attempts: func(t testing.TB, messageID string) []serentak.Attempt {
				var out []serentak.Attempt
				for cursor := ""; ; {
					page, next, err := b.s.FindWebhookAttempts(b.ctx, b.ws.ID, endpointOf(t, b, messageID), cursor, 100)
					if err != nil {
						t.Fatalf("FindWebhookAttempts: %v", err)
					}
					for _, a := range page {
						if a.MessageID == messageID {
							out = append(out, a)
						}
					}
					if cursor = next; cursor == "" {
						break
					}
				}
				slices.Reverse(out)
				return out
			},
		}
	})
}

// endpointOf reads the endpoint a message goes to.
func endpointOf(t testing.TB, b *bundle, messageID string) string {
	t.Helper()
	var id string
	if err := gormstore.DB(b.s).Raw("SELECT endpoint_id FROM webhook_messages WHERE id = ?", messageID).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("endpoint of message %s: %q, %v", messageID, id, err)
	}
	return id
}
