package postmetrics_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
	"github.com/serentak/serentak/api"
)

// Issue 22's done-when, end to end: one post published on the four
// platforms through the adapters and their fakes, the fetcher's scheduled
// run, and the API's GET …/posts/{id}/stats over HTTP on the same store
// (docs/api.md#stats-and-reports).
func TestPostStatsAnswerTheScheduledFetchOfEachPlatform(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	srv := httptest.NewServer(api.New(api.Config{Store: w.store, Now: w.clock.Now}).Handler())
	t.Cleanup(srv.Close)

	targets := make([]serentak.Delivery, 0, len(serentak.Platforms))
	for _, p := range serentak.Platforms {
		targets = append(targets, w.delivery(p, tiktok.PublicToEveryone))
	}
	post, _, err := w.store.CreatePost(w.ctx, serentak.Post{ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: w.ws.ID,
		ScheduledAt: w.clock.Now(), Status: serentak.PostScheduled, Deliveries: targets}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// What each fake reports, in the platform's own names
	// (docs/api.md#platform-metrics).
	wants := map[serentak.Platform]map[string]float64{}
	for _, d := range post.Deliveries {
		ext := w.deliver(t, d)
		switch d.Platform {
		case serentak.Facebook:
			w.graph.SetInsights(ext, map[string]any{"post_media_view": 120, "post_reactions_by_type_total": map[string]int{"like": 4, "love": 1}})
			wants[d.Platform] = map[string]float64{"post_media_view": 120, "post_reactions_by_type_total": 5}
		case serentak.Instagram:
			w.ig.SetInsights(ext, map[string]int64{"views": 340, "likes": 21})
			wants[d.Platform] = map[string]float64{"views": 340, "likes": 21}
		case serentak.YouTube:
			w.yt.SetStatistics(ext, fakeyoutube.Statistics{Views: 56, Likes: 7, Comments: 2})
			wants[d.Platform] = map[string]float64{"viewCount": 56, "likeCount": 7, "commentCount": 2}
		case serentak.TikTok:
			w.tt.SetCounts(ext, map[string]int64{"view_count": 980, "like_count": 77, "share_count": 5})
			wants[d.Platform] = map[string]float64{"view_count": 980, "like_count": 77, "share_count": 5}
		}
	}

	stats := func() []map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/workspaces/"+w.ws.ID+"/posts/"+post.ID+"/stats", nil)
		req.Header.Set("Authorization", "Bearer k")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct {
			Data []map[string]any `json:"data"`
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET …/stats = %d, %v", res.StatusCode, err)
		}
		// Every delivery, in the order of the post's targets.
		if len(body.Data) != len(post.Deliveries) {
			t.Fatalf("%d deliveries in the stats, want %d", len(body.Data), len(post.Deliveries))
		}
		for i, v := range body.Data {
			d := post.Deliveries[i]
			if v["delivery_id"] != d.ID || v["platform"] != string(d.Platform) || v["account_id"] != w.accounts[d.Platform].ID ||
				v["account_name"] != "Warung Sari" || v["status"] != string(serentak.DeliveryPublished) || v["clicks"] != 0.0 {
				t.Fatalf("stats[%d] = %v; want %s's published delivery %s without clicks", i, v, d.Platform, d.ID)
			}
			if s, _ := v["permalink"].(string); s == "" {
				t.Errorf("%s: permalink %v", d.Platform, v["permalink"])
			}
			if s, _ := v["published_at"].(string); s == "" {
				t.Errorf("%s: published_at %v", d.Platform, v["published_at"])
			}
		}
		return body.Data
	}

	// Published, the first fetch an hour away: no metrics, and why.
	before := stats()
	for _, v := range before {
		if m, ok := v["metrics"].(map[string]any); !ok || len(m) != 0 || v["metrics_unavailable"] != serentak.MetricsNotFetched || v["metrics_fetched_at"] != nil {
			t.Errorf("%s before the fetch: metrics %v, metrics_unavailable %v, metrics_fetched_at %v; want {}, %q, null",
				v["platform"], v["metrics"], v["metrics_unavailable"], v["metrics_fetched_at"], serentak.MetricsNotFetched)
		}
	}

	fetchedAt := w.clock.Now().Add(time.Hour)
	if n := w.runAt(t, fetchedAt); n != len(serentak.Platforms) {
		t.Fatalf("%d rows fetched an hour after publication, want %d", n, len(serentak.Platforms))
	}
	for i, v := range stats() {
		p := serentak.Platform(v["platform"].(string))
		m, _ := v["metrics"].(map[string]any)
		for name, want := range wants[p] {
			if m[name] != want {
				t.Errorf("%s: metrics[%s] = %v, want %v (all: %v)", p, name, m[name], want, m)
			}
		}
		if _, ok := v["metrics_unavailable"]; ok {
			t.Errorf("%s: metrics_unavailable %v beside its metrics", p, v["metrics_unavailable"])
		}
		if s, _ := v["metrics_fetched_at"].(string); s == "" {
			t.Errorf("%s: metrics_fetched_at %v, want %s", p, v["metrics_fetched_at"], fetchedAt)
		} else if at, err := time.Parse(time.RFC3339Nano, s); err != nil || !at.Equal(fetchedAt) {
			t.Errorf("%s: metrics_fetched_at %s, want %s", p, s, fetchedAt)
		}
		// The fetch changes the metrics only.
		for _, k := range []string{"permalink", "published_at"} {
			if v[k] != before[i][k] {
				t.Errorf("%s: %s %v after the fetch, %v before", p, k, v[k], before[i][k])
			}
		}
	}
}
