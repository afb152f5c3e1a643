package tiktok_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/serentak/serentak/adapters/tiktok"
)

func TestRevokeTokenReachesTheFake(t *testing.T) {
	b := setup(t, nil)
	if err := b.pub.RevokeToken(context.Background(), b.account()); err != nil {
		t.Fatal(err)
	}
	if got := b.fake.Revoked(); !slices.Equal(got, []string{accessToken}) {
		t.Fatalf("revoked %v, want the access token", got)
	}
}

func TestRevokeTokenWrongClientFailsWithoutSecrets(t *testing.T) {
	b := setup(t, nil)
	b.cfg.ClientSecret = "wrong"
	pub := tiktok.New(b.cfg)
	err := pub.RevokeToken(context.Background(), b.account())
	if err == nil {
		t.Fatal("revoke with a wrong client secret succeeded")
	}
	noSecrets(t, err)
	if len(b.fake.Revoked()) != 0 {
		t.Fatal("the fake recorded a refused revoke")
	}
}

// The fake refuses what TikTok's revoke page makes required: the token.
func TestFakeRevokeRefusesMissingToken(t *testing.T) {
	b := setup(t, nil)
	form := url.Values{"client_key": {"ck"}, "client_secret": {"cs"}}
	resp, err := http.Post(b.fake.URL+"/v2/oauth/revoke/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
}
