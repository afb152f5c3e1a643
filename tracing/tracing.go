// Package tracing is what Serentak's parts share of OpenTelemetry tracing:
// the W3C traceparent a delivery carries from the request that made it,
// through the database and the queue, to the worker that publishes it; the
// client spans of calls to the platforms; and the trace ID in log lines.
//
// It holds no state. The TracerProvider is built once, in internal/app, and
// handed down to the API, the scheduler, the worker and the platform
// clients; a nil provider anywhere means tracing is off (noop), so every
// part still runs, and is tested, without it.
package tracing

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Scope is the instrumentation scope every Serentak tracer is named by.
const Scope = "github.com/serentak/serentak"

// Tracer returns the Serentak tracer of tp; a no-op tracer when tp is nil
// (tracing off).
func Tracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		return noop.NewTracerProvider().Tracer(Scope)
	}
	return tp.Tracer(Scope)
}

// traceContext is the W3C Trace Context propagator: a value with no state,
// made where it is used rather than installed globally.
func traceContext() propagation.TraceContext { return propagation.TraceContext{} }

// TraceParent returns the W3C traceparent of ctx's span ("00-<trace>-<span>-01"),
// or "" when ctx has no valid span (tracing off).
func TraceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	h := http.Header{}
	traceContext().Inject(ctx, propagation.HeaderCarrier(h))
	return h.Get("traceparent")
}

// WithTraceParent returns ctx with the span of traceparent as its remote
// parent, so a span started from it continues that trace; ctx itself when
// traceparent is empty or malformed.
func WithTraceParent(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	h := http.Header{}
	h.Set("traceparent", traceparent)
	return traceContext().Extract(ctx, propagation.HeaderCarrier(h))
}

// FromHeader returns ctx with the remote parent a request's traceparent
// (and tracestate) names, when it names one.
func FromHeader(ctx context.Context, h http.Header) context.Context {
	return traceContext().Extract(ctx, propagation.HeaderCarrier(h))
}

// LogAttrs returns the trace_id of ctx's span as slog arguments to add
// with Logger.With, or nothing when there is no span (tracing off).
func LogAttrs(ctx context.Context) []any {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []any{"trace_id", sc.TraceID().String()}
}

// TraceID returns the trace ID a traceparent names, or "" when it names
// none.
func TraceID(traceparent string) string {
	sc := trace.SpanContextFromContext(WithTraceParent(context.Background(), traceparent))
	if !sc.IsValid() {
		return ""
	}
	return sc.TraceID().String()
}
