package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/media/mediatest"
)

// fourPlatforms is the whole app (serve) against the four platforms'
// fakes, with a workspace and one account on each.
type fourPlatforms struct {
	*system
	yt                   *fakeyoutube.Server
	tt                   *faketiktok.Server
	ws, key              string
	fb, ig, ytAcc, ttAcc string
}

func startFourPlatforms(t *testing.T) *fourPlatforms {
	s := newSystem(t)
	if url := os.Getenv("SERENTAK_TEST_REDIS_URL"); url != "" {
		redistest.New(t)
		s.env["SERENTAK_REDIS_URL"] = url
	}
	// Platforms that pull media need this server's real address in its
	// public links, so pick the port before starting.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s.env["SERENTAK_ADDR"] = addr
	s.env["SERENTAK_PUBLIC_URL"] = "http://" + addr

	f := &fourPlatforms{system: s}
	f.yt = fakeyoutube.New(fakeyoutube.WithProcessingReads(0))
	t.Cleanup(f.yt.Close)
	f.yt.AddAccessToken("UC-toko-budi", "ya29-channel-token", time.Now().Add(time.Hour))
	f.tt = faketiktok.New(faketiktok.WithProcessingReads(0))
	t.Cleanup(f.tt.Close)
	f.tt.AddUser(faketiktok.User{OpenID: "open-toko-budi", Username: "tokobudi", AccessToken: "act.tiktok-token", RefreshToken: "rft.tiktok-refresh"})
	s.env["SERENTAK_YOUTUBE_API_URL"] = f.yt.URL
	s.env["SERENTAK_TIKTOK_API_URL"] = f.tt.URL
	s.base = s.start("serve")

	f.ws, f.key, f.fb = s.tour()
	attach := func(body map[string]any) string {
		t.Helper()
		code, out := s.call("POST", "/v1/workspaces/"+f.ws+"/accounts", f.key, body)
		if code != 201 {
			t.Fatalf("attach %v: %d %v", body["platform"], code, out)
		}
		return out["id"].(string)
	}
	f.ig = attach(map[string]any{"platform": "instagram", "external_id": igUserID, "name": "tokobudi", "access_token": igToken})
	f.ytAcc = attach(map[string]any{"platform": "youtube", "external_id": "UC-toko-budi", "name": "Toko Budi",
		"access_token": "ya29-channel-token", "refresh_token": "1//refresh", "token_expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	f.ttAcc = attach(map[string]any{"platform": "tiktok", "external_id": "open-toko-budi", "name": "tokobudi",
		"access_token": "act.tiktok-token", "refresh_token": "rft.tiktok-refresh"})
	return f
}

// upload sends a file as a phone app would and returns the media answer.
func (f *fourPlatforms) upload(name string, data []byte) map[string]any {
	f.t.Helper()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", f.base+"/v1/workspaces/"+f.ws+"/media", &form)
	req.Header.Set("Authorization", "Bearer "+f.key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	var med map[string]any
	json.NewDecoder(resp.Body).Decode(&med)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		f.t.Fatalf("upload %s: %d %v", name, resp.StatusCode, med)
	}
	return med
}

// TestOneVideoFourPlatforms is the product promise end to end: one product
// video uploaded from a phone, one post, four platforms. Facebook and
// Instagram pull the video from this server's signed public link; YouTube
// and TikTok are pushed its bytes (a resumable upload, a chunked upload).
// Every platform ends up with exactly one post carrying exactly our bytes.
func TestOneVideoFourPlatforms(t *testing.T) {
	f := startFourPlatforms(t)
	s := f.system

	// A 20-second vertical phone video, uploaded as a phone app would.
	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 20 * time.Second, FPS: 30, DataSize: 2 << 20}.Bytes()
	med := f.upload("keripik.mp4", video)
	if med["content_type"] != "video/mp4" {
		t.Fatalf("upload: %v", med)
	}

	body := productPost(f.fb, time.Now().Add(time.Second))
	body["media"] = []map[string]any{{"id": med["id"]}}
	// Each target's options (issue 15) round-trip to its platform's call.
	body["targets"] = []map[string]any{{"account_id": f.fb}, {"account_id": f.ig, "options": map[string]any{"share_to_feed": false}},
		{"account_id": f.ytAcc, "options": map[string]any{"privacy": "unlisted", "category_id": "26", "tags": []string{"keripik pedas"}}},
		{"account_id": f.ttAcc, "options": map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE", "disable_duet": true, "brand_organic_toggle": true}}}
	code, post := s.call("POST", "/v1/workspaces/"+f.ws+"/posts", f.key, body)
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	done := s.waitPost(f.ws, f.key, post["id"].(string), "published", "failed", "partially_published")
	if done["status"] != "published" {
		t.Fatalf("post ended %v: %v", done["status"], done)
	}
	for _, d := range done["deliveries"].([]any) {
		d := d.(map[string]any)
		if d["external_id"] == nil || d["external_id"] == "" {
			t.Errorf("%v delivery has no external_id: %v", d["platform"], d)
		}
	}

	if posts := s.graph.Posts(pageID); len(posts) != 1 || posts[0].VideoID == "" {
		t.Errorf("Facebook: %d posts %+v, want one video post", len(posts), posts)
	}
	if m := s.ig.Media(igUserID); len(m) != 1 || m[0].ProductType != "REELS" {
		t.Errorf("Instagram: %+v, want one Reel", m)
	}
	if cs := s.ig.Containers(igUserID); len(cs) != 1 || cs[0].ShareToFeed == nil || *cs[0].ShareToFeed {
		t.Errorf("Instagram containers %+v, want one Reel with share_to_feed false", cs)
	}
	videos := f.yt.Videos()
	if len(videos) != 1 || videos[0].SHA256 != fakeyoutube.SHA256Hex(video) {
		t.Errorf("YouTube: %d videos, want one with exactly the uploaded bytes", len(videos))
	} else if !strings.Contains(videos[0].Title, "Keripik Singkong Pedas") || !strings.Contains(videos[0].Title, "Rp25.000") {
		t.Errorf("YouTube title %q lacks the product name and price", videos[0].Title)
	} else if v := videos[0]; v.RequestedPrivacy != "unlisted" || v.CategoryID != "26" || len(v.Tags) == 0 || v.Tags[0] != "keripik pedas" {
		t.Errorf("YouTube got privacy %q, category %q, tags %q; want the target's options", v.RequestedPrivacy, v.CategoryID, v.Tags)
	}
	pubs := f.tt.Publishes("open-toko-budi")
	if len(pubs) != 1 || pubs[0].Received != int64(len(video)) || pubs[0].Status != "PUBLISH_COMPLETE" {
		t.Errorf("TikTok: %+v, want one complete post with all %d bytes", pubs, len(video))
	} else if p := pubs[0]; p.PrivacyLevel != "PUBLIC_TO_EVERYONE" || !p.DisableDuet || p.DisableComment || !p.BrandOrganicToggle {
		t.Errorf("TikTok got privacy %s, duet off %v, comments off %v, brand organic %v; want the target's options", p.PrivacyLevel, p.DisableDuet, p.DisableComment, p.BrandOrganicToggle)
	}
}

// TestPhotoAndVideoFourPlatforms is the contract's own example, which was
// refused ("Facebook cannot mix a video and photos in one post"): one post
// with a photo and a video to all four platforms. The photo is a URL
// without an extension (typed from its first bytes at creation); the video
// an upload. Each platform publishes what it takes — YouTube, TikTok and
// Facebook the video, Instagram a carousel of the photo and the video —
// and what each fake received is, item by item, what the preview said.
func TestPhotoAndVideoFourPlatforms(t *testing.T) {
	photo := mediatest.JPEG(1080, 1080, 1)
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("id") != "7" {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(photo))
	}))
	t.Cleanup(cdn.Close)
	photoURL := cdn.URL + "/p?id=7"

	f := startFourPlatforms(t)
	s := f.system
	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 20 * time.Second, FPS: 30, DataSize: 2 << 20}.Bytes()
	med := f.upload("keripik.mp4", video)
	videoID := med["id"].(string)

	body := productPost(f.fb, time.Now().Add(2*time.Second))
	body["media"] = []map[string]any{{"url": photoURL}, {"id": videoID}}
	body["targets"] = []map[string]any{{"account_id": f.fb}, {"account_id": f.ig}, {"account_id": f.ytAcc},
		{"account_id": f.ttAcc, "options": map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE"}}}

	code, preview := s.call("POST", "/v1/workspaces/"+f.ws+"/posts/preview", f.key, body)
	if code != 200 || preview["valid"] != true {
		t.Fatalf("preview: %d %v", code, preview)
	}
	previewed := map[string][]float64{} // platform → indexes of the post's media
	for _, tg := range preview["targets"].([]any) {
		tg := tg.(map[string]any)
		for _, m := range tg["media"].([]any) {
			previewed[tg["platform"].(string)] = append(previewed[tg["platform"].(string)], m.(map[string]any)["index"].(float64))
		}
	}
	want := map[string][]float64{"facebook": {1}, "instagram": {0, 1}, "youtube": {1}, "tiktok": {1}}
	for p, w := range want {
		if !slices.Equal(previewed[p], w) {
			t.Errorf("%s previews media %v, want %v", p, previewed[p], w)
		}
	}

	code, post := s.call("POST", "/v1/workspaces/"+f.ws+"/posts", f.key, body)
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	if m := post["media"].([]any)[0].(map[string]any); m["kind"] != "image" || m["content_type"] != "image/jpeg" {
		t.Errorf("the photo URL was typed %v, want a JPEG image from its bytes", m)
	}
	done := s.waitPost(f.ws, f.key, post["id"].(string), "published", "failed", "partially_published")
	if done["status"] != "published" {
		t.Fatalf("post ended %v: %v", done["status"], done)
	}
	for _, d := range done["deliveries"].([]any) {
		d := d.(map[string]any)
		var got []float64
		for _, m := range d["content"].(map[string]any)["media"].([]any) {
			got = append(got, m.(map[string]any)["index"].(float64))
		}
		p := d["platform"].(string)
		if !slices.Equal(got, previewed[p]) {
			t.Errorf("%s delivery publishes media %v, previewed %v", p, got, previewed[p])
		}
		warnings := strings.Join(func() []string {
			var out []string
			for _, w := range d["warnings"].([]any) {
				out = append(out, w.(string))
			}
			return out
		}(), "\n")
		if leftOut := p != "instagram"; leftOut != strings.Contains(warnings, "media[0] (photo) left out") {
			t.Errorf("%s delivery warnings %q: the photo is left out on every platform but Instagram, and said so", p, warnings)
		}
	}

	// What each platform received, from the fakes' own records.
	if posts := s.graph.Posts(pageID); len(posts) != 1 || posts[0].VideoID == "" || len(posts[0].PhotoIDs) != 0 {
		t.Errorf("Facebook: %+v, want one video post and no photos", posts)
	}
	igMedia := s.ig.Media(igUserID)
	if len(igMedia) != 1 || igMedia[0].MediaType != "CAROUSEL_ALBUM" || len(igMedia[0].Items) != 2 {
		t.Fatalf("Instagram: %+v, want one carousel of 2 items", igMedia)
	}
	items := map[string]string{} // container ID → what it carries
	for _, c := range s.ig.Containers(igUserID) {
		switch {
		case c.ImageURL != "":
			items[c.ID] = "image " + c.ImageURL
		case c.VideoURL != "":
			items[c.ID] = "video " + c.VideoURL
		}
	}
	if first := items[igMedia[0].Items[0]]; first != "image "+photoURL {
		t.Errorf("Instagram carousel item 1 is %q, want the photo %s", first, photoURL)
	}
	if second := items[igMedia[0].Items[1]]; !strings.HasPrefix(second, "video ") || !strings.Contains(second, videoID) {
		t.Errorf("Instagram carousel item 2 is %q, want the uploaded video %s", second, videoID)
	}
	videos := f.yt.Videos()
	if len(videos) != 1 || videos[0].SHA256 != fakeyoutube.SHA256Hex(video) {
		t.Errorf("YouTube: %d videos, want one with exactly the uploaded video's bytes", len(videos))
	}
	pubs := f.tt.Publishes("open-toko-budi")
	if len(pubs) != 1 || pubs[0].Kind != "video" || pubs[0].Received != int64(len(video)) || pubs[0].Status != "PUBLISH_COMPLETE" {
		t.Errorf("TikTok: %+v, want one complete video post with all %d bytes", pubs, len(video))
	}
}
