package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/facebook"
	"github.com/serentak/serentak/adapters/instagram"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/api"
)

// grantedScopes plays AccountHealthFunc: the scopes each account was
// granted at its last connect, set by the test after it attaches them.
type grantedScopes struct {
	mu     sync.Mutex
	scopes map[string][]string
}

func (g *grantedScopes) set(accountID string, scopes ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.scopes[accountID] = scopes
}

func (g *grantedScopes) health(ctx context.Context, ws string) (map[string]serentak.AccountHealth, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]serentak.AccountHealth{}
	for id, s := range g.scopes {
		out[id] = serentak.AccountHealth{Scopes: s}
	}
	return out, nil
}

// withPermissions asks the real adapters' permission tables, as
// internal/app does, with Instagram on Instagram Login.
func withPermissions(g *grantedScopes) func(*api.Config) {
	ig := instagram.New(instagram.Config{})
	yt, err := youtube.New(youtube.Config{})
	if err != nil {
		panic(err)
	}
	tt := tiktok.New(tiktok.Config{})
	return func(c *api.Config) {
		allPlatforms(c)
		c.AccountHealthFunc = g.health
		c.PermissionsFunc = func(p serentak.Platform, feature string) []string {
			switch p {
			case serentak.Facebook:
				return facebook.PermissionsFor(feature)
			case serentak.Instagram:
				return ig.PermissionsFor(feature)
			case serentak.YouTube:
				return yt.PermissionsFor(feature)
			case serentak.TikTok:
				return tt.PermissionsFor(feature)
			}
			return nil
		}
	}
}

type missing struct {
	Permission string `json:"permission"`
	NeededFor  string `json:"needed_for"`
}

// missingOf reads missing_permissions from an account answer; a null or
// absent list fails.
func missingOf(t *testing.T, acc any) []missing {
	t.Helper()
	m := acc.(map[string]any)
	if _, ok := m["missing_permissions"].([]any); !ok {
		t.Fatalf("missing_permissions is %v, want a list", m["missing_permissions"])
	}
	raw, _ := json.Marshal(m["missing_permissions"])
	var out []missing
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// An account connected before Serentak asked for the comments or the
// metrics permission is told which one it lacks; one that granted them
// and one whose scopes are unknown are told nothing.
func TestAccountMissingPermissions(t *testing.T) {
	g := &grantedScopes{scopes: map[string][]string{}}
	b := setup(t, withPermissions(g))
	ws, key := b.workspace("Toko Budi")
	oldFB := b.account(ws, key, serentak.Facebook, "fb-old")
	newFB := b.account(ws, key, serentak.Facebook, "fb-new")
	oldIG := b.account(ws, key, serentak.Instagram, "ig-old")
	yt := b.account(ws, key, serentak.YouTube, "yt1")
	newYT := b.account(ws, key, serentak.YouTube, "yt2")
	oldTT := b.account(ws, key, serentak.TikTok, "tt1")
	unknown := b.account(ws, key, serentak.Facebook, "fb-attached") // attached with its token: no scopes
	g.set(oldFB, "pages_show_list", "pages_read_engagement", "pages_manage_posts")
	g.set(newFB, "pages_show_list", "pages_read_engagement", "pages_manage_posts", "pages_manage_engagement", "read_insights")
	g.set(oldIG, "instagram_business_basic", "instagram_business_content_publish")
	g.set(yt, "https://www.googleapis.com/auth/youtube.upload")
	g.set(newYT, "https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly")
	g.set(oldTT, "user.info.basic", "video.publish", "video.upload")

	want := map[string][]missing{
		oldFB:   {{"pages_manage_engagement", "first_comment"}, {"read_insights", "metrics"}},
		newFB:   {},
		oldIG:   {{"instagram_business_manage_comments", "first_comment"}, {"instagram_business_manage_insights", "metrics"}},
		yt:      {{"https://www.googleapis.com/auth/youtube.readonly", "metrics"}},
		newYT:   {},
		oldTT:   {{"video.list", "metrics"}},
		unknown: {},
	}
	list := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/accounts", key, nil), http.StatusOK)
	for _, a := range list["data"].([]any) {
		id := a.(map[string]any)["id"].(string)
		if diff := cmp.Diff(want[id], missingOf(t, a)); diff != "" {
			t.Errorf("list: %s missing_permissions (-want +got):\n%s", id, diff)
		}
	}
	for id, w := range want {
		one := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/accounts/"+id, key, nil), http.StatusOK)
		if diff := cmp.Diff(w, missingOf(t, one)); diff != "" {
			t.Errorf("GET %s missing_permissions (-want +got):\n%s", id, diff)
		}
	}
}

// Without a permissions table the list is empty, never null.
func TestAccountMissingPermissionsUnknown(t *testing.T) {
	g := &grantedScopes{scopes: map[string][]string{}}
	b := setup(t, func(c *api.Config) { c.AccountHealthFunc = g.health })
	ws, key := b.workspace("Toko Budi")
	fb := b.account(ws, key, serentak.Facebook, "fb-old")
	g.set(fb, "pages_manage_posts")
	one := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/accounts/"+fb, key, nil), http.StatusOK)
	if got := missingOf(t, one); len(got) != 0 {
		t.Errorf("missing_permissions %v without a permissions table", got)
	}
}

// A first comment on an account known to lack its permission is a target
// warning, in the preview and on the created delivery; the post is
// created all the same. A target without a first comment, or whose
// account granted the permission, is not warned.
func TestFirstCommentWithoutPermissionWarns(t *testing.T) {
	g := &grantedScopes{scopes: map[string][]string{}}
	b := setup(t, withPermissions(g))
	ws, key := b.workspace("Toko Budi")
	oldFB := b.account(ws, key, serentak.Facebook, "fb-old")
	oldIG := b.account(ws, key, serentak.Instagram, "ig-old")
	newIG := b.account(ws, key, serentak.Instagram, "ig-new")
	otherFB := b.account(ws, key, serentak.Facebook, "fb-other")
	g.set(otherFB, "pages_manage_posts")
	g.set(oldFB, "pages_show_list", "pages_read_engagement", "pages_manage_posts")
	g.set(oldIG, "instagram_business_basic", "instagram_business_content_publish")
	g.set(newIG, "instagram_business_basic", "instagram_business_content_publish", "instagram_business_manage_comments")

	comment := map[string]any{"first_comment": "Order: WA 0852-1234-5678"}
	body := postBody(oldFB, oldIG, newIG, otherFB)
	body["targets"] = []any{
		map[string]any{"account_id": oldFB, "options": comment},
		map[string]any{"account_id": oldIG, "options": comment},
		map[string]any{"account_id": newIG, "options": comment},
		map[string]any{"account_id": otherFB}, // lacks it, but has no first comment
	}
	wantPerm := []string{"pages_manage_engagement", "instagram_business_manage_comments", "", ""}
	check := func(what string, warnings [][]string) {
		t.Helper()
		if len(warnings) != len(wantPerm) {
			t.Fatalf("%s: %d targets, want %d", what, len(warnings), len(wantPerm))
		}
		for i, perm := range wantPerm {
			var got []string
			for _, w := range warnings[i] {
				if strings.HasPrefix(w, "first_comment:") {
					got = append(got, w)
				}
			}
			switch {
			case perm == "" && len(got) != 0:
				t.Errorf("%s: targets[%d] warned %q", what, i, got)
			case perm != "" && (len(got) != 1 || !strings.Contains(got[0], perm) || !strings.Contains(got[0], "skipped") || !strings.Contains(got[0], "reconnected")):
				t.Errorf("%s: targets[%d] warnings %q, want one naming %s, saying it is skipped unless reconnected", what, i, warnings[i], perm)
			}
		}
	}
	_, previewed, _ := b.previewMedia(ws, key, body)
	check("preview", previewed)
	created := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	_, stored := storedMedia(t, created)
	check("created", stored)
}
