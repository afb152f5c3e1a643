// Command serentak-fake runs a strict fake of the Facebook Graph API
// (adapters/facebook/fakegraph) with one demo Page, so Serentak can be tried
// without a real Page:
//
//	go run ./cmd/serentak-fake &
//	SERENTAK_FACEBOOK_API_URL=http://127.0.0.1:8090 SERENTAK_MEDIA_ALLOW_PRIVATE=true go run ./cmd/serentak serve
//
// It listens on a fixed address (127.0.0.1:8090; -addr to change it), so
// those two commands work as written, and runs until SIGINT or SIGTERM.
// It is not part of the serentak binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/serentak/serentak/adapters/facebook/fakegraph"
)

// The demo Page the README's tour attaches.
const (
	demoPageID    = "1029384756"
	demoPageToken = "EAAB-demo-page-token"
)

// defaultAddr is where the README's tour expects the fake.
const defaultAddr = "127.0.0.1:8090"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "serentak-fake:", err)
		os.Exit(1)
	}
}

// run is main without the process, for tests.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("serentak-fake", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", defaultAddr, "address the fake Graph API listens on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another serentak-fake running? pick another address with -addr)", *addr, err)
	}
	g := fakegraph.New(fakegraph.WithListener(ln))
	defer g.Close()
	g.AddPage(demoPageID, demoPageToken)
	fmt.Fprintf(out, `A fake Facebook Graph API is listening on %[1]s. Start Serentak against it:

    SERENTAK_FACEBOOK_API_URL=%[1]s SERENTAK_MEDIA_ALLOW_PRIVATE=true go run ./cmd/serentak serve

and attach its Page (platform "facebook"):

    external_id   %[2]s
    access_token  %[3]s

SERENTAK_MEDIA_ALLOW_PRIVATE lets Serentak fetch media from this machine.
Press Ctrl-C to stop.
`, g.URL, demoPageID, demoPageToken)
	<-ctx.Done()
	return nil
}
