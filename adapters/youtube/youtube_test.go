package youtube_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
	"github.com/serentak/serentak/testkit"
)

const (
	channelID = "UCfakeChannel0001"
	// Distinctive secrets, so a leak into an error is easy to spot.
	accessToken  = "ya29.secret-access-token-0001"
	refreshToken = "1//secret-refresh-token-0001"
	unit         = 256 << 10
)

// gen is a video made up on the fly: size deterministic bytes, never held
// in memory.
type gen struct {
	pos, size int64
}

func (g *gen) Read(p []byte) (int, error) {
	if g.pos >= g.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), g.size-g.pos))
	for i := range n {
		x := uint64(g.pos + int64(i))
		p[i] = byte((x * 0x9E3779B97F4A7C15) >> 56)
	}
	g.pos += int64(n)
	return n, nil
}

func (g *gen) Close() error { return nil }

// seekableGen is gen with Seek, as a file from the blob store would be.
type seekableGen struct{ gen }

func (g *seekableGen) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart {
		return 0, errors.New("only SeekStart")
	}
	g.pos = off
	return off, nil
}

func genSHA(size int64) string {
	h := sha256.New()
	io.Copy(h, &gen{size: size})
	return hex.EncodeToString(h.Sum(nil))
}

type bundle struct {
	fake  *fakeyoutube.Server
	pub   *youtube.Publisher
	store *adaptertest.Store
	clock *testkit.Clock
	size  int64
	seek  bool

	mu    sync.Mutex
	opens int
}

type options struct {
	cfg  youtube.Config
	fake []fakeyoutube.Option
	size int64
}

// setup starts a fake with a channel and a publisher on it. The clock
// starts at 08:00 Pacific daylight time (15:00 UTC).
func setup(t *testing.T, o options) *bundle {
	t.Helper()
	c := testkit.NewClock(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC))
	fake := fakeyoutube.New(append([]fakeyoutube.Option{fakeyoutube.WithClock(c.Now)}, o.fake...)...)
	t.Cleanup(fake.Close)
	fake.AddAccessToken(channelID, accessToken, c.Now().Add(time.Hour))
	fake.AddRefreshToken(channelID, refreshToken)

	cfg := o.cfg
	cfg.BaseURL = fake.URL
	cfg.TokenURL = fake.TokenURL()
	cfg.ClientID, cfg.ClientSecret = fake.ClientID(), fake.ClientSecret()
	cfg.Now = c.Now
	if cfg.ChunkSize == 0 {
		cfg.ChunkSize = unit
	}
	if cfg.Rand == nil {
		cfg.Rand = func() float64 { return 0.5 }
	}
	pub, err := youtube.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	size := o.size
	if size == 0 {
		size = 5*unit + 1234
	}
	return &bundle{fake: fake, pub: pub, store: &adaptertest.Store{}, clock: c, size: size}
}

func (b *bundle) open(ctx context.Context, m serentak.MediaRef) (io.ReadCloser, int64, error) {
	b.mu.Lock()
	b.opens++
	b.mu.Unlock()
	if b.seek {
		return &seekableGen{gen{size: b.size}}, b.size, nil
	}
	return &gen{size: b.size}, b.size, nil
}

func (b *bundle) opened() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.opens
}

func content() serentak.Content {
	return serentak.Content{
		Title: "Keripik Pedas Rp15.000",
		Text:  "Keripik singkong pedas, renyah. Pesan: https://wa.me/62811 #keripik #pedas #Shorts",
		Media: []serentak.MediaRef{{ID: "med_1", Kind: serentak.MediaVideo, ContentType: "video/mp4"}},
	}
}

// request is a publish request whose checkpoint is what the store holds,
// as the worker would load it.
func (b *bundle) request(ctx context.Context) serentak.PublishRequest {
	return serentak.PublishRequest{
		DeliveryID: "dlv_1",
		Account: serentak.Account{ID: "acc_1", Platform: serentak.YouTube, ExternalID: channelID,
			Token: serentak.Token{AccessToken: accessToken, RefreshToken: refreshToken, ExpiresAt: b.clock.Now().Add(time.Hour)}},
		Content:       content(),
		ScheduledAt:   b.clock.Now(),
		Attempt:       1,
		Checkpoint:    b.store.Checkpoint(),
		SaveFunc:      b.store.Save,
		OpenMediaFunc: b.open,
	}
}

func (b *bundle) publish(t *testing.T) (serentak.Result, error) {
	t.Helper()
	ctx := context.Background()
	return b.pub.Publish(ctx, b.request(ctx))
}

func wantKind(t *testing.T, err error, kind serentak.PublishErrorKind) *serentak.PublishError {
	t.Helper()
	if err == nil {
		t.Fatalf("Publish succeeded, want a %s error", kind)
	}
	pe := adaptertest.PublishErr(t, err)
	if pe.Kind != kind {
		t.Fatalf("error kind %s (%v), want %s", pe.Kind, err, kind)
	}
	return pe
}

// oneVideo checks that exactly one video exists and holds every byte, in
// order, and returns it.
func (b *bundle) oneVideo(t *testing.T) fakeyoutube.Video {
	t.Helper()
	vs := b.fake.Videos()
	if len(vs) != 1 {
		t.Fatalf("%d videos, want 1: %+v", len(vs), vs)
	}
	v := vs[0]
	if v.Size != b.size || v.SHA256 != genSHA(b.size) {
		t.Fatalf("video has %d bytes with SHA-256 %s; sent %d bytes with %s", v.Size, v.SHA256, b.size, genSHA(b.size))
	}
	return v
}

// chunkStarts lists the first byte of every chunk sent.
func (b *bundle) chunkStarts() []string {
	var out []string
	for _, c := range b.fake.Calls() {
		if c.Route == fakeyoutube.RouteChunk {
			first, _, _ := strings.Cut(strings.TrimPrefix(c.ContentRange, "bytes "), "-")
			out = append(out, first)
		}
	}
	return out
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  youtube.Config
		bad  string // a phrase the error must contain; "" for a valid config
	}{
		{"defaults", youtube.Config{}, ""},
		{"chunk 256 KiB", youtube.Config{ChunkSize: 256 << 10}, ""},
		{"chunk not aligned", youtube.Config{ChunkSize: 1 << 20 / 3}, "ChunkSize"},
		{"chunk negative", youtube.Config{ChunkSize: -262144}, "ChunkSize"},
		{"privacy", youtube.Config{PrivacyStatus: "secret"}, "PrivacyStatus"},
		{"unlisted", youtube.Config{PrivacyStatus: "unlisted"}, ""},
		{"category", youtube.Config{CategoryID: "People"}, "CategoryID"},
		{"base URL", youtube.Config{BaseURL: "ftp://x"}, "BaseURL"},
		{"token URL", youtube.Config{TokenURL: "oauth2"}, "TokenURL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := youtube.New(tc.cfg)
			if tc.bad == "" {
				if err != nil || p.Platform() != serentak.YouTube {
					t.Fatalf("New = %v, %v", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Fatalf("New error %v, want one naming %s", err, tc.bad)
			}
		})
	}
}

func TestUploadInChunks(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	res, err := b.publish(t)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	v := b.oneVideo(t)
	want := serentak.Result{ExternalID: v.ID, Permalink: "https://www.youtube.com/watch?v=" + v.ID, PublishedAt: b.clock.Now()}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"0", "262144", "524288", "786432", "1048576", "1310720"}, b.chunkStarts()); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
	got := fakeyoutube.Video{Title: v.Title, Description: v.Description, Tags: v.Tags, CategoryID: v.CategoryID,
		PrivacyStatus: v.PrivacyStatus, ContentType: v.ContentType, ChannelID: v.ChannelID}
	wantV := fakeyoutube.Video{Title: content().Title, Description: content().Text, Tags: []string{"keripik", "pedas", "Shorts"},
		CategoryID: "22", PrivacyStatus: "public", ContentType: "video/mp4", ChannelID: channelID}
	if diff := cmp.Diff(wantV, got); diff != "" {
		t.Errorf("video (-want +got):\n%s", diff)
	}
	if n := len(b.fake.Sessions()); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
	if cp := b.store.Checkpoint(); cp["video_id"] != v.ID {
		t.Errorf("checkpoint %v does not hold the video ID", cp)
	}

	// A second Publish (the worker died before recording) returns the
	// same video without calling YouTube.
	calls := len(b.fake.Calls())
	again, err := b.publish(t)
	if err != nil || again.ExternalID != v.ID || len(b.fake.Calls()) != calls {
		t.Fatalf("republish = %+v, %v with %d new calls; want the same video and no call", again, err, len(b.fake.Calls())-calls)
	}
}

func TestSingleChunkUpload(t *testing.T) {
	t.Parallel()
	b := setup(t, options{cfg: youtube.Config{ChunkSize: youtube.DefaultChunkSize}, size: 777})
	if _, err := b.publish(t); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	b.oneVideo(t)
	if got := b.chunkStarts(); len(got) != 1 {
		t.Fatalf("chunks %v, want one", got)
	}
}

func TestConnectionCutMidChunkResumes(t *testing.T) {
	t.Parallel()
	for _, seek := range []bool{false, true} {
		name := map[bool]string{false: "stream", true: "seekable"}[seek]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// 1 MiB chunks; the second chunk is cut after 300 KiB, of
			// which the session keeps 256 KiB.
			b := setup(t, options{cfg: youtube.Config{ChunkSize: 4 * unit}, size: 10*unit + 99})
			b.seek = seek
			n := 0
			b.fake.FailNextWhere(1, fakeyoutube.CutAfter(300<<10), func(r fakeyoutube.Request) bool {
				if r.Route != fakeyoutube.RouteChunk {
					return false
				}
				n++
				return n == 2
			})
			_, err := b.publish(t)
			pe := wantKind(t, err, serentak.Transient)
			if !strings.Contains(pe.Message, "resumes") {
				t.Errorf("message %q does not say the upload resumes", pe.Message)
			}
			if len(b.fake.Videos()) != 0 {
				t.Fatal("a video exists after an interrupted upload")
			}

			if _, err := b.publish(t); err != nil {
				t.Fatalf("second attempt: %v", err)
			}
			b.oneVideo(t)
			// Resumed at the session's Range (1 MiB + 256 KiB), inside
			// the cut chunk, not at its start.
			want := []string{"0", "1048576", "1310720", "2359296"}
			if diff := cmp.Diff(want, b.chunkStarts()); diff != "" {
				t.Errorf("chunks (-want +got):\n%s", diff)
			}
			if s := len(b.fake.Sessions()); s != 1 {
				t.Errorf("%d sessions, want 1", s)
			}
			if q := b.fake.CountCalls(fakeyoutube.RouteStatus); q != 1 {
				t.Errorf("%d status queries, want 1", q)
			}
			if o := b.opened(); o != 2 {
				t.Errorf("media opened %d times, want 2", o)
			}
		})
	}
}

func TestCutFinalChunkIsUnknownThenResumes(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	b.fake.FailNextWhere(1, fakeyoutube.CutAfter(1000), fakeyoutube.FinalChunk)
	_, err := b.publish(t)
	wantKind(t, err, serentak.Unknown)
	if _, err := b.publish(t); err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	b.oneVideo(t)
}

func TestAnswerLostAfterFinalChunk(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	// YouTube makes the video and the answer never arrives.
	b.fake.FailNextWhere(1, fakeyoutube.Drop(), fakeyoutube.FinalChunk)
	_, err := b.publish(t)
	wantKind(t, err, serentak.Unknown)
	chunks := b.fake.CountCalls(fakeyoutube.RouteChunk)

	res, err := b.publish(t)
	if err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	v := b.oneVideo(t)
	if res.ExternalID != v.ID {
		t.Errorf("result %s, want the video made by the lost answer %s", res.ExternalID, v.ID)
	}
	if got := b.fake.CountCalls(fakeyoutube.RouteChunk); got != chunks {
		t.Errorf("%d more chunks sent after the upload completed", got-chunks)
	}
}

func TestWorkerKilled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// kill reports whether the worker dies at this save; lost says
		// whether it died before the save was written or just after.
		kill         func(cp serentak.Checkpoint) bool
		lost         bool
		wantChunks   int // chunks sent by the attempt after the kill
		wantSessions int
	}{
		{"after the session URI was saved, before any byte", func(cp serentak.Checkpoint) bool {
			return cp["upload_session"] != "" && cp["upload_received"] == ""
		}, false, 6, 1},
		{"while saving the session URI", func(cp serentak.Checkpoint) bool {
			return cp["upload_session"] != "" && cp["upload_received"] == ""
		}, true, 6, 2},
		{"midway, progress saved", func(cp serentak.Checkpoint) bool {
			return cp["upload_received"] == "786432"
		}, false, 3, 1},
		{"midway, progress lost", func(cp serentak.Checkpoint) bool {
			return cp["upload_received"] == "786432"
		}, true, 3, 1},
		{"after the last chunk was answered, before the video ID was saved", func(cp serentak.Checkpoint) bool {
			return cp["video_id"] != ""
		}, true, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{})
			ctx, kill := context.WithCancel(context.Background())
			b.store.SetHook(func(cp serentak.Checkpoint) error {
				if !tc.kill(cp) {
					return nil
				}
				kill()
				if tc.lost {
					return errors.New("worker killed")
				}
				return nil
			})
			b.pub.Publish(ctx, b.request(ctx))
			b.store.SetHook(nil)
			before := b.fake.CountCalls(fakeyoutube.RouteChunk)

			res, err := b.publish(t)
			if err != nil {
				t.Fatalf("attempt after the kill: %v", err)
			}
			v := b.oneVideo(t)
			if res.ExternalID != v.ID {
				t.Errorf("result %s, want %s", res.ExternalID, v.ID)
			}
			if got := b.fake.CountCalls(fakeyoutube.RouteChunk) - before; got != tc.wantChunks {
				t.Errorf("%d chunks after the kill, want %d", got, tc.wantChunks)
			}
			if s := len(b.fake.Sessions()); s != tc.wantSessions {
				t.Errorf("%d sessions, want %d", s, tc.wantSessions)
			}
		})
	}
}

func TestSaveFailureSendsNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	b.store.SetHook(func(serentak.Checkpoint) error { return errors.New("database is down") })
	_, err := b.publish(t)
	wantKind(t, err, serentak.Transient)
	if n := b.fake.CountCalls(fakeyoutube.RouteChunk); n != 0 {
		t.Fatalf("%d chunks sent without a saved session", n)
	}
}

func TestSessionExpired(t *testing.T) {
	t.Parallel()
	t.Run("before the last byte: start again", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{})
		b.fake.FailNextWhere(1, fakeyoutube.CutAfter(100), func(r fakeyoutube.Request) bool { return r.Route == fakeyoutube.RouteChunk })
		b.publish(t)
		b.fake.ExpireSessions()
		if _, err := b.publish(t); err != nil {
			t.Fatalf("attempt after expiry: %v", err)
		}
		b.oneVideo(t)
		if s := len(b.fake.Sessions()); s != 2 {
			t.Errorf("%d sessions, want 2", s)
		}
	})
	t.Run("after the last byte: never a second video", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{})
		b.fake.FailNextWhere(1, fakeyoutube.Drop(), fakeyoutube.FinalChunk)
		b.publish(t)
		b.fake.ExpireSessions()
		_, err := b.publish(t)
		pe := wantKind(t, err, serentak.Rejected)
		if pe.Code != "session_expired" || !strings.Contains(pe.Message, "Check the channel") {
			t.Errorf("error %v, want session_expired telling to check the channel", err)
		}
		b.oneVideo(t)
	})
}

func TestQuota(t *testing.T) {
	t.Parallel()
	// 08:00 PDT → next midnight PDT is 16 h away, plus 5 min margin and
	// 5 min of jitter (Rand = 0.5).
	const untilMidnight = 16*time.Hour + 10*time.Minute

	t.Run("quotaExceeded waits for Pacific midnight", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{fake: []fakeyoutube.Option{fakeyoutube.WithUploadQuota(1)}})
		if _, err := b.publish(t); err != nil {
			t.Fatalf("first upload: %v", err)
		}
		b.store = &adaptertest.Store{}
		_, err := b.publish(t)
		pe := wantKind(t, err, serentak.RateLimited)
		if pe.Code != "quotaExceeded" || pe.RetryAfter != untilMidnight || !strings.Contains(pe.Message, "midnight Pacific time") {
			t.Fatalf("error {%s %v %q}, want quotaExceeded waiting %v until midnight Pacific", pe.Code, pe.RetryAfter, pe.Message, untilMidnight)
		}
		// Later uploads wait without spending more quota.
		starts := b.fake.CountCalls(fakeyoutube.RouteStart)
		b.store = &adaptertest.Store{}
		_, err = b.publish(t)
		if pe := wantKind(t, err, serentak.RateLimited); pe.RetryAfter != untilMidnight {
			t.Errorf("held upload waits %v, want %v", pe.RetryAfter, untilMidnight)
		}
		if got := b.fake.CountCalls(fakeyoutube.RouteStart); got != starts {
			t.Errorf("%d calls made while the quota was known to be spent", got-starts)
		}
		// A new quota day.
		b.clock.Advance(untilMidnight)
		b.fake.AddAccessToken(channelID, accessToken, b.clock.Now().Add(time.Hour))
		if _, err := b.publish(t); err != nil {
			t.Fatalf("upload on the next quota day: %v", err)
		}
	})
	t.Run("channel upload limit", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{fake: []fakeyoutube.Option{fakeyoutube.WithChannelUploadLimit(1)}})
		if _, err := b.publish(t); err != nil {
			t.Fatalf("first upload: %v", err)
		}
		b.store = &adaptertest.Store{}
		_, err := b.publish(t)
		if pe := wantKind(t, err, serentak.RateLimited); pe.Code != "uploadLimitExceeded" || pe.RetryAfter != untilMidnight {
			t.Fatalf("error {%s %v}, want uploadLimitExceeded for %v", pe.Code, pe.RetryAfter, untilMidnight)
		}
	})
	t.Run("local daily budget", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{cfg: youtube.Config{DailyUploads: 1}})
		if _, err := b.publish(t); err != nil {
			t.Fatalf("first upload: %v", err)
		}
		b.store = &adaptertest.Store{}
		_, err := b.publish(t)
		pe := wantKind(t, err, serentak.RateLimited)
		if pe.Code != "daily_upload_budget" || pe.RetryAfter != untilMidnight || !strings.Contains(pe.Message, "its 1 YouTube uploads") {
			t.Fatalf("error {%s %v %q}", pe.Code, pe.RetryAfter, pe.Message)
		}
		if n := b.fake.CountCalls(fakeyoutube.RouteStart); n != 1 {
			t.Errorf("%d session starts, want 1", n)
		}
	})
	t.Run("rate limit is a short wait", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{})
		f := fakeyoutube.RateLimitExceeded()
		f.RetryAfter = 90 * time.Second
		b.fake.FailNext(fakeyoutube.RouteStart, 1, f)
		_, err := b.publish(t)
		if pe := wantKind(t, err, serentak.RateLimited); pe.RetryAfter != 90*time.Second {
			t.Fatalf("waits %v, want the Retry-After of 90s", pe.RetryAfter)
		}
	})
}

func TestNativeSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		privacy     string
		ahead       time.Duration
		wantPrivacy string
		wantAt      bool
	}{
		{"ahead: private with publishAt", "", 2 * time.Hour, "private", true},
		{"due now: public", "", 0, "public", false},
		{"within a minute: public", "", 30 * time.Second, "public", false},
		{"unlisted is never scheduled public", "unlisted", 2 * time.Hour, "unlisted", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{cfg: youtube.Config{NativeSchedule: true, PrivacyStatus: tc.privacy}})
			ctx := context.Background()
			req := b.request(ctx)
			req.ScheduledAt = b.clock.Now().Add(tc.ahead)
			res, err := b.pub.Publish(ctx, req)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			v := b.oneVideo(t)
			wantAt := ""
			if tc.wantAt {
				wantAt = req.ScheduledAt.UTC().Format(time.RFC3339)
			}
			if v.PrivacyStatus != tc.wantPrivacy || v.PublishAt != wantAt {
				t.Errorf("video {%s %q}, want {%s %q}", v.PrivacyStatus, v.PublishAt, tc.wantPrivacy, wantAt)
			}
			if tc.wantAt && !res.PublishedAt.Equal(req.ScheduledAt) {
				t.Errorf("PublishedAt %v, want the scheduled time %v", res.PublishedAt, req.ScheduledAt)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	t.Run("expiring token is refreshed before calling", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{})
		ctx := context.Background()
		req := b.request(ctx)
		req.Account.Token.ExpiresAt = b.clock.Now().Add(time.Minute)
		_, err := b.pub.Publish(ctx, req)
		if pe := wantKind(t, err, serentak.AuthExpired); pe.Code != "token_expiring" {
			t.Fatalf("code %s, want token_expiring", pe.Code)
		}
		if n := len(b.fake.Calls()); n != 0 {
			t.Fatalf("%d calls with an expiring token", n)
		}
		// What the worker does: refresh, persist, publish again.
		tok, err := b.pub.RefreshToken(ctx, req.Account)
		if err != nil {
			t.Fatalf("RefreshToken: %v", err)
		}
		if tok.AccessToken == "" || tok.AccessToken == accessToken || tok.RefreshToken != refreshToken ||
			!tok.ExpiresAt.Equal(b.clock.Now().Add(fakeyoutube.TokenLifetime)) {
			t.Fatalf("refreshed token {new access %t, refresh kept %t, expires %v}", tok.AccessToken != accessToken, tok.RefreshToken == refreshToken, tok.ExpiresAt)
		}
		req.Account.Token = tok
		if _, err := b.pub.Publish(ctx, req); err != nil {
			t.Fatalf("Publish with the refreshed token: %v", err)
		}
		b.oneVideo(t)
	})
	t.Run("401 authError", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{})
		b.fake.ExpireAccessToken(accessToken)
		_, err := b.publish(t)
		if pe := wantKind(t, err, serentak.AuthExpired); pe.Code != "authError" {
			t.Fatalf("code %s, want authError", pe.Code)
		}
	})
	t.Run("invalid_grant", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{})
		b.fake.RevokeRefreshToken(refreshToken)
		_, err := b.pub.RefreshToken(context.Background(), b.request(context.Background()).Account)
		pe := wantKind(t, err, serentak.AuthExpired)
		if pe.Code != "invalid_grant" || pe.Message != "Google refused the refresh token (invalid_grant); reconnect the channel" {
			t.Fatalf("error %+v", pe)
		}
	})
	t.Run("no refresh token", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{})
		acc := b.request(context.Background()).Account
		acc.Token.RefreshToken = ""
		_, err := b.pub.RefreshToken(context.Background(), acc)
		wantKind(t, err, serentak.AuthExpired)
	})
	t.Run("wrong client", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{})
		p, _ := youtube.New(youtube.Config{BaseURL: b.fake.URL, TokenURL: b.fake.TokenURL(), ClientID: "other", ClientSecret: "x"})
		_, err := p.RefreshToken(context.Background(), b.request(context.Background()).Account)
		if pe := wantKind(t, err, serentak.Rejected); pe.Code != "invalid_client" {
			t.Fatalf("code %s", pe.Code)
		}
	})
	t.Run("token endpoint down", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{})
		b.fake.FailNext(fakeyoutube.RouteToken, 1, fakeyoutube.Fault{Status: 503, RawBody: "<html>unavailable</html>"})
		_, err := b.pub.RefreshToken(context.Background(), b.request(context.Background()).Account)
		wantKind(t, err, serentak.Transient)
	})
}

// TestTokenNeverInErrors adds to the conformance suite's check (a refusal
// that echoes both tokens): a broken connection names neither the token
// nor the session URI.
func TestTokenNeverInErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	b.fake.FailNextWhere(1, fakeyoutube.CutAfter(10), func(r fakeyoutube.Request) bool { return r.Route == fakeyoutube.RouteChunk })
	_, err := b.publish(t)
	wantKind(t, err, serentak.Transient)
	sessions := b.fake.Sessions()
	adaptertest.NoSecrets(t, err, accessToken, refreshToken, sessions[0].ID)
}

func TestGoogleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		route fakeyoutube.Route
		fault fakeyoutube.Fault
		kind  serentak.PublishErrorKind
	}{
		{fakeyoutube.RouteStart, fakeyoutube.BackendError(), serentak.Transient},
		{fakeyoutube.RouteStart, fakeyoutube.GoogleError("invalidTitle"), serentak.Rejected},
		{fakeyoutube.RouteStart, fakeyoutube.GoogleError("insufficientPermissions"), serentak.Rejected},
		{fakeyoutube.RouteStart, fakeyoutube.HangUp(), serentak.Transient},
		{fakeyoutube.RouteChunk, fakeyoutube.BackendError(), serentak.Transient},
	}
	for _, tc := range tests {
		t.Run(string(tc.route)+" "+tc.fault.Reason, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{})
			b.fake.FailNext(tc.route, 1, tc.fault)
			_, err := b.publish(t)
			wantKind(t, err, tc.kind)
			if tc.kind == serentak.Rejected {
				return
			}
			if _, err := b.publish(t); err != nil {
				t.Fatalf("retry: %v", err)
			}
			b.oneVideo(t)
			if s := len(b.fake.Sessions()); s != 1 {
				t.Errorf("%d sessions, want 1", s)
			}
		})
	}
}

func TestRejectsWithoutCalling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(r *serentak.PublishRequest)
		code string
	}{
		{"no video", func(r *serentak.PublishRequest) { r.Content.Media = nil }, ""},
		{"an image", func(r *serentak.PublishRequest) {
			r.Content.Media = append(r.Content.Media, serentak.MediaRef{Kind: serentak.MediaImage})
		}, ""},
		{"no title", func(r *serentak.PublishRequest) { r.Content.Title = " " }, "invalidTitle"},
		{"long title", func(r *serentak.PublishRequest) { r.Content.Title = strings.Repeat("é", 101) }, "invalidTitle"},
		{"angle brackets", func(r *serentak.PublishRequest) { r.Content.Title = "<b>" }, "invalidTitle"},
		{"long description", func(r *serentak.PublishRequest) { r.Content.Text = strings.Repeat("é", 2501) }, "invalidDescription"},
		{"no media source", func(r *serentak.PublishRequest) { r.OpenMediaFunc = nil }, "no_media_source"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{})
			ctx := context.Background()
			req := b.request(ctx)
			tc.edit(&req)
			_, err := b.pub.Publish(ctx, req)
			if pe := wantKind(t, err, serentak.Rejected); pe.Code != tc.code {
				t.Errorf("code %q, want %q", pe.Code, tc.code)
			}
			if n := b.fake.CountCalls(fakeyoutube.RouteStart); n != 0 {
				t.Errorf("%d session starts", n)
			}
		})
	}
}

func TestUnauditedProjectLocksPrivate(t *testing.T) {
	t.Parallel()
	b := setup(t, options{fake: []fakeyoutube.Option{fakeyoutube.WithUnauditedProject()}})
	_, err := b.publish(t)
	pe := wantKind(t, err, serentak.Rejected)
	v := b.oneVideo(t)
	if pe.Code != "private_lock" || !strings.Contains(pe.Message, v.ID) || !strings.Contains(pe.Message, "audit") {
		t.Fatalf("error %v", err)
	}
}

func TestWaitForProcessing(t *testing.T) {
	t.Parallel()
	t.Run("pending until processed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{cfg: youtube.Config{WaitForProcessing: true, ProcessingPoll: 7 * time.Second},
			fake: []fakeyoutube.Option{fakeyoutube.WithProcessingReads(2)}})
		for i := range 2 {
			_, err := b.publish(t)
			if pe := wantKind(t, err, serentak.Pending); pe.RetryAfter != 7*time.Second {
				t.Fatalf("check %d waits %v, want 7s", i+1, pe.RetryAfter)
			}
		}
		res, err := b.publish(t)
		if err != nil {
			t.Fatalf("third check: %v", err)
		}
		v := b.oneVideo(t)
		if res.ExternalID != v.ID || b.fake.CountCalls(fakeyoutube.RouteList) != 3 || len(b.fake.Sessions()) != 1 {
			t.Fatalf("result %+v after %d list calls and %d sessions", res, b.fake.CountCalls(fakeyoutube.RouteList), len(b.fake.Sessions()))
		}
		// Recorded as processed: a repeat does not ask again.
		if _, err := b.publish(t); err != nil || b.fake.CountCalls(fakeyoutube.RouteList) != 3 {
			t.Fatalf("repeat: %v with %d list calls", err, b.fake.CountCalls(fakeyoutube.RouteList))
		}
	})
	for _, tc := range []struct {
		name, code string
		spoil      func(f *fakeyoutube.Server, id string)
	}{
		{"processing failed", "failed/codec", func(f *fakeyoutube.Server, id string) { f.FailProcessing(id, "codec") }},
		{"rejected", "rejected/duplicate", func(f *fakeyoutube.Server, id string) { f.RejectVideo(id, "duplicate") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{cfg: youtube.Config{WaitForProcessing: true}})
			_, err := b.publish(t)
			wantKind(t, err, serentak.Pending)
			tc.spoil(b.fake, b.oneVideo(t).ID)
			_, err = b.publish(t)
			if pe := wantKind(t, err, serentak.Rejected); pe.Code != tc.code {
				t.Fatalf("code %s, want %s", pe.Code, tc.code)
			}
		})
	}
	t.Run("cannot look: published", func(t *testing.T) {
		t.Parallel()
		b := setup(t, options{cfg: youtube.Config{WaitForProcessing: true}})
		b.fake.FailNext(fakeyoutube.RouteList, 1, fakeyoutube.GoogleError("insufficientPermissions"))
		if _, err := b.publish(t); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	})
}

func TestTokenStaysOnTheAPIHost(t *testing.T) {
	t.Parallel()
	// An upload host apart from the API host, as a session URI may name.
	var mu sync.Mutex
	var auth []string
	uploads := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"vid12345678","status":{"privacyStatus":"public","uploadStatus":"uploaded"}}`)
	}))
	t.Cleanup(uploads.Close)
	var apiAuth string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		apiAuth = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Location", uploads.URL+"/upload?upload_id=x")
	}))
	t.Cleanup(api.Close)

	pub, err := youtube.New(youtube.Config{BaseURL: api.URL})
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{store: &adaptertest.Store{}, clock: testkit.NewClock(time.Now()), size: 1000}
	res, err := pub.Publish(context.Background(), b.request(context.Background()))
	if err != nil || res.ExternalID != "vid12345678" {
		t.Fatalf("Publish = %+v, %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if apiAuth != "Bearer "+accessToken {
		t.Errorf("API host got Authorization %q", apiAuth)
	}
	if len(auth) != 1 || auth[0] != "" {
		t.Errorf("upload host got Authorization %q, want none", auth)
	}
}

// TestTargetOptions: a target's options reach videos.insert
// (status.privacyStatus, status.selfDeclaredMadeForKids,
// snippet.categoryId, snippet.tags), as the fake records them.
func TestTargetOptions(t *testing.T) {
	t.Parallel()
	b := setup(t, options{cfg: youtube.Config{PrivacyStatus: "public", CategoryID: "22"}})
	ctx := context.Background()
	req := b.request(ctx)
	req.Content.Options = serentak.Options{Privacy: "unlisted", MadeForKids: true, CategoryID: "26", Tags: []string{"keripik singkong", "Pedas"}}
	if _, err := b.pub.Publish(ctx, req); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	v := b.oneVideo(t)
	got := fakeyoutube.Video{RequestedPrivacy: v.RequestedPrivacy, MadeForKids: v.MadeForKids, CategoryID: v.CategoryID, Tags: v.Tags}
	// The target's tags first; the caption's hashtags after, each once.
	want := fakeyoutube.Video{RequestedPrivacy: "unlisted", MadeForKids: true, CategoryID: "26", Tags: []string{"keripik singkong", "Pedas", "keripik", "Shorts"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("videos.insert (-want +got):\n%s", diff)
	}
}
