package tracing

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Transport returns base wrapped so that every request through it is a
// client span of tp, named "<METHOD> <platform>", child of the request's
// context. A span records only what is safe to show anyone who can read
// traces: the platform, the method, the host, the path as a template
// (PathTemplate: IDs of pages, media and upload sessions replaced), the
// answer's status. Never the query string (Graph sends access_token in
// it), never a header (Authorization), never a body.
//
// No traceparent is sent to the platform: our trace IDs are of no use to a
// third party and would tell it about our traffic.
//
// base is http.DefaultTransport when nil; tp nil returns base unchanged.
func Transport(base http.RoundTripper, tp trace.TracerProvider, platform string) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if tp == nil {
		return base
	}
	return &transport{base: base, tracer: Tracer(tp), platform: platform}
}

type transport struct {
	base     http.RoundTripper
	tracer   trace.Tracer
	platform string
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	tmpl := PathTemplate(req.URL.Path)
	ctx, span := t.tracer.Start(req.Context(), req.Method+" "+t.platform,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("serentak.platform", t.platform),
			attribute.String("http.request.method", req.Method),
			attribute.String("server.address", req.URL.Hostname()),
			attribute.String("url.template", tmpl),
		))
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		span.SetStatus(codes.Error, "request failed")
		span.SetAttributes(attribute.String("error.type", fmt.Sprintf("%T", err)))
		span.End()
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	// The span ends with the answer's headers; the body is the caller's to
	// read, and a span left open on it would never end on a body not read.
	span.End()
	return resp, nil
}

// version is an API version segment kept as it is: v2, v25.0.
var version = regexp.MustCompile(`^v[0-9]+(\.[0-9]+)?$`)

// PathTemplate returns path with every segment that may be an identifier
// (it holds a digit and is not an API version, or is longer than 32
// characters) replaced by "{id}": Graph's page and container IDs, YouTube's
// video IDs, TikTok's publish IDs. What is left names the endpoint, so
// spans of one endpoint share a name-able shape and carry no ID.
func PathTemplate(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s == "" || version.MatchString(s) {
			continue
		}
		if len(s) > 32 || strings.ContainsAny(s, "0123456789") {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}
