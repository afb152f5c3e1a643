package main

import (
	"context"
	"fmt"
	"io"

	"github.com/serentak/serentak/adapters/facebook/fakegraph"
)

// Demo Page of `serentak fake-graph`, for the README's tour.
const (
	demoPageID    = "1029384756"
	demoPageToken = "EAAB-demo-page-token"
)

// fakeGraphCommand is `serentak fake-graph`: a strict fake Facebook Graph
// API with one Page, so the tour can be followed without a real Page. It
// runs until interrupted.
func fakeGraphCommand(ctx context.Context, out io.Writer) error {
	g := fakegraph.New()
	defer g.Close()
	g.AddPage(demoPageID, demoPageToken)
	fmt.Fprintf(out, `A fake Facebook Graph API is listening. In the shell that runs serentak:

    export SERENTAK_FACEBOOK_API_URL=%s

and attach its Page with external_id %q and access_token %q.
Press Ctrl-C to stop.
`, g.URL, demoPageID, demoPageToken)
	<-ctx.Done()
	return nil
}
