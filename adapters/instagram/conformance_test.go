package instagram_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
	"github.com/serentak/serentak/adapters/instagram"
	"github.com/serentak/serentak/adapters/instagram/fakeig"
	"github.com/serentak/serentak/testkit"
)

func TestConformance(t *testing.T) {
	adaptertest.Exercise(t, adaptertest.Harness{Setup: func(t *testing.T) *adaptertest.Fixture {
		clk := testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		// New containers answer IN_PROGRESS twice before FINISHED.
		fake := fakeig.New(fakeig.WithClock(clk.Now), fakeig.WithProcessingReads(2))
		t.Cleanup(fake.Close)
		fake.AddUser(igUser, igToken)
		return &adaptertest.Fixture{
			Publisher: instagram.New(instagram.Config{BaseURL: fake.URL, Now: clk.Now}),
			Request: serentak.PublishRequest{
				DeliveryID: "dlv_1",
				Account: serentak.Account{ID: "acc_1", Platform: serentak.Instagram, ExternalID: igUser,
					Token: serentak.Token{AccessToken: igToken}},
				Content: serentak.Content{Text: "Sambal baru! #sambal", Media: []serentak.MediaRef{
					{URL: fake.SampleJPEGURL(), Kind: serentak.MediaImage, ContentType: "image/jpeg"}}},
				Attempt: 1,
			},
			Published: func() []string {
				var ids []string
				for _, m := range fake.Media(igUser) {
					ids = append(ids, m.ID)
				}
				return ids
			},
			DropFinal: func() { fake.FailNext(http.MethodPost, "media_publish", 1, fakeig.Drop()) },
			FailWith: func(msg string) {
				fake.Inject(func(*http.Request) *fakeig.Fault { return &fakeig.Fault{Code: 100, Message: msg} })
			},
			SetLatency: fake.SetLatency,
			Advance:    clk.Advance,
			Pending:    true,
			Metrics: func(id string) (string, int64) {
				fake.SetInsights(id, map[string]int64{"views": 321, "likes": 12})
				return "views", 321
			},
			DenyMetrics: func() serentak.Account {
				// Publishing's permissions, without insights.
				fake.AddToken(igUser, "IGAA-no-insights", fakeig.LoginInstagram, "instagram_business_basic", "instagram_business_content_publish")
				return serentak.Account{ID: "acc_1", Platform: serentak.Instagram, ExternalID: igUser, Token: serentak.Token{AccessToken: "IGAA-no-insights"}}
			},
		}
	}})
}
