package facebook

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Metrics (docs/platforms/facebook.md#metrics). A Page post's insights,
// by the names Meta documents today: post_impressions* were deprecated on
// November 15, 2025 for post_media_view ("views") and
// post_total_media_view_unique (Pages API changelog,
// https://developers.facebook.com/documentation/pages-api/changelog/;
// deprecated metrics,
// https://developers.facebook.com/documentation/pages-api/platforminsights/page/deprecated-metrics).
// post_reactions_by_type_total is summed over the reaction types; the
// per-type split is not kept.
var insightMetrics = []string{"post_media_view", "post_total_media_view_unique", "post_clicks", "post_reactions_by_type_total"}

// metricsPermissions: Page post insights need a Page token of someone who
// can do the ANALYZE task, with read_insights and pages_read_engagement
// (Page Post Insights, "Permissions":
// https://developers.facebook.com/docs/graph-api/reference/post/insights/).
// Publishing already asks for pages_read_engagement.
var metricsPermissions = []string{"read_insights"}

// FetchMetrics reads the Page post's insights (serentak.MetricsFetcher).
// A login without read_insights is serentak.ErrMetricsPermission: the
// Page keeps publishing, and reconnecting it allows metrics.
func (p *Publisher) FetchMetrics(ctx context.Context, req serentak.MetricsRequest) (serentak.Metrics, error) {
	tok := req.Account.Token.AccessToken
	c := &graph.Client{Endpoint: p.g.Endpoint, Token: tok, Platform: p.g.Info}
	m, err := c.Insights(ctx, req.ExternalID, insightMetrics)
	if err != nil {
		return nil, graph.Redact(metricsError(err), tok)
	}
	return m, nil
}

// metricsError marks a permission error about insights as
// serentak.ErrMetricsPermission rather than AuthExpired: the token works
// for publishing, so the account must not be marked needs_reauth. The
// error is told by the permission its message names (Classify reads codes
// 10 and 200–299 as AuthExpired; any other code naming read_insights is
// taken as the same refusal).
func metricsError(err error) error {
	pe, ok := err.(*serentak.PublishError)
	if !ok || (pe.Kind != serentak.AuthExpired && pe.Kind != serentak.Rejected) {
		return err
	}
	// A permission the app itself lacks (App Review, development mode) is
	// the operator's to fix; reconnecting the Page cannot help.
	lower := strings.ToLower(pe.Message)
	for _, phrase := range appRestrictionPhrases {
		if strings.Contains(lower, phrase) {
			return err
		}
	}
	perms := MissingPermissions(pe.Message)
	if !slices.ContainsFunc(perms, func(p string) bool { return slices.Contains(metricsPermissions, p) || p == "pages_read_engagement" }) {
		return err
	}
	return &serentak.PublishError{Kind: serentak.Rejected, Code: pe.Code, Err: serentak.ErrMetricsPermission,
		Message: fmt.Sprintf("the Page's login does not grant %s, which Facebook's post insights need; reconnect the Page to allow metrics", strings.Join(perms, ", "))}
}
