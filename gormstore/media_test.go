package gormstore_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

func TestMediaInspectionRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := serentak.Media{
		ID: serentak.NewID(serentak.PrefixMedia), WorkspaceID: b.ws.ID, ContentType: "video/quicktime",
		Size: 1 << 30, Kind: serentak.MediaVideo, StorageKey: "k", CreatedAt: b.clock.Now(),
		Inspection: serentak.Inspection{Width: 1080, Height: 1920, DurationMS: 61500, VideoCodec: "hevc", AudioCodec: "aac", FrameRate: 29.97},
	}
	m.StorageKey = m.ID
	if err := b.s.CreateMedia(b.ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindMediaByID(b.ctx, b.ws.ID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("FindMediaByID (-want +got):\n%s", diff)
	}
}

func TestDeleteMedia(t *testing.T) {
	t.Parallel()
	b := setup(t)
	newMedia := func() serentak.Media {
		m := serentak.Media{ID: serentak.NewID(serentak.PrefixMedia), WorkspaceID: b.ws.ID, ContentType: "image/jpeg",
			Size: 10, Kind: serentak.MediaImage, CreatedAt: b.clock.Now()}
		m.StorageKey = m.ID
		if err := b.s.CreateMedia(b.ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	t.Run("unused media is deleted and returned", func(t *testing.T) {
		m := newMedia()
		got, err := b.s.DeleteMedia(b.ctx, b.ws.ID, m.ID)
		if err != nil || got.StorageKey != m.ID {
			t.Fatalf("DeleteMedia = %+v, %v", got, err)
		}
		_, err = b.s.FindMediaByID(b.ctx, b.ws.ID, m.ID)
		wantCode(t, err, serentak.ECodeNotFound)
		_, err = b.s.DeleteMedia(b.ctx, b.ws.ID, m.ID)
		wantCode(t, err, serentak.ECodeNotFound)
	})
	t.Run("another workspace's media is not found", func(t *testing.T) {
		m := newMedia()
		_, err := b.s.DeleteMedia(b.ctx, b.other.ID, m.ID)
		wantCode(t, err, serentak.ECodeNotFound)
		if _, err := b.s.FindMediaByID(b.ctx, b.ws.ID, m.ID); err != nil {
			t.Fatalf("the media is gone after another workspace's delete: %v", err)
		}
	})
	t.Run("media of a scheduled post is refused until the post is canceled", func(t *testing.T) {
		m := newMedia()
		other := newMedia()
		p := newPost(b.ws.ID, b.clock.Now().Add(1), b.fb)
		ref := serentak.MediaRef{ID: m.ID, Kind: m.Kind, ContentType: m.ContentType, Size: m.Size}
		p.Media = []serentak.MediaRef{ref}
		p.Deliveries[0].Content.Media = p.Media
		p, _, err := b.s.CreatePost(b.ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.s.DeleteMedia(b.ctx, b.ws.ID, m.ID)
		wantCode(t, err, serentak.ECodeConflict)
		if _, err := b.s.DeleteMedia(b.ctx, b.ws.ID, other.ID); err != nil {
			t.Fatalf("media not in any post: %v", err)
		}
		if _, err := b.s.CancelPost(b.ctx, b.ws.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.s.DeleteMedia(b.ctx, b.ws.ID, m.ID); err != nil {
			t.Fatalf("media of a canceled post: %v", err)
		}
	})
	t.Run("media of a post awaiting approval is refused until the post is canceled", func(t *testing.T) {
		m := newMedia()
		p := newPost(b.ws.ID, b.clock.Now().Add(1), b.fb)
		p.Media = []serentak.MediaRef{{ID: m.ID, Kind: m.Kind, ContentType: m.ContentType, Size: m.Size}}
		p.Deliveries[0].Content.Media = p.Media
		p.Deliveries[0].Status = serentak.DeliveryPendingApproval
		p, _, err := b.s.CreatePost(b.ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.s.DeleteMedia(b.ctx, b.ws.ID, m.ID)
		wantCode(t, err, serentak.ECodeConflict)
		got, err := b.s.CancelPost(b.ctx, b.ws.ID, p.ID)
		if err != nil || got.Status != serentak.PostCanceled {
			t.Fatalf("canceling a post awaiting approval: %v, %v", got.Status, err)
		}
		if _, err := b.s.DeleteMedia(b.ctx, b.ws.ID, m.ID); err != nil {
			t.Fatalf("media of a canceled post: %v", err)
		}
	})
}
