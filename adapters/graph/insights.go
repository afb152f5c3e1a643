package graph

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/serentak/serentak"
)

// Insights reads GET /{object-id}/insights?metric=… with c's token: a Page
// post's (Page Post Insights,
// https://developers.facebook.com/docs/graph-api/reference/post/insights/)
// or an Instagram media's (Instagram Media Insights,
// https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media/insights).
// Both answer {"data":[{"name","period","values":[{"value"}]}]}; a value
// that is an object of counts (post_reactions_by_type_total: {"like":3,
// "love":1}) is summed. A metric with no data yet is left out, as the
// platform leaves it out ("returns an empty data set instead of 0").
func (c *Client) Insights(ctx context.Context, objectID string, metrics []string) (serentak.Metrics, error) {
	var out struct {
		Data []struct {
			Name   string `json:"name"`
			Values []struct {
				Value json.RawMessage `json:"value"`
			} `json:"values"`
			TotalValue *struct {
				Value json.RawMessage `json:"value"`
			} `json:"total_value"`
		} `json:"data"`
	}
	q := url.Values{"metric": {strings.Join(metrics, ",")}, "period": {"lifetime"}}
	if err := c.Get(ctx, objectID+"/insights", q, &out); err != nil {
		return nil, err
	}
	m := serentak.Metrics{}
	for _, d := range out.Data {
		var raw json.RawMessage
		switch {
		case len(d.Values) > 0:
			raw = d.Values[len(d.Values)-1].Value
		case d.TotalValue != nil:
			raw = d.TotalValue.Value
		default:
			continue
		}
		if v, ok := count(raw); ok {
			m[d.Name] = v
		}
	}
	return m, nil
}

// count reads a metric's value: a number, or an object of numbers summed.
func count(raw json.RawMessage) (int64, bool) {
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return n, true
	}
	var byType map[string]int64
	if json.Unmarshal(raw, &byType) != nil {
		return 0, false
	}
	for _, v := range byType {
		n += v
	}
	return n, true
}
