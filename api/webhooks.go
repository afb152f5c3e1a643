package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/safeurl"
)

// Webhooks (docs/api.md#webhooks): a workspace's endpoints, their attempt
// log, a manual retry and a test event. The events themselves are written
// by the store in the transaction of each change; another part of the
// program sends them. Every route is an admin's (the manage power), the
// reading ones too: an endpoint's URL and its log say where the
// workspace's data goes, as Stripe shows webhooks to administrators only.

// maxWebhookURLLen bounds an endpoint's URL.
const maxWebhookURLLen = 2000

// newWebhookSecret makes an endpoint's signing secret: "whsec_" and the
// base64 of 32 random bytes (Standard Webhooks: 24 to 64 bytes).
func newWebhookSecret() string {
	var b [32]byte
	rand.Read(b[:]) // cannot fail (Go 1.24 and later)
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

type webhookView struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Events      []string `json:"events"`
	// Disabled: the endpoint failed for WebhookDisableAfter without a
	// success, or a PATCH disabled it; nothing is sent until a PATCH
	// with "disabled": false.
	Disabled       bool       `json:"disabled"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason *string    `json:"disabled_reason"`
	// FailingSince is the first failed attempt since the last success.
	FailingSince *time.Time `json:"failing_since"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// webhookSecretView is an endpoint with its secret: the answer of a
// create and of a rotation, the only places the secret is shown.
type webhookSecretView struct {
	webhookView
	Secret string `json:"secret"`
	// PreviousSecretExpiresAt: after a rotation, until when the secret it
	// replaced still signs (beside the new one).
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty"`
}

func viewWebhook(e serentak.WebhookEndpoint) webhookView {
	return webhookView{
		ID: e.ID, URL: e.URL, Description: e.Description, Events: append([]string{}, e.Events...),
		Disabled: e.DisabledAt != nil, DisabledAt: e.DisabledAt, DisabledReason: stringPtr(e.DisabledReason),
		FailingSince: e.FailingSince, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(),
	}
}

type webhookRequest struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
	// Disabled: PATCH only.
	Disabled *bool `json:"disabled"`
}

// check validates the fields the request has into e; creating requires a
// URL.
func (s *Server) checkWebhook(ctx context.Context, req webhookRequest, creating bool, e *serentak.WebhookEndpoint) error {
	var errs []serentak.FieldError
	switch {
	case req.URL == nil && creating:
		errs = append(errs, fieldError("url", "required", "the URL events are sent to is required"))
	case req.URL != nil:
		e.URL = strings.TrimSpace(*req.URL)
		if err := s.checkWebhookURL(ctx, e.URL); err != nil {
			errs = append(errs, *err)
		}
	}
	if req.Events != nil {
		e.Events = nil
		for i, ev := range *req.Events {
			if !serentak.ValidEventType(ev) {
				errs = append(errs, fieldError("events", "invalid", "events[%d] %q is not an event type: use %s", i, ev, strings.Join(serentak.EventTypes(), ", ")))
				continue
			}
			if !slices.Contains(e.Events, ev) {
				e.Events = append(e.Events, ev)
			}
		}
	}
	if req.Description != nil {
		e.Description = strings.TrimSpace(*req.Description)
		if utf8.RuneCountInString(e.Description) > maxNameLen {
			errs = append(errs, fieldError("description", "too_long", "must be at most %d characters", maxNameLen))
		}
	}
	if req.Disabled != nil {
		if creating {
			errs = append(errs, fieldError("disabled", "unknown", "an endpoint is made enabled; disable it with PATCH"))
		} else if *req.Disabled {
			now := s.now()
			e.DisabledAt, e.DisabledReason = &now, "disabled by request"
		} else {
			e.DisabledAt, e.DisabledReason = nil, ""
		}
	}
	if len(errs) > 0 {
		return serentak.Invalid("the webhook is not valid", errs...)
	}
	return nil
}

// checkWebhookURL refuses what is not an http(s) URL, and URLs on
// loopback, private or link-local addresses (the same safeurl.Checker as
// media URLs, so every spelling it refuses there is refused here) unless
// SERENTAK_WEBHOOK_ALLOW_PRIVATE. The sender checks the address again
// when it connects (DNS may change).
func (s *Server) checkWebhookURL(ctx context.Context, raw string) *serentak.FieldError {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fe := fieldError("url", "invalid", "must be an absolute http:// or https:// URL")
		return &fe
	}
	if len(raw) > maxWebhookURLLen {
		fe := fieldError("url", "too_long", "must be at most %d characters", maxWebhookURLLen)
		return &fe
	}
	err = s.webhookURLs.Check(ctx, raw)
	if errors.Is(err, safeurl.ErrPrivate) {
		fe := fieldError("url", "private_address", "%s; set SERENTAK_WEBHOOK_ALLOW_PRIVATE=true to send events inside your network", safeurl.ErrPrivate.Error())
		return &fe
	}
	if err != nil {
		fe := fieldError("url", "invalid", "%s", err.Error())
		return &fe
	}
	return nil
}

func (s *Server) createWebhook(c echo.Context) error {
	var req webhookRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	e := serentak.WebhookEndpoint{ID: serentak.NewID(serentak.PrefixWebhook), WorkspaceID: workspaceID(c), Secret: newWebhookSecret()}
	if err := s.checkWebhook(ctx, req, true, &e); err != nil {
		return err
	}
	e, err := s.cfg.Store.CreateWebhook(ctx, e)
	if err != nil {
		return err
	}
	setAuditTarget(c, e.ID)
	return c.JSON(http.StatusCreated, webhookSecretView{webhookView: viewWebhook(e), Secret: e.Secret})
}

func (s *Server) listWebhooks(c echo.Context) error {
	es, err := s.cfg.Store.FindWebhooks(c.Request().Context(), workspaceID(c))
	if err != nil {
		return err
	}
	out := make([]webhookView, len(es))
	for i, e := range es {
		out[i] = viewWebhook(e)
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

func (s *Server) getWebhook(c echo.Context) error {
	e, err := s.cfg.Store.FindWebhookByID(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewWebhook(e))
}

// patchWebhook changes an endpoint's url, events or description, or
// disables or enables it. Enabling a disabled endpoint forgets its
// failures and sends the messages that waited.
func (s *Server) patchWebhook(c echo.Context) error {
	var req webhookRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	e, err := s.cfg.Store.FindWebhookByID(ctx, workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	if err := s.checkWebhook(ctx, req, false, &e); err != nil {
		return err
	}
	if e, err = s.cfg.Store.UpdateWebhook(ctx, e); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewWebhook(e))
}

func (s *Server) deleteWebhook(c echo.Context) error {
	if err := s.cfg.Store.DeleteWebhook(c.Request().Context(), workspaceID(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// rotateWebhookSecret gives the endpoint a new secret, shown in the answer
// only; the old one keeps signing for serentak.WebhookRotationOverlap.
func (s *Server) rotateWebhookSecret(c echo.Context) error {
	e, err := s.cfg.Store.RotateWebhookSecret(c.Request().Context(), workspaceID(c), c.Param("id"), newWebhookSecret())
	if err != nil {
		return err
	}
	v := webhookSecretView{webhookView: viewWebhook(e), Secret: e.Secret, PreviousSecretExpiresAt: timePtr(e.PreviousUntil)}
	return c.JSON(http.StatusOK, v)
}

// messageView answers a test or a retry: the message queued.
type messageView struct {
	// ID is the webhook-id header the receiver gets.
	ID            string    `json:"id"`
	Event         string    `json:"event"`
	Status        string    `json:"status"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
}

func viewMessage(m serentak.Message) messageView {
	return messageView{ID: m.ID, Event: m.EventType, Status: m.Status, NextAttemptAt: m.NextAttemptAt.UTC()}
}

// testWebhook queues a webhook.test event for the endpoint, whatever it
// subscribes to.
func (s *Server) testWebhook(c echo.Context) error {
	m, err := s.cfg.Store.CreateWebhookTest(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, viewMessage(m))
}

type attemptView struct {
	ID string `json:"id"`
	// MessageID is the event's webhook-id, the same on each of its attempts.
	MessageID string `json:"message_id"`
	Event     string `json:"event"`
	// StatusCode is null when no answer came (refused, timed out).
	StatusCode  *int       `json:"status_code"`
	Error       *string    `json:"error"`
	DurationMS  int64      `json:"duration_ms"`
	AttemptedAt time.Time  `json:"attempted_at"`
	NextRetryAt *time.Time `json:"next_retry_at"`
}

type attemptListView struct {
	Data       []attemptView `json:"data"`
	NextCursor *string       `json:"next_cursor"`
}

// listWebhookDeliveries pages through an endpoint's attempt log, newest
// first.
func (s *Server) listWebhookDeliveries(c echo.Context) error {
	q := c.QueryParams()
	if err := storableQuery(q); err != nil {
		return err
	}
	cursor, limit, err := pageQuery(q, serentak.PrefixAttempt)
	if err != nil {
		return err
	}
	as, next, err := s.cfg.Store.FindWebhookAttempts(c.Request().Context(), workspaceID(c), c.Param("id"), cursor, limit)
	if err != nil {
		return err
	}
	out := attemptListView{Data: make([]attemptView, 0, len(as)), NextCursor: stringPtr(next)}
	for _, a := range as {
		v := attemptView{ID: a.ID, MessageID: a.MessageID, Event: a.EventType, Error: stringPtr(a.Error),
			DurationMS: a.Duration.Milliseconds(), AttemptedAt: a.At.UTC(), NextRetryAt: a.NextRetryAt}
		if a.StatusCode != 0 {
			v.StatusCode = &a.StatusCode
		}
		out.Data = append(out.Data, v)
	}
	return c.JSON(http.StatusOK, out)
}

// retryWebhookDelivery sends an attempt's event again at once, whatever
// became of it (a failed event after the receiver is fixed, or a
// succeeded one the receiver lost).
func (s *Server) retryWebhookDelivery(c echo.Context) error {
	attemptID := c.Param("attempt_id")
	if !wellFormedID(attemptID, serentak.PrefixAttempt) {
		return serentak.NotFound("webhook delivery attempt")
	}
	m, err := s.cfg.Store.RetryWebhookAttempt(c.Request().Context(), workspaceID(c), c.Param("id"), attemptID)
	if err != nil {
		return err
	}
	setAuditTarget(c, attemptID)
	return c.JSON(http.StatusAccepted, viewMessage(m))
}

// EventStore is what EventData reads; every Store has it.
type EventStore interface {
	FindPostByID(ctx context.Context, workspaceID, id string) (serentak.Post, error)
	FindDeliveryByID(ctx context.Context, workspaceID, id string) (serentak.Delivery, error)
	FindAccountByID(ctx context.Context, workspaceID, id string) (serentak.Account, error)
}

// deliveryEventView is a delivery.* event's data: the delivery as the
// post's answer shows it, with its post's ID.
type deliveryEventView struct {
	PostID string `json:"post_id"`
	deliveryView
}

// goneView is the data of an event whose subject no longer exists (its
// workspace is being deleted, or an account was removed).
type goneView struct {
	ID      string `json:"id"`
	Deleted bool   `json:"deleted"`
}

// EventData renders a webhook message's "data": what GET answers for its
// subject now (the sender renders it once, at the first attempt, and
// keeps the bytes): the delivery with its post_id for delivery.*, the
// post for post.*, the account for account.* (without the health fields
// only GET …/accounts adds), {"webhook_id"} for webhook.test. A subject
// that no longer exists is {"id","deleted":true}.
func EventData(ctx context.Context, store EventStore, m serentak.Message) (json.RawMessage, error) {
	var v any
	var err error
	switch {
	case m.EventType == serentak.EventWebhookTest:
		v = map[string]string{"webhook_id": m.EndpointID}
	case strings.HasPrefix(m.EventType, "delivery."):
		var d serentak.Delivery
		if d, err = store.FindDeliveryByID(ctx, m.WorkspaceID, m.SubjectID); err != nil {
			break
		}
		var p serentak.Post
		if p, err = store.FindPostByID(ctx, m.WorkspaceID, d.PostID); err != nil {
			break
		}
		for _, pd := range p.Deliveries {
			if pd.ID == d.ID {
				d = pd
			}
		}
		v = deliveryEventView{PostID: p.ID, deliveryView: viewDelivery(p, d, "en")}
	case strings.HasPrefix(m.EventType, "post."):
		var p serentak.Post
		if p, err = store.FindPostByID(ctx, m.WorkspaceID, m.SubjectID); err == nil {
			v = viewPost(p, "en") // an event asks for no language: English, as the API answers one that asks none
		}
	case strings.HasPrefix(m.EventType, "account."):
		var a serentak.Account
		if a, err = store.FindAccountByID(ctx, m.WorkspaceID, m.SubjectID); err == nil {
			v = viewAccount(a)
		}
	default:
		return nil, errors.New("api: no data for webhook event type " + m.EventType)
	}
	var e *serentak.Error
	if errors.As(err, &e) && e.Code == serentak.ECodeNotFound {
		v, err = goneView{ID: m.SubjectID, Deleted: true}, nil
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
