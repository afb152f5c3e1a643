package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// DefaultLoginURL is the Instagram Login host: it serves the token routes
// of Instagram Login, which the Facebook Login host does not.
const DefaultLoginURL = "https://graph.instagram.com"

// RefresherConfig configures a Refresher. Zero fields take defaults.
type RefresherConfig struct {
	// BaseURL is the Instagram Login host (SERENTAK_INSTAGRAM_API_URL
	// with Instagram Login), without a version: the token routes have none.
	BaseURL    string
	HTTPClient *http.Client
	Now        func() time.Time
}

// Refresher extends the long-lived tokens of Instagram Login
// (grant_type=ig_refresh_token). Instagram Login has no refresh token: the
// access token (60 days) extends itself while it is still valid, so an
// expired or refused one is lost and the account must be reconnected.
//
// Accounts connected with Facebook Login publish with their Page's token,
// which does not expire and has no refresh grant; that is why refreshing
// is not a method of Publisher (the worker would try it on every refused
// token of either login): connect hands a Refresher out only for Instagram
// Login.
type Refresher struct {
	base   string
	client *http.Client
	now    func() time.Time
}

// NewRefresher returns a Refresher.
func NewRefresher(cfg RefresherConfig) *Refresher {
	r := &Refresher{base: strings.TrimRight(cfg.BaseURL, "/"), client: cfg.HTTPClient, now: cfg.Now}
	if r.base == "" {
		r.base = DefaultLoginURL
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: 30 * time.Second}
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r
}

// RefreshToken extends acc's long-lived token: GET
// {BaseURL}/refresh_access_token?grant_type=ig_refresh_token&access_token=…
// (the route takes the token in the query, nothing else). The answer's
// errors are Graph errors and are read by Classify, as Publish's are:
// a refused token is AuthExpired.
func (r *Refresher) RefreshToken(ctx context.Context, acc serentak.Account) (serentak.Token, error) {
	tok, err := r.refresh(ctx, acc.Token.AccessToken)
	if err != nil {
		return serentak.Token{}, graph.Redact(err, acc.Token.AccessToken)
	}
	return tok, nil
}

func (r *Refresher) refresh(ctx context.Context, token string) (serentak.Token, error) {
	if token == "" {
		return serentak.Token{}, serentak.NewPublishError(serentak.AuthExpired, "no_token",
			"no Instagram access token is stored for this account; reconnect the account")
	}
	q := url.Values{"grant_type": {"ig_refresh_token"}, "access_token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/refresh_access_token?"+q.Encode(), nil)
	if err != nil {
		return serentak.Token{}, serentak.NewPublishError(serentak.Rejected, "",
			"could not build the Instagram token request; check SERENTAK_INSTAGRAM_API_URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		// The URL carries the token: keep the cause, never the URL.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s: %w", ue.Op, ue.Err)
		}
		return serentak.Token{}, &serentak.PublishError{Kind: serentak.Transient, Code: "token_unreachable", Err: err,
			Message: fmt.Sprintf("could not reach Instagram to refresh the token (%v); it is tried again later", err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return serentak.Token{}, &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: "Instagram's token answer was cut off; the refresh is tried again later"}
	}
	_, graphErr := graph.DecodeError(body)
	if resp.StatusCode/100 != 2 || graphErr {
		pe := Classify(resp.StatusCode, body, resp.Header)
		if resp.StatusCode == http.StatusUnauthorized && pe.Kind == serentak.Rejected {
			// A bare 401 refuses the token itself.
			pe.Kind = serentak.AuthExpired
		}
		return serentak.Token{}, pe
	}
	var out struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.AccessToken == "" {
		return serentak.Token{}, serentak.NewPublishError(serentak.Transient, "no_access_token",
			"Instagram's token answer carried no access token; the refresh is tried again later")
	}
	t := serentak.Token{AccessToken: out.AccessToken}
	if n, err := out.ExpiresIn.Int64(); err == nil && n > 0 {
		t.ExpiresAt = r.now().Add(time.Duration(n) * time.Second)
	}
	return t, nil
}

var _ serentak.TokenRefresher = (*Refresher)(nil)
