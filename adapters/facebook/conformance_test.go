package facebook_test

import (
	"net/http"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
	"github.com/serentak/serentak/adapters/facebook"
	"github.com/serentak/serentak/adapters/facebook/fakegraph"
)

func TestConformance(t *testing.T) {
	adaptertest.Exercise(t, adaptertest.Harness{Setup: func(t *testing.T) *adaptertest.Fixture {
		fake := fakegraph.New()
		t.Cleanup(fake.Close)
		fake.AddPage(pageID, pageToken)
		return &adaptertest.Fixture{
			Publisher: facebook.New(facebook.Config{BaseURL: fake.URL}),
			Request: serentak.PublishRequest{
				DeliveryID: "dlv_1",
				Account: serentak.Account{ID: "acc_1", Platform: serentak.Facebook, ExternalID: pageID,
					Token: serentak.Token{AccessToken: pageToken}},
				Content: serentak.Content{Text: "Sambal baru!", Media: []serentak.MediaRef{
					{URL: fake.SampleImageURL(), Kind: serentak.MediaImage, ContentType: "image/png"}}},
				Attempt: 1,
			},
			Published: func() []string {
				var ids []string
				for _, p := range fake.Posts(pageID) {
					ids = append(ids, p.ID)
				}
				return ids
			},
			DropFinal: func() { fake.FailNext(pageID, 1, fakegraph.Drop()) },
			FailWith: func(msg string) {
				fake.Inject(func(*http.Request) *fakegraph.Fault { return &fakegraph.Fault{Code: 100, Message: msg} })
			},
			SetLatency: fake.SetLatency,
			Metrics: func(id string) (string, int64) {
				fake.SetInsights(id, map[string]any{"post_media_view": 1234, "post_reactions_by_type_total": map[string]int{"like": 3, "love": 2}})
				return "post_media_view", 1234
			},
			DenyMetrics: func() serentak.Account {
				fake.DenyPermission(pageToken, "read_insights")
				return serentak.Account{ID: "acc_1", Platform: serentak.Facebook, ExternalID: pageID, Token: serentak.Token{AccessToken: pageToken}}
			},
		}
	}})
}
