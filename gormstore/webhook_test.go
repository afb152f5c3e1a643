package gormstore_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// webhook creates an endpoint of workspace wsID subscribed to events (all
// when none).
func (b *bundle) webhook(t testing.TB, wsID string, events ...string) serentak.WebhookEndpoint {
	t.Helper()
	e, err := b.s.CreateWebhook(b.ctx, serentak.WebhookEndpoint{
		ID: serentak.NewID(serentak.PrefixWebhook), WorkspaceID: wsID, URL: "https://hooks.example.com/serentak",
		Events: events, Secret: testSecret,
	})
	if err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	return e
}

// event is a message as the tests compare them.
type event struct{ Endpoint, Type, Subject string }

// outbox lists the messages due now (every pending message of an enabled
// endpoint), as events, in the order they were written.
func (b *bundle) outbox(t testing.TB) []event {
	t.Helper()
	ms, err := b.s.DueMessages(b.ctx, b.clock.Now(), 1000)
	if err != nil {
		t.Fatalf("DueMessages: %v", err)
	}
	slices.SortFunc(ms, func(a, b serentak.Message) int { return strings.Compare(a.ID, b.ID) })
	var out []event
	for _, m := range ms {
		out = append(out, event{m.EndpointID, m.EventType, m.SubjectID})
		if !strings.HasPrefix(m.ID, serentak.PrefixMessage) || m.Status != serentak.MessagePending || m.Body != nil {
			t.Errorf("message %+v: want a pending msg_ without a body", m)
		}
	}
	return out
}

// drain marks every due message sent, so the next outbox shows only what
// comes after.
func (b *bundle) drain(t testing.TB) {
	t.Helper()
	ms, err := b.s.DueMessages(b.ctx, b.clock.Now(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		m, _, ok, err := b.s.ClaimMessage(b.ctx, m.ID, b.clock.Now(), b.clock.Now().Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("ClaimMessage = %v, %v", ok, err)
		}
		m.Attempts++
		m.Status = serentak.MessageSucceeded
		m.Body = []byte(`{}`)
		if err := b.s.RecordAttempt(b.ctx, m, serentak.Attempt{StatusCode: 200, At: b.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWebhookEndpoints(t *testing.T) {
	t.Parallel()
	b := setup(t)
	e := b.webhook(t, b.ws.ID, serentak.EventPostFailed, serentak.EventDeliveryFailed)
	if e.Secret != testSecret || e.PreviousSecret != "" {
		t.Errorf("created: secret %q, previous %q", e.Secret, e.PreviousSecret)
	}
	got, err := b.s.FindWebhookByID(b.ctx, b.ws.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := e
	want.Secret = "" // only the sender reads it
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FindWebhookByID (-want +got):\n%s", diff)
	}
	if list, err := b.s.FindWebhooks(b.ctx, b.ws.ID); err != nil || len(list) != 1 || list[0].ID != e.ID || list[0].Secret != "" {
		t.Errorf("FindWebhooks = %+v, %v", list, err)
	}
	// Another tenant sees nothing of it.
	if list, err := b.s.FindWebhooks(b.ctx, b.other.ID); err != nil || len(list) != 0 {
		t.Errorf("the other workspace's FindWebhooks = %+v, %v", list, err)
	}
	_, err = b.s.FindWebhookByID(b.ctx, b.other.ID, e.ID)
	wantCode(t, err, serentak.ECodeNotFound)
	wantCode(t, b.s.DeleteWebhook(b.ctx, b.other.ID, e.ID), serentak.ECodeNotFound)
	_, err = b.s.CreateWebhook(b.ctx, serentak.WebhookEndpoint{ID: serentak.NewID(serentak.PrefixWebhook), WorkspaceID: "ws_none", URL: "https://x.example", Secret: testSecret})
	wantCode(t, err, serentak.ECodeNotFound)

	// Update; disabling by PATCH keeps the first time and reason.
	b.clock.Advance(time.Minute)
	e.URL, e.Description, e.Events = "https://hooks.example.com/v2", "orders app", nil
	when := b.clock.Now()
	e.DisabledAt, e.DisabledReason = &when, "disabled by request"
	got, err = b.s.UpdateWebhook(b.ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != e.URL || got.Description != "orders app" || got.Events != nil || got.DisabledAt == nil ||
		!got.DisabledAt.Equal(when) || got.DisabledReason != "disabled by request" || !got.UpdatedAt.Equal(when) {
		t.Errorf("updated: %+v", got)
	}
	e.DisabledAt = nil
	other := e
	other.WorkspaceID = b.other.ID
	_, err = b.s.UpdateWebhook(b.ctx, other)
	wantCode(t, err, serentak.ECodeNotFound)

	// Rotation: the old secret keeps signing for a day.
	rotated, err := b.s.RotateWebhookSecret(b.ctx, b.ws.ID, e.ID, "whsec_bmV3")
	if err != nil {
		t.Fatal(err)
	}
	if rotated.Secret != "whsec_bmV3" || rotated.PreviousSecret != testSecret ||
		!rotated.PreviousUntil.Equal(b.clock.Now().Add(serentak.WebhookRotationOverlap)) {
		t.Errorf("rotated: secret %q, previous %q until %v", rotated.Secret, rotated.PreviousSecret, rotated.PreviousUntil)
	}
	_, err = b.s.RotateWebhookSecret(b.ctx, b.other.ID, e.ID, "whsec_bmV3")
	wantCode(t, err, serentak.ECodeNotFound)

	// Deleting it deletes its messages and attempts.
	if _, err := b.s.UpdateWebhook(b.ctx, e); err != nil { // enabled again
		t.Fatal(err)
	}
	if _, err := b.s.CreateWebhookTest(b.ctx, b.ws.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	b.drain(t)
	if err := b.s.DeleteWebhook(b.ctx, b.ws.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"webhook_endpoints", "webhook_messages", "webhook_attempts"} {
		var n int
		if err := gormstore.DB(b.s).Raw("SELECT count(*) FROM " + table).Scan(&n).Error; err != nil || n != 0 {
			t.Errorf("%s after DeleteWebhook: %d rows, %v", table, n, err)
		}
	}
	wantCode(t, b.s.DeleteWebhook(b.ctx, b.ws.ID, e.ID), serentak.ECodeNotFound)
}

// Each event is written by the change that causes it, to every enabled
// endpoint of the workspace that subscribes to it, and to no one else.
func TestWebhookEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	all := b.webhook(t, b.ws.ID)
	failures := b.webhook(t, b.ws.ID, serentak.EventPostFailed, serentak.EventDeliveryFailed)
	disabled := b.webhook(t, b.ws.ID)
	now := b.clock.Now()
	disabled.DisabledAt = &now
	if _, err := b.s.UpdateWebhook(b.ctx, disabled); err != nil {
		t.Fatal(err)
	}
	b.webhook(t, b.other.ID) // hears nothing of b.ws
	both := func(typ, subject string) []event {
		return []event{{all.ID, typ, subject}, {failures.ID, typ, subject}}
	}
	check := func(t *testing.T, want []event) {
		t.Helper()
		got := b.outbox(t)
		slices.SortFunc(want, func(a, b event) int { return strings.Compare(a.Type+a.Endpoint, b.Type+b.Endpoint) })
		slices.SortFunc(got, func(a, b event) int { return strings.Compare(a.Type+a.Endpoint, b.Type+b.Endpoint) })
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("messages (-want +got):\n%s", diff)
		}
		b.drain(t)
	}

	t.Run("published", func(t *testing.T) {
		p := b.post(t, b.clock.Now(), b.fb)
		check(t, nil) // scheduling is no event
		c := claim(t, b, p.Deliveries[0])
		check(t, nil)
		if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: "1"}); err != nil {
			t.Fatal(err)
		}
		check(t, []event{{all.ID, serentak.EventDeliveryPublished, p.Deliveries[0].ID}, {all.ID, serentak.EventPostPublished, p.ID}})
	})
	t.Run("failed", func(t *testing.T) {
		p := b.post(t, b.clock.Now(), b.fb)
		c := claim(t, b, p.Deliveries[0])
		if err := b.s.RetryDelivery(b.ctx, c, serentak.DeliveryError{Code: "x"}, b.clock.Now()); err != nil {
			t.Fatal(err)
		}
		check(t, nil) // a retry is no event
		if err := b.s.FailDelivery(b.ctx, c, serentak.DeliveryError{Code: "rejected", Message: "no"}); err != nil {
			t.Fatal(err)
		}
		check(t, append(both(serentak.EventDeliveryFailed, p.Deliveries[0].ID), both(serentak.EventPostFailed, p.ID)...))
	})
	t.Run("partially published, once", func(t *testing.T) {
		p := b.post(t, b.clock.Now(), b.fb, b.ig)
		c0, c1 := claim(t, b, p.Deliveries[0]), claim(t, b, p.Deliveries[1])
		if err := b.s.FailDelivery(b.ctx, c0, serentak.DeliveryError{Code: "rejected"}); err != nil {
			t.Fatal(err)
		}
		check(t, both(serentak.EventDeliveryFailed, p.Deliveries[0].ID))
		if err := b.s.CompleteDelivery(b.ctx, c1, serentak.Result{ExternalID: "2"}); err != nil {
			t.Fatal(err)
		}
		check(t, []event{{all.ID, serentak.EventDeliveryPublished, p.Deliveries[1].ID}, {all.ID, serentak.EventPostPartiallyPublished, p.ID}})
		// A late write of a lost lease changes nothing and tells nothing.
		if err := b.s.CompleteDelivery(b.ctx, c1, serentak.Result{ExternalID: "2"}); !errors.Is(err, serentak.ErrLeaseLost) {
			t.Fatalf("second CompleteDelivery = %v, want ErrLeaseLost", err)
		}
		check(t, nil)
	})
	t.Run("approval", func(t *testing.T) {
		p := held(t, b)
		check(t, []event{{all.ID, serentak.EventPostPendingApproval, p.ID}})
		if _, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{Approve: true, By: "key_x", At: b.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		check(t, []event{{all.ID, serentak.EventPostApproved, p.ID}})

		p = held(t, b)
		b.drain(t)
		if _, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{Approve: false, By: "key_x", Comment: "no", At: b.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		check(t, []event{{all.ID, serentak.EventPostRejected, p.ID}})
		// Edited by an editor: held for approval again.
		if _, err := b.s.ResubmitPost(b.ctx, b.ws.ID, p.ID, b.clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		check(t, []event{{all.ID, serentak.EventPostPendingApproval, p.ID}})
		// Approved through the link: the same event.
		hash := serentak.HashSecret("link-" + p.ID)
		if err := b.s.CreateApprovalLink(b.ctx, serentak.ApprovalLink{Hash: hash, WorkspaceID: b.ws.ID, PostID: p.ID, ExpiresAt: b.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{Approve: true, By: "link", LinkHash: hash, At: b.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		check(t, []event{{all.ID, serentak.EventPostApproved, p.ID}})
		// A refused decision (not pending any more) writes nothing.
		if _, err := b.s.DecidePost(b.ctx, b.ws.ID, p.ID, serentak.Decision{Approve: true, By: "key_x", At: b.clock.Now()}); err == nil {
			t.Fatal("a second decision succeeded")
		}
		check(t, nil)
	})
	t.Run("account", func(t *testing.T) {
		// The worker and the pre-flight check both find the token broken:
		// one event.
		for range 2 {
			if err := b.s.MarkAccountNeedsReauth(b.ctx, b.ws.ID, b.ig.ID, "token revoked"); err != nil {
				t.Fatal(err)
			}
		}
		check(t, []event{{all.ID, serentak.EventAccountNeedsReauth, b.ig.ID}})
		if acc, err := b.s.FindAccountByID(b.ctx, b.ws.ID, b.ig.ID); err != nil || acc.Status != serentak.AccountNeedsReauth || acc.StatusReason != "token revoked" {
			t.Fatalf("account %+v, %v", acc, err)
		}
		wantCode(t, b.s.MarkAccountNeedsReauth(b.ctx, b.other.ID, b.ig.ID, "x"), serentak.ECodeNotFound)
		// Reconnected: told once; connecting an active account again is
		// no event.
		for range 2 {
			if _, _, err := b.s.UpsertAccount(b.ctx, serentak.Account{WorkspaceID: b.ws.ID, Platform: b.ig.Platform, ExternalID: b.ig.ExternalID,
				Token: serentak.Token{AccessToken: "new"}}); err != nil {
				t.Fatal(err)
			}
		}
		check(t, []event{{all.ID, serentak.EventAccountReconnected, b.ig.ID}})
	})
}

// An event is part of its change's transaction: a change rolled back
// leaves no message.
func TestWebhookEventRolledBackWithItsChange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.webhook(t, b.ws.ID)
	boom := errors.New("boom")
	if err := gormstore.EmitThenFail(b.ctx, b.s, b.ws.ID, serentak.EventAccountNeedsReauth, b.fb.ID, boom); !errors.Is(err, boom) {
		t.Fatalf("EmitThenFail = %v", err)
	}
	if got := b.outbox(t); len(got) != 0 {
		t.Errorf("messages of a rolled-back change: %+v", got)
	}
	// The same emission committed is seen: the test can fail.
	if err := gormstore.EmitThenFail(b.ctx, b.s, b.ws.ID, serentak.EventAccountNeedsReauth, b.fb.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got := b.outbox(t); len(got) != 1 {
		t.Errorf("messages of a committed change: %+v", got)
	}
}

func TestWebhookDispatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	e := b.webhook(t, b.ws.ID)
	first, err := b.s.CreateWebhookTest(b.ctx, b.ws.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if first.EventType != serentak.EventWebhookTest || first.SubjectID != e.ID || first.Status != serentak.MessagePending {
		t.Errorf("test message %+v", first)
	}
	b.clock.Advance(time.Second)
	second, err := b.s.CreateWebhookTest(b.ctx, b.ws.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.s.CreateWebhookTest(b.ctx, b.other.ID, e.ID)
	wantCode(t, err, serentak.ECodeNotFound)

	now := b.clock.Now()
	ids := func(ms []serentak.Message) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	due, err := b.s.DueMessages(b.ctx, now, 10)
	if err != nil || !slices.Equal(ids(due), []string{first.ID, second.ID}) {
		t.Fatalf("due = %v, %v; want oldest first", ids(due), err)
	}
	if due, _ := b.s.DueMessages(b.ctx, now, 1); !slices.Equal(ids(due), []string{first.ID}) {
		t.Errorf("limit 1: %v", ids(due))
	}
	if due, _ := b.s.DueMessages(b.ctx, now.Add(-time.Millisecond), 10); !slices.Equal(ids(due), []string{first.ID}) {
		t.Errorf("due before the second: %v", ids(due))
	}

	// One claimer wins; the endpoint comes with its secret.
	lease := now.Add(time.Minute)
	m, ep, ok, err := b.s.ClaimMessage(b.ctx, first.ID, now, lease)
	if err != nil || !ok || m.Status != serentak.MessageSending || ep.Secret != testSecret || ep.ID != e.ID {
		t.Fatalf("ClaimMessage = %+v, %+v, %v, %v", m, ep, ok, err)
	}
	if _, _, ok, err := b.s.ClaimMessage(b.ctx, first.ID, now, lease); err != nil || ok {
		t.Errorf("second claim = %v, %v; want not due", ok, err)
	}
	if due, _ := b.s.DueMessages(b.ctx, now, 10); !slices.Equal(ids(due), []string{second.ID}) {
		t.Errorf("due while leased: %v", ids(due))
	}

	// A failure: the receiver said 500; retried in 5 s.
	retry := now.Add(5 * time.Second)
	m.Attempts, m.Status, m.NextAttemptAt, m.Body = 1, serentak.MessagePending, retry, []byte(`{"type":"webhook.test"}`)
	firstAttempt := serentak.NewID(serentak.PrefixAttempt)
	if err := b.s.RecordAttempt(b.ctx, m, serentak.Attempt{ID: firstAttempt, StatusCode: 500, Duration: 120 * time.Millisecond, At: now, NextRetryAt: &retry}); err != nil {
		t.Fatal(err)
	}
	// The same write again (a stale holder): the lease is lost.
	if err := b.s.RecordAttempt(b.ctx, m, serentak.Attempt{StatusCode: 500, At: now}); !errors.Is(err, serentak.ErrLeaseLost) {
		t.Errorf("RecordAttempt of a message not sending = %v, want ErrLeaseLost", err)
	}
	got, _ := b.s.FindWebhookByID(b.ctx, b.ws.ID, e.ID)
	if got.FailingSince == nil || !got.FailingSince.Equal(now) || got.DisabledAt != nil {
		t.Errorf("after a failure: failing since %v, disabled %v", got.FailingSince, got.DisabledAt)
	}

	// Its lease ends unrecorded (the sender died): due again, and the
	// body kept from the first attempt.
	b.clock.Advance(10 * time.Second)
	now = b.clock.Now()
	m, _, ok, err = b.s.ClaimMessage(b.ctx, first.ID, now, now.Add(time.Second))
	if err != nil || !ok || string(m.Body) != `{"type":"webhook.test"}` || m.Attempts != 1 {
		t.Fatalf("claim of the retry = %+v, %v, %v", m, ok, err)
	}
	b.clock.Advance(2 * time.Second)
	now = b.clock.Now()
	if due, _ := b.s.DueMessages(b.ctx, now, 10); !slices.Contains(ids(due), first.ID) {
		t.Errorf("a message whose lease ended is not due: %v", ids(due))
	}
	stale := m
	m, _, ok, err = b.s.ClaimMessage(b.ctx, first.ID, now, now.Add(time.Minute))
	if err != nil || !ok {
		t.Fatalf("claim after the lease ended = %v, %v", ok, err)
	}
	m.Attempts, m.Status = 2, serentak.MessageSucceeded
	m.Body = []byte(`{"other":"bytes"}`) // ignored: the first body is kept
	// The log is newest first by ID, and IDs sort by the millisecond they
	// were made in: an ID made in the same millisecond as the first
	// attempt's may sort before it, so the test takes one that sorts after.
	secondAttempt := serentak.NewID(serentak.PrefixAttempt)
	for secondAttempt <= firstAttempt {
		secondAttempt = serentak.NewID(serentak.PrefixAttempt)
	}
	if err := b.s.RecordAttempt(b.ctx, m, serentak.Attempt{ID: secondAttempt, StatusCode: 204, At: now}); err != nil {
		t.Fatal(err)
	}
	stale.Attempts, stale.Status = 2, serentak.MessageFailed
	if err := b.s.RecordAttempt(b.ctx, stale, serentak.Attempt{StatusCode: 0, Error: "timeout", At: now}); !errors.Is(err, serentak.ErrLeaseLost) {
		t.Errorf("the stale holder's RecordAttempt = %v, want ErrLeaseLost", err)
	}
	got, _ = b.s.FindWebhookByID(b.ctx, b.ws.ID, e.ID)
	if got.FailingSince != nil {
		t.Errorf("a success left failing since %v", got.FailingSince)
	}

	// The attempt log, newest first, paged.
	log, next, err := b.s.FindWebhookAttempts(b.ctx, b.ws.ID, e.ID, "", 1)
	if err != nil || len(log) != 1 || next == "" || log[0].StatusCode != 204 || log[0].MessageID != first.ID || log[0].EventType != serentak.EventWebhookTest {
		t.Fatalf("first page = %+v, %q, %v", log, next, err)
	}
	log2, next2, err := b.s.FindWebhookAttempts(b.ctx, b.ws.ID, e.ID, next, 1)
	if err != nil || len(log2) != 1 || next2 != "" || log2[0].StatusCode != 500 || log2[0].Duration != 120*time.Millisecond ||
		log2[0].NextRetryAt == nil || !log2[0].NextRetryAt.Equal(retry) {
		t.Fatalf("second page = %+v, %q, %v", log2, next2, err)
	}
	_, _, err = b.s.FindWebhookAttempts(b.ctx, b.other.ID, e.ID, "", 10)
	wantCode(t, err, serentak.ECodeNotFound)

	// A manual retry of a succeeded message: pending and due now.
	_, err = b.s.RetryWebhookAttempt(b.ctx, b.other.ID, e.ID, log[0].ID)
	wantCode(t, err, serentak.ECodeNotFound)
	b.clock.Advance(time.Minute)
	r, err := b.s.RetryWebhookAttempt(b.ctx, b.ws.ID, e.ID, log[0].ID)
	if err != nil || r.ID != first.ID || r.Status != serentak.MessagePending || !r.NextAttemptAt.Equal(b.clock.Now()) || r.Attempts != 2 {
		t.Fatalf("RetryWebhookAttempt = %+v, %v", r, err)
	}
	if due, _ := b.s.DueMessages(b.ctx, b.clock.Now(), 10); !slices.Contains(ids(due), first.ID) {
		t.Errorf("a retried message is not due: %v", ids(due))
	}

	// A disabled endpoint's messages wait, unclaimable.
	when := b.clock.Now()
	e.DisabledAt = &when
	if _, err := b.s.UpdateWebhook(b.ctx, e); err != nil {
		t.Fatal(err)
	}
	if due, _ := b.s.DueMessages(b.ctx, b.clock.Now(), 10); len(due) != 0 {
		t.Errorf("due of a disabled endpoint: %v", ids(due))
	}
	if _, _, ok, err := b.s.ClaimMessage(b.ctx, second.ID, b.clock.Now(), b.clock.Now().Add(time.Minute)); err != nil || ok {
		t.Errorf("claim of a disabled endpoint's message = %v, %v", ok, err)
	}

	// The workspace deleted: nothing left to claim.
	if _, err := b.s.DeleteWorkspace(b.ctx, b.ws.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := b.s.ClaimMessage(b.ctx, second.ID, b.clock.Now(), b.clock.Now().Add(time.Minute)); err != nil || ok {
		t.Errorf("claim of a deleted workspace's message = %v, %v", ok, err)
	}
	for _, table := range []string{"webhook_endpoints", "webhook_messages", "webhook_attempts"} {
		var n int
		if err := gormstore.DB(b.s).Raw("SELECT count(*) FROM "+table+" WHERE workspace_id = ?", b.ws.ID).Scan(&n).Error; err != nil || n != 0 {
			t.Errorf("%s after DeleteWorkspace: %d rows, %v", table, n, err)
		}
	}
}

// An endpoint failing WebhookDisableAfter without one success is disabled
// by that failure; enabling it gives it a fresh start.
func TestWebhookDisabledAfterFailingForDays(t *testing.T) {
	t.Parallel()
	b := setup(t)
	e := b.webhook(t, b.ws.ID)
	fail := func() {
		t.Helper()
		if _, err := b.s.CreateWebhookTest(b.ctx, b.ws.ID, e.ID); err != nil {
			t.Fatal(err)
		}
		ms, err := b.s.DueMessages(b.ctx, b.clock.Now(), 10)
		if err != nil || len(ms) != 1 {
			t.Fatalf("due = %+v, %v", ms, err)
		}
		m, _, ok, err := b.s.ClaimMessage(b.ctx, ms[0].ID, b.clock.Now(), b.clock.Now().Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		m.Attempts, m.Status = 1, serentak.MessageFailed
		if err := b.s.RecordAttempt(b.ctx, m, serentak.Attempt{StatusCode: 503, At: b.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	start := b.clock.Now()
	fail()
	b.clock.Advance(serentak.WebhookDisableAfter - time.Second)
	fail()
	got, _ := b.s.FindWebhookByID(b.ctx, b.ws.ID, e.ID)
	if got.DisabledAt != nil || got.FailingSince == nil || !got.FailingSince.Equal(start) {
		t.Fatalf("failing just under the limit: disabled %v, failing since %v", got.DisabledAt, got.FailingSince)
	}
	b.clock.Advance(time.Second)
	fail()
	got, _ = b.s.FindWebhookByID(b.ctx, b.ws.ID, e.ID)
	if got.DisabledAt == nil || !got.DisabledAt.Equal(b.clock.Now()) || got.DisabledReason == "" {
		t.Fatalf("failing for the limit: disabled %v (%q)", got.DisabledAt, got.DisabledReason)
	}
	// Disabled: new events are not written for it.
	if err := b.s.MarkAccountNeedsReauth(b.ctx, b.ws.ID, b.fb.ID, "x"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := gormstore.DB(b.s).Raw("SELECT count(*) FROM webhook_messages WHERE event_type = ?", serentak.EventAccountNeedsReauth).Scan(&n).Error; err != nil || n != 0 {
		t.Errorf("messages for a disabled endpoint: %d, %v", n, err)
	}
	// Enabled again (PATCH): no failure remembered.
	got.DisabledAt = nil
	got, err := b.s.UpdateWebhook(b.ctx, got)
	if err != nil || got.DisabledAt != nil || got.DisabledReason != "" || got.FailingSince != nil {
		t.Fatalf("enabled: %+v, %v", got, err)
	}
}

// Outcomes recorded together (one batch, batch.go) write the events of
// the workspaces with endpoints, every one, and nothing for the others.
func TestWebhookEventsOfABatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	e := b.webhook(t, b.ws.ID)
	otherAcc := b.account(t, b.other.ID, serentak.Facebook, "page-other")
	var claims []serentak.Claim
	want := map[event]bool{}
	for i := range 20 {
		if i%2 == 0 {
			p := b.post(t, b.clock.Now(), b.fb)
			claims = append(claims, claim(t, b, p.Deliveries[0]))
			want[event{e.ID, serentak.EventDeliveryPublished, p.Deliveries[0].ID}] = true
			want[event{e.ID, serentak.EventPostPublished, p.ID}] = true
			continue
		}
		p, _, err := b.s.CreatePost(b.ctx, newPost(b.other.ID, b.clock.Now(), otherAcc), nil)
		if err != nil {
			t.Fatal(err)
		}
		claims = append(claims, claim(t, b, p.Deliveries[0]))
	}
	var wg sync.WaitGroup
	for _, c := range claims {
		wg.Go(func() {
			if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: "x"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := map[event]bool{}
	for _, ev := range b.outbox(t) {
		got[ev] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}
