package youtube

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/serentak/serentak"
)

var _ serentak.TokenRevoker = (*Publisher)(nil)

// RevokeToken revokes the channel's grant at Google: POST {RevokeURL}
// with the token as the form parameter token; 200 when revoked
// ("Revoking a token",
// https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke).
// The refresh token is sent when there is one: revoking it ends the whole
// grant, its access tokens included. Used when a workspace is deleted
// (docs/api.md#leaving-export-and-deletion).
func (p *Publisher) RevokeToken(ctx context.Context, acc serentak.Account) error {
	tok := acc.Token.RefreshToken
	if tok == "" {
		tok = acc.Token.AccessToken
	}
	if tok == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.revokeURL, strings.NewReader(url.Values{"token": {tok}}.Encode()))
	if err != nil {
		return fmt.Errorf("youtube: build the revoke request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		// The URL error carries no token (it is in the body), but the
		// message is rebuilt anyway so nothing of the request leaks.
		return fmt.Errorf("youtube: could not reach Google to revoke the token")
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("youtube: Google refused to revoke the token: HTTP %d %s", resp.StatusCode,
			strings.ReplaceAll(strings.TrimSpace(string(body)), tok, "[redacted]"))
	}
	return nil
}
