// Package connect connects social accounts through each platform's OAuth
// 2.0 login (the "Connecting" section of each page under docs/platforms/)
// and knows enough
// of the platforms' APIs to check later that a connected account still
// works.
//
// A Connector runs one platform's flow. AuthorizeURL stores a single-use
// state bound to the workspace (and, where the platform takes it, a PKCE
// verifier) and returns the platform's login URL; Callback spends the
// state, exchanges the code, runs the platform's own steps (Facebook's
// long-lived token, permission check and Pages; Instagram's linked
// professional accounts or its long-lived Instagram Login token; YouTube's
// channel; TikTok's user) and upserts one account per Page, IG account,
// channel or TikTok user. Reconnecting updates the account in place and
// never replaces a stored refresh token with an empty one.
//
// A reconnect link lets an account's owner log in again without the
// workspace's key. It is spent when a login through it succeeds, not when
// it is opened: chat apps (WhatsApp) open links to draw a preview, and a
// link spent by a preview robot would reach the owner dead.
//
// Tokens never appear in an error or a log line: requests carry them in
// headers where the platform allows, and errors never include a URL.
package connect

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/tracing"
)

// Defaults for Config.
const (
	// DefaultStateTTL is how long a login may take from AuthorizeURL to the
	// callback.
	DefaultStateTTL = 10 * time.Minute
	// DefaultLinkTTL is how long a reconnect link works: long enough for a
	// merchant to see a chat message the next day.
	DefaultLinkTTL = 72 * time.Hour
	defaultTimeout = 30 * time.Second
)

// NeedsReauthCode is the error code written on a delivery whose account
// must be reconnected (the worker uses the same code when it fails one).
const NeedsReauthCode = "needs_reauth"

// Detail codes of the callback's errors (the error's details[0].code), so
// a page can word them: the person refused access at the platform, the
// login granted less than publishing needs, or reached no account that
// can publish (no Page, no linked Instagram account, no channel).
const (
	DeniedCode             = "access_denied"
	MissingPermissionsCode = "missing_permissions"
	NoAccountsCode         = "no_accounts"
)

// refused is a validation error of a login with a detail code.
func refused(code, msg string) *serentak.Error {
	return serentak.Invalid(msg, serentak.FieldError{Field: "login", Code: code, Message: msg})
}

// Store is what connecting needs from storage; *gormstore.Store has it.
type Store interface {
	UpsertAccount(ctx context.Context, a serentak.Account) (serentak.Account, bool, error)
	FindAccountByID(ctx context.Context, workspaceID, id string) (serentak.Account, error)
	CreateOAuthState(ctx context.Context, st serentak.OAuthState) error
	ConsumeOAuthState(ctx context.Context, platform serentak.Platform, state string) (serentak.OAuthState, error)
	CreateReconnectLink(ctx context.Context, l serentak.ReconnectLink) error
	FindReconnectLink(ctx context.Context, platform serentak.Platform, hash string) (serentak.ReconnectLink, error)
	UseReconnectLink(ctx context.Context, hash string) error
	SetAccountGrant(ctx context.Context, accountID string, scopes []string) error
	ClearScheduledDeliveryFlags(ctx context.Context, workspaceID, accountID, code string) (int64, error)
}

// Config configures a Connector. Store, ClientID, ClientSecret, AuthURL,
// TokenURL and PublicURL are required.
type Config struct {
	Store Store
	// ClientID and ClientSecret are the app's credentials (TikTok calls the
	// ID client_key).
	ClientID, ClientSecret string
	// AuthURL is where the user logs in; TokenURL exchanges codes and
	// refreshes tokens.
	AuthURL, TokenURL string
	// PublicURL is this server's public base URL: the platform redirects to
	// {PublicURL}/v1/oauth/{platform}/callback.
	PublicURL string
	// APIURL is the platform's API base: the Graph API host for Facebook
	// and Instagram (graph.instagram.com for Instagram Login), Google's
	// for YouTube (…/youtube/v3 is appended), TikTok's open API host.
	APIURL string
	// Version is the Graph API version for Facebook and Instagram.
	Version string
	// Scopes replaces the platform's default scopes; rarely needed.
	Scopes []string
	// ConfigID is a Facebook Login for Business configuration
	// (SERENTAK_FACEBOOK_CONFIG_ID): when set, the Facebook authorize URL
	// carries config_id instead of scope, as that login requires
	// (docs/platforms/facebook.md#connecting).
	ConfigID   string
	HTTPClient *http.Client
	Now        func() time.Time
	StateTTL   time.Duration // DefaultStateTTL when zero
	LinkTTL    time.Duration // DefaultLinkTTL when zero
	Logger     *slog.Logger
	// TracerProvider makes a span of each callback and a client span of
	// each call to the platform in it (the code exchange first); nil:
	// tracing off.
	TracerProvider trace.TracerProvider
}

// Connector runs one platform's OAuth flow and checks its accounts.
type Connector struct {
	cfg       Config
	flow      flow
	client    *http.Client
	log       *slog.Logger
	tracer    trace.Tracer
	refresher serentak.TokenRefresher // nil: see Refresher
}

// flow is one platform's part of a Connector.
type flow interface {
	platform() serentak.Platform
	// authCodeURL is the login URL; verifier is "" unless pkce() is true.
	authCodeURL(state, verifier string) string
	pkce() bool
	// exchange turns a code into the accounts the login reached.
	exchange(ctx context.Context, code, verifier string) ([]found, error)
	// verify makes one cheap call with the account's token.
	verify(ctx context.Context, acc serentak.Account) error
}

// found is one account a login reached, with the scopes granted.
type found struct {
	account serentak.Account
	scopes  []string
}

func newConnector(cfg Config, makeFlow func(c *Connector) flow) (*Connector, error) {
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"client ID", cfg.ClientID}, {"client secret", cfg.ClientSecret}, {"auth URL", cfg.AuthURL},
		{"token URL", cfg.TokenURL}, {"public URL", cfg.PublicURL}, {"API URL", cfg.APIURL},
	} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if cfg.Store == nil {
		missing = append(missing, "store")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("connect: missing %s", strings.Join(missing, ", "))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StateTTL <= 0 {
		cfg.StateTTL = DefaultStateTTL
	}
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = DefaultLinkTTL
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	c := &Connector{cfg: cfg, client: cfg.HTTPClient, log: cfg.Logger, tracer: tracing.Tracer(cfg.TracerProvider)}
	c.flow = makeFlow(c)
	if c.client == nil {
		// Its own transport: a CloseIdleConnections on the shared default
		// one (an httptest.Server closing calls it) would break a token
		// request just as it reuses a pooled connection.
		c.client = &http.Client{Timeout: defaultTimeout, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if cfg.TracerProvider != nil {
		// The calls' spans carry the method, host, path template and
		// status only (tracing.Transport): not the code, the client
		// secret or a token, which travel in bodies, queries and headers.
		traced := *c.client
		traced.Transport = tracing.Transport(traced.Transport, cfg.TracerProvider, string(c.flow.platform()))
		c.client = &traced
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Platform is the platform the Connector connects.
func (c *Connector) Platform() serentak.Platform { return c.flow.platform() }

// RedirectURL is the callback the platform must have registered.
func (c *Connector) RedirectURL() string {
	return c.cfg.PublicURL + "/v1/oauth/" + string(c.flow.platform()) + "/callback"
}

// oauth2Config is the golang.org/x/oauth2 view of the app.
func (c *Connector) oauth2Config(scopes []string) *oauth2.Config {
	if len(c.cfg.Scopes) > 0 {
		scopes = c.cfg.Scopes
	}
	return &oauth2.Config{
		ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret,
		Endpoint:    oauth2.Endpoint{AuthURL: c.cfg.AuthURL, TokenURL: c.cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: c.RedirectURL(),
		Scopes:      scopes,
	}
}

// scopes is the configured scopes or the platform's defaults.
func (c *Connector) scopes(def []string) []string {
	if len(c.cfg.Scopes) > 0 {
		return c.cfg.Scopes
	}
	return def
}

// AuthorizeURL starts a login for the workspace: where to send the user.
func (c *Connector) AuthorizeURL(ctx context.Context, workspaceID string) (string, error) {
	return c.start(ctx, serentak.OAuthState{WorkspaceID: workspaceID})
}

// AuthorizeURLReturning is AuthorizeURL for a login that must come back
// to a page of the web app: returnTo (a local path the caller checked)
// is kept in the state, and CallbackReturning gives it back.
func (c *Connector) AuthorizeURLReturning(ctx context.Context, workspaceID, returnTo string) (string, error) {
	return c.start(ctx, serentak.OAuthState{WorkspaceID: workspaceID, ReturnTo: returnTo})
}

func (c *Connector) start(ctx context.Context, st serentak.OAuthState) (string, error) {
	st.State = randomToken()
	st.Platform = c.flow.platform()
	st.ExpiresAt = c.cfg.Now().Add(c.cfg.StateTTL)
	if c.flow.pkce() {
		st.Verifier = oauth2.GenerateVerifier()
	}
	if err := c.cfg.Store.CreateOAuthState(ctx, st); err != nil {
		return "", err
	}
	return c.flow.authCodeURL(st.State, st.Verifier), nil
}

// NewReconnectLink makes a link that starts a login for acc without an API
// key, valid for the LinkTTL and spent by the first login through it that
// reaches the account.
func (c *Connector) NewReconnectLink(ctx context.Context, acc serentak.Account) (link string, expiresAt time.Time, err error) {
	if acc.Platform != c.flow.platform() {
		return "", time.Time{}, fmt.Errorf("connect: a %s connector cannot reconnect a %s account", c.flow.platform(), acc.Platform)
	}
	token := randomToken()
	expiresAt = c.cfg.Now().Add(c.cfg.LinkTTL)
	err = c.cfg.Store.CreateReconnectLink(ctx, serentak.ReconnectLink{
		Hash: serentak.HashSecret(token), WorkspaceID: acc.WorkspaceID, AccountID: acc.ID,
		Platform: acc.Platform, ExpiresAt: expiresAt,
	})
	if err != nil {
		return "", time.Time{}, err
	}
	// The token goes in the query: access logs leave queries out.
	return c.cfg.PublicURL + "/v1/oauth/" + string(acc.Platform) + "/reconnect?" + url.Values{"token": {token}}.Encode(), expiresAt, nil
}

// ReconnectAuthorizeURL is where a reconnect link sends its holder: the
// platform's login, with a state bound to the link's account. Opening a
// link does not spend it.
func (c *Connector) ReconnectAuthorizeURL(ctx context.Context, token string) (string, error) {
	l, err := c.cfg.Store.FindReconnectLink(ctx, c.flow.platform(), serentak.HashSecret(token))
	if errors.Is(err, serentak.ErrLinkInvalid) {
		return "", serentak.Errorf(serentak.ECodeNotFound,
			"this reconnect link is unknown, expired or already used; ask for a new one")
	}
	if err != nil {
		return "", err
	}
	return c.start(ctx, serentak.OAuthState{WorkspaceID: l.WorkspaceID, AccountID: l.AccountID, LinkHash: l.Hash})
}

// Callback finishes a login from the platform's redirect and returns the
// accounts created or updated.
func (c *Connector) Callback(ctx context.Context, q url.Values) ([]serentak.Account, error) {
	as, _, err := c.CallbackReturning(ctx, q)
	return as, err
}

// CallbackReturning is Callback that also answers the state's return
// path (AuthorizeURLReturning), with the error too: a login refused at
// the platform still goes back to the page it started from. returnTo is
// "" when the state is unknown, used or expired.
func (c *Connector) CallbackReturning(ctx context.Context, q url.Values) (accounts []serentak.Account, returnTo string, err error) {
	p := c.flow.platform()
	// The span names the platform, the workspace and what came of it;
	// never the state, the code or a token (the query holds the first
	// two).
	ctx, span := c.tracer.Start(ctx, "connect callback", trace.WithAttributes(attribute.String("serentak.platform", string(p))))
	defer span.End()
	st, err := c.cfg.Store.ConsumeOAuthState(ctx, p, q.Get("state"))
	if err == nil {
		returnTo = st.ReturnTo
		span.SetAttributes(attribute.String("serentak.workspace.id", st.WorkspaceID),
			attribute.Bool("serentak.connect.reconnect", st.AccountID != ""))
	}
	accounts, err = c.finish(ctx, p, st, err, q)
	span.SetAttributes(attribute.Int("serentak.connect.accounts", len(accounts)))
	if err != nil {
		// The error's kind, not its text: a platform's message may quote
		// what it was sent.
		span.SetStatus(codes.Error, "callback failed")
		span.SetAttributes(attribute.String("error.type", errorType(err)))
	}
	return accounts, returnTo, err
}

// errorType is a failed callback's error.type: the serentak error code,
// or the Go type.
func errorType(err error) string {
	var se *serentak.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return fmt.Sprintf("%T", err)
}

// finish is the callback after the state was consumed (err: how that
// went).
func (c *Connector) finish(ctx context.Context, p serentak.Platform, st serentak.OAuthState, err error, q url.Values) ([]serentak.Account, error) {
	switch {
	case errors.Is(err, serentak.ErrStateUnknown):
		return nil, serentak.Errorf(serentak.ECodeBadRequest,
			"this %s sign-in was not started by Serentak (unknown state); start connecting again from Serentak", p.DisplayName())
	case errors.Is(err, serentak.ErrStateUsed):
		return nil, serentak.Errorf(serentak.ECodeConflict,
			"this %s sign-in was already finished (the page was opened twice); the accounts it found are connected — start again to connect more", p.DisplayName())
	case errors.Is(err, serentak.ErrStateExpired):
		return nil, serentak.Errorf(serentak.ECodeBadRequest,
			"this %s sign-in took longer than %s and expired; start connecting again", p.DisplayName(), c.cfg.StateTTL)
	case err != nil:
		return nil, err
	}
	if e := q.Get("error"); e != "" {
		if e == "access_denied" || q.Get("error_reason") == "user_denied" {
			err := serentak.Errorf(serentak.ECodeBadRequest,
				"you did not allow Serentak to use your %s account, so nothing was connected; to connect it, start again and choose Allow", p.DisplayName())
			err.Details = []serentak.FieldError{{Field: "error", Code: DeniedCode, Message: err.Message}}
			return nil, err
		}
		return nil, serentak.Errorf(serentak.ECodeBadRequest, "%s did not finish the sign-in (%s); start connecting again",
			p.DisplayName(), clip(e, 64))
	}
	code := q.Get("code")
	if code == "" {
		return nil, serentak.Errorf(serentak.ECodeBadRequest, "%s sent no authorization code; start connecting again", p.DisplayName())
	}

	var bound serentak.Account
	if st.AccountID != "" {
		if bound, err = c.cfg.Store.FindAccountByID(ctx, st.WorkspaceID, st.AccountID); err != nil {
			return nil, err
		}
	}
	founds, err := c.flow.exchange(ctx, code, st.Verifier)
	if err != nil {
		return nil, err
	}
	if st.AccountID != "" {
		// A reconnect link updates its own account and nothing else: its
		// holder has no key to the workspace.
		var keep []found
		for _, f := range founds {
			if f.account.ExternalID == bound.ExternalID {
				keep = append(keep, f)
			}
		}
		if len(keep) == 0 {
			return nil, serentak.Invalid(fmt.Sprintf(
				"this %s login does not reach %q; log in as someone who manages it and allow access to it", p.DisplayName(), bound.Name))
		}
		if err := c.cfg.Store.UseReconnectLink(ctx, st.LinkHash); err != nil {
			if errors.Is(err, serentak.ErrLinkInvalid) {
				return nil, serentak.Errorf(serentak.ECodeConflict, "this reconnect link was already used or has expired; ask for a new one")
			}
			return nil, err
		}
		founds = keep
	}

	out := make([]serentak.Account, 0, len(founds))
	for _, f := range founds {
		a := f.account
		a.ID = serentak.NewID(serentak.PrefixAccount)
		a.WorkspaceID = st.WorkspaceID
		a.Platform = p
		saved, _, err := c.cfg.Store.UpsertAccount(ctx, a)
		if err != nil {
			return nil, err
		}
		if err := c.cfg.Store.SetAccountGrant(ctx, saved.ID, f.scopes); err != nil {
			return nil, err
		}
		if n, err := c.cfg.Store.ClearScheduledDeliveryFlags(ctx, saved.WorkspaceID, saved.ID, NeedsReauthCode); err != nil {
			return nil, err
		} else if n > 0 {
			c.log.Info("account reconnected; its scheduled deliveries are no longer flagged",
				"account_id", saved.ID, "platform", p, "deliveries", n)
		}
		out = append(out, saved)
	}
	c.log.Info("accounts connected", "workspace", st.WorkspaceID, "platform", p, "accounts", len(out), "reconnect", st.AccountID != "")
	return out, nil
}

// VerifyAccount makes one cheap call with the account's token. A
// *serentak.PublishError of kind AuthExpired means the account must be
// reconnected; any other error says nothing about the account.
func (c *Connector) VerifyAccount(ctx context.Context, acc serentak.Account) error {
	if acc.Token.AccessToken == "" {
		return serentak.NewPublishError(serentak.AuthExpired, "no_token", "no access token is stored for this account")
	}
	return c.flow.verify(ctx, acc)
}

// randomToken is a state or a reconnect token: 32 random bytes, URL-safe.
// Not rand.Text's 130 bits: RFC 6749 §10.10 asks for 160 bits or more for
// what guessing would turn into access.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:]) // cannot fail (Go 1.24 and later)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// clip shortens platform-supplied text before it reaches a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// exchangeError turns a failed code exchange into an answer for the person
// in the browser.
func exchangeError(p serentak.Platform, err error) error {
	var r *refusal
	if errors.As(err, &r) {
		switch code := r.code(); {
		case code == "invalid_grant" || (r.Status == http.StatusBadRequest && code == "100"):
			return serentak.Errorf(serentak.ECodeBadRequest,
				"%s refused the sign-in code (it expired or was already used); start connecting again", p.DisplayName())
		case code == "invalid_client" || code == "unauthorized_client" || code == "101":
			return fmt.Errorf("connect: %s refused Serentak's app credentials; check SERENTAK_%s_CLIENT_ID and _CLIENT_SECRET: %w",
				p.DisplayName(), strings.ToUpper(string(p)), err)
		}
	}
	if isUnreachable(err) {
		return serentak.Errorf(serentak.ECodeUnavailable, "could not reach %s to finish the sign-in; start connecting again in a moment", p.DisplayName())
	}
	return fmt.Errorf("connect: %s code exchange: %w", p.DisplayName(), err)
}

// Refresher returns the token refresher of the platform's accounts as
// connected by this connector, or nil when their tokens are refreshed by
// their publishers (YouTube, TikTok) or never (Facebook Page tokens, and
// Instagram with Facebook Login, which publishes with them). Only Instagram
// Login has one: the Instagram adapter's, which extends the long-lived
// token with ig_refresh_token.
func (c *Connector) Refresher() serentak.TokenRefresher {
	return c.refresher
}
