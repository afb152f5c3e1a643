// Command serentak-fake runs strict fakes of all four platforms — the
// Facebook Graph API (Pages), Instagram content publishing, the YouTube
// Data API, TikTok's Content Posting API — and of their logins, behind one
// address (package internal/fakestack), so that Serentak can be tried
// without a real account anywhere: accounts are attached by token (the
// README's tour) or connected through the real OAuth flow, where each fake
// login plays the user and sends them straight back.
//
//	go run ./cmd/serentak-fake &
//	eval "$(go run ./cmd/serentak-fake -env)" && go run ./cmd/serentak serve
//
// (or paste the command it prints). It listens on a fixed address
// (127.0.0.1:8090; -addr to change it), so those commands work as written,
// and runs until SIGINT or SIGTERM. It is not part of the serentak binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/serentak/serentak/internal/fakestack"
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
	addr := fs.String("addr", defaultAddr, "address the fakes listen on")
	public := fs.String("public-url", fakestack.DefaultPublicURL,
		"Serentak's SERENTAK_PUBLIC_URL: the fake logins send the user back to {public-url}/v1/oauth/{platform}/callback")
	envOnly := fs.Bool("env", false, `print serve's settings as export lines and exit, for eval "$(go run ./cmd/serentak-fake -env)"`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *envOnly {
		env := fakestack.EnvFor("http://"+*addr, *public)
		for _, k := range sortedKeys(env) {
			fmt.Fprintf(out, "export %s='%s'\n", k, env[k])
		}
		return nil
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another serentak-fake running? pick another address with -addr)", *addr, err)
	}
	st, err := fakestack.Start(fakestack.Config{Listener: ln, PublicURL: *public})
	if err != nil {
		return err
	}
	defer st.Close()
	env := st.Env()
	var cmd strings.Builder
	for _, k := range sortedKeys(env) {
		fmt.Fprintf(&cmd, "    %s=%s \\\n", k, env[k])
	}
	cmd.WriteString("    go run ./cmd/serentak serve\n")
	envCmd := "go run ./cmd/serentak-fake -env"
	if a := ln.Addr().String(); a != defaultAddr {
		envCmd += " -addr " + a
	}
	if st.PublicURL != fakestack.DefaultPublicURL {
		envCmd += " -public-url " + st.PublicURL
	}
	fmt.Fprintf(out, `Fakes of Facebook, Instagram, YouTube and TikTok, and of their logins, are listening on %[1]s. Start Serentak against them:

%[2]s
(or: eval "$(%[11]s)" && go run ./cmd/serentak serve)

Connect accounts through the OAuth flow (GET /v1/workspaces/{ws}/accounts/connect/{platform});
each login plays the user and sends the browser straight back to %[3]s:

    facebook   Page "%[4]s"
    instagram  @%[5]s
    youtube    channel "%[6]s"
    tiktok     %[7]s ("%[8]s")

or attach the Facebook Page by token (platform "facebook", the README's tour):

    external_id   %[9]s
    access_token  %[10]s

Media for posts: %[1]s/fake-media/video.mp4 and %[1]s/fake-media/image.jpg.
SERENTAK_MEDIA_ALLOW_PRIVATE lets Serentak fetch media from this machine.
Press Ctrl-C to stop.
`, st.URL, cmd.String(), st.PublicURL, fakestack.PageName, fakestack.IGUsername, fakestack.ChannelTitle,
		fakestack.TikTokUsername, fakestack.TikTokNickname, fakestack.PageID, fakestack.PageToken, envCmd)
	<-ctx.Done()
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
