package gormstore_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/testkit"
)

// bundle is what most tests start from: a store with two workspaces and
// two accounts in the first.
type bundle struct {
	ctx   context.Context
	s     *gormstore.Store
	clock *testkit.Clock
	ws    serentak.Workspace // the workspace under test
	other serentak.Workspace // another tenant
	fb    serentak.Account
	ig    serentak.Account
}

func setup(t testing.TB) *bundle {
	t.Helper()
	return setupURL(t, "")
}

// setupURL is setup on the database at url ("": a new one), for tests that
// also reach it directly (storetest.SeedFuturePosts).
func setupURL(t testing.TB, url string) *bundle {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	b := &bundle{
		ctx:   context.Background(),
		s:     storetest.Open(t, gormstore.Config{URL: url, Now: clk.Now}),
		clock: clk,
	}
	b.ws = b.workspace(t, "Toko Keripik")
	b.other = b.workspace(t, "Toko Lain")
	b.fb = b.account(t, b.ws.ID, serentak.Facebook, "page-1")
	b.ig = b.account(t, b.ws.ID, serentak.Instagram, "ig-1")
	return b
}

func (b *bundle) workspace(t testing.TB, name string) serentak.Workspace {
	t.Helper()
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: name, Timezone: "Asia/Jakarta", Language: serentak.DefaultLanguage}
	key := serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: ws.ID, Hash: serentak.HashSecret(ws.ID + "-secret")}
	if err := b.s.CreateWorkspace(b.ctx, ws, key); err != nil {
		t.Fatalf("CreateWorkspace: %v", err)
	}
	ws.CreatedAt = b.clock.Now()
	return ws
}

func (b *bundle) account(t testing.TB, wsID string, p serentak.Platform, externalID string) serentak.Account {
	t.Helper()
	a, created, err := b.s.UpsertAccount(b.ctx, serentak.Account{
		ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: wsID, Platform: p, ExternalID: externalID,
		Name:  "Account " + externalID,
		Token: serentak.Token{AccessToken: "access-" + externalID, RefreshToken: "refresh-" + externalID},
	})
	if err != nil || !created {
		t.Fatalf("UpsertAccount = created %v, %v; want a new account", created, err)
	}
	return a
}

// newPost builds a post at at with one delivery per account, as the API
// would.
func newPost(wsID string, at time.Time, accounts ...serentak.Account) serentak.Post {
	p := serentak.Post{
		ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: wsID,
		Product:     &serentak.Product{Name: "Keripik Singkong", Price: &serentak.Price{Amount: 25000, Currency: "IDR"}, URL: "https://wa.me/6281234567890"},
		Hashtags:    []string{"umkm", "keripik"},
		Media:       []serentak.MediaRef{{URL: "https://cdn.example.com/k.jpg", Kind: serentak.MediaImage}},
		ScheduledAt: at,
		Status:      serentak.PostScheduled,
	}
	for _, a := range accounts {
		p.Deliveries = append(p.Deliveries, serentak.Delivery{
			ID: serentak.NewID(serentak.PrefixDelivery), AccountID: a.ID, Platform: a.Platform,
			Content:     serentak.Content{Text: "Keripik Singkong Rp25.000 https://wa.me/6281234567890", Link: "https://wa.me/6281234567890"},
			ScheduledAt: at, Status: serentak.DeliveryScheduled, Version: 1,
		})
	}
	return p
}

// post creates a post at at with a delivery on each account.
func (b *bundle) post(t testing.TB, at time.Time, accounts ...serentak.Account) serentak.Post {
	t.Helper()
	p, created, err := b.s.CreatePost(b.ctx, newPost(b.ws.ID, at, accounts...), nil)
	if err != nil || !created {
		t.Fatalf("CreatePost = created %v, %v", created, err)
	}
	return p
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *serentak.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want a *serentak.Error with code %q", err, code)
	}
}

func TestOpenSQLiteURLForms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct{ name, url string }{
		{"bare path", filepath.Join(dir, "a", "nested", "serentak.db")},
		{"file URI", "file:" + filepath.Join(dir, "b", "serentak.db")},
		{"sqlite URL", "sqlite://" + filepath.Join(dir, "c", "serentak.db")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := gormstore.Config{URL: tt.url, SecretKey: storetest.Key()}
			s, err := gormstore.Open(ctx, cfg)
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.url, err)
			}
			if s.Dialect() != gormstore.SQLite {
				t.Fatalf("Dialect = %q, want sqlite", s.Dialect())
			}
			for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "5000"} {
				var got string
				if err := gormstore.DB(s).Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
				}
			}
			ws := serentak.Workspace{ID: "ws_1", Name: "A"}
			if err := s.CreateWorkspace(ctx, ws, serentak.APIKey{ID: "key_1", Hash: "h"}); err != nil {
				t.Fatal(err)
			}
			s.Close()

			// Reopening migrates an existing schema without harm.
			s, err = gormstore.Open(ctx, cfg)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer s.Close()
			if _, err := s.FindWorkspaceByID(ctx, "ws_1"); err != nil {
				t.Fatalf("after reopen: %v", err)
			}
		})
	}
}

func TestOpenRefusesBadConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := gormstore.Open(ctx, gormstore.Config{URL: filepath.Join(t.TempDir(), "x.db"), SecretKey: []byte("short")}); err == nil {
		t.Error("Open with a 5-byte key succeeded")
	}
	if _, err := gormstore.Open(ctx, gormstore.Config{SecretKey: storetest.Key()}); err == nil {
		t.Error("Open with no URL succeeded")
	}
}

func TestMigrateTwiceAndPing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if err := b.s.Migrate(b.ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if err := b.s.Ping(b.ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := b.s.FindWorkspaceByID(b.ctx, b.ws.ID); err != nil {
		t.Fatal(err)
	}
}

func TestForeignKeysAreEnforced(t *testing.T) {
	t.Parallel()
	b := setup(t)
	err := gormstore.DB(b.s).Exec("INSERT INTO api_keys (id, workspace_id, hash, created_at) VALUES (?, ?, ?, ?)",
		"key_orphan", "ws_missing", "hash", b.clock.Now()).Error
	if err == nil {
		t.Fatal("an API key of a missing workspace was stored")
	}
	err = gormstore.DB(b.s).Exec("INSERT INTO api_keys (id, workspace_id, hash, created_at) VALUES (?, NULL, ?, ?)",
		"key_null", "hash2", b.clock.Now()).Error
	if err == nil {
		t.Fatal("an API key without a workspace was stored")
	}
}

func TestClosedStoreFailsPing(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	s.Close()
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("Ping on a closed store succeeded")
	}
}

// TestConcurrentOpen: the API, worker and scheduler may start together on
// a new database; each migrates it.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := gormstore.Open(context.Background(), gormstore.Config{URL: url, SecretKey: storetest.Key(), MaxOpenConns: 2})
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}
}

// On PostgreSQL the hot tables leave room on their pages for rows updated
// in place (migration 0001 says why).
func TestPostgresTablesLeaveRoomForUpdatesInPlace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if b.s.Dialect() != gormstore.Postgres {
		t.Skip("fillfactor is PostgreSQL's")
	}
	var rows []struct {
		Relname string
		Opts    string
	}
	err := gormstore.DB(b.s).Raw(`SELECT relname, COALESCE(array_to_string(reloptions, ','), '') AS opts FROM pg_class
		WHERE relname IN ('deliveries', 'posts', 'webhook_messages') AND relnamespace = current_schema()::regnamespace`).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Relname] = r.Opts
	}
	// fillfactor: room for updates in place; the autovacuum parameters
	// (migration 0017): the hot tables vacuumed after 1,000 + 1 % dead rows.
	const vacuum = ",autovacuum_vacuum_scale_factor=0.01,autovacuum_vacuum_threshold=1000"
	want := map[string]string{"deliveries": "fillfactor=70" + vacuum, "posts": "fillfactor=80" + vacuum,
		"webhook_messages": vacuum[1:]}
	if !maps.Equal(got, want) {
		t.Fatalf("storage options after Open = %v, want %v", got, want)
	}
}
