// Command serentak-bench measures Serentak's pipeline (BENCHMARKS.md): a
// burst of posts created through the API, all due at the same second,
// published to a fake Facebook Graph API running in a child process; then
// how a fresh `serentak serve` starts, idles and stops.
//
//	go run ./cmd/serentak-bench -posts 1000 -rate 200
//
// Flags: -posts, -rate, -latency, -pages, -bare, -webhook-delay (a webhook
// endpoint whose receiver answers after that long), -auth (key, session or
// both: the credential the posts are created with), -cpuprofile, and
// -serentak (the binary whose start is measured; built from ./cmd/serentak
// when not given). -soak runs the soak instead: -soak-deliveries
// (200,000) spread evenly over -soak-duration (30m), sampled every
// -soak-sample (1m), with serve as a child process. SERENTAK_DATABASE_URL and SERENTAK_REDIS_URL choose the
// backends, as for serentak itself; unset, a throwaway SQLite file and the
// embedded Redis. SERENTAK_ADDR fixes the API's address (a free port
// otherwise), for a Prometheus to scrape its /metrics (docs/monitoring.md).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "serentak-bench:", err)
		os.Exit(1)
	}
}

// run is main without the process. The benchmark starts this same
// executable as its fake platform (platformCommand).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && args[0] == platformCommand {
		return benchPlatformCommand(ctx, args[1:], stdin, stdout)
	}
	return benchCommand(ctx, args, getenv, stdout)
}
