package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/serentak/serentak/tracing"
)

func TestPathTemplate(t *testing.T) {
	for path, want := range map[string]string{
		"/v25.0/104857600123/feed":                   "/v25.0/{id}/feed",
		"/v25.0/17841400000000000/media_publish":     "/v25.0/{id}/media_publish",
		"/upload/youtube/v3/videos":                  "/upload/youtube/v3/videos",
		"/v2/post/publish/video/init/":               "/v2/post/publish/video/init/",
		"/upload/abcdefghijklmnopqrstuvwxyzABCDEFGH": "/upload/{id}",
		"/me/accounts":                               "/me/accounts",
		"":                                           "",
	} {
		if got := tracing.PathTemplate(path); got != want {
			t.Errorf("PathTemplate(%q) = %q, want %q", path, got, want)
		}
	}
}

// A platform call's span names the endpoint and never the token: Graph
// takes access_token in the query, the others in Authorization.
func TestTransportSpanCarriesNoToken(t *testing.T) {
	var sawTraceparent bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawTraceparent = r.Header.Get("traceparent") != ""
		w.WriteHeader(400)
	}))
	defer srv.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	client := &http.Client{Transport: tracing.Transport(nil, tp, "facebook")}

	ctx, parent := tracing.Tracer(tp).Start(context.Background(), "worker publish")
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v25.0/104857600123/feed?access_token=EAABsecret&message=hi", nil)
	req.Header.Set("Authorization", "Bearer EAABsecret")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want the call's and its parent's", len(spans))
	}
	call := spans[0]
	if call.Name() != "POST facebook" || call.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("span %q, parent %v; want \"POST facebook\", child of the publish span", call.Name(), call.Parent().SpanID())
	}
	got := map[string]string{}
	for _, kv := range call.Attributes() {
		got[string(kv.Key)] = kv.Value.Emit()
		if v := kv.Value.Emit(); strings.Contains(v, "EAAB") || strings.Contains(v, "access_token") || strings.Contains(v, "Bearer") {
			t.Errorf("attribute %s = %q carries the token", kv.Key, v)
		}
	}
	if got["url.template"] != "/v25.0/{id}/feed" || got["http.response.status_code"] != "400" || got["serentak.platform"] != "facebook" {
		t.Errorf("attributes %v", got)
	}
	if sawTraceparent {
		t.Error("the platform was sent our traceparent")
	}
}

func TestTraceParentRoundTrip(t *testing.T) {
	if got := tracing.TraceParent(context.Background()); got != "" {
		t.Errorf("TraceParent without a span = %q, want empty", got)
	}
	tp := sdktrace.NewTracerProvider()
	ctx, span := tracing.Tracer(tp).Start(context.Background(), "POST /posts")
	defer span.End()
	parent := tracing.TraceParent(ctx)
	want := span.SpanContext().TraceID().String()
	if !strings.Contains(parent, want) || tracing.TraceID(parent) != want {
		t.Errorf("traceparent %q, TraceID %q; want trace %s", parent, tracing.TraceID(parent), want)
	}
	_, child := tracing.Tracer(tp).Start(tracing.WithTraceParent(context.Background(), parent), "scheduler enqueue")
	if child.SpanContext().TraceID().String() != want {
		t.Errorf("a span started from the stored traceparent is in trace %s, want %s", child.SpanContext().TraceID(), want)
	}
	if tracing.TraceID("garbage") != "" || tracing.LogAttrs(context.Background()) != nil {
		t.Error("a malformed traceparent or no span should name no trace")
	}
}
