package youtube_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
	"github.com/serentak/serentak/testkit"
)

func TestConformance(t *testing.T) {
	adaptertest.Exercise(t, adaptertest.Harness{Setup: func(t *testing.T) *adaptertest.Fixture {
		clk := testkit.NewClock(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC))
		// A new video is processing for two reads before it is processed.
		fake := fakeyoutube.New(fakeyoutube.WithClock(clk.Now), fakeyoutube.WithProcessingReads(2))
		t.Cleanup(fake.Close)
		fake.AddAccessToken(channelID, accessToken, clk.Now().Add(time.Hour))
		fake.AddRefreshToken(channelID, refreshToken)
		pub, err := youtube.New(youtube.Config{BaseURL: fake.URL, TokenURL: fake.TokenURL(),
			ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(), Now: clk.Now,
			ChunkSize: unit, WaitForProcessing: true, Rand: func() float64 { return 0.5 }})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		const size = 3*unit + 1234 // several chunks; the last one makes the video
		return &adaptertest.Fixture{
			Publisher: pub,
			Request: serentak.PublishRequest{
				DeliveryID: "dlv_1",
				Account: serentak.Account{ID: "acc_1", Platform: serentak.YouTube, ExternalID: channelID,
					Token: serentak.Token{AccessToken: accessToken, RefreshToken: refreshToken, ExpiresAt: clk.Now().Add(time.Hour)}},
				Content:     content(),
				ScheduledAt: clk.Now(),
				Attempt:     1,
				OpenMediaFunc: func(context.Context, serentak.MediaRef) (io.ReadCloser, int64, error) {
					return &gen{size: size}, size, nil
				},
			},
			Published: func() []string {
				var ids []string
				for _, v := range fake.Videos() {
					ids = append(ids, v.ID)
				}
				return ids
			},
			DropFinal: func() { fake.FailNextWhere(1, fakeyoutube.Drop(), fakeyoutube.FinalChunk) },
			FailWith: func(msg string) {
				fake.Inject(func(fakeyoutube.Request) *fakeyoutube.Fault {
					return &fakeyoutube.Fault{Reason: "badRequest", Message: msg}
				})
			},
			SetLatency: fake.SetLatency,
			Advance:    clk.Advance,
			Pending:    true,
			Metrics: func(id string) (string, int64) {
				fake.SetStatistics(id, fakeyoutube.Statistics{Views: 4321, Likes: 21, Comments: 4})
				return "viewCount", 4321
			},
			DenyMetrics: func() serentak.Account {
				// Connected with youtube.upload only.
				fake.AddAccessTokenWithScopes(channelID, "ya29.upload-only", clk.Now().Add(time.Hour), "https://www.googleapis.com/auth/youtube.upload")
				return serentak.Account{ID: "acc_1", Platform: serentak.YouTube, ExternalID: channelID, Token: serentak.Token{AccessToken: "ya29.upload-only"}}
			},
		}
	}})
}
