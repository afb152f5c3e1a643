package instagram

import (
	"context"
	"fmt"
	"strings"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Metrics (docs/platforms/instagram.md#metrics): GET
// /{ig-media-id}/insights with the metrics Instagram documents today.
// impressions, plays and video_views were deprecated for views (Instagram
// Media Insights, "Reading", deprecation notes:
// https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights;
// the metric list: https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media/insights).
var insightMetrics = []string{"views", "reach", "likes", "comments", "shares", "saved", "total_interactions"}

// metricsPermission is each login's insights permission (Insights guide,
// "Requirements", "Permissions":
// https://developers.facebook.com/documentation/instagram-platform/insights.md):
// instagram_business_manage_insights with Instagram Login,
// instagram_manage_insights with Facebook Login.
var metricsPermission = map[bool]string{false: "instagram_business_manage_insights", true: "instagram_manage_insights"}

// FetchMetrics reads the media's insights (serentak.MetricsFetcher). A
// login without the insights permission is serentak.ErrMetricsPermission:
// the account keeps publishing, and reconnecting it allows metrics.
func (p *Publisher) FetchMetrics(ctx context.Context, req serentak.MetricsRequest) (serentak.Metrics, error) {
	tok := req.Account.Token.AccessToken
	c := &graph.Client{Endpoint: p.g.Endpoint, Token: tok, Platform: p.g.Info}
	m, err := c.Insights(ctx, req.ExternalID, insightMetrics)
	if err != nil {
		pe, ok := err.(*serentak.PublishError)
		if ok && strings.Contains(strings.ToLower(pe.Message), "not enough viewers") {
			// Code 10, "(#10) Not enough viewers for the media to show
			// insights" (Instagram Media Insights, "Limitations"): not a
			// permission, and not for ever; nothing to show yet.
			return serentak.Metrics{}, nil
		}
		if ok && pe.Kind == serentak.AuthExpired && isPermission(pe.Code) {
			perm := metricsPermission[facebookLogin(p.g.Endpoint.BaseURL)]
			err = &serentak.PublishError{Kind: serentak.Rejected, Code: pe.Code, Err: serentak.ErrMetricsPermission,
				Message: fmt.Sprintf("the account's login does not grant %s, which Instagram's media insights need; reconnect the account to allow metrics", perm)}
		}
		return nil, graph.Redact(err, tok)
	}
	return m, nil
}
