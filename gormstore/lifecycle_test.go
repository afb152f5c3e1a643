package gormstore_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

// editOf makes an edit giving every delivery of p new content.
func editOf(p serentak.Post, text string) serentak.PostEdit {
	e := serentak.PostEdit{Post: p}
	e.Post.Caption = text
	for _, d := range p.Deliveries {
		nd := d
		nd.Content = serentak.Content{Text: text + " " + string(d.Platform), Title: text + " title", Link: "https://example.com/" + text}
		e.Deliveries = append(e.Deliveries, serentak.DeliveryEdit{Delivery: nd, Version: d.Version, Status: d.Status})
	}
	return e
}

// TestEditRacesClaim races an edit against the worker's claim of the same
// delivery, many times: either the claim wins and publishes the old
// content entirely, and the edit reports that delivery unchanged
// (publishing), or the edit wins, the claim of the old version is refused
// and the claim of the new version gets the new content entirely. Never a
// mix, never both.
func TestEditRacesClaim(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 1000
	var claimWon, editWon int
	for i := range n {
		p := b.post(t, b.clock.Now(), b.fb, b.ig)
		raced, other := p.Deliveries[0], p.Deliveries[1]
		old := raced.Content
		e := editOf(p, fmt.Sprintf("new-%d", i))
		newContent := e.Deliveries[0].Delivery.Content

		var (
			wg      sync.WaitGroup
			claim   serentak.Claim
			claimed bool
			claimEr error
			res     serentak.EditResult
			editEr  error
		)
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			claim, claimed, claimEr = b.s.ClaimDelivery(b.ctx, raced.ID, raced.Version, b.clock.Now().Add(time.Minute))
		}()
		go func() {
			defer wg.Done()
			<-start
			_, res, editEr = b.s.UpdatePost(b.ctx, b.ws.ID, p.ID, e)
		}()
		close(start)
		wg.Wait()
		if claimEr != nil || editEr != nil {
			t.Fatalf("round %d: claim %v, edit %v", i, claimEr, editEr)
		}
		if !slices.Contains(res.Changed, other.ID) {
			t.Fatalf("round %d: the delivery nobody claimed was not edited: %+v", i, res)
		}
		if claimed {
			claimWon++
			if diff := cmp.Diff(old, claim.Delivery.Content); diff != "" {
				t.Fatalf("round %d: the claim won but did not get the old content (-old +claimed):\n%s", i, diff)
			}
			want := []serentak.UnchangedDelivery{{ID: raced.ID, Status: serentak.DeliveryPublishing}}
			if diff := cmp.Diff(want, res.Unchanged, cmp.Comparer(func(a, b serentak.UnchangedDelivery) bool {
				return a.ID == b.ID && a.Status == b.Status
			})); diff != "" || slices.Contains(res.Changed, raced.ID) {
				t.Fatalf("round %d: the claim won but the edit answered %+v", i, res)
			}
			continue
		}
		editWon++
		if !slices.Contains(res.Changed, raced.ID) || len(res.Unchanged) != 0 {
			t.Fatalf("round %d: the claim lost but the edit answered %+v", i, res)
		}
		c, ok, err := b.s.ClaimDelivery(b.ctx, raced.ID, raced.Version+1, b.clock.Now().Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("round %d: claiming the edited version = %v, %v", i, ok, err)
		}
		if diff := cmp.Diff(newContent, c.Delivery.Content); diff != "" {
			t.Fatalf("round %d: the edited delivery's claim (-new +claimed):\n%s", i, diff)
		}
	}
	t.Logf("%d rounds: the claim won %d, the edit won %d", n, claimWon, editWon)
}

func TestUpdatePost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tt := b.account(t, b.ws.ID, serentak.TikTok, "tt-1")
	p := b.post(t, b.clock.Now().Add(time.Hour), b.fb, b.ig)
	fb, ig := p.Deliveries[0], p.Deliveries[1]
	// ig has started: it stays as it is; fb is recomposed; a TikTok
	// target is added.
	if _, ok, err := b.s.ClaimDelivery(b.ctx, ig.ID, 1, b.clock.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	at := b.clock.Now().Add(2 * time.Hour)
	e := serentak.PostEdit{Post: p}
	e.Post.Caption, e.Post.ScheduledAt, e.Post.Source = "baru", at, []byte(`{"caption":"baru"}`)
	nfb := fb
	nfb.Content, nfb.ScheduledAt = serentak.Content{Text: "baru"}, at
	ntt := serentak.Delivery{ID: serentak.NewID(serentak.PrefixDelivery), AccountID: tt.ID, Platform: tt.Platform,
		Status: serentak.DeliveryScheduled, Content: serentak.Content{Text: "baru tt"}, ScheduledAt: at, Version: 1}
	e.Deliveries = []serentak.DeliveryEdit{
		{Delivery: nfb, Version: 1, Status: serentak.DeliveryScheduled},
		{Delivery: ntt, New: true},
	}
	e.Remove = []serentak.DeliveryEdit{{Delivery: ig, Version: 1, Status: serentak.DeliveryScheduled}}
	got, res, err := b.s.UpdatePost(b.ctx, b.ws.ID, p.ID, e)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{fb.ID, ntt.ID}, res.Changed); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	if len(res.Unchanged) != 1 || res.Unchanged[0].ID != ig.ID || res.Unchanged[0].Status != serentak.DeliveryPublishing || len(res.Removed) != 0 {
		t.Errorf("result = %+v, want ig unchanged (publishing), nothing removed", res)
	}
	if got.Caption != "baru" || !got.ScheduledAt.Equal(at) || string(got.Source) != `{"caption":"baru"}` || len(got.Deliveries) != 3 {
		t.Fatalf("post = %+v", got)
	}
	byID := map[string]serentak.Delivery{}
	for _, d := range got.Deliveries {
		byID[d.ID] = d
	}
	if d := byID[fb.ID]; d.Content.Text != "baru" || d.Version != 2 || !d.ScheduledAt.Equal(at) {
		t.Errorf("fb = %+v, want new content, version 2, the new time", d)
	}
	if d := byID[ig.ID]; !cmp.Equal(d.Content, ig.Content) || d.Status != serentak.DeliveryPublishing {
		t.Errorf("ig = %+v, want untouched", d)
	}
	if d := byID[ntt.ID]; d.Status != serentak.DeliveryScheduled || d.Content.Text != "baru tt" {
		t.Errorf("tiktok = %+v", d)
	}

	t.Run("a stale read changes nothing of that delivery", func(t *testing.T) {
		_, res, err := b.s.UpdatePost(b.ctx, b.ws.ID, p.ID, serentak.PostEdit{Post: got, Deliveries: []serentak.DeliveryEdit{
			{Delivery: nfb, Version: 1, Status: serentak.DeliveryScheduled}, // version 2 now
			{Delivery: byID[ntt.ID], Version: 1, Status: serentak.DeliveryScheduled},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Unchanged) != 1 || res.Unchanged[0].ID != fb.ID || res.Unchanged[0].Status != serentak.DeliveryScheduled {
			t.Errorf("result = %+v, want fb unchanged", res)
		}
	})
	t.Run("removing", func(t *testing.T) {
		now, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var rm serentak.DeliveryEdit
		for _, d := range now.Deliveries {
			if d.ID == ntt.ID {
				rm = serentak.DeliveryEdit{Delivery: d, Version: d.Version, Status: d.Status}
			}
		}
		got, res, err := b.s.UpdatePost(b.ctx, b.ws.ID, p.ID, serentak.PostEdit{Post: now, Remove: []serentak.DeliveryEdit{rm}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{ntt.ID}, res.Removed); diff != "" || len(got.Deliveries) != 2 {
			t.Errorf("removed (-want +got):\n%s\ndeliveries %d", diff, len(got.Deliveries))
		}
	})
	t.Run("nothing can change: conflict, nothing written", func(t *testing.T) {
		q := b.post(t, b.clock.Now(), b.fb)
		if _, ok, err := b.s.ClaimDelivery(b.ctx, q.Deliveries[0].ID, 1, b.clock.Now().Add(time.Minute)); err != nil || !ok {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		_, _, err := b.s.UpdatePost(b.ctx, b.ws.ID, q.ID, editOf(q, "late"))
		wantCode(t, err, serentak.ECodeConflict)
		after, _ := b.s.FindPostByID(b.ctx, b.ws.ID, q.ID)
		if after.Caption != q.Caption {
			t.Errorf("caption = %q after a conflict, want it unchanged", after.Caption)
		}
	})
	t.Run("another workspace", func(t *testing.T) {
		_, _, err := b.s.UpdatePost(b.ctx, b.other.ID, p.ID, editOf(p, "x"))
		wantCode(t, err, serentak.ECodeNotFound)
	})
}

func TestDeletePost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.post(t, b.clock.Now(), b.fb, b.ig)
	// fb is publishing: it finishes after the delete.
	c, ok, err := b.s.ClaimDelivery(b.ctx, p.Deliveries[0].ID, 1, b.clock.Now().Add(time.Minute))
	if err != nil || !ok {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	wantCode(t, b.s.DeletePost(b.ctx, b.other.ID, p.ID), serentak.ECodeNotFound)
	if err := b.s.DeletePost(b.ctx, b.ws.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	_, err = b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	wantCode(t, err, serentak.ECodeNotFound)
	wantCode(t, b.s.DeletePost(b.ctx, b.ws.ID, p.ID), serentak.ECodeNotFound)
	_, _, err = b.s.UpdatePost(b.ctx, b.ws.ID, p.ID, editOf(p, "x"))
	wantCode(t, err, serentak.ECodeNotFound)
	posts, _, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{})
	if err != nil || len(posts) != 0 {
		t.Errorf("FindPosts = %d posts, %v; want none", len(posts), err)
	}
	// The canceled delivery can no longer be claimed; the publishing one
	// records its result.
	if _, ok, err := b.s.ClaimDelivery(b.ctx, p.Deliveries[1].ID, 1, b.clock.Now().Add(time.Minute)); err != nil || ok {
		t.Errorf("claiming the deleted post's other delivery = %v, %v; want nothing to do", ok, err)
	}
	if err := b.s.CompleteDelivery(b.ctx, c, serentak.Result{ExternalID: "123"}); err != nil {
		t.Errorf("the publishing delivery's result: %v", err)
	}
}

func TestDraftPostStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	in := newPost(b.ws.ID, b.clock.Now(), b.fb)
	in.Deliveries[0].Status = serentak.DeliveryDraft
	p, _, err := b.s.CreatePost(b.ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != serentak.PostDraft {
		t.Errorf("status = %q, want draft", p.Status)
	}
	due, err := b.s.FindDueDeliveries(b.ctx, b.clock.Now().Add(time.Hour), 10)
	if err != nil || len(due) != 0 {
		t.Errorf("due = %v, %v; a draft is never due", due, err)
	}
	if _, ok, err := b.s.ClaimDelivery(b.ctx, p.Deliveries[0].ID, 1, b.clock.Now().Add(time.Minute)); err != nil || ok {
		t.Errorf("claiming a draft = %v, %v; want nothing to do", ok, err)
	}
	posts, _, err := b.s.FindPosts(b.ctx, b.ws.ID, serentak.PostFilter{Status: serentak.PostDraft})
	if err != nil || len(posts) != 1 {
		t.Errorf("drafts listed = %d, %v", len(posts), err)
	}
	e := editOf(p, "go")
	for i := range e.Deliveries {
		e.Deliveries[i].Delivery.Status = serentak.DeliveryScheduled
	}
	got, _, err := b.s.UpdatePost(b.ctx, b.ws.ID, p.ID, e)
	if err != nil || got.Status != serentak.PostScheduled {
		t.Errorf("scheduled draft = %q, %v", got.Status, err)
	}
}

// An edit that holds a scheduled post for approval again (an editor's, in
// a workspace with approval) tells the webhooks so, in its transaction;
// an edit that leaves the status as it was tells nothing.
func TestUpdatePostHeldForApprovalEmitsAnEvent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hook := b.webhook(t, b.ws.ID)
	p := b.post(t, b.clock.Now().Add(time.Hour), b.fb)
	b.drain(t)
	if _, _, err := b.s.UpdatePost(b.ctx, b.ws.ID, p.ID, editOf(p, "tetap")); err != nil {
		t.Fatal(err)
	}
	if got := b.outbox(t); len(got) != 0 {
		t.Errorf("an edit keeping the status wrote %v, want nothing", got)
	}
	p, err := b.s.FindPostByID(b.ctx, b.ws.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	e := editOf(p, "ditahan")
	for i := range e.Deliveries {
		e.Deliveries[i].Delivery.Status = serentak.DeliveryPendingApproval
	}
	got, _, err := b.s.UpdatePost(b.ctx, b.ws.ID, p.ID, e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.PostPendingApproval {
		t.Fatalf("status %s, want pending_approval", got.Status)
	}
	if diff := cmp.Diff([]event{{hook.ID, serentak.EventPostPendingApproval, p.ID}}, b.outbox(t)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}
