package faketiktok_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/testkit"
)

const (
	openID  = "user-1"
	token   = "act.user-1"
	refresh = "rft.user-1"
	mb5     = faketiktok.MinChunkSize
)

type bundle struct {
	fake  *faketiktok.Server
	clock *testkit.Clock
	media *httptest.Server
}

func setup(t *testing.T, opts ...faketiktok.Option) *bundle {
	t.Helper()
	c := testkit.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	s := faketiktok.New(append([]faketiktok.Option{faketiktok.WithClock(c.Now)}, opts...)...)
	t.Cleanup(s.Close)
	s.AddUser(faketiktok.User{OpenID: openID, Username: "shop", AccessToken: token, RefreshToken: refresh})
	mux := http.NewServeMux()
	mux.HandleFunc("/v.mp4", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 1234)) })
	mux.HandleFunc("/a.jpg", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("\xff\xd8\xff\xe0 jpeg")) })
	mux.HandleFunc("/a.png", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("\x89PNG\r\n\x1a\n")) })
	mux.HandleFunc("/moved.mp4", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/v.mp4", http.StatusFound) })
	media := httptest.NewServer(mux)
	t.Cleanup(media.Close)
	return &bundle{fake: s, clock: c, media: media}
}

type reply struct {
	status int
	header http.Header
	data   map[string]any
	code   string
	logID  string
	raw    []byte
}

func (b *bundle) do(t *testing.T, method, path, tok, contentType string, body []byte, header map[string]string) reply {
	t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = b.fake.URL + path
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	var env struct {
		Data  map[string]any `json:"data"`
		Error struct {
			Code  string `json:"code"`
			LogID string `json:"log_id"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &env) == nil {
		r.data, r.code, r.logID = env.Data, env.Error.Code, env.Error.LogID
	}
	return r
}

func (b *bundle) api(t *testing.T, path string, body any) reply {
	t.Helper()
	raw, _ := json.Marshal(body)
	return b.do(t, http.MethodPost, path, token, "application/json; charset=UTF-8", raw, nil)
}

func postInfo(privacy string) map[string]any {
	return map[string]any{"title": "hello", "privacy_level": privacy, "brand_content_toggle": false}
}

func fileSource(size, chunk int64, count int) map[string]any {
	return map[string]any{"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": count}
}

func want(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.status != status || r.code != code {
		t.Fatalf("answer = HTTP %d %q, want HTTP %d %q; body %s", r.status, r.code, status, code, r.raw)
	}
	if r.logID == "" {
		t.Errorf("no log_id in %s", r.raw)
	}
}

func TestCheckChunks(t *testing.T) {
	tests := []struct {
		size, chunk int64
		count       int
		ok          bool
	}{
		{50_000_123, 10_000_000, 5, true},
		{50_000_123, 10_000_000, 6, false}, // ceil, not floor
		{50_000_123, 10_000_000, 4, false},
		{1000, 1000, 1, true},
		{1000, 500, 2, false}, // under 5 MB goes whole
		{mb5 - 1, mb5 - 1, 1, true},
		{20_000_000, 20_000_000, 1, true},
		{20_000_000, 4_000_000, 5, false},   // chunk under 5 MB
		{200_000_000, 70_000_000, 2, false}, // chunk over 64 MB
		{70_000_000, 70_000_000, 1, false},  // over 64 MB must be chunked
		{0, 0, 0, false},
		{5 << 30, 10_000_000, 536, false}, // over 4 GB
		{2*mb5 + 5, mb5, 2, true},
	}
	for _, tc := range tests {
		if msg := faketiktok.CheckChunks(tc.size, tc.chunk, tc.count); (msg == "") != tc.ok {
			t.Errorf("CheckChunks(%d, %d, %d) = %q, want ok=%v", tc.size, tc.chunk, tc.count, msg, tc.ok)
		}
	}
}

func TestEnvelopeAndAuth(t *testing.T) {
	b := setup(t)
	want(t, b.do(t, http.MethodPost, faketiktok.PathCreatorInfo, "", "", nil, nil), 401, "access_token_invalid")
	want(t, b.do(t, http.MethodPost, faketiktok.PathCreatorInfo, "act.nope", "", nil, nil), 401, "access_token_invalid")
	want(t, b.do(t, http.MethodGet, faketiktok.PathCreatorInfo, token, "", nil, nil), 405, "invalid_params")
	want(t, b.do(t, http.MethodPost, "/v2/nope/", token, "", nil, nil), 404, "invalid_params")

	r := b.do(t, http.MethodPost, faketiktok.PathCreatorInfo, token, "", nil, nil)
	want(t, r, 200, "ok")
	if r.data["creator_username"] != "shop" || r.data["max_video_post_duration_sec"] != float64(600) {
		t.Errorf("creator_info = %v", r.data)
	}
	b.clock.Advance(2 * time.Hour) // the access token's life
	want(t, b.do(t, http.MethodPost, faketiktok.PathCreatorInfo, token, "", nil, nil), 401, "access_token_invalid")
}

func TestVideoInitValidation(t *testing.T) {
	b := setup(t, faketiktok.WithoutRateLimits())
	ok := map[string]any{"post_info": postInfo(faketiktok.PublicToEveryone), "source_info": fileSource(1000, 1000, 1)}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"wrong chunk count", map[string]any{"post_info": postInfo(faketiktok.PublicToEveryone), "source_info": fileSource(50_000_123, 10_000_000, 6)}, 400, "invalid_params"},
		{"chunk too small", map[string]any{"post_info": postInfo(faketiktok.PublicToEveryone), "source_info": fileSource(20_000_000, 1_000_000, 20)}, 400, "invalid_params"},
		{"privacy not offered", map[string]any{"post_info": postInfo(faketiktok.FollowerOfCreator), "source_info": fileSource(1000, 1000, 1)}, 403, "privacy_level_option_mismatch"},
		{"no privacy", map[string]any{"post_info": postInfo(""), "source_info": fileSource(1000, 1000, 1)}, 400, "invalid_params"},
		{"no brand_content_toggle", map[string]any{"post_info": map[string]any{"privacy_level": faketiktok.SelfOnly}, "source_info": fileSource(1000, 1000, 1)}, 400, "invalid_params"},
		{"unknown field", map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": fileSource(1000, 1000, 1), "extra": 1}, 400, "invalid_params"},
		{"title too long", map[string]any{"post_info": map[string]any{"title": strings.Repeat("😀", 1101), "privacy_level": faketiktok.SelfOnly, "brand_content_toggle": false}, "source_info": fileSource(1000, 1000, 1)}, 400, "invalid_params"},
		{"no post_info", map[string]any{"source_info": fileSource(1000, 1000, 1)}, 400, "invalid_params"},
		{"pull over http", map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": "http://cdn.shop.example/v.mp4"}}, 400, "invalid_params"},
		{"pull from an IP", map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": "https://10.0.0.1/v.mp4"}}, 403, "url_ownership_unverified"},
		{"pull unverified", map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": "https://cdn.other.example/v.mp4"}}, 403, "url_ownership_unverified"},
		{"pull from a verified subdomain", map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": "https://cdn.shop.example/v.mp4"}}, 200, "ok"},
		{"valid", ok, 200, "ok"},
	}
	b.fake.VerifyDomain("shop.example")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want(t, b.api(t, faketiktok.PathVideoInit, tc.body), tc.status, tc.code)
		})
	}
	if n := len(b.fake.Publishes(openID)); n != 2 {
		t.Errorf("%d publishes, want 2", n)
	}

	raw, _ := json.Marshal(ok)
	want(t, b.do(t, http.MethodPost, faketiktok.PathVideoInit, token, "text/plain", raw, nil), 400, "invalid_params")

	// An unaudited client posts only to private accounts, whatever the
	// privacy level asked (Content sharing guidelines, "Direct Post API -
	// Developer Guidelines"): SELF_ONLY does not get past it.
	b.fake.SetUnaudited(true)
	selfOnly := map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": fileSource(1000, 1000, 1)}
	want(t, b.api(t, faketiktok.PathVideoInit, ok), 403, "unaudited_client_can_only_post_to_private_accounts")
	want(t, b.api(t, faketiktok.PathVideoInit, selfOnly), 403, "unaudited_client_can_only_post_to_private_accounts")
	b.fake.AddUser(faketiktok.User{OpenID: openID, AccessToken: token, PrivateAccount: true, PrivacyOptions: []string{faketiktok.PublicToEveryone, faketiktok.SelfOnly}})
	want(t, b.api(t, faketiktok.PathVideoInit, ok), 200, "ok")
	if pubs := b.fake.Publishes(openID); !pubs[len(pubs)-1].Restricted {
		t.Errorf("a post of an unaudited client is not kept private: %+v", pubs[len(pubs)-1])
	}
}

func TestCreatorSwitchesAreEnforced(t *testing.T) {
	b := setup(t)
	b.fake.AddUser(faketiktok.User{OpenID: openID, AccessToken: token, CommentDisabled: true})
	pi := postInfo(faketiktok.PublicToEveryone)
	want(t, b.api(t, faketiktok.PathVideoInit, map[string]any{"post_info": pi, "source_info": fileSource(1000, 1000, 1)}), 400, "invalid_params")
	pi["disable_comment"] = true
	want(t, b.api(t, faketiktok.PathVideoInit, map[string]any{"post_info": pi, "source_info": fileSource(1000, 1000, 1)}), 200, "ok")
}

func put(t *testing.T, b *bundle, uploadURL string, data []byte, first, total int64, ct string) reply {
	t.Helper()
	return b.do(t, http.MethodPut, uploadURL, "", ct, data, map[string]string{
		"Content-Range": fmt.Sprintf("bytes %d-%d/%d", first, first+int64(len(data))-1, total)})
}

func TestUpload(t *testing.T) {
	b := setup(t)
	size := int64(2*mb5 + 10)
	video := bytes.Repeat([]byte{7}, int(size))
	init := b.api(t, faketiktok.PathVideoInit, map[string]any{"post_info": postInfo(faketiktok.PublicToEveryone), "source_info": fileSource(size, mb5, 2)})
	want(t, init, 200, "ok")
	id, uploadURL := init.data["publish_id"].(string), init.data["upload_url"].(string)
	status := func() map[string]any {
		r := b.api(t, faketiktok.PathStatus, map[string]any{"publish_id": id})
		want(t, r, 200, "ok")
		return r.data
	}

	if r := put(t, b, uploadURL, video[mb5:], mb5, size, "video/mp4"); r.status != 416 {
		t.Fatalf("a gap: HTTP %d, want 416", r.status)
	}
	if r := put(t, b, uploadURL, video[:mb5], 0, size, "image/png"); r.status != 400 {
		t.Fatalf("wrong Content-Type: HTTP %d, want 400", r.status)
	}
	if r := put(t, b, uploadURL, video[:mb5-1], 0, size, "video/mp4"); r.status != 400 {
		t.Fatalf("short first chunk: HTTP %d, want 400", r.status)
	}
	if r := put(t, b, uploadURL, video[:mb5], 0, size+1, "video/mp4"); r.status != 400 {
		t.Fatalf("wrong total: HTTP %d, want 400", r.status)
	}
	if r := put(t, b, b.fake.URL+faketiktok.PathUpload+"?upload_id=999&upload_token=x", video[:mb5], 0, size, "video/mp4"); r.status != 404 {
		t.Fatalf("unknown upload: HTTP %d, want 404", r.status)
	}
	r := put(t, b, uploadURL, video[:mb5], 0, size, "video/mp4")
	if r.status != 206 || r.header.Get("Content-Range") != fmt.Sprintf("bytes 0-%d/%d", mb5-1, size) {
		t.Fatalf("first chunk: HTTP %d, Content-Range %q", r.status, r.header.Get("Content-Range"))
	}
	if st := status(); st["status"] != faketiktok.StatusProcessingUpload || st["uploaded_bytes"] != float64(mb5) {
		t.Fatalf("status mid-upload = %v", st)
	}
	if r := put(t, b, uploadURL, video[:mb5], 0, size, "video/mp4"); r.status != 416 || r.header.Get("Content-Range") == "" {
		t.Fatalf("an overlap: HTTP %d, Content-Range %q", r.status, r.header.Get("Content-Range"))
	}
	if r := put(t, b, uploadURL, video[mb5:size-1], mb5, size, "video/mp4"); r.status != 400 {
		t.Fatalf("a final chunk one byte short: HTTP %d, want 400", r.status)
	}
	if r := put(t, b, uploadURL, video[mb5:], mb5, size, "video/mp4"); r.status != 201 {
		t.Fatalf("final chunk: HTTP %d, want 201", r.status)
	}
	if !bytes.Equal(b.fake.Uploaded(id), video) {
		t.Fatal("uploaded bytes differ")
	}
	for i, wantStatus := range []string{faketiktok.StatusProcessingUpload, faketiktok.StatusProcessingUpload, faketiktok.StatusPublishComplete, faketiktok.StatusPublishComplete} {
		st := status()
		if st["status"] != wantStatus {
			t.Fatalf("read %d: status %v, want %s", i+1, st["status"], wantStatus)
		}
	}
	// The public ID is a JSON number with every digit of an int64.
	r = b.api(t, faketiktok.PathStatus, map[string]any{"publish_id": id})
	p := b.fake.Publishes(openID)[0]
	if !bytes.Contains(r.raw, []byte(`"publicaly_available_post_id":[`+p.PostID+`]`)) || len(p.PostID) != 19 {
		t.Errorf("status body %s, post ID %q", r.raw, p.PostID)
	}
	if r := put(t, b, uploadURL, video[mb5:], mb5, size, "video/mp4"); r.status != 416 {
		t.Fatalf("a chunk after the end: HTTP %d, want 416", r.status)
	}
}

func TestUploadURLExpires(t *testing.T) {
	b := setup(t)
	init := b.api(t, faketiktok.PathVideoInit, map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": fileSource(100, 100, 1)})
	b.clock.Advance(time.Hour)
	if r := put(t, b, init.data["upload_url"].(string), make([]byte, 100), 0, 100, "video/mp4"); r.status != 403 {
		t.Fatalf("HTTP %d, want 403", r.status)
	}
}

func TestStatus(t *testing.T) {
	b := setup(t, faketiktok.WithInsecurePull(), faketiktok.WithProcessingReads(1))
	b.fake.VerifyURLPrefix(b.media.URL + "/")
	pull := func(path string, body map[string]any) string {
		r := b.api(t, path, body)
		want(t, r, 200, "ok")
		return r.data["publish_id"].(string)
	}
	walk := func(id string) (statuses []string, last map[string]any) {
		for range 3 {
			r := b.api(t, faketiktok.PathStatus, map[string]any{"publish_id": id})
			want(t, r, 200, "ok")
			statuses, last = append(statuses, r.data["status"].(string)), r.data
		}
		return statuses, last
	}
	video := func(u string) map[string]any {
		return map[string]any{"post_info": postInfo(faketiktok.PublicToEveryone), "source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": u}}
	}
	photo := func(mode string, urls ...string) map[string]any {
		info := map[string]any{"title": "t", "description": "d", "brand_content_toggle": false}
		if mode == "DIRECT_POST" {
			info["privacy_level"] = faketiktok.SelfOnly
		}
		return map[string]any{"media_type": "PHOTO", "post_mode": mode, "post_info": info,
			"source_info": map[string]any{"source": "PULL_FROM_URL", "photo_images": urls, "photo_cover_index": 0}}
	}

	tests := []struct {
		name   string
		id     func() string
		want   string
		reason string
	}{
		{"pulled video", func() string { return pull(faketiktok.PathVideoInit, video(b.media.URL+"/v.mp4")) }, faketiktok.StatusPublishComplete, ""},
		{"redirecting source", func() string { return pull(faketiktok.PathVideoInit, video(b.media.URL+"/moved.mp4")) }, faketiktok.StatusFailed, "video_pull_failed"},
		{"PNG photo", func() string { return pull(faketiktok.PathContentInit, photo("DIRECT_POST", b.media.URL+"/a.png")) }, faketiktok.StatusFailed, "file_format_check_failed"},
		{"photo draft", func() string { return pull(faketiktok.PathContentInit, photo("MEDIA_UPLOAD", b.media.URL+"/a.jpg")) }, faketiktok.StatusSendToUserInbox, ""},
		{"injected failure", func() string {
			b.fake.FailNextPublish("spam_risk_text")
			return pull(faketiktok.PathContentInit, photo("DIRECT_POST", b.media.URL+"/a.jpg"))
		}, faketiktok.StatusFailed, "spam_risk_text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			statuses, last := walk(tc.id())
			if statuses[0] != faketiktok.StatusProcessingDownload || statuses[2] != tc.want || last["fail_reason"] != tc.reason {
				t.Errorf("statuses %v, last %v; want PROCESSING_DOWNLOAD … %s (%q)", statuses, last, tc.want, tc.reason)
			}
		})
	}
	want(t, b.api(t, faketiktok.PathStatus, map[string]any{"publish_id": "nope"}), 400, "invalid_publish_id")
	b.fake.AddUser(faketiktok.User{OpenID: "other", AccessToken: "act.other"})
	raw, _ := json.Marshal(map[string]any{"publish_id": b.fake.Publishes(openID)[0].ID})
	want(t, b.do(t, http.MethodPost, faketiktok.PathStatus, "act.other", "application/json", raw, nil), 400, "token_not_authorized_for_specified_publish_id")
}

func TestPhotoInitValidation(t *testing.T) {
	b := setup(t, faketiktok.WithInsecurePull(), faketiktok.WithoutRateLimits())
	b.fake.VerifyURLPrefix(b.media.URL + "/")
	img := b.media.URL + "/a.jpg"
	base := func() (map[string]any, map[string]any, map[string]any) {
		info := map[string]any{"title": "t", "privacy_level": faketiktok.SelfOnly, "brand_content_toggle": false}
		src := map[string]any{"source": "PULL_FROM_URL", "photo_images": []string{img}, "photo_cover_index": 0}
		return map[string]any{"media_type": "PHOTO", "post_mode": "DIRECT_POST", "post_info": info, "source_info": src}, info, src
	}
	tests := []struct {
		name   string
		change func(body, info, src map[string]any)
		code   string
	}{
		{"valid", func(body, info, src map[string]any) {}, "ok"},
		{"36 photos", func(body, info, src map[string]any) {
			imgs := make([]string, 36)
			for i := range imgs {
				imgs[i] = img
			}
			src["photo_images"] = imgs
		}, "invalid_params"},
		{"cover out of range", func(body, info, src map[string]any) { src["photo_cover_index"] = 1 }, "invalid_params"},
		{"title over 90", func(body, info, src map[string]any) { info["title"] = strings.Repeat("a", 91) }, "invalid_params"},
		{"description over 4000", func(body, info, src map[string]any) { info["description"] = strings.Repeat("a", 4001) }, "invalid_params"},
		{"FILE_UPLOAD", func(body, info, src map[string]any) { src["source"] = "FILE_UPLOAD" }, "invalid_params"},
		{"misprinted post mode", func(body, info, src map[string]any) { body["post_mode"] = "DIRECT POST" }, "invalid_params"},
		{"VIDEO", func(body, info, src map[string]any) { body["media_type"] = "VIDEO" }, "invalid_params"},
		{"draft with privacy", func(body, info, src map[string]any) { body["post_mode"] = "MEDIA_UPLOAD" }, "invalid_params"},
		{"privacy not offered", func(body, info, src map[string]any) { info["privacy_level"] = faketiktok.FollowerOfCreator }, "privacy_level_option_mismatch"},
		{"unverified image", func(body, info, src map[string]any) {
			src["photo_images"] = []string{"https://elsewhere.example/a.jpg"}
		}, "url_ownership_unverified"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, info, src := base()
			tc.change(body, info, src)
			if r := b.api(t, faketiktok.PathContentInit, body); r.code != tc.code {
				t.Fatalf("code %q, want %q: %s", r.code, tc.code, r.raw)
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	b := setup(t)
	body := map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": fileSource(100, 100, 1)}
	for i := 1; i <= 6; i++ {
		want(t, b.api(t, faketiktok.PathVideoInit, body), 200, "ok")
	}
	want(t, b.api(t, faketiktok.PathVideoInit, body), 429, "rate_limit_exceeded")
	// Separate endpoints count separately.
	for i := 1; i <= 20; i++ {
		want(t, b.api(t, faketiktok.PathCreatorInfo, nil), 200, "ok")
	}
	want(t, b.api(t, faketiktok.PathCreatorInfo, nil), 429, "rate_limit_exceeded")
	b.clock.Advance(time.Minute)
	want(t, b.api(t, faketiktok.PathVideoInit, body), 200, "ok")
}

func TestInboxPendingShareCap(t *testing.T) {
	b := setup(t, faketiktok.WithoutRateLimits())
	body := map[string]any{"source_info": fileSource(100, 100, 1)}
	for i := 1; i <= 5; i++ {
		r := b.api(t, faketiktok.PathInboxInit, body)
		want(t, r, 200, "ok")
		if id := r.data["publish_id"].(string); !strings.HasPrefix(id, "v_inbox_file~") {
			t.Errorf("publish_id %q", id)
		}
	}
	want(t, b.api(t, faketiktok.PathInboxInit, body), 403, "spam_risk_too_many_pending_share")
	want(t, b.api(t, faketiktok.PathInboxInit, map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": fileSource(100, 100, 1)}), 400, "invalid_params")
}

func TestTokenEndpoint(t *testing.T) {
	b := setup(t)
	form := func(v url.Values) reply {
		return b.do(t, http.MethodPost, faketiktok.PathToken, "", "application/x-www-form-urlencoded", []byte(v.Encode()), nil)
	}
	oauth := func(r reply) (map[string]any, string) {
		var m map[string]any
		json.Unmarshal(r.raw, &m)
		e, _ := m["error"].(string)
		return m, e
	}
	grant := func(rt string) url.Values {
		return url.Values{"client_key": {"fake-client-key"}, "client_secret": {"fake-client-secret"}, "grant_type": {"refresh_token"}, "refresh_token": {rt}}
	}
	r := form(grant(refresh))
	m, e := oauth(r)
	if r.status != 200 || e != "" || m["refresh_token"] == refresh || m["expires_in"] != float64(7200) || m["open_id"] != openID {
		t.Fatalf("refresh: HTTP %d %s", r.status, r.raw)
	}
	newAccess, newRefresh := m["access_token"].(string), m["refresh_token"].(string)
	if _, e := oauth(form(grant(refresh))); e != "invalid_grant" {
		t.Fatalf("the rotated-out refresh token: %q", e)
	}
	if r := form(grant(newRefresh)); r.status != 200 {
		t.Fatalf("the new refresh token: %s", r.raw)
	}
	want(t, b.do(t, http.MethodPost, faketiktok.PathCreatorInfo, newAccess, "", nil, nil), 200, "ok")

	bad := grant("whatever")
	bad.Set("client_secret", "wrong")
	if r := form(bad); r.status != 401 {
		t.Fatalf("wrong secret: %s", r.raw)
	}
	b.fake.AddAuthCode("code-1", openID)
	code := url.Values{"client_key": {"fake-client-key"}, "client_secret": {"fake-client-secret"}, "grant_type": {"authorization_code"}, "code": {"code-1"}, "redirect_uri": {"https://x"}}
	if r := form(code); r.status != 200 {
		t.Fatalf("code: %s", r.raw)
	}
	if _, e := oauth(form(code)); e != "invalid_grant" {
		t.Fatalf("a used code: %q", e)
	}
	if r := b.do(t, http.MethodPost, faketiktok.PathToken, "", "application/json", []byte(`{}`), nil); r.status != 400 {
		t.Fatalf("JSON body: %s", r.raw)
	}
}

func TestFaults(t *testing.T) {
	b := setup(t)
	b.fake.FailNext(faketiktok.PathVideoInit, 1, faketiktok.Drop())
	raw, _ := json.Marshal(map[string]any{"post_info": postInfo(faketiktok.SelfOnly), "source_info": fileSource(100, 100, 1)})
	req, _ := http.NewRequest(http.MethodPost, b.fake.URL+faketiktok.PathVideoInit, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if _, err := b.fake.Client().Do(req); err == nil {
		t.Fatal("a dropped call answered")
	}
	if n := len(b.fake.Publishes(openID)); n != 1 {
		t.Fatalf("the dropped call made %d publishes, want 1", n)
	}
	b.fake.FailNext(faketiktok.PathCreatorInfo, 1, faketiktok.Fault{Status: 200, Code: "spam_risk_too_many_posts"})
	want(t, b.api(t, faketiktok.PathCreatorInfo, nil), 200, "spam_risk_too_many_posts")
	want(t, b.api(t, faketiktok.PathCreatorInfo, nil), 200, "ok")
	b.fake.FailNext(faketiktok.PathCreatorInfo, 1, faketiktok.ServerError())
	want(t, b.api(t, faketiktok.PathCreatorInfo, nil), 500, "internal_error")
	calls := b.fake.Calls()
	if last := calls[len(calls)-1]; !last.Fault || last.Code != "internal_error" || last.Status != 500 {
		t.Errorf("last call = %+v", last)
	}
}
