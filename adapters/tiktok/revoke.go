package tiktok

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/serentak/serentak"
)

var _ serentak.TokenRevoker = (*Publisher)(nil)

// RevokeToken revokes the account's access token at TikTok, which also
// disconnects the app from the creator's account: POST
// {BaseURL}/v2/oauth/revoke/, form-encoded client_key, client_secret and
// token; success is an empty answer ("Revoke a User Access Token",
// https://developers.tiktok.com/docs/en/oauth-revoke-a-user-access-token).
// Used when a workspace is deleted (docs/api.md#leaving-export-and-deletion).
func (p *Publisher) RevokeToken(ctx context.Context, acc serentak.Account) error {
	tok := acc.Token.AccessToken
	if tok == "" {
		return nil // nothing to revoke
	}
	if p.cfg.ClientKey == "" || p.cfg.ClientSecret == "" {
		return fmt.Errorf("tiktok: revoking a token needs the app's client key and secret")
	}
	form := url.Values{"client_key": {p.cfg.ClientKey}, "client_secret": {p.cfg.ClientSecret}, "token": {tok}}
	secrets := []string{tok, acc.Token.RefreshToken, p.cfg.ClientSecret}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/v2/oauth/revoke/", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("tiktok: build the revoke request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := p.client.Do(req)
	if err != nil {
		return redact(&serentak.PublishError{Kind: serentak.Transient, Err: netError(err),
			Message: fmt.Sprintf("could not reach TikTok to revoke the token (%v)", netError(err))}, secrets...)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	var out tokenAnswer
	if code, desc, logID := decodeLoose(body, &out); code != "" {
		return redact(classifyOAuth(resp.StatusCode, code, desc, logID), secrets...)
	}
	if resp.StatusCode/100 != 2 {
		return redact(classifyStatus(resp.StatusCode, resp.Header), secrets...)
	}
	return nil
}

// decodeLoose reads an OAuth error from an answer that may be empty
// (TikTok's revoke succeeds with an empty body).
func decodeLoose(body []byte, out *tokenAnswer) (code, desc, logID string) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return "", "", ""
	}
	if err := json.Unmarshal(body, out); err != nil {
		return "", "", ""
	}
	return out.oauthError()
}
