package youtube_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
)

// The quota day is midnight to midnight in America/Los_Angeles, daylight
// saving time included.
func TestQuotaDays(t *testing.T) {
	t.Parallel()
	days, err := youtube.LoadQuotaDays()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		at          time.Time
		day         string
		start, next time.Time
	}{
		{"summer", time.Date(2026, 7, 1, 6, 59, 59, 0, time.UTC), "2026-06-30",
			time.Date(2026, 6, 30, 7, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 7, 0, 0, 0, time.UTC)},
		{"summer midnight", time.Date(2026, 7, 1, 7, 0, 0, 0, time.UTC), "2026-07-01",
			time.Date(2026, 7, 1, 7, 0, 0, 0, time.UTC), time.Date(2026, 7, 2, 7, 0, 0, 0, time.UTC)},
		{"winter", time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC), "2026-12-03",
			time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC), time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)},
		// 2026-03-08: clocks go forward, a day of 23 hours.
		{"spring forward", time.Date(2026, 3, 8, 20, 0, 0, 0, time.UTC), "2026-03-08",
			time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)},
		// 2026-11-01: clocks go back, a day of 25 hours.
		{"fall back", time.Date(2026, 11, 2, 7, 30, 0, 0, time.UTC), "2026-11-01",
			time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		day, start, next := days.Of(tt.at)
		if day != tt.day || !start.Equal(tt.start) || !next.Equal(tt.next) {
			t.Errorf("%s: Of(%s) = %s [%s, %s), want %s [%s, %s)", tt.name, tt.at, day, start.UTC(), next.UTC(), tt.day, tt.start, tt.next)
		}
	}
}

// sharedQuota is a QuotaStore two publishers share, as the workers of an
// install share Redis.
type sharedQuota struct {
	mu   sync.Mutex
	used map[string]int
}

func (q *sharedQuota) TakeYouTubeUpload(_ context.Context, day string, limit int) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used[day] >= limit {
		return false, nil
	}
	q.used[day]++
	return true, nil
}

func (q *sharedQuota) SpendYouTubeUploads(_ context.Context, day string, limit int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.used[day] = max(q.used[day], limit)
	return nil
}

// Two workers, two channels, one project: the allowance is counted once
// for all of them, and a new one starts at midnight Pacific time.
func TestQuotaPerProject(t *testing.T) {
	t.Parallel()
	quota := &sharedQuota{used: map[string]int{}}
	// Worker 1 publishes to the first channel.
	w1 := setup(t, options{cfg: youtube.Config{DailyUploads: 2, Quota: quota}})
	// Worker 2 publishes to a second channel of the same project (the
	// same fake), on the same clock.
	w2cfg := youtube.Config{DailyUploads: 2, Quota: quota, BaseURL: w1.fake.URL, TokenURL: w1.fake.TokenURL(),
		ClientID: w1.fake.ClientID(), ClientSecret: w1.fake.ClientSecret(), Now: w1.clock.Now, ChunkSize: unit,
		Rand: func() float64 { return 0.5 }}
	w2pub, err := youtube.New(w2cfg)
	if err != nil {
		t.Fatal(err)
	}
	const channel2, token2 = "UCfakeChannel0002", "ya29.secret-access-token-0002"
	w1.fake.AddAccessToken(channel2, token2, w1.clock.Now().Add(48*time.Hour))
	publish2 := func() error {
		store := &adaptertest.Store{}
		req := w1.request(context.Background())
		req.Account = serentak.Account{ID: "acc_2", Platform: serentak.YouTube, ExternalID: channel2,
			Token: serentak.Token{AccessToken: token2, ExpiresAt: w1.clock.Now().Add(48 * time.Hour)}}
		req.Checkpoint, req.SaveFunc = store.Checkpoint(), store.Save
		_, err := w2pub.Publish(context.Background(), req)
		return err
	}

	// 23:58 Pacific daylight time.
	w1.clock.Set(time.Date(2026, 3, 11, 6, 58, 0, 0, time.UTC))
	w1.fake.AddAccessToken(channelID, accessToken, w1.clock.Now().Add(48*time.Hour))
	if _, err := w1.publish(t); err != nil {
		t.Fatalf("channel 1: %v", err)
	}
	if err := publish2(); err != nil {
		t.Fatalf("channel 2: %v", err)
	}
	starts := w1.fake.CountCalls(fakeyoutube.RouteStart)
	// The third upload of the day, on either channel, is held without a
	// call to YouTube.
	w1.store = &adaptertest.Store{}
	_, err = w1.publish(t)
	pe := wantKind(t, err, serentak.RateLimited)
	if pe.Code != "daily_upload_budget" || !strings.Contains(pe.Message, "2 YouTube uploads") || !strings.Contains(pe.Message, "every channel") {
		t.Fatalf("third upload: {%s %q}, want daily_upload_budget naming the project's 2 uploads", pe.Code, pe.Message)
	}
	// Held until a little after midnight Pacific: 2 min + 5 min margin +
	// 5 min of jitter.
	if want := 12 * time.Minute; pe.RetryAfter != want {
		t.Errorf("held for %v, want %v", pe.RetryAfter, want)
	}
	if err := publish2(); err == nil {
		t.Fatal("channel 2's second upload of the day went through; the allowance is the project's")
	}
	if got := w1.fake.CountCalls(fakeyoutube.RouteStart); got != starts {
		t.Errorf("%d session starts while the project's allowance was counted spent", got-starts)
	}

	// 00:00:01 PDT: a new quota day for both.
	w1.clock.Set(time.Date(2026, 3, 11, 7, 0, 1, 0, time.UTC))
	if err := publish2(); err != nil {
		t.Fatalf("channel 2 on the next quota day: %v", err)
	}
	w1.store = &adaptertest.Store{}
	if _, err := w1.publish(t); err != nil {
		t.Fatalf("channel 1 on the next quota day: %v", err)
	}
}

// YouTube's quotaExceeded, heard by one worker, holds the others too.
func TestQuotaExceededHeldForEveryWorker(t *testing.T) {
	t.Parallel()
	quota := &sharedQuota{used: map[string]int{}}
	b := setup(t, options{cfg: youtube.Config{Quota: quota}, fake: []fakeyoutube.Option{fakeyoutube.WithUploadQuota(0)}})
	_, err := b.publish(t)
	if pe := wantKind(t, err, serentak.RateLimited); pe.Code != "quotaExceeded" {
		t.Fatalf("error %v, want quotaExceeded", err)
	}
	// Another worker (another Publisher, same shared count).
	other, err := youtube.New(youtube.Config{Quota: quota, BaseURL: b.fake.URL, TokenURL: b.fake.TokenURL(), Now: b.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	b.store = &adaptertest.Store{}
	_, err = other.Publish(context.Background(), b.request(context.Background()))
	if pe := wantKind(t, err, serentak.RateLimited); pe.Code != "daily_upload_budget" {
		t.Fatalf("other worker: %v, want held by the shared count", err)
	}
	if n := b.fake.CountCalls(fakeyoutube.RouteStart); n != 1 {
		t.Errorf("%d session starts, want 1", n)
	}
}
