package youtube

import (
	"context"
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // the quota day is Pacific time, on machines without a zone database too

	"github.com/serentak/serentak"
)

// Upload quota.
//
// videos.insert has a quota bucket of its own, per Google Cloud project:
// 100 calls a day by default, 1 per call, reset at midnight Pacific time
// (docs/platforms/youtube.md#rate-limits-and-quotas). The project is this
// install's OAuth client, so every channel connected to the install
// shares the one allowance; nothing about it is per channel.
//
// Serentak counts it twice:
//
//   - at creation (api), against the YouTube deliveries already scheduled
//     for the same quota day: a post that would exceed the day's allowance
//     has its YouTube delivery moved to the next quota day, with a warning;
//   - here, before every session start (each is one videos.insert call,
//     refused or not), in a QuotaStore shared by every worker process of
//     the install (the database), so that an upload that would certainly
//     be refused is not tried. Once YouTube has said quotaExceeded, the
//     day's count is marked full, and every worker holds its uploads until
//     the next quota day without calling.
//
// YouTube's own answer stays authoritative: quotaExceeded and
// uploadLimitExceeded (the channel's own daily limit, which YouTube does
// not publish) make the delivery wait, RateLimited, until the next quota
// day. A resumed session is not counted again: the quota is charged when a
// session starts.

// QuotaStore counts the project's videos.insert calls per quota day for
// every process of the install; *gormstore.Store is one.
type QuotaStore interface {
	// TakeYouTubeUpload counts one call on day (the quota day as
	// 2006-01-02, Pacific) unless limit calls are counted already; then it
	// counts nothing and answers false.
	TakeYouTubeUpload(ctx context.Context, day string, limit int) (bool, error)
	// SpendYouTubeUploads records that YouTube said the day's quota is
	// used up: TakeYouTubeUpload answers false for the rest of the day.
	SpendYouTubeUploads(ctx context.Context, day string, limit int) error
}

// QuotaDays tells YouTube's quota days apart: each runs from midnight to
// midnight in America/Los_Angeles, so it follows daylight saving time (a
// day of 23 or 25 hours twice a year) and its UTC start moves.
type QuotaDays struct{ loc *time.Location }

// LoadQuotaDays loads the Pacific time zone (embedded, see the import).
func LoadQuotaDays() (QuotaDays, error) {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		return QuotaDays{}, fmt.Errorf("youtube: loading the Pacific time zone for the quota day: %w", err)
	}
	return QuotaDays{loc: loc}, nil
}

// Of returns the quota day t falls in: its name (2006-01-02, Pacific), its
// start and the next day's start.
func (q QuotaDays) Of(t time.Time) (day string, start, next time.Time) {
	p := t.In(q.loc)
	start = time.Date(p.Year(), p.Month(), p.Day(), 0, 0, 0, 0, q.loc)
	next = time.Date(p.Year(), p.Month(), p.Day()+1, 0, 0, 0, 0, q.loc)
	return start.Format(time.DateOnly), start, next
}

// memoryQuota is the QuotaStore of a Publisher given none (a tool, a
// test): it counts this Publisher's calls only.
type memoryQuota struct {
	mu   sync.Mutex
	used map[string]int
}

func (m *memoryQuota) TakeYouTubeUpload(_ context.Context, day string, limit int) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.used[day] >= limit {
		return false, nil
	}
	m.used[day]++
	return true, nil
}

func (m *memoryQuota) SpendYouTubeUploads(_ context.Context, day string, limit int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.used[day] = max(m.used[day], limit)
	return nil
}

// holds are what YouTube refused today, kept in memory: a worker that
// restarts may call once more and hear it again. The project's refusal is
// also written to the QuotaStore, for the other workers.
type holds struct {
	mu           sync.Mutex
	projectUntil time.Time
	channelUntil map[string]time.Time
}

// Why an upload is held.
const (
	heldBudget  = "budget"  // the install counted the day's allowance
	heldProject = "project" // YouTube said quotaExceeded today
	heldChannel = "channel" // YouTube said uploadLimitExceeded for the channel
)

func (h *holds) check(channel string, now time.Time) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case now.Before(h.projectUntil):
		return heldProject
	case now.Before(h.channelUntil[channel]):
		return heldChannel
	}
	return ""
}

// hold records YouTube's refusal: the project (channel "") or the channel
// cannot upload until then.
func (h *holds) hold(channel string, until time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if channel == "" {
		h.projectUntil = until
		return
	}
	h.channelUntil[channel] = until
}

// takeQuota counts one session start against the project's quota day, or
// says why the upload must wait.
func (a *attempt) takeQuota(ctx context.Context, channel string) (held string, err error) {
	now := a.now()
	if held := a.holds.check(channel, now); held != "" {
		return held, nil
	}
	if a.limit <= 0 {
		return "", nil
	}
	day, _, _ := a.days.Of(now)
	ok, err := a.quota.TakeYouTubeUpload(ctx, day, a.limit)
	if err != nil {
		return "", &serentak.PublishError{Kind: serentak.Transient, Err: err, Message: fmt.Sprintf(
			"could not count the upload against the YouTube quota, so nothing was sent to YouTube: %v", err)}
	}
	if !ok {
		return heldBudget, nil
	}
	return "", nil
}

// spendQuota records YouTube's quotaExceeded for every worker.
func (a *attempt) spendQuota(ctx context.Context, until time.Time) {
	a.holds.hold("", until)
	if a.limit <= 0 {
		return
	}
	day, _, _ := a.days.Of(a.now())
	// Best effort: YouTube's answer holds this worker anyway, and the
	// others hear it from YouTube at the cost of one call each.
	_ = a.quota.SpendYouTubeUploads(ctx, day, a.limit)
}
