package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/serentak/serentak/adapters/graph"
	"github.com/serentak/serentak/tracing"
)

// tracingShutdownTimeout bounds the export of the last spans at Close.
const tracingShutdownTimeout = 5 * time.Second

// openTracing builds the process's TracerProvider when the standard
// OpenTelemetry variables ask for it (docs/tracing.md): tracing is on when
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set
// (and OTEL_SDK_DISABLED is not "true"), and off otherwise: then it returns
// nil, starts nothing and connects nowhere.
//
// The provider is handed down (api, scheduler, worker, the platform
// clients) rather than installed with otel.SetTracerProvider: tests run
// several Apps in one process, each with its own provider, and a global
// would mix their spans. Everything else (endpoint, headers, timeouts,
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, the
// batch settings) is read by the SDK itself.
func (a *App) openTracing(ctx context.Context) (trace.TracerProvider, error) {
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return nil, nil
	}
	if strings.EqualFold(strings.TrimSpace(os.Getenv("OTEL_SDK_DISABLED")), "true") {
		return nil, nil
	}
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var (
		exp *otlptrace.Exporter
		err error
	)
	// Neither constructor connects: the HTTP exporter dials at its first
	// export, the gRPC one lazily too.
	switch protocol {
	case "", "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL is %q; Serentak exports traces over http/protobuf (the default) or grpc", protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	// serentak-<command> unless OTEL_SERVICE_NAME or a service.name in
	// OTEL_RESOURCE_ATTRIBUTES says otherwise: Merge lets the second win.
	fromEnv, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("tracing: OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	res, err := resource.Merge(resource.NewSchemaless(attribute.String("service.name", "serentak-"+a.Roles.String())), fromEnv)
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	a.onClose(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), tracingShutdownTimeout)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("tracing: export the last spans: %w", err)
		}
		return nil
	})
	a.log.Info("tracing on: exporting spans over OTLP", "protocol", cmp.Or(protocol, "http/protobuf"))
	return tp, nil
}

// platformClient is the HTTP client of a platform's publisher with a
// client span per call (tracing.Transport), or nil, which leaves the
// adapter its own default client, when tracing is off. timeout and base
// are the adapter's defaults, kept.
func platformClient(tp trace.TracerProvider, platform string, timeout time.Duration, base *http.Transport) *http.Client {
	if tp == nil {
		return nil
	}
	return &http.Client{Timeout: timeout, Transport: tracing.Transport(base, tp, platform)}
}

// graphTransport is the Graph adapter's default transport: more idle
// connections per host than net/http keeps.
func graphTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = graph.MaxIdleConnsPerHost
	t.MaxIdleConnsPerHost = graph.MaxIdleConnsPerHost
	return t
}
