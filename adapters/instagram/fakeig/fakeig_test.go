package fakeig_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/instagram/fakeig"
	"github.com/serentak/serentak/testkit"
)

const (
	user   = "178001"
	tok    = "ig-token-178001"
	user2  = "178002"
	tok2   = "ig-token-178002"
	prefix = "/v25.0/"
)

type bundle struct {
	fake  *fakeig.Server
	clock *testkit.Clock
	media *httptest.Server
}

func setup(t *testing.T, opts ...fakeig.Option) *bundle {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	s := fakeig.New(append([]fakeig.Option{fakeig.WithClock(clk.Now)}, opts...)...)
	t.Cleanup(s.Close)
	s.AddUser(user, tok)
	s.AddUser(user2, tok2)
	mux := http.NewServeMux()
	mux.HandleFunc("/liar.jpg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		io.WriteString(w, "<html>not an image</html>")
	})
	mux.HandleFunc("/big.jpg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 9<<20)...))
	})
	mux.HandleFunc("/clip.webm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/webm")
		w.Write([]byte("\x1a\x45\xdf\xa3 webm"))
	})
	ms := httptest.NewServer(mux)
	t.Cleanup(ms.Close)
	return &bundle{fake: s, clock: clk, media: ms}
}

type answer struct {
	status int
	body   map[string]any
}

func (a answer) errCode() (int, int) {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["code"].(float64)
	s, _ := e["error_subcode"].(float64)
	return int(c), int(s)
}

func (a answer) str(k string) string { s, _ := a.body[k].(string); return s }

func (b *bundle) call(t *testing.T, method, path, token string, form url.Values) answer {
	t.Helper()
	var body io.Reader
	u := b.fake.URL + prefix + path
	if method == http.MethodGet && form != nil {
		u += "?" + form.Encode()
	} else if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "OAuth "+token)
	}
	resp, err := b.fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("answer %q is not JSON: %v", raw, err)
	}
	return answer{resp.StatusCode, m}
}

func (b *bundle) create(t *testing.T, form url.Values) answer {
	t.Helper()
	return b.call(t, http.MethodPost, user+"/media", tok, form)
}

// mustCreate makes a container and reads it until FINISHED.
func (b *bundle) mustCreate(t *testing.T, form url.Values) string {
	t.Helper()
	a := b.create(t, form)
	id := a.str("id")
	if a.status != 200 || id == "" {
		t.Fatalf("create %v = %d %v", form, a.status, a.body)
	}
	for range 10 {
		if st := b.status(t, id); st == fakeig.StatusFinished {
			return id
		}
	}
	t.Fatalf("container %s never FINISHED", id)
	return ""
}

func (b *bundle) status(t *testing.T, id string) string {
	t.Helper()
	return b.call(t, http.MethodGet, id, tok, url.Values{"fields": {"status_code,status"}}).str("status_code")
}

func (b *bundle) image() url.Values { return url.Values{"image_url": {b.fake.SampleJPEGURL()}} }

func item(u string, video bool) url.Values {
	if video {
		return url.Values{"video_url": {u}, "media_type": {"VIDEO"}, "is_carousel_item": {"true"}}
	}
	return url.Values{"image_url": {u}, "is_carousel_item": {"true"}}
}

func TestContainerValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	jpg, png, mp4 := b.fake.SampleJPEGURL(), b.fake.SamplePNGURL(), b.fake.SampleVideoURL()
	tests := []struct {
		name          string
		form          url.Values
		code, subcode int
	}{
		{"no media", url.Values{"caption": {"x"}}, 100, 0},
		{"PNG image", url.Values{"image_url": {png}}, 36001, 2207005},
		{"bytes are not JPEG", url.Values{"image_url": {b.media.URL + "/liar.jpg"}}, 36001, 2207005},
		{"image over 8 MiB", url.Values{"image_url": {b.media.URL + "/big.jpg"}}, 36000, 2207004},
		{"image not fetchable", url.Values{"image_url": {b.media.URL + "/missing.jpg"}}, 9004, 2207052},
		{"image URL not http", url.Values{"image_url": {"ftp://x/a.jpg"}}, 9004, 2207052},
		{"feed video without REELS", url.Values{"video_url": {mp4}}, 100, 0},
		{"VIDEO outside a carousel", url.Values{"video_url": {mp4}, "media_type": {"VIDEO"}}, 100, 0},
		{"REELS without video", url.Values{"image_url": {jpg}, "media_type": {"REELS"}}, 100, 0},
		{"REELS as a carousel item", url.Values{"video_url": {mp4}, "media_type": {"REELS"}, "is_carousel_item": {"true"}}, 100, 0},
		{"unknown media_type", url.Values{"image_url": {jpg}, "media_type": {"PHOTO"}}, 100, 0},
		{"caption on a carousel item", url.Values{"image_url": {jpg}, "is_carousel_item": {"true"}, "caption": {"no"}}, 100, 0},
		{"caption too long", url.Values{"image_url": {jpg}, "caption": {strings.Repeat("a", 2201)}}, 36004, 2207010},
		{"31 hashtags", url.Values{"image_url": {jpg}, "caption": {strings.Repeat("#tag ", 31)}}, 100, 0},
		{"21 mentions", url.Values{"image_url": {jpg}, "caption": {strings.Repeat("@someone ", 21)}}, 100, 2207040},
		{"unknown parameter", url.Values{"image_url": {jpg}, "imageurl": {jpg}}, 100, 0},
		{"CAROUSEL without children", url.Values{"media_type": {"CAROUSEL"}}, 100, 0},
		{"children on an image", url.Values{"image_url": {jpg}, "children": {"1,2"}}, 100, 0},
		{"bad boolean", url.Values{"image_url": {jpg}, "is_carousel_item": {"maybe"}}, 100, 0},
		{"share_to_feed on an image", url.Values{"image_url": {jpg}, "share_to_feed": {"false"}}, 100, 0},
		{"share_to_feed on a carousel item", url.Values{"video_url": {mp4}, "media_type": {"VIDEO"}, "is_carousel_item": {"true"}, "share_to_feed": {"true"}}, 100, 0},
		{"share_to_feed not a boolean", url.Values{"video_url": {mp4}, "media_type": {"REELS"}, "share_to_feed": {"feed"}}, 100, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := b.create(t, tc.form)
			if c, s := a.errCode(); a.status != 400 || c != tc.code || s != tc.subcode {
				t.Fatalf("= %d %v, want 400 code %d/%d", a.status, a.body, tc.code, tc.subcode)
			}
		})
	}
	if n := len(b.fake.Containers(user)); n != 0 {
		t.Fatalf("refused requests made %d containers", n)
	}
	// What is allowed: an e-mail address is not a mention, 30 hashtags
	// are fine.
	ok := url.Values{"image_url": {jpg}, "caption": {strings.Repeat("#tag ", 30) + strings.Repeat("a@b.co ", 25)}}
	if a := b.create(t, ok); a.status != 200 {
		t.Fatalf("valid caption refused: %v", a.body)
	}
}

// A Reel's share_to_feed is recorded as sent; a Reel without it records
// nil.
func TestShareToFeed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	reel := func(share string) url.Values {
		f := url.Values{"video_url": {b.fake.SampleVideoURL()}, "media_type": {"REELS"}}
		if share != "" {
			f.Set("share_to_feed", share)
		}
		return f
	}
	for _, share := range []string{"false", "true", ""} {
		if a := b.create(t, reel(share)); a.status != 200 {
			t.Fatalf("share_to_feed=%q refused: %v", share, a.body)
		}
	}
	cs := b.fake.Containers(user)
	if len(cs) != 3 || cs[0].ShareToFeed == nil || *cs[0].ShareToFeed || cs[1].ShareToFeed == nil || !*cs[1].ShareToFeed || cs[2].ShareToFeed != nil {
		t.Fatalf("containers = %+v", cs)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if a := b.call(t, http.MethodPost, user+"/media", "", b.image()); a.status != 400 {
		t.Fatalf("no token: %v", a.body)
	} else if c, _ := a.errCode(); c != 190 {
		t.Fatalf("no token: %v", a.body)
	}
	if c, _ := b.call(t, http.MethodPost, user+"/media", "nope", b.image()).errCode(); c != 190 {
		t.Fatal("unknown token accepted")
	}
	if c, s := b.call(t, http.MethodPost, user+"/media", tok2, b.image()).errCode(); c != 100 || s != 33 {
		t.Fatalf("another account's token: %d/%d", c, s)
	}
	// The token may also come as a parameter.
	form := b.image()
	form.Set("access_token", tok)
	if a := b.call(t, http.MethodPost, user+"/media", "", form); a.status != 200 {
		t.Fatalf("access_token parameter refused: %v", a.body)
	}
	id := b.fake.Containers(user)[0].ID
	if c, s := b.call(t, http.MethodGet, id, tok2, nil).errCode(); c != 100 || s != 33 {
		t.Fatalf("another account read the container: %d/%d", c, s)
	}
	b.fake.ExpireToken(tok)
	if c, s := b.call(t, http.MethodPost, user+"/media", tok, b.image()).errCode(); c != 190 || s != 463 {
		t.Fatalf("expired token: %d/%d", c, s)
	}
}

func TestStatusAndPublish(t *testing.T) {
	t.Parallel()
	b := setup(t, fakeig.WithProcessingReads(2))
	a := b.create(t, url.Values{"image_url": {b.fake.SampleJPEGURL()}, "caption": {"Hello"}})
	id := a.str("id")

	publish := func() answer {
		return b.call(t, http.MethodPost, user+"/media_publish", tok, url.Values{"creation_id": {id}})
	}
	if c, s := publish().errCode(); c != 9007 || s != 2207027 {
		t.Fatalf("publish before FINISHED: %d/%d", c, s)
	}
	var seen []string
	for range 3 {
		seen = append(seen, b.status(t, id))
	}
	if want := "IN_PROGRESS IN_PROGRESS FINISHED"; strings.Join(seen, " ") != want {
		t.Fatalf("status walk = %v, want %s", seen, want)
	}
	p := publish()
	mediaID := p.str("id")
	if p.status != 200 || mediaID == "" {
		t.Fatalf("publish = %v", p.body)
	}
	if got := b.status(t, id); got != fakeig.StatusPublished {
		t.Fatalf("status after publish = %s", got)
	}
	if c, _ := publish().errCode(); c != 100 {
		t.Fatal("a container was published twice")
	}
	if n := len(b.fake.Media(user)); n != 1 {
		t.Fatalf("%d media", n)
	}
	m := b.call(t, http.MethodGet, mediaID, tok, url.Values{"fields": {"permalink,caption,media_type,timestamp"}})
	if m.str("caption") != "Hello" || m.str("media_type") != "IMAGE" || !strings.HasPrefix(m.str("permalink"), "https://www.instagram.com/p/") ||
		strings.Contains(m.str("permalink"), mediaID) || m.str("timestamp") != "2026-03-02T09:00:00+0000" {
		t.Fatalf("media = %v", m.body)
	}
	if c, _ := b.call(t, http.MethodGet, mediaID, tok, url.Values{"fields": {"nonsense"}}).errCode(); c != 100 {
		t.Fatal("unknown field accepted")
	}
	if c, _ := b.call(t, http.MethodPost, user+"/media_publish", tok, url.Values{}).errCode(); c != 100 {
		t.Fatal("media_publish without creation_id accepted")
	}
}

func TestCarousel(t *testing.T) {
	t.Parallel()
	b := setup(t, fakeig.WithProcessingReads(1))
	img := b.mustCreate(t, item(b.fake.SampleJPEGURL(), false))
	vid := b.mustCreate(t, item(b.fake.SampleVideoURL(), true))
	plain := b.mustCreate(t, b.image())
	pending := b.create(t, item(b.fake.SampleJPEGURL(), false)).str("id")

	carousel := func(children ...string) answer {
		return b.create(t, url.Values{"media_type": {"CAROUSEL"}, "children": {strings.Join(children, ",")}, "caption": {"Both"}})
	}
	for name, tc := range map[string]struct {
		children      []string
		code, subcode int
	}{
		"one child":              {[]string{img}, 100, 2207028},
		"eleven children":        {[]string{img, vid, img, vid, img, vid, img, vid, img, vid, img}, 100, 2207028},
		"not a carousel item":    {[]string{img, plain}, 100, 0},
		"child still processing": {[]string{img, pending}, 9007, 2207027},
		"child listed twice":     {[]string{img, img}, 100, 0},
		"unknown child":          {[]string{img, "404"}, 100, 0},
	} {
		if c, s := carousel(tc.children...).errCode(); c != tc.code || s != tc.subcode {
			t.Errorf("%s: %d/%d, want %d/%d", name, c, s, tc.code, tc.subcode)
		}
	}
	id := carousel(img, vid).str("id")
	if id == "" {
		t.Fatal("valid carousel refused")
	}
	if c, _ := carousel(img, b.mustCreate(t, item(b.fake.SampleJPEGURL(), false))).errCode(); c != 100 {
		t.Error("an item was used by two carousels")
	}
	if c, _ := b.call(t, http.MethodPost, user+"/media_publish", tok, url.Values{"creation_id": {img}}).errCode(); c != 100 {
		t.Error("a carousel item was published on its own")
	}
	b.status(t, id)
	b.status(t, id)
	if a := b.call(t, http.MethodPost, user+"/media_publish", tok, url.Values{"creation_id": {id}}); a.status != 200 {
		t.Fatalf("publish carousel: %v", a.body)
	}
	m := b.fake.Media(user)
	if len(m) != 1 || m[0].MediaType != "CAROUSEL_ALBUM" || len(m[0].Items) != 2 || m[0].Caption != "Both" {
		t.Fatalf("media = %+v", m)
	}
}

func TestVideoProblemsSurfaceAsContainerErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, fakeig.WithProcessingReads(1))
	for name, tc := range map[string]struct{ url, status string }{
		"WebM":        {b.media.URL + "/clip.webm", "2207026"},
		"unreachable": {b.media.URL + "/missing.mp4", "2207052"},
	} {
		a := b.create(t, url.Values{"video_url": {tc.url}, "media_type": {"REELS"}})
		id := a.str("id")
		if a.status != 200 || id == "" {
			t.Fatalf("%s: create = %v (Instagram answers with an ID and fails later)", name, a.body)
		}
		if st := b.status(t, id); st != fakeig.StatusInProgress {
			t.Fatalf("%s: first read %s", name, st)
		}
		a = b.call(t, http.MethodGet, id, tok, url.Values{"fields": {"status_code,status"}})
		// status is text carrying the subcode ("Error: 2207026").
		if a.str("status_code") != fakeig.StatusError || a.str("status") != "Error: "+tc.status {
			t.Errorf("%s: %v, want ERROR with status Error: %s", name, a.body, tc.status)
		}
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t, fakeig.WithProcessingReads(0), fakeig.WithContainerTTL(time.Hour))
	id := b.mustCreate(t, b.image())
	b.clock.Advance(time.Hour)
	if st := b.status(t, id); st != fakeig.StatusExpired {
		t.Fatalf("status after the TTL = %s", st)
	}
	if c, s := b.call(t, http.MethodPost, user+"/media_publish", tok, url.Values{"creation_id": {id}}).errCode(); c != -2 || s != 2207020 {
		t.Fatalf("publishing an expired container: %d/%d", c, s)
	}
}

func TestQuota(t *testing.T) {
	t.Parallel()
	b := setup(t, fakeig.WithProcessingReads(0), fakeig.WithQuota(2, 24*time.Hour))
	now := b.clock.Now()
	b.fake.SeedMedia(user, "old", now.Add(-25*time.Hour), true) // outside the window
	b.fake.SeedMedia(user, "by hand", now.Add(-time.Hour), false)
	b.fake.SeedMedia(user, "api", now.Add(-time.Hour), true)

	a := b.call(t, http.MethodGet, user+"/content_publishing_limit", tok, url.Values{"fields": {"quota_usage,config"}})
	want := `{"data":[{"config":{"quota_duration":86400,"quota_total":2},"quota_usage":1}]}`
	if got, _ := json.Marshal(a.body); string(got) != want {
		t.Fatalf("limit = %s, want %s", got, want)
	}
	a = b.call(t, http.MethodGet, user+"/content_publishing_limit", tok, nil)
	if got, _ := json.Marshal(a.body); string(got) != `{"data":[{"quota_usage":1}]}` {
		t.Fatalf("without fields = %s", got)
	}
	publish := func() answer {
		id := b.mustCreate(t, b.image())
		return b.call(t, http.MethodPost, user+"/media_publish", tok, url.Values{"creation_id": {id}})
	}
	if a := publish(); a.status != 200 {
		t.Fatalf("publish within quota: %v", a.body)
	}
	if c, s := publish().errCode(); c != 9 || s != 2207042 {
		t.Fatalf("publish over quota: %d/%d", c, s)
	}
	if n := b.fake.QuotaUsage(user); n != 2 {
		t.Fatalf("usage = %d", n)
	}
}

func TestMediaList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := b.clock.Now()
	b.fake.SeedMedia(user, "first", now.Add(-2*time.Hour), true)
	b.fake.SeedMedia(user, "second", now.Add(-time.Hour), true)
	b.fake.SeedMedia(user2, "other account", now, true)
	a := b.call(t, http.MethodGet, user+"/media", tok, url.Values{"fields": {"id,caption,timestamp"}, "limit": {"10"}})
	data, _ := a.body["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["caption"] != "second" || data[1].(map[string]any)["caption"] != "first" {
		t.Fatalf("list = %v, want newest first, this account only", a.body)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	b := setup(t, fakeig.WithProcessingReads(0))
	id := b.mustCreate(t, b.image())
	b.fake.FailNext(http.MethodPost, "media_publish", 1, fakeig.Drop())
	req, _ := http.NewRequest(http.MethodPost, b.fake.URL+prefix+user+"/media_publish", strings.NewReader("creation_id="+id))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "OAuth "+tok)
	if resp, err := b.fake.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("a dropped call was answered")
	}
	if n := len(b.fake.Media(user)); n != 1 {
		t.Fatalf("the dropped call made %d media, want 1", n)
	}
	b.fake.FailNext("", "media", 1, fakeig.RateLimited(5))
	a := b.create(t, b.image())
	if c, _ := a.errCode(); c != 4 {
		t.Fatalf("injected fault not answered: %v", a.body)
	}
	if a := b.create(t, b.image()); a.status != 200 {
		t.Fatalf("FailNext outlived its count: %v", a.body)
	}
	if n := b.fake.CountCalls(http.MethodPost, "media_publish"); n != 1 {
		t.Errorf("CountCalls(media_publish) = %d", n)
	}
	calls := b.fake.Calls()
	if last := calls[len(calls)-2]; !last.Fault || last.Status != 400 || last.Edge != "media" {
		t.Errorf("fault call logged as %+v", last)
	}
}

// Each login's tokens work only on its own host, as Meta's "Host URL"
// requirement says: an Instagram Login token (IGAA…) on the Facebook
// Login host, and a Facebook token (EAA…) on the Instagram Login host,
// are refused with 190. This is what a wrong SERENTAK_INSTAGRAM_API_URL
// meets in production.
func TestTokenOnTheOtherLoginsHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host            fakeig.Login
		token           string
		refused         bool
		explicitLogin   fakeig.Login
		useExplicitKind bool
	}{
		{host: fakeig.LoginFacebook, token: "IGAAinstagram-login-token", refused: true},
		{host: fakeig.LoginInstagram, token: "EAAfacebook-login-token", refused: true},
		{host: fakeig.LoginInstagram, token: "IGAAinstagram-login-token"},
		{host: fakeig.LoginFacebook, token: "EAAfacebook-login-token"},
		{host: fakeig.LoginFacebook, token: "plain", refused: true, explicitLogin: fakeig.LoginInstagram, useExplicitKind: true},
	} {
		b := setup(t, fakeig.WithHost(tc.host))
		if tc.useExplicitKind {
			b.fake.AddToken("178009", tc.token, tc.explicitLogin)
		} else {
			b.fake.AddUser("178009", tc.token)
		}
		a := b.call(t, http.MethodGet, "178009/content_publishing_limit", tc.token, nil)
		if code, _ := a.errCode(); tc.refused != (code == 190) {
			t.Errorf("host %s, token %s: answer %d %v, want refused with 190: %v", tc.host, tc.token, a.status, a.body, tc.refused)
		}
	}
}

// POST /{ig-media-id}/comments needs the login's comments permission and
// records the comment; GET lists it.
func TestComments(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.mustCreate(t, b.image())
	media := b.call(t, http.MethodPost, user+"/media_publish", tok, url.Values{"creation_id": {id}}).str("id")
	if media == "" {
		t.Fatal("publish failed")
	}
	if a := b.call(t, http.MethodPost, media+"/comments", tok, url.Values{}); a.status == 200 {
		t.Errorf("a comment without message was accepted: %v", a.body)
	}
	if a := b.call(t, http.MethodPost, media+"/comments", tok2, url.Values{"message": {"hi"}}); a.status == 200 {
		t.Errorf("a comment on another account's media was accepted: %v", a.body)
	}
	// A token without instagram_business_manage_comments.
	b.fake.AddToken(user, "IGAA-no-comments", fakeig.LoginInstagram, "instagram_business_basic", "instagram_business_content_publish")
	if a := b.call(t, http.MethodPost, media+"/comments", "IGAA-no-comments", url.Values{"message": {"hi"}}); func() bool { c, _ := a.errCode(); return c != 10 }() {
		t.Errorf("a comment without the comments permission: %d %v, want code 10", a.status, a.body)
	}
	b.fake.AddToken(user, "IGAA-comments", fakeig.LoginInstagram, fakeig.PermCommentsInstagramLogin)
	a := b.call(t, http.MethodPost, media+"/comments", "IGAA-comments", url.Values{"message": {"Order: WA 0852"}})
	if a.status != 200 || a.str("id") == "" {
		t.Fatalf("comment = %d %v", a.status, a.body)
	}
	got := b.fake.Comments(media)
	if len(got) != 1 || got[0].Message != "Order: WA 0852" || got[0].ID != a.str("id") {
		t.Errorf("Comments = %+v", got)
	}
	list := b.call(t, http.MethodGet, media+"/comments", tok, url.Values{"fields": {"id,text"}})
	if data, _ := list.body["data"].([]any); len(data) != 1 {
		t.Errorf("GET comments = %v", list.body)
	}
}
