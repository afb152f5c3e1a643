package app

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/task"
)

// MetricsOff is the SERENTAK_METRICS_ADDR that serves no metrics listener.
const MetricsOff = "off"

// watchShared adds the gauges read from the database and from Redis to the
// registry; the scheduler role alone calls it, since every process of an
// install sees the same database and the same queues.
func (a *App) watchShared() {
	a.metrics.WatchStore(a.store, nil)
	insp := asynq.NewInspector(a.redis)
	a.onClose(insp.Close)
	queues := []string{task.QueueWebhooks}
	for _, p := range serentak.Platforms {
		queues = append(queues, task.Queue(p))
	}
	a.metrics.WatchQueues(insp, queues)
}

// metricsListener serves /metrics on SERENTAK_METRICS_ADDR for a process
// without the API (worker, scheduler); nil when the address is "off" or
// the process runs the API, which answers /metrics itself.
func (a *App) metricsListener() (part, error) {
	cfg := a.Config
	if a.Roles.API || cfg.MetricsAddr == MetricsOff || cfg.MetricsAddr == "" {
		return nil, nil
	}
	key := ""
	if !cfg.MetricsPublic {
		var err error
		if key, err = adminKey(cfg, false, a.Out, a.log); err != nil {
			return nil, fmt.Errorf("the metrics listener (SERENTAK_METRICS_ADDR) answers the operator key only: %w; or set SERENTAK_METRICS_PUBLIC=true (a private network), or SERENTAK_METRICS_ADDR=off", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (SERENTAK_METRICS_ADDR; \"off\" serves no metrics): %w", cfg.MetricsAddr, err)
	}
	a.log.Info("metrics listening", "addr", ln.Addr().String())
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", operatorOnly(key, a.metrics.Handler()))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, serentak.ECodeNotFound, "this listener serves GET /metrics only")
	})
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	return func(ctx context.Context) error {
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			return fmt.Errorf("metrics listener: %w", err)
		case <-ctx.Done():
		}
		shutCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		return srv.Shutdown(shutCtx)
	}, nil
}

// operatorOnly answers h to "Authorization: Bearer <key>" only, as the
// API's /metrics does; key "" lets everyone in (SERENTAK_METRICS_PUBLIC).
func operatorOnly(key string, h http.Handler) http.Handler {
	if key == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got = strings.TrimSpace(got)
		if !strings.EqualFold(scheme, "Bearer") || got == "" {
			writeError(w, http.StatusUnauthorized, serentak.ECodeUnauthorized, "send the operator key as Authorization: Bearer <key>")
			return
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(key)) != 1 {
			writeError(w, http.StatusUnauthorized, serentak.ECodeUnauthorized, "invalid operator key: only the operator key may read the metrics")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// writeError answers the API's error body (docs/api.md#errors).
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"code": code, "message": message, "details": []any{}},
	})
}
