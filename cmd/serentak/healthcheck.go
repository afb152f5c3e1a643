package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/internal/app"
)

// healthcheck is `serentak healthcheck`, for container images without a
// shell or curl (the distroless one): it exits 0 when the local process
// is ready, else 1, and says why in one line.
//
//	serentak healthcheck                  GET /readyz of the API on SERENTAK_ADDR (api, serve)
//	serentak healthcheck -url URL         any URL that answers 2xx when healthy
//	serentak healthcheck -role worker     the database and Redis answer (worker, scheduler: no HTTP server)
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stdout)
	rawURL := fs.String("url", "", "URL to GET; 2xx is healthy (default: /readyz on SERENTAK_ADDR)")
	role := fs.String("role", "api", "api or serve: ask the API's /readyz; worker or scheduler: ask the database and Redis")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck takes flags only, not %q", fs.Arg(0))
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	switch *role {
	case "api", "serve":
	case "worker", "scheduler":
		if *rawURL == "" {
			if err := app.CheckDependencies(ctx, cfg); err != nil {
				return fmt.Errorf("unhealthy: %w", oneLine(err))
			}
			fmt.Fprintln(stdout, "healthy: the database and Redis answer")
			return nil
		}
	default:
		return fmt.Errorf("healthcheck: unknown role %q (api, serve, worker, scheduler)", *role)
	}
	u := *rawURL
	if u == "" {
		u = readyURL(cfg.Addr)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// Straight to the local process: never through a proxy of the
	// environment.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("unhealthy: %s answered %s: %s", u, res.Status, oneLine(errors.New(string(body))))
	}
	fmt.Fprintf(stdout, "healthy: %s answered %s\n", u, res.Status)
	return nil
}

// readyURL is the /readyz of an API listening on addr (SERENTAK_ADDR): on
// this machine when it listens on every interface (":8080", "0.0.0.0:8080").
func readyURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = "", "8080"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz"
}

// oneLine keeps an error on one line, for a container's health log.
func oneLine(err error) error {
	b := []byte(err.Error())
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return errors.New(string(b))
}
