// Package gormstore is Serentak's storage: PostgreSQL or SQLite through
// GORM. It is the only package that imports GORM; rows are converted to the
// domain types of package serentak at its edge. Every query a tenant can
// reach is scoped by workspace here, not only in the handlers.
//
// CONTRACT STUB: signatures fixed for the other packages; bodies to be written.
package gormstore

import (
	"context"
	"time"

	"github.com/serentak/serentak"
)

// Config opens a Store.
type Config struct {
	// URL is "postgres://…" (or "postgresql://…") or a SQLite path/URL
	// ("data/serentak.db", "file:data/serentak.db", "sqlite://data/serentak.db").
	URL string
	// SecretKey is the 32-byte key that encrypts account tokens at rest.
	SecretKey []byte
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxOpenConns caps the pool (PostgreSQL); 0 picks a default.
	MaxOpenConns int
}

// Store is the database.
type Store struct{}

// Open connects and runs the migrations.
func Open(ctx context.Context, cfg Config) (*Store, error) { panic("TODO") }

// Migrate creates or updates the schema; Open calls it.
func (s *Store) Migrate(ctx context.Context) error { panic("TODO") }
func (s *Store) Close() error                      { panic("TODO") }
func (s *Store) Ping(ctx context.Context) error    { panic("TODO") }

// ---- workspaces and keys

func (s *Store) CreateWorkspace(ctx context.Context, ws serentak.Workspace, key serentak.APIKey) error {
	panic("TODO")
}
func (s *Store) FindWorkspaceByID(ctx context.Context, id string) (serentak.Workspace, error) {
	panic("TODO")
}
func (s *Store) FindAPIKeyByHash(ctx context.Context, hash string) (serentak.APIKey, error) {
	panic("TODO")
}

// ---- accounts

func (s *Store) UpsertAccount(ctx context.Context, a serentak.Account) (serentak.Account, bool, error) {
	panic("TODO")
}
func (s *Store) FindAccountByID(ctx context.Context, workspaceID, id string) (serentak.Account, error) {
	panic("TODO")
}
func (s *Store) FindAccounts(ctx context.Context, workspaceID string) ([]serentak.Account, error) {
	panic("TODO")
}
func (s *Store) UpdateAccountToken(ctx context.Context, workspaceID, id string, t serentak.Token) error {
	panic("TODO")
}
func (s *Store) MarkAccountNeedsReauth(ctx context.Context, workspaceID, id, reason string) error {
	panic("TODO")
}

// ---- media

func (s *Store) CreateMedia(ctx context.Context, m serentak.Media) error { panic("TODO") }
func (s *Store) FindMediaByID(ctx context.Context, workspaceID, id string) (serentak.Media, error) {
	panic("TODO")
}

// ---- posts

// IdempotencyKey is a client's Idempotency-Key with the hash of the request
// body it came with.
type IdempotencyKey struct {
	Key         string
	RequestHash string
}

// PostFilter selects posts of a workspace, newest scheduled first.
type PostFilter struct {
	Status serentak.PostStatus // empty: any
	Limit  int                 // 1..100; 0 means 20
	Cursor string              // from a previous page; empty for the first
}

func (s *Store) CreatePost(ctx context.Context, p serentak.Post, idem *IdempotencyKey) (serentak.Post, bool, error) {
	panic("TODO")
}
func (s *Store) FindPostByID(ctx context.Context, workspaceID, id string) (serentak.Post, error) {
	panic("TODO")
}
func (s *Store) FindPosts(ctx context.Context, workspaceID string, f PostFilter) ([]serentak.Post, string, error) {
	panic("TODO")
}
func (s *Store) CancelPost(ctx context.Context, workspaceID, id string) (serentak.Post, error) {
	panic("TODO")
}
func (s *Store) ReschedulePost(ctx context.Context, workspaceID, id string, at time.Time) (serentak.Post, error) {
	panic("TODO")
}

// ---- scheduling

// DueDelivery is what the scheduler needs to enqueue a delivery.
type DueDelivery struct {
	ID          string
	Platform    serentak.Platform
	Version     int
	ScheduledAt time.Time
}

func (s *Store) FindDueDeliveries(ctx context.Context, before time.Time, limit int) ([]DueDelivery, error) {
	panic("TODO")
}
func (s *Store) MarkEnqueued(ctx context.Context, ds []DueDelivery, at time.Time) error {
	panic("TODO")
}
func (s *Store) ResetEnqueued(ctx context.Context) (int64, error) { panic("TODO") }
func (s *Store) FindStrandedDeliveries(ctx context.Context, now time.Time, grace time.Duration, limit int) ([]DueDelivery, error) {
	panic("TODO")
}

// ---- publishing (the worker)

// Claim is a delivery a worker holds, with its account (tokens decrypted).
type Claim struct {
	Delivery serentak.Delivery
	Account  serentak.Account
	// Token proves the claim; every later write of this attempt carries it,
	// so a worker whose lease ran out cannot overwrite its successor's work.
	Token string
}

func (s *Store) ClaimDelivery(ctx context.Context, id string, version int, leaseUntil time.Time) (Claim, bool, error) {
	panic("TODO")
}
func (s *Store) SaveCheckpoint(ctx context.Context, c Claim, cp serentak.Checkpoint, leaseUntil time.Time) error {
	panic("TODO")
}
func (s *Store) CompleteDelivery(ctx context.Context, c Claim, r serentak.Result) error {
	panic("TODO")
}
func (s *Store) FailDelivery(ctx context.Context, c Claim, e serentak.DeliveryError) error {
	panic("TODO")
}
func (s *Store) RetryDelivery(ctx context.Context, c Claim, e serentak.DeliveryError, retryAt time.Time) error {
	panic("TODO")
}
