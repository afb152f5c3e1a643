package gormstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

// Keys carry a role, a name and a prefix; a revoked key is no longer
// found by its hash nor listed; its use is recorded at most once a minute.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first, err := b.s.FindAPIKeyByHash(b.ctx, serentak.HashSecret(b.ws.ID+"-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Role != serentak.RoleOwner {
		t.Errorf("a workspace's first key without a role has role %q, want owner", first.Role)
	}

	b.clock.Advance(time.Second)
	k := serentak.APIKey{
		ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: b.ws.ID, Hash: serentak.HashSecret("sk_editor"),
		Role: serentak.RoleEditor, Name: "Mobile app", Prefix: "sk_edit", CreatedAt: b.clock.Now(),
	}
	if err := b.s.CreateAPIKey(b.ctx, k); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.s.CreateAPIKey(b.ctx, serentak.APIKey{ID: "key_bad", WorkspaceID: b.ws.ID, Hash: "x", Role: "root"}), serentak.ECodeValidation)
	wantCode(t, b.s.CreateAPIKey(b.ctx, serentak.APIKey{ID: "key_nows", WorkspaceID: "ws_missing", Hash: "y"}), serentak.ECodeNotFound)

	got, err := b.s.FindAPIKeyByHash(b.ctx, k.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(k, got); diff != "" {
		t.Errorf("FindAPIKeyByHash (-want +got):\n%s", diff)
	}
	keys, err := b.s.FindAPIKeys(b.ctx, b.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != first.ID || keys[1].ID != k.ID {
		t.Fatalf("FindAPIKeys = %+v, want the first key then the editor key", keys)
	}
	if other, err := b.s.FindAPIKeys(b.ctx, b.other.ID); err != nil || len(other) != 1 || other[0].WorkspaceID != b.other.ID {
		t.Errorf("the other workspace's keys: %+v, %v", other, err)
	}

	// Use: recorded, then not again within a minute, then again.
	used := b.clock.Now()
	for _, at := range []time.Time{used, used.Add(30 * time.Second), used.Add(59 * time.Second)} {
		if err := b.s.TouchAPIKey(b.ctx, k.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := b.s.FindAPIKeyByHash(b.ctx, k.Hash); got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Errorf("last used %v, want %v (uses within a minute are not written)", got.LastUsedAt, used)
	}
	later := used.Add(time.Minute)
	if err := b.s.TouchAPIKey(b.ctx, k.ID, later); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.s.FindAPIKeyByHash(b.ctx, k.Hash); got.LastUsedAt == nil || !got.LastUsedAt.Equal(later) {
		t.Errorf("last used %v, want %v", got.LastUsedAt, later)
	}

	// Revoking: another workspace cannot, then the key is gone at once.
	wantCode(t, b.s.RevokeAPIKey(b.ctx, b.other.ID, k.ID), serentak.ECodeNotFound)
	if err := b.s.RevokeAPIKey(b.ctx, b.ws.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err = b.s.FindAPIKeyByHash(b.ctx, k.Hash)
	wantCode(t, err, serentak.ECodeNotFound)
	wantCode(t, b.s.RevokeAPIKey(b.ctx, b.ws.ID, k.ID), serentak.ECodeNotFound)
	if keys, _ := b.s.FindAPIKeys(b.ctx, b.ws.ID); len(keys) != 1 || keys[0].ID != first.ID {
		t.Errorf("keys after revoking = %+v, want the first only", keys)
	}
}
