package fakegraph_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/facebook/fakegraph"
)

const (
	page    = "1001"
	token   = "page-token-1001"
	page2   = "2002"
	token2  = "page-token-2002"
	version = "/v25.0/"
)

// Real file signatures, so the fake's sniffing sees real types.
var (
	pngBytes  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	jpegBytes = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 64)...)
)

// mediaServer serves the files a Page's posts point at.
func mediaServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	serve := func(path, ct string, body []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.Write(body)
		})
	}
	serve("/a.png", "image/png", pngBytes)
	serve("/b.jpg", "image/jpeg", jpegBytes)
	serve("/doc.txt", "text/plain", []byte("hello"))
	serve("/liar.png", "image/png", []byte("<html>not an image</html>"))
	serve("/big.png", "image/png", append(pngBytes, make([]byte, 5<<20)...))
	serve("/v.mp4", "video/mp4", []byte("\x00\x00\x00\x18ftypmp42"))
	ms := httptest.NewServer(mux)
	t.Cleanup(ms.Close)
	return ms
}

type bundle struct {
	fake  *fakegraph.Server
	media *httptest.Server
}

func setup(t *testing.T, opts ...fakegraph.Option) bundle {
	t.Helper()
	s := fakegraph.New(opts...)
	t.Cleanup(s.Close)
	s.AddPage(page, token)
	s.AddPage(page2, token2)
	return bundle{fake: s, media: mediaServer(t)}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a answer) code() int {
	e, _ := a.body["error"].(map[string]any)
	n, _ := e["code"].(float64)
	return int(n)
}

func (a answer) subcode() int {
	e, _ := a.body["error"].(map[string]any)
	n, _ := e["error_subcode"].(float64)
	return int(n)
}

// call sends a request, with the fake's own client (other tests' servers
// closing call CloseIdleConnections on http.DefaultTransport); body is JSON when it is a map, form-encoded when it
// is url.Values.
func (b bundle) call(t *testing.T, method, u string, body any, hdr map[string]string) answer {
	t.Helper()
	var r io.Reader
	ct := ""
	switch v := body.(type) {
	case nil:
	case url.Values:
		r, ct = strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
	case string:
		r, ct = strings.NewReader(v), "application/json"
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		r, ct = strings.NewReader(string(j)), "application/json"
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.fake.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v", method, u, err)
	}
	return a
}

func oauth(tok string) map[string]string { return map[string]string{"Authorization": "OAuth " + tok} }

func TestRejectsWhatGraphRejects(t *testing.T) {
	b := setup(t)
	feed := b.fake.URL + version + page + "/feed"
	photos := b.fake.URL + version + page + "/photos"
	videos := b.fake.URL + version + page + "/videos"
	img := b.media.URL + "/a.png"
	later := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)

	tests := []struct {
		name          string
		method, url   string
		body          any
		hdr           map[string]string
		code, subcode int
	}{
		{"missing token", "POST", feed, map[string]any{"message": "hi"}, nil, 190, 0},
		{"unknown token", "POST", feed, map[string]any{"message": "hi"}, oauth("nope"), 190, 0},
		{"unknown token as parameter", "POST", feed, url.Values{"message": {"hi"}, "access_token": {"nope"}}, nil, 190, 0},
		{"another page's token", "POST", feed, map[string]any{"message": "hi"}, oauth(token2), 200, 0},
		{"unknown page", "POST", b.fake.URL + version + "999/feed", map[string]any{"message": "hi"}, oauth(token), 100, 33},
		{"no version in path", "POST", b.fake.URL + "/" + page + "/feed", map[string]any{"message": "hi"}, oauth(token), 100, 0},
		{"bad version", "POST", b.fake.URL + "/v25/" + page + "/feed", map[string]any{"message": "hi"}, oauth(token), 100, 0},
		{"unknown edge", "POST", b.fake.URL + version + page + "/posts_x", map[string]any{"message": "hi"}, oauth(token), 100, 0},
		{"too many path components", "GET", b.fake.URL + version + page + "/feed/x", nil, oauth(token), 100, 0},
		{"feed without message, link or media", "POST", feed, map[string]any{"published": true}, oauth(token), 100, 0},
		{"feed with a bad link", "POST", feed, map[string]any{"message": "hi", "link": "not a url"}, oauth(token), 100, 0},
		{"malformed JSON", "POST", feed, `{"message": "hi"`, oauth(token), 100, 0},
		{"unpublished without schedule", "POST", feed, map[string]any{"message": "hi", "published": false}, oauth(token), 100, 0},
		{"scheduled too soon", "POST", feed, map[string]any{"message": "hi", "published": false,
			"scheduled_publish_time": time.Now().Add(5 * time.Minute).Unix()}, oauth(token), 100, 0},
		{"scheduled too late", "POST", feed, map[string]any{"message": "hi", "published": false,
			"scheduled_publish_time": time.Now().Add(31 * 24 * time.Hour).Unix()}, oauth(token), 100, 0},
		{"published with a schedule", "POST", feed, map[string]any{"message": "hi", "scheduled_publish_time": later}, oauth(token), 100, 0},
		{"unknown attached photo", "POST", feed, map[string]any{"message": "hi", "attached_media": []any{map[string]any{"media_fbid": "424242"}}}, oauth(token), 100, 0},
		{"empty attached_media", "POST", feed, map[string]any{"message": "hi", "attached_media": []any{}}, oauth(token), 100, 0},
		{"attached_media without media_fbid", "POST", feed, map[string]any{"message": "hi", "attached_media": []any{map[string]any{"id": "1"}}}, oauth(token), 100, 0},
		{"photo without url", "POST", photos, map[string]any{"caption": "hi"}, oauth(token), 100, 0},
		{"photo url not a URL", "POST", photos, map[string]any{"url": "/a.png"}, oauth(token), 100, 0},
		{"photo not found", "POST", photos, map[string]any{"url": b.media.URL + "/missing.png"}, oauth(token), 100, 2069019},
		{"photo that is text", "POST", photos, map[string]any{"url": b.media.URL + "/doc.txt"}, oauth(token), 100, 1366046},
		{"photo whose bytes are not its type", "POST", photos, map[string]any{"url": b.media.URL + "/liar.png"}, oauth(token), 100, 2069019},
		{"photo over 4 MB", "POST", photos, map[string]any{"url": b.media.URL + "/big.png"}, oauth(token), 100, 1366046},
		{"video without file_url", "POST", videos, map[string]any{"description": "hi"}, oauth(token), 100, 0},
		{"video that is an image", "POST", videos, map[string]any{"file_url": img}, oauth(token), 100, 0},
		{"unknown object", "GET", b.fake.URL + version + "31337", nil, oauth(token), 100, 33},
		{"nonexisting field", "GET", b.fake.URL + version + page + "/feed?fields=id,bogus", nil, oauth(token), 100, 0},
		{"bad since", "GET", b.fake.URL + version + page + "/feed?since=yesterday", nil, oauth(token), 100, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := b.call(t, tc.method, tc.url, tc.body, tc.hdr)
			if a.status < 400 || a.code() != tc.code || a.subcode() != tc.subcode {
				t.Fatalf("got HTTP %d %v, want code %d/%d", a.status, a.body, tc.code, tc.subcode)
			}
			e := a.body["error"].(map[string]any)
			if e["message"] == "" || e["type"] == "" || e["fbtrace_id"] == "" {
				t.Errorf("error lacks the Graph shape: %v", e)
			}
		})
	}
	if n := len(b.fake.Posts(page)); n != 0 {
		t.Fatalf("rejected requests made %d posts", n)
	}
}

func TestFeedPostAndListing(t *testing.T) {
	b := setup(t)
	feed := b.fake.URL + version + page + "/feed"

	// Token as a query parameter, JSON body, fields on the POST.
	a := b.call(t, "POST", feed+"?fields=id,permalink_url&access_token="+token, map[string]any{"message": "first", "link": "https://wa.me/62811"}, nil)
	if a.status != 200 {
		t.Fatalf("post: %d %v", a.status, a.body)
	}
	id, _ := a.body["id"].(string)
	if !strings.HasPrefix(id, page+"_") || a.body["permalink_url"] != "https://www.facebook.com/"+page+"/posts/"+strings.TrimPrefix(id, page+"_") {
		t.Fatalf("answer = %v", a.body)
	}
	var app map[string]any
	if err := json.Unmarshal([]byte(a.header.Get("X-App-Usage")), &app); err != nil {
		t.Errorf("X-App-Usage is not JSON: %q", a.header.Get("X-App-Usage"))
	}
	if !strings.Contains(a.header.Get("X-Business-Use-Case-Usage"), "estimated_time_to_regain_access") {
		t.Errorf("X-Business-Use-Case-Usage = %q", a.header.Get("X-Business-Use-Case-Usage"))
	}

	// Form body, token in the header.
	a = b.call(t, "POST", feed, url.Values{"message": {"second"}}, oauth(token))
	if a.status != 200 {
		t.Fatalf("form post: %d %v", a.status, a.body)
	}
	// A scheduled post is recorded but not listed.
	a = b.call(t, "POST", feed, map[string]any{"message": "later", "published": false,
		"scheduled_publish_time": time.Now().Add(time.Hour).Unix()}, oauth(token))
	if a.status != 200 {
		t.Fatalf("scheduled post: %d %v", a.status, a.body)
	}

	posts := b.fake.Posts(page)
	if len(posts) != 3 || posts[0].Message != "first" || posts[0].Link != "https://wa.me/62811" ||
		posts[1].Message != "second" || posts[2].ScheduledFor.IsZero() || posts[0].Kind != fakegraph.KindStatus {
		t.Fatalf("posts = %+v", posts)
	}

	list := b.call(t, "GET", b.fake.URL+version+page+"/published_posts?fields=id,message,created_time,permalink_url", nil, oauth(token))
	data := list.body["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["message"] != "second" || data[1].(map[string]any)["id"] != id {
		t.Fatalf("listing = %v", list.body)
	}
	if _, err := time.Parse("2006-01-02T15:04:05-0700", data[0].(map[string]any)["created_time"].(string)); err != nil {
		t.Errorf("created_time: %v", err)
	}
	// since in the future hides everything.
	future := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	list = b.call(t, "GET", b.fake.URL+version+page+"/feed?since="+future, nil, oauth(token))
	if n := len(list.body["data"].([]any)); n != 0 {
		t.Fatalf("since in the future listed %d posts", n)
	}
	// The other page's token cannot read this page's post.
	if a := b.call(t, "GET", b.fake.URL+version+id, nil, oauth(token2)); a.code() != 100 {
		t.Fatalf("cross-page read: %v", a.body)
	}
	obj := b.call(t, "GET", b.fake.URL+version+id+"?fields=permalink_url,message", nil, oauth(token))
	if obj.body["message"] != "first" || obj.body["permalink_url"] == nil {
		t.Fatalf("object = %v", obj.body)
	}
}

func TestMultiPhotoPost(t *testing.T) {
	b := setup(t)
	photos := b.fake.URL + version + page + "/photos"
	var ids []string
	for _, f := range []string{"/a.png", "/b.jpg"} {
		a := b.call(t, "POST", photos, map[string]any{"url": b.media.URL + f, "published": false}, oauth(token))
		if a.status != 200 || a.body["post_id"] != nil {
			t.Fatalf("upload %s: %d %v", f, a.status, a.body)
		}
		ids = append(ids, a.body["id"].(string))
	}
	// A published single photo cannot be attached.
	pub := b.call(t, "POST", photos, map[string]any{"url": b.media.URL + "/a.png", "caption": "solo"}, oauth(token))
	if pub.body["post_id"] == nil {
		t.Fatalf("published photo: %v", pub.body)
	}
	feed := b.fake.URL + version + page + "/feed"
	if a := b.call(t, "POST", feed, map[string]any{"message": "x", "attached_media": []any{map[string]any{"media_fbid": pub.body["id"]}}}, oauth(token)); a.code() != 100 {
		t.Fatalf("attaching a published photo: %v", a.body)
	}
	// Form encoding with attached_media[N].
	form := url.Values{"message": {"two photos"}}
	for i, id := range ids {
		form.Set("attached_media["+strconv.Itoa(i)+"]", `{"media_fbid":"`+id+`"}`)
	}
	if a := b.call(t, "POST", feed, form, oauth(token)); a.status != 200 {
		t.Fatalf("multi-photo post: %v", a.body)
	}
	// The same photos cannot be used twice.
	if a := b.call(t, "POST", feed, form, oauth(token)); a.code() != 100 {
		t.Fatalf("reusing photos: %v", a.body)
	}
	posts := b.fake.Posts(page)
	if len(posts) != 2 || posts[0].Kind != fakegraph.KindPhoto || posts[0].Message != "solo" ||
		posts[1].Kind != fakegraph.KindPhotos || strings.Join(posts[1].PhotoIDs, ",") != strings.Join(ids, ",") {
		t.Fatalf("posts = %+v", posts)
	}
}

func TestVideoPost(t *testing.T) {
	b := setup(t)
	b.fake.SetVideoProcessing(1, "")
	a := b.call(t, "POST", b.fake.URL+version+page+"/videos", map[string]any{
		"file_url": b.media.URL + "/v.mp4", "description": "a video", "title": "T"}, oauth(token))
	if a.status != 200 {
		t.Fatalf("video: %v", a.body)
	}
	id := a.body["id"].(string)
	posts := b.fake.Posts(page)
	if len(posts) != 1 || posts[0].Kind != fakegraph.KindVideo || posts[0].VideoID != id || posts[0].Title != "T" || posts[0].Message != "a video" {
		t.Fatalf("posts = %+v", posts)
	}
	list := b.call(t, "GET", b.fake.URL+version+page+"/videos?fields=id,description,created_time", nil, oauth(token))
	if d := list.body["data"].([]any); len(d) != 1 || d[0].(map[string]any)["description"] != "a video" {
		t.Fatalf("videos = %v", list.body)
	}
	st := func() any {
		o := b.call(t, "GET", b.fake.URL+version+id+"?fields=status,permalink_url", nil, oauth(token))
		if o.body["permalink_url"] != "/"+page+"/videos/"+id+"/" {
			t.Errorf("permalink_url = %v", o.body["permalink_url"])
		}
		return o.body["status"].(map[string]any)["video_status"]
	}
	if s1, s2 := st(), st(); s1 != "processing" || s2 != "ready" {
		t.Fatalf("status walk = %v, %v", s1, s2)
	}
}

func TestFaults(t *testing.T) {
	b := setup(t)
	feed := b.fake.URL + version + page + "/feed"
	msg := map[string]any{"message": "hi"}

	b.fake.FailNext(page, 1, fakegraph.RateLimited(7))
	a := b.call(t, "POST", feed, msg, oauth(token))
	if a.status != 400 || a.code() != 4 || !strings.Contains(a.header.Get("X-Business-Use-Case-Usage"), `"estimated_time_to_regain_access":7`) {
		t.Fatalf("rate limit: %d %v %q", a.status, a.body, a.header.Get("X-Business-Use-Case-Usage"))
	}
	b.fake.FailNext(page, 2, fakegraph.ServerError())
	for i := 0; i < 2; i++ {
		if a := b.call(t, "POST", feed, msg, oauth(token)); a.status != 500 || a.code() != 2 {
			t.Fatalf("server error %d: %v", i, a.body)
		}
	}
	// Other pages and reads are not affected by FailNext.
	b.fake.FailNext(page, 1, fakegraph.TokenExpired())
	if a := b.call(t, "GET", b.fake.URL+version+page+"/feed", nil, oauth(token)); a.status != 200 {
		t.Fatalf("read hit FailNext: %v", a.body)
	}
	if a := b.call(t, "POST", b.fake.URL+version+page2+"/feed", msg, oauth(token2)); a.status != 200 {
		t.Fatalf("other page hit FailNext: %v", a.body)
	}
	if a := b.call(t, "POST", feed, msg, oauth(token)); a.code() != 190 || a.subcode() != 463 {
		t.Fatalf("token expired: %v", a.body)
	}
	if n := len(b.fake.Posts(page)); n != 0 {
		t.Fatalf("faulted calls made %d posts", n)
	}

	// Drop: the post is made, the answer never comes.
	b.fake.FailNext(page, 1, fakegraph.Drop())
	req, _ := http.NewRequest("POST", feed, strings.NewReader(`{"message":"dropped"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "OAuth "+token)
	if resp, err := b.fake.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped call answered %d", resp.StatusCode)
	}
	if p := b.fake.Posts(page); len(p) != 1 || p[0].Message != "dropped" {
		t.Fatalf("posts after drop = %+v", p)
	}
	// HangUp: no answer and no post.
	b.fake.FailNext(page, 1, fakegraph.HangUp())
	req, _ = http.NewRequest("POST", feed, strings.NewReader(`{"message":"hung up"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "OAuth "+token)
	if resp, err := b.fake.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("hung-up call answered %d", resp.StatusCode)
	}
	if n := len(b.fake.Posts(page)); n != 1 {
		t.Fatalf("hang-up made a post: %d", n)
	}
	if n := b.fake.CountCalls("POST", "feed"); n != 7 {
		t.Fatalf("CountCalls(POST feed) = %d, want 7", n)
	}

	// Revoked tokens answer 190/460.
	b.fake.RevokeToken(token2)
	if a := b.call(t, "POST", b.fake.URL+version+page2+"/feed", msg, oauth(token2)); a.code() != 190 || a.subcode() != 460 {
		t.Fatalf("revoked: %v", a.body)
	}
}

func TestInjectAndLatency(t *testing.T) {
	b := setup(t, fakegraph.WithLatency(30*time.Millisecond))
	b.fake.Inject(func(r *http.Request) *fakegraph.Fault {
		if r.Method == http.MethodGet {
			return &fakegraph.Fault{RawBody: "<html>Bad Gateway</html>", Status: 502}
		}
		return nil
	})
	start := time.Now()
	resp, err := http.Get(b.fake.URL + version + page + "/feed?access_token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || !strings.Contains(string(body), "Bad Gateway") {
		t.Fatalf("raw fault: %d %q", resp.StatusCode, body)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("answered in %v, before the latency", d)
	}
	b.fake.ClearFaults()
	if a := b.call(t, "GET", b.fake.URL+version+page+"/feed", nil, oauth(token)); a.status != 200 {
		t.Fatalf("after ClearFaults: %v", a.body)
	}
	calls := b.fake.Calls()
	if len(calls) != 2 || !calls[0].Fault || calls[0].Status != 502 || calls[1].Fault || calls[1].Edge != "feed" || calls[1].PageID != page {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestSampleMedia(t *testing.T) {
	b := setup(t)
	a := b.call(t, "POST", b.fake.URL+version+page+"/photos", map[string]any{"url": b.fake.SampleImageURL(), "caption": "c"}, oauth(token))
	if a.status != 200 {
		t.Fatalf("photo from sample: %v", a.body)
	}
	a = b.call(t, "POST", b.fake.URL+version+page+"/videos", map[string]any{"file_url": b.fake.SampleVideoURL()}, oauth(token))
	if a.status != 200 {
		t.Fatalf("video from sample: %v", a.body)
	}
	if n := b.fake.PostCount(); n != 2 {
		t.Fatalf("PostCount = %d", n)
	}
	if n := len(b.fake.Calls()); n != 2 {
		t.Fatalf("media fetches were logged as Graph calls: %d calls", n)
	}
}

// WithListener serves the fake on a listener the caller chose, so a
// command can offer it at an address fixed in the README.
func TestWithListenerServesOnTheGivenAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := fakegraph.New(fakegraph.WithListener(ln))
	t.Cleanup(s.Close)
	s.AddPage(page, token)
	if want := "http://" + ln.Addr().String(); s.URL != want {
		t.Fatalf("URL = %q, want %q", s.URL, want)
	}
	req, _ := http.NewRequest("POST", s.URL+version+page+"/feed?message=Halo", nil)
	req.Header.Set("Authorization", "OAuth "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || s.PostCount() != 1 {
		t.Errorf("post on the given listener: %d, %d posts; want 200 and 1 post", resp.StatusCode, s.PostCount())
	}
}
