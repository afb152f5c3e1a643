package fakeyoutube

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// listParts are the parts videos.list serves here.
var listParts = map[string]bool{"id": true, "snippet": true, "status": true, "processingDetails": true, "statistics": true}

// readScopes are the scopes videos.list takes with OAuth: "at least one
// of" youtube.readonly, youtube, youtube.force-ssl, youtubepartner
// (Videos: list, "Authorization":
// https://developers.google.com/youtube/v3/docs/videos/list).
// youtube.upload alone is refused with insufficientPermissions.
var readScopes = []string{
	"https://www.googleapis.com/auth/youtube.readonly",
	"https://www.googleapis.com/auth/youtube",
	"https://www.googleapis.com/auth/youtube.force-ssl",
	"https://www.googleapis.com/auth/youtubepartner",
}

// Statistics are the counts a video's statistics part answers
// (SetStatistics). LikesHidden leaves likeCount out, as when the owner
// hides it; CommentsOff leaves commentCount out, as when comments are
// disabled (Videos resource, statistics).
type Statistics struct {
	Views, Likes, Comments   int64
	LikesHidden, CommentsOff bool
}

// list answers GET /youtube/v3/videos?part=…&id=…. Each read of a video's
// status or processingDetails moves its processing along: "processing"
// for the first WithProcessingReads reads, then "succeeded".
func (s *Server) list(r *http.Request, at time.Time) (answer, *gErr) {
	g, e := s.bearerGrant(r, at)
	if e != nil {
		return answer{}, e
	}
	channel := g.ChannelID
	if !slices.ContainsFunc(g.Scopes, func(sc string) bool { return slices.Contains(readScopes, sc) }) {
		return answer{}, errf("insufficientPermissions", "Request had insufficient authentication scopes.")
	}
	q := r.URL.Query()
	if q.Get("part") == "" {
		return answer{}, errf("required", "fake: the part parameter is required")
	}
	var parts []string
	for _, p := range strings.Split(q.Get("part"), ",") {
		if !listParts[p] {
			return answer{}, errf("invalidParameter", "fake: part %q is not served by the fake's videos.list", p)
		}
		parts = append(parts, p)
	}
	if q.Get("id") == "" {
		return answer{}, errf("required", "fake: the fake's videos.list needs id (chart, myRating and mine are not served)")
	}
	ids := strings.Split(q.Get("id"), ",")
	if len(ids) > 50 {
		return answer{}, errf("invalidParameter", "fake: at most 50 ids per call")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []any{}
	for _, id := range ids {
		v := s.byID[id]
		if v == nil || v.deleted {
			continue
		}
		owner := v.ChannelID == channel
		if owner && (contains(parts, "status") || contains(parts, "processingDetails")) {
			v.reads++
		}
		items = append(items, resource(v, parts, owner))
	}
	return answer{status: http.StatusOK, body: map[string]any{
		"kind":     "youtube#videoListResponse",
		"items":    items,
		"pageInfo": map[string]int{"totalResults": len(items), "resultsPerPage": len(items)},
	}}, nil
}

// resource is the video resource with the parts asked for. Processing
// details are shown to the owner only, as on YouTube.
func resource(v *video, parts []string, owner bool) map[string]any {
	out := map[string]any{"kind": "youtube#video", "etag": "fake-etag-" + v.ID, "id": v.ID}
	processing, upload := "processing", "uploaded"
	var extra map[string]any
	switch {
	case v.failure != "":
		processing, upload = "failed", "failed"
		extra = map[string]any{"failureReason": v.failure}
	case v.rejection != "":
		processing, upload = "succeeded", "rejected"
		extra = map[string]any{"rejectionReason": v.rejection}
	case v.reads > v.procReads:
		processing, upload = "succeeded", "processed"
	}
	for _, p := range parts {
		switch p {
		case "snippet":
			sn := map[string]any{
				"publishedAt": v.CreatedAt.UTC().Format(time.RFC3339),
				"channelId":   v.ChannelID,
				"title":       v.Title,
				"description": v.Description,
				"categoryId":  v.CategoryID,
			}
			if len(v.Tags) > 0 {
				sn["tags"] = v.Tags
			}
			out["snippet"] = sn
		case "status":
			st := map[string]any{
				"uploadStatus":            upload,
				"privacyStatus":           v.PrivacyStatus,
				"license":                 "youtube",
				"embeddable":              true,
				"publicStatsViewable":     true,
				"madeForKids":             v.MadeForKids,
				"selfDeclaredMadeForKids": v.MadeForKids,
			}
			if v.PublishAt != "" {
				st["publishAt"] = v.PublishAt
			}
			for k, x := range extra {
				st[k] = x
			}
			out["status"] = st
		case "statistics":
			// Counts are strings (unsigned long), as in the resource.
			st := map[string]any{"viewCount": strconv.FormatInt(v.stats.Views, 10), "favoriteCount": "0"}
			if !v.stats.LikesHidden {
				st["likeCount"] = strconv.FormatInt(v.stats.Likes, 10)
			}
			if !v.stats.CommentsOff {
				st["commentCount"] = strconv.FormatInt(v.stats.Comments, 10)
			}
			out["statistics"] = st
		case "processingDetails":
			if owner {
				pd := map[string]any{"processingStatus": processing}
				if processing == "processing" {
					pd["processingProgress"] = map[string]any{"partsTotal": "1000", "partsProcessed": "0", "timeLeftMs": "60000"}
				}
				if processing == "failed" {
					pd["processingFailureReason"] = "other"
				}
				out["processingDetails"] = pd
			}
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
