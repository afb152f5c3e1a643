package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/tiktok"
	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/media/mediatest"
)

// withTikTok makes every platform publishable and asks TikTok's options
// of a strict fake through the real adapter.
func withTikTok(fake *faketiktok.Server) func(*api.Config) {
	return func(c *api.Config) {
		allPlatforms(c)
		c.OptionsReaders = map[serentak.Platform]serentak.OptionsReader{serentak.TikTok: tiktok.New(tiktok.Config{BaseURL: fake.URL})}
		c.YouTubePrivacy = "unlisted"
	}
}

func newFakeTikTok(t *testing.T, u faketiktok.User) *faketiktok.Server {
	t.Helper()
	fake := faketiktok.New()
	t.Cleanup(fake.Close)
	fake.AddUser(u)
	return fake
}

// storedOptions reads the options each delivery of a post will publish.
func (b *bundle) storedOptions(ws, id string) []serentak.Options {
	b.t.Helper()
	p, err := b.store.FindPostByID(context.Background(), ws, id)
	if err != nil {
		b.t.Fatal(err)
	}
	var out []serentak.Options
	for _, d := range p.Deliveries {
		out = append(out, d.Content.Options)
	}
	return out
}

func TestTargetOptionsRefused(t *testing.T) {
	b := setup(t, allPlatforms)
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key) // facebook, instagram, youtube, tiktok
	for name, tc := range map[string]struct {
		target int
		opts   any
		field  string
		says   string
	}{
		"another platform's option": {0, map[string]any{"privacy_level": "SELF_ONLY"}, "targets[0].options.privacy_level", "an option of TikTok, not of Facebook"},
		"unknown option":            {1, map[string]any{"hashtag_limit": 3}, "targets[1].options.hashtag_limit", "not an option; Instagram takes first_comment, share_to_feed"},
		"wrong type":                {2, map[string]any{"made_for_kids": "no"}, "targets[2].options.made_for_kids", "true or false"},
		"bad YouTube privacy":       {2, map[string]any{"privacy": "secret"}, "targets[2].options.privacy", "public, unlisted, private"},
		"YouTube category":          {2, map[string]any{"category_id": "People"}, "targets[2].options.category_id", "category ID"},
		"not an object":             {2, []string{"public"}, "targets[2].options", "must be an object"},
		"TikTok without privacy":    {3, map[string]any{"disable_comment": true}, "targets[3].options.privacy_level", "choose who can see"},
		"TikTok branded, private":   {3, map[string]any{"privacy_level": "SELF_ONLY", "brand_content_toggle": true}, "targets[3].options.privacy_level", "branded content"},
	} {
		t.Run(name, func(t *testing.T) {
			body := productPost(b, accs)
			body["targets"].([]any)[tc.target].(map[string]any)["options"] = tc.opts
			m := b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed", tc.field)
			if msg := m["error"].(map[string]any)["details"].([]any)[0].(map[string]any)["message"].(string); !strings.Contains(msg, tc.says) {
				t.Errorf("message %q does not say %q", msg, tc.says)
			}
		})
	}
	list := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts", key, nil), http.StatusOK)
	if n := len(list["data"].([]any)); n != 0 {
		t.Fatalf("%d posts stored", n)
	}
}

// TestTargetOptionsStored: the options are stored with each delivery,
// defaults filled in, so what is published is what was checked.
func TestTargetOptionsStored(t *testing.T) {
	fake := newFakeTikTok(t, faketiktok.User{OpenID: "tt1", AccessToken: "EAAB-token-tt1", Nickname: "Warung Sari", DuetDisabled: true})
	b := setup(t, withTikTok(fake))
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key)
	body := productPost(b, accs)
	targets := body["targets"].([]any)
	targets[0].(map[string]any)["options"] = map[string]any{"first_comment": " Pesan lewat WA ya "}
	targets[2].(map[string]any)["options"] = map[string]any{"made_for_kids": false, "category_id": "22", "tags": []string{"keripik", "umkm"}}
	targets[3].(map[string]any)["options"] = map[string]any{"privacy_level": "MUTUAL_FOLLOW_FRIENDS", "disable_comment": true, "brand_organic_toggle": true}
	p := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)

	yes := true
	want := []serentak.Options{
		{FirstComment: "Pesan lewat WA ya"},
		{ShareToFeed: &yes}, // Instagram's default
		{Privacy: "unlisted", CategoryID: "22", Tags: []string{"keripik", "umkm"}}, // SERENTAK_YOUTUBE_PRIVACY
		// The creator has duets off: forced on.
		{PrivacyLevel: "MUTUAL_FOLLOW_FRIENDS", DisableComment: true, DisableDuet: true, BrandOrganicToggle: true},
	}
	if diff := cmp.Diff(want, b.storedOptions(ws, p["id"].(string))); diff != "" {
		t.Errorf("stored options (-want +got):\n%s", diff)
	}
}

func TestTikTokOptionsAgainstTheCreator(t *testing.T) {
	fake := newFakeTikTok(t, faketiktok.User{OpenID: "tt1", AccessToken: "EAAB-token-tt1", Nickname: "Warung Sari",
		PrivacyOptions: []string{faketiktok.FollowerOfCreator, faketiktok.SelfOnly}, MaxVideoPostDurationSec: 60})
	b := setup(t, withTikTok(fake))
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key)
	if n := fake.CountCalls("", faketiktok.PathCreatorInfo); n != 0 {
		t.Fatalf("attaching the account asked creator_info %d times", n)
	}
	body := productPost(b, accs)
	m := b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed",
		"targets[3].options.privacy_level")
	if msg := m["error"].(map[string]any)["details"].([]any)[0].(map[string]any)["message"].(string); !strings.Contains(msg, "FOLLOWER_OF_CREATOR, SELF_ONLY") {
		t.Errorf("message %q does not list what the account offers", msg)
	}

	// A video longer than this creator may post is refused now, not at
	// its time.
	long := b.expect(b.upload(ws, key, "long.mp4", "video/mp4",
		mediatest.Movie{Width: 1080, Height: 1920, Duration: 90 * time.Second, FPS: 30, AudioCodec: "mp4a", DataSize: 1000}.Bytes()), http.StatusCreated)["id"].(string)
	body = postBody(accs[3])
	body["media"] = []any{map[string]any{"id": long}}
	body["targets"].([]any)[0].(map[string]any)["options"] = map[string]any{"privacy_level": "SELF_ONLY"}
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed", "targets[0].media")
	if n := fake.CountCalls("", faketiktok.PathCreatorInfo); n != 1 {
		t.Errorf("creator_info asked %d times within 5 minutes, want 1 (cached)", n)
	}
}

func TestAccountOptions(t *testing.T) {
	fake := newFakeTikTok(t, faketiktok.User{OpenID: "tt1", AccessToken: "EAAB-token-tt1", Nickname: "Warung Sari",
		PrivacyOptions:  []string{faketiktok.FollowerOfCreator, faketiktok.MutualFollowFriends, faketiktok.SelfOnly},
		CommentDisabled: true, MaxVideoPostDurationSec: 300})
	b := setup(t, withTikTok(fake))
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key)
	get := func(acc string) map[string]any {
		t.Helper()
		return b.expect(b.do("GET", "/v1/workspaces/"+ws+"/accounts/"+acc+"/options", key, nil), http.StatusOK)
	}
	want := map[string]any{
		"platform": "tiktok", "accepts": []any{"privacy_level", "disable_comment", "disable_duet", "disable_stitch", "brand_content_toggle", "brand_organic_toggle", "auto_add_music"},
		"creator":               map[string]any{"nickname": "Warung Sari", "avatar_url": "https://p16.tiktokcdn.example/avatar/tt1.jpeg"},
		"privacy_level_options": []any{"FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"},
		"comment_disabled":      true, "duet_disabled": false, "stitch_disabled": false,
		"max_video_post_duration_sec": float64(300), "can_post": true,
	}
	if diff := cmp.Diff(want, get(accs[3])); diff != "" {
		t.Errorf("TikTok options (-want +got):\n%s", diff)
	}
	get(accs[3])
	if n := fake.CountCalls("", faketiktok.PathCreatorInfo); n != 1 {
		t.Errorf("creator_info asked %d times, want 1 (cached)", n)
	}
	b.now = b.now.Add(5*time.Minute + time.Second)
	get(accs[3])
	if n := fake.CountCalls("", faketiktok.PathCreatorInfo); n != 2 {
		t.Errorf("creator_info asked %d times after 5 minutes, want 2", n)
	}

	if diff := cmp.Diff(map[string]any{"platform": "youtube", "accepts": []any{"privacy", "made_for_kids", "category_id", "tags"},
		"privacy_options": []any{"public", "unlisted", "private"}}, get(accs[2])); diff != "" {
		t.Errorf("YouTube options (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"platform": "facebook", "accepts": []any{"first_comment"}}, get(accs[0])); diff != "" {
		t.Errorf("Facebook options (-want +got):\n%s", diff)
	}

	// A token TikTok no longer takes: the account must be reconnected.
	fake.ExpireToken("EAAB-token-tt1")
	b.now = b.now.Add(6 * time.Minute)
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/accounts/"+accs[3]+"/options", key, nil), http.StatusUnprocessableEntity, "validation_failed", "account_id")
	body := productPost(b, accs)
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed", "targets[3].account_id")

	// TikTok cannot be reached: 503, nothing stored.
	fake.Close()
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/accounts/"+accs[3]+"/options", key, nil), http.StatusServiceUnavailable, "unavailable")
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusServiceUnavailable, "unavailable")
}

// TestDeliveryWarningsFromThePlatform: what the platform reported doing
// differently (Result.Warnings) is stored on publication and shown in
// the delivery's warnings, in the reader's language, its code in
// warning_codes.
func TestDeliveryWarningsFromThePlatform(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	fb := b.account(ws, key, serentak.Facebook, "111")
	p := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, postBody(fb)), http.StatusCreated)
	id := p["deliveries"].([]any)[0].(map[string]any)["id"].(string)
	ctx := context.Background()
	c, ok, err := b.store.ClaimDelivery(ctx, id, 1, time.Now().Add(time.Minute))
	if err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	said := serentak.NewWarning(serentak.WarnTikTokNotPublic)
	if err := b.store.CompleteDelivery(ctx, c, serentak.Result{ExternalID: "1", Warnings: []serentak.Warning{said}}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"id", "en"} {
		got := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+p["id"].(string), key, nil, "Accept-Language", lang), http.StatusOK)
		d := got["deliveries"].([]any)[0].(map[string]any)
		w, codes := d["warnings"].([]any), d["warning_codes"].([]any)
		if len(w) == 0 || w[len(w)-1] != said.Text(lang) {
			t.Errorf("%s: warnings = %v, want the platform's last", lang, w)
		}
		if len(codes) != len(w) || codes[len(codes)-1] != "tiktok_not_public" {
			t.Errorf("%s: warning_codes = %v, want tiktok_not_public last", lang, codes)
		}
	}
}

// TestTikTokPhotosTikTokCanFetch: TikTok pulls photos only from a
// verified domain, so a photo it could not fetch is refused at creation,
// never failed at the post's time.
func TestTikTokPhotosTikTokCanFetch(t *testing.T) {
	b := setup(t, func(c *api.Config) {
		allPlatforms(c)
		c.TikTokPullFromURL = true
		c.PublicURL = "https://serentak.example"
	})
	ws, key := b.workspace("Toko Budi")
	tt := b.account(ws, key, serentak.TikTok, "tt1")
	photo := b.expect(b.upload(ws, key, "p.jpg", "image/jpeg", mediatest.JPEG(1080, 1350, 0)), http.StatusCreated)["id"].(string)
	body := postBody(tt)
	body["targets"].([]any)[0].(map[string]any)["options"] = map[string]any{"privacy_level": "SELF_ONLY"}
	body["media"] = []any{map[string]any{"id": photo}, map[string]any{"url": "https://cdn.example.com/keripik.jpg"}}
	m := b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed", "targets[0].media[1]")
	if msg := m["error"].(map[string]any)["details"].([]any)[0].(map[string]any)["message"].(string); !strings.Contains(msg, "cdn.example.com") || !strings.Contains(msg, "upload the photo") {
		t.Errorf("message %q does not say what to do", msg)
	}
	body["media"] = []any{map[string]any{"id": photo}}
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)

	// A video TikTok cannot pull is uploaded as a file: no such refusal.
	body["media"] = []any{map[string]any{"url": "https://cdn.example.com/keripik.mp4"}}
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
}

// TestPreviewAsksNoPlatform: a preview checks the options that need no
// asking and never calls the platform; creating the post asks.
func TestPreviewAsksNoPlatform(t *testing.T) {
	fake := newFakeTikTok(t, faketiktok.User{OpenID: "tt1", AccessToken: "EAAB-token-tt1", PrivacyOptions: []string{faketiktok.SelfOnly}})
	b := setup(t, withTikTok(fake))
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key)
	body := productPost(b, accs) // asks PUBLIC_TO_EVERYONE, which this creator does not offer
	if p := b.preview(ws, key, body); !p.Valid {
		t.Errorf("preview: %+v", p)
	}
	if n := fake.CountCalls("", faketiktok.PathCreatorInfo); n != 0 {
		t.Errorf("the preview asked creator_info %d times", n)
	}
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed", "targets[3].options.privacy_level")
}
