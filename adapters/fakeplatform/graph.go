package fakeplatform

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// What the Meta Graph fakes (fakegraph for Facebook, fakeig for Instagram)
// share of the Graph API's wire format, written from the documentation
// (docs/platforms/facebook.md, docs/platforms/instagram.md), not from the
// adapters' code.

// GraphError is an error answer in the Graph API's shape.
type GraphError struct {
	// Status is the HTTP status; 0 means 400, or 500 for codes 1 and 2.
	Status      int
	Code        int
	Subcode     int
	Type        string // default "OAuthException"
	Message     string
	UserMessage string // error_user_msg, when set
	IsTransient bool
	TraceID     string // fbtrace_id
	// RawBody, when set, is sent as-is with Content-Type text/html: the
	// non-JSON pages a proxy or load balancer answers with.
	RawBody string
}

// WriteGraphError writes e and returns the status it answered with.
func WriteGraphError(w http.ResponseWriter, e GraphError) int {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
		if e.Code == 1 || e.Code == 2 {
			status = http.StatusInternalServerError
		}
	}
	if e.RawBody != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, e.RawBody)
		return status
	}
	typ := e.Type
	if typ == "" {
		typ = "OAuthException"
	}
	obj := map[string]any{
		"message":      e.Message,
		"type":         typ,
		"code":         e.Code,
		"is_transient": e.IsTransient,
		"fbtrace_id":   e.TraceID,
	}
	if e.Subcode != 0 {
		obj["error_subcode"] = e.Subcode
	}
	if e.UserMessage != "" {
		obj["error_user_msg"] = e.UserMessage
	}
	WriteJSON(w, status, map[string]any{"error": obj})
	return status
}

// WriteJSON answers v as JSON, as the Graph API does.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"message":"fake: cannot encode answer","code":1}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(b)
}

// GraphUsage is what a fake reports in Meta's rate-limit usage headers.
type GraphUsage struct {
	// ID is the business object the usage is about (a Page, an IG user);
	// "0" when empty.
	ID string
	// Type is the Business Use Case: "pages", "instagram".
	Type string
	// N is the request's number since the fake started; usage grows with
	// it, 1% per 10 calls, up to 99%.
	N int
	// RegainMinutes, when above 0, reports the quota as used up with
	// estimated_time_to_regain_access set, as Meta does when it throttles.
	RegainMinutes int
	// AppUsage adds X-App-Usage (Facebook sends it; Instagram does not).
	AppUsage bool
	// TracePrefix starts X-Fb-Trace-Id.
	TracePrefix string
}

// Set writes the usage headers.
func (u GraphUsage) Set(h http.Header) {
	pct := min(99, u.N/10)
	if u.RegainMinutes > 0 {
		pct = 100
	}
	id := u.ID
	if id == "" {
		id = "0"
	}
	buc, _ := json.Marshal(map[string][]map[string]any{id: {{
		"type": u.Type, "call_count": pct, "total_cputime": pct / 2, "total_time": pct / 2,
		"estimated_time_to_regain_access": max(u.RegainMinutes, 0),
	}}})
	if u.AppUsage {
		app, _ := json.Marshal(map[string]int{"call_count": pct, "total_cputime": pct / 2, "total_time": pct / 2})
		h.Set("X-App-Usage", string(app))
	}
	h.Set("X-Business-Use-Case-Usage", string(buc))
	h.Set("X-Fb-Trace-Id", u.TracePrefix+strconv.Itoa(u.N))
}

// GraphToken finds a request's access token: the Authorization header
// (OAuth or Bearer) or, failing that, the access_token parameter param.
func GraphToken(r *http.Request, param string) string {
	if h := r.Header.Get("Authorization"); h != "" {
		for _, scheme := range []string{"OAuth ", "Bearer "} {
			if len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
				return strings.TrimSpace(h[len(scheme):])
			}
		}
	}
	return param
}

// GraphFields reads a fields parameter, checking each field against the
// node type's fields as the Graph does; def when raw is empty.
func GraphFields(raw string, allowed, def []string, nodeType string) ([]string, error) {
	if raw == "" {
		return def, nil
	}
	var out []string
	for _, f := range strings.Split(raw, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == f
		}
		if !ok {
			return nil, fmt.Errorf("(#100) Tried accessing nonexisting field (%s) on node type (%s)", f, nodeType)
		}
		out = append(out, f)
	}
	return out, nil
}

// GraphFault is an answer a fake Graph API (Facebook's, Instagram's) gives
// instead of doing the work, or, with Drop, after doing it.
type GraphFault struct {
	// Status is the HTTP status; 0 means 400, or 500 for codes 1 and 2.
	Status      int
	Code        int
	Subcode     int
	Type        string // default "OAuthException"
	Message     string // default: the real API's wording for the code
	UserMessage string // error_user_msg, when set
	IsTransient bool
	// RegainAccessMinutes is put in X-Business-Use-Case-Usage as
	// estimated_time_to_regain_access, as Meta does when it throttles.
	RegainAccessMinutes int
	// RawBody, when set, is sent as-is with Content-Type text/html: the
	// non-JSON pages a proxy or load balancer answers with.
	RawBody string
	// Drop makes the fake do the work (the post is made, the media
	// published) and then close the connection without answering: the
	// "outcome unknown" case.
	Drop bool
	// HangUp closes the connection without doing the work: the request
	// reached the server, but nothing was made and no answer comes.
	HangUp bool
}

// Write answers with the fault as a Graph error. wording gives the real
// API's message for a code when the fault has none; traceID is put in
// fbtrace_id. It returns the HTTP status written.
func (f GraphFault) Write(w http.ResponseWriter, traceID string, wording func(code, subcode int) string) int {
	msg := f.Message
	if msg == "" {
		msg = wording(f.Code, f.Subcode)
	}
	return WriteGraphError(w, GraphError{
		Status: f.Status, Code: f.Code, Subcode: f.Subcode, Type: f.Type, Message: msg,
		UserMessage: f.UserMessage, IsTransient: f.IsTransient, TraceID: traceID, RawBody: f.RawBody,
	})
}

// GraphExchange is how a Graph fake answers one request once it has
// stamped it and waited out its latency.
type GraphExchange struct {
	// Usage goes in the rate-limit headers; a fault's RegainAccessMinutes
	// is added to it.
	Usage GraphUsage
	// Fault is the injected fault for the request (FaultFor), nil for none.
	Fault *GraphFault
	// TraceID and Wording write the fault (GraphFault.Write).
	TraceID string
	Wording func(code, subcode int) string
	// MaxBody caps the body read of a request hung up on.
	MaxBody int64
	// Handle does the work and answers.
	Handle func(w http.ResponseWriter)
	// Record logs the call: the status answered (0 when hung up) and
	// whether a fault decided the answer.
	Record func(status int, faulted bool)
}

// ServeGraph answers a request as x says: the usage headers, then an
// injected fault instead of the work (a Drop does the work and hangs up, a
// HangUp reads the body and hangs up, any other fault answers its error),
// else Handle. The answer is made in a recorder and the call is logged
// before it is sent, so a client that has its answer also finds its call
// in the log.
func ServeGraph(w http.ResponseWriter, r *http.Request, x GraphExchange) {
	if x.Fault != nil {
		x.Usage.RegainMinutes = x.Fault.RegainAccessMinutes
	}
	x.Usage.Set(w.Header())
	rec := httptest.NewRecorder()
	status, faulted, hangUp := 0, x.Fault != nil, false
	switch f := x.Fault; {
	case f != nil && (f.Drop || f.HangUp):
		if f.Drop {
			// Do the work, then hang up: the post exists but the client
			// never learns its ID.
			x.Handle(rec)
		} else {
			io.Copy(io.Discard, io.LimitReader(r.Body, x.MaxBody))
		}
		hangUp = true
	case f != nil:
		status = f.Write(rec, x.TraceID, x.Wording)
	default:
		x.Handle(rec)
		status = rec.Code
	}
	x.Record(status, faulted)
	Answer(w, rec, hangUp)
}
