package app

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/internal/fakestack"
	"github.com/serentak/serentak/media/mediatest"
	"github.com/serentak/serentak/testkit"
)

// collector is an OTLP/HTTP trace receiver: it decodes each
// ExportTraceServiceRequest and keeps its spans, with their service name.
type collector struct {
	mu    sync.Mutex
	spans []gotSpan
}

type gotSpan struct {
	service string
	span    *tracepb.Span
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.Key == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.spans = append(c.spans, gotSpan{service: service, span: s})
			}
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

func (c *collector) all() []gotSpan {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]gotSpan(nil), c.spans...)
}

func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return anyValue(kv.Value)
		}
	}
	return ""
}

func anyValue(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue)
	case *commonpb.AnyValue_BoolValue:
		return fmt.Sprint(x.BoolValue)
	}
	return fmt.Sprint(v)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The "done when": with OTEL_EXPORTER_OTLP_ENDPOINT set, one post
// to the four (fake) platforms is one trace in the collector, from the
// POST /posts request through the scheduler and the workers to every
// platform's API. The OAuth callbacks that connected the accounts, the
// webhook the post's publication sent and a token refresh by the keeper
// are spans too, and no span carries a token, an OAuth code or state,
// the webhook's URL or its signing secret.
func TestOnePostIsOneTraceToFourPlatforms(t *testing.T) {
	col := &collector{}
	otlp := httptest.NewServer(col)
	defer otlp.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test")

	addr := freeAddr(t)
	stack, err := fakestack.Start(fakestack.Config{PublicURL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	dir := t.TempDir()
	env := map[string]string{
		"SERENTAK_ADDR":           addr,
		"SERENTAK_DATA_DIR":       dir,
		"SERENTAK_DATABASE_URL":   filepath.Join(dir, "serentak.db"),
		"SERENTAK_ADMIN_KEY":      "test-operator-key",
		"SERENTAK_SECRET_KEY":     "test-secret-key",
		"SERENTAK_SCHEDULER_TICK": "50ms",
		"SERENTAK_CONFIG":         os.DevNull,
		// The webhook receiver below is on 127.0.0.1.
		"SERENTAK_WEBHOOK_ALLOW_PRIVATE": "true",
	}
	for k, v := range stack.Env() {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.Buffer{}
	a := New(cfg, Serve, logs)
	listening := make(chan string, 1)
	a.Listening = listening
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run after stop: %v", err)
		}
		if err := a.Close(); err != nil { // exports the last spans
			t.Errorf("Close: %v", err)
		}
	}
	defer stop()
	select {
	case <-listening:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the API did not listen within 30s")
	}
	base := "http://" + addr

	call := func(method, path, key string, body any) (int, map[string]any) {
		t.Helper()
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, r)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		return do(t, req)
	}
	code, out := call("POST", "/v1/workspaces", "test-operator-key", map[string]any{"name": "Dapur Bu Sari", "timezone": "Asia/Jakarta"})
	if code != 201 {
		t.Fatalf("create workspace: %d %v", code, out)
	}
	ws, key := out["id"].(string), out["api_key"].(string)

	// A receiver whose URL holds secrets of its own, in its path and its
	// query, as receivers' URLs do.
	hooks := make(chan http.Header, 8)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case hooks <- r.Header.Clone():
		default:
		}
	}))
	defer receiver.Close()
	secrets := []string{"pathsecret7Qx", "querysecret9Zk"} // anything no span may carry
	code, hook := call("POST", "/v1/workspaces/"+ws+"/webhooks", key, map[string]any{
		"url": receiver.URL + "/hooks/" + secrets[0] + "?key=" + secrets[1], "events": []string{"post.published"}})
	if code != 201 {
		t.Fatalf("create webhook: %d %v", code, hook)
	}
	signing, _ := hook["secret"].(string)
	secrets = append(secrets, signing, strings.TrimPrefix(signing, "whsec_"))

	// The OAuth codes and states of the logins, seen in the redirects to
	// the callback.
	browser := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		for _, k := range []string{"code", "state"} {
			if v := r.URL.Query().Get(k); v != "" {
				secrets = append(secrets, v)
			}
		}
		return nil
	}}
	accounts := map[string]string{}
	for _, p := range []string{"facebook", "instagram", "youtube", "tiktok"} {
		code, out := call("GET", "/v1/workspaces/"+ws+"/accounts/connect/"+p, key, nil)
		authorize, _ := out["authorize_url"].(string)
		if code != 200 || authorize == "" {
			t.Fatalf("connect %s: %d %v", p, code, out)
		}
		req, _ := http.NewRequest("GET", authorize, nil)
		code, out = doWith(t, browser, req)
		data, _ := out["data"].([]any)
		if code != 200 || len(data) != 1 {
			t.Fatalf("%s login and callback: %d %v, want one account", p, code, out)
		}
		accounts[p] = data[0].(map[string]any)["id"].(string)
	}
	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 15 * time.Second, FPS: 30, DataSize: 1 << 20}.Bytes()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "keripik.mp4")
	fw.Write(video)
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/v1/workspaces/"+ws+"/media", &form)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	code, med := do(t, req)
	if code != 201 {
		t.Fatalf("upload: %d %v", code, med)
	}
	code, post := call("POST", "/v1/workspaces/"+ws+"/posts", key, map[string]any{
		"product": map[string]any{"name": "Keripik Singkong Pedas", "price": map[string]any{"amount": 25000, "currency": "IDR"},
			"description": "Renyah, pedas, tanpa pengawet.", "url": "https://wa.me/6281234567890"},
		"media": []map[string]any{{"id": med["id"]}},
		"targets": []map[string]any{{"account_id": accounts["facebook"]}, {"account_id": accounts["instagram"]},
			{"account_id": accounts["youtube"]}, {"account_id": accounts["tiktok"], "options": map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE"}}},
		"scheduled_at": time.Now().Add(time.Second).Format(time.RFC3339Nano),
	})
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	postID := post["id"].(string)
	testkit.WaitFor(t, 2*time.Minute, "the post to be published", func() bool {
		code, post = call("GET", "/v1/workspaces/"+ws+"/posts/"+postID, key, nil)
		st := post["status"]
		return code != 200 || (st != "scheduled" && st != "publishing")
	})
	if post["status"] != "published" {
		t.Fatalf("post %v, want published: %v", post["status"], post)
	}
	var signature string
	select {
	case h := <-hooks:
		signature = h.Get("webhook-signature")
	case <-time.After(time.Minute):
		t.Fatal("no webhook within a minute of the post's publication")
	}

	// The keeper refreshes the YouTube token once it is near its expiry:
	// make it so, and run a refresh pass.
	tokens := func() []string {
		var out []string
		for _, id := range accounts {
			acc, err := a.store.FindAccountByID(ctx, ws, id)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, acc.Token.AccessToken, acc.Token.RefreshToken)
		}
		return out
	}
	secrets = append(append(secrets, signature), tokens()...)
	yt, err := a.store.FindAccountByID(ctx, ws, accounts["youtube"])
	if err != nil {
		t.Fatal(err)
	}
	if yt.Token.RefreshToken == "" {
		t.Fatal("the YouTube account has no refresh token")
	}
	soon := yt.Token
	soon.ExpiresAt = time.Now().Add(time.Minute)
	if ok, err := a.store.SwapAccountToken(ctx, ws, yt.ID, yt.Token.RefreshToken, soon); err != nil || !ok {
		t.Fatalf("SwapAccountToken = %v, %v", ok, err)
	}
	if n, err := a.oauth.keeper.RefreshDue(ctx); err != nil || n != 1 {
		t.Fatalf("RefreshDue = %d, %v; want the YouTube token refreshed", n, err)
	}
	secrets = append(secrets, tokens()...) // the refreshed ones too
	stop()

	spans := col.all()
	var root *tracepb.Span
	for _, s := range spans {
		if s.span.Name == "POST /v1/workspaces/:ws/posts" {
			if s.service != "serentak-serve" {
				t.Errorf("service.name %q, want serentak-serve", s.service)
			}
			root = s.span
		}
	}
	if root == nil {
		t.Fatalf("no POST /posts server span among %d spans", len(spans))
	}
	if attr(root, "http.response.status_code") != "201" || root.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("POST /posts span: kind %v, status %q; want a server span, 201", root.Kind, attr(root, "http.response.status_code"))
	}
	traceID := hex.EncodeToString(root.TraceId)
	var scheduled int
	published := map[string]int{} // delivery ID → worker spans (a retry is one more)
	platforms := map[string]int{}
	for _, s := range spans {
		sp := s.span
		if !bytes.Equal(sp.TraceId, root.TraceId) {
			continue
		}
		switch {
		case sp.Name == "scheduler enqueue":
			scheduled++
		case sp.Name == "worker publish":
			published[attr(sp, "serentak.delivery.id")]++
		case sp.Kind == tracepb.Span_SPAN_KIND_CLIENT && attr(sp, "serentak.platform") != "":
			platforms[attr(sp, "serentak.platform")]++
			if tmpl := attr(sp, "url.template"); strings.Contains(tmpl, "?") {
				t.Errorf("client span %q has a query in url.template %q", sp.Name, tmpl)
			}
		}
	}
	t.Logf("trace %s: %d spans in all; scheduler %d, worker %v, platform calls %v", traceID, len(spans), scheduled, published, platforms)
	if scheduled < 1 {
		t.Errorf("no scheduler span in the post's trace")
	}
	if len(published) != 4 {
		t.Errorf("worker publish spans of %d deliveries in the post's trace (%v), want 4", len(published), published)
	}
	for _, p := range []string{"facebook", "instagram", "youtube", "tiktok"} {
		if platforms[p] == 0 {
			t.Errorf("no %s client span in the post's trace", p)
		}
	}

	// The OAuth callbacks: a span each, whose children are the client
	// spans of the calls to the platform, the code exchange among them
	// (Graph's GET /oauth/access_token, the others' POST …/token).
	callbacks := map[string]bool{}
	for _, s := range spans {
		if s.span.Name != "connect callback" {
			continue
		}
		p := attr(s.span, "serentak.platform")
		callbacks[p] = true
		if attr(s.span, "serentak.workspace.id") != ws || attr(s.span, "serentak.connect.accounts") != "1" {
			t.Errorf("%s callback span: workspace %q, accounts %q; want %s, 1", p, attr(s.span, "serentak.workspace.id"), attr(s.span, "serentak.connect.accounts"), ws)
		}
		var exchange bool
		for _, c := range spans {
			if bytes.Equal(c.span.ParentSpanId, s.span.SpanId) && c.span.Kind == tracepb.Span_SPAN_KIND_CLIENT &&
				strings.HasSuffix(c.span.Name, " "+p) && strings.Contains(attr(c.span, "url.template"), "token") {
				exchange = true
			}
		}
		if !exchange {
			t.Errorf("the %s callback span has no client span of the token exchange (…token…)", p)
		}
	}
	if len(callbacks) != 4 {
		t.Errorf("callback spans of %v, want the four platforms", callbacks)
	}

	// The webhook: one client span per attempt, naming the endpoint by
	// its ID and the event by its type.
	var hookSpans int
	for _, s := range spans {
		if s.span.Name != "webhook send" {
			continue
		}
		hookSpans++
		if s.span.Kind != tracepb.Span_SPAN_KIND_CLIENT || attr(s.span, "serentak.webhook.endpoint.id") != hook["id"] ||
			attr(s.span, "serentak.webhook.event_type") != "post.published" || attr(s.span, "http.response.status_code") != "200" ||
			attr(s.span, "serentak.webhook.outcome") != "succeeded" {
			t.Errorf("webhook span: kind %v, attributes %v; want a client span of endpoint %v, post.published, 200, succeeded", s.span.Kind, s.span.Attributes, hook["id"])
		}
	}
	if hookSpans != 1 {
		t.Errorf("%d webhook send spans, want 1", hookSpans)
	}

	// The keeper's refresh: a span of the account, parent of the call to
	// Google's token endpoint.
	var refreshed bool
	for _, s := range spans {
		if s.span.Name != "keepalive refresh" || attr(s.span, "serentak.account.id") != yt.ID {
			continue
		}
		for _, c := range spans {
			if bytes.Equal(c.span.ParentSpanId, s.span.SpanId) && c.span.Name == "POST youtube" {
				refreshed = true
			}
		}
	}
	if !refreshed {
		t.Errorf("no keepalive refresh span of the YouTube account with its POST youtube child")
	}

	// No span, of any trace, carries a token, an OAuth code or state, a
	// query string's secret, a webhook's URL secret, signing secret or
	// signature.
	for _, s := range spans {
		texts := []string{s.span.Name}
		for _, kv := range s.span.Attributes {
			texts = append(texts, kv.Key+"="+anyValue(kv.Value))
		}
		for _, ev := range s.span.Events {
			for _, kv := range ev.Attributes {
				texts = append(texts, kv.Key+"="+anyValue(kv.Value))
			}
		}
		texts = append(texts, s.span.GetStatus().GetMessage())
		for _, text := range texts {
			for _, bad := range append([]string{"EAAB", "access_token=", "Bearer", "act.", "ya29.", "client_secret"}, secrets...) {
				if bad != "" && strings.Contains(text, bad) {
					t.Errorf("span %q carries %q: %s", s.span.Name, bad, text)
				}
			}
		}
	}

	// Every worker line about a delivery of the post names it, the post,
	// the workspace and the trace.
	var lines int
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil || line["msg"] != "delivery published" {
			continue
		}
		lines++
		if line["post_id"] != postID || line["workspace_id"] != ws || line["delivery_id"] == nil || line["trace_id"] != traceID {
			t.Errorf("log line %v: want delivery_id, post_id %s, workspace_id %s, trace_id %s", line, postID, ws, traceID)
		}
	}
	if lines != 4 {
		t.Errorf("%d \"delivery published\" log lines, want 4", lines)
	}
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	return doWith(t, http.DefaultClient, req)
}

// doWith is do through client.
func doWith(t *testing.T, client *http.Client, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// Tracing is off unless an OTLP endpoint is set: no provider is built,
// nothing of the SDK runs, and nothing is sent, not even with an endpoint
// set when OTEL_SDK_DISABLED says so.
func TestTracingOffConnectsNowhere(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"no endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ""}},
		{"sdk disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + ln.Addr().String(), "OTEL_SDK_DISABLED": "true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "10")
			a := New(testConfig(t, nil), Serve, io.Discard)
			listening := make(chan string, 1)
			a.Listening = listening
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx) }()
			addr := <-listening
			if a.tracer != nil {
				t.Errorf("tracer %T built with tracing off", a.tracer)
			}
			resp, err := http.Get("http://" + addr + "/v1/workspaces")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			buf := make([]byte, 1<<20)
			if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "go.opentelemetry.io/otel/sdk") {
				t.Errorf("an OpenTelemetry SDK goroutine runs with tracing off")
			}
			// Stopping would export the spans still batched, were there any.
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			if err := a.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if n := accepted.Load(); n != 0 {
				t.Errorf("%d connections to the OTLP endpoint with tracing off", n)
			}
		})
	}
}

// The protocol is the standard variable's: http/protobuf by default, grpc
// on request, anything else refused at start with the variable named.
func TestTracingProtocol(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "")
	for _, tc := range []struct{ protocol, wantErr string }{
		{"", ""}, {"http/protobuf", ""}, {"grpc", ""}, {"http/json", "OTEL_EXPORTER_OTLP_PROTOCOL"},
	} {
		t.Run(cmp.Or(tc.protocol, "default"), func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", tc.protocol)
			a := New(testConfig(t, nil), Roles{Worker: true}, io.Discard)
			tp, err := a.openTracing(context.Background())
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("openTracing = %v, want an error naming %s", err, tc.wantErr)
				}
			case err != nil || tp == nil:
				t.Errorf("openTracing = %v, %v; want a provider", tp, err)
			}
			if err := a.Close(); err != nil { // no span was made, so none is sent
				t.Errorf("Close: %v", err)
			}
		})
	}
}
