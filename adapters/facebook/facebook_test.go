package facebook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
	"github.com/serentak/serentak/adapters/facebook"
	"github.com/serentak/serentak/adapters/facebook/fakegraph"
)

const (
	pageID = "1001"
	// The token is distinctive so a leak into an error is easy to spot.
	pageToken = "EAAG-secret-page-token-1001"
)

var (
	pngBytes  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	jpegBytes = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 64)...)
)

type bundle struct {
	fake  *fakegraph.Server
	media *httptest.Server
	pub   *facebook.Publisher
	store *adaptertest.Store
	now   time.Time
}

func setup(t *testing.T) *bundle {
	t.Helper()
	fake := fakegraph.New()
	t.Cleanup(fake.Close)
	fake.AddPage(pageID, pageToken)
	// Videos process for one status read: the adapter must wait for it.
	fake.SetVideoProcessing(1, "")

	media := adaptertest.NewMediaServer(t, map[string]adaptertest.MediaFile{
		"/img/":     {ContentType: "image/png", Body: pngBytes},
		"/jpg/":     {ContentType: "image/jpeg", Body: jpegBytes},
		"/uploads/": {ContentType: "image/png", Body: pngBytes},
		"/video/":   {ContentType: "video/mp4", Body: []byte("\x00\x00\x00\x18ftypmp42")},
	})

	now := time.Now().UTC().Truncate(time.Millisecond)
	return &bundle{
		fake:  fake,
		media: media,
		pub:   facebook.New(facebook.Config{BaseURL: fake.URL, Now: func() time.Time { return now }}),
		store: &adaptertest.Store{},
		now:   now,
	}
}

// request is a publish request whose checkpoint is what the store holds,
// as the worker would load it.
func (b *bundle) request(c serentak.Content) serentak.PublishRequest {
	return serentak.PublishRequest{
		DeliveryID: "dlv_1",
		Account: serentak.Account{ID: "acc_1", Platform: serentak.Facebook, ExternalID: pageID,
			Token: serentak.Token{AccessToken: pageToken}},
		Content:    c,
		Attempt:    1,
		Checkpoint: b.store.Checkpoint(),
		SaveFunc:   b.store.Save,
		MediaURLFunc: func(m serentak.MediaRef) (string, error) {
			return b.media.URL + "/uploads/" + m.ID, nil
		},
	}
}

func (b *bundle) image(name string) serentak.MediaRef {
	return serentak.MediaRef{URL: b.media.URL + "/img/" + name, Kind: serentak.MediaImage, ContentType: "image/png"}
}

func (b *bundle) video() serentak.MediaRef {
	return serentak.MediaRef{URL: b.media.URL + "/video/v.mp4", Kind: serentak.MediaVideo, ContentType: "video/mp4"}
}

func uploaded(id string) serentak.MediaRef {
	return serentak.MediaRef{ID: id, Kind: serentak.MediaImage, ContentType: "image/png"}
}

// settle publishes c, publishing again (as the worker does after the retry
// hint) while the answer is Pending: a video is published once Facebook
// has processed it.
func (b *bundle) settle(t *testing.T, c serentak.Content) (serentak.Result, error) {
	t.Helper()
	for range 10 {
		res, err := b.pub.Publish(context.Background(), b.request(c))
		var pe *serentak.PublishError
		if !errors.As(err, &pe) || pe.Kind != serentak.Pending {
			return res, err
		}
		if pe.RetryAfter <= 0 {
			t.Fatalf("Pending without a retry hint: %v", err)
		}
	}
	t.Fatal("still Pending after 10 attempts")
	return serentak.Result{}, nil
}

func kindOf(t *testing.T, err error) serentak.PublishErrorKind {
	t.Helper()
	return adaptertest.PublishErr(t, err).Kind
}

func TestPlatform(t *testing.T) {
	if p := facebook.New(facebook.Config{}).Platform(); p != serentak.Facebook {
		t.Fatalf("Platform() = %q", p)
	}
}

func TestPublish(t *testing.T) {
	t.Parallel()
	type want struct {
		kind     fakegraph.Kind
		message  string
		link     string
		title    string
		photos   int
		photoPOS int // POST /photos calls
		feedPOST int
	}
	tests := []struct {
		name    string
		content func(b *bundle) serentak.Content
		want    want
	}{
		{"text", func(b *bundle) serentak.Content {
			return serentak.Content{Text: "Nasi goreng Rp25.000"}
		}, want{kind: fakegraph.KindStatus, message: "Nasi goreng Rp25.000", feedPOST: 1}},
		{"text with link", func(b *bundle) serentak.Content {
			return serentak.Content{Text: "Order now", Link: "https://wa.me/62811"}
		}, want{kind: fakegraph.KindStatus, message: "Order now", link: "https://wa.me/62811", feedPOST: 1}},
		{"one image by URL", func(b *bundle) serentak.Content {
			return serentak.Content{Text: "A photo", Media: []serentak.MediaRef{b.image("a.png")}}
		}, want{kind: fakegraph.KindPhoto, message: "A photo", photos: 1, photoPOS: 1}},
		{"one uploaded image", func(b *bundle) serentak.Content {
			return serentak.Content{Text: "Uploaded", Media: []serentak.MediaRef{uploaded("med_1")}}
		}, want{kind: fakegraph.KindPhoto, message: "Uploaded", photos: 1, photoPOS: 1}},
		{"several images", func(b *bundle) serentak.Content {
			jpg := serentak.MediaRef{URL: b.media.URL + "/jpg/b.jpg", Kind: serentak.MediaImage}
			return serentak.Content{Text: "Three", Media: []serentak.MediaRef{b.image("a.png"), uploaded("med_2"), jpg}}
		}, want{kind: fakegraph.KindPhotos, message: "Three", photos: 3, photoPOS: 3, feedPOST: 1}},
		{"video", func(b *bundle) serentak.Content {
			return serentak.Content{Text: "Watch", Title: "How we cook", Media: []serentak.MediaRef{b.video()}}
		}, want{kind: fakegraph.KindVideo, message: "Watch", title: "How we cook"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			res, err := b.settle(t, tc.content(b))
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			posts := b.fake.Posts(pageID)
			if len(posts) != 1 {
				t.Fatalf("%d posts, want 1: %+v", len(posts), posts)
			}
			p := posts[0]
			got := want{kind: p.Kind, message: p.Message, link: p.Link, title: p.Title, photos: len(p.PhotoIDs),
				photoPOS: b.fake.CountCalls("POST", "photos"), feedPOST: b.fake.CountCalls("POST", "feed")}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("post (-want +got):\n%s", diff)
			}
			wantLink := "https://www.facebook.com/" + pageID + "/posts/" + strings.TrimPrefix(p.ID, pageID+"_")
			if p.Kind == fakegraph.KindVideo {
				wantLink = "https://www.facebook.com/" + pageID + "/videos/" + p.VideoID + "/"
			}
			if diff := cmp.Diff(serentak.Result{ExternalID: p.ID, Permalink: wantLink, PublishedAt: b.now}, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if cp := b.store.Checkpoint(); cp["post_id"] != p.ID {
				t.Errorf("checkpoint after success = %v", cp)
			}
			// A repeat with the saved checkpoint (the worker died before
			// recording) returns the same post and calls nothing.
			calls := len(b.fake.Calls())
			again, err := b.pub.Publish(context.Background(), b.request(tc.content(b)))
			if err != nil || again.ExternalID != res.ExternalID || again.Permalink != res.Permalink {
				t.Fatalf("repeat = %+v, %v", again, err)
			}
			if n := len(b.fake.Calls()); n != calls {
				t.Fatalf("repeat made %d calls", n-calls)
			}
		})
	}
}

func TestRejectsBadMediaWithoutCalling(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, c := range map[string]serentak.Content{
		"video and image": {Text: "x", Media: []serentak.MediaRef{b.video(), b.image("a.png")}},
		"two videos":      {Text: "x", Media: []serentak.MediaRef{b.video(), b.video()}},
		"nothing at all":  {},
	} {
		_, err := b.pub.Publish(context.Background(), b.request(c))
		if k := kindOf(t, err); k != serentak.Rejected {
			t.Errorf("%s: kind %s, want rejected (%v)", name, k, err)
		}
	}
	if n := len(b.fake.Calls()); n != 0 {
		t.Fatalf("%d calls made", n)
	}
}

func TestMultiPhotoRetryReusesUploads(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// The third upload fails once with a server error.
	var mu sync.Mutex
	uploads := 0
	b.fake.Inject(func(r *http.Request) *fakegraph.Fault {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/photos") {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		uploads++
		if uploads == 3 {
			f := fakegraph.ServerError()
			return &f
		}
		return nil
	})
	content := serentak.Content{Text: "Three", Media: []serentak.MediaRef{b.image("1.png"), b.image("2.png"), b.image("3.png")}}
	_, err := b.pub.Publish(context.Background(), b.request(content))
	if k := kindOf(t, err); k != serentak.Transient {
		t.Fatalf("first attempt: kind %s (%v)", k, err)
	}
	cp := b.store.Checkpoint()
	if cp["photo_0"] == "" || cp["photo_1"] == "" || cp["photo_2"] != "" {
		t.Fatalf("checkpoint after failed upload = %v", cp)
	}

	res, err := b.pub.Publish(context.Background(), b.request(content))
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := b.fake.CountCalls("POST", "photos"); n != 4 {
		t.Errorf("POST /photos calls = %d, want 4 (two kept, one failed, one redone)", n)
	}
	posts := b.fake.Posts(pageID)
	if len(posts) != 1 || posts[0].ID != res.ExternalID {
		t.Fatalf("posts = %+v", posts)
	}
	cp = b.store.Checkpoint()
	if diff := cmp.Diff([]string{cp["photo_0"], cp["photo_1"], cp["photo_2"]}, posts[0].PhotoIDs); diff != "" {
		t.Errorf("attached photos are not the checkpointed ones (-want +got):\n%s", diff)
	}
}

// faultOnce injects f into the first POST to the edge.
func faultOnce(fake *fakegraph.Server, edge string, f fakegraph.Fault) {
	var once sync.Once
	fake.Inject(func(r *http.Request) *fakegraph.Fault {
		var out *fakegraph.Fault
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/"+edge) {
			once.Do(func() { c := f; out = &c })
		}
		return out
	})
}

func TestOutcomeUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		content    func(b *bundle) serentak.Content
		finalEdge  string // the POST that makes the post public
		lookupEdge string // the list reconcile reads
	}{
		{"text", func(b *bundle) serentak.Content { return serentak.Content{Text: "Dropped text"} }, "feed", "published_posts"},
		{"one image", func(b *bundle) serentak.Content {
			return serentak.Content{Text: "Dropped photo", Media: []serentak.MediaRef{b.image("a.png")}}
		}, "photos", "published_posts"},
		{"several images", func(b *bundle) serentak.Content {
			return serentak.Content{Text: "Dropped album", Media: []serentak.MediaRef{b.image("a.png"), b.image("b.png")}}
		}, "feed", "published_posts"},
		{"video", func(b *bundle) serentak.Content {
			return serentak.Content{Text: "Dropped video", Media: []serentak.MediaRef{b.video()}}
		}, "videos", "videos"},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/post made, answer lost", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			content := tc.content(b)
			faultOnce(b.fake, tc.finalEdge, fakegraph.Drop())
			_, err := b.pub.Publish(context.Background(), b.request(content))
			if k := kindOf(t, err); k != serentak.Unknown {
				t.Fatalf("first attempt: kind %s, want unknown (%v)", k, err)
			}
			if n := len(b.fake.Posts(pageID)); n != 1 {
				t.Fatalf("the dropped call made %d posts, want 1", n)
			}
			finalPOSTs := b.fake.CountCalls("POST", tc.finalEdge)

			res, err := b.settle(t, content)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			posts := b.fake.Posts(pageID)
			if len(posts) != 1 {
				t.Fatalf("retry made a second post: %+v", posts)
			}
			if res.ExternalID != posts[0].ID || !strings.HasPrefix(res.Permalink, "https://www.facebook.com/"+pageID+"/") {
				t.Errorf("result = %+v, post = %+v", res, posts[0])
			}
			if n := b.fake.CountCalls("POST", tc.finalEdge); n != finalPOSTs {
				t.Errorf("retry sent %d more POST /%s", n-finalPOSTs, tc.finalEdge)
			}
			if n := b.fake.CountCalls("GET", tc.lookupEdge); n != 1 {
				t.Errorf("GET /%s calls = %d, want 1", tc.lookupEdge, n)
			}
			if cp := b.store.Checkpoint(); cp["post_id"] != res.ExternalID {
				t.Errorf("checkpoint after reconcile = %v", cp)
			}
		})
		t.Run(tc.name+"/request lost", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			content := tc.content(b)
			faultOnce(b.fake, tc.finalEdge, fakegraph.HangUp())
			_, err := b.pub.Publish(context.Background(), b.request(content))
			if k := kindOf(t, err); k != serentak.Unknown {
				t.Fatalf("first attempt: kind %s, want unknown (%v)", k, err)
			}
			if n := len(b.fake.Posts(pageID)); n != 0 {
				t.Fatalf("the hung-up call made %d posts", n)
			}
			res, err := b.settle(t, content)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if posts := b.fake.Posts(pageID); len(posts) != 1 || posts[0].ID != res.ExternalID {
				t.Fatalf("posts = %+v, result %+v", posts, res)
			}
		})
	}
}

func TestLostUnpublishedUploadIsTransient(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// An unpublished photo is invisible: losing its answer risks an orphan
	// upload, never a duplicate post, so it is an ordinary retry.
	faultOnce(b.fake, "photos", fakegraph.HangUp())
	content := serentak.Content{Text: "Two", Media: []serentak.MediaRef{b.image("1.png"), b.image("2.png")}}
	_, err := b.pub.Publish(context.Background(), b.request(content))
	if k := kindOf(t, err); k != serentak.Transient {
		t.Fatalf("kind %s, want transient (%v)", k, err)
	}
	if _, err := b.pub.Publish(context.Background(), b.request(content)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := b.fake.CountCalls("GET", "published_posts"); n != 0 {
		t.Errorf("a lost upload led to %d reconcile reads", n)
	}
	if posts := b.fake.Posts(pageID); len(posts) != 1 || len(posts[0].PhotoIDs) != 2 {
		t.Fatalf("posts = %+v", posts)
	}
}

func TestReconcileIgnoresOlderIdenticalPost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	content := serentak.Content{Text: "Same text"}
	if _, err := b.pub.Publish(context.Background(), b.request(content)); err != nil {
		t.Fatal(err)
	}
	// A later delivery with the same text whose checkpoint says its /feed
	// call went out ten minutes after that post: the old post is not it.
	b.store = adaptertest.NewStore(serentak.Checkpoint{"step": "feed", "step_at": b.now.Add(10 * time.Minute).Format(time.RFC3339Nano)})
	res, err := b.pub.Publish(context.Background(), b.request(content))
	if err != nil {
		t.Fatal(err)
	}
	posts := b.fake.Posts(pageID)
	if len(posts) != 2 || res.ExternalID != posts[1].ID {
		t.Fatalf("posts = %+v, result = %+v", posts, res)
	}
}

func TestSaveFailureSendsNothing(t *testing.T) {
	t.Parallel()
	t.Run("first save", func(t *testing.T) {
		b := setup(t)
		req := b.request(serentak.Content{Text: "hi"})
		req.SaveFunc = func(context.Context, serentak.Checkpoint) error { return errors.New("database is down") }
		_, err := b.pub.Publish(context.Background(), req)
		if k := kindOf(t, err); k != serentak.Transient || !strings.Contains(err.Error(), "database is down") {
			t.Fatalf("kind %s, err %v", k, err)
		}
		if n := len(b.fake.Calls()); n != 0 {
			t.Fatalf("%d calls made after the checkpoint could not be saved", n)
		}
	})
	t.Run("later save", func(t *testing.T) {
		b := setup(t)
		// Saves: before upload 1, after upload 1, before upload 2 (fails).
		b.store.FailAfter(2)
		content := serentak.Content{Text: "Two", Media: []serentak.MediaRef{b.image("1.png"), b.image("2.png")}}
		_, err := b.pub.Publish(context.Background(), b.request(content))
		if k := kindOf(t, err); k != serentak.Transient {
			t.Fatalf("kind %s (%v)", k, err)
		}
		if n := b.fake.CountCalls("POST", "photos"); n != 1 {
			t.Fatalf("POST /photos = %d, want 1", n)
		}
		if n := b.fake.CountCalls("POST", "feed"); n != 0 {
			t.Fatalf("POST /feed = %d, want 0", n)
		}
	})
}

func TestGraphErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault fakegraph.Fault
		kind  serentak.PublishErrorKind
		code  string
		retry time.Duration
	}{
		{"token expired", fakegraph.TokenExpired(), serentak.AuthExpired, "190/463", 0},
		{"app throttled", fakegraph.RateLimited(7), serentak.RateLimited, "4", 7 * time.Minute},
		{"user throttled", fakegraph.GraphError(17, 0), serentak.RateLimited, "17", time.Minute},
		{"page throttled", fakegraph.GraphError(32, 0), serentak.RateLimited, "32", time.Minute},
		{"posting too fast", fakegraph.PostingTooFast(), serentak.RateLimited, "368/1390008", time.Hour},
		{"duplicate", fakegraph.Duplicate(), serentak.Rejected, "506", 0},
		{"invalid parameter", fakegraph.GraphError(100, 0), serentak.Rejected, "100", 0},
		{"server error", fakegraph.ServerError(), serentak.Transient, "2", 0},
		{"unknown error", fakegraph.GraphError(1, 0), serentak.Transient, "1", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.fake.FailNext(pageID, 1, tc.fault)
			_, err := b.pub.Publish(context.Background(), b.request(serentak.Content{Text: "hi"}))
			var pe *serentak.PublishError
			if !errors.As(err, &pe) || pe.Kind != tc.kind || pe.Code != tc.code || pe.RetryAfter != tc.retry {
				t.Fatalf("err = %#v, want {%s %s %v}", err, tc.kind, tc.code, tc.retry)
			}
			if n := len(b.fake.Posts(pageID)); n != 0 {
				t.Fatalf("%d posts", n)
			}
		})
	}
}

func TestNetworkErrorBeforeSendingIsTransient(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // nothing listens there now
	pub := facebook.New(facebook.Config{BaseURL: dead.URL})
	_, err := pub.Publish(context.Background(), b.request(serentak.Content{Text: "hi"}))
	if k := kindOf(t, err); k != serentak.Transient {
		t.Fatalf("kind %s, want transient (%v)", k, err)
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	t.Parallel()
	scenarios := map[string]func(b *bundle) *facebook.Publisher{
		"graph error echoing the token": func(b *bundle) *facebook.Publisher {
			b.fake.FailNext(pageID, 1, fakegraph.Fault{Code: 190, Message: "Malformed access token " + pageToken})
			return b.pub
		},
		"dropped connection": func(b *bundle) *facebook.Publisher {
			b.fake.FailNext(pageID, 1, fakegraph.Drop())
			return b.pub
		},
		"unreachable host": func(b *bundle) *facebook.Publisher {
			dead := httptest.NewServer(http.NotFoundHandler())
			dead.Close()
			return facebook.New(facebook.Config{BaseURL: dead.URL})
		},
		"non-JSON answer": func(b *bundle) *facebook.Publisher {
			b.fake.FailNext(pageID, 1, fakegraph.Fault{Status: 502, RawBody: "<html>" + pageToken + "</html>"})
			return b.pub
		},
		"timeout": func(b *bundle) *facebook.Publisher {
			slow := fakegraph.New(fakegraph.WithLatency(time.Second))
			t.Cleanup(slow.Close)
			slow.AddPage(pageID, pageToken)
			return facebook.New(facebook.Config{BaseURL: slow.URL, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
		},
	}
	for name, setupPub := range scenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			pub := setupPub(b)
			_, err := pub.Publish(context.Background(), b.request(serentak.Content{Text: "hi"}))
			if err == nil {
				t.Fatal("no error")
			}
			adaptertest.NoSecrets(t, err, pageToken)
		})
	}
}

func TestConcurrentPublishes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := &adaptertest.Store{}
			req := b.request(serentak.Content{Text: fmt.Sprintf("post %d", i), Media: []serentak.MediaRef{b.image("a.png"), b.image("b.png")}})
			req.Checkpoint, req.SaveFunc = nil, st.Save
			if _, err := b.pub.Publish(context.Background(), req); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(b.fake.Posts(pageID)); got != n {
		t.Fatalf("%d posts, want %d", got, n)
	}
}
