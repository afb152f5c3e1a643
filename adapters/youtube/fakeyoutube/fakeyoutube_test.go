package fakeyoutube_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
)

const (
	channel = "UCchannel1"
	token   = "ya29.token-1"
	unit    = fakeyoutube.ChunkAlign
)

var now = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

func setup(t *testing.T, opts ...fakeyoutube.Option) *fakeyoutube.Server {
	t.Helper()
	s := fakeyoutube.New(append([]fakeyoutube.Option{fakeyoutube.WithClock(func() time.Time { return now })}, opts...)...)
	t.Cleanup(s.Close)
	s.AddAccessToken(channel, token, now.Add(time.Hour))
	return s
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) reason() string {
	var env struct {
		Error struct {
			Errors []struct{ Reason string } `json:"errors"`
		} `json:"error"`
	}
	json.Unmarshal(a.body, &env)
	if len(env.Error.Errors) == 0 {
		return ""
	}
	return env.Error.Errors[0].Reason
}

func do(t *testing.T, method, u string, header map[string]string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

const goodMeta = `{"snippet":{"title":"T","description":"D","categoryId":"22"},"status":{"privacyStatus":"public","selfDeclaredMadeForKids":false}}`

func startHeaders(size int) map[string]string {
	return map[string]string{
		"Authorization":           "Bearer " + token,
		"Content-Type":            "application/json; charset=UTF-8",
		"X-Upload-Content-Length": strconv.Itoa(size),
		"X-Upload-Content-Type":   "video/mp4",
	}
}

func start(t *testing.T, s *fakeyoutube.Server, size int) string {
	t.Helper()
	a := do(t, "POST", s.URL+"/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status", startHeaders(size), []byte(goodMeta))
	if a.status != 200 || a.header.Get("Location") == "" {
		t.Fatalf("session start: %d %s", a.status, a.body)
	}
	return a.header.Get("Location")
}

func chunk(t *testing.T, uri string, first, n, total int, ctype string) answer {
	t.Helper()
	return do(t, "PUT", uri, map[string]string{
		"Content-Type":  ctype,
		"Content-Range": "bytes " + strconv.Itoa(first) + "-" + strconv.Itoa(first+n-1) + "/" + strconv.Itoa(total),
	}, bytes.Repeat([]byte{byte(first % 251)}, n))
}

func TestSessionStartValidation(t *testing.T) {
	t.Parallel()
	s := setup(t)
	in := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	meta := func(snippet, status string) string {
		return `{"snippet":` + snippet + `,"status":` + status + `}`
	}
	okSnippet := `{"title":"T","categoryId":"22"}`
	okStatus := `{"privacyStatus":"public","selfDeclaredMadeForKids":false}`
	tests := []struct {
		name   string
		query  string
		header map[string]string
		body   string
		status int
		reason string
	}{
		{"valid", "", nil, goodMeta, 200, ""},
		{"no token", "", map[string]string{"Authorization": ""}, goodMeta, 401, "required"},
		{"unknown token", "", map[string]string{"Authorization": "Bearer nope"}, goodMeta, 401, "authError"},
		{"not resumable", "uploadType=multipart&part=snippet,status", nil, goodMeta, 400, "badRequest"},
		{"unknown part", "uploadType=resumable&part=snippet,status,bogus", nil, goodMeta, 400, "invalidParameter"},
		{"body part not asked for", "uploadType=resumable&part=snippet", nil, goodMeta, 400, "invalidParameter"},
		{"no upload length", "", map[string]string{"X-Upload-Content-Length": ""}, goodMeta, 400, "badRequest"},
		{"not a video", "", map[string]string{"X-Upload-Content-Type": "image/png"}, goodMeta, 400, "badRequest"},
		{"octet-stream", "", map[string]string{"X-Upload-Content-Type": "application/octet-stream"}, goodMeta, 200, ""},
		{"form body", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, goodMeta, 400, "badRequest"},
		{"unknown field", "", nil, meta(`{"title":"T","categoryId":"22","mood":"happy"}`, okStatus), 400, "badRequest"},
		{"empty title", "", nil, meta(`{"title":"","categoryId":"22"}`, okStatus), 400, "invalidTitle"},
		{"100-character title", "", nil, meta(`{"title":"`+strings.Repeat("é", 100)+`","categoryId":"22"}`, okStatus), 200, ""},
		{"101-character title", "", nil, meta(`{"title":"`+strings.Repeat("é", 101)+`","categoryId":"22"}`, okStatus), 400, "invalidTitle"},
		{"title with <", "", nil, meta(`{"title":"a<b","categoryId":"22"}`, okStatus), 400, "invalidTitle"},
		{"5000-byte description", "", nil, meta(`{"title":"T","description":"`+strings.Repeat("é", 2500)+`","categoryId":"22"}`, okStatus), 200, ""},
		{"5001-byte description", "", nil, meta(`{"title":"T","description":"`+strings.Repeat("é", 2500)+`x","categoryId":"22"}`, okStatus), 400, "invalidDescription"},
		{"tags over 500", "", nil, meta(`{"title":"T","categoryId":"22","tags":["`+strings.Repeat("a", 250)+`","`+strings.Repeat("b", 250)+`"]}`, okStatus), 400, "invalidTags"},
		// 245 + 1 comma + 252 + 2 for the quotes a space brings = 500.
		{"tags at 500 with a space", "", nil, meta(`{"title":"T","categoryId":"22","tags":["`+strings.Repeat("a", 245)+`","b `+strings.Repeat("b", 250)+`"]}`, okStatus), 200, ""},
		{"tags at 501 with a space", "", nil, meta(`{"title":"T","categoryId":"22","tags":["`+strings.Repeat("a", 246)+`","b `+strings.Repeat("b", 250)+`"]}`, okStatus), 400, "invalidTags"},
		{"bad category", "", nil, meta(`{"title":"T","categoryId":"99"}`, okStatus), 400, "invalidCategoryId"},
		{"no privacy", "", nil, meta(okSnippet, `{"selfDeclaredMadeForKids":false}`), 400, "invalidVideoMetadata"},
		{"bad privacy", "", nil, meta(okSnippet, `{"privacyStatus":"friends","selfDeclaredMadeForKids":false}`), 400, "invalidVideoMetadata"},
		{"kids not declared", "", nil, meta(okSnippet, `{"privacyStatus":"public"}`), 400, "invalidVideoMetadata"},
		{"publishAt private future", "", nil, meta(okSnippet, `{"privacyStatus":"private","publishAt":"`+in(time.Hour)+`","selfDeclaredMadeForKids":false}`), 200, ""},
		{"publishAt public", "", nil, meta(okSnippet, `{"privacyStatus":"public","publishAt":"`+in(time.Hour)+`","selfDeclaredMadeForKids":false}`), 400, "invalidPublishAt"},
		{"publishAt past", "", nil, meta(okSnippet, `{"privacyStatus":"private","publishAt":"`+in(-time.Minute)+`","selfDeclaredMadeForKids":false}`), 400, "invalidPublishAt"},
		{"publishAt not a time", "", nil, meta(okSnippet, `{"privacyStatus":"private","publishAt":"tomorrow","selfDeclaredMadeForKids":false}`), 400, "invalidPublishAt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startHeaders(1000)
			for k, v := range tc.header {
				h[k] = v
			}
			q := tc.query
			if q == "" {
				q = "uploadType=resumable&part=snippet,status"
			}
			a := do(t, "POST", s.URL+"/upload/youtube/v3/videos?"+q, h, []byte(tc.body))
			if a.status != tc.status || a.reason() != tc.reason {
				t.Fatalf("answer %d %q (%s), want %d %q", a.status, a.reason(), a.body, tc.status, tc.reason)
			}
		})
	}
}

func TestChunkProtocol(t *testing.T) {
	t.Parallel()
	s := setup(t)
	total := 2*unit + 10
	uri := start(t, s, total)
	status := func() answer {
		return do(t, "PUT", uri, map[string]string{"Content-Range": "bytes */" + strconv.Itoa(total)}, nil)
	}
	if a := status(); a.status != 308 || a.header.Get("Range") != "" {
		t.Fatalf("fresh status query: %d Range %q, want 308 without Range", a.status, a.header.Get("Range"))
	}
	refusals := []struct {
		name         string
		first, n, of int
		ctype        string
	}{
		{"misaligned non-final chunk", 0, unit + 1, total, "video/mp4"},
		{"gap", unit, unit, total, "video/mp4"},
		{"wrong total", 0, unit, total + 1, "video/mp4"},
		{"wrong content type", 0, unit, total, "video/webm"},
	}
	for _, r := range refusals {
		if a := chunk(t, uri, r.first, r.n, r.of, r.ctype); a.status != 400 {
			t.Errorf("%s: %d %s, want 400", r.name, a.status, a.body)
		}
	}
	if a := chunk(t, uri, 0, unit, total, "video/mp4"); a.status != 308 || a.header.Get("Range") != "bytes=0-262143" {
		t.Fatalf("first chunk: %d Range %q", a.status, a.header.Get("Range"))
	}
	if a := chunk(t, uri, 0, unit, total, "video/mp4"); a.status != 400 {
		t.Errorf("chunk sent twice: %d, want 400", a.status)
	}
	if a := status(); a.status != 308 || a.header.Get("Range") != "bytes=0-262143" {
		t.Fatalf("status query: %d Range %q", a.status, a.header.Get("Range"))
	}
	// The rest in one final chunk, which need not be aligned.
	a := chunk(t, uri, unit, unit+10, total, "video/mp4")
	if a.status != 201 {
		t.Fatalf("final chunk: %d %s", a.status, a.body)
	}
	var v struct {
		ID     string                        `json:"id"`
		Status struct{ UploadStatus string } `json:"status"`
	}
	json.Unmarshal(a.body, &v)
	// The status query after completion gives the same video.
	again := status()
	var v2 struct {
		ID string `json:"id"`
	}
	json.Unmarshal(again.body, &v2)
	if again.status != 201 || v2.ID != v.ID || v.Status.UploadStatus != "uploaded" {
		t.Fatalf("status after completion: %d id %q, want 201 %q", again.status, v2.ID, v.ID)
	}
	want := append(bytes.Repeat([]byte{0}, unit), bytes.Repeat([]byte{byte(unit % 251)}, unit+10)...)
	vs := s.Videos()
	if len(vs) != 1 || vs[0].SHA256 != fakeyoutube.SHA256Hex(want) || vs[0].Size != int64(total) {
		t.Fatalf("videos %+v", vs)
	}
}

func TestCutKeepsAlignedPrefix(t *testing.T) {
	t.Parallel()
	s := setup(t)
	total := 4 * unit
	uri := start(t, s, total)
	s.FailNext(fakeyoutube.RouteChunk, 1, fakeyoutube.CutAfter(unit+unit/2))
	req, _ := http.NewRequest("PUT", uri, bytes.NewReader(make([]byte, 3*unit)))
	req.Header.Set("Content-Type", "video/mp4")
	req.Header.Set("Content-Range", "bytes 0-"+strconv.Itoa(3*unit-1)+"/"+strconv.Itoa(total))
	if resp, err := s.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("cut chunk answered %d", resp.StatusCode)
	}
	a := do(t, "PUT", uri, map[string]string{"Content-Range": "bytes */" + strconv.Itoa(total)}, nil)
	if a.status != 308 || a.header.Get("Range") != "bytes=0-"+strconv.Itoa(unit-1) {
		t.Fatalf("after the cut: %d Range %q, want 256 KiB kept", a.status, a.header.Get("Range"))
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	clock := now
	s := fakeyoutube.New(fakeyoutube.WithClock(func() time.Time { return clock }), fakeyoutube.WithSessionTTL(time.Hour))
	t.Cleanup(s.Close)
	s.AddAccessToken(channel, token, now.Add(24*time.Hour))
	uri := start(t, s, 10)
	clock = now.Add(time.Hour)
	if a := chunk(t, uri, 0, 10, 10, "video/mp4"); a.status != 404 {
		t.Fatalf("expired session: %d, want 404", a.status)
	}
}

func TestProcessingWalk(t *testing.T) {
	t.Parallel()
	s := setup(t, fakeyoutube.WithProcessingReads(2))
	uri := start(t, s, 10)
	chunk(t, uri, 0, 10, 10, "video/mp4")
	id := s.Videos()[0].ID
	read := func() (string, string) {
		a := do(t, "GET", s.URL+"/youtube/v3/videos?part=status,processingDetails&id="+url.QueryEscape(id),
			map[string]string{"Authorization": "Bearer " + token}, nil)
		var out struct {
			Items []struct {
				Status            struct{ UploadStatus string }
				ProcessingDetails struct{ ProcessingStatus string }
			}
		}
		json.Unmarshal(a.body, &out)
		if len(out.Items) != 1 {
			t.Fatalf("list: %d %s", a.status, a.body)
		}
		return out.Items[0].ProcessingDetails.ProcessingStatus, out.Items[0].Status.UploadStatus
	}
	var got []string
	for range 3 {
		p, u := read()
		got = append(got, p+"/"+u)
	}
	want := "processing/uploaded processing/uploaded succeeded/processed"
	if strings.Join(got, " ") != want {
		t.Fatalf("walk %v, want %s", got, want)
	}
}

func TestQuotaDay(t *testing.T) {
	t.Parallel()
	clock := now
	s := fakeyoutube.New(fakeyoutube.WithClock(func() time.Time { return clock }), fakeyoutube.WithUploadQuota(1))
	t.Cleanup(s.Close)
	s.AddAccessToken(channel, token, now.Add(48*time.Hour))
	start(t, s, 10)
	a := do(t, "POST", s.URL+"/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status", startHeaders(10), []byte(goodMeta))
	if a.status != 403 || a.reason() != "quotaExceeded" {
		t.Fatalf("second start: %d %q", a.status, a.reason())
	}
	clock = time.Date(2026, 3, 11, 7, 0, 0, 0, time.UTC) // 00:00 PDT
	start(t, s, 10)
}

// The videos.insert quota is the project's: a second channel of the same
// project is refused once the first has spent it (determine_quota_cost).
func TestQuotaSharedByChannels(t *testing.T) {
	t.Parallel()
	s := fakeyoutube.New(fakeyoutube.WithClock(func() time.Time { return now }), fakeyoutube.WithUploadQuota(1))
	t.Cleanup(s.Close)
	s.AddAccessToken(channel, token, now.Add(time.Hour))
	s.AddAccessToken("UCchannel2", "ya29.token-2", now.Add(time.Hour))
	start(t, s, 10)
	h := startHeaders(10)
	h["Authorization"] = "Bearer ya29.token-2"
	a := do(t, "POST", s.URL+"/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status", h, []byte(goodMeta))
	if a.status != 403 || a.reason() != "quotaExceeded" {
		t.Fatalf("the other channel's start: %d %q, want 403 quotaExceeded", a.status, a.reason())
	}
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	s := setup(t)
	s.AddRefreshToken(channel, "1//rt")
	s.AddAuthCode(channel, "code-1")
	post := func(form url.Values) (int, map[string]any) {
		form.Set("client_id", s.ClientID())
		form.Set("client_secret", s.ClientSecret())
		a := do(t, "POST", s.TokenURL(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form.Encode()))
		var out map[string]any
		json.Unmarshal(a.body, &out)
		return a.status, out
	}
	status, out := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"1//rt"}})
	if status != 200 || out["access_token"] == "" || out["refresh_token"] != nil || out["expires_in"] != float64(3599) {
		t.Fatalf("refresh: %d %v", status, out)
	}
	// The new token works.
	a := do(t, "POST", s.URL+"/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status",
		map[string]string{"Authorization": "Bearer " + out["access_token"].(string), "Content-Type": "application/json",
			"X-Upload-Content-Length": "10", "X-Upload-Content-Type": "video/mp4"}, []byte(goodMeta))
	if a.status != 200 {
		t.Fatalf("start with the refreshed token: %d %s", a.status, a.body)
	}
	status, out = post(url.Values{"grant_type": {"authorization_code"}, "code": {"code-1"}, "redirect_uri": {"https://x/cb"}})
	if status != 200 || out["refresh_token"] == nil {
		t.Fatalf("code exchange: %d %v", status, out)
	}
	if status, out = post(url.Values{"grant_type": {"authorization_code"}, "code": {"code-1"}, "redirect_uri": {"https://x/cb"}}); out["error"] != "invalid_grant" {
		t.Fatalf("code reused: %d %v", status, out)
	}
	s.RevokeRefreshToken("1//rt")
	if status, out = post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"1//rt"}}); status != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("revoked: %d %v", status, out)
	}
	a = do(t, "POST", s.TokenURL(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		[]byte("grant_type=refresh_token&refresh_token=x&client_id=bad&client_secret=bad"))
	if a.status != 401 || !strings.Contains(string(a.body), "invalid_client") {
		t.Fatalf("bad client: %d %s", a.status, a.body)
	}
}
