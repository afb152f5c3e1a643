package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/webhook"
	"github.com/serentak/serentak/webhook/webhooktest"
)

// bundle is one test's world: a clock, the fake store with one endpoint
// pointing at a real receiver, and the Data renderer's call count.
type bundle struct {
	clock *testkit.Clock
	store *webhooktest.Store
	recv  *webhooktest.Receiver
	ep    serentak.WebhookEndpoint
	data  atomic.Int32
	log   *slog.Logger
}

func setup(t testing.TB) *bundle {
	t.Helper()
	b := &bundle{clock: testkit.NewClock(time.Now().Truncate(time.Second)), store: webhooktest.NewStore()}
	b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("SERENTAK_TEST_LOG") != "" {
		b.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	secret := webhook.NewSecret()
	b.recv = webhooktest.NewReceiver(t, secret, b.clock.Now)
	b.ep = serentak.WebhookEndpoint{
		ID: serentak.NewID(serentak.PrefixWebhook), WorkspaceID: "ws_1", URL: b.recv.URL() + "/hooks",
		Secret: secret, CreatedAt: b.clock.Now(),
	}
	b.store.AddEndpoint(b.ep)
	return b
}

// sender returns a Sender on the bundle's store and clock that may reach
// the loopback receiver, changed by mutate.
func (b *bundle) sender(t testing.TB, mutate func(*webhook.Config)) *webhook.Sender {
	t.Helper()
	cfg := webhook.Config{
		Store: b.store, AllowPrivate: true, Now: b.clock.Now, Logger: b.log,
		Data: func(_ context.Context, m serentak.Message) (json.RawMessage, error) {
			b.data.Add(1)
			return json.RawMessage(fmt.Sprintf(`{"id":%q}`, m.SubjectID)), nil
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := webhook.NewSender(cfg)
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	return s
}

// addMessage adds a message due now to the bundle's endpoint.
func (b *bundle) addMessage(t testing.TB, mutate func(*serentak.Message)) serentak.Message {
	t.Helper()
	m := serentak.Message{
		ID: serentak.NewID(serentak.PrefixMessage), WorkspaceID: b.ep.WorkspaceID, EndpointID: b.ep.ID,
		EventType: serentak.EventPostPublished, SubjectID: "post_1", Status: serentak.MessagePending,
		NextAttemptAt: b.clock.Now(), CreatedAt: b.clock.Now().Add(-time.Second),
	}
	if mutate != nil {
		mutate(&m)
	}
	b.store.AddMessage(m)
	return m
}

func send(t testing.TB, s *webhook.Sender, id string) webhook.Outcome {
	t.Helper()
	o, err := s.Send(context.Background(), id)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return o
}

func TestSendSignsAndRecords(t *testing.T) {
	b := setup(t)
	m := b.addMessage(t, nil)
	if o := send(t, b.sender(t, nil), m.ID); o != webhook.Succeeded {
		t.Fatalf("outcome %v, want succeeded", o)
	}
	reqs := b.recv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Verified != nil {
		t.Errorf("independent verification: %v", r.Verified)
	}
	for k, want := range map[string]string{
		"Webhook-Id": m.ID, "Webhook-Timestamp": fmt.Sprint(b.clock.Now().Unix()),
		"Content-Type": "application/json", "User-Agent": "Serentak-Webhooks/1",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	want := fmt.Sprintf(`{"type":"post.published","timestamp":%q,"data":{"id":"post_1"}}`, m.CreatedAt.UTC().Format(time.RFC3339))
	if string(r.Body) != want {
		t.Errorf("body\n%s\nwant\n%s", r.Body, want)
	}
	got := b.store.Message(m.ID)
	if got.Status != serentak.MessageSucceeded || got.Attempts != 1 || string(got.Body) != want {
		t.Errorf("message after: status %s, attempts %d, body %s", got.Status, got.Attempts, got.Body)
	}
	as := b.store.Attempts(m.ID)
	if len(as) != 1 || as[0].StatusCode != 204 || as[0].Error != "" || as[0].NextRetryAt != nil ||
		as[0].EndpointID != b.ep.ID || as[0].EventType != m.EventType || !serentak.HasPrefix(as[0].ID, serentak.PrefixAttempt) {
		t.Errorf("attempts: %+v", as)
	}
	// Sent already: a second task for it does nothing.
	if o := send(t, b.sender(t, nil), m.ID); o != webhook.NotDue {
		t.Errorf("second send: %v, want not_due", o)
	}
	if n := len(b.recv.Requests()); n != 1 {
		t.Errorf("%d requests after a second send, want 1", n)
	}
}

func TestSendDuringRotationSignsWithBothSecrets(t *testing.T) {
	b := setup(t)
	old := webhook.NewSecret()
	b.recv.SetSecrets(b.ep.Secret, old)
	b.ep.PreviousSecret, b.ep.PreviousUntil = old, b.clock.Now().Add(time.Hour)
	b.store.AddEndpoint(b.ep)
	m := b.addMessage(t, nil)
	send(t, b.sender(t, nil), m.ID)
	r := b.recv.Requests()[0]
	if r.Verified != nil || r.VerifiedOld != nil {
		t.Errorf("during the overlap: new secret %v, old secret %v; want both to verify", r.Verified, r.VerifiedOld)
	}
	if n := len(strings.Fields(r.Header.Get("Webhook-Signature"))); n != 2 {
		t.Errorf("%d signatures, want 2", n)
	}

	// After the overlap, only the new secret signs.
	b.clock.Advance(2 * time.Hour)
	m2 := b.addMessage(t, nil)
	send(t, b.sender(t, nil), m2.ID)
	r = b.recv.Requests()[1]
	if r.Verified != nil || r.VerifiedOld == nil {
		t.Errorf("after the overlap: new secret %v, old secret %v; want only the new one to verify", r.Verified, r.VerifiedOld)
	}
}

func TestSendFailures(t *testing.T) {
	sched := serentak.WebhookRetrySchedule
	for _, tc := range []struct {
		name     string
		answer   func(w http.ResponseWriter, r *http.Request)
		attempts int // made before this one
		timeout  time.Duration
		// want
		outcome webhook.Outcome
		status  int
		errHas  string
		wait    time.Duration // until the next attempt
	}{
		{name: "500", answer: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) },
			outcome: webhook.Retrying, status: 500, errHas: "answered 500", wait: sched[0]},
		{name: "500 at the third attempt", attempts: 2, answer: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) },
			outcome: webhook.Retrying, status: 500, wait: sched[2]},
		{name: "500 at the last attempt", attempts: len(sched), answer: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) },
			outcome: webhook.Failed, status: 500},
		{name: "redirect is not followed", answer: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, outcome: webhook.Retrying, status: 302, wait: sched[0]},
		{name: "503 with a longer Retry-After", answer: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(503)
		}, outcome: webhook.Retrying, status: 503, wait: time.Hour},
		{name: "429 with a shorter Retry-After", answer: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		}, outcome: webhook.Retrying, status: 429, wait: sched[0]},
		{name: "Retry-After is capped", answer: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "99999999")
			w.WriteHeader(429)
		}, outcome: webhook.Retrying, status: 429, wait: webhook.MaxRetryAfter},
		{name: "Retry-After of a 500 is ignored", answer: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(500)
		}, outcome: webhook.Retrying, status: 500, wait: sched[0]},
		{name: "slower than the timeout", timeout: 100 * time.Millisecond, answer: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // never answers; the client gives up
		}, outcome: webhook.Retrying, errHas: "no answer within 100ms", wait: sched[0]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			b.recv.SetAnswer(func(_ int, w http.ResponseWriter, r *http.Request) { tc.answer(w, r) })
			m := b.addMessage(t, func(m *serentak.Message) {
				m.Attempts = tc.attempts
				if tc.attempts > 0 {
					m.Body = []byte(`{"type":"post.published","timestamp":"2026-01-01T00:00:00Z","data":{}}`)
				}
			})
			s := b.sender(t, func(c *webhook.Config) { c.Timeout = tc.timeout })
			if o := send(t, s, m.ID); o != tc.outcome {
				t.Errorf("outcome %v, want %v", o, tc.outcome)
			}
			got := b.store.Message(m.ID)
			as := b.store.Attempts(m.ID)
			if len(as) != 1 {
				t.Fatalf("%d attempts recorded, want 1", len(as))
			}
			a := as[0]
			if a.StatusCode != tc.status || !strings.Contains(a.Error, tc.errHas) {
				t.Errorf("attempt: status %d error %q; want %d and an error containing %q", a.StatusCode, a.Error, tc.status, tc.errHas)
			}
			if got.Attempts != tc.attempts+1 {
				t.Errorf("attempts %d, want %d", got.Attempts, tc.attempts+1)
			}
			switch tc.outcome {
			case webhook.Retrying:
				want := b.clock.Now().Add(tc.wait)
				if got.Status != serentak.MessagePending || !got.NextAttemptAt.Equal(want) || a.NextRetryAt == nil || !a.NextRetryAt.Equal(want) {
					t.Errorf("message %s next at %v (attempt says %v); want pending at %v", got.Status, got.NextAttemptAt, a.NextRetryAt, want)
				}
			case webhook.Failed:
				if got.Status != serentak.MessageFailed || a.NextRetryAt != nil {
					t.Errorf("message %s, next retry %v; want failed with none", got.Status, a.NextRetryAt)
				}
			case webhook.Succeeded:
				if got.Status != serentak.MessageSucceeded {
					t.Errorf("message %s, want succeeded", got.Status)
				}
			}
			if tc.attempts > 0 && b.data.Load() != 0 {
				t.Errorf("a body kept from an earlier attempt was rendered again")
			}
		})
	}
}

func TestSendCutsAHugeAnswerOff(t *testing.T) {
	b := setup(t)
	var written atomic.Int64
	done := make(chan struct{})
	b.recv.SetAnswer(func(_ int, w http.ResponseWriter, r *http.Request) {
		defer close(done)
		// An endless answer: it ends when the client hangs up.
		w.WriteHeader(200)
		chunk := make([]byte, 64<<10)
		for r.Context().Err() == nil {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	m := b.addMessage(t, nil)
	if o := send(t, b.sender(t, nil), m.ID); o != webhook.Succeeded {
		t.Errorf("outcome %v, want succeeded", o)
	}
	<-done
	// What the kernel buffers on both sides may be written; a client
	// reading the answer to its end would take gigabytes.
	if n := written.Load(); n > 64<<20 {
		t.Errorf("the receiver wrote %d MiB before the client hung up", n>>20)
	}
}

// resolver answers every name with fixed addresses, as a DNS server under
// an attacker's control would (rebinding a public name to loopback).
type resolver []netip.Addr

func (r resolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) { return r, nil }

func TestSendRefusesPrivateAddresses(t *testing.T) {
	b := setup(t)
	port := b.recv.Port()
	for _, host := range []string{
		"receiver.example",                               // resolves to 127.0.0.1 at dial time
		"127.0.0.1", "0177.0.0.1", "0x7f.0.0.1", "127.1", // dotted, octal, hex, short
		"2130706433", "0x7f000001", "017700000001", // one number
		"[::1]", "[::ffff:127.0.0.1]", "[::127.0.0.1]", // IPv6 loopback, mapped, compatible
		"0", "0.0.0.0", "10.0.0.1", "192.168.1.1", "169.254.169.254", // unspecified, private, metadata
		"localhost", "api.localhost",
	} {
		t.Run(host, func(t *testing.T) {
			b.ep.URL = fmt.Sprintf("http://%s:%s/hooks", host, port)
			b.store.AddEndpoint(b.ep)
			m := b.addMessage(t, nil)
			s := b.sender(t, func(c *webhook.Config) {
				c.AllowPrivate = false
				c.Resolver = resolver{netip.MustParseAddr("127.0.0.1")}
			})
			if o := send(t, s, m.ID); o != webhook.Retrying {
				t.Errorf("outcome %v, want retrying", o)
			}
			as := b.store.Attempts(m.ID)
			if len(as) != 1 || as[0].StatusCode != 0 || !strings.Contains(as[0].Error, "private") {
				t.Errorf("attempts %+v; want one refused for a private address", as)
			}
		})
	}
	if n := len(b.recv.Requests()); n != 0 {
		t.Errorf("the receiver on loopback got %d requests", n)
	}
	// The same name reaches the receiver when private addresses are
	// allowed: the refusals above were the address check's.
	b.ep.URL = fmt.Sprintf("http://receiver.example:%s/hooks", port)
	b.store.AddEndpoint(b.ep)
	m := b.addMessage(t, nil)
	s := b.sender(t, func(c *webhook.Config) { c.Resolver = resolver{netip.MustParseAddr("127.0.0.1")} })
	if o := send(t, s, m.ID); o != webhook.Succeeded {
		t.Errorf("allowed: outcome %v, want succeeded", o)
	}
}

func TestSendLeavesUnclaimableMessages(t *testing.T) {
	b := setup(t)
	later := b.addMessage(t, func(m *serentak.Message) { m.NextAttemptAt = b.clock.Now().Add(time.Minute) })
	disabledAt := b.clock.Now()
	off := serentak.WebhookEndpoint{ID: "wh_off", URL: b.ep.URL, Secret: b.ep.Secret, DisabledAt: &disabledAt}
	b.store.AddEndpoint(off)
	offMsg := b.addMessage(t, func(m *serentak.Message) { m.EndpointID = off.ID })
	s := b.sender(t, nil)
	for _, id := range []string{later.ID, offMsg.ID, "msg_unknown"} {
		if o := send(t, s, id); o != webhook.NotDue {
			t.Errorf("%s: outcome %v, want not_due", id, o)
		}
	}
	if n := len(b.recv.Requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestSendAfterLeaseLostIsNotRecorded(t *testing.T) {
	b := setup(t)
	m := b.addMessage(t, nil)
	// The receiver is slow; meanwhile the lease runs out and another
	// attempt takes and finishes the message.
	other := b.sender(t, nil)
	b.recv.SetAnswer(func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			b.clock.Advance(time.Hour)
			if o := send(t, other, m.ID); o != webhook.Succeeded {
				t.Errorf("the second attempt: %v, want succeeded", o)
			}
		}
		w.WriteHeader(200)
	})
	if o := send(t, b.sender(t, nil), m.ID); o != webhook.Interrupted {
		t.Errorf("the first attempt: %v, want interrupted", o)
	}
	if as := b.store.Attempts(m.ID); len(as) != 1 {
		t.Errorf("%d attempts recorded, want 1 (the second)", len(as))
	}
}

func TestSendRecordsARenderFailure(t *testing.T) {
	b := setup(t)
	m := b.addMessage(t, nil)
	s := b.sender(t, func(c *webhook.Config) {
		c.Data = func(context.Context, serentak.Message) (json.RawMessage, error) {
			return nil, fmt.Errorf("post %s not found", "post_1")
		}
	})
	if o := send(t, s, m.ID); o != webhook.Retrying {
		t.Errorf("outcome %v, want retrying", o)
	}
	as := b.store.Attempts(m.ID)
	if len(as) != 1 || !strings.Contains(as[0].Error, "could not render") || b.store.Message(m.ID).Body != nil {
		t.Errorf("attempts %+v; want one render failure and no body kept", as)
	}
	if n := len(b.recv.Requests()); n != 0 {
		t.Errorf("%d requests sent without a body", n)
	}
}

func TestSendNeverLeaksTheSecret(t *testing.T) {
	b := setup(t)
	var logs testkit.Buffer
	b.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b.recv.SetAnswer(func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) })
	m := b.addMessage(t, nil)
	send(t, b.sender(t, nil), m.ID)
	sig := b.recv.Requests()[0].Header.Get("Webhook-Signature")
	key := strings.TrimPrefix(b.ep.Secret, "whsec_")
	for _, where := range []string{logs.String(), fmt.Sprintf("%+v", b.store.Attempts(m.ID))} {
		if strings.Contains(where, key) || strings.Contains(where, strings.TrimPrefix(sig, "v1,")) {
			t.Errorf("the secret or the signature leaked: %s", where)
		}
	}
}

// ObserveFunc hears the outcome of every Send (metrics count attempts).
func TestSendTellsItsOutcome(t *testing.T) {
	b := setup(t)
	var heard []webhook.Outcome
	s := b.sender(t, func(c *webhook.Config) { c.ObserveFunc = func(o webhook.Outcome) { heard = append(heard, o) } })
	m := b.addMessage(t, nil)
	send(t, s, m.ID)
	send(t, s, m.ID) // sent already
	if want := []webhook.Outcome{webhook.Succeeded, webhook.NotDue}; fmt.Sprint(heard) != fmt.Sprint(want) {
		t.Errorf("heard %v, want %v", heard, want)
	}
}
