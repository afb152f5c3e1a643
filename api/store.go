package api

import (
	"context"
	"time"

	"github.com/serentak/serentak"
)

// Store is what the API needs from storage. *gormstore.Store satisfies it;
// the two gormstore types in it are plain structs (no GORM in api).
//
// Errors the API relies on: *serentak.Error not_found for a missing (or
// other workspace's) resource, conflict for an idempotency key reused with
// another body and for a reschedule with nothing left to reschedule.
type Store interface {
	CreateWorkspace(ctx context.Context, ws serentak.Workspace, key serentak.APIKey) error
	FindWorkspaceByID(ctx context.Context, id string) (serentak.Workspace, error)
	FindAPIKeyByHash(ctx context.Context, hash string) (serentak.APIKey, error)

	UpsertAccount(ctx context.Context, a serentak.Account) (serentak.Account, bool, error)
	FindAccountByID(ctx context.Context, workspaceID, id string) (serentak.Account, error)
	FindAccounts(ctx context.Context, workspaceID string) ([]serentak.Account, error)

	CreateMedia(ctx context.Context, m serentak.Media) error
	FindMediaByID(ctx context.Context, workspaceID, id string) (serentak.Media, error)

	CreatePost(ctx context.Context, p serentak.Post, idem *serentak.IdempotencyKey) (serentak.Post, bool, error)
	FindPostByID(ctx context.Context, workspaceID, id string) (serentak.Post, error)
	FindPosts(ctx context.Context, workspaceID string, f serentak.PostFilter) ([]serentak.Post, string, error)
	CancelPost(ctx context.Context, workspaceID, id string) (serentak.Post, error)
	ReschedulePost(ctx context.Context, workspaceID, id string, at time.Time) (serentak.Post, error)
}

// KeyCreator is the optional store capability behind
// POST /v1/workspaces/{ws}/keys: storing one more key of a workspace.
type KeyCreator interface {
	CreateAPIKey(ctx context.Context, key serentak.APIKey) error
}

// IdempotencyFinder is the optional store capability that makes a replayed
// request answer the first post even when its body no longer validates
// (its scheduled_at has passed, an account needs reauth): a replay is
// looked up before validation. Without it, a replay is answered by
// CreatePost after validation, which covers every replay that still
// validates.
//
// It returns found=false when no live post has the key, and a conflict
// error when the key was used with another request body.
type IdempotencyFinder interface {
	FindPostByIdempotencyKey(ctx context.Context, workspaceID string, idem serentak.IdempotencyKey) (p serentak.Post, found bool, err error)
}
