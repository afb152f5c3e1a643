package graph

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/serentak/serentak"
)

// Config configures a Graph publisher (facebook.Config and
// instagram.Config are this type). Zero fields take defaults.
type Config struct {
	// BaseURL is the Graph API host, without the version
	// (SERENTAK_FACEBOOK_API_URL, SERENTAK_INSTAGRAM_API_URL).
	BaseURL    string
	Version    string
	HTTPClient *http.Client
	Now        func() time.Time
}

// Platform is what a Graph publisher says of its platform in messages, and
// its own reading of errors.
type Platform struct {
	// Name is "Facebook" or "Instagram".
	Name string
	// Setting names the configuration of the base URL.
	Setting string
	// Reconciles says, for the message of a lost final answer, what the
	// next attempt does before publishing again.
	Reconciles string
	// ClassifyFunc is the platform's classify table.
	ClassifyFunc func(status int, body []byte, header http.Header) *serentak.PublishError
}

// Publisher is the part of a Graph publisher that is the same on Facebook
// and Instagram: where requests go, the clock, and the platform's names.
// Each publisher embeds it and keeps its own shapes, checkpoints and flows.
type Publisher struct {
	Endpoint Endpoint
	Now      func() time.Time
	Info     Platform
}

// NewPublisher returns a Publisher, zero fields of cfg taking defaults.
func NewPublisher(cfg Config, p Platform) Publisher {
	out := Publisher{Endpoint: NewEndpoint(cfg.BaseURL, cfg.Version, cfg.HTTPClient), Now: cfg.Now, Info: p}
	if out.Now == nil {
		out.Now = time.Now
	}
	return out
}

// Checkpoint keys both publishers write.
const (
	// CheckpointStep names the non-idempotent call about to be made;
	// CheckpointStepAt is when.
	CheckpointStep   = "step"
	CheckpointStepAt = "step_at"
	// CheckpointPermalink and CheckpointPublishedAt hold the published
	// post's, beside its ID under the publisher's own key.
	CheckpointPermalink   = "permalink"
	CheckpointPublishedAt = "published_at"
)

// Attempt is one Publish call's state: the request, the checkpoint as it
// stands, and the calls that keep it.
type Attempt struct {
	*Publisher
	Req serentak.PublishRequest
	// CP is this attempt's copy of the checkpoint; Save stores it.
	CP serentak.Checkpoint
}

// NewAttempt starts an attempt at req, from a copy of its checkpoint.
func (p *Publisher) NewAttempt(req serentak.PublishRequest) *Attempt {
	a := &Attempt{Publisher: p, Req: req, CP: maps.Clone(req.Checkpoint)}
	if a.CP == nil {
		a.CP = serentak.Checkpoint{}
	}
	return a
}

// Save stores a copy of the checkpoint. A nil SaveFunc publishes without
// checkpoints, for tools; the worker always gives one.
func (a *Attempt) Save(ctx context.Context) error {
	if a.Req.SaveFunc == nil {
		return nil
	}
	return a.Req.SaveFunc(ctx, maps.Clone(a.CP))
}

// Client is the attempt's Graph client, with the account's token.
func (a *Attempt) Client() *Client {
	return &Client{Endpoint: a.Endpoint, Token: a.Req.Account.Token.AccessToken, Platform: a.Info}
}

// Step is the checkpoint step of a non-idempotent call: it saves "about
// to call c.Step" and makes no call if that save fails, then sends c,
// gated by the scheduled time when c is Final (GateFor). The caller saves
// what comes back.
func (a *Attempt) Step(ctx context.Context, c Call, out any) error {
	a.CP[CheckpointStep] = c.Step
	a.CP[CheckpointStepAt] = a.Now().UTC().Format(time.RFC3339Nano)
	if err := a.Save(ctx); err != nil {
		return a.SaveFailed(err)
	}
	c.Gate = GateFor(a.Req, c.Final)
	return a.Client().Post(ctx, c, out)
}

// Get makes an idempotent Graph read; every failure to get an answer is
// Transient.
func (a *Attempt) Get(ctx context.Context, path string, query url.Values, out any) error {
	return a.Client().Get(ctx, path, query, out)
}

// Published returns the result an earlier attempt published and saved
// under idKey, when the worker did not get to record it.
func (a *Attempt) Published(idKey string) (serentak.Result, bool) {
	id := a.CP[idKey]
	if id == "" {
		return serentak.Result{}, false
	}
	at, _ := time.Parse(time.RFC3339Nano, a.CP[CheckpointPublishedAt])
	return serentak.Result{ExternalID: id, Permalink: a.CP[CheckpointPermalink], PublishedAt: at}, true
}

// Done records res in the checkpoint, its ID under idKey, so a later
// attempt returns it (Published) without calling the platform. The post
// is public either way, so a failed save does not fail the publish.
func (a *Attempt) Done(ctx context.Context, idKey string, res serentak.Result) serentak.Result {
	a.CP[idKey] = res.ExternalID
	a.CP[CheckpointPermalink] = res.Permalink
	a.CP[CheckpointPublishedAt] = res.PublishedAt.UTC().Format(time.RFC3339Nano)
	// A lost result only sends the next attempt to reconcile, as a worker
	// dying before this save would: the worker may keep it for its next
	// write rather than write it now.
	if a.Req.KeepFunc != nil {
		_ = a.Req.KeepFunc(ctx, maps.Clone(a.CP))
		return res
	}
	_ = a.Save(ctx)
	return res
}

// MediaURL is the URL the platform fetches a media item from.
func (a *Attempt) MediaURL(m serentak.MediaRef) (string, error) {
	return MediaURL(a.Info.Name, m, a.Req.MediaURLFunc)
}

// SaveFailed is the error for a checkpoint that could not be saved before
// a call, which was therefore not made.
func (a *Attempt) SaveFailed(err error) *serentak.PublishError {
	return SaveFailed(a.Info.Name, err)
}
