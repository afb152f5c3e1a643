package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"

	"github.com/serentak/serentak"
)

// maxAnswer caps what we read of a Graph answer.
const maxAnswer = 1 << 20

// Client makes one publish attempt's Graph calls with one token.
type Client struct {
	Endpoint
	Token string
	// Platform names the platform in messages and classifies its errors.
	Platform
}

// Call is one non-idempotent Graph request.
type Call struct {
	// Step names the call in messages and checkpoints ("feed").
	Step string
	// Final marks the call that makes the post public: if it may have
	// reached the platform but no answer came, the error is Unknown and the
	// next attempt reconciles before publishing again. Any other lost
	// answer is Transient.
	Final       bool
	Path        string
	Query       url.Values
	ContentType string
	Body        []byte
	// RefusedFunc, when set, is called when the platform answered that the
	// call failed: its outcome is known, it did not happen.
	RefusedFunc func()
	// Gate, when set, is called when the request is ready to send, and the
	// request is sent when it returns nil: an EarlyStarter's wait for the
	// scheduled time, placed so that only the sending is left after it.
	Gate func(ctx context.Context) error
}

// GateFor returns the Gate of a call: the wait for req's scheduled time
// when the call is the one that makes the post public, else none.
// Everything before that call is invisible to the audience, so a
// publisher may run it ahead of the time (serentak.EarlyStarter).
func GateFor(req serentak.PublishRequest, final bool) func(context.Context) error {
	if !final {
		return nil
	}
	return req.WaitUntilDue
}

// Post sends c and decodes a 2xx answer into out. The caller saves its
// checkpoint before calling Post and makes no call if that fails.
func (g *Client) Post(ctx context.Context, c Call, out any) error {
	req, err := g.newRequest(ctx, http.MethodPost, c.Path, c.Query, bytes.NewReader(c.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", c.ContentType)

	// Whether the request was fully written decides between "not sent"
	// (Transient) and "maybe published" (Unknown).
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	}))
	if c.Gate != nil {
		if err := c.Gate(ctx); err != nil {
			return err
		}
	}
	status, header, answer, err := g.do(req)
	if err != nil {
		if c.Final && wrote.Load() {
			return &serentak.PublishError{Kind: serentak.Unknown, Err: err, Message: fmt.Sprintf(
				"the %s call reached %s but no answer came back (%v); the post may exist, and the next attempt %s before publishing again", c.Step, g.Name, err, g.Reconciles)}
		}
		return &serentak.PublishError{Kind: serentak.Transient, Err: err, Message: fmt.Sprintf(
			"could not reach %s for the %s call (%v); nothing was published", g.Name, c.Step, err)}
	}
	if status/100 != 2 {
		if c.RefusedFunc != nil {
			c.RefusedFunc()
		}
		return g.ClassifyFunc(status, answer, header)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		kind := serentak.Transient
		if c.Final {
			kind = serentak.Unknown
		}
		return &serentak.PublishError{Kind: kind, Err: err, Message: fmt.Sprintf(
			"%s accepted the %s call but its answer could not be read (%v)", g.Name, c.Step, err)}
	}
	return nil
}

// Get makes an idempotent Graph read; every failure to get an answer is
// Transient.
func (g *Client) Get(ctx context.Context, path string, query url.Values, out any) error {
	req, err := g.newRequest(ctx, http.MethodGet, path, query, nil)
	if err != nil {
		return err
	}
	status, header, answer, err := g.do(req)
	if err != nil {
		return &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: fmt.Sprintf("could not read %s from %s (%v)", path, g.Name, err)}
	}
	if status/100 != 2 {
		return g.ClassifyFunc(status, answer, header)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: fmt.Sprintf("%s's answer for %s could not be read (%v)", g.Name, path, err)}
	}
	return nil
}

// newRequest builds a Graph request. The token goes in the Authorization
// header, never in the URL, so it cannot leak through a *url.Error or a
// logged URL.
func (g *Client) newRequest(ctx context.Context, method, path string, q url.Values, body io.Reader) (*http.Request, error) {
	u := g.BaseURL + "/" + g.Version + "/" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &serentak.PublishError{Kind: serentak.Rejected, Err: err,
			Message: fmt.Sprintf("could not build the %s request (%v); check %s", g.Name, err, g.Setting)}
	}
	req.Header.Set("Authorization", "OAuth "+g.Token)
	req.Header.Set("Accept", "application/json")
	// Never an Idempotency-Key header: net/http would then treat the POST
	// as idempotent and might resend it on a broken connection.
	return req, nil
}

// do sends req and reads at most 1 MiB of the answer.
func (g *Client) do(req *http.Request) (status int, header http.Header, body []byte, err error) {
	resp, err := g.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, resp.Header, b, nil
}
