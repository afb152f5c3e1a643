package faketiktok

import (
	"net/http"
	"slices"

	"strings"
	"time"
)

// The Display API's video query: POST /v2/video/query/?fields=… with
// {"filters":{"video_ids":[…]}} (Query Videos,
// https://developers.tiktok.com/doc/tiktok-api-v1-video-query, the v2
// route of the Display API; fields from the Video Object,
// https://developers.tiktok.com/doc/tiktok-api-v2-video-object).

// videoFields are the Video Object's fields.
var videoFields = []string{
	"id", "create_time", "cover_image_url", "share_url", "video_description", "duration", "height", "width",
	"title", "embed_html", "embed_link", "like_count", "comment_count", "share_count", "view_count",
}

// maxQueryIDs: "Number of video ids should not be larger than 20 at a time".
const maxQueryIDs = 20

func (s *Server) videoQuery(r *http.Request, u User, at time.Time) (any, *apiErr) {
	// Scope: video.list.
	if e := s.requireScope(r, at, "video.list"); e != nil {
		return nil, e
	}
	raw := r.URL.Query().Get("fields")
	if raw == "" {
		return nil, errf("invalid_params", "fields is required: a comma-separated list of Video Object fields")
	}
	fields := strings.Split(raw, ",")
	for _, f := range fields {
		if !slices.Contains(videoFields, f) {
			return nil, errf("invalid_params", "field %q is not a Video Object field", f)
		}
	}
	var body struct {
		Filters struct {
			VideoIDs []string `json:"video_ids"`
		} `json:"filters"`
	}
	if e := decodeJSON(r, &body); e != nil {
		return nil, e
	}
	ids := body.Filters.VideoIDs
	switch {
	case len(ids) == 0:
		return nil, errf("invalid_params", "filters.video_ids is required")
	case len(ids) > maxQueryIDs:
		return nil, errf("invalid_params", "at most %d video_ids at a time", maxQueryIDs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	videos := []any{}
	for _, id := range ids {
		// Only the requesting user's public posts are found: "check if
		// the videos belong to the requesting user".
		var p *publish
		for _, x := range s.publishes {
			if x.PostID == id && x.OpenID == u.OpenID {
				p = x
			}
		}
		if p == nil {
			continue
		}
		counts := s.counts[id]
		v := map[string]any{}
		for _, f := range fields {
			switch f {
			case "id":
				v[f] = id
			case "create_time":
				v[f] = p.CreatedAt.Unix()
			case "share_url":
				v[f] = "https://www.tiktok.com/@" + u.Username + "/video/" + id
			case "title", "video_description":
				v[f] = p.Title
			case "like_count", "comment_count", "share_count", "view_count":
				v[f] = counts[f]
			case "duration", "height", "width":
				v[f] = 0
			default:
				v[f] = ""
			}
		}
		videos = append(videos, v)
	}
	return map[string]any{"videos": videos, "cursor": 0, "has_more": false}, nil
}

// requireScope refuses a token not granted scope with
// scope_not_authorized (Error handling: "The user did not authorize the
// scope required for completing this request").
func (s *Server) requireScope(r *http.Request, at time.Time, scope string) *apiErr {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	g, ok := s.tokens.Access(tok, at)
	if !ok || !slices.Contains(g.Scopes, scope) {
		return errf("scope_not_authorized", "The user did not authorize the scope required for completing this request (%s).", scope)
	}
	return nil
}
