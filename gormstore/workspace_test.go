package gormstore_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

func TestWorkspaces(t *testing.T) {
	t.Parallel()
	b := setup(t)

	got, err := b.s.FindWorkspaceByID(b.ctx, b.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b.ws, got); diff != "" {
		t.Errorf("FindWorkspaceByID (-want +got):\n%s", diff)
	}
	_, err = b.s.FindWorkspaceByID(b.ctx, "ws_missing")
	wantCode(t, err, serentak.ECodeNotFound)

	key, err := b.s.FindAPIKeyByHash(b.ctx, serentak.HashSecret(b.ws.ID+"-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if key.WorkspaceID != b.ws.ID || key.Hash != serentak.HashSecret(b.ws.ID+"-secret") || !serentak.HasPrefix(key.ID, serentak.PrefixKey) {
		t.Errorf("FindAPIKeyByHash = %+v", key)
	}
	_, err = b.s.FindAPIKeyByHash(b.ctx, serentak.HashSecret("wrong"))
	wantCode(t, err, serentak.ECodeNotFound)

	err = b.s.CreateWorkspace(b.ctx, b.ws, serentak.APIKey{ID: "key_again", Hash: "another"})
	wantCode(t, err, serentak.ECodeConflict)
}

func TestWorkspaceDefaultsTimezone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if err := b.s.CreateWorkspace(b.ctx, serentak.Workspace{ID: "ws_tz", Name: "x"}, serentak.APIKey{ID: "key_tz", Hash: "tz"}); err != nil {
		t.Fatal(err)
	}
	ws, err := b.s.FindWorkspaceByID(b.ctx, "ws_tz")
	if err != nil {
		t.Fatal(err)
	}
	if ws.Timezone != serentak.DefaultTimezone {
		t.Errorf("Timezone = %q, want %q", ws.Timezone, serentak.DefaultTimezone)
	}
}

func TestMedia(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := serentak.Media{
		ID: serentak.NewID(serentak.PrefixMedia), WorkspaceID: b.ws.ID, ContentType: "image/jpeg",
		Size: 12345, Kind: serentak.MediaImage, StorageKey: "ab/cd/ef.jpg",
	}
	if err := b.s.CreateMedia(b.ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.FindMediaByID(b.ctx, b.ws.ID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	m.CreatedAt = b.clock.Now()
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("FindMediaByID (-want +got):\n%s", diff)
	}
	_, err = b.s.FindMediaByID(b.ctx, b.other.ID, m.ID)
	wantCode(t, err, serentak.ECodeNotFound)
	_, err = b.s.FindMediaByID(b.ctx, b.ws.ID, "med_missing")
	wantCode(t, err, serentak.ECodeNotFound)
}
