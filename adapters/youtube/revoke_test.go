package youtube_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/serentak/serentak"
)

func TestRevokeTokenRevokesTheGrantAtTheFake(t *testing.T) {
	b := setup(t, options{})
	acc := serentak.Account{ID: "acc_1", Platform: serentak.YouTube, ExternalID: channelID,
		Token: serentak.Token{AccessToken: accessToken, RefreshToken: refreshToken}}
	if err := b.pub.RevokeToken(context.Background(), acc); err != nil {
		t.Fatal(err)
	}
	if got := b.fake.Revoked(); !slices.Equal(got, []string{refreshToken}) {
		t.Fatalf("revoked %v, want the refresh token", got)
	}
	// A second revoke of the same token is refused by the fake, as Google
	// answers 400 for a token no longer valid; the error names no token.
	err := b.pub.RevokeToken(context.Background(), acc)
	if err == nil {
		t.Fatal("revoking a revoked token succeeded")
	}
	if strings.Contains(err.Error(), refreshToken) {
		t.Fatalf("error leaks the token: %v", err)
	}
}
