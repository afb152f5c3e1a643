package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/media/mediatest"
)

// mediaItems is what a preview target, or a stored delivery's content,
// says it publishes.
type mediaItems []struct {
	Index int    `json:"index"`
	URL   string `json:"url"`
	Kind  string `json:"kind"`
}

// previewMedia previews body and returns each target's items and warnings.
func (b *bundle) previewMedia(ws, key string, body any) ([]mediaItems, [][]string, map[string]any) {
	b.t.Helper()
	r := b.do("POST", "/v1/workspaces/"+ws+"/posts/preview", key, body)
	m := b.expect(r, http.StatusOK)
	var p struct {
		Targets []struct {
			Media    mediaItems `json:"media"`
			Warnings []string   `json:"warnings"`
		} `json:"targets"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		b.t.Fatal(err)
	}
	var items []mediaItems
	var warnings [][]string
	for _, t := range p.Targets {
		items, warnings = append(items, t.Media), append(warnings, t.Warnings)
	}
	return items, warnings, m
}

// storedMedia returns each delivery's items and warnings from a post answer.
func storedMedia(t *testing.T, post map[string]any) ([]mediaItems, [][]string) {
	t.Helper()
	var p struct {
		Deliveries []struct {
			Content struct {
				Media mediaItems `json:"media"`
			} `json:"content"`
			Warnings []string `json:"warnings"`
		} `json:"deliveries"`
	}
	raw, _ := json.Marshal(post)
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	var items []mediaItems
	var warnings [][]string
	for _, d := range p.Deliveries {
		items, warnings = append(items, d.Content.Media), append(warnings, d.Warnings)
	}
	return items, warnings
}

// TestOnePostEveryPlatform is the contract's own example: a photo and a
// video, one target on each platform. It used to be refused ("Facebook
// cannot mix a video and photos in one post"); now each target publishes
// what its platform takes, says what it leaves out, and the preview, the
// created post and a later GET agree item by item.
func TestOnePostEveryPlatform(t *testing.T) {
	b := setup(t, allPlatforms)
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key) // facebook, instagram, youtube, tiktok
	body := postBody(accs...)
	tiktokPrivacy(body, accs)
	body["media"] = []any{
		map[string]any{"url": "https://cdn.example.com/keripik.jpg"},
		map[string]any{"url": "https://cdn.example.com/keripik.mp4"},
	}
	previewed, warnings, _ := b.previewMedia(ws, key, body)
	want := [][]int{{1}, {0, 1}, {1}, {1}} // Facebook the video, Instagram both, YouTube and TikTok the video
	for i, items := range previewed {
		var got []int
		for _, it := range items {
			got = append(got, it.Index)
		}
		if !cmp.Equal(got, want[i]) {
			t.Errorf("targets[%d] previews media %v, want %v", i, got, want[i])
		}
	}
	if previewed[1][1].Kind != "video" || previewed[1][0].Kind != "image" {
		t.Errorf("Instagram carousel %+v, want the photo then the video", previewed[1])
	}
	for _, i := range []int{0, 2, 3} {
		if !strings.Contains(strings.Join(warnings[i], "\n"), "media[0] (photo) left out") {
			t.Errorf("targets[%d] warnings %q do not say the photo is left out", i, warnings[i])
		}
	}
	if len(warnings[1]) != 0 {
		t.Errorf("Instagram leaves nothing out, yet warns %q", warnings[1])
	}

	created := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	stored, storedWarnings := storedMedia(t, created)
	if diff := cmp.Diff(previewed, stored); diff != "" {
		t.Errorf("stored media differ from the preview (-preview +stored):\n%s", diff)
	}
	if diff := cmp.Diff(warnings, storedWarnings); diff != "" {
		t.Errorf("deliveries' warnings differ from the preview's (-preview +stored):\n%s", diff)
	}
	got := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+created["id"].(string), key, nil), http.StatusOK)
	again, againWarnings := storedMedia(t, got)
	if !cmp.Equal(stored, again) || !cmp.Equal(storedWarnings, againWarnings) {
		t.Errorf("GET answers other media or warnings than create:\n%v %v\n%v %v", again, againWarnings, stored, storedWarnings)
	}
}

// TestTargetChoosesMedia: "media": [indexes] on a target is published in
// that order; a choice the platform cannot take is a 422 naming
// targets[i].media.
func TestTargetChoosesMedia(t *testing.T) {
	b := setup(t, allPlatforms)
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key)
	media := []any{
		map[string]any{"url": "https://cdn.example.com/a.jpg"},
		map[string]any{"url": "https://cdn.example.com/b.mp4"},
		map[string]any{"url": "https://cdn.example.com/c.jpg"},
	}
	body := postBody(accs[0], accs[1])
	body["media"] = media
	body["targets"] = []any{
		map[string]any{"account_id": accs[0], "media": []int{2, 0}}, // Facebook: two photos, not the video
		map[string]any{"account_id": accs[1], "media": []int{1}},    // Instagram: the Reel alone
	}
	created := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	stored, warnings := storedMedia(t, created)
	if len(stored[0]) != 2 || stored[0][0].Index != 2 || stored[0][1].Index != 0 || len(stored[1]) != 1 || stored[1][0].Kind != "video" {
		t.Errorf("stored %+v, want Facebook media[2], media[0] and Instagram media[1]", stored)
	}
	if len(warnings[0])+len(warnings[1]) != 0 {
		t.Errorf("warnings %q: a target's own choice is no surprise", warnings)
	}

	for _, tt := range []struct {
		name    string
		target  map[string]any
		message string
	}{
		{"out of range", map[string]any{"account_id": accs[0], "media": []int{3}}, "3 is not an index"},
		{"twice", map[string]any{"account_id": accs[1], "media": []int{0, 0}}, "chosen twice"},
		{"a photo for YouTube", map[string]any{"account_id": accs[2], "media": []int{0}}, "YouTube publishes videos only"},
		{"mixed on TikTok", map[string]any{"account_id": accs[3], "media": []int{1, 2}, "options": map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE"}}, "TikTok publishes one video alone, or photos"},
		{"mixed on Facebook", map[string]any{"account_id": accs[0], "media": []int{0, 1}}, "Facebook publishes one video alone, or photos"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := postBody()
			body["media"] = media
			body["targets"] = []any{tt.target}
			m := b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed")
			details := m["error"].(map[string]any)["details"].([]any)
			d := details[0].(map[string]any)
			if len(details) != 1 || !strings.HasPrefix(d["field"].(string), "targets[0].media") || !strings.Contains(d["message"].(string), tt.message) {
				t.Errorf("details %v, want one naming targets[0].media: %q", details, tt.message)
			}
		})
	}
}

// TestMediaURLsAreTypedFromTheirBytes serves media from a real local HTTP
// server at addresses without extensions: creating a post reads their
// first bytes (a range request through the safe fetcher) and types them,
// never from the name alone.
func TestMediaURLsAreTypedFromTheirBytes(t *testing.T) {
	photo := mediatest.JPEG(1080, 1080, 1)
	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 20 * time.Second, FPS: 30, DataSize: 1 << 20}.Bytes()
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("id") {
		case "7":
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(photo))
		case "8":
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(video))
		case "9":
			w.Write([]byte("<!doctype html><html><body>Sign in to download</body></html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(files.Close)
	b := setup(t, allPlatforms, func(c *api.Config) {
		c.MediaAllowPrivate = true // the test server listens on loopback
		c.ReadMediaFunc = (&media.Source{AllowPrivate: true, HeadTimeout: 2 * time.Second}).Head
	})
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key)
	u := files.URL + "/p?id="

	body := postBody(accs...)
	tiktokPrivacy(body, accs)
	body["media"] = []any{map[string]any{"url": u + "7"}, map[string]any{"url": u + "8"}}
	created := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	got := created["media"].([]any)
	if m := got[0].(map[string]any); m["kind"] != "image" || m["content_type"] != "image/jpeg" {
		t.Errorf("media[0] = %v, want a JPEG image", m)
	}
	if m := got[1].(map[string]any); m["kind"] != "video" || m["content_type"] != "video/mp4" {
		t.Errorf("media[1] = %v, want an MP4 video", m)
	}

	// Unreadable (404) with an explicit type: accepted, with a warning on
	// the targets that publish it.
	body["media"] = []any{map[string]any{"url": u + "404", "type": "image/jpeg"}}
	body["targets"] = []any{map[string]any{"account_id": accs[0]}}
	created = b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	_, warnings := storedMedia(t, created)
	if m := created["media"].([]any)[0].(map[string]any); m["kind"] != "image" || m["content_type"] != "image/jpeg" ||
		!strings.Contains(strings.Join(warnings[0], "\n"), `media[0] could not be read when the post was created`) {
		t.Errorf("media %v, warnings %q: want the given type and a warning", m, warnings)
	}
	// Unreadable with a known extension: taken from the name, with a warning.
	body["media"] = []any{map[string]any{"url": files.URL + "/gone.jpg"}}
	created = b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	if _, warnings := storedMedia(t, created); !strings.Contains(strings.Join(warnings[0], "\n"), "from its name alone") {
		t.Errorf("warnings %q, want one saying the type comes from the name alone", warnings)
	}

	for _, tt := range []struct {
		name  string
		item  map[string]any
		field string
	}{
		{"unreadable and nameless", map[string]any{"url": u + "404"}, "media[0].type"},
		{"a web page", map[string]any{"url": u + "9", "type": "image/jpeg"}, "media[0].url"},
		{"a type the bytes deny", map[string]any{"url": u + "8", "type": "image/jpeg"}, "media[0].type"},
		{"a type no platform takes", map[string]any{"url": u + "7", "type": "application/pdf"}, "media[0].type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body["media"] = []any{tt.item}
			m := b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed", tt.field)
			if tt.name == "a web page" {
				msg := m["error"].(map[string]any)["details"].([]any)[0].(map[string]any)["message"].(string)
				if !strings.Contains(msg, "answers with text/html") {
					t.Errorf("message %q does not say the address answers with a web page", msg)
				}
			}
		})
	}
}

// TestMediaURLsAreReadAtOnce: a post's media URLs are read together, so
// a post waits for its slowest media server, not for all in turn. This
// server answers only once three reads are waiting at the same time; read
// one after another, the first would time out.
func TestMediaURLsAreReadAtOnce(t *testing.T) {
	photo := mediatest.JPEG(1080, 1080, 1)
	var mu sync.Mutex
	waiting, all := 0, make(chan struct{})
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if waiting++; waiting == 3 {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(photo))
		case <-time.After(5 * time.Second):
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(files.Close)
	b := setup(t, allPlatforms, func(c *api.Config) {
		c.MediaAllowPrivate = true
		c.ReadMediaFunc = (&media.Source{AllowPrivate: true, HeadTimeout: 3 * time.Second}).Head
	})
	ws, key := b.workspace("Toko Budi")
	body := postBody(b.account(ws, key, "instagram", "ig1"))
	body["media"] = []any{
		map[string]any{"url": files.URL + "/p?id=1"}, map[string]any{"url": files.URL + "/p?id=2"}, map[string]any{"url": files.URL + "/p?id=3"},
	}
	created := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	for i, m := range created["media"].([]any) {
		if m.(map[string]any)["content_type"] != "image/jpeg" {
			t.Errorf("media[%d] = %v, want a JPEG read from its bytes", i, m)
		}
	}
}
