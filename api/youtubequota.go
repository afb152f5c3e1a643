package api

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/serentak/serentak"
)

// YouTube's upload quota at creation.
//
// videos.insert has a quota of its own per Google Cloud project, 100 calls
// a day by default, reset at midnight Pacific time, and the project is the
// install's: every channel of every workspace shares it
// (docs/platforms/youtube.md#rate-limits-and-quotas). A post whose YouTube
// delivery would exceed its quota day's allowance is not refused: the
// delivery moves to the next quota day with room, quotaDayOffset after its
// start, and the target's warnings say so. The count is of the YouTube
// deliveries already stored for that day (scheduled, publishing or
// published), so it holds however many API processes there are. Two posts
// created at the same instant may both take the last place; the workers'
// shared count (adapters/youtube/quota.go) then holds the extra upload
// until the next quota day.

// quotaDayOffset is how long after a quota day's start an overflowed
// delivery is scheduled: past the moment the workers' held uploads retry.
const quotaDayOffset = 15 * time.Minute

// maxQuotaDaysAhead bounds the search for a day with room.
const maxQuotaDaysAhead = 30

// fitYouTubeQuota moves the draft's YouTube deliveries that would exceed
// their quota day's allowance to the next day with room, with a warning.
func (s *Server) fitYouTubeQuota(ctx context.Context, d *draft) error {
	limit := s.cfg.YouTubeDailyUploads
	if limit <= 0 || s.ytDays == nil {
		return nil
	}
	planned := map[string]int{} // quota day → YouTube deliveries, stored and of this draft
	for i := range d.post.Deliveries {
		dl := &d.post.Deliveries[i]
		if dl.Platform != serentak.YouTube || dl.ScheduledAt.IsZero() {
			continue
		}
		at := dl.ScheduledAt
		var full []string
		for {
			day, start, next := s.ytDays.Of(at)
			n, ok := planned[day]
			if !ok {
				stored, err := s.cfg.Store.CountDeliveries(ctx, serentak.YouTube, start, next)
				if err != nil {
					return err
				}
				n = stored
			}
			if n < limit {
				planned[day] = n + 1
				break
			}
			planned[day] = n
			full = append(full, day)
			if len(full) > maxQuotaDaysAhead {
				d.errs = append(d.errs, fieldError(fmt.Sprintf("targets[%d]", d.targets[i].index), "youtube_quota",
					"YouTube: the %d uploads a day of this install's Google Cloud project are planned for every quota day from %s to %s; choose a later time or raise the project's quota (SERENTAK_YOUTUBE_DAILY_UPLOADS)",
					limit, full[0], day))
				break
			}
			at = next.Add(quotaDayOffset)
		}
		if at.Equal(dl.ScheduledAt) || len(full) > maxQuotaDaysAhead {
			continue
		}
		w := serentak.NewWarning(serentak.WarnYouTubeQuotaMoved, "limit", strconv.Itoa(limit),
			"days", joinDays(full), "at", at.UTC().Format(time.RFC3339))
		dl.ScheduledAt = at
		dl.Content.Warnings = append(dl.Content.Warnings, w)
		d.targets[i].result.Warnings = append(d.targets[i].result.Warnings, w)
		d.targets[i].result.Content.Warnings = dl.Content.Warnings
	}
	return nil
}

// joinDays names the full quota days: "2026-12-03", or a range.
func joinDays(days []string) string {
	if len(days) == 1 {
		return days[0]
	}
	return days[0] + " to " + days[len(days)-1]
}
