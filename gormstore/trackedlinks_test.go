package gormstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

type linkCount struct {
	Code        string
	DeliveryID  string
	WorkspaceID string
	PostID      string
	Platform    string
	Clicks      int64
	LastClickAt *time.Time
}

func (b *bundle) links(t *testing.T) map[string]linkCount {
	t.Helper()
	var rows []linkCount
	if err := gormstore.DB(b.s).Table("tracked_links").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]linkCount{}
	for _, r := range rows {
		out[r.Code] = r
	}
	return out
}

// A post's tracked links are stored with its deliveries, found by code,
// counted by batches from several writers at once, replaced when a
// delivery is recomposed and removed with it; a code taken twice is a
// conflict and nothing of the post is written.
func TestTrackedLinks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := newPost(b.ws.ID, b.clock.Now().Add(time.Hour), b.fb, b.ig)
	p.Deliveries[0].TrackedLink = &serentak.TrackedLink{Code: "7k2m9qa", Target: "https://wa.me/6281234567890?text=Halo%20%28kode%20FB-7K2%29", Ref: "FB-7K2"}
	p.Deliveries[1].TrackedLink = &serentak.TrackedLink{Code: "abcdefg", Target: "https://wa.me/6281234567890?text=Halo%20%28kode%20IG-ABC%29", Ref: "IG-ABC"}
	stored, _, err := b.s.CreatePost(b.ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindTrackedLink(b.ctx, "7k2m9qa")
	if err != nil || *p.Deliveries[0].TrackedLink != got {
		t.Fatalf("FindTrackedLink = %+v, %v; want %+v", got, err, p.Deliveries[0].TrackedLink)
	}
	_, err = b.s.FindTrackedLink(b.ctx, "zzzzzzz")
	wantCode(t, err, serentak.ECodeNotFound)
	if l := b.links(t)["abcdefg"]; l.DeliveryID != stored.Deliveries[1].ID || l.WorkspaceID != b.ws.ID || l.PostID != p.ID || l.Platform != "instagram" {
		t.Errorf("the Instagram delivery's link row: %+v", l)
	}

	// Two API processes flushing at once: both batches count.
	at := b.clock.Now().Add(2 * time.Hour)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.s.AddLinkClicks(b.ctx, map[string]int64{"7k2m9qa": 3, "abcdefg": 1, "gone000": 5}, at.Add(time.Duration(i)*time.Second)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	links := b.links(t)
	if l := links["7k2m9qa"]; l.Clicks != 12 || l.LastClickAt == nil || !l.LastClickAt.Equal(at.Add(3*time.Second)) {
		t.Errorf("after four flushes: %d clicks, last %v; want 12 at %v", l.Clicks, l.LastClickAt, at.Add(3*time.Second))
	}
	if links["abcdefg"].Clicks != 4 || len(links) != 2 {
		t.Errorf("links after the flushes: %+v", links)
	}

	// A code already taken: a conflict, and the post is not written.
	dup := newPost(b.ws.ID, b.clock.Now().Add(time.Hour), b.fb)
	dup.Deliveries[0].TrackedLink = &serentak.TrackedLink{Code: "7k2m9qa", Target: "https://toko.example.com"}
	_, _, err = b.s.CreatePost(b.ctx, dup, nil)
	wantCode(t, err, serentak.ECodeConflict)
	if _, err := b.s.FindPostByID(b.ctx, b.ws.ID, dup.ID); err == nil {
		t.Error("the post whose code was taken was stored")
	}

	// An edit recomposes the Facebook delivery with a new code and
	// removes the Instagram one: the old codes are gone.
	fb := stored.Deliveries[0]
	fb.TrackedLink = &serentak.TrackedLink{Code: "newcode", Target: "https://toko.example.com/k", Ref: "FB-NEW"}
	e := serentak.PostEdit{Post: stored,
		Deliveries: []serentak.DeliveryEdit{{Delivery: fb, Version: fb.Version, Status: fb.Status}},
		Remove:     []serentak.DeliveryEdit{{Delivery: stored.Deliveries[1], Version: stored.Deliveries[1].Version, Status: stored.Deliveries[1].Status}},
	}
	if _, _, err := b.s.UpdatePost(b.ctx, b.ws.ID, p.ID, e); err != nil {
		t.Fatal(err)
	}
	links = b.links(t)
	if _, ok := links["newcode"]; !ok || len(links) != 1 {
		t.Errorf("after the edit: %+v; want only newcode", links)
	}
}
