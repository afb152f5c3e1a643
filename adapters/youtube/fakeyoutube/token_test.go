package fakeyoutube_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
)

// Codes made by an authorize request (connect/fakeoauth's) carry their
// redirect URI, PKCE challenge, scopes and lifetime; the endpoint holds
// the exchange to all of them, and answers with the granted scopes,
// space-separated.
func TestTokensCodeFromAnAuthorizeRequest(t *testing.T) {
	app := fakeyoutube.App{ClientID: "cid", ClientSecret: "cs", AccessTTL: time.Hour}
	k := fakeyoutube.NewTokens()
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	g := fakeyoutube.Grant{Scopes: []string{"https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly"}}
	code := func(redirect string) fakeyoutube.Code {
		return fakeyoutube.Code{Grant: g, RedirectURI: redirect, CodeChallenge: challenge}
	}
	soon := now.Add(10 * time.Minute)
	k.AddCode("ok", code("https://app/cb"), soon)
	k.AddCode("other-redirect", code("https://other/cb"), soon)
	k.AddCode("late", code("https://app/cb"), now.Add(-time.Second))
	k.AddCode("wrong-verifier", code("https://app/cb"), soon)
	k.AddCode("no-verifier", code("https://app/cb"), soon)

	post := func(f url.Values, basic bool) (int, map[string]any) {
		t.Helper()
		if !basic {
			f.Set("client_id", "cid")
			f.Set("client_secret", "cs")
		}
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(f.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			r.SetBasicAuth("cid", "cs")
		}
		w := httptest.NewRecorder()
		k.ServeToken(w, r, app, now)
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer %d is not JSON: %s", w.Code, w.Body)
		}
		return w.Code, out
	}
	exchange := func(c, redirect, verifier string) url.Values {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {redirect}}
		if verifier != "" {
			f.Set("code_verifier", verifier)
		}
		return f
	}

	refused := map[string]url.Values{
		"other-redirect": exchange("other-redirect", "https://app/cb", verifier),
		"late":           exchange("late", "https://app/cb", verifier),
		"wrong-verifier": exchange("wrong-verifier", "https://app/cb", strings.Repeat("w", 43)),
		"no-verifier":    exchange("no-verifier", "https://app/cb", ""),
		"never made":     exchange("never-made", "https://app/cb", verifier),
	}
	for name, f := range refused {
		if status, out := post(f, false); status != 400 || out["error"] != "invalid_grant" {
			t.Errorf("%s: %d %v, want 400 invalid_grant", name, status, out)
		}
	}
	if status, out := post(exchange("ok", "", verifier), false); status != 400 || out["error"] != "invalid_request" {
		t.Errorf("no redirect_uri: %d %v, want 400 invalid_request", status, out)
	}

	// Client credentials may come as HTTP Basic instead of parameters.
	status, out := post(exchange("ok", "https://app/cb", verifier), true)
	if status != 200 || out["refresh_token"] == nil || out["expires_in"] != float64(3600) || out["token_type"] != "Bearer" ||
		out["scope"] != "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly" {
		t.Fatalf("exchange: %d %v", status, out)
	}
	access, rt := out["access_token"].(string), out["refresh_token"].(string)
	if !k.AccessWorks(access, now) || k.AccessWorks(access, now.Add(time.Hour)) {
		t.Error("the access token must work for expires_in and no longer")
	}
	if status, out := post(exchange("ok", "https://app/cb", verifier), false); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("the code again: %d %v, want invalid_grant", status, out)
	}

	// Google's refresh tokens do not rotate: the answer has none, and the
	// one sent keeps working.
	status, out = post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, false)
	if status != 200 || out["refresh_token"] != nil || out["access_token"] == access || !k.RefreshWorks(rt, now) {
		t.Fatalf("refresh: %d %v", status, out)
	}
	k.RevokeAll()
	if k.AccessWorks(out["access_token"].(string), now) || k.RefreshWorks(rt, now) {
		t.Error("tokens work after RevokeAll")
	}
	if status, out := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, false); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("a revoked refresh token: %d %v, want invalid_grant", status, out)
	}
}
