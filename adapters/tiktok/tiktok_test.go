package tiktok_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/testkit"
)

const (
	openID = "open-id-shop-1"
	// Distinctive secrets, so a leak into an error is easy to spot.
	accessToken  = "act.secret-access-token-1"
	refreshToken = "rft.secret-refresh-token-1"
	username     = "warung.sari"
)

var (
	jpegBytes = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 200)...)
	webpBytes = append([]byte("RIFF\x10\x00\x00\x00WEBPVP8 "), make([]byte, 200)...)
)

type bundle struct {
	fake  *faketiktok.Server
	media *httptest.Server
	clock *testkit.Clock
	store *adaptertest.Store
	cfg   tiktok.Config
	pub   *tiktok.Publisher
	video []byte // what /video.mp4 and OpenMediaFunc serve
	// seekable makes OpenMediaFunc return an io.Seeker.
	seekable bool
	opens    int
	mu       sync.Mutex
}

type option func(*bundle)

func withConfig(f func(*tiktok.Config)) option { return func(b *bundle) { f(&b.cfg) } }
func withVideo(n int) option {
	return func(b *bundle) { b.video = randomBytes(n) }
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func setup(t *testing.T, fakeOpts []faketiktok.Option, opts ...option) *bundle {
	t.Helper()
	b := &bundle{clock: testkit.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)), store: &adaptertest.Store{}, video: randomBytes(300_000)}
	mux := http.NewServeMux()
	mux.HandleFunc("/video.mp4", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		w.Write(b.video)
	})
	mux.HandleFunc("/img/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(jpegBytes)
	})
	mux.HandleFunc("/webp/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/webp")
		w.Write(webpBytes)
	})
	b.media = httptest.NewServer(mux)
	t.Cleanup(b.media.Close)

	b.fake = faketiktok.New(append([]faketiktok.Option{faketiktok.WithClock(b.clock.Now), faketiktok.WithInsecurePull(),
		faketiktok.WithClient("ck", "cs")}, fakeOpts...)...)
	t.Cleanup(b.fake.Close)
	b.fake.AddUser(faketiktok.User{OpenID: openID, Username: username, Nickname: "Warung Sari",
		AccessToken: accessToken, RefreshToken: refreshToken})

	// The smallest chunks TikTok allows keep multi-chunk videos small.
	b.cfg = tiktok.Config{BaseURL: b.fake.URL, Now: b.clock.Now, ChunkSize: tiktok.MinChunkSize, ClientKey: "ck", ClientSecret: "cs"}
	for _, o := range opts {
		o(b)
	}
	b.pub = tiktok.New(b.cfg)
	return b
}

func (b *bundle) account() serentak.Account {
	return serentak.Account{ID: "acc_1", WorkspaceID: "ws_1", Platform: serentak.TikTok, ExternalID: openID, Name: "Warung Sari",
		Token: serentak.Token{AccessToken: accessToken, RefreshToken: refreshToken}}
}

// request is a publish request whose checkpoint is what the store holds,
// as the worker would load it.
func (b *bundle) request(c serentak.Content) serentak.PublishRequest {
	return serentak.PublishRequest{
		DeliveryID: "dlv_1",
		Account:    b.account(),
		Content:    c,
		Attempt:    1,
		Checkpoint: b.store.Checkpoint(),
		SaveFunc:   b.store.Save,
		MediaURLFunc: func(m serentak.MediaRef) (string, error) {
			return b.media.URL + "/img/" + m.ID + ".jpg", nil
		},
		OpenMediaFunc: func(ctx context.Context, m serentak.MediaRef) (io.ReadCloser, int64, error) {
			b.mu.Lock()
			b.opens++
			b.mu.Unlock()
			if b.seekable {
				return seekCloser{bytes.NewReader(b.video)}, int64(len(b.video)), nil
			}
			return io.NopCloser(bytes.NewReader(b.video)), int64(len(b.video)), nil
		},
	}
}

type seekCloser struct{ *bytes.Reader }

func (seekCloser) Close() error { return nil }

func (b *bundle) videoContent() serentak.Content {
	return serentak.Content{Text: "Sambal baru! Pesan sekarang #sambal",
		Options: serentak.Options{PrivacyLevel: tiktok.PublicToEveryone},
		Media:   []serentak.MediaRef{{URL: b.media.URL + "/video.mp4", Kind: serentak.MediaVideo, ContentType: "video/mp4", Size: int64(len(b.video))}}}
}

func photoContent() serentak.Content {
	return serentak.Content{Title: "Menu minggu ini", Text: "Tiga menu baru #kuliner",
		Options: serentak.Options{PrivacyLevel: tiktok.PublicToEveryone, AutoAddMusic: true},
		Media: []serentak.MediaRef{
			{ID: "med_1", Kind: serentak.MediaImage, ContentType: "image/jpeg"},
			{ID: "med_2", Kind: serentak.MediaImage, ContentType: "image/jpeg"},
		}}
}

func (b *bundle) publish(c serentak.Content) (serentak.Result, error) {
	return b.pub.Publish(context.Background(), b.request(c))
}

// untilDone publishes, then keeps calling Publish with the saved
// checkpoint while the answer is Pending, as the worker does. It returns
// the final result or error and how many Pending answers came first.
func (b *bundle) untilDone(t *testing.T, c serentak.Content) (serentak.Result, error, int) {
	t.Helper()
	for i := 0; i < 12; i++ {
		res, err := b.publish(c)
		var pe *serentak.PublishError
		if err == nil || !errors.As(err, &pe) || pe.Kind != serentak.Pending {
			return res, err, i
		}
		if pe.RetryAfter <= 0 {
			t.Fatalf("Pending without RetryAfter: %v", pe)
		}
		b.clock.Advance(pe.RetryAfter)
	}
	t.Fatalf("still pending after 12 attempts; checkpoint %v", b.store.Checkpoint())
	return serentak.Result{}, nil, 0
}

func kindOf(t *testing.T, err error) serentak.PublishErrorKind {
	t.Helper()
	return adaptertest.PublishErr(t, err).Kind
}

func codeOf(err error) string {
	var pe *serentak.PublishError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// noSecrets fails when an error carries a token or the upload_token.
func noSecrets(t *testing.T, err error) {
	t.Helper()
	adaptertest.NoSecrets(t, err, accessToken, refreshToken, "upload_token", "upload_id=")
}

func TestPlatform(t *testing.T) {
	if p := tiktok.New(tiktok.Config{}).Platform(); p != serentak.TikTok {
		t.Fatalf("Platform() = %q", p)
	}
}

func TestVideoFileUpload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int
		seekable bool
		chunks   int
	}{
		{"small video goes whole", 300_000, false, 1},
		{"multi-chunk upload, final chunk absorbs the rest", 2*5*1024*1024 + 777_777, false, 2},
		{"multi-chunk from a seekable file", 3*5*1024*1024 + 5, true, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil, withVideo(tc.size))
			b.seekable = tc.seekable
			c := b.videoContent()

			_, err := b.publish(c)
			if k := kindOf(t, err); k != serentak.Pending {
				t.Fatalf("first attempt: %v, want pending", err)
			}
			pubs := b.fake.Publishes(openID)
			if len(pubs) != 1 {
				t.Fatalf("%d publishes, want 1", len(pubs))
			}
			p := pubs[0]
			if p.Source != "FILE_UPLOAD" || p.ChunkCount != tc.chunks || p.ChunksReceived != tc.chunks || p.VideoSize != int64(tc.size) {
				t.Errorf("publish = source %s, %d/%d chunks, size %d; want FILE_UPLOAD, %d chunks, size %d",
					p.Source, p.ChunksReceived, p.ChunkCount, p.VideoSize, tc.chunks, tc.size)
			}
			if !bytes.Equal(b.fake.Uploaded(p.ID), b.video) {
				t.Fatalf("the bytes TikTok received differ from the video (%d vs %d bytes)", len(b.fake.Uploaded(p.ID)), len(b.video))
			}
			if cp := b.store.Checkpoint(); cp["publish_id"] != p.ID || cp["uploaded"] != "1" {
				t.Errorf("checkpoint after upload = %v", cp)
			}

			res, err, pendings := b.untilDone(t, c)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if pendings != 2 {
				t.Errorf("%d Pending answers before completion, want 2 (the fake processes for 2 reads)", pendings)
			}
			p = b.fake.Publishes(openID)[0]
			want := serentak.Result{ExternalID: p.PostID, Permalink: "https://www.tiktok.com/@" + username + "/video/" + p.PostID, PublishedAt: b.clock.Now()}
			if diff := cmp.Diff(want, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if p.Title != c.Text || p.PrivacyLevel != faketiktok.PublicToEveryone {
				t.Errorf("posted title %q privacy %s", p.Title, p.PrivacyLevel)
			}
			if n := b.fake.CountCalls("", faketiktok.PathVideoInit); n != 1 {
				t.Errorf("%d init calls, want 1", n)
			}
			// A repeat with the saved checkpoint (the worker died before
			// recording) returns the same post and calls nothing.
			calls := len(b.fake.Calls())
			again, err := b.publish(c)
			if err != nil || !cmp.Equal(again, res) {
				t.Fatalf("repeat = %+v, %v", again, err)
			}
			if n := len(b.fake.Calls()); n != calls {
				t.Fatalf("repeat made %d calls", n-calls)
			}
		})
	}
}

func TestVideoPullFromURL(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, withConfig(func(c *tiktok.Config) { c.PullFromURL = true }))
	b.cfg.VerifiedPrefixes = []string{b.media.URL + "/"}
	b.pub = tiktok.New(b.cfg)
	b.fake.VerifyURLPrefix(b.media.URL + "/")
	c := b.videoContent()

	res, err, pendings := b.untilDone(t, c)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	p := b.fake.Publishes(openID)[0]
	if p.Source != "PULL_FROM_URL" || p.VideoURL != c.Media[0].URL || p.Downloaded != int64(len(b.video)) {
		t.Errorf("publish = %s %s, downloaded %d", p.Source, p.VideoURL, p.Downloaded)
	}
	if n := b.fake.CountCalls("", faketiktok.PathUpload); n != 0 {
		t.Errorf("%d uploads for a pulled video", n)
	}
	if res.ExternalID != p.PostID || pendings != 3 {
		t.Errorf("result %+v after %d pendings", res, pendings)
	}
}

func TestPullRefusedFallsBackToFileUpload(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	// The adapter believes the host is verified; TikTok does not.
	b.cfg.PullFromURL, b.cfg.VerifiedPrefixes = true, []string{b.media.URL + "/"}
	b.pub = tiktok.New(b.cfg)
	c := b.videoContent()
	if _, err, _ := b.untilDone(t, c); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	pubs := b.fake.Publishes(openID)
	if len(pubs) != 1 || pubs[0].Source != "FILE_UPLOAD" || pubs[0].Status != faketiktok.StatusPublishComplete {
		t.Fatalf("publishes = %+v", pubs)
	}
	if n := b.fake.CountCalls("", faketiktok.PathVideoInit); n != 2 {
		t.Errorf("%d init calls, want 2 (refused pull, then upload)", n)
	}
	if cp := b.store.Checkpoint(); cp["pull_refused"] != "1" {
		t.Errorf("checkpoint = %v", cp)
	}
}

func TestPhotoPost(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.fake.VerifyURLPrefix(b.media.URL + "/img/")
	c := photoContent()
	res, err, _ := b.untilDone(t, c)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	p := b.fake.Publishes(openID)[0]
	want := faketiktok.Publish{Kind: "photo", Source: "PULL_FROM_URL", Title: c.Title, Description: c.Text,
		PrivacyLevel: faketiktok.PublicToEveryone, AutoAddMusic: true,
		PhotoURLs: []string{b.media.URL + "/img/med_1.jpg", b.media.URL + "/img/med_2.jpg"}}
	got := faketiktok.Publish{Kind: p.Kind, Source: p.Source, Title: p.Title, Description: p.Description,
		PrivacyLevel: p.PrivacyLevel, AutoAddMusic: p.AutoAddMusic, PhotoURLs: p.PhotoURLs, Inbox: p.Inbox}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("photo post (-want +got):\n%s", diff)
	}
	if res.ExternalID != p.PostID || !strings.HasSuffix(res.Permalink, "/video/"+p.PostID) {
		t.Errorf("result = %+v", res)
	}
}

func TestPhotoOnUnverifiedHostIsRejected(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	_, err := b.publish(photoContent())
	if kindOf(t, err) != serentak.Rejected || codeOf(err) != "url_ownership_unverified" || !strings.Contains(err.Error(), "verif") {
		t.Fatalf("err = %v", err)
	}
	if cp := b.store.Checkpoint(); cp["step"] != "" {
		t.Errorf("a refused init left step %q", cp["step"])
	}
}

// TestCrashAfterInit: the process dies right after the publish_id is
// saved; the next attempt works on that publish and never inits again.
func TestCrashAfterInit(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"file upload", "pull"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil, withVideo(2*5*1024*1024+10))
			if name == "pull" {
				b.cfg.PullFromURL, b.cfg.VerifiedPrefixes = true, []string{b.media.URL + "/"}
				b.pub = tiktok.New(b.cfg)
				b.fake.VerifyURLPrefix(b.media.URL + "/")
			}
			ctx, crash := context.WithCancel(context.Background())
			b.store.SetAfter(func(cp serentak.Checkpoint) {
				if cp["publish_id"] != "" {
					crash()
				}
			})
			c := b.videoContent()
			_, err := b.pub.Publish(ctx, b.request(c))
			if err == nil {
				t.Fatal("the crashed attempt succeeded")
			}
			noSecrets(t, err)
			saved := b.store.Checkpoint()["publish_id"]
			if saved == "" {
				t.Fatal("no publish_id saved")
			}
			b.store.SetAfter(nil)

			if _, err, _ := b.untilDone(t, c); err != nil {
				t.Fatalf("after the crash: %v", err)
			}
			pubs := b.fake.Publishes(openID)
			if len(pubs) != 1 || pubs[0].ID != saved || pubs[0].Status != faketiktok.StatusPublishComplete {
				t.Fatalf("publishes = %+v, want the one saved (%s), complete", pubs, saved)
			}
			if name == "file upload" && !bytes.Equal(b.fake.Uploaded(saved), b.video) {
				t.Error("the resumed upload's bytes differ from the video")
			}
		})
	}
}

// TestUploadResumes: a chunk whose connection breaks is resent by the next
// attempt, and one TikTok got despite the break is not sent twice.
func TestUploadResumes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault faketiktok.Fault
	}{
		{"chunk lost", faketiktok.HangUp()},
		{"chunk received, answer lost", faketiktok.Drop()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil, withVideo(3*5*1024*1024+99))
			var mu sync.Mutex
			puts := 0
			b.fake.Inject(func(r *http.Request) *faketiktok.Fault {
				if r.Method != http.MethodPut {
					return nil
				}
				mu.Lock()
				defer mu.Unlock()
				if puts++; puts == 2 {
					f := tc.fault
					return &f
				}
				return nil
			})
			c := b.videoContent()
			_, err := b.publish(c)
			if kindOf(t, err) != serentak.Transient {
				t.Fatalf("first attempt: %v", err)
			}
			noSecrets(t, err)
			if cp := b.store.Checkpoint(); cp["chunks_done"] != "1" {
				t.Fatalf("checkpoint = %v", cp)
			}
			if _, err, _ := b.untilDone(t, c); err != nil {
				t.Fatalf("resumed: %v", err)
			}
			pubs := b.fake.Publishes(openID)
			if len(pubs) != 1 || !bytes.Equal(b.fake.Uploaded(pubs[0].ID), b.video) {
				t.Fatalf("%d publishes; bytes match: %v", len(pubs), len(pubs) == 1 && bytes.Equal(b.fake.Uploaded(pubs[0].ID), b.video))
			}
			if n := b.fake.CountCalls("", faketiktok.PathVideoInit); n != 1 {
				t.Errorf("%d inits, want 1", n)
			}
			resent := 0
			for _, c := range b.fake.Calls() {
				if c.Status == http.StatusRequestedRangeNotSatisfiable {
					resent++
				}
			}
			if wantResent := map[bool]int{true: 1, false: 0}[tc.fault.Drop]; resent != wantResent {
				t.Errorf("%d chunks answered 416, want %d (only a chunk TikTok already had)", resent, wantResent)
			}
		})
	}
}

func TestUploadLinkExpiredStartsAgain(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, withVideo(2*5*1024*1024+1))
	b.fake.FailNext(faketiktok.PathUpload, 1, faketiktok.HangUp())
	c := b.videoContent()
	if _, err := b.publish(c); kindOf(t, err) != serentak.Transient {
		t.Fatalf("first attempt: %v", err)
	}
	first := b.store.Checkpoint()["publish_id"]
	b.clock.Advance(time.Hour)
	if _, err, _ := b.untilDone(t, c); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	pubs := b.fake.Publishes(openID)
	if len(pubs) != 2 || pubs[0].ID != first || pubs[0].Received != 0 || pubs[1].Status != faketiktok.StatusPublishComplete {
		t.Fatalf("publishes = %+v; want the dead first one without bytes, and a complete second", pubs)
	}
}

func TestInitAnswerLost(t *testing.T) {
	t.Parallel()
	t.Run("pulled media: not sent again, the user is told to check", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.fake.VerifyURLPrefix(b.media.URL + "/img/")
		b.fake.FailNext(faketiktok.PathContentInit, 1, faketiktok.Drop())
		for attempt := 1; attempt <= 2; attempt++ {
			_, err := b.publish(photoContent())
			if kindOf(t, err) != serentak.Rejected || codeOf(err) != "outcome_unknown" || !strings.Contains(err.Error(), "did not send it again") {
				t.Fatalf("attempt %d: %v", attempt, err)
			}
			noSecrets(t, err)
		}
		if n := b.fake.CountCalls("", faketiktok.PathContentInit); n != 1 {
			t.Errorf("%d init calls, want 1", n)
		}
		if n := len(b.fake.Publishes(openID)); n != 1 {
			t.Errorf("%d publishes, want 1", n)
		}
	})
	t.Run("file upload: safe to start again", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.fake.FailNext(faketiktok.PathVideoInit, 1, faketiktok.Drop())
		c := b.videoContent()
		_, err := b.publish(c)
		if kindOf(t, err) != serentak.Transient {
			t.Fatalf("first attempt: %v", err)
		}
		if _, err, _ := b.untilDone(t, c); err != nil {
			t.Fatalf("retry: %v", err)
		}
		pubs := b.fake.Publishes(openID)
		if len(pubs) != 2 || pubs[0].Received != 0 || pubs[0].Status == faketiktok.StatusPublishComplete ||
			pubs[1].Status != faketiktok.StatusPublishComplete {
			t.Fatalf("publishes = %+v; want an orphan without bytes and one complete", pubs)
		}
	})
}

func TestCreatorLimits(t *testing.T) {
	t.Parallel()
	t.Run("video longer than the creator may post", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, withConfig(func(c *tiktok.Config) {
			c.DurationFunc = func(context.Context, serentak.MediaRef) (time.Duration, bool) { return 4 * time.Minute, true }
		}))
		b.fake.AddUser(faketiktok.User{OpenID: openID, Username: username, AccessToken: accessToken, MaxVideoPostDurationSec: 180})
		_, err := b.publish(b.videoContent())
		if kindOf(t, err) != serentak.Rejected || !strings.Contains(err.Error(), "4m0s long") || !strings.Contains(err.Error(), "at most 3m0s") {
			t.Fatalf("err = %v", err)
		}
		if n := len(b.fake.Publishes("")); n != 0 {
			t.Errorf("%d publishes", n)
		}
	})
	t.Run("unknown duration is not checked", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, withConfig(func(c *tiktok.Config) {
			c.DurationFunc = func(context.Context, serentak.MediaRef) (time.Duration, bool) { return 0, false }
		}))
		if _, err, _ := b.untilDone(t, b.videoContent()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("banned creator, HTTP 200 error", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.fake.FailNext(faketiktok.PathCreatorInfo, 1, faketiktok.Fault{Status: 200, Code: "spam_risk_user_banned_from_posting"})
		_, err := b.publish(b.videoContent())
		if kindOf(t, err) != serentak.Rejected || !strings.Contains(err.Error(), "banned") {
			t.Fatalf("err = %v", err)
		}
		if n := b.fake.CountCalls("", faketiktok.PathVideoInit); n != 0 {
			t.Errorf("%d inits", n)
		}
	})
	t.Run("duration from the upload's inspection, without DurationFunc", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.fake.AddUser(faketiktok.User{OpenID: openID, Username: username, AccessToken: accessToken, MaxVideoPostDurationSec: 60})
		c := b.videoContent()
		c.Media[0].DurationMS = 61_000
		_, err := b.publish(c)
		if kindOf(t, err) != serentak.Rejected || codeOf(err) != "duration_too_long" {
			t.Fatalf("err = %v", err)
		}
		if n := b.fake.CountCalls("", faketiktok.PathVideoInit); n != 0 {
			t.Errorf("%d inits: the video was sent before its length was checked", n)
		}
	})
	t.Run("the user's options are sent; what the creator turned off stays off", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.fake.AddUser(faketiktok.User{OpenID: openID, Username: username, AccessToken: accessToken,
			PrivacyOptions: []string{faketiktok.FollowerOfCreator, faketiktok.MutualFollowFriends, faketiktok.SelfOnly},
			DuetDisabled:   true})
		c := b.videoContent()
		c.Options = serentak.Options{PrivacyLevel: tiktok.FollowerOfCreator, DisableComment: true, BrandOrganicToggle: true}
		res, err, _ := b.untilDone(t, c)
		if err != nil {
			t.Fatal(err)
		}
		p := b.fake.Publishes(openID)[0]
		want := faketiktok.Publish{PrivacyLevel: faketiktok.FollowerOfCreator, DisableComment: true, DisableDuet: true, BrandOrganicToggle: true}
		got := faketiktok.Publish{PrivacyLevel: p.PrivacyLevel, DisableComment: p.DisableComment, DisableDuet: p.DisableDuet,
			DisableStitch: p.DisableStitch, BrandContentToggle: p.BrandContentToggle, BrandOrganicToggle: p.BrandOrganicToggle}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("post_info TikTok got (-want +got):\n%s", diff)
		}
		// Not public: no public ID; the publish_id stands in.
		if res.ExternalID != p.ID || res.Permalink != "" || len(res.Warnings) != 0 {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("never chosen for the user", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		c := b.videoContent()
		c.Options = serentak.Options{}
		_, err := b.publish(c)
		if kindOf(t, err) != serentak.Rejected || !strings.Contains(err.Error(), "privacy_level") {
			t.Fatalf("err = %v", err)
		}
		if n := b.fake.CountCalls("", faketiktok.PathVideoInit); n != 0 {
			t.Errorf("%d inits", n)
		}
	})
	t.Run("a level the creator no longer offers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.fake.SetPrivacyOptions(openID, faketiktok.FollowerOfCreator, faketiktok.SelfOnly)
		_, err := b.publish(b.videoContent()) // asks PUBLIC_TO_EVERYONE
		if kindOf(t, err) != serentak.Rejected || !strings.Contains(err.Error(), "FOLLOWER_OF_CREATOR, SELF_ONLY") {
			t.Fatalf("err = %v", err)
		}
		if n := b.fake.CountCalls("", faketiktok.PathVideoInit); n != 0 {
			t.Errorf("%d inits", n)
		}
	})
}

func TestReadOptions(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.fake.AddUser(faketiktok.User{OpenID: openID, Username: username, Nickname: "Warung Sari", AccessToken: accessToken,
		PrivacyOptions: []string{faketiktok.FollowerOfCreator, faketiktok.SelfOnly}, StitchDisabled: true, MaxVideoPostDurationSec: 300})
	got, err := b.pub.ReadOptions(context.Background(), b.account())
	if err != nil {
		t.Fatal(err)
	}
	want := serentak.AccountOptions{Platform: serentak.TikTok, CreatorNickname: "Warung Sari",
		CreatorAvatarURL:    "https://p16.tiktokcdn.example/avatar/" + openID + ".jpeg",
		PrivacyLevelOptions: []string{faketiktok.FollowerOfCreator, faketiktok.SelfOnly}, StitchDisabled: true,
		MaxVideoPostDurationSec: 300, CanPost: true, Accepts: serentak.TikTok.TargetOptions()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if n := b.fake.CountCalls("", faketiktok.PathCreatorInfo); n != 1 {
		t.Errorf("%d creator_info calls", n)
	}

	b.fake.FailNext(faketiktok.PathCreatorInfo, 1, faketiktok.Fault{Status: 200, Code: "spam_risk_too_many_posts"})
	got, err = b.pub.ReadOptions(context.Background(), b.account())
	if err != nil || got.CanPost || got.CannotPostReason == "" {
		t.Errorf("too many posts: %+v, %v", got, err)
	}
	b.fake.ExpireToken(accessToken)
	_, err = b.pub.ReadOptions(context.Background(), b.account())
	if kindOf(t, err) != serentak.AuthExpired || strings.Contains(err.Error(), accessToken) {
		t.Errorf("expired token: %v", err)
	}
}

func TestUnauditedClient(t *testing.T) {
	t.Parallel()
	t.Run("public account: refused, whatever the privacy level, with what to do", func(t *testing.T) {
		t.Parallel()
		for _, level := range []string{tiktok.PublicToEveryone, tiktok.SelfOnly} {
			b := setup(t, nil)
			b.fake.SetUnaudited(true)
			c := b.videoContent()
			c.Options.PrivacyLevel = level
			_, err := b.publish(c)
			if kindOf(t, err) != serentak.Rejected || !strings.Contains(err.Error(), "Make the TikTok account private") ||
				!strings.Contains(err.Error(), "audited") {
				t.Fatalf("%s: err = %v", level, err)
			}
			// No retry as SELF_ONLY: it cannot get past this refusal.
			if n := b.fake.CountCalls("", faketiktok.PathVideoInit); n != 1 {
				t.Errorf("%s: %d inits, want 1", level, n)
			}
		}
	})
	t.Run("private account: published, kept private, and the result says so", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.fake.SetUnaudited(true)
		b.fake.AddUser(faketiktok.User{OpenID: openID, Username: username, AccessToken: accessToken, PrivateAccount: true,
			PrivacyOptions: []string{faketiktok.PublicToEveryone, faketiktok.SelfOnly}})
		res, err, _ := b.untilDone(t, b.videoContent())
		if err != nil {
			t.Fatal(err)
		}
		pubs := b.fake.Publishes(openID)
		if len(pubs) != 1 || pubs[0].PrivacyLevel != faketiktok.PublicToEveryone || !pubs[0].Restricted {
			t.Fatalf("publishes = %+v", pubs)
		}
		if res.ExternalID != pubs[0].ID || res.Permalink != "" || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), "not made it public") {
			t.Errorf("result = %+v", res)
		}
		// A stable code, worded in the reader's language.
		if w := res.Warnings; len(w) != 1 || w[0].Code != serentak.WarnTikTokNotPublic || !strings.Contains(w[0].Text("id"), "belum menjadikannya publik") {
			t.Errorf("warnings = %#v, want the code %s", w, serentak.WarnTikTokNotPublic)
		}
	})
}

func TestFailed(t *testing.T) {
	t.Parallel()
	t.Run("permanent reason surfaced", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.fake.FailNextPublish("duration_check_failed")
		_, err, _ := b.untilDone(t, b.videoContent())
		if kindOf(t, err) != serentak.Rejected || codeOf(err) != "FAILED/duration_check_failed" || !strings.Contains(err.Error(), "length") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("passing reason posts again", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.fake.FailNextPublish("internal")
		c := b.videoContent()
		_, err, _ := b.untilDone(t, c)
		if kindOf(t, err) != serentak.Transient {
			t.Fatalf("err = %v", err)
		}
		if cp := b.store.Checkpoint(); cp["publish_id"] != "" {
			t.Fatalf("the dead publish is still in the checkpoint: %v", cp)
		}
		if _, err, _ := b.untilDone(t, c); err != nil {
			t.Fatal(err)
		}
		pubs := b.fake.Publishes(openID)
		if len(pubs) != 2 || pubs[0].Status != faketiktok.StatusFailed || pubs[1].Status != faketiktok.StatusPublishComplete {
			t.Fatalf("publishes = %+v", pubs)
		}
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.fake.VerifyURLPrefix(b.media.URL + "/img/")
	for i := 1; i <= 7; i++ {
		b.store = &adaptertest.Store{}
		_, err := b.publish(photoContent())
		if i <= 6 {
			if kindOf(t, err) != serentak.Pending {
				t.Fatalf("post %d: %v", i, err)
			}
			continue
		}
		var pe *serentak.PublishError
		if !errors.As(err, &pe) || pe.Kind != serentak.RateLimited || pe.RetryAfter != time.Minute || pe.Code != "rate_limit_exceeded" {
			t.Fatalf("post 7: %v", err)
		}
		if cp := b.store.Checkpoint(); cp["step"] != "" {
			t.Errorf("a refused init left step %q", cp["step"])
		}
	}
	// A minute later the window has moved.
	b.clock.Advance(time.Minute)
	if _, err := b.publish(photoContent()); kindOf(t, err) != serentak.Pending {
		t.Fatalf("after a minute: %v", err)
	}
}

func TestInbox(t *testing.T) {
	t.Parallel()
	t.Run("video", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, withConfig(func(c *tiktok.Config) { c.Inbox = true }))
		res, err, _ := b.untilDone(t, b.videoContent())
		if err != nil {
			t.Fatal(err)
		}
		p := b.fake.Publishes(openID)[0]
		if !p.Inbox || p.Status != faketiktok.StatusSendToUserInbox || res.ExternalID != p.ID || res.Permalink != "" {
			t.Errorf("publish %+v, result %+v", p, res)
		}
		if n := b.fake.CountCalls("", faketiktok.PathCreatorInfo); n != 0 {
			t.Errorf("%d creator_info calls for an inbox upload", n)
		}
		if w := res.Warnings; len(w) != 1 || w[0].Code != serentak.WarnTikTokInbox ||
			!strings.Contains(w[0].Text("en"), "TikTok inbox") || !strings.Contains(w[0].Text("id"), "kotak masuk TikTok") {
			t.Errorf("warnings = %#v, want the code %s", w, serentak.WarnTikTokInbox)
		}
		if cp := b.store.Checkpoint(); cp["notice"] != serentak.WarnTikTokInbox {
			t.Errorf("notice = %q", cp["notice"])
		}
		// A later attempt (the worker did not get to record the result)
		// answers the same coded warning from the checkpoint.
		again, err := b.publish(b.videoContent())
		if err != nil || again.ExternalID != res.ExternalID || cmp.Diff(res.Warnings, again.Warnings) != "" {
			t.Errorf("again: %+v, %v; want %+v", again, err, res)
		}
	})
	t.Run("photos, per account", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, withConfig(func(c *tiktok.Config) {
			c.AccountOptions = func(a serentak.Account) tiktok.AccountOptions { return tiktok.AccountOptions{Inbox: a.ID == "acc_1"} }
		}))
		b.fake.VerifyURLPrefix(b.media.URL + "/img/")
		if _, err, _ := b.untilDone(t, photoContent()); err != nil {
			t.Fatal(err)
		}
		if p := b.fake.Publishes(openID)[0]; !p.Inbox || p.PrivacyLevel != "" || p.Status != faketiktok.StatusSendToUserInbox {
			t.Errorf("publish = %+v", p)
		}
	})
}

func TestExpiredTokenThenRefresh(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.fake.ExpireToken(accessToken)
	_, err := b.publish(b.videoContent())
	if kindOf(t, err) != serentak.AuthExpired || codeOf(err) != "access_token_invalid" {
		t.Fatalf("err = %v", err)
	}
	noSecrets(t, err)

	// The worker refreshes, persists, and publishes again.
	tok, err := b.pub.RefreshToken(context.Background(), b.account())
	if err != nil {
		t.Fatal(err)
	}
	req := b.request(b.videoContent())
	req.Account.Token = tok
	if _, err := b.pub.Publish(context.Background(), req); kindOf(t, err) != serentak.Pending {
		t.Fatalf("with the new token: %v", err)
	}
}

func TestRefreshToken(t *testing.T) {
	t.Parallel()
	t.Run("rotates, and the newest is the one that works", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		acc := b.account()
		seen := map[string]bool{refreshToken: true}
		for i := 0; i < 3; i++ {
			tok, err := b.pub.RefreshToken(context.Background(), acc)
			if err != nil {
				t.Fatalf("refresh %d: %v", i+1, err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" || seen[tok.RefreshToken] {
				t.Fatalf("refresh %d gave %q / %q", i+1, tok.AccessToken, tok.RefreshToken)
			}
			if want := b.clock.Now().Add(2 * time.Hour); !tok.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt = %v, want %v", tok.ExpiresAt, want)
			}
			seen[tok.RefreshToken] = true
			acc.Token = tok // persisted
		}
		// Another process still holding the first refresh token gets
		// invalid_grant: the account must be reconnected.
		other := tiktok.New(b.cfg)
		_, err := other.RefreshToken(context.Background(), b.account())
		if kindOf(t, err) != serentak.AuthExpired || codeOf(err) != "invalid_grant" {
			t.Fatalf("old refresh token: %v", err)
		}
		noSecrets(t, err)
	})
	t.Run("two refreshes at once share one rotation", func(t *testing.T) {
		t.Parallel()
		b := setup(t, []faketiktok.Option{faketiktok.WithLatency(50 * time.Millisecond)})
		var wg sync.WaitGroup
		toks := make([]serentak.Token, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				toks[i], errs[i] = b.pub.RefreshToken(context.Background(), b.account())
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("errors: %v, %v", errs[0], errs[1])
		}
		if toks[0].RefreshToken != toks[1].RefreshToken || toks[0].AccessToken != toks[1].AccessToken {
			t.Error("the two refreshes returned different tokens; one of them is already dead")
		}
		if n := b.fake.CountCalls("", faketiktok.PathToken); n != 1 {
			t.Errorf("%d token calls, want 1", n)
		}
		// A late second worker, after the first finished, gets the same.
		late, err := b.pub.RefreshToken(context.Background(), b.account())
		if err != nil || late.RefreshToken != toks[0].RefreshToken {
			t.Errorf("late refresh = %v", err)
		}
	})
	t.Run("an answer without a refresh token keeps the old one", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != refreshToken ||
				r.PostForm.Get("client_key") != "ck" || r.PostForm.Get("client_secret") != "cs" {
				w.WriteHeader(400)
				return
			}
			w.Write([]byte(`{"access_token":"act.new","expires_in":86400,"open_id":"x","token_type":"Bearer"}`))
		}))
		defer srv.Close()
		p := tiktok.New(tiktok.Config{TokenURL: srv.URL, ClientKey: "ck", ClientSecret: "cs"})
		tok, err := p.RefreshToken(context.Background(), serentak.Account{Token: serentak.Token{RefreshToken: refreshToken}})
		if err != nil || tok.AccessToken != "act.new" || tok.RefreshToken != refreshToken {
			t.Fatalf("token %q/%q, %v", tok.AccessToken, tok.RefreshToken, err)
		}
	})
	t.Run("wrong client credentials", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.cfg.ClientSecret = "wrong"
		_, err := tiktok.New(b.cfg).RefreshToken(context.Background(), b.account())
		if kindOf(t, err) != serentak.Rejected || codeOf(err) != "invalid_client" || strings.Contains(err.Error(), "wrong") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no refresh token", func(t *testing.T) {
		t.Parallel()
		_, err := tiktok.New(tiktok.Config{ClientKey: "ck", ClientSecret: "cs"}).RefreshToken(context.Background(), serentak.Account{})
		if kindOf(t, err) != serentak.AuthExpired {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestRejectsBadMediaWithoutCalling(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	video := b.videoContent().Media[0]
	img := photoContent().Media[0]
	for name, c := range map[string]serentak.Content{
		"video and photo": {Text: "x", Media: []serentak.MediaRef{video, img}},
		"two videos":      {Text: "x", Media: []serentak.MediaRef{video, video}},
		"nothing":         {Text: "x"},
		"36 photos":       {Text: "x", Media: make([]serentak.MediaRef, 36)},
	} {
		if name == "36 photos" {
			for i := range c.Media {
				c.Media[i] = img
			}
		}
		_, err := b.publish(c)
		if k := kindOf(t, err); k != serentak.Rejected {
			t.Errorf("%s: kind %s, want rejected (%v)", name, k, err)
		}
	}
	if n := len(b.fake.Calls()); n != 0 {
		t.Fatalf("%d calls made", n)
	}
}

func TestCheckpointSaveFailureSendsNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	req := b.request(b.videoContent())
	req.SaveFunc = func(context.Context, serentak.Checkpoint) error { return errors.New("database is down") }
	_, err := b.pub.Publish(context.Background(), req)
	if kindOf(t, err) != serentak.Transient {
		t.Fatalf("err = %v", err)
	}
	if n := b.fake.CountCalls("", faketiktok.PathVideoInit); n != 0 {
		t.Fatalf("%d inits sent without a saved checkpoint", n)
	}
}

// TestUploadStopsWhenProgressCannotBeSaved: a save that fails (the lease
// is lost, say) stops the upload; the next attempt carries on from what
// was saved.
func TestUploadStopsWhenProgressCannotBeSaved(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, withVideo(3*5*1024*1024+1))
	b.store.SetHook(func(cp serentak.Checkpoint) error {
		if cp["chunks_done"] == "2" {
			return errors.New("lease lost: another worker has taken the delivery over")
		}
		return nil
	})
	c := b.videoContent()
	_, err := b.publish(c)
	if kindOf(t, err) != serentak.Transient {
		t.Fatalf("err = %v", err)
	}
	if n := b.fake.CountCalls(http.MethodPut, faketiktok.PathUpload); n != 2 {
		t.Fatalf("%d chunks sent, want 2 (none after the failed save)", n)
	}
	b.store.SetHook(nil)
	if _, err, _ := b.untilDone(t, c); err != nil {
		t.Fatal(err)
	}
	pubs := b.fake.Publishes(openID)
	if len(pubs) != 1 || !bytes.Equal(b.fake.Uploaded(pubs[0].ID), b.video) {
		t.Fatalf("%d publishes, or the bytes differ", len(pubs))
	}
}
