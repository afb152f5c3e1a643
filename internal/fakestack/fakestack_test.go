package fakestack

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func startStack(t *testing.T) *Stack {
	t.Helper()
	s, err := Start(Config{PublicURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// tiktokLogin plays TikTok's login through the stack with redirect and
// returns the authorize answer.
func tiktokLogin(t *testing.T, s *Stack, redirect string) *http.Response {
	t.Helper()
	env := s.Env()
	q := url.Values{"client_key": {env["SERENTAK_TIKTOK_CLIENT_ID"]}, "response_type": {"code"},
		"scope": {"user.info.basic,video.publish,video.upload"}, "redirect_uri": {redirect}, "state": {"st-1"}}
	resp, err := noRedirect.Get(env["SERENTAK_TIKTOK_AUTH_URL"] + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// A TikTok login through the stack gives a token that TikTok's fake
// Content Posting API takes: creator_info answers the demo creator, with
// the privacy options, interaction settings and maximum duration a post
// must respect.
func TestTikTokLoginTokenWorksOnTheAPI(t *testing.T) {
	s := startStack(t)
	env := s.Env()
	resp := tiktokLogin(t, s, "http://127.0.0.1:8080/v1/oauth/tiktok/callback")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if resp.StatusCode != http.StatusFound || code == "" || loc.Query().Get("state") != "st-1" {
		t.Fatalf("authorize: %d to %s, want 302 back with a code and the state", resp.StatusCode, loc)
	}
	tr, err := http.PostForm(env["SERENTAK_TIKTOK_TOKEN_URL"], url.Values{
		"client_key": {env["SERENTAK_TIKTOK_CLIENT_ID"]}, "client_secret": {env["SERENTAK_TIKTOK_CLIENT_SECRET"]},
		"code": {code}, "grant_type": {"authorization_code"}, "redirect_uri": {"http://127.0.0.1:8080/v1/oauth/tiktok/callback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		OpenID      string `json:"open_id"`
	}
	json.NewDecoder(tr.Body).Decode(&tok)
	tr.Body.Close()
	if tr.StatusCode != 200 || tok.AccessToken == "" || tok.OpenID != TikTokOpenID {
		t.Fatalf("token exchange: %d, open_id %q", tr.StatusCode, tok.OpenID)
	}

	req, _ := http.NewRequest("POST", env["SERENTAK_TIKTOK_API_URL"]+"/v2/post/publish/creator_info/query/", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	ci, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer ci.Body.Close()
	raw, _ := io.ReadAll(ci.Body)
	var out struct {
		Data struct {
			Username       string   `json:"creator_username"`
			Nickname       string   `json:"creator_nickname"`
			Privacy        []string `json:"privacy_level_options"`
			CommentOff     *bool    `json:"comment_disabled"`
			DuetOff        *bool    `json:"duet_disabled"`
			StitchOff      *bool    `json:"stitch_disabled"`
			MaxDurationSec int      `json:"max_video_post_duration_sec"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || ci.StatusCode != 200 {
		t.Fatalf("creator_info: %d %s", ci.StatusCode, raw)
	}
	// Deleting the workspace revokes the token, with the app's credentials.
	rv, err := http.PostForm(env["SERENTAK_TIKTOK_API_URL"]+"/v2/oauth/revoke/", url.Values{
		"client_key": {env["SERENTAK_TIKTOK_CLIENT_ID"]}, "client_secret": {env["SERENTAK_TIKTOK_CLIENT_SECRET"]}, "token": {tok.AccessToken},
	})
	if err != nil {
		t.Fatal(err)
	}
	rv.Body.Close()
	if rv.StatusCode != 200 || !slices.Equal(s.TikTok.Revoked(), []string{tok.AccessToken}) {
		t.Errorf("revoke with the printed app: %d, revoked %v", rv.StatusCode, s.TikTok.Revoked())
	}
	d := out.Data
	if d.Username != TikTokUsername || d.Nickname != TikTokNickname ||
		!slices.Equal(d.Privacy, []string{"PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"}) ||
		d.CommentOff == nil || *d.CommentOff || d.DuetOff == nil || *d.DuetOff || d.StitchOff == nil || *d.StitchOff || d.MaxDurationSec <= 0 {
		t.Errorf("creator_info answered %s", raw)
	}
}

// The logins stay strict behind the stack: a redirect URI other than
// Serentak's callback under PublicURL is refused, not followed.
func TestLoginsRefuseAnotherRedirect(t *testing.T) {
	s := startStack(t)
	if resp := tiktokLogin(t, s, "http://evil.example/v1/oauth/tiktok/callback"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("TikTok login with a foreign redirect_uri: %d, want 400", resp.StatusCode)
	}
	env := s.Env()
	for _, p := range []string{"FACEBOOK", "INSTAGRAM", "YOUTUBE"} {
		q := url.Values{"client_id": {env["SERENTAK_"+p+"_CLIENT_ID"]}, "response_type": {"code"}, "scope": {"x"},
			"redirect_uri": {"http://evil.example/cb"}, "state": {"s"}}
		resp, err := noRedirect.Get(env["SERENTAK_"+p+"_AUTH_URL"] + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s login with a foreign redirect_uri: %d, want 400", p, resp.StatusCode)
		}
	}
}

// Every platform's API answers under its prefix, and a request with no
// token is refused there, as the platform refuses it: the paths reach the
// platform fakes, not a catch-all.
func TestEachPlatformAnswersUnderItsPrefix(t *testing.T) {
	s := startStack(t)
	env := s.Env()
	for _, c := range []struct {
		platform, method, path string
		want                   int
	}{
		{"FACEBOOK", "POST", "/v25.0/" + PageID + "/feed?message=Halo", http.StatusBadRequest},
		{"INSTAGRAM", "POST", "/v25.0/" + IGUserID + "/media?image_url=x", http.StatusBadRequest},
		{"YOUTUBE", "GET", "/youtube/v3/videos?part=status&id=x", http.StatusUnauthorized},
		{"TIKTOK", "POST", "/v2/post/publish/creator_info/query/", http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(c.method, env["SERENTAK_"+c.platform+"_API_URL"]+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s without a token: %d %s, want %d", c.platform, c.path, resp.StatusCode, raw, c.want)
		}
	}
	if got := s.Graph.CountCalls("POST", "feed"); got != 1 {
		t.Errorf("fakegraph saw %d feed posts, want the one sent to the root", got)
	}
	if got := s.TikTok.CountCalls("POST", "/v2/post/publish/creator_info/query/"); got != 1 {
		t.Errorf("faketiktok saw %d creator_info calls, want the one sent under /tiktok", got)
	}
}
