package gormstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

// A notification is written with its change, by the webhook events' code,
// for the three problems only, whether or not a webhook listens.
func TestNotificationsWrittenWithTheirChange(t *testing.T) {
	t.Parallel()
	b := setup(t) // no webhook endpoint
	due := func(t *testing.T) []serentak.Notification {
		t.Helper()
		ns, err := b.s.DueNotifications(b.ctx, b.clock.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	boom := errors.New("boom")
	if err := gormstore.EmitThenFail(b.ctx, b.s, b.ws.ID, serentak.EventAccountNeedsReauth, b.fb.ID, boom); !errors.Is(err, boom) {
		t.Fatalf("EmitThenFail = %v", err)
	}
	if got := due(t); len(got) != 0 {
		t.Fatalf("notifications of a rolled-back change: %+v", got)
	}
	for _, ev := range []string{serentak.EventPostPublished, serentak.EventDeliveryFailed, serentak.EventAccountReconnected} {
		if err := gormstore.EmitThenFail(b.ctx, b.s, b.ws.ID, ev, b.fb.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := due(t); len(got) != 0 {
		t.Fatalf("notifications of events nobody is emailed about: %+v", got)
	}
	if err := gormstore.EmitThenFail(b.ctx, b.s, b.ws.ID, serentak.EventAccountNeedsReauth, b.fb.ID, nil); err != nil {
		t.Fatal(err)
	}
	got := due(t)
	if len(got) != 1 || got[0].EventType != serentak.EventAccountNeedsReauth || got[0].SubjectID != b.fb.ID || got[0].WorkspaceID != b.ws.ID {
		t.Fatalf("notifications of a committed change: %+v", got)
	}

	// One notifier holds it for its lease; then it is due again.
	now := b.clock.Now()
	n, ok, err := b.s.ClaimNotification(b.ctx, got[0].ID, now, now.Add(time.Minute))
	if err != nil || !ok || n.Attempts != 1 {
		t.Fatalf("ClaimNotification = %+v, %v, %v; want the first attempt", n, ok, err)
	}
	if _, ok, err := b.s.ClaimNotification(b.ctx, n.ID, now, now.Add(time.Minute)); err != nil || ok {
		t.Fatalf("a second claim during the lease = %v, %v; want none", ok, err)
	}
	if _, ok, _ := b.s.ClaimNotification(b.ctx, n.ID, now.Add(time.Minute), now.Add(2*time.Minute)); !ok {
		t.Fatal("a claim after the lease ended was refused")
	}
	if err := b.s.FinishNotification(b.ctx, n.ID, serentak.NotificationSent, now, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.s.ClaimNotification(b.ctx, n.ID, now.Add(time.Hour), now.Add(2*time.Hour)); ok {
		t.Fatal("a sent notification was claimed again")
	}

	// The last-sent time is per account and kind.
	if err := b.s.SetNotificationSentAt(b.ctx, b.fb.ID, "k", now); err != nil {
		t.Fatal(err)
	}
	if err := b.s.SetNotificationSentAt(b.ctx, b.fb.ID, "k", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if at, err := b.s.NotificationSentAt(b.ctx, b.fb.ID, "k"); err != nil || !at.Equal(now.Add(time.Hour)) {
		t.Fatalf("NotificationSentAt = %v, %v; want %v", at, err, now.Add(time.Hour))
	}
	if at, err := b.s.NotificationSentAt(b.ctx, b.fb.ID, "other"); err != nil || !at.IsZero() {
		t.Fatalf("NotificationSentAt of another kind = %v, %v; want never", at, err)
	}

	// Deleting the workspace takes its notifications and times along.
	if err := gormstore.EmitThenFail(b.ctx, b.s, b.ws.ID, serentak.EventPostFailed, "post_x", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.DeleteWorkspace(b.ctx, b.ws.ID); err != nil {
		t.Fatal(err)
	}
	if got := due(t); len(got) != 0 {
		t.Fatalf("notifications of a deleted workspace: %+v", got)
	}
	if at, _ := b.s.NotificationSentAt(b.ctx, b.fb.ID, "k"); !at.IsZero() {
		t.Fatalf("the send time of a deleted workspace's account stayed: %v", at)
	}
}
