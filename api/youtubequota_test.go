package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

// YouTube's upload allowance is the install's Google Cloud project's, so
// two channels of two workspaces share it, and the quota day is Pacific
// time: here 2026-11-01, the day clocks go back, 25 hours long (07:00Z to
// 08:00Z next day). A post that would exceed the day's allowance gets its
// YouTube delivery moved to the next quota day, with a warning in the
// preview and in the stored delivery; its other targets keep their time.
func TestYouTubeQuotaPerProject(t *testing.T) {
	b := setup(t, allPlatforms, func(c *api.Config) { c.YouTubeDailyUploads = 2 })
	b.now = time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC) // 22:00 PST, Nov 1
	ws1, key1 := b.workspace("Toko Budi")
	ws2, key2 := b.workspace("Toko Sari")
	yt1 := b.account(ws1, key1, serentak.YouTube, "UCbudi")
	fb1 := b.account(ws1, key1, serentak.Facebook, "fb1")
	yt2 := b.account(ws2, key2, serentak.YouTube, "UCsari")
	at := "2026-11-02T07:30:00Z" // 23:30 PST, still Nov 1 in Pacific time
	post := func(ws, key string, accs ...string) map[string]any {
		t.Helper()
		body := productPost(b, accs)
		body["scheduled_at"] = at
		return b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	}
	deliveryAt := func(p map[string]any, i int) string {
		return p["deliveries"].([]any)[i].(map[string]any)["scheduled_at"].(string)
	}
	// The day's two uploads, one per channel.
	first := post(ws1, key1, yt1)
	if got := deliveryAt(post(ws2, key2, yt2), 0); got != at {
		t.Fatalf("second upload of the day scheduled at %s, want %s", got, at)
	}

	// A third, on either channel, would exceed it.
	body := productPost(b, []string{fb1, yt1})
	body["scheduled_at"] = at
	pv := b.preview(ws1, key1, body)
	const moved = "2026-11-02T08:15:00Z" // the next quota day starts at 08:00Z (00:00 PST)
	if w := strings.Join(pv.Targets[1].Warnings, "\n"); !strings.Contains(w, "2026-11-01") || !strings.Contains(w, moved) || !strings.Contains(w, "shared by every channel") {
		t.Fatalf("preview warnings of the YouTube target: %q, want the full day and the new time %s", w, moved)
	}
	if w := strings.Join(pv.Targets[0].Warnings, "\n"); strings.Contains(w, "YouTube:") {
		t.Errorf("the Facebook target is warned about YouTube's quota: %q", w)
	}
	third := b.expect(b.do("POST", "/v1/workspaces/"+ws1+"/posts", key1, body), http.StatusCreated)
	if got := deliveryAt(third, 0); got != at {
		t.Errorf("Facebook delivery moved to %s; only YouTube's quota is full", got)
	}
	if got := deliveryAt(third, 1); got != moved {
		t.Fatalf("overflowing YouTube delivery scheduled at %s, want %s", got, moved)
	}
	d, err := b.store.FindPostByID(t.Context(), ws1, third["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(serentak.WarningTexts(d.Deliveries[1].Content.Warnings, "en"), "\n"); !strings.Contains(w, moved) {
		t.Errorf("stored delivery's warnings %q do not say it moved", w)
	}

	// A canceled post frees its place.
	b.expect(b.do("POST", "/v1/workspaces/"+ws1+"/posts/"+first["id"].(string)+"/cancel", key1, nil), http.StatusOK)
	if got := deliveryAt(post(ws1, key1, yt1), 0); got != at {
		t.Fatalf("after a cancel the upload was scheduled at %s, want %s", got, at)
	}
}
