package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/serentak/serentak"
)

// maxAnswer caps a platform answer read into memory.
const maxAnswer = 4 << 20

// platformError is a platform's refusal, in whichever of the four error
// shapes it came: Graph's {"error":{"code":190,…}}, Google's
// {"error":{"code":401,"errors":[{"reason":…}]}}, TikTok's envelope
// {"error":{"code":"access_token_invalid"}} or OAuth's
// {"error":"invalid_grant","error_description":…}.
type platformError struct {
	Status  int
	Code    string // the platform's code: "190", "invalid_grant", "authError", …
	Subcode string
	Message string
}

func (e *platformError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
		if e.Subcode != "" {
			s += "/" + e.Subcode
		}
	}
	if e.Message != "" {
		s += ": " + clip(e.Message, 300)
	}
	return s
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

// do sends req and decodes a 2xx JSON answer into out. Anything else is a
// *platformError, or an *unreachableError when no answer came.
func (c *Connector) do(req *http.Request, a auth, out any) error {
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
	if pe := parseError(resp.StatusCode, body); pe != nil {
		return pe
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &platformError{Status: resp.StatusCode, Code: "bad_answer", Message: "the answer is not the JSON expected"}
	}
	return nil
}

// get is do for a GET of base+path with query q.
func (c *Connector) get(ctx context.Context, rawURL string, q url.Values, a auth, out any) error {
	if len(q) > 0 {
		sep := "?"
		if strings.Contains(rawURL, "?") {
			sep = "&"
		}
		rawURL += sep + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("connect: bad platform URL setting: %w", stripURL(err))
	}
	return c.do(req, a, out)
}

// postForm is do for a form POST.
func (c *Connector) postForm(ctx context.Context, rawURL string, form url.Values, a auth, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("connect: bad platform URL setting: %w", stripURL(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req, a, out)
}

// parseError reads any of the error shapes; nil for a success. A 2xx with
// an error object (TikTok's envelope with a code other than "ok", Graph's
// rare 200 errors) is an error too.
func parseError(status int, body []byte) *platformError {
	var shape struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
		Message     string          `json:"error_message"` // Instagram Login's older shape
		ErrorType   string          `json:"error_type"`
	}
	_ = json.Unmarshal(body, &shape)
	pe := &platformError{Status: status}
	var s string
	if len(shape.Error) > 0 && json.Unmarshal(shape.Error, &s) == nil {
		pe.Code, pe.Message = s, shape.Description
	} else if len(shape.Error) > 0 && string(shape.Error) != "null" {
		var obj struct {
			Code    json.RawMessage           `json:"code"`
			Subcode json.RawMessage           `json:"error_subcode"`
			Message string                    `json:"message"`
			Type    string                    `json:"type"`
			Errors  []struct{ Reason string } `json:"errors"`
		}
		if json.Unmarshal(shape.Error, &obj) == nil {
			pe.Code, pe.Subcode, pe.Message = rawString(obj.Code), rawString(obj.Subcode), obj.Message
			if len(obj.Errors) > 0 && obj.Errors[0].Reason != "" {
				pe.Code = obj.Errors[0].Reason // Google: the reason says more than the HTTP code
			}
		}
		if pe.Code == "ok" {
			pe.Code = ""
			if status/100 == 2 {
				return nil
			}
		}
	} else if shape.ErrorType != "" {
		pe.Code, pe.Message = shape.ErrorType, shape.Message
	}
	if status/100 == 2 && pe.Code == "" {
		return nil
	}
	if pe.Code == "" {
		pe.Code = strconv.Itoa(status)
	}
	return pe
}

func rawString(r json.RawMessage) string {
	if len(r) == 0 || string(r) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	return string(r)
}

// verifyError turns a failed verification call into a PublishError:
// AuthExpired when authFunc says the platform refused the token itself,
// Transient otherwise (a check that could not be made says nothing).
func verifyError(p serentak.Platform, err error, authFunc func(*platformError) bool) error {
	var pe *platformError
	if errors.As(err, &pe) && authFunc(pe) {
		return &serentak.PublishError{Kind: serentak.AuthExpired, Code: pe.Code,
			Message: fmt.Sprintf("%s refused the account's token: %s", p.DisplayName(), pe.Error()), Err: err}
	}
	return &serentak.PublishError{Kind: serentak.Transient,
		Message: fmt.Sprintf("could not check the %s account: %v", p.DisplayName(), err), Err: err}
}

// graphAuthError is Graph's "this token no longer works"
// (docs/platforms/facebook.md#errors).
func graphAuthError(pe *platformError) bool {
	switch pe.Code {
	case "190", "102", "10":
		return true
	}
	if n, err := strconv.Atoi(pe.Code); err == nil && n >= 200 && n <= 299 {
		return true
	}
	return pe.Status == http.StatusUnauthorized
}

// refreshError turns a failed refresh into a PublishError the way the
// adapters' refreshers do: AuthExpired when the platform refused the
// credential (the account must be reconnected), RateLimited, Transient when
// no answer came or the platform failed, Rejected otherwise.
func refreshError(p serentak.Platform, err error, authFunc func(*platformError) bool) error {
	var pe *platformError
	switch {
	case errors.As(err, &pe) && (pe.Code == "invalid_grant" || authFunc(pe)):
		return &serentak.PublishError{Kind: serentak.AuthExpired, Code: pe.Code,
			Message: fmt.Sprintf("%s refused to refresh the token (%s); reconnect the account", p.DisplayName(), pe.Error()), Err: err}
	case errors.As(err, &pe) && (pe.Status == http.StatusTooManyRequests || pe.Code == "4" || pe.Code == "17" || pe.Code == "32" || pe.Code == "613"):
		return &serentak.PublishError{Kind: serentak.RateLimited, Code: pe.Code,
			Message: fmt.Sprintf("%s rate-limited the token refresh", p.DisplayName()), Err: err}
	case errors.As(err, &pe) && pe.Status < 500:
		return &serentak.PublishError{Kind: serentak.Rejected, Code: pe.Code,
			Message: fmt.Sprintf("%s refused the token refresh: %s", p.DisplayName(), pe.Error()), Err: err}
	}
	return &serentak.PublishError{Kind: serentak.Transient,
		Message: fmt.Sprintf("could not refresh the %s token: %v", p.DisplayName(), err), Err: err}
}
