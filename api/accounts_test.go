package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

func TestAccounts(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	path := "/v1/workspaces/" + ws + "/accounts"
	body := map[string]any{
		"platform": "facebook", "external_id": "1234567890", "name": "Toko Budi Page",
		"access_token": "EAAB-very-secret-page-token", "refresh_token": "refresh-very-secret",
		"token_expires_at": "2026-12-01T07:00:00+07:00",
	}
	r := b.do("POST", path, key, body)
	m := b.expect(r, http.StatusCreated)
	checkKeys(t, "account", m, "id", "platform", "external_id", "name", "status", "token_expires_at", "created_at", "updated_at")
	if !strings.HasPrefix(m["id"].(string), "acc_") || m["platform"] != "facebook" || m["external_id"] != "1234567890" ||
		m["name"] != "Toko Budi Page" || m["status"] != "active" || m["token_expires_at"] != "2026-12-01T00:00:00Z" {
		t.Fatalf("account = %v", m)
	}
	if bytes.Contains(r.body, []byte("very-secret")) {
		t.Fatalf("a token is in the response: %s", r.body)
	}
	id := m["id"].(string)

	// The same platform and external_id again: updated in place, 200.
	body["name"] = "Toko Budi Official"
	body["access_token"] = "EAAB-new-secret"
	m = b.expect(b.do("POST", path, key, body), http.StatusOK)
	if m["id"] != id || m["name"] != "Toko Budi Official" {
		t.Fatalf("re-attached account = %v, want id %s renamed", m, id)
	}

	r = b.do("GET", path, key, nil)
	list := b.expect(r, http.StatusOK)
	checkKeys(t, "account list", list, "data")
	if data := list["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != id {
		t.Fatalf("accounts = %v", list)
	}
	if bytes.Contains(r.body, []byte("-secret")) {
		t.Fatalf("a token is in the list: %s", r.body)
	}
	r = b.do("GET", path+"/"+id, key, nil)
	if m = b.expect(r, http.StatusOK); m["id"] != id {
		t.Fatalf("account = %v", m)
	}
	if bytes.Contains(r.body, []byte("-secret")) {
		t.Fatalf("a token is in the account: %s", r.body)
	}
	b.expectError(b.do("GET", path+"/acc_nope", key, nil), http.StatusNotFound, "not_found")
}

func TestAttachAccountValidation(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	tests := []struct {
		name   string
		body   string
		fields []string
	}{
		{"empty", `{}`, []string{"platform", "external_id", "access_token"}},
		{"unknown platform", `{"platform":"myspace","external_id":"1","access_token":"t"}`, []string{"platform"}},
		{"blank external id", `{"platform":"facebook","external_id":" ","access_token":"t"}`, []string{"external_id"}},
		{"spaced external id", `{"platform":"facebook","external_id":"1 2","access_token":"t"}`, []string{"external_id"}},
		{"no token", `{"platform":"facebook","external_id":"1"}`, []string{"access_token"}},
		{"bad expiry", `{"platform":"facebook","external_id":"1","access_token":"t","token_expires_at":"tomorrow"}`, []string{"token_expires_at"}},
		{"expiry without offset", `{"platform":"facebook","external_id":"1","access_token":"t","token_expires_at":"2026-12-01T00:00:00"}`, []string{"token_expires_at"}},
		{"wrong type", `{"platform":"facebook","external_id":1,"access_token":"t"}`, []string{"external_id"}},
		{"unknown field", `{"platform":"facebook","external_id":"1","access_token":"t","token":"x"}`, []string{"token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.do("POST", "/v1/workspaces/"+ws+"/accounts", key, tt.body)
			b.expectError(r, http.StatusUnprocessableEntity, "validation_failed", tt.fields...)
		})
	}
	list := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/accounts", key, nil), http.StatusOK)
	if n := len(list["data"].([]any)); n != 0 {
		t.Fatalf("%d accounts stored by rejected requests", n)
	}
}

// fakeConnector is an OAuth flow that needs no platform.
type fakeConnector struct{ ws string }

func (f *fakeConnector) AuthorizeURL(ctx context.Context, workspaceID string) (string, error) {
	f.ws = workspaceID
	return "https://www.facebook.com/v23.0/dialog/oauth?state=STATE_Q", nil
}

func (f *fakeConnector) Callback(ctx context.Context, q url.Values) ([]serentak.Account, error) {
	if q.Get("state") != "STATE_Q" {
		return nil, serentak.Errorf(serentak.ECodeBadRequest, "unknown or used state")
	}
	return []serentak.Account{{ID: "acc_1", WorkspaceID: f.ws, Platform: serentak.Facebook, ExternalID: "99", Name: "Page <b>", Status: serentak.AccountActive,
		Token: serentak.Token{AccessToken: "oauth-secret-token"}}}, nil
}

func TestConnect(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	r := b.do("GET", "/v1/workspaces/"+ws+"/accounts/connect/instagram", key, nil)
	m := b.expectError(r, http.StatusUnprocessableEntity, "validation_failed", "platform")
	msg := m["error"].(map[string]any)["message"].(string)
	if !strings.Contains(msg, "SERENTAK_INSTAGRAM_CLIENT_ID") || !strings.Contains(msg, "SERENTAK_INSTAGRAM_CLIENT_SECRET") || !strings.Contains(msg, "Instagram") {
		t.Fatalf("message %q does not say what to configure", msg)
	}
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/accounts/connect/myspace", key, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("GET", "/v1/oauth/facebook/callback?code=x&state=STATE_Q", "", nil), http.StatusNotFound, "not_found")

	fc := &fakeConnector{}
	b2 := setup(t, func(c *api.Config) { c.Connectors = map[serentak.Platform]api.Connector{serentak.Facebook: fc} })
	ws2, key2 := b2.workspace("Toko Sari")
	m = b2.expect(b2.do("GET", "/v1/workspaces/"+ws2+"/accounts/connect/facebook", key2, nil), http.StatusOK)
	checkKeys(t, "connect", m, "authorize_url")
	if fc.ws != ws2 {
		t.Fatalf("connector got workspace %q, want %q", fc.ws, ws2)
	}
	r = b2.do("GET", "/v1/oauth/facebook/callback?code=CODE_Q&state=STATE_Q", "", nil)
	m = b2.expect(r, http.StatusOK)
	if data := m["data"].([]any); len(data) != 1 || data[0].(map[string]any)["external_id"] != "99" {
		t.Fatalf("callback = %s", r.body)
	}
	if bytes.Contains(r.body, []byte("oauth-secret-token")) {
		t.Fatal("callback answer carries the token")
	}
	r = b2.do("GET", "/v1/oauth/facebook/callback?code=CODE_Q&state=STATE_Q", "", nil, "Accept", "text/html")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(r.body, []byte("Page &lt;b&gt;")) {
		t.Fatalf("browser callback = %d %s", r.status, r.body)
	}
	b2.expectError(b2.do("GET", "/v1/oauth/facebook/callback?code=CODE_Q&state=other", "", nil), http.StatusBadRequest, "bad_request")
	if strings.Contains(b2.logs.String(), "CODE_Q") || strings.Contains(b2.logs.String(), "STATE_Q") {
		t.Fatal("the access log carries the OAuth query")
	}
}
