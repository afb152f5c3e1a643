package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/serentak/serentak"
)

// RefreshToken gets a new access token with the account's refresh token
// (grant_type=refresh_token at Config.TokenURL). Google's answer carries
// no new refresh token, so the stored one is kept: it is never lost. A
// refused refresh token (invalid_grant: revoked, unused for six months,
// or seven days old on an app still in Testing) is AuthExpired, and the
// worker marks the channel needs_reauth.
func (p *Publisher) RefreshToken(ctx context.Context, acc serentak.Account) (serentak.Token, error) {
	tok, err := p.refresh(ctx, acc)
	if err != nil {
		return serentak.Token{}, redact(err, acc.Token.AccessToken, acc.Token.RefreshToken)
	}
	return tok, nil
}

func (p *Publisher) refresh(ctx context.Context, acc serentak.Account) (serentak.Token, error) {
	rt := acc.Token.RefreshToken
	if rt == "" {
		return serentak.Token{}, serentak.NewPublishError(serentak.AuthExpired, "no_refresh_token",
			"no Google refresh token is stored for this channel; reconnect the channel")
	}
	if p.clientID == "" || p.clientSecret == "" {
		return serentak.Token{}, serentak.NewPublishError(serentak.Rejected, "no_oauth_client",
			"no Google OAuth client is configured, so YouTube tokens cannot be refreshed; set the YouTube client ID and secret")
	}
	cfg := oauth2.Config{
		ClientID:     p.clientID,
		ClientSecret: p.clientSecret,
		// Google takes the client in the form or as Basic auth; the form
		// is what its own libraries send.
		Endpoint: oauth2.Endpoint{TokenURL: p.tokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	t, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		return serentak.Token{}, refreshError(err)
	}
	if t.AccessToken == "" {
		return serentak.Token{}, serentak.NewPublishError(serentak.Transient, "no_access_token",
			"Google's token answer carried no access token; the refresh is tried again later")
	}
	out := serentak.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, ExpiresAt: t.Expiry}
	if t.ExpiresIn > 0 {
		// By our clock, which the rest of the adapter also reads.
		out.ExpiresAt = p.now().Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	if out.RefreshToken == "" {
		out.RefreshToken = rt
	}
	return out, nil
}

// refreshError classifies a failed refresh.
func refreshError(err error) *serentak.PublishError {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return &serentak.PublishError{Kind: serentak.Transient, Code: "token_unreachable", Err: netErr(err),
			Message: fmt.Sprintf("could not reach Google to refresh the YouTube token (%v); it is tried again later", netErr(err))}
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	code := re.ErrorCode
	switch {
	case code == "invalid_grant":
		return &serentak.PublishError{Kind: serentak.AuthExpired, Code: code,
			Message: "Google refused the refresh token (invalid_grant); reconnect the channel"}
	case code == "invalid_client" || code == "unauthorized_client":
		return &serentak.PublishError{Kind: serentak.Rejected, Code: code,
			Message: fmt.Sprintf("Google refused Serentak's OAuth client (%s); check the YouTube client ID and secret", code)}
	case status == http.StatusTooManyRequests:
		return &serentak.PublishError{Kind: serentak.RateLimited, Code: "http_429", RetryAfter: defaultRateLimitWait,
			Message: "Google's token endpoint is rate limiting; the refresh is tried again in a minute"}
	case status >= 500 || status == 0:
		return &serentak.PublishError{Kind: serentak.Transient, Code: fmt.Sprintf("http_%d", status),
			Message: fmt.Sprintf("Google's token endpoint failed with HTTP %d; the refresh is tried again later", status)}
	}
	if code == "" {
		code = fmt.Sprintf("http_%d", status)
	}
	return &serentak.PublishError{Kind: serentak.AuthExpired, Code: code,
		Message: fmt.Sprintf("Google refused to refresh the YouTube token (%s: %s); reconnect the channel", code, re.ErrorDescription)}
}
