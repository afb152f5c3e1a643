package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/serentak/serentak"
)

// Metrics (docs/platforms/youtube.md#metrics): videos.list with
// part=statistics (Videos: list,
// https://developers.google.com/youtube/v3/docs/videos/list; quota cost 1
// unit per call, against the 10,000 a day of the project, where an upload
// costs far more). statistics carries viewCount, likeCount and
// commentCount as strings; likeCount is absent when the owner hid it, and
// commentCount when comments are off.
var statisticsNames = []string{"viewCount", "likeCount", "commentCount"}

// readonlyScope is what videos.list needs with an OAuth token: one of
// youtube.readonly, youtube, youtube.force-ssl or youtubepartner
// (Videos: list, "Authorization"); youtube.upload alone is not enough.
// Serentak asks for youtube.readonly when connecting (connect/youtube.go).
const readonlyScope = "https://www.googleapis.com/auth/youtube.readonly"

// PermissionsFor returns the scopes a feature needs beyond uploading:
// youtube.readonly for metrics; nil for any other feature.
func (p *Publisher) PermissionsFor(feature string) []string {
	if feature == serentak.FeatureMetrics {
		return []string{readonlyScope}
	}
	return nil
}

// FetchMetrics reads the video's statistics (serentak.MetricsFetcher). A
// channel connected without youtube.readonly is
// serentak.ErrMetricsPermission; a video YouTube no longer lists is
// Rejected (deleted or removed).
func (p *Publisher) FetchMetrics(ctx context.Context, req serentak.MetricsRequest) (serentak.Metrics, error) {
	a := &attempt{Publisher: p, req: serentak.PublishRequest{Account: req.Account}}
	u := p.base + "/youtube/v3/videos?part=statistics&id=" + url.QueryEscape(req.ExternalID)
	r, err := a.newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	status, header, answer, err := a.do(r)
	if err != nil {
		return nil, &serentak.PublishError{Kind: serentak.Transient, Err: netErr(err),
			Message: fmt.Sprintf("could not reach YouTube for the video's statistics (%v)", netErr(err))}
	}
	if status/100 != 2 {
		pe := p.classify(status, answer, header)
		if pe.Code == "insufficientPermissions" {
			pe = &serentak.PublishError{Kind: serentak.Rejected, Code: pe.Code, Err: serentak.ErrMetricsPermission,
				Message: "the channel was connected without permission to read its videos (youtube.readonly), which YouTube's statistics need; reconnect it to allow metrics"}
		}
		return nil, pe
	}
	var out struct {
		Items []struct {
			Statistics map[string]json.RawMessage `json:"statistics"`
		} `json:"items"`
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		return nil, &serentak.PublishError{Kind: serentak.Transient, Err: err, Message: "YouTube's video statistics could not be read"}
	}
	if len(out.Items) == 0 {
		return nil, &serentak.PublishError{Kind: serentak.Rejected, Code: "notFound", Err: errors.New("no such video"),
			Message: fmt.Sprintf("YouTube no longer lists the video %s; it was deleted or removed", req.ExternalID)}
	}
	m := serentak.Metrics{}
	for _, name := range statisticsNames {
		raw, ok := out.Items[0].Statistics[name]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			m[name] = n
		}
	}
	return m, nil
}
