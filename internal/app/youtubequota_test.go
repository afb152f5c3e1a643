package app

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/embedredis/redistest"
)

// Two workers' clients count into one allowance per quota day; the
// quotaExceeded mark fills it.
func TestYouTubeQuotaInRedis(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	newQuota := func() youtubeQuota {
		c := redis.NewClient(&redis.Options{Addr: r.Opt.Addr, DB: r.Opt.DB, Password: r.Opt.Password, Username: r.Opt.Username})
		t.Cleanup(func() { c.Close() })
		return youtubeQuota{rdb: c}
	}
	w1, w2 := newQuota(), newQuota()
	take := func(q youtubeQuota, day string) bool {
		t.Helper()
		ok, err := q.TakeYouTubeUpload(ctx, day, 2)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !take(w1, "2026-12-03") || !take(w2, "2026-12-03") {
		t.Fatal("the first two uploads of the day were refused")
	}
	if take(w1, "2026-12-03") || take(w2, "2026-12-03") {
		t.Fatal("a third upload was counted; the limit is 2 for the whole install")
	}
	if !take(w2, "2026-12-04") {
		t.Fatal("the next quota day has its own allowance")
	}
	if err := w1.SpendYouTubeUploads(ctx, "2026-12-04", 2); err != nil {
		t.Fatal(err)
	}
	if take(w2, "2026-12-04") {
		t.Fatal("an upload was counted after YouTube said the quota is spent")
	}
}
