package fakegraph_test

import (
	"net/http"
	"net/url"
	"testing"
)

func TestPostInsightsAsDocumented(t *testing.T) {
	b := setup(t)
	a := b.call(t, http.MethodPost, b.fake.URL+version+page+"/feed", map[string]any{"message": "Sambal baru"}, oauth(token))
	postID, _ := a.body["id"].(string)
	if a.status != http.StatusOK || postID == "" {
		t.Fatalf("POST feed = %d %v", a.status, a.body)
	}
	b.fake.SetInsights(postID, map[string]any{"post_media_view": 40})
	insights := func(q url.Values, tok string) answer {
		return b.call(t, http.MethodGet, b.fake.URL+version+postID+"/insights?"+q.Encode(), nil, oauth(tok))
	}

	cases := []struct {
		name          string
		q             url.Values
		tok           string
		code, subcode int
	}{
		{"no metric", url.Values{}, token, 3001, 1504028},
		{"impressions were replaced by views", url.Values{"metric": {"post_impressions"}}, token, 100, 0},
		{"unique impressions too", url.Values{"metric": {"post_media_view,post_impressions_unique"}}, token, 100, 0},
		{"not a metric", url.Values{"metric": {"post_likes"}}, token, 100, 0},
		{"another Page's post", url.Values{"metric": {"post_media_view"}}, token2, 100, 33},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := insights(c.q, c.tok)
			if a.status == http.StatusOK || a.code() != c.code || a.subcode() != c.subcode {
				t.Fatalf("= %d %v; want error %d/%d", a.status, a.body, c.code, c.subcode)
			}
		})
	}

	a = insights(url.Values{"metric": {"post_media_view,post_clicks"}}, token)
	data, _ := a.body["data"].([]any)
	if a.status != http.StatusOK || len(data) != 2 {
		t.Fatalf("insights = %d %v", a.status, a.body)
	}
	first := data[0].(map[string]any)
	v := first["values"].([]any)[0].(map[string]any)["value"]
	if first["name"] != "post_media_view" || v != float64(40) {
		t.Errorf("first metric = %v", first)
	}

	// Without read_insights: refused as a permission error.
	b.fake.DenyPermission(token, "read_insights")
	if a := insights(url.Values{"metric": {"post_media_view"}}, token); a.code() != 200 {
		t.Errorf("without read_insights = %d %v; want code 200", a.status, a.body)
	}
}
