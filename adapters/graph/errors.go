package graph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// DefaultRateLimitWait is the retry hint for a throttled call when Meta
// gives none.
const DefaultRateLimitWait = 60 * time.Second

// Error is the Graph API's error object.
type Error struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	UserTitle   string `json:"error_user_title"`
	UserMsg     string `json:"error_user_msg"`
	IsTransient bool   `json:"is_transient"`
	FBTraceID   string `json:"fbtrace_id"`
}

// DecodeError reads the error object of a Graph answer. ok is false when
// the body is not a Graph error (a proxy's HTML page, say); the HTTP
// status is then all there is to go on (ClassifyStatus).
func DecodeError(body []byte) (e *Error, ok bool) {
	var env struct {
		Error *Error `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil || (env.Error.Code == 0 && env.Error.Message == "") {
		return nil, false
	}
	return env.Error, true
}

// CodeRef is "code" or "code/subcode": the form PublishError.Code takes.
func (e *Error) CodeRef() string {
	code := strconv.Itoa(e.Code)
	if e.Subcode != 0 {
		code += "/" + strconv.Itoa(e.Subcode)
	}
	return code
}

// Quote gives the platform's own words, which name the exact problem
// better than we can, to end a message: ` Facebook said: "…" (…) [fbtrace_id …]`.
func (e *Error) Quote(platform string) string {
	var b strings.Builder
	if e.Message != "" {
		fmt.Fprintf(&b, " %s said: %q", platform, e.Message)
	}
	if e.UserMsg != "" && e.UserMsg != e.Message {
		fmt.Fprintf(&b, " (%s)", e.UserMsg)
	}
	if e.FBTraceID != "" {
		fmt.Fprintf(&b, " [fbtrace_id %s]", e.FBTraceID)
	}
	return b.String()
}

// ClassifyStatus handles answers that carry no Graph error. setting names
// the configuration of the base URL, for the message.
func ClassifyStatus(platform, setting string, status int) *serentak.PublishError {
	code := "http_" + strconv.Itoa(status)
	switch {
	case status == http.StatusTooManyRequests:
		return &serentak.PublishError{Kind: serentak.RateLimited, RetryAfter: DefaultRateLimitWait, Code: code,
			Message: platform + " answered HTTP 429 Too Many Requests; it will be retried in a minute."}
	case status >= 500:
		return &serentak.PublishError{Kind: serentak.Transient, Code: code,
			Message: fmt.Sprintf("%s answered HTTP %d without a Graph error; it will be retried.", platform, status)}
	}
	return &serentak.PublishError{Kind: serentak.Rejected, Code: code,
		Message: fmt.Sprintf("%s answered HTTP %d without a Graph error; check %s and the API version.", platform, status, setting)}
}

// RegainAccess reads estimated_time_to_regain_access (minutes) from the
// usage headers and returns the longest wait any of them asks for; 0 when
// none does.
func RegainAccess(h http.Header) time.Duration {
	minutes := 0
	// X-Business-Use-Case-Usage: {"<id>":[{"type":"pages",…,"estimated_time_to_regain_access":N}]}
	var buc map[string][]struct {
		Regain int `json:"estimated_time_to_regain_access"`
	}
	if json.Unmarshal([]byte(h.Get("X-Business-Use-Case-Usage")), &buc) == nil {
		for _, items := range buc {
			for _, it := range items {
				minutes = max(minutes, it.Regain)
			}
		}
	}
	// X-App-Usage and X-Page-Usage: {"call_count":…,"estimated_time_to_regain_access":N}
	for _, name := range []string{"X-App-Usage", "X-Page-Usage"} {
		var u struct {
			Regain int `json:"estimated_time_to_regain_access"`
		}
		if json.Unmarshal([]byte(h.Get(name)), &u) == nil {
			minutes = max(minutes, u.Regain)
		}
	}
	return time.Duration(minutes) * time.Minute
}

// Redact removes token from an error's text, including the text of the
// error a *serentak.PublishError wraps. The token travels in a header,
// never in a URL, but nothing a publisher returns may ever carry it.
func Redact(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	pe, ok := err.(*serentak.PublishError)
	if !ok {
		if !strings.Contains(err.Error(), token) {
			return err
		}
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), token, "[redacted]"))
	}
	if !strings.Contains(pe.Message, token) && (pe.Err == nil || !strings.Contains(pe.Err.Error(), token)) {
		return err
	}
	c := *pe
	c.Message = strings.ReplaceAll(c.Message, token, "[redacted]")
	if c.Err != nil && strings.Contains(c.Err.Error(), token) {
		c.Err = fmt.Errorf("%s", strings.ReplaceAll(c.Err.Error(), token, "[redacted]"))
	}
	return &c
}
