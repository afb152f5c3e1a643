package fakeplatform_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

type fault struct{ name string }

type call struct {
	path  string
	fault bool
}

type kit = fakeplatform.Kit[string, fault, call]

func TestFaults(t *testing.T) {
	var k kit
	if f := k.FaultFor("/a"); f != nil {
		t.Fatalf("fault %v with no rules", f)
	}
	k.FailNextWhere(2, fault{"first"}, func(p string) bool { return p == "/a" })
	k.Inject(func(p string) *fault { return &fault{"always"} })
	var got []string
	for _, p := range []string{"/b", "/a", "/a", "/a"} {
		got = append(got, k.FaultFor(p).name)
	}
	// Rules are consulted in order; FailNextWhere is used up after two.
	if diff := cmp.Diff([]string{"always", "first", "first", "always"}, got); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
	k.ClearFaults()
	if f := k.FaultFor("/a"); f != nil {
		t.Errorf("fault %v after ClearFaults", f)
	}
}

func TestCallLog(t *testing.T) {
	var k kit
	k.Record(call{"/a", false})
	k.Record(call{"/b", true})
	k.Record(call{"/a", true})
	calls := k.Calls()
	if diff := cmp.Diff([]call{{"/a", false}, {"/b", true}, {"/a", true}}, calls, cmp.AllowUnexported(call{})); diff != "" {
		t.Errorf("Calls (-want +got):\n%s", diff)
	}
	calls[0].path = "changed"
	if k.Calls()[0].path != "/a" {
		t.Error("Calls returned the log itself, not a copy")
	}
	if n := k.CountCallsWhere(func(c call) bool { return c.fault }); n != 2 {
		t.Errorf("CountCallsWhere = %d, want 2", n)
	}
}

func TestWait(t *testing.T) {
	var k kit
	if !k.Wait(context.Background()) {
		t.Fatal("Wait without latency = false")
	}
	k.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	if k.Wait(ctx) {
		t.Fatal("Wait = true although the context ended first")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Wait took %s after its context ended", d)
	}
}

func TestAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		rec.Header().Set("X-Made", "yes")
		rec.WriteHeader(http.StatusTeapot)
		io.WriteString(rec, "short and stout")
		fakeplatform.Answer(w, rec, r.URL.Path == "/hangup")
	}))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/answer")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Made") != "yes" || string(body) != "short and stout" {
		t.Errorf("answer = %d %v %q", resp.StatusCode, resp.Header, body)
	}

	if resp, err := http.Get(srv.URL + "/hangup"); err == nil {
		resp.Body.Close()
		t.Fatalf("hang-up answered %d", resp.StatusCode)
	} else if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") {
		t.Errorf("hang-up error = %v, want an EOF", err)
	}
}

func TestWriteGraphError(t *testing.T) {
	tests := []struct {
		name       string
		e          fakeplatform.GraphError
		status     int
		wantFields map[string]any
	}{
		{"default status 400", fakeplatform.GraphError{Code: 100, Message: "bad"}, 400,
			map[string]any{"code": 100.0, "message": "bad", "type": "OAuthException", "is_transient": false}},
		{"codes 1 and 2 are 500", fakeplatform.GraphError{Code: 2, IsTransient: true}, 500,
			map[string]any{"code": 2.0, "is_transient": true}},
		{"explicit status and subcode", fakeplatform.GraphError{Status: 403, Code: 10, Subcode: 7, UserMessage: "u", TraceID: "T"}, 403,
			map[string]any{"error_subcode": 7.0, "error_user_msg": "u", "fbtrace_id": "T"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if got := fakeplatform.WriteGraphError(rec, tc.e); got != tc.status || rec.Code != tc.status {
				t.Fatalf("status %d / %d, want %d", got, rec.Code, tc.status)
			}
			var env struct{ Error map[string]any }
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			for k, v := range tc.wantFields {
				if env.Error[k] != v {
					t.Errorf("error.%s = %v, want %v", k, env.Error[k], v)
				}
			}
		})
	}
	rec := httptest.NewRecorder()
	fakeplatform.WriteGraphError(rec, fakeplatform.GraphError{Status: 502, RawBody: "<html>bad gateway</html>"})
	if rec.Code != 502 || rec.Body.String() != "<html>bad gateway</html>" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("raw body answer = %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

func TestGraphUsage(t *testing.T) {
	h := http.Header{}
	fakeplatform.GraphUsage{ID: "42", Type: "pages", N: 250, AppUsage: true, TracePrefix: "T"}.Set(h)
	var buc map[string][]map[string]any
	if err := json.Unmarshal([]byte(h.Get("X-Business-Use-Case-Usage")), &buc); err != nil || buc["42"][0]["call_count"] != 25.0 || buc["42"][0]["type"] != "pages" {
		t.Errorf("X-Business-Use-Case-Usage = %q (%v)", h.Get("X-Business-Use-Case-Usage"), err)
	}
	if h.Get("X-App-Usage") == "" || h.Get("X-Fb-Trace-Id") != "T250" {
		t.Errorf("headers = %v", h)
	}

	h = http.Header{}
	fakeplatform.GraphUsage{Type: "instagram", N: 1, RegainMinutes: 7}.Set(h)
	if got := h.Get("X-Business-Use-Case-Usage"); !strings.Contains(got, `"0":`) || !strings.Contains(got, `"estimated_time_to_regain_access":7`) || !strings.Contains(got, `"call_count":100`) {
		t.Errorf("throttled X-Business-Use-Case-Usage = %q", got)
	}
	if h.Get("X-App-Usage") != "" {
		t.Errorf("X-App-Usage sent without AppUsage: %q", h.Get("X-App-Usage"))
	}
}

// ServeGraph does the work unless a fault says otherwise, logs each call
// before its answer leaves, and a Drop does the work and hangs up.
func TestServeGraph(t *testing.T) {
	type logged struct {
		status  int
		faulted bool
		worked  bool
	}
	var (
		mu       sync.Mutex // the handler runs on the server's goroutines
		faultFor *fakeplatform.GraphFault
		log      []logged
		worked   bool
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		worked = false
		fakeplatform.ServeGraph(w, r, fakeplatform.GraphExchange{
			Usage: fakeplatform.GraphUsage{ID: "1", Type: "pages", N: 1}, Fault: faultFor, TraceID: "T", MaxBody: 1 << 10,
			Wording: func(code, subcode int) string { return "worded" },
			Handle: func(w http.ResponseWriter) {
				worked = true
				fakeplatform.WriteJSON(w, http.StatusOK, map[string]string{"id": "42"})
			},
			Record: func(status int, faulted bool) { log = append(log, logged{status, faulted, worked}) },
		})
	}))
	defer srv.Close()
	get := func() (int, error) {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader("{}"))
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}

	if code, err := get(); err != nil || code != http.StatusOK {
		t.Fatalf("no fault: %d, %v", code, err)
	}
	mu.Lock()
	faultFor = &fakeplatform.GraphFault{Code: 4, RegainAccessMinutes: 3}
	mu.Unlock()
	if code, err := get(); err != nil || code != http.StatusBadRequest {
		t.Fatalf("fault: %d, %v; want 400", code, err)
	}
	mu.Lock()
	faultFor = &fakeplatform.GraphFault{Drop: true}
	mu.Unlock()
	if _, err := get(); err == nil {
		t.Fatal("Drop answered")
	}
	want := []logged{{200, false, true}, {400, true, false}, {0, true, true}}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, log, cmp.AllowUnexported(logged{})); diff != "" {
		t.Errorf("call log (-want +got):\n%s", diff)
	}
}
