package fakeig_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/instagram/fakeig"
)

func TestMediaInsightsAsDocumented(t *testing.T) {
	b := setup(t)
	m := b.fake.SeedMedia(user, "Sambal baru", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), true)
	b.fake.SetInsights(m.ID, map[string]int64{"views": 90, "saved": 3})
	get := func(metric, token string) answer {
		q := url.Values{}
		if metric != "" {
			q.Set("metric", metric)
		}
		return b.call(t, http.MethodGet, m.ID+"/insights", token, q)
	}
	for _, c := range []struct{ name, metric, token string }{
		{"no metric", "", tok},
		{"impressions is deprecated", "impressions", tok},
		{"video_views is deprecated", "views,video_views", tok},
		{"plays is deprecated", "plays", tok},
		{"total_views is Facebook Login's", "total_views", tok},
		{"another account's media", "views", tok2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if a := get(c.metric, c.token); a.status == http.StatusOK {
				t.Fatalf("= %d %v; want refused", a.status, a.body)
			}
		})
	}
	a := get("views,saved,reach", tok)
	data, _ := a.body["data"].([]any)
	if a.status != http.StatusOK || len(data) != 3 {
		t.Fatalf("insights = %d %v", a.status, a.body)
	}
	v := data[0].(map[string]any)["values"].([]any)[0].(map[string]any)["value"]
	if v != float64(90) {
		t.Errorf("views = %v, want 90", v)
	}
	// A token without the insights permission is refused with code 10.
	b.fake.AddToken(user, "IGAA-publish-only", fakeig.LoginInstagram, "instagram_business_basic", "instagram_business_content_publish")
	if a := get("views", "IGAA-publish-only"); a.status == http.StatusOK {
		t.Fatalf("without %s = %d %v; want refused", fakeig.PermInsightsInstagramLogin, a.status, a.body)
	} else if c, _ := a.errCode(); c != 10 {
		t.Errorf("code = %d, want 10", c)
	}
}
