package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak/adapters/facebook/fakegraph"
)

// The bench's fake platform runs in a process of its own, as a real
// platform runs on machines of its own: in the bench's process its
// goroutines would compete with the workers' for the scheduler, and a
// thousand calls sent at one instant would be stamped late for that
// reason alone. The child answers the Graph API and, on a second port,
// tells the bench what arrived and when.

// benchPage is the i-th Page of the bench's fake platform.
func benchPage(i int) (id, token string) {
	return fmt.Sprintf("10%08d", i), fmt.Sprintf("bench-page-token-%d", i)
}

// benchArrival is one post as the fake platform received it.
type benchArrival struct {
	Page    int       `json:"page"` // the Page's index (benchPage)
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// platformCommand is the argument that makes serentak-bench the child.
const platformCommand = "fake-platform"

// benchPlatformCommand is the hidden `serentak-bench fake-platform`: a fake
// Graph API with -pages Pages answering in -latency. It prints
// "<graph URL> <inspection URL>" and runs until stdin closes or it is
// interrupted. The inspection server answers GET /count and GET /posts.
func benchPlatformCommand(ctx context.Context, args []string, stdin io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet(platformCommand, flag.ContinueOnError)
	fs.SetOutput(out)
	latency := fs.Duration("latency", 50*time.Millisecond, "answer time")
	pages := fs.Int("pages", 10, "Pages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	graph := fakegraph.New(fakegraph.WithLatency(*latency))
	defer graph.Close()
	for i := range *pages {
		graph.AddPage(benchPage(i))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, graph.PostCount())
	})
	// GET /posts?skip=a,b,… leaves out each Page's first a, b, … posts
	// (a Page's posts are in the order they arrived): the soak asks for
	// what arrived since its last sample, not for 200,000 posts a minute.
	mux.HandleFunc("GET /posts", func(w http.ResponseWriter, r *http.Request) {
		skip := make([]int, *pages)
		for i, f := range strings.Split(r.URL.Query().Get("skip"), ",") {
			if i < len(skip) {
				skip[i], _ = strconv.Atoi(f)
			}
		}
		all := []benchArrival{}
		for i := range *pages {
			id, _ := benchPage(i)
			posts := graph.Posts(id)
			for _, p := range posts[min(skip[i], len(posts)):] {
				all = append(all, benchArrival{Page: i, Message: p.Message, At: p.CreatedAt})
			}
		}
		json.NewEncoder(w).Encode(all)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Fprintf(out, "%s http://%s\n", graph.URL, ln.Addr())

	// The bench holds our stdin open; when it goes, so do we.
	gone := make(chan struct{})
	go func() { io.Copy(io.Discard, stdin); close(gone) }()
	select {
	case <-ctx.Done():
	case <-gone:
	}
	return nil
}

// benchPlatform is the bench's handle on the child.
type benchPlatform struct {
	GraphURL string
	inspect  string
	cmd      *exec.Cmd
	stdin    io.Closer
	http     *http.Client
}

// startBenchPlatform starts `serentak-bench fake-platform` from this executable.
func startBenchPlatform(ctx context.Context, latency time.Duration, pages int) (*benchPlatform, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startPlatformProcess(exec.CommandContext(ctx, exe, platformCommand, "-latency", latency.String(), "-pages", fmt.Sprint(pages)))
}

// startPlatformProcess starts cmd, a fake platform (benchPlatformCommand),
// and reads where it listens.
func startPlatformProcess(cmd *exec.Cmd) (*benchPlatform, error) {
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the fake platform (%s): %w", cmd, err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	graphURL, inspect, ok := strings.Cut(strings.TrimSpace(line), " ")
	if err != nil || !ok {
		stdin.Close()
		cmd.Wait()
		return nil, fmt.Errorf("the fake platform did not say where it listens (%q, %v)", line, err)
	}
	return &benchPlatform{GraphURL: graphURL, inspect: inspect, cmd: cmd, stdin: stdin, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// Count is how many posts have arrived.
func (p *benchPlatform) Count() (int, error) {
	resp, err := p.http.Get(p.inspect + "/count")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var n int
	_, err = fmt.Fscan(resp.Body, &n)
	return n, err
}

// AwaitArrivals waits until n posts have arrived, or a generous deadline
// passes (a minute, and a millisecond a post, after the due second), and
// returns how many have.
func (p *benchPlatform) AwaitArrivals(n int, due time.Time) (int, error) {
	deadline := due.Add(time.Minute + time.Duration(n)*time.Millisecond)
	for {
		got, err := p.Count()
		if err != nil || got >= n || !time.Now().Before(deadline) {
			return got, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Arrivals lists every post that arrived.
func (p *benchPlatform) Arrivals() ([]benchArrival, error) {
	return p.ArrivalsAfter(nil)
}

// ArrivalsAfter lists the posts that arrived after the first skip[i] on
// each Page i (nil: all of them).
func (p *benchPlatform) ArrivalsAfter(skip []int) ([]benchArrival, error) {
	q := make([]string, len(skip))
	for i, n := range skip {
		q[i] = strconv.Itoa(n)
	}
	resp, err := p.http.Get(p.inspect + "/posts?skip=" + strings.Join(q, ","))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []benchArrival
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, errors.Join(errors.New("read the fake platform's posts"), err)
	}
	return out, nil
}

// Close stops the child and waits for it.
func (p *benchPlatform) Close() error {
	p.stdin.Close()
	return p.cmd.Wait()
}
