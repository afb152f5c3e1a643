package app

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/adapters/youtube"
)

// youtubeQuota counts the Google Cloud project's videos.insert calls per
// quota day in Redis, so that every worker process of the install counts
// into one allowance (adapters/youtube/quota.go). Redis rather than the
// database: the count only saves calls YouTube would refuse, and when Redis
// loses it (a flush, a restart without persistence) the workers call
// YouTube until it answers quotaExceeded, which the adapter then holds to.
// What was scheduled for the day is counted from the database at creation
// (api), which no Redis loss touches.
type youtubeQuota struct{ rdb redis.UniversalClient }

var _ youtube.QuotaStore = youtubeQuota{}

// quotaKeyTTL keeps a day's count a little past its end in any time zone.
const quotaKeyTTL = 48 * time.Hour

func quotaKey(day string) string { return "serentak:youtube:uploads:" + day }

// takeScript counts one upload unless the limit is reached: 1 counted, 0 not.
var takeScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`)

// spendScript raises the count to the limit.
var spendScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 1`)

func (q youtubeQuota) TakeYouTubeUpload(ctx context.Context, day string, limit int) (bool, error) {
	n, err := takeScript.Run(ctx, q.rdb, []string{quotaKey(day)}, limit, int(quotaKeyTTL.Seconds())).Int()
	if err != nil {
		return false, fmt.Errorf("count the YouTube upload in Redis: %w", err)
	}
	return n == 1, nil
}

func (q youtubeQuota) SpendYouTubeUploads(ctx context.Context, day string, limit int) error {
	if err := spendScript.Run(ctx, q.rdb, []string{quotaKey(day)}, limit, int(quotaKeyTTL.Seconds())).Err(); err != nil {
		return fmt.Errorf("mark the YouTube quota spent in Redis: %w", err)
	}
	return nil
}
