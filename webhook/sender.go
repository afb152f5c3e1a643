// Package webhook sends signed webhooks (Standard Webhooks): the sending
// side of the outbox. Messages are written to the database in the same
// transaction as the change they tell of; the Dispatcher (scheduler role)
// enqueues the due ones on the webhooks queue, and the Worker (worker role)
// sends each with a Sender: claim, render, sign, POST, record. Retries are
// scheduled in the database (the message's next attempt time), never in
// Redis, so a Redis flush or a crash loses no event.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/safeurl"
	"github.com/serentak/serentak/tracing"
)

// Store is what sending needs from the database (gormstore implements it).
type Store interface {
	// DueMessages lists up to limit messages to send now: status pending with
	// NextAttemptAt <= now, or sending whose lease ended before now, of enabled
	// endpoints, oldest NextAttemptAt first.
	DueMessages(ctx context.Context, now time.Time, limit int) ([]serentak.Message, error)
	// ClaimMessage takes a due message for one attempt until leaseUntil
	// (status sending). ok is false when it is not due (already sent,
	// held by another attempt whose lease has not ended, endpoint disabled,
	// or its workspace deleted). The endpoint comes with its secrets unsealed.
	ClaimMessage(ctx context.Context, id string, now, leaseUntil time.Time) (m serentak.Message, e serentak.WebhookEndpoint, ok bool, err error)
	// RecordAttempt writes attempt a and the message's new state (m.Body,
	// m.Status, m.Attempts, m.NextAttemptAt) in one transaction, only if the
	// message is still sending with the attempt count it was claimed with
	// (m.Attempts-1); otherwise serentak.ErrLeaseLost. It also keeps the
	// endpoint's FailingSince and disables the endpoint after
	// WebhookDisableAfter of failures.
	RecordAttempt(ctx context.Context, m serentak.Message, a serentak.Attempt) error
}

// UserAgent is sent with every webhook.
const UserAgent = "Serentak-Webhooks/1"

// MaxResponseBytes is how much of a receiver's answer is read. Only its
// status is kept; the rest is not read, so a receiver cannot make us
// download a large body.
const MaxResponseBytes = 4 << 10

// MaxRetryAfter caps a receiver's Retry-After: a receiver asking for a week
// would otherwise outlast the retry schedule and WebhookDisableAfter.
const MaxRetryAfter = 10 * time.Hour

// leaseMargin is how long a claim outlasts an attempt's timeout: the time
// to claim, render and record around the request. It is also how soon,
// after the timeout, a send cut off by a killed worker is due again, so it
// is kept short: an attempt that records after its lease ended gets
// ErrLeaseLost, and at worst the receiver sees the same webhook-id twice.
const leaseMargin = 10 * time.Second

// Config configures a Sender. Store and Data are required.
type Config struct {
	Store Store
	// Data renders a message's data: what GET answers for its subject
	// (api.EventData). It is called at a message's first attempt only;
	// the body is kept, so every attempt sends the same bytes.
	Data func(ctx context.Context, m serentak.Message) (json.RawMessage, error)
	// AllowPrivate lets webhooks reach loopback and private addresses
	// (SERENTAK_WEBHOOK_ALLOW_PRIVATE; tests, intranets).
	AllowPrivate bool
	// Resolver looks receivers' host names up at every dial;
	// net.DefaultResolver when nil.
	Resolver safeurl.Resolver
	// Timeout bounds one attempt; serentak.WebhookTimeout when zero.
	Timeout time.Duration
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
	// ObserveFunc, when set, is told the outcome of every Send (package
	// metrics counts the attempts made).
	ObserveFunc func(Outcome)
	// TracerProvider makes one client span per attempt (docs/tracing.md);
	// nil: tracing off.
	TracerProvider trace.TracerProvider
}

// Sender makes attempts at sending messages.
type Sender struct {
	cfg     Config
	log     *slog.Logger
	checker *safeurl.Checker
	client  *http.Client
	tracer  trace.Tracer
}

// NewSender returns a Sender.
func NewSender(cfg Config) (*Sender, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhook: Config.Store is required")
	}
	if cfg.Data == nil {
		return nil, errors.New("webhook: Config.Data is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = serentak.WebhookTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	checker := &safeurl.Checker{AllowPrivate: cfg.AllowPrivate, Resolver: cfg.Resolver}
	return &Sender{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "webhook"),
		checker: checker,
		tracer:  tracing.Tracer(cfg.TracerProvider),
		client: &http.Client{
			Transport: &http.Transport{
				// No proxy: a proxy would connect for us, past the check of
				// the address actually dialled.
				Proxy:                 nil,
				DialContext:           checker.DialContext,
				TLSHandshakeTimeout:   10 * time.Second,
				ResponseHeaderTimeout: cfg.Timeout,
				MaxIdleConnsPerHost:   4,
				IdleConnTimeout:       90 * time.Second,
				ForceAttemptHTTP2:     true,
			},
			// A redirect is not followed: the receiver's answer is a 3xx,
			// a failure (Stripe and Svix do the same). Following it would
			// send the signed event to a URL nobody registered.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Outcome is what Send did.
type Outcome int

// The outcomes of Send.
const (
	// NotDue: the message was not claimed (sent already, held by another
	// attempt, endpoint disabled, workspace deleted).
	NotDue Outcome = iota
	Succeeded
	// Retrying: the attempt failed and the message waits for its next one.
	Retrying
	// Failed: the last attempt of the schedule failed.
	Failed
	// Interrupted: the attempt was stopped (shutdown) or its record was
	// refused (lease lost); the message's lease runs out and it is sent
	// again.
	Interrupted
)

func (o Outcome) String() string {
	return [...]string{"not_due", "succeeded", "retrying", "failed", "interrupted"}[o]
}

// Send makes one attempt at sending message id: it claims it, renders its
// body at its first attempt, signs it, POSTs it, and records the attempt
// and the message's next state. An error means the database could not be
// reached (the message stays due and the dispatcher enqueues it again) or
// ctx ended.
func (s *Sender) Send(ctx context.Context, id string) (Outcome, error) {
	o, err := s.send(ctx, id)
	if s.cfg.ObserveFunc != nil {
		s.cfg.ObserveFunc(o)
	}
	return o, err
}

func (s *Sender) send(ctx context.Context, id string) (Outcome, error) {
	now := s.cfg.Now()
	m, e, ok, err := s.cfg.Store.ClaimMessage(ctx, id, now, now.Add(s.cfg.Timeout+leaseMargin))
	if err != nil {
		return NotDue, fmt.Errorf("webhook: claim message %s: %w", id, err)
	}
	if !ok {
		return NotDue, nil
	}
	log := s.log.With("message_id", m.ID, "endpoint_id", e.ID, "event", m.EventType, "attempt", m.Attempts+1)
	// One span per attempt made. It names the endpoint by its ID, never
	// by its URL: receivers put their own secrets in it (a path token, a
	// ?key=), and the signing secret and the signature stay out too.
	ctx, span := s.tracer.Start(ctx, "webhook send", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("serentak.webhook.endpoint.id", e.ID),
			attribute.String("serentak.webhook.event_type", m.EventType),
			attribute.String("serentak.webhook.message.id", m.ID),
			attribute.String("serentak.workspace.id", m.WorkspaceID),
			attribute.Int("serentak.webhook.attempt", m.Attempts+1),
			attribute.String("http.request.method", http.MethodPost),
		))
	defer span.End()
	outcome, err := s.attempt(ctx, log, m, e, now)
	span.SetAttributes(attribute.String("serentak.webhook.outcome", outcome.String()))
	if outcome != Succeeded {
		span.SetStatus(codes.Error, outcome.String())
	}
	return outcome, err
}

// attempt is send once the message is claimed: render, sign, POST,
// record.
func (s *Sender) attempt(ctx context.Context, log *slog.Logger, m serentak.Message, e serentak.WebhookEndpoint, now time.Time) (Outcome, error) {
	var err error

	a := serentak.Attempt{
		ID: serentak.NewID(serentak.PrefixAttempt), WorkspaceID: m.WorkspaceID, EndpointID: e.ID,
		MessageID: m.ID, EventType: m.EventType, At: now,
	}
	if m.Body == nil {
		m.Body, err = s.render(ctx, m)
		if err != nil {
			if ctx.Err() != nil {
				return Interrupted, ctx.Err()
			}
			log.Warn("rendering a webhook's body failed; it is tried again with the next attempt", "err", err)
			a.Error = "could not render the event: " + err.Error()
		}
	}
	var retryAfter time.Duration
	if a.Error == "" {
		a.StatusCode, retryAfter, err = s.post(ctx, m, e, now)
		a.Duration = s.cfg.Now().Sub(now)
		if err != nil {
			if ctx.Err() != nil {
				// Shutting down: the attempt is not counted; the lease
				// runs out and the message is sent again.
				return Interrupted, ctx.Err()
			}
			a.Error = err.Error()
		}
	}

	if a.StatusCode != 0 {
		trace.SpanFromContext(ctx).SetAttributes(attribute.Int("http.response.status_code", a.StatusCode))
	}
	outcome := s.next(&m, &a, now, retryAfter)
	if err := s.cfg.Store.RecordAttempt(ctx, m, a); err != nil {
		if errors.Is(err, serentak.ErrLeaseLost) {
			log.Warn("a webhook attempt outlived its lease; another attempt has the message", "status", a.StatusCode)
			return Interrupted, nil
		}
		return Interrupted, fmt.Errorf("webhook: record attempt of %s: %w", m.ID, err)
	}
	switch outcome {
	case Succeeded:
		log.Debug("webhook sent", "status", a.StatusCode, "duration", a.Duration)
	case Retrying:
		log.Info("webhook attempt failed; retrying later", "status", a.StatusCode, "err", a.Error, "next_attempt_at", m.NextAttemptAt)
	case Failed:
		log.Warn("webhook failed after its last attempt", "status", a.StatusCode, "err", a.Error)
	}
	return outcome, nil
}

// next sets the message's new state after attempt a: succeeded on a 2xx,
// else the next time of the retry schedule (or a longer Retry-After), or
// failed after the last.
func (s *Sender) next(m *serentak.Message, a *serentak.Attempt, now time.Time, retryAfter time.Duration) Outcome {
	m.Attempts++
	if a.Error == "" && a.StatusCode >= 200 && a.StatusCode < 300 {
		m.Status = serentak.MessageSucceeded
		return Succeeded
	}
	if a.Error == "" {
		a.Error = "the receiver answered " + strconv.Itoa(a.StatusCode) + "; only a 2xx is success"
	}
	retry := m.Attempts - 1 // the index of the wait after this attempt
	if retry >= len(serentak.WebhookRetrySchedule) {
		m.Status = serentak.MessageFailed
		return Failed
	}
	wait := max(serentak.WebhookRetrySchedule[retry], min(retryAfter, MaxRetryAfter))
	m.Status = serentak.MessagePending
	m.NextAttemptAt = now.Add(wait)
	next := m.NextAttemptAt
	a.NextRetryAt = &next
	return Retrying
}

// render builds a message's body: {"type","timestamp","data"}.
func (s *Sender) render(ctx context.Context, m serentak.Message) ([]byte, error) {
	data, err := s.cfg.Data(ctx, m)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{m.EventType, m.CreatedAt.UTC().Format(time.RFC3339), data})
}

// post sends the signed body to the endpoint and returns the receiver's
// status and, for a 429 or 503, how long it asked us to wait. err says why
// no status came; it never holds the secret or the signature.
func (s *Sender) post(ctx context.Context, m serentak.Message, e serentak.WebhookEndpoint, now time.Time) (status int, retryAfter time.Duration, err error) {
	// The URL was checked when it was saved; check it again, in every
	// spelling of an address (0177.0.0.1, 2130706433), as names resolved at
	// dial time are checked by the dialer.
	if err := s.checker.Check(ctx, e.URL); err != nil {
		return 0, 0, fmt.Errorf("the webhook URL %w", err)
	}
	sig, err := signatures(e, now, m.ID, now, m.Body)
	if err != nil {
		return 0, 0, errors.New("the endpoint's signing secret is unusable; rotate it")
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(m.Body))
	if err != nil {
		return 0, 0, fmt.Errorf("the webhook URL is not usable: %w", err)
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("user-agent", UserAgent)
	req.Header.Set(HeaderID, m.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, 0, describe(err, s.cfg.Timeout)
	}
	defer resp.Body.Close()
	// Read a little of the answer, so a small one leaves the connection
	// reusable; the rest is cut off with the connection.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseBytes))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return resp.StatusCode, retryAfter, nil
}

// describe says why a request got no answer, for the attempt log, without
// the request's headers.
func describe(err error, timeout time.Duration) error {
	var ne net.Error
	switch {
	case errors.Is(err, safeurl.ErrPrivate):
		return errors.New("the webhook URL points at a private, loopback or link-local address; refused (SERENTAK_WEBHOOK_ALLOW_PRIVATE allows it)")
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("no answer within %v", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Drop its "Post <url>:" prefix: the log shows the endpoint.
		err = ue.Err
	}
	return fmt.Errorf("the request failed: %w", err)
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(min(n, int(MaxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
