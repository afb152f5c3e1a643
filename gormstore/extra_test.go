package gormstore_test

import (
	"context"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore/storetest"
)

func TestCreateAPIKey(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Toko", Timezone: "Asia/Jakarta"}
	if err := s.CreateWorkspace(ctx, ws, serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), Hash: serentak.HashSecret("first")}); err != nil {
		t.Fatal(err)
	}
	second := serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: ws.ID, Hash: serentak.HashSecret("second")}
	if err := s.CreateAPIKey(ctx, second); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindAPIKeyByHash(ctx, serentak.HashSecret("second"))
	if err != nil || got.WorkspaceID != ws.ID {
		t.Fatalf("FindAPIKeyByHash = %+v, %v; want the second key of %s", got, err, ws.ID)
	}
	orphan := serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: "ws_missing", Hash: serentak.HashSecret("x")}
	if err := s.CreateAPIKey(ctx, orphan); serentak.ErrorCode(err) != serentak.ECodeNotFound {
		t.Fatalf("CreateAPIKey for a missing workspace = %v, want not_found", err)
	}
}

func TestFindPostByIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Toko", Timezone: "Asia/Jakarta"}
	if err := s.CreateWorkspace(ctx, ws, serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), Hash: serentak.HashSecret("k")}); err != nil {
		t.Fatal(err)
	}
	acc, _, err := s.UpsertAccount(ctx, serentak.Account{ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: ws.ID,
		Platform: serentak.Facebook, ExternalID: "1", Name: "Page", Status: serentak.AccountActive, Token: serentak.Token{AccessToken: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	idem := serentak.IdempotencyKey{Key: "k1", RequestHash: "h1"}
	if _, found, err := s.FindPostByIdempotencyKey(ctx, ws.ID, idem); found || err != nil {
		t.Fatalf("unused key: found=%v err=%v", found, err)
	}
	post := serentak.Post{ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: ws.ID, Caption: "x", Status: serentak.PostScheduled,
		Deliveries: []serentak.Delivery{{ID: serentak.NewID(serentak.PrefixDelivery), WorkspaceID: ws.ID, AccountID: acc.ID,
			Platform: serentak.Facebook, Status: serentak.DeliveryScheduled, Version: 1}}}
	if _, _, err := s.CreatePost(ctx, post, &idem); err != nil {
		t.Fatal(err)
	}
	got, found, err := s.FindPostByIdempotencyKey(ctx, ws.ID, idem)
	if err != nil || !found || got.ID != post.ID {
		t.Fatalf("replay: %v found=%v err=%v", got.ID, found, err)
	}
	if _, _, err := s.FindPostByIdempotencyKey(ctx, ws.ID, serentak.IdempotencyKey{Key: "k1", RequestHash: "other"}); serentak.ErrorCode(err) != serentak.ECodeConflict {
		t.Fatalf("other body: %v, want conflict", err)
	}
	if _, found, _ := s.FindPostByIdempotencyKey(ctx, "ws_other", idem); found {
		t.Fatal("another workspace found this workspace's key")
	}
}
