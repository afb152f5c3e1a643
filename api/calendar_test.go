package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

// listIDs reads every page of GET …/posts?query, limit 1 at a time, and
// returns the posts' IDs in the order given.
func listIDs(b *bundle, ws, key string, query url.Values) []string {
	b.t.Helper()
	var got []string
	query.Set("limit", "1")
	for range 50 {
		m := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts?"+query.Encode(), key, nil), http.StatusOK)
		for _, p := range m["data"].([]any) {
			got = append(got, p.(map[string]any)["id"].(string))
		}
		next, _ := m["next_cursor"].(string)
		if next == "" {
			return got
		}
		query.Set("cursor", next)
	}
	b.t.Fatal("more than 50 pages")
	return nil
}

func TestListPostsFilters(t *testing.T) {
	b := setup(t, func(c *api.Config) {
		c.Publishers = map[serentak.Platform]bool{serentak.Facebook: true, serentak.Instagram: true}
	})
	ws, key := b.workspace("Toko Budi") // Asia/Jakarta, UTC+7
	fb := b.account(ws, key, serentak.Facebook, "111")
	ig := b.account(ws, key, serentak.Instagram, "ig-1")
	jkt := time.FixedZone("WIB", 7*3600)
	// Midnight of the day after tomorrow in Jakarta, and that date.
	d := b.now.In(jkt).AddDate(0, 0, 2)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, jkt)
	date := day.Format(time.DateOnly)
	create := func(at time.Time, accounts ...string) string {
		body := postBody(accounts...)
		body["scheduled_at"] = at.Format(time.RFC3339)
		return b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)["id"].(string)
	}
	before := create(day.Add(-time.Minute), fb)               // the evening before, in Jakarta
	morning := create(day.Add(9*time.Hour), fb, ig)           // 02:00 UTC
	noon := create(day.Add(12*time.Hour), ig)                 // 05:00 UTC
	night := create(day.Add(23*time.Hour+59*time.Minute), fb) // 16:59 UTC
	next := create(day.Add(24*time.Hour), fb)                 // midnight of the next day
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts/"+noon+"/cancel", key, nil), http.StatusOK)

	for _, tt := range []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"a day in the workspace's timezone", url.Values{"from": {date}, "to": {day.AddDate(0, 0, 1).Format(time.DateOnly)}, "order": {"asc"}}, []string{morning, noon, night}},
		{"the same day in RFC 3339", url.Values{"from": {day.UTC().Format(time.RFC3339)}, "to": {day.Add(24 * time.Hour).Format(time.RFC3339)}, "order": {"asc"}}, []string{morning, noon, night}},
		{"newest first by default", url.Values{"from": {date}}, []string{next, night, noon, morning}},
		{"before a date", url.Values{"to": {date}}, []string{before}},
		{"account", url.Values{"account_id": {ig}, "order": {"asc"}}, []string{morning, noon}},
		{"platform", url.Values{"platform": {"facebook"}, "order": {"asc"}}, []string{before, morning, night, next}},
		{"statuses", url.Values{"status": {"canceled", "failed"}}, []string{noon}},
		{"status and platform", url.Values{"status": {"scheduled"}, "platform": {"instagram"}}, []string{morning}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := listIDs(b, ws, key, tt.query); !slices.Equal(got, tt.want) {
				t.Errorf("GET …/posts?%s = %v, want %v", tt.query.Encode(), got, tt.want)
			}
		})
	}

	t.Run("values that do not parse", func(t *testing.T) {
		for query, field := range map[string]string{
			"from=yesterday":                   "from",
			"to=2026-13-01":                    "to",
			"from=2026-12-02&to=2026-12-01":    "to",
			"status=scheduled&status=sleeping": "status",
			"platform=myspace":                 "platform",
			"account_id=123":                   "account_id",
			"order=sideways":                   "order",
			"limit=0":                          "limit",
			"cursor=not-a-cursor":              "cursor",
		} {
			b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/posts?"+query, key, nil), http.StatusUnprocessableEntity, "validation_failed", field)
		}
		// Every fault at once.
		b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/posts?from=x&platform=y", key, nil), http.StatusUnprocessableEntity, "validation_failed", "from", "platform")
	})
	t.Run("a cursor belongs to its order", func(t *testing.T) {
		m := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts?order=asc&limit=1", key, nil), http.StatusOK)
		cursor := m["next_cursor"].(string)
		b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/posts?limit=1&cursor="+cursor, key, nil), http.StatusUnprocessableEntity, "validation_failed", "cursor")
	})
}

func TestListMedia(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	other, otherKey := b.workspace("Toko Lain")
	var uploaded []string
	for range 3 {
		uploaded = append(uploaded, b.expect(b.upload(ws, key, "a.png", "image/png", pngBytes), http.StatusCreated)["id"].(string))
	}
	b.expect(b.upload(other, otherKey, "b.png", "image/png", pngBytes), http.StatusCreated)
	slices.Reverse(uploaded) // newest first
	viewer := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", key, map[string]any{"name": "v", "role": "viewer"}), http.StatusCreated)["api_key"].(string)

	var got []string
	path := "/v1/workspaces/" + ws + "/media?limit=2"
	for range 5 {
		m := b.expect(b.do("GET", path, viewer, nil), http.StatusOK)
		for _, item := range m["data"].([]any) {
			it := item.(map[string]any)
			if it["content_type"] != "image/png" || it["kind"] != "image" {
				t.Errorf("a media item: %v", it)
			}
			got = append(got, it["id"].(string))
		}
		next, _ := m["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/v1/workspaces/" + ws + "/media?limit=2&cursor=" + next
	}
	if !slices.Equal(got, uploaded) {
		t.Errorf("the media library lists %v, want %v", got, uploaded)
	}
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/media?cursor=post_x", key, nil), http.StatusUnprocessableEntity, "validation_failed", "cursor")
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/media?limit=101", key, nil), http.StatusUnprocessableEntity, "validation_failed", "limit")
}

// recordingRevoker stands for a platform that revokes tokens: it records
// the accounts whose token it revoked.
type recordingRevoker struct {
	mu      sync.Mutex
	revoked []string // access tokens
}

func (r *recordingRevoker) RevokeToken(_ context.Context, acc serentak.Account) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoked = append(r.revoked, acc.Token.AccessToken)
	return nil
}

func TestDeleteAccount(t *testing.T) {
	rev := &recordingRevoker{}
	b := setup(t, func(c *api.Config) {
		c.Revokers = map[serentak.Platform]serentak.TokenRevoker{serentak.Facebook: rev}
	})
	ws, owner := b.workspace("Toko Budi")
	other, otherOwner := b.workspace("Toko Lain")
	gone := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/accounts", owner, map[string]any{
		"platform": "facebook", "external_id": "111", "name": "Toko Budi", "access_token": "EAAB-gone",
	}), http.StatusCreated)["id"].(string)
	kept := b.account(ws, owner, serentak.Facebook, "222")
	otherAcc := b.account(other, otherOwner, serentak.Facebook, "111")
	body := postBody(gone, kept)
	body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
	post := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", owner, body), http.StatusCreated)["id"].(string)
	editor := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", owner, map[string]any{"name": "e", "role": "editor"}), http.StatusCreated)["api_key"].(string)

	b.expectError(b.do("DELETE", "/v1/workspaces/"+ws+"/accounts/"+gone, editor, nil), http.StatusForbidden, "forbidden")
	b.expectError(b.do("DELETE", "/v1/workspaces/"+ws+"/accounts/"+otherAcc, owner, nil), http.StatusNotFound, "not_found")
	b.expect(b.do("DELETE", "/v1/workspaces/"+ws+"/accounts/"+gone, owner, nil), http.StatusNoContent)

	if !slices.Equal(rev.revoked, []string{"EAAB-gone"}) {
		t.Errorf("revoked %v, want the removed account's token", rev.revoked)
	}
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/accounts/"+gone, owner, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("DELETE", "/v1/workspaces/"+ws+"/accounts/"+gone, owner, nil), http.StatusNotFound, "not_found")
	list := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/accounts", owner, nil), http.StatusOK)["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != kept {
		t.Errorf("the accounts after the removal: %v; want only %s", list, kept)
	}
	b.expect(b.do("GET", "/v1/workspaces/"+other+"/accounts/"+otherAcc, otherOwner, nil), http.StatusOK)

	p := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+post, owner, nil), http.StatusOK)
	if p["status"] != "scheduled" {
		t.Errorf("the post is %v; want scheduled (its other delivery remains)", p["status"])
	}
	for _, dv := range p["deliveries"].([]any) {
		d := dv.(map[string]any)
		switch d["account_id"] {
		case gone:
			e, _ := d["error"].(map[string]any)
			if d["status"] != "canceled" || e == nil || e["code"] != "account_removed" {
				t.Errorf("the removed account's delivery: %v; want canceled with account_removed", d)
			}
		case kept:
			if d["status"] != "scheduled" || d["error"] != nil {
				t.Errorf("the other delivery: %v; want scheduled", d)
			}
		}
	}
	// A new post cannot target it.
	body = postBody(gone)
	body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", owner, body), http.StatusUnprocessableEntity, "validation_failed", "targets[0].account_id")

	audit := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/audit", owner, nil), http.StatusOK)["data"].([]any)
	if e := audit[0].(map[string]any); e["action"] != "account.delete" || e["target_id"] != gone {
		t.Errorf("the last audit entry: %v; want account.delete of %s", e, gone)
	}

	// Connecting the same Page again makes a new account.
	again := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/accounts", owner, map[string]any{
		"platform": "facebook", "external_id": "111", "access_token": "EAAB-new",
	}), http.StatusCreated)
	if again["id"] == gone || again["status"] != "active" {
		t.Errorf("the Page attached again: %v; want a new active account", again)
	}
}
