package fakeig

import (
	"net/http"
	"slices"
	"strings"
)

// Media insights: GET /{ig-media-id}/insights?metric=… (Instagram Media
// Insights, https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media/insights).

// The insights permission of each login (Insights guide, "Requirements":
// https://developers.facebook.com/documentation/instagram-platform/insights.md).
const (
	PermInsightsInstagramLogin = "instagram_business_manage_insights"
	PermInsightsFacebookLogin  = "instagram_manage_insights"
)

// mediaMetrics are the media metrics the reference lists today.
var mediaMetrics = []string{
	"views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
	"follows", "profile_visits", "profile_activity", "ig_reels_avg_watch_time", "ig_reels_video_view_total_time",
	"replies", "navigation",
}

// facebookLoginOnly are the aggregated metrics (ads included) "available
// for Instagram API with Facebook Login only" (reference, "Limitations").
var facebookLoginOnly = []string{"total_likes", "total_comments", "total_views"}

// deprecatedMediaMetrics were deprecated for v22.0 and for every version
// on April 21, 2025 — impressions, plays, clips_replays_count,
// ig_reels_aggregated_all_plays_count — and video_views before them
// (reference, the deprecation notes): asked for, they are refused.
var deprecatedMediaMetrics = []string{"impressions", "plays", "clips_replays_count", "ig_reels_aggregated_all_plays_count", "video_views", "engagement"}

// SetInsights sets what a media's insights answer, by metric.
func (s *Server) SetInsights(mediaID string, values map[string]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.insights[mediaID] = values
}

func (s *Server) mediaInsights(method, mediaID string, ti tokenInfo, p params) (any, *graphErr) {
	if method != http.MethodGet {
		return nil, notFound(method, mediaID)
	}
	// "Requirements", "Permissions": the login's insights permission.
	perm := PermInsightsInstagramLogin
	if ti.login == LoginFacebook {
		perm = PermInsightsFacebookLogin
	}
	if ti.perms != nil && !ti.perms[perm] {
		return nil, errf(10, 0, "(#10) Application does not have permission for this action (%s is required)", perm)
	}
	raw := p["metric"]
	if raw == "" {
		// "metric: Required. Comma-separated list of Metrics".
		return nil, errf(100, 0, "(#100) The parameter metric is required")
	}
	names := strings.Split(raw, ",")
	for i, n := range names {
		switch {
		case slices.Contains(deprecatedMediaMetrics, n):
			return nil, errf(100, 0, "(#100) metric[%d] must be one of the following values: %s (%s is no longer supported; use views)", i, strings.Join(mediaMetrics, ", "), n)
		case slices.Contains(facebookLoginOnly, n) && ti.login != LoginFacebook:
			return nil, errf(100, 0, "(#100) metric[%d]: %s is available with Facebook Login only", i, n)
		case !slices.Contains(mediaMetrics, n) && !slices.Contains(facebookLoginOnly, n):
			return nil, errf(100, 0, "(#100) metric[%d] must be one of the following values: %s", i, strings.Join(mediaMetrics, ", "))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var m *Media
	for _, x := range s.published {
		// The media of the token's account only.
		if x.ID == mediaID && x.UserID == ti.user {
			m = x
		}
	}
	if m == nil {
		return nil, notFound(method, mediaID)
	}
	vals := s.insights[mediaID]
	data := []any{}
	for _, n := range names {
		data = append(data, map[string]any{
			"name": n, "period": "lifetime", "values": []any{map[string]any{"value": vals[n]}},
			"title": n, "description": n, "id": mediaID + "/insights/" + n + "/lifetime",
		})
	}
	return map[string]any{"data": data}, nil
}
