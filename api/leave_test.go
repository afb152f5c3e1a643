package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
)

// workspaceTables are the tables with a workspace_id column: after a
// deletion none may hold a row of the workspace.
var workspaceTables = []string{"api_keys", "accounts", "media", "posts", "deliveries", "idempotency_keys",
	"templates", "oauth_states", "reconnect_links", "memberships", "approval_links", "audit_entries",
	"webhook_endpoints", "webhook_messages", "webhook_attempts"}

// leaveBundle is setup with a second connection to the store's
// database, to count and read raw rows.
func leaveBundle(t *testing.T, opts ...func(*api.Config)) (*bundle, *sql.DB) {
	b, db, _ := leaveBundleURL(t, opts...)
	return b, db
}

func leaveBundleURL(t *testing.T, opts ...func(*api.Config)) (*bundle, *sql.DB, string) {
	t.Helper()
	url := storetest.URL(t)
	st := storetest.Open(t, gormstore.Config{URL: url})
	b := setup(t, append([]func(*api.Config){func(c *api.Config) { c.Store = st }}, opts...)...)
	b.store = st
	return b, storetest.OpenSQL(t, url), url
}

// The export reads posts a page at a time: every one of more posts than
// a page holds is in it, once.
func TestExportPagesThroughManyPosts(t *testing.T) {
	b, _, url := leaveBundleURL(t)
	ws, owner := b.workspace("Toko Ramai")
	accID := b.account(ws, owner, serentak.Facebook, "111")
	acc, err := b.store.FindAccountByID(context.Background(), ws, accID)
	if err != nil {
		t.Fatal(err)
	}
	const n = 350
	storetest.SeedFuturePosts(t, b.store, url, acc, n, b.now.Add(time.Hour), time.Minute)
	resp := b.do("GET", "/v1/workspaces/"+ws+"/export", owner, nil)
	b.expect(resp, http.StatusOK)
	var out struct {
		Posts []struct{ ID string } `json:"posts"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range out.Posts {
		seen[p.ID] = true
	}
	if len(out.Posts) != n || len(seen) != n {
		t.Errorf("export has %d posts (%d distinct), want %d", len(out.Posts), len(seen), n)
	}
}

// rowsOf counts, per table, the rows of workspace ws (account_health by
// its accounts, workspaces by id).
func rowsOf(t *testing.T, db *sql.DB, ws string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	count := func(name, q string) {
		var n int64
		if err := db.QueryRow(q, ws).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		out[name] = n
	}
	for _, table := range workspaceTables {
		count(table, "SELECT COUNT(*) FROM "+table+" WHERE workspace_id = $1")
	}
	count("account_health", "SELECT COUNT(*) FROM account_health WHERE account_id IN (SELECT id FROM accounts WHERE workspace_id = $1)")
	count("workspaces", "SELECT COUNT(*) FROM workspaces WHERE id = $1")
	return out
}

// column reads one text column of the rows where col = v.
func column(t *testing.T, db *sql.DB, table, want, col, v string) []string {
	t.Helper()
	rows, err := db.Query("SELECT "+want+" FROM "+table+" WHERE "+col+" = $1", v)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// fill gives workspace ws something in most tables: accounts (one with a
// known token), media, a scheduled post, a template, a member, a key.
func fill(t *testing.T, b *bundle, ws, owner string) (mediaID string) {
	t.Helper()
	acc := b.account(ws, owner, serentak.Facebook, "111")
	mediaID = b.expect(b.upload(ws, owner, "a.png", "image/png", pngBytes), http.StatusCreated)["id"].(string)
	body := postBody(acc)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", owner, body, "Idempotency-Key", "k-"+ws), http.StatusCreated)
	b.expect(b.do("PUT", "/v1/workspaces/"+ws+"/templates/all/en", owner, map[string]any{"footer": "Buka 08.00–20.00"}), http.StatusOK)
	b.user("m-" + strings.ToLower(ws) + "@example.com")
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members", owner, map[string]any{"email": "m-" + strings.ToLower(ws) + "@example.com", "role": "editor"}), http.StatusCreated)
	hook := b.webhook(ws, owner)["id"].(string)
	b.webhookAttempt(ws, owner, hook)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", owner, map[string]any{"name": "ci", "role": "editor"}), http.StatusCreated)
	return mediaID
}

func TestExportHasEverythingButSecrets(t *testing.T) {
	b, db := leaveBundle(t)
	ws, owner := b.workspace("Toko Budi")
	fill(t, b, ws, owner)
	const access, refresh = "act.export-access-secret", "rft.export-refresh-secret"
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/accounts", owner, map[string]any{
		"platform": "tiktok", "external_id": "open-1", "name": "Sari", "access_token": access, "refresh_token": refresh,
	}), http.StatusCreated)
	admin := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", owner, map[string]any{"name": "adm", "role": "admin"}), http.StatusCreated)["api_key"].(string)

	// Only the own power: an admin may not take the data away.
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/export", admin, nil), http.StatusForbidden, "forbidden")

	resp := b.do("GET", "/v1/workspaces/"+ws+"/export", owner, nil)
	b.expect(resp, http.StatusOK)
	wantCD := `attachment; filename="serentak-` + ws + `-` + b.now.Format("2006-01-02") + `.json"`
	if cd := resp.header.Get("Content-Disposition"); cd != wantCD {
		t.Errorf("Content-Disposition %q, want %q", cd, wantCD)
	}
	var out struct {
		Workspace struct{ ID string }          `json:"workspace"`
		Accounts  []map[string]any             `json:"accounts"`
		Templates []map[string]any             `json:"templates"`
		Members   []map[string]any             `json:"members"`
		Keys      []map[string]any             `json:"keys"`
		Webhooks  []map[string]any             `json:"webhooks"`
		Media     []map[string]any             `json:"media"`
		Posts     []struct{ Deliveries []any } `json:"posts"`
		Audit     []struct{ Action string }    `json:"audit"`
	}
	if err := json.Unmarshal(resp.body, &out); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, resp.body)
	}
	if out.Workspace.ID != ws || len(out.Accounts) != 2 || len(out.Templates) != 1 || len(out.Members) != 1 ||
		len(out.Keys) != 3 || len(out.Webhooks) != 1 || len(out.Media) != 1 || len(out.Posts) != 1 || len(out.Posts[0].Deliveries) != 1 {
		t.Errorf("export incomplete: %s", resp.body)
	}
	// The audit log comes with it, newest first: the admin key made last.
	if len(out.Audit) == 0 || out.Audit[0].Action != "key.create" {
		t.Errorf("export's audit log: %+v, want the workspace's changes, the key's creation first", out.Audit)
	}
	// No token, plain or sealed as stored, and no key hash.
	secrets := []string{access, refresh, "EAAB-token-111", owner, admin}
	secrets = append(secrets, column(t, db, "accounts", "access_token", "workspace_id", ws)...)
	secrets = append(secrets, column(t, db, "accounts", "refresh_token", "workspace_id", ws)...)
	secrets = append(secrets, column(t, db, "api_keys", "hash", "workspace_id", ws)...)
	secrets = append(secrets, column(t, db, "webhook_endpoints", "secret", "workspace_id", ws)...)
	if out.Webhooks[0]["secret"] != nil {
		t.Errorf("the export shows a webhook's secret: %v", out.Webhooks[0])
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(string(resp.body), s) {
			t.Errorf("the export contains the secret %q", s)
		}
	}
}

// failingRevoker stands for a platform that refuses the revocation.
type failingRevoker struct{ calls *int }

func (f failingRevoker) RevokeToken(context.Context, serentak.Account) error {
	*f.calls++
	return errors.New("platform down")
}

func TestDeleteWorkspaceRevokesAndErasesEverything(t *testing.T) {
	tt := faketiktok.New(faketiktok.WithClient("ck", "cs"))
	t.Cleanup(tt.Close)
	yt := fakeyoutube.New()
	t.Cleanup(yt.Close)
	yt.AddRefreshToken("UC-chan", "yt-refresh-secret")
	ytPub, err := youtube.New(youtube.Config{BaseURL: yt.URL, TokenURL: yt.TokenURL()})
	if err != nil {
		t.Fatal(err)
	}
	fbCalls := 0
	b, db := leaveBundle(t, func(c *api.Config) {
		c.Revokers = map[serentak.Platform]serentak.TokenRevoker{
			serentak.TikTok:   tiktok.New(tiktok.Config{BaseURL: tt.URL, ClientKey: "ck", ClientSecret: "cs"}),
			serentak.YouTube:  ytPub,
			serentak.Facebook: failingRevoker{&fbCalls}, // a failure does not stop the deletion
		}
	})
	ws, owner := b.workspace("Toko Budi")
	other, otherOwner := b.workspace("Toko Lain")
	med := fill(t, b, ws, owner)
	otherMed := fill(t, b, other, otherOwner)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/accounts", owner, map[string]any{
		"platform": "tiktok", "external_id": "open-1", "access_token": "act.tt-access", "refresh_token": "rft.tt-refresh",
	}), http.StatusCreated)
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/accounts", owner, map[string]any{
		"platform": "youtube", "external_id": "UC-chan", "access_token": "ya29.yt-access", "refresh_token": "yt-refresh-secret",
	}), http.StatusCreated)
	admin := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", owner, map[string]any{"name": "adm", "role": "admin"}), http.StatusCreated)["api_key"].(string)
	key := column(t, db, "media", "storage_key", "id", med)[0]
	otherKey := column(t, db, "media", "storage_key", "id", otherMed)[0]
	otherBefore := rowsOf(t, db, other)
	// Unfinished resumable uploads, in each workspace.
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/uploads", owner, map[string]any{"size": 1000}), http.StatusCreated)
	b.expect(b.do("POST", "/v1/workspaces/"+other+"/uploads", otherOwner, map[string]any{"size": 1000}), http.StatusCreated)

	b.expectError(b.do("DELETE", "/v1/workspaces/"+ws, admin, nil), http.StatusForbidden, "forbidden")
	b.expect(b.do("DELETE", "/v1/workspaces/"+ws, owner, nil), http.StatusNoContent)

	if got := tt.Revoked(); !slices.Equal(got, []string{"act.tt-access"}) {
		t.Errorf("TikTok revoked %v, want the access token", got)
	}
	if got := yt.Revoked(); !slices.Equal(got, []string{"yt-refresh-secret"}) {
		t.Errorf("Google revoked %v, want the refresh token", got)
	}
	if fbCalls != 1 || !strings.Contains(b.logs.String(), "could not revoke") {
		t.Errorf("the failing revoker: %d calls; the log must say so: %s", fbCalls, b.logs.String())
	}
	for table, n := range rowsOf(t, db, ws) {
		if n != 0 {
			t.Errorf("%s keeps %d rows of the deleted workspace", table, n)
		}
	}
	if after := rowsOf(t, db, other); !equalCounts(after, otherBefore) {
		t.Errorf("the other workspace changed: %v, was %v", after, otherBefore)
	}
	if _, _, _, err := b.blobs.Open(context.Background(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("the deleted workspace's media bytes remain: %v", err)
	}
	if rc, _, _, err := b.blobs.Open(context.Background(), otherKey); err != nil {
		t.Errorf("the other workspace's media bytes are gone: %v", err)
	} else {
		rc.Close()
	}
	if _, err := os.Stat(filepath.Join(b.blobs.Dir, ".uploads", ws)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deleted workspace's unfinished uploads remain: %v", err)
	}
	if _, err := os.Stat(filepath.Join(b.blobs.Dir, ".uploads", other)); err != nil {
		t.Errorf("the other workspace's uploads are gone: %v", err)
	}
	b.expectError(b.do("GET", "/v1/workspaces/"+ws, adminKey, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("GET", "/v1/workspaces/"+ws, owner, nil), http.StatusUnauthorized, "unauthorized")
	b.expect(b.do("GET", "/v1/workspaces/"+other, otherOwner, nil), http.StatusOK)
	// The members' users stay: they may belong elsewhere.
	if users := column(t, db, "users", "id", "email", "m-"+strings.ToLower(ws)+"@example.com"); len(users) != 1 {
		t.Errorf("the member's user was deleted with the workspace")
	}
}

func equalCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
