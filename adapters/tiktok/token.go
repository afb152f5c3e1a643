package tiktok

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// refreshReuse is how long a refresh's result is handed to anyone else
// refreshing with the same (now rotated-out) refresh token.
const refreshReuse = 5 * time.Minute

// refreshCall is one refresh in flight or recently done.
type refreshCall struct {
	done chan struct{}
	tok  serentak.Token
	err  error
	at   time.Time
}

// RefreshToken trades the account's refresh token for a new access token
// (POST {TokenURL}, form-encoded, grant_type=refresh_token).
//
// TikTok rotates refresh tokens: the answer carries a new one and the old
// one stops working. The returned Token always has a refresh token — the
// new one, or the old one when TikTok sent none — and the caller must
// persist it. Two refreshes of the same account in this process share one
// call (and for a few minutes after it its result), so the second does not
// spend a refresh token the first already rotated out. Across processes
// the store must serialize refreshes (see the report to the lead).
//
// invalid_grant (expired, revoked or already used) is AuthExpired: the
// account must be reconnected.
func (p *Publisher) RefreshToken(ctx context.Context, acc serentak.Account) (serentak.Token, error) {
	old := acc.Token.RefreshToken
	if old == "" {
		return serentak.Token{}, serentak.NewPublishError(serentak.AuthExpired, "no_refresh_token",
			"the TikTok account has no refresh token; reconnect the account")
	}
	if p.cfg.ClientKey == "" || p.cfg.ClientSecret == "" {
		return serentak.Token{}, serentak.NewPublishError(serentak.Rejected, "no_client_credentials",
			"TikTok token refresh needs the app's client key and secret; set them in Serentak's TikTok settings")
	}
	key := sha256.Sum256([]byte(old))
	now := p.now()
	p.mu.Lock()
	for k, c := range p.refreshes {
		if !c.at.IsZero() && now.Sub(c.at) > refreshReuse {
			delete(p.refreshes, k)
		}
	}
	if c := p.refreshes[key]; c != nil {
		p.mu.Unlock()
		select {
		case <-c.done:
			return c.tok, c.err
		case <-ctx.Done():
			return serentak.Token{}, &serentak.PublishError{Kind: serentak.Transient, Err: ctx.Err(),
				Message: "stopped waiting for a TikTok token refresh already in progress"}
		}
	}
	c := &refreshCall{done: make(chan struct{})}
	p.refreshes[key] = c
	p.mu.Unlock()

	tok, err := p.refresh(ctx, acc)
	p.mu.Lock()
	c.tok, c.err, c.at = tok, err, p.now()
	if err != nil {
		// Only successes are shared afterwards; a later caller tries
		// again.
		delete(p.refreshes, key)
	}
	p.mu.Unlock()
	close(c.done)
	return tok, err
}

func (p *Publisher) refresh(ctx context.Context, acc serentak.Account) (serentak.Token, error) {
	old := acc.Token.RefreshToken
	form := url.Values{
		"client_key":    {p.cfg.ClientKey},
		"client_secret": {p.cfg.ClientSecret},
		"grant_type":    {"refresh_token"},
		"refresh_token": {old},
	}
	secrets := []string{old, acc.Token.AccessToken, p.cfg.ClientSecret}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return serentak.Token{}, serentak.NewPublishError(serentak.Rejected, "", "could not build the TikTok token request; check the TikTok token URL setting")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		// A refresh that reached TikTok may have rotated the token; the
		// caller retries with the old one, which then fails as
		// invalid_grant. Nothing better exists: TikTok has no way to ask.
		return serentak.Token{}, redact(&serentak.PublishError{Kind: serentak.Transient, Err: netError(err),
			Message: fmt.Sprintf("could not reach TikTok to refresh the token (%v); it will be retried", netError(err))}, secrets...)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return serentak.Token{}, &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: "TikTok's token answer was cut off; it will be retried"}
	}
	if pe := ClassifyToken(resp.StatusCode, body, resp.Header); pe != nil {
		return serentak.Token{}, redact(pe, secrets...)
	}
	var out tokenAnswer
	_ = json.Unmarshal(body, &out) // ClassifyToken has read it as JSON already
	if out.AccessToken == "" && len(out.Data) > 0 {
		// Some TikTok answers wrap the token in "data".
		var inner tokenAnswer
		if json.Unmarshal(out.Data, &inner) == nil && inner.AccessToken != "" {
			out = inner
		}
	}
	if out.AccessToken == "" {
		return serentak.Token{}, badTokenAnswer()
	}
	tok := serentak.Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken}
	if tok.RefreshToken == "" {
		// Never lose the refresh token: keep the old one if no new one came.
		tok.RefreshToken = old
	}
	if n, err := out.ExpiresIn.Int64(); err == nil && n > 0 {
		tok.ExpiresAt = p.now().Add(time.Duration(n) * time.Second)
	}
	return tok, nil
}

// tokenAnswer is the token endpoint's flat OAuth answer.
type tokenAnswer struct {
	AccessToken  string          `json:"access_token"`
	ExpiresIn    json.Number     `json:"expires_in"`
	RefreshToken string          `json:"refresh_token"`
	OpenID       string          `json:"open_id"`
	Scope        string          `json:"scope"`
	Error        json.RawMessage `json:"error"`
	Description  string          `json:"error_description"`
	LogID        string          `json:"log_id"`
	Data         json.RawMessage `json:"data"`
}

// oauthError reads the error as OAuth's string or as the v2 envelope's
// object.
func (t tokenAnswer) oauthError() (code, desc, logID string) {
	if len(t.Error) == 0 {
		return "", "", ""
	}
	var s string
	if json.Unmarshal(t.Error, &s) == nil {
		return s, t.Description, t.LogID
	}
	var e apiError
	if json.Unmarshal(t.Error, &e) == nil && e.Code != "ok" {
		return e.Code, e.Message, e.LogID
	}
	return "", "", ""
}

// ClassifyToken reads an answer of the OAuth token endpoint, whichever
// grant it answers (the refresh here, connect's code exchange): nil for a
// success, else a PublishError whose Code is TikTok's OAuth error code
// (invalid_grant, invalid_client, …) or http_N. TikTok answers the token
// endpoint in OAuth's flat shape ({"error":"invalid_grant",
// "error_description":…}) and sometimes in the v2 envelope.
func ClassifyToken(status int, body []byte, header http.Header) *serentak.PublishError {
	var out tokenAnswer
	decodeErr := json.Unmarshal(body, &out)
	if code, desc, logID := out.oauthError(); code != "" {
		return classifyOAuth(status, code, desc, logID)
	}
	if status/100 != 2 {
		return classifyStatus(status, header)
	}
	if decodeErr != nil {
		return badTokenAnswer()
	}
	return nil
}

func badTokenAnswer() *serentak.PublishError {
	return &serentak.PublishError{Kind: serentak.Transient, Code: "bad_token_answer",
		Message: "TikTok's token answer had no access token; it will be retried"}
}

// classifyOAuth maps the token endpoint's errors
// (docs/platforms/tiktok.md#connecting).
func classifyOAuth(status int, code, desc, logID string) *serentak.PublishError {
	said := ""
	if desc != "" {
		said = fmt.Sprintf(" TikTok said: %q", desc)
	}
	if logID != "" {
		said += " [log_id " + logID + "]"
	}
	pe := func(kind serentak.PublishErrorKind, msg string) *serentak.PublishError {
		return &serentak.PublishError{Kind: kind, Code: code, Message: msg + said}
	}
	switch code {
	case "invalid_grant", "access_denied":
		return pe(serentak.AuthExpired, "TikTok refused the grant (the refresh token or code expired, was revoked, or was already used); reconnect the TikTok account.")
	case "invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_scope", "invalid_request":
		return pe(serentak.Rejected, "TikTok refused Serentak's app credentials for the token request; check the TikTok client key and secret settings.")
	case "rate_limit_exceeded":
		r := pe(serentak.RateLimited, "TikTok's rate limit for token requests was reached; it will be retried in a minute.")
		r.RetryAfter = defaultRateLimitWait
		return r
	case "internal_error":
		return pe(serentak.Transient, "TikTok failed to issue the token; it will be retried.")
	}
	if status >= 500 {
		return pe(serentak.Transient, "TikTok failed to issue the token (HTTP "+strconv.Itoa(status)+"); it will be retried.")
	}
	return pe(serentak.Rejected, "TikTok refused the token request.")
}
