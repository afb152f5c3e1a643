package faketiktok_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
)

// tokenCall is one request to a Tokens' endpoint and its answer.
type tokenCall struct {
	status int
	body   map[string]any
}

func (c tokenCall) err() string { e, _ := c.body["error"].(string); return e }

func serveToken(t *testing.T, k *faketiktok.Tokens, app faketiktok.App, method, contentType string, f url.Values, at time.Time) tokenCall {
	t.Helper()
	r := httptest.NewRequest(method, faketiktok.PathToken, strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	k.ServeToken(w, r, app, at)
	var out tokenCall
	out.status = w.Code
	if err := json.Unmarshal(w.Body.Bytes(), &out.body); err != nil {
		t.Fatalf("the token endpoint answered %d with a body that is not JSON: %s", w.Code, w.Body)
	}
	if out.err() != "" && out.body["log_id"] == nil {
		t.Errorf("error answer %v has no log_id", out.body)
	}
	return out
}

// Codes made by an authorize request (connect/fakeoauth's) carry their
// redirect URI, scopes and lifetime; the endpoint holds the exchange to
// all three, and answers with the user's scopes, comma-separated.
func TestTokensCodeFromAnAuthorizeRequest(t *testing.T) {
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	app := faketiktok.App{ClientKey: "ck", ClientSecret: "cs", AccessTTL: 2 * time.Hour, RefreshTTL: 24 * time.Hour}
	k := faketiktok.NewTokens()
	g := faketiktok.Grant{OpenID: "open-1", Scopes: []string{"user.info.basic", "video.publish"}}
	k.AddCode("code-ok", faketiktok.Code{Grant: g, RedirectURI: "https://app/cb"}, at.Add(10*time.Minute))
	k.AddCode("code-other", faketiktok.Code{Grant: g, RedirectURI: "https://other/cb"}, at.Add(10*time.Minute))
	k.AddCode("code-late", faketiktok.Code{Grant: g, RedirectURI: "https://app/cb"}, at.Add(-time.Second))
	exchange := func(code, redirect string) url.Values {
		return url.Values{"client_key": {"ck"}, "client_secret": {"cs"}, "grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}
	}
	form := "application/x-www-form-urlencoded"

	if c := serveToken(t, k, app, http.MethodPost, form, exchange("code-ok", ""), at); c.status != 400 || c.err() != "invalid_request" {
		t.Errorf("no redirect_uri: %d %v, want 400 invalid_request", c.status, c.body)
	}
	for _, code := range []string{"code-other", "code-late", "code-never-made"} {
		if c := serveToken(t, k, app, http.MethodPost, form, exchange(code, "https://app/cb"), at); c.status != 400 || c.err() != "invalid_grant" {
			t.Errorf("%s: %d %v, want 400 invalid_grant", code, c.status, c.body)
		}
	}
	if c := serveToken(t, k, app, http.MethodGet, form, exchange("code-ok", "https://app/cb"), at); c.status != 405 || c.err() != "invalid_request" {
		t.Errorf("GET: %d %v, want 405 invalid_request", c.status, c.body)
	}
	if c := serveToken(t, k, app, http.MethodPost, "application/json", exchange("code-ok", "https://app/cb"), at); c.status != 400 || c.err() != "invalid_request" {
		t.Errorf("JSON content type: %d %v, want 400 invalid_request", c.status, c.body)
	}

	// Refusing a request for its form spent nothing: the code still works.
	c := serveToken(t, k, app, http.MethodPost, form, exchange("code-ok", "https://app/cb"), at)
	if c.status != 200 || c.body["open_id"] != "open-1" || c.body["scope"] != "user.info.basic,video.publish" ||
		c.body["expires_in"] != float64(7200) || c.body["refresh_expires_in"] != float64(86400) || c.body["token_type"] != "Bearer" {
		t.Fatalf("exchange: %d %v", c.status, c.body)
	}
	access, rt := c.body["access_token"].(string), c.body["refresh_token"].(string)
	if got, ok := k.Access(access, at); !ok || got.OpenID != "open-1" {
		t.Errorf("the issued access token: %v %v", got, ok)
	}
	if k.AccessWorks(access, at.Add(2*time.Hour)) {
		t.Error("the access token works past expires_in")
	}
	if c := serveToken(t, k, app, http.MethodPost, form, exchange("code-ok", "https://app/cb"), at); c.err() != "invalid_grant" {
		t.Errorf("the code again: %d %v, want invalid_grant", c.status, c.body)
	}

	// The refresh token rotates, and its grant goes with it.
	refresh := func(rt string, at time.Time) tokenCall {
		return serveToken(t, k, app, http.MethodPost, form, url.Values{"client_key": {"ck"}, "client_secret": {"cs"}, "grant_type": {"refresh_token"}, "refresh_token": {rt}}, at)
	}
	c = refresh(rt, at.Add(time.Hour))
	if c.status != 200 || c.body["open_id"] != "open-1" || c.body["scope"] != "user.info.basic,video.publish" || c.body["refresh_token"] == rt {
		t.Fatalf("refresh: %d %v", c.status, c.body)
	}
	next, access2 := c.body["refresh_token"].(string), c.body["access_token"].(string)
	if k.RefreshWorks(rt, at.Add(time.Hour)) || !k.RefreshWorks(next, at.Add(time.Hour)) {
		t.Error("after a refresh the old refresh token must stop working and the new one work")
	}
	if c := refresh(rt, at.Add(time.Hour)); c.err() != "invalid_grant" || !strings.Contains(c.body["error_description"].(string), "rotated") {
		t.Errorf("the rotated-out refresh token: %d %v, want invalid_grant saying it was rotated out", c.status, c.body)
	}
	if c := refresh(next, at.Add(26*time.Hour)); c.err() != "invalid_grant" {
		t.Errorf("an expired refresh token: %d %v, want invalid_grant", c.status, c.body)
	}
	if c := refresh("", at); c.status != 400 || c.err() != "invalid_request" {
		t.Errorf("no refresh_token: %d %v, want 400 invalid_request", c.status, c.body)
	}

	k.RevokeAll()
	if k.AccessWorks(access2, at) || k.RefreshWorks(next, at) {
		t.Error("tokens work after RevokeAll")
	}
}
