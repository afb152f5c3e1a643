package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// maxAnswer caps a platform answer read into memory.
const maxAnswer = 4 << 20

// readFunc reads a platform's answer the way the platform's adapter does:
// nil for a success, else the adapter's PublishError (its Kind, and its
// Code: Graph's "190/463", TikTok's "access_token_invalid", OAuth's
// "invalid_grant", Google's reason, or "http_N"). Each platform's error
// shapes are parsed in its adapter alone.
type readFunc func(status int, body []byte, header http.Header) *serentak.PublishError

// refusal is a platform's answer refusing a request.
type refusal struct {
	Status int
	Err    *serentak.PublishError
}

func (e *refusal) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Status)
	if e.Err.Code != "" {
		s += " " + e.Err.Code
	}
	return s + ": " + clip(e.Err.Message, 300)
}

func (e *refusal) Unwrap() error { return e.Err }

// code is the platform's code without a Graph subcode.
func (e *refusal) code() string {
	c, _, _ := strings.Cut(e.Err.Code, "/")
	return c
}

// unreachableError: no answer came (network, timeout). It never carries
// the URL, which may hold a token.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return "no answer: " + e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

func isUnreachable(err error) bool {
	var u *unreachableError
	return errors.As(err, &u)
}

// stripURL keeps a transport error's cause without its URL.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &unreachableError{err: fmt.Errorf("%s: %w", ue.Op, ue.Err)}
	}
	return &unreachableError{err: err}
}

// auth is how a request carries a token.
type auth struct {
	scheme string // "Bearer" or "OAuth"; "" sends no header
	token  string
}

// do sends req and decodes a 2xx JSON answer into out. An answer read
// reads as a refusal is a *refusal; an *unreachableError when no answer
// came.
func (c *Connector) do(req *http.Request, a auth, read readFunc, out any) error {
	if a.scheme != "" {
		req.Header.Set("Authorization", a.scheme+" "+a.token)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return stripURL(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &unreachableError{err: fmt.Errorf("reading the answer: %w", err)}
	}
	if pe := read(resp.StatusCode, body, resp.Header); pe != nil {
		return &refusal{Status: resp.StatusCode, Err: pe}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("the answer (HTTP %d) is not the JSON expected", resp.StatusCode)
	}
	return nil
}

// get is do for a GET of rawURL with query q.
func (c *Connector) get(ctx context.Context, rawURL string, q url.Values, a auth, read readFunc, out any) error {
	if len(q) > 0 {
		rawURL = withQuery(rawURL, q)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("connect: bad platform URL setting: %w", stripURL(err))
	}
	return c.do(req, a, read, out)
}

// postForm is do for a form POST.
func (c *Connector) postForm(ctx context.Context, rawURL string, form url.Values, a auth, read readFunc, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("connect: bad platform URL setting: %w", stripURL(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req, a, read, out)
}

// readGraph reads a Graph API answer with the adapter's classify: a Graph
// error object is a refusal even in a 2xx answer (Graph sends a few so).
func readGraph(classify readFunc, status int, body []byte, header http.Header) *serentak.PublishError {
	if _, isErr := graph.DecodeError(body); status/100 == 2 && !isErr {
		return nil
	}
	return classify(status, body, header)
}

// verifyError turns a failed verification call into a PublishError:
// AuthExpired when the platform's adapter reads the answer as AuthExpired
// (the token or its grant is refused: publishing would find the account
// broken too), Transient otherwise (a check that could not be made says
// nothing).
func verifyError(p serentak.Platform, err error) error {
	var r *refusal
	if errors.As(err, &r) && r.Err.Kind == serentak.AuthExpired {
		return &serentak.PublishError{Kind: serentak.AuthExpired, Code: r.Err.Code,
			Message: fmt.Sprintf("%s refused the account's token: %s", p.DisplayName(), r.Error()), Err: err}
	}
	return &serentak.PublishError{Kind: serentak.Transient,
		Message: fmt.Sprintf("could not check the %s account: %v", p.DisplayName(), err), Err: err}
}
