package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/media/mediatest"
)

// TestOneVideoFourPlatforms is the product promise end to end: one product
// video uploaded from a phone, one post, four platforms. Facebook and
// Instagram pull the video from this server's signed public link; YouTube
// and TikTok are pushed its bytes (a resumable upload, a chunked upload).
// Every platform ends up with exactly one post carrying exactly our bytes.
func TestOneVideoFourPlatforms(t *testing.T) {
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

	yt := fakeyoutube.New(fakeyoutube.WithProcessingReads(0))
	t.Cleanup(yt.Close)
	yt.AddAccessToken("UC-toko-budi", "ya29-channel-token", time.Now().Add(time.Hour))
	tt := faketiktok.New(faketiktok.WithProcessingReads(0))
	t.Cleanup(tt.Close)
	tt.AddUser(faketiktok.User{OpenID: "open-toko-budi", Username: "tokobudi", AccessToken: "act.tiktok-token", RefreshToken: "rft.tiktok-refresh"})
	s.env["SERENTAK_YOUTUBE_API_URL"] = yt.URL
	s.env["SERENTAK_TIKTOK_API_URL"] = tt.URL
	s.base = s.start("serve")

	ws, key, fb := s.tour()
	attach := func(body map[string]any) string {
		t.Helper()
		code, out := s.call("POST", "/v1/workspaces/"+ws+"/accounts", key, body)
		if code != 201 {
			t.Fatalf("attach %v: %d %v", body["platform"], code, out)
		}
		return out["id"].(string)
	}
	ig := attach(map[string]any{"platform": "instagram", "external_id": igUserID, "name": "tokobudi", "access_token": igToken})
	ytAcc := attach(map[string]any{"platform": "youtube", "external_id": "UC-toko-budi", "name": "Toko Budi",
		"access_token": "ya29-channel-token", "refresh_token": "1//refresh", "token_expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	ttAcc := attach(map[string]any{"platform": "tiktok", "external_id": "open-toko-budi", "name": "tokobudi",
		"access_token": "act.tiktok-token", "refresh_token": "rft.tiktok-refresh"})

	// A 20-second vertical phone video, uploaded as a phone app would.
	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 20 * time.Second, FPS: 30, DataSize: 2 << 20}.Bytes()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "keripik.mp4")
	fw.Write(video)
	mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/v1/workspaces/"+ws+"/media", &form)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var med map[string]any
	json.NewDecoder(resp.Body).Decode(&med)
	resp.Body.Close()
	if resp.StatusCode != 201 || med["content_type"] != "video/mp4" {
		t.Fatalf("upload: %d %v", resp.StatusCode, med)
	}

	body := productPost(fb, time.Now().Add(time.Second))
	body["media"] = []map[string]any{{"id": med["id"]}}
	// Each target's options (issue 15) round-trip to its platform's call.
	body["targets"] = []map[string]any{{"account_id": fb}, {"account_id": ig},
		{"account_id": ytAcc, "options": map[string]any{"privacy": "unlisted", "category_id": "26", "tags": []string{"keripik pedas"}}},
		{"account_id": ttAcc, "options": map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE", "disable_duet": true, "brand_organic_toggle": true}}}
	code, post := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, body)
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	done := s.waitPost(ws, key, post["id"].(string), "published", "failed", "partially_published")
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
	videos := yt.Videos()
	if len(videos) != 1 || videos[0].SHA256 != fakeyoutube.SHA256Hex(video) {
		t.Errorf("YouTube: %d videos, want one with exactly the uploaded bytes", len(videos))
	} else if !strings.Contains(videos[0].Title, "Keripik Singkong Pedas") || !strings.Contains(videos[0].Title, "Rp25.000") {
		t.Errorf("YouTube title %q lacks the product name and price", videos[0].Title)
	} else if v := videos[0]; v.RequestedPrivacy != "unlisted" || v.CategoryID != "26" || len(v.Tags) == 0 || v.Tags[0] != "keripik pedas" {
		t.Errorf("YouTube got privacy %q, category %q, tags %q; want the target's options", v.RequestedPrivacy, v.CategoryID, v.Tags)
	}
	pubs := tt.Publishes("open-toko-budi")
	if len(pubs) != 1 || pubs[0].Received != int64(len(video)) || pubs[0].Status != "PUBLISH_COMPLETE" {
		t.Errorf("TikTok: %+v, want one complete post with all %d bytes", pubs, len(video))
	} else if p := pubs[0]; p.PrivacyLevel != "PUBLIC_TO_EVERYONE" || !p.DisableDuet || p.DisableComment || !p.BrandOrganicToggle {
		t.Errorf("TikTok got privacy %s, duet off %v, comments off %v, brand organic %v; want the target's options", p.PrivacyLevel, p.DisableDuet, p.DisableComment, p.BrandOrganicToggle)
	}
}
