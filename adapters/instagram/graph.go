package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/serentak/serentak"
)

// maxAnswer caps what we read of a Graph answer.
const maxAnswer = 1 << 20

// post makes a non-idempotent Graph call with a form-encoded body (a
// 2,200-character caption does not belong in a URL). It first saves a
// checkpoint naming the call (and makes no call if that fails). final marks
// media_publish, the call that makes the post public: if it may have
// reached Instagram but no answer came, the error is Unknown and the next
// attempt asks the container's status before publishing again.
func (a *attempt) post(ctx context.Context, step string, final bool, path string, form url.Values, out any) error {
	a.cp[cpStep] = step
	a.cp[cpStepAt] = a.now().UTC().Format(time.RFC3339Nano)
	if err := a.save(ctx); err != nil {
		return saveFailed(err)
	}
	req, err := a.newRequest(ctx, http.MethodPost, path, nil, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

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
	status, header, answer, err := a.do(req)
	if err != nil {
		if final && wrote.Load() {
			return &serentak.PublishError{Kind: serentak.Unknown, Err: err, Message: fmt.Sprintf(
				"the %s call reached Instagram but no answer came back (%v); the post may exist, and the next attempt checks the container before publishing again", step, err)}
		}
		return &serentak.PublishError{Kind: serentak.Transient, Err: err, Message: fmt.Sprintf(
			"could not reach Instagram for the %s call (%v); nothing was published", step, err)}
	}
	if status/100 != 2 {
		// Instagram answered that the call failed: the step's outcome is
		// known, it did not happen.
		delete(a.cp, cpStep)
		delete(a.cp, cpStepAt)
		return classify(status, answer, header)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		kind := serentak.Transient
		if final {
			kind = serentak.Unknown
		}
		return &serentak.PublishError{Kind: kind, Err: err, Message: fmt.Sprintf(
			"Instagram accepted the %s call but its answer could not be read (%v)", step, err)}
	}
	return nil
}

// get makes an idempotent Graph read; every failure to get an answer is
// Transient.
func (a *attempt) get(ctx context.Context, path string, query url.Values, out any) error {
	req, err := a.newRequest(ctx, http.MethodGet, path, query, nil)
	if err != nil {
		return err
	}
	status, header, answer, err := a.do(req)
	if err != nil {
		return &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: fmt.Sprintf("could not read %s from Instagram (%v)", path, err)}
	}
	if status/100 != 2 {
		return classify(status, answer, header)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: fmt.Sprintf("Instagram's answer for %s could not be read (%v)", path, err)}
	}
	return nil
}

// newRequest builds a Graph request. The token goes in the Authorization
// header, never in the URL, so it cannot leak through a *url.Error or a
// logged URL.
func (a *attempt) newRequest(ctx context.Context, method, path string, q url.Values, body io.Reader) (*http.Request, error) {
	u := a.base + "/" + a.version + "/" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &serentak.PublishError{Kind: serentak.Rejected, Err: err,
			Message: fmt.Sprintf("could not build the Instagram request (%v); check SERENTAK_INSTAGRAM_API_URL", err)}
	}
	req.Header.Set("Authorization", "OAuth "+a.req.Account.Token.AccessToken)
	req.Header.Set("Accept", "application/json")
	// Never an Idempotency-Key header: net/http would then treat the POST
	// as idempotent and might resend it on a broken connection.
	return req, nil
}

func (a *attempt) do(req *http.Request) (int, http.Header, []byte, error) {
	resp, err := a.client.Do(req)
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
