package fakegraph

import (
	"net/http"
	"slices"
	"strings"
)

// Page post insights: GET /{post-id}/insights?metric=… (Page Post
// Insights, https://developers.facebook.com/docs/graph-api/reference/post/insights/;
// the metrics, Page Insights reference,
// https://developers.facebook.com/docs/graph-api/reference/insights).

// postMetrics are the Page post metrics the fake serves: those the
// reference lists for posts that are not deprecated.
var postMetrics = []string{
	"post_media_view", "post_total_media_view_unique", "post_clicks", "post_clicks_by_type",
	"post_reactions_by_type_total", "post_reactions_like_total", "post_reactions_love_total",
	"post_reactions_wow_total", "post_reactions_haha_total", "post_reactions_sorry_total", "post_reactions_anger_total",
	"post_video_views", "post_video_avg_time_watched",
}

// deprecatedPostMetrics answer an invalid metric error on every version
// since November 15, 2025 (post_impressions* → post_media_view and
// post_total_media_view_unique: Pages API changelog,
// https://developers.facebook.com/documentation/pages-api/changelog/; the
// deprecated metrics,
// https://developers.facebook.com/documentation/pages-api/platforminsights/page/deprecated-metrics),
// as do the engagement metrics deprecated on March 14, 2024.
var deprecatedPostMetrics = []string{
	"post_impressions", "post_impressions_unique", "post_impressions_paid", "post_impressions_paid_unique",
	"post_impressions_fan", "post_impressions_fan_unique", "post_impressions_organic", "post_impressions_organic_unique",
	"post_impressions_viral", "post_impressions_viral_unique", "post_impressions_nonviral", "post_impressions_nonviral_unique",
	"post_engaged_users", "post_negative_feedback", "post_engaged_fan",
}

// SetInsights sets what a post's insights answer: a number per metric,
// or for post_reactions_by_type_total a map of reaction type to count.
func (s *Server) SetInsights(postID string, values map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.insights[postID] = values
}

func (s *Server) serveInsights(r *http.Request, postID, tok, tokenPage string, p params) (any, *graphErr) {
	if r.Method != http.MethodGet {
		return nil, errf(100, 33, "Unsupported %s request. Object with ID '%s/insights' does not support this operation.", strings.ToLower(r.Method), postID)
	}
	// "A Page access token requested by a person who can perform the
	// ANALYZE task on the Page", with read_insights and
	// pages_read_engagement (Page Post Insights, "Permissions").
	for _, perm := range []string{"read_insights", "pages_read_engagement"} {
		if e := s.requirePermission(tok, perm); e != nil {
			return nil, e
		}
	}
	raw := p.get("metric")
	if raw == "" {
		// Insights reference, "Reading": no metric is code 3001, subcode
		// 1504028, "No metric was specified to be fetched…".
		return nil, errf(3001, 1504028, "No metric was specified to be fetched. Please specify one or more metrics to be fetched and try again.")
	}
	names := strings.Split(raw, ",")
	for _, n := range names {
		switch {
		case slices.Contains(deprecatedPostMetrics, n):
			return nil, errf(100, 0, "(#100) The value must be a valid insights metric: %s is deprecated (use post_media_view or post_total_media_view_unique)", n)
		case !slices.Contains(postMetrics, n):
			return nil, errf(100, 0, "(#100) The value must be a valid insights metric: %s", n)
		}
	}
	if period := p.get("period"); period != "" && period != "lifetime" {
		// Post metrics have the lifetime period only (reference, "Period").
		return nil, errf(100, 0, "(#100) Invalid period %q for post metrics: lifetime", period)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *Post
	for _, post := range s.posts {
		if post.ID == postID && post.PageID == tokenPage && post.ScheduledFor.IsZero() {
			found = post
		}
	}
	if found == nil {
		return nil, errf(100, 33, "Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", postID)
	}
	vals := s.insights[postID]
	data := []any{}
	for _, n := range names {
		v, ok := vals[n]
		if !ok {
			v = 0
			if n == "post_reactions_by_type_total" {
				v = map[string]int{}
			}
		}
		data = append(data, map[string]any{
			"name": n, "period": "lifetime", "values": []any{map[string]any{"value": v}},
			"title": n, "description": "Lifetime: " + n, "id": postID + "/insights/" + n + "/lifetime",
		})
	}
	return map[string]any{"data": data, "paging": map[string]any{}}, nil
}
