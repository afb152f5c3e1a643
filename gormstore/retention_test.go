package gormstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

// TestPruneKeepsWhatIsReadAfterTheEnd: a pass clears a published
// delivery's checkpoint and deletes the ended webhook messages with their
// attempt log only once they ended more than the retention ago, deletes
// expired keys, sessions and password links at once, and keeps what the
// post page and the statistics read (content, external ID, permalink,
// published_at), a delivery still in flight, and live sessions.
func TestPruneKeepsWhatIsReadAfterTheEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const retention = 30 * 24 * time.Hour
	t0 := b.clock.Now()
	hook := b.webhook(t, b.ws.ID)
	p, created, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, t0.Add(time.Minute), b.fb, b.ig), &serentak.IdempotencyKey{Key: "k1", RequestHash: "h1"})
	if err != nil || !created {
		t.Fatalf("CreatePost = %v, %v", created, err)
	}
	fb, ig := p.Deliveries[0], p.Deliveries[1]
	c := claim(t, b, fb)
	if err := b.s.SaveCheckpoint(b.ctx, c, serentak.Checkpoint{"post_id": "1_2", "step": "feed"}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	published := t0.Add(time.Minute)
	if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: "1_2", Permalink: "https://www.facebook.com/1/posts/2", PublishedAt: published}); err != nil {
		t.Fatal(err)
	}
	// Instagram is still being published: its checkpoint is its resume.
	cIG := claim(t, b, ig)
	if err := b.s.SaveCheckpoint(b.ctx, cIG, serentak.Checkpoint{"container": "c1"}, t0.Add(90*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	b.drain(t) // the events so far succeeded, each with one attempt
	user := serentak.User{ID: serentak.NewID(serentak.PrefixUser), Email: "ani@example.com", Name: "Ani", CreatedAt: t0}
	if err := b.s.CreateUser(b.ctx, user, &serentak.PasswordToken{Hash: "invite-hash", UserID: user.ID, Kind: "invite", ExpiresAt: t0.Add(7 * 24 * time.Hour), CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	short := serentak.Session{ID: "ses-short", UserID: user.ID, Hash: "short", CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	long := serentak.Session{ID: "ses-long", UserID: user.ID, Hash: "long", CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(90 * 24 * time.Hour)}
	for _, ses := range []serentak.Session{short, long} {
		if err := b.s.CreateSession(b.ctx, ses); err != nil {
			t.Fatal(err)
		}
	}
	attempts := func() int {
		t.Helper()
		as, _, err := b.s.FindWebhookAttempts(b.ctx, b.ws.ID, hook.ID, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(as)
	}
	before := attempts()
	if before == 0 {
		t.Fatal("no webhook attempts to prune: the setup is wrong")
	}

	// Day 29: the keys, the sign-in link and the short session have
	// expired; nothing has ended 30 days ago yet.
	b.clock.Advance(29 * 24 * time.Hour)
	got, err := b.s.Prune(b.ctx, retention)
	if err != nil {
		t.Fatal(err)
	}
	if want := (gormstore.PruneCounts{IdempotencyKeys: 1, Sessions: 1, PasswordTokens: 1}); got != want {
		t.Errorf("day 29: Prune = %+v, want %+v", got, want)
	}
	if n := attempts(); n != before {
		t.Errorf("day 29: %d webhook attempts, want the %d of before", n, before)
	}
	if _, err := b.s.FindSessionByHash(b.ctx, "short", t0); !isNotFound(err) {
		t.Errorf("the expired session after the pass: %v, want not found", err)
	}
	if _, err := b.s.FindSessionByHash(b.ctx, "long", b.clock.Now()); err != nil {
		t.Errorf("the live session after the pass: %v", err)
	}

	// Day 31: the published delivery and the events ended over 30 days ago.
	b.clock.Advance(2 * 24 * time.Hour)
	if got, err = b.s.Prune(b.ctx, retention); err != nil {
		t.Fatal(err)
	}
	if got.Checkpoints != 1 || got.WebhookMessages != int64(before) || got.WebhookAttempts != int64(before) || got.Sessions != 0 {
		t.Errorf("day 31: Prune = %+v, want 1 checkpoint and %d messages and attempts", got, before)
	}
	if n := attempts(); n != 0 {
		t.Errorf("day 31: %d webhook attempts left, want 0", n)
	}
	d, err := b.s.FindDeliveryByID(b.ctx, b.ws.ID, fb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Checkpoint != nil {
		t.Errorf("published delivery's checkpoint after the pass: %v, want none", d.Checkpoint)
	}
	if d.Status != serentak.DeliveryPublished || d.ExternalID != "1_2" || d.Permalink != "https://www.facebook.com/1/posts/2" ||
		!d.PublishedAt.Equal(published) || d.Content.Text != fb.Content.Text {
		t.Errorf("published delivery after the pass: %+v, want its status, content, ID, permalink and time kept", d)
	}
	d, err = b.s.FindDeliveryByID(b.ctx, b.ws.ID, ig.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Checkpoint["container"] != "c1" {
		t.Errorf("delivery in flight after the pass: checkpoint %v, want it kept", d.Checkpoint)
	}
	// A second pass finds nothing more.
	if got, err = b.s.Prune(b.ctx, retention); err != nil || got.Total() != 0 {
		t.Errorf("second pass = %+v, %v; want nothing", got, err)
	}
}

// TestPruneStopsWithItsContext: a pass asked to stop returns the
// context's error instead of running on.
func TestPruneStopsWithItsContext(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(b.ctx)
	cancel()
	if _, err := b.s.Prune(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Prune on a canceled context = %v, want %v", err, context.Canceled)
	}
}
