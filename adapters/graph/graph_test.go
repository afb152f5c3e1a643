package graph_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

func TestRegainAccess(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		want    time.Duration
	}{
		{"none", nil, 0},
		{"business use case", map[string]string{"X-Business-Use-Case-Usage": `{"1":[{"type":"pages","estimated_time_to_regain_access":7}]}`}, 7 * time.Minute},
		{"longest of several BUC items", map[string]string{"X-Business-Use-Case-Usage": `{"1":[{"estimated_time_to_regain_access":2}],"2":[{"estimated_time_to_regain_access":9}]}`}, 9 * time.Minute},
		{"app usage", map[string]string{"X-App-Usage": `{"call_count":100,"estimated_time_to_regain_access":3}`}, 3 * time.Minute},
		{"page usage beats BUC", map[string]string{"X-Page-Usage": `{"estimated_time_to_regain_access":12}`, "X-Business-Use-Case-Usage": `{"1":[{"estimated_time_to_regain_access":4}]}`}, 12 * time.Minute},
		{"not JSON", map[string]string{"X-App-Usage": `garbage`}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.headers {
				h.Set(k, v)
			}
			if got := graph.RegainAccess(h); got != tc.want {
				t.Errorf("RegainAccess = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecodeError(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		ok    bool
		code  string
		quote string
	}{
		{"code and subcode", `{"error":{"message":"Session has expired","code":190,"error_subcode":463,"error_user_msg":"Log in again","fbtrace_id":"A1"}}`, true, "190/463", ` Facebook said: "Session has expired" (Log in again) [fbtrace_id A1]`},
		{"code only", `{"error":{"message":"m","code":4}}`, true, "4", ` Facebook said: "m"`},
		{"user message same as message", `{"error":{"message":"m","code":4,"error_user_msg":"m"}}`, true, "4", ` Facebook said: "m"`},
		{"HTML", `<html>Bad Gateway</html>`, false, "", ""},
		{"no error object", `{"id":"1"}`, false, "", ""},
		{"empty error object", `{"error":{}}`, false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := graph.DecodeError([]byte(tc.body))
			if ok != tc.ok {
				t.Fatalf("DecodeError ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if got := e.CodeRef(); got != tc.code {
				t.Errorf("CodeRef = %q, want %q", got, tc.code)
			}
			if got := e.Quote("Facebook"); got != tc.quote {
				t.Errorf("Quote = %q, want %q", got, tc.quote)
			}
		})
	}
}

func TestClassifyStatus(t *testing.T) {
	tests := []struct {
		status int
		kind   serentak.PublishErrorKind
		retry  time.Duration
		says   string
	}{
		{429, serentak.RateLimited, time.Minute, "429"},
		{502, serentak.Transient, 0, "HTTP 502"},
		{404, serentak.Rejected, 0, "check SERENTAK_X_API_URL"},
	}
	for _, tc := range tests {
		got := graph.ClassifyStatus("Instagram", "SERENTAK_X_API_URL", tc.status)
		if got.Kind != tc.kind || got.RetryAfter != tc.retry || !strings.Contains(got.Message, tc.says) || !strings.HasPrefix(got.Message, "Instagram") {
			t.Errorf("ClassifyStatus(%d) = %+v, want kind %s, retry %v, saying %q", tc.status, got, tc.kind, tc.retry, tc.says)
		}
	}
}

func TestRedact(t *testing.T) {
	const tok = "EAAG-secret"
	plain := errors.New("nothing to hide")
	pe := &serentak.PublishError{Kind: serentak.Transient, Message: "clean"}
	tests := []struct {
		name string
		err  error
		same bool // returned unchanged
	}{
		{"plain error without token", plain, true},
		{"PublishError without token", pe, true},
		{"plain error with token", errors.New("GET ?access_token=" + tok + " failed"), false},
		{"token in message", &serentak.PublishError{Kind: serentak.Rejected, Message: "bad " + tok}, false},
		// Error() shows only Message when there is one: the wrapped error
		// is scrubbed too, for whoever unwraps it.
		{"token only in wrapped error", &serentak.PublishError{Kind: serentak.Unknown, Message: "lost", Err: errors.New("conn " + tok)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := graph.Redact(tc.err, tok)
			if tc.same && got != tc.err {
				t.Errorf("Redact changed an error with no token: %v", got)
			}
			if strings.Contains(got.Error(), tok) {
				t.Errorf("Redact left the token in %q", got.Error())
			}
			if inner := errors.Unwrap(got); inner != nil && strings.Contains(inner.Error(), tok) {
				t.Errorf("Redact left the token in the wrapped error %q", inner.Error())
			}
			var gotPE, wantPE *serentak.PublishError
			if errors.As(tc.err, &wantPE) && (!errors.As(got, &gotPE) || gotPE.Kind != wantPE.Kind) {
				t.Errorf("Redact lost the PublishError kind: %#v", got)
			}
		})
	}
	if graph.Redact(nil, tok) != nil {
		t.Error("Redact(nil) is not nil")
	}
}

// TestClientPost checks how a non-idempotent call's outcome is reported:
// a refusal is the platform's to classify, a call that never arrived is
// Transient, and a final call whose answer was lost is Unknown.
func TestClientPost(t *testing.T) {
	var token string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token = r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/v1.0/ok":
			w.Write([]byte(`{"id":"42"}`))
		case "/v1.0/refused":
			w.WriteHeader(400)
			w.Write([]byte(`{"error":{"message":"bad","code":100}}`))
		case "/v1.0/garbled":
			w.Write([]byte(`{"id":`))
		case "/v1.0/drop":
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}
	}))
	defer srv.Close()
	classified := 0
	c := &graph.Client{
		Endpoint: graph.NewEndpoint(srv.URL+"/", "v1.0", nil), Token: "tok",
		Platform: graph.Platform{Name: "Facebook", Setting: "SERENTAK_FACEBOOK_API_URL", Reconciles: "looks it up",
			ClassifyFunc: func(status int, body []byte, h http.Header) *serentak.PublishError {
				classified++
				return serentak.NewPublishError(serentak.Rejected, "100", "refused")
			}},
	}
	kind := func(err error) serentak.PublishErrorKind {
		var pe *serentak.PublishError
		if !errors.As(err, &pe) {
			t.Fatalf("%v is not a *PublishError", err)
		}
		return pe.Kind
	}
	ctx := context.Background()

	var out struct{ ID string }
	if err := c.Post(ctx, graph.Call{Step: "feed", Final: true, Path: "ok", ContentType: "application/json", Body: []byte("{}")}, &out); err != nil || out.ID != "42" {
		t.Fatalf("Post ok = %v, id %q", err, out.ID)
	}
	if token != "OAuth tok" {
		t.Errorf("Authorization = %q, want the token in an OAuth header", token)
	}

	refused := false
	err := c.Post(ctx, graph.Call{Step: "feed", Final: true, Path: "refused", RefusedFunc: func() { refused = true }}, &out)
	if kind(err) != serentak.Rejected || classified != 1 || !refused {
		t.Errorf("refused: %v, classified %d times, RefusedFunc called: %v", err, classified, refused)
	}

	if err := c.Post(ctx, graph.Call{Step: "feed", Final: true, Path: "garbled"}, &out); kind(err) != serentak.Unknown {
		t.Errorf("final call with an unreadable answer: %v, want Unknown", err)
	}
	if err := c.Post(ctx, graph.Call{Step: "upload", Path: "garbled"}, &out); kind(err) != serentak.Transient {
		t.Errorf("non-final call with an unreadable answer: %v, want Transient", err)
	}

	err = c.Post(ctx, graph.Call{Step: "feed", Final: true, Path: "drop"}, &out)
	if kind(err) != serentak.Unknown || !strings.Contains(err.Error(), "looks it up") {
		t.Errorf("final call whose answer was lost: %v, want Unknown saying what the next attempt does", err)
	}
	if err := c.Post(ctx, graph.Call{Step: "upload", Path: "drop"}, &out); kind(err) != serentak.Transient {
		t.Errorf("non-final call whose answer was lost: %v, want Transient", err)
	}

	down := *c
	down.Endpoint = graph.NewEndpoint("http://127.0.0.1:1", "v1.0", nil)
	if err := down.Post(ctx, graph.Call{Step: "feed", Final: true, Path: "ok"}, &out); kind(err) != serentak.Transient {
		t.Errorf("final call that could not connect: %v, want Transient (nothing was sent)", err)
	}
	if err := c.Get(ctx, "refused", nil, &out); kind(err) != serentak.Rejected {
		t.Errorf("Get refused: %v", err)
	}
}

// The checkpoint step saves "about to call" before the call, makes no call
// when that save fails, and a result recorded with Done is what the next
// attempt finds with Published.
func TestAttemptCheckpointStep(t *testing.T) {
	calls := 0
	var savedBeforeCall serentak.Checkpoint
	var last serentak.Checkpoint
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		savedBeforeCall = last
		w.Write([]byte(`{"id":"42"}`))
	}))
	defer srv.Close()
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	p := graph.NewPublisher(graph.Config{BaseURL: srv.URL, Now: func() time.Time { return now }}, graph.Platform{Name: "Facebook"})
	failSave := errors.New("disk full")
	saveErr := failSave
	req := serentak.PublishRequest{SaveFunc: func(_ context.Context, cp serentak.Checkpoint) error {
		if saveErr != nil {
			return saveErr
		}
		last = cp
		return nil
	}}
	a := p.NewAttempt(req)
	var out struct{ ID string }
	call := graph.Call{Step: "feed", Path: "1/feed", ContentType: "application/json", Body: []byte("{}")}
	var pe *serentak.PublishError
	if err := a.Step(context.Background(), call, &out); !errors.As(err, &pe) || pe.Kind != serentak.Transient || calls != 0 {
		t.Fatalf("Step with a failing save = %v after %d calls, want Transient and no call", err, calls)
	}
	saveErr = nil
	if err := a.Step(context.Background(), call, &out); err != nil || out.ID != "42" {
		t.Fatalf("Step = %v, %+v", err, out)
	}
	if savedBeforeCall[graph.CheckpointStep] != "feed" || savedBeforeCall[graph.CheckpointStepAt] != now.Format(time.RFC3339Nano) {
		t.Errorf("checkpoint saved before the call = %v, want step feed at %v", savedBeforeCall, now)
	}
	res := a.Done(context.Background(), "post_id", serentak.Result{ExternalID: "1_42", Permalink: "https://fb/1_42", PublishedAt: now})
	next := p.NewAttempt(serentak.PublishRequest{Checkpoint: last})
	if got, ok := next.Published("post_id"); !ok || !reflect.DeepEqual(got, res) {
		t.Errorf("Published = %+v, %v; want %+v", got, ok, res)
	}
}
