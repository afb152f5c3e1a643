package tiktok_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/testkit"
)

func TestConformance(t *testing.T) {
	adaptertest.Exercise(t, adaptertest.Harness{Setup: func(t *testing.T) *adaptertest.Fixture {
		clk := testkit.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		// A new publish answers PROCESSING twice before PUBLISH_COMPLETE.
		fake := faketiktok.New(faketiktok.WithClock(clk.Now), faketiktok.WithClient("ck", "cs"), faketiktok.WithProcessingReads(2))
		t.Cleanup(fake.Close)
		fake.AddUser(faketiktok.User{OpenID: openID, Username: username, Nickname: "Warung Sari",
			AccessToken: accessToken, RefreshToken: refreshToken})
		// One chunk: the upload's only PUT is its final one.
		video := randomBytes(300_000)
		return &adaptertest.Fixture{
			Publisher: tiktok.New(tiktok.Config{BaseURL: fake.URL, Now: clk.Now, ClientKey: "ck", ClientSecret: "cs"}),
			Request: serentak.PublishRequest{
				DeliveryID: "dlv_1",
				Account: serentak.Account{ID: "acc_1", Platform: serentak.TikTok, ExternalID: openID,
					Token: serentak.Token{AccessToken: accessToken, RefreshToken: refreshToken}},
				Content: serentak.Content{Text: "Sambal baru! #sambal", Options: serentak.Options{PrivacyLevel: tiktok.PublicToEveryone}, Media: []serentak.MediaRef{
					{ID: "med_1", Kind: serentak.MediaVideo, ContentType: "video/mp4", Size: int64(len(video))}}},
				Attempt: 1,
				OpenMediaFunc: func(context.Context, serentak.MediaRef) (io.ReadCloser, int64, error) {
					return io.NopCloser(bytes.NewReader(video)), int64(len(video)), nil
				},
			},
			Published: func() []string {
				var ids []string
				for _, p := range fake.Publishes(openID) {
					if p.PostID != "" {
						ids = append(ids, p.PostID)
					}
				}
				return ids
			},
			DropFinal: func() { fake.FailNext(faketiktok.PathUpload, 1, faketiktok.Drop()) },
			FailWith: func(msg string) {
				fake.Inject(func(*http.Request) *faketiktok.Fault {
					return &faketiktok.Fault{Code: "invalid_params", Message: msg}
				})
			},
			SetLatency: fake.SetLatency,
			Advance:    clk.Advance,
			Pending:    true,
			Metrics: func(id string) (string, int64) {
				fake.SetCounts(id, map[string]int64{"view_count": 777, "like_count": 70})
				return "view_count", 777
			},
			DenyMetrics: func() serentak.Account {
				// Connected before Serentak asked for video.list.
				fake.AddUser(faketiktok.User{OpenID: openID, Username: username, AccessToken: "act.no-video-list",
					Scopes: []string{"user.info.basic", "video.publish", "video.upload"}})
				return serentak.Account{ID: "acc_1", Platform: serentak.TikTok, ExternalID: openID, Token: serentak.Token{AccessToken: "act.no-video-list"}}
			},
		}
	}})
}
