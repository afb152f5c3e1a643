package youtube

import (
	"sync"
	"time"
)

// Upload quota.
//
// YouTube's own answer is authoritative: quotaExceeded (the project's
// videos.insert bucket) and uploadLimitExceeded (the channel's daily limit)
// make the delivery wait, RateLimited, until the next quota day at midnight
// Pacific time. The budget below only saves calls that would certainly be
// refused, which matters because every call, refused or not, costs quota:
//
//   - it counts the sessions this process starts per quota day against
//     Config.DailyUploadBudget, and
//   - once YouTube has said quotaExceeded (or uploadLimitExceeded for a
//     channel), it holds every later upload of the project (or channel)
//     until the next quota day without calling.
//
// It lives in memory, so it is per process and forgets on restart: several
// workers each count only their own uploads. That errs towards calling
// YouTube, whose answer then decides; a shared count would need storage
// the Publisher does not have. A resumed session is not counted again: the
// quota is charged when a session starts.
type budget struct {
	limit int // ≤ 0: no local count

	mu           sync.Mutex
	day          string // the quota day counted, as 2006-01-02 Pacific
	used         int
	projectUntil time.Time
	channelUntil map[string]time.Time
}

func newBudget(limit int) *budget {
	return &budget{limit: limit, channelUntil: map[string]time.Time{}}
}

// Why an upload is held.
const (
	heldBudget  = "budget"  // this process used the configured budget
	heldProject = "project" // YouTube said quotaExceeded today
	heldChannel = "channel" // YouTube said uploadLimitExceeded for the channel
)

// take counts one session start for the quota day of now, or says why the
// upload must wait.
func (b *budget) take(channel string, now time.Time, pacific *time.Location) (held string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.projectUntil) {
		return heldProject
	}
	if now.Before(b.channelUntil[channel]) {
		return heldChannel
	}
	if day := now.In(pacific).Format(time.DateOnly); day != b.day {
		b.day, b.used = day, 0
	}
	if b.limit > 0 && b.used >= b.limit {
		return heldBudget
	}
	b.used++
	return ""
}

// hold records YouTube's refusal: the project (channel "") or the channel
// cannot upload until then.
func (b *budget) hold(channel string, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if channel == "" {
		b.projectUntil = until
		return
	}
	b.channelUntil[channel] = until
}
