package storetest_test

import (
	"context"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore/storetest"
)

func TestStoresAreFreshAndSeparate(t *testing.T) {
	ctx := context.Background()
	a, b := storetest.New(t), storetest.New(t)
	if storetest.URL(t) == storetest.URL(t) {
		t.Error("URL returned the same database twice")
	}
	if err := a.CreateWorkspace(ctx, serentak.Workspace{ID: "ws_1", Name: "a"}, serentak.APIKey{ID: "key_1", Hash: "h"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.FindWorkspaceByID(ctx, "ws_1"); serentak.ErrorCode(err) != serentak.ECodeNotFound {
		t.Errorf("a workspace made in one test store is visible in another: %v", err)
	}
	if err := b.CreateWorkspace(ctx, serentak.Workspace{ID: "ws_1", Name: "b"}, serentak.APIKey{ID: "key_1", Hash: "h"}); err != nil {
		t.Errorf("the same IDs in a second store: %v", err)
	}
}
