package api

import (
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/serentak/serentak/tracing"
)

// traceMiddleware makes one server span per request, child of the caller's
// W3C traceparent when it sends one. The span is named by the method and
// the route's template ("POST /v1/workspaces/:ws/posts"), never the path
// itself, which holds IDs; it records no query, header or body.
func (s *Server) traceMiddleware() echo.MiddlewareFunc {
	tracer := tracing.Tracer(s.cfg.TracerProvider)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ctx := tracing.FromHeader(req.Context(), req.Header)
			route := c.Path()
			if route == "" {
				route = "unmatched route"
			}
			ctx, span := tracer.Start(ctx, req.Method+" "+route,
				trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(
					attribute.String("http.request.method", req.Method),
					attribute.String("http.route", route),
				))
			defer span.End()
			c.SetRequest(req.WithContext(ctx))
			err := next(c)
			if err != nil {
				c.Error(err) // the answer's status is known only once written
			}
			status := c.Response().Status
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, "server error")
			}
			return nil
		}
	}
}
