package tiktok

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/serentak/serentak"
)

// Metrics (docs/platforms/tiktok.md#metrics): the Display API's video
// query, POST /v2/video/query/?fields=… with {"filters":{"video_ids":[…]}}
// (Query Videos, scope video.list, at most 20 IDs, the videos of the
// token's user only: https://developers.tiktok.com/doc/tiktok-api-v1-video-query
// and its v2 successor; fields from the Video Object,
// https://developers.tiktok.com/doc/tiktok-api-v2-video-object). 600
// requests a minute per app (Rate Limits,
// https://developers.tiktok.com/docs/en/tiktok-api-v2-rate-limit).
const pathVideoQuery = "/v2/video/query/"

// metricFields are the Video Object's counts.
var metricFields = []string{"view_count", "like_count", "comment_count", "share_count"}

// metricsScope is what the video query needs.
const metricsScope = "video.list"

// PermissionsFor returns the scopes a feature needs beyond posting:
// video.list for metrics; nil for any other feature.
func (p *Publisher) PermissionsFor(feature string) []string {
	if feature == serentak.FeatureMetrics {
		return []string{metricsScope}
	}
	return nil
}

// FetchMetrics reads the video's counts (serentak.MetricsFetcher). A post
// that is not public has no post ID, only its publish_id
// (serentak.MetricsUnavailable): serentak.ErrNoMetrics, without a call. A
// token without video.list is serentak.ErrMetricsPermission.
func (p *Publisher) FetchMetrics(ctx context.Context, req serentak.MetricsRequest) (serentak.Metrics, error) {
	if why := serentak.MetricsUnavailable(serentak.TikTok, req.ExternalID); why != "" {
		return nil, &serentak.PublishError{Kind: serentak.Rejected, Err: serentak.ErrNoMetrics, Message: why}
	}
	a := &attempt{Publisher: p, req: serentak.PublishRequest{Account: req.Account}, cp: serentak.Checkpoint{}}
	fields := "id"
	for _, f := range metricFields {
		fields += "," + f
	}
	var out struct {
		Videos []map[string]any `json:"videos"`
	}
	body := map[string]any{"filters": map[string]any{"video_ids": []string{req.ExternalID}}}
	err := a.read(ctx, pathVideoQuery+"?fields="+url.QueryEscape(fields), body, &out)
	if err != nil {
		var pe *serentak.PublishError
		if errors.As(err, &pe) && (pe.Code == "scope_not_authorized" || pe.Code == "scope_permission_missed") {
			err = &serentak.PublishError{Kind: serentak.Rejected, Code: pe.Code, Err: serentak.ErrMetricsPermission,
				Message: "the TikTok account was connected without video.list, which reading its videos' counts needs; reconnect it to allow metrics"}
		}
		return nil, redact(err, req.Account.Token.AccessToken, req.Account.Token.RefreshToken)
	}
	for _, v := range out.Videos {
		if fmt.Sprint(v["id"]) != req.ExternalID {
			continue
		}
		m := serentak.Metrics{}
		for _, f := range metricFields {
			if n, ok := v[f].(float64); ok {
				m[f] = int64(n)
			}
		}
		return m, nil
	}
	return nil, &serentak.PublishError{Kind: serentak.Rejected, Code: "not_found",
		Message: fmt.Sprintf("TikTok no longer returns the video %s for this account; it was deleted or made private", req.ExternalID)}
}
