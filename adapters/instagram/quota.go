package instagram

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

const (
	// defaultQuotaWindow is used when Instagram's answer names none.
	defaultQuotaWindow = 24 * time.Hour
	// quotaFallbackWait is the wait when the oldest post in the window
	// cannot be found.
	quotaFallbackWait = time.Hour
	// minQuotaWait keeps a nearly freed window from being asked about in
	// a tight loop.
	minQuotaWait = time.Minute
)

// Container status polling (docs/platforms/instagram.md#publishing).
// Meta advises querying a container's status "once per minute, for no
// more than 5 minutes" (Content Publishing guide, "Troubleshooting":
// https://developers.facebook.com/docs/instagram-platform/content-publishing/;
// Meta's Threads API, which has the same containers, says it in the same
// words: https://developers.facebook.com/documentation/threads/troubleshooting).
// A post is due at a given second and an image is usually ready at once,
// so the first check comes after a few seconds and the waits double up to
// once a minute; polling stops pollWindow after the container was made.
// Every status read is a Graph call, and Instagram Platform calls count
// against the account's Business Use Case call budget (Graph API "Rate
// Limits", "Business Use Case Rate Limits":
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting/),
// shared with everything else the app does for that account: this
// schedule spends at most maxStatusReads of it per container set, and
// countStatusRead keeps the count in the checkpoint.
const (
	firstPoll  = 5 * time.Second
	maxPoll    = time.Minute
	pollWindow = 5 * time.Minute
	// maxStatusReads bounds the reads of one container set: the schedule
	// (at 0 s, then after 5 s, 10 s, 20 s, 40 s and every minute) makes 9
	// in the window, and a carousel reads each item once more before the
	// carousel container is made.
	maxStatusReads = 9 + maxCarouselItems
	// cpStatusReads counts the status reads of the current container set.
	cpStatusReads = "status_reads"
)

// pollWait is the wait after the n-th IN_PROGRESS answer (n ≥ 1).
func pollWait(n int) time.Duration {
	return min(firstPoll<<min(max(n-1, 0), 8), maxPoll)
}

// countStatusRead counts a status read against the set's budget. Past the
// budget, reads go on at once a minute (pollWait's ceiling): the budget
// is a ceiling on the pace, never a reason to fail a post.
func (a *attempt) countStatusRead() {
	n, _ := strconv.Atoi(a.CP[cpStatusReads])
	a.CP[cpStatusReads] = strconv.Itoa(n + 1)
}

// overBudget reports whether the current set has spent its status reads.
func (a *attempt) overBudget() bool {
	n, _ := strconv.Atoi(a.CP[cpStatusReads])
	return n > maxStatusReads
}

// checkQuota reads content_publishing_limit and refuses to go on when the
// account's rolling publishing quota is used up. The quota differs between
// accounts and has changed over time (25, 50, 100), so it is read live,
// never assumed.
func (a *attempt) checkQuota(ctx context.Context) error {
	if a.quotaChecked {
		return nil
	}
	var out struct {
		Data []struct {
			QuotaUsage int `json:"quota_usage"`
			Config     struct {
				QuotaTotal    int `json:"quota_total"`
				QuotaDuration int `json:"quota_duration"`
			} `json:"config"`
		} `json:"data"`
	}
	if err := a.Get(ctx, a.user+"/content_publishing_limit", url.Values{"fields": {"quota_usage,config"}}, &out); err != nil {
		return err
	}
	if len(out.Data) == 0 || out.Data[0].Config.QuotaTotal <= 0 || out.Data[0].QuotaUsage < out.Data[0].Config.QuotaTotal {
		a.quotaChecked = true
		return nil
	}
	q := out.Data[0]
	window := time.Duration(q.Config.QuotaDuration) * time.Second
	if window <= 0 {
		window = defaultQuotaWindow
	}
	now := a.Now()
	at := a.quotaFreesAt(ctx, now, q.Config.QuotaTotal, window)
	return &serentak.PublishError{Kind: serentak.RateLimited, RetryAfter: at.Sub(now), Code: "content_publishing_limit",
		Message: fmt.Sprintf("Instagram's %s publishing limit (%d posts) is reached; retrying after %s (in %s).",
			windowName(window), q.Config.QuotaTotal, at.UTC().Format("2006-01-02 15:04 MST"), at.Sub(now).Round(time.Minute))}
}

// quotaFreesAt estimates when a publication leaves the rolling window: the
// oldest of the account's latest quota_total media still inside the window,
// plus the window. Media posted by hand are listed too, which can only make
// the estimate early, never late; an early retry just checks again.
func (a *attempt) quotaFreesAt(ctx context.Context, now time.Time, total int, window time.Duration) time.Time {
	at := now.Add(quotaFallbackWait)
	var out struct {
		Data []listedMedia `json:"data"`
	}
	err := a.Get(ctx, a.user+"/media", url.Values{
		"fields": {"id,timestamp"},
		"limit":  {strconv.Itoa(min(total, 100))},
	}, &out)
	if err == nil {
		var oldest time.Time
		for _, m := range out.Data {
			ts, err := time.Parse(graph.TimeLayout, m.Timestamp)
			if err != nil || !ts.After(now.Add(-window)) {
				continue
			}
			if oldest.IsZero() || ts.Before(oldest) {
				oldest = ts
			}
		}
		if !oldest.IsZero() {
			at = oldest.Add(window)
		}
	}
	return later(at, now.Add(minQuotaWait))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// windowName says "24-hour" for a day-long window.
func windowName(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + "-hour"
	}
	return d.String()
}
