package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/embedredis"
	"github.com/serentak/serentak/internal/app"
)

// benchConfig is what serentak-bench measures.
type benchConfig struct {
	Posts    int           // deliveries due at the same second
	Rate     float64       // API create requests per second
	Latency  time.Duration // the fake platform's answer time
	Pages    int           // Facebook Pages the posts are spread over
	BareJobs int           // no-op tasks for the bare Asynq ceiling
	// Floor runs the burst again with no database: each task only makes
	// its platform call (bench_floor.go).
	Floor bool
	// Auth is the credential the posts are created with: "key" (the
	// workspace's sk_… key), "session" (a member's ses_… token), or
	// "both", every other post with each, so that on a busy machine both
	// see the same load.
	Auth string
	// Profile, when set, receives a CPU profile of the drain: from the due
	// second until every post has reached the fake.
	Profile io.Writer
	// WebhookDelay, when set, registers a webhook endpoint on the
	// workspace, sending to a receiver in this process that answers after
	// that long: every post then also makes post.published and
	// delivery.published events; and webhookBacklog test events are
	// asked for before the burst, so that every webhook slot is waiting on
	// the receiver while the burst drains (its own events come after it).
	WebhookDelay time.Duration
}

// webhookBacklog is how many test events -webhook-delay queues before the
// burst: at 20 sends per 2 s, enough to keep the webhook worker saturated
// well past the drain of any burst the bench runs.
const webhookBacklog = 300

// benchReport is what it prints.
type benchReport struct {
	Backend                     string
	Auth                        string
	Posts                       int
	CreateP50, CreateP99        time.Duration
	SessionP50, SessionP99      time.Duration
	CreateRate                  float64 // achieved requests/s
	LateFirst, LateP50, LateP99 time.Duration
	LateMax                     time.Duration
	Early                       int // platform calls before scheduled_at: must be 0
	Duplicates, Lost            int
	// Throughput is deliveries/s from the due second to the last platform
	// call. Work done during the scheduler's lead is not in it, so judge
	// it on a burst much larger than the worker concurrency.
	Throughput float64
	// DrainCPU is this process's CPU time (user + system) per delivery
	// while the burst drains: API, scheduler and workers, not the fake
	// platform or the database server. Steadier than throughput on a
	// busy machine.
	DrainCPU  time.Duration
	BareAsynq float64 // no-op tasks/s on the same Redis
	// Floor is the burst with no database (bench_floor.go): its
	// Throughput and lateness; nil when not measured.
	Floor *benchReport
	// Concurrency is the worker's per-platform concurrency in the run.
	Concurrency int
	PeakRSSMiB  float64
	// WebhookDelay is the receiver's answer time (0: no endpoint);
	// WebhookRequests and WebhookEvents the requests it got by the end of
	// the drain (the backlog's first), and how many distinct webhook-ids
	// among them.
	WebhookDelay                   time.Duration
	WebhookRequests, WebhookEvents int
}

func (r benchReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "backend                 %s\n", r.Backend)
	fmt.Fprintf(&b, "posts due at one second %d\n", r.Posts)
	fmt.Fprintf(&b, "posts created with      %s\n", authName(r.Auth))
	fmt.Fprintf(&b, "POST /posts latency     p50 %v  p99 %v  (%.0f req/s)\n", r.CreateP50.Round(time.Microsecond*10), r.CreateP99.Round(time.Microsecond*10), r.CreateRate)
	if r.Auth == "both" {
		fmt.Fprintf(&b, "  … with a session      p50 %v  p99 %v  (the line above: with the key)\n", r.SessionP50.Round(time.Microsecond*10), r.SessionP99.Round(time.Microsecond*10))
	}
	fmt.Fprintf(&b, "scheduling lateness     first %v  p50 %v  p99 %v  max %v\n", r.LateFirst.Round(time.Millisecond), r.LateP50.Round(time.Millisecond), r.LateP99.Round(time.Millisecond), r.LateMax.Round(time.Millisecond))
	if r.WebhookDelay > 0 {
		fmt.Fprintf(&b, "webhooks                a receiver answering in %v got %d requests (%d events) by the end of the drain, %d test events queued before\n", r.WebhookDelay, r.WebhookRequests, r.WebhookEvents, webhookBacklog)
	} else {
		fmt.Fprintf(&b, "webhooks                none\n")
	}
	fmt.Fprintf(&b, "published early         %d\n", r.Early)
	fmt.Fprintf(&b, "duplicates / lost       %d / %d\n", r.Duplicates, r.Lost)
	fmt.Fprintf(&b, "drain from the second   %.0f deliveries/s (claims made during the lead are not counted)\n", r.Throughput)
	fmt.Fprintf(&b, "CPU per delivery        %v (this process, while draining)\n", r.DrainCPU.Round(time.Microsecond))
	switch {
	case r.BareAsynq == 0:
		fmt.Fprintf(&b, "bare Asynq, same Redis  not measured\n")
	case r.Posts <= r.Concurrency:
		// Every delivery was claimed during the lead: the drain rate
		// leaves out most of the work, and a ratio would flatter it.
		fmt.Fprintf(&b, "bare Asynq, same Redis  %.0f tasks/s  (no ratio: all %d fit the worker concurrency %d; use -posts 10000)\n", r.BareAsynq, r.Posts, r.Concurrency)
	default:
		fmt.Fprintf(&b, "bare Asynq, same Redis  %.0f tasks/s  (drain ratio %.2f)\n", r.BareAsynq, r.Throughput/r.BareAsynq)
	}
	if f := r.Floor; f != nil {
		fmt.Fprintf(&b, "floor, no database      %.0f calls/s  first %v  p50 %v  p99 %v  (each task only makes its platform call; drain ratio %.2f)\n",
			f.Throughput, f.LateFirst.Round(time.Millisecond), f.LateP50.Round(time.Millisecond), f.LateP99.Round(time.Millisecond), r.Throughput/f.Throughput)
	}
	fmt.Fprintf(&b, "peak RSS                %.0f MiB\n", r.PeakRSSMiB)
	return b.String()
}

// benchCommand is the benchmark: the whole pipeline (API, database, Redis,
// scheduler, workers) in this process, against a fake Graph API in a child
// process (bench_platform.go), then serve's own start in a process of its
// own (bench_startup.go). It uses SERENTAK_DATABASE_URL and
// SERENTAK_REDIS_URL when set (production backends), else a throwaway
// SQLite file and the embedded Redis.
func benchCommand(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("serentak-bench", flag.ContinueOnError)
	fs.SetOutput(out)
	var c benchConfig
	fs.IntVar(&c.Posts, "posts", 1000, "deliveries due at the same second")
	fs.Float64Var(&c.Rate, "rate", 200, "API create requests per second")
	fs.DurationVar(&c.Latency, "latency", 50*time.Millisecond, "fake platform answer time")
	fs.IntVar(&c.Pages, "pages", 10, "Facebook Pages to spread the posts over")
	fs.IntVar(&c.BareJobs, "bare", 10000, "no-op tasks for the bare Asynq ceiling (0 skips it)")
	fs.BoolVar(&c.Floor, "floor", true, "also run the burst with no database, each task only calling the fake platform: what this machine allows any design (BENCHMARKS.md)")
	fs.StringVar(&c.Auth, "auth", "key", "credential the posts are created with: key (the workspace's API key), session (a member's signed-in session), or both (in turn)")
	fs.DurationVar(&c.WebhookDelay, "webhook-delay", 0, "register a webhook endpoint whose receiver answers after this long (0: no webhooks)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the drain (from the due second until every post arrived) to this file")
	serentakBin := fs.String("serentak", "", "the serentak binary whose serve start is measured (default: go build ./cmd/serentak)")
	soak := fs.Bool("soak", false, "instead of the burst, a soak: -soak-deliveries spread evenly over -soak-duration, sampled every -soak-sample (BENCHMARKS.md#soak)")
	var sc soakConfig
	fs.IntVar(&sc.Deliveries, "soak-deliveries", 200_000, "-soak: deliveries in all (posts × -pages)")
	fs.DurationVar(&sc.Duration, "soak-duration", 30*time.Minute, "-soak: the time the posts' due times are spread over")
	fs.DurationVar(&sc.Sample, "soak-sample", time.Minute, "-soak: one row of the table per this long")
	fs.DurationVar(&sc.Lead, "soak-lead", 20*time.Second, "-soak: how long after its creation each post is due")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.Auth != "key" && c.Auth != "session" && c.Auth != "both" {
		return fmt.Errorf("-auth %q: want key, session or both", c.Auth)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		c.Profile = f
	}
	dir, err := os.MkdirTemp("", "serentak-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Built first: a build that fails should not cost a whole run, and one
	// running during the measurements would skew them.
	exe, err := serentakBinary(ctx, *serentakBin, dir)
	if err != nil {
		return err
	}
	if *soak {
		sc.Pages, sc.Latency = c.Pages, c.Latency
		return soakCommand(ctx, sc, exe, getenv, out)
	}
	rep, err := runBench(ctx, c, getenv, filepath.Join(dir, "pipeline"))
	if err != nil {
		return err
	}
	fmt.Fprint(out, rep)
	// serve's own start and idle footprint, measured on a process of its
	// own once the bench's serve and fake platform are gone.
	st, err := measureStartup(ctx, exe, getenv)
	if err != nil {
		return fmt.Errorf("serve startup: %w", err)
	}
	fmt.Fprint(out, st)
	return nil
}

// serentakBinary returns path, or builds cmd/serentak into dir: the
// startup measurement runs the production binary, not this one.
func serentakBinary(ctx context.Context, path, dir string) (string, error) {
	if path != "" {
		return path, nil
	}
	exe := filepath.Join(dir, "serentak")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", exe, "github.com/serentak/serentak/cmd/serentak")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build serentak for the startup measurement (go build ./cmd/serentak): %v\n%s\nRun from the repository, or pass -serentak PATH", err, out)
	}
	return exe, nil
}

// runBench measures the pipeline: posts created through the API at
// c.Rate, all due at one second, drained to the fake platform.
func runBench(ctx context.Context, c benchConfig, getenv func(string) string, dir string) (benchReport, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	graph, err := startBenchPlatform(ctx, c.Latency, c.Pages)
	if err != nil {
		return benchReport{}, err
	}
	defer graph.Close()
	env := pipelineEnv(getenv, dir, graph.GraphURL)
	rep := benchReport{Backend: backendName(env["SERENTAK_DATABASE_URL"], env["SERENTAK_REDIS_URL"]), Auth: c.Auth, Posts: c.Posts, WebhookDelay: c.WebhookDelay}
	var hooks *slowReceiver
	if c.WebhookDelay > 0 {
		if hooks, err = startSlowReceiver(c.WebhookDelay); err != nil {
			return rep, err
		}
		defer hooks.Close()
		// The receiver is on 127.0.0.1.
		env["SERENTAK_WEBHOOK_ALLOW_PRIVATE"] = "true"
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return rep, err
	}
	rep.Concurrency = cfg.Concurrency
	cl, stop, err := startServe(ctx, cfg)
	if err != nil {
		return rep, err
	}
	defer stop()

	ws, key, accounts, err := cl.setUp(c.Pages)
	if err != nil {
		return rep, err
	}
	if hooks != nil {
		var hook struct{ ID string }
		if err := cl.do("POST", "/v1/workspaces/"+ws+"/webhooks", key, map[string]any{"url": hooks.URL, "description": "bench receiver"}, &hook, "id"); err != nil {
			return rep, err
		}
		for range webhookBacklog {
			if err := cl.do("POST", "/v1/workspaces/"+ws+"/webhooks/"+hook.ID+"/test", key, nil, nil); err != nil {
				return rep, err
			}
		}
	}
	tokens := []string{key}
	if c.Auth != "key" {
		ses, err := cl.session(ws, key)
		if err != nil {
			return rep, err
		}
		tokens = []string{ses}
		if c.Auth == "both" {
			tokens = []string{key, ses}
		}
	}
	// Every post is due at the same whole second, far enough ahead that all
	// of them are created before it comes.
	due := time.Now().Add(time.Duration(float64(c.Posts)/c.Rate*float64(time.Second)) + 5*time.Second).Truncate(time.Second)
	lat, rate, err := cl.createAll(ctx, ws, tokens, accounts, c, due)
	if err != nil {
		return rep, err
	}
	if len(tokens) == 2 {
		// -auth both: CreateP50/P99 are the key's posts', SessionP50/P99
		// the session's.
		var withKey, withSession []time.Duration
		for i, l := range lat {
			if i%2 == 0 {
				withKey = append(withKey, l)
			} else {
				withSession = append(withSession, l)
			}
		}
		lat = withKey
		rep.SessionP50, rep.SessionP99 = pct(withSession, 50), pct(withSession, 99)
	}
	rep.CreateP50, rep.CreateP99, rep.CreateRate = pct(lat, 50), pct(lat, 99), rate
	if time.Now().After(due) {
		return rep, fmt.Errorf("creating %d posts at %.0f/s took past their due time; lower -posts or raise -rate", c.Posts, c.Rate)
	}
	if err := drain(graph, c, due, &rep); err != nil {
		return rep, err
	}
	if hooks != nil {
		rep.WebhookRequests, rep.WebhookEvents = hooks.Counts()
	}
	if c.BareJobs > 0 {
		if rep.BareAsynq, err = bareCeiling(ctx, cfg, c.BareJobs); err != nil {
			return rep, err
		}
	}
	if c.Floor {
		floor, err := floorCeiling(ctx, cfg, c)
		if err != nil {
			return rep, fmt.Errorf("the floor: %w", err)
		}
		rep.Floor = &floor
	}
	rep.PeakRSSMiB = peakRSSMiB()
	return rep, stop()
}

// pipelineEnv is the environment of the bench's serve: a fresh data
// directory, the fake platform, and the backends and knobs the caller set.
func pipelineEnv(getenv func(string) string, dir, graphURL string) map[string]string {
	env := map[string]string{
		"SERENTAK_ADDR":             "127.0.0.1:0",
		"SERENTAK_DATA_DIR":         dir,
		"SERENTAK_DATABASE_URL":     filepath.Join(dir, "serentak.db"),
		"SERENTAK_ADMIN_KEY":        "bench-operator-key",
		"SERENTAK_SECRET_KEY":       "bench-secret-key",
		"SERENTAK_FACEBOOK_API_URL": graphURL,
		"SERENTAK_LOG_LEVEL":        "error",
		"SERENTAK_CONFIG":           os.DevNull,
	}
	// SERENTAK_ADDR too: a fixed address lets a Prometheus scrape the
	// run's /metrics (docs/monitoring.md).
	for _, k := range []string{"SERENTAK_ADDR", "SERENTAK_DATABASE_URL", "SERENTAK_REDIS_URL", "SERENTAK_WORKER_CONCURRENCY", "SERENTAK_WORKER_AHEAD",
		"SERENTAK_SCHEDULER_TICK", "SERENTAK_SCHEDULER_HORIZON", "SERENTAK_QUEUE_CHECK_INTERVAL", "SERENTAK_DATABASE_MAX_CONNS"} {
		if v := getenv(k); v != "" {
			env[k] = v
		}
	}
	return env
}

// startServe runs the pipeline as `serentak serve` does, in this process,
// and returns a client of its API. stop stops it (once; later calls
// return the first answer).
func startServe(ctx context.Context, cfg config.Config) (cl *benchClient, stop func() error, err error) {
	ctx, cancel := context.WithCancel(ctx)
	a := app.New(cfg, app.Serve, io.Discard)
	listening := make(chan string, 1)
	a.Listening = listening
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stop = sync.OnceValue(func() error {
		cancel()
		err := <-done
		return errors.Join(err, a.Close())
	})
	select {
	case addr := <-listening:
		return &benchClient{base: "http://" + addr, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}, stop, nil
	case err := <-done:
		cancel()
		return nil, nil, errors.Join(fmt.Errorf("serentak serve: %w", err), a.Close())
	}
}

// setUp makes one workspace with one account per Page of the fake.
func (c *benchClient) setUp(pages int) (ws, key string, accounts []string, err error) {
	var w struct{ ID, APIKey string }
	if err := c.do("POST", "/v1/workspaces", "bench-operator-key", map[string]any{"name": "Bench"}, &w, "id", "api_key"); err != nil {
		return "", "", nil, err
	}
	accounts = make([]string, pages)
	for i := range accounts {
		var acc struct{ ID string }
		page, token := benchPage(i)
		body := map[string]any{"platform": "facebook", "external_id": page, "name": "Page", "access_token": token}
		if err := c.do("POST", "/v1/workspaces/"+w.ID+"/accounts", w.APIKey, body, &acc, "id"); err != nil {
			return "", "", nil, err
		}
		accounts[i] = acc.ID
	}
	return w.ID, w.APIKey, accounts, nil
}

// benchPassword is the bench member's password.
const benchPassword = "bench password 0123456789"

// session makes a person an editor of ws (with its key) and signs them in:
// the ses_… token posts are then created with. The sign-in itself costs
// one argon2id hash, outside the measurement.
func (c *benchClient) session(ws, key string) (string, error) {
	const email = "bench@example.com"
	if err := c.do("POST", "/v1/users", "bench-operator-key", map[string]any{"email": email, "name": "Bench", "password": benchPassword}, nil); err != nil {
		return "", err
	}
	if err := c.do("POST", "/v1/workspaces/"+ws+"/members", key, map[string]any{"email": email, "role": "editor"}, nil); err != nil {
		return "", err
	}
	var token string
	if err := c.do("POST", "/v1/sessions", "", map[string]any{"email": email, "password": benchPassword}, &token, "token"); err != nil {
		return "", err
	}
	return token, nil
}

// authName names a credential kind in the report.
func authName(auth string) string {
	switch auth {
	case "session":
		return "a session (ses_…)"
	case "both":
		return "the workspace key (sk_…) and a session (ses_…) in turn"
	}
	return "the workspace key (sk_…)"
}

// drain waits from the due second until every post reached the fake (or a
// generous deadline), measuring this process's CPU meanwhile, and fills
// rep from what arrived.
func drain(graph *benchPlatform, c benchConfig, due time.Time, rep *benchReport) error {
	time.Sleep(time.Until(due))
	cpu0 := processCPU()
	if c.Profile != nil {
		if err := pprof.StartCPUProfile(c.Profile); err != nil {
			return err
		}
	}
	if _, err := graph.AwaitArrivals(c.Posts, due); err != nil {
		return err
	}
	// The CPU is read before the arrivals are fetched, which costs some.
	drainCPU := processCPU() - cpu0
	if c.Profile != nil {
		pprof.StopCPUProfile()
	}
	time.Sleep(500 * time.Millisecond) // let any duplicate show itself
	arrivals, err := graph.Arrivals()
	if err != nil {
		return err
	}
	if len(arrivals) > 0 {
		rep.DrainCPU = drainCPU / time.Duration(len(arrivals))
	}
	rep.tally(arrivals, c.Posts, due)
	return nil
}

// tally fills the report's counts and lateness from the arrivals of posts
// due at due.
func (r *benchReport) tally(arrivals []benchArrival, posts int, due time.Time) {
	seen := map[string]int{}
	var calls []time.Time
	for _, a := range arrivals {
		seen[a.Message]++
		calls = append(calls, a.At)
	}
	for _, n := range seen {
		if n > 1 {
			r.Duplicates += n - 1
		}
	}
	r.Lost = posts - len(seen)
	sort.Slice(calls, func(i, j int) bool { return calls[i].Before(calls[j]) })
	late := make([]time.Duration, len(calls))
	for i, t := range calls {
		late[i] = t.Sub(due)
		if late[i] < 0 {
			r.Early++
		}
	}
	if len(late) > 0 {
		r.LateFirst, r.LateP50, r.LateP99, r.LateMax = late[0], pct(late, 50), pct(late, 99), late[len(late)-1]
		if span := calls[len(calls)-1].Sub(due); span > 0 {
			r.Throughput = float64(len(calls)) / span.Seconds()
		}
	}
}

// bareCeiling measures bare Asynq on the bench's Redis, or, when serve
// used its embedded one (which lives inside serve), on a fresh one.
func bareCeiling(ctx context.Context, cfg config.Config, n int) (float64, error) {
	opt := cfg.Redis
	if opt == nil {
		var err error
		if opt, err = embeddedForBench(); err != nil {
			return 0, err
		}
	}
	return bareAsynq(ctx, opt, n)
}

type benchClient struct {
	base string
	http *http.Client
}

// do sends a JSON request and decodes the named string fields of the
// answer into out's fields in order (a tiny decoder to keep bench lean).
func (c *benchClient) do(method, path, key string, body any, out any, fields ...string) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	vals := make([]string, len(fields))
	for i, f := range fields {
		vals[i], _ = m[f].(string)
	}
	switch o := out.(type) {
	case *struct{ ID, APIKey string }:
		o.ID, o.APIKey = vals[0], vals[1]
	case *struct{ ID string }:
		o.ID = vals[0]
	case *string:
		*o = vals[0]
	default:
		return errors.New("bench: unsupported answer type")
	}
	return nil
}

// createAll creates c.Posts posts at c.Rate per second (open loop: a slow
// answer does not slow the arrivals), post i with tokens[i%len(tokens)],
// and returns each request's latency.
func (c *benchClient) createAll(ctx context.Context, ws string, tokens, accounts []string, cfg benchConfig, due time.Time) ([]time.Duration, float64, error) {
	lat := make([]time.Duration, cfg.Posts)
	var failed atomic.Value
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	start := time.Now()
	for i := 0; i < cfg.Posts; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := map[string]any{
				"caption":      fmt.Sprintf("Bench %d: Keripik Singkong Pedas Rp25.000 https://wa.me/6281234567890", i),
				"targets":      []map[string]any{{"account_id": accounts[i%len(accounts)]}},
				"scheduled_at": due.Format(time.RFC3339),
			}
			t0 := time.Now()
			if err := c.do("POST", "/v1/workspaces/"+ws+"/posts", tokens[i%len(tokens)], body, nil); err != nil {
				failed.Store(err)
			}
			lat[i] = time.Since(t0)
		}(i)
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return nil, 0, err
	}
	return lat, float64(cfg.Posts) / time.Since(start).Seconds(), nil
}

// bareAsynq is the ceiling: n no-op tasks enqueued and processed on the
// same Redis with the same check interval, in tasks per second.
func bareAsynq(ctx context.Context, opt asynq.RedisConnOpt, n int) (float64, error) {
	const queue = "bench-bare"
	client := asynq.NewClient(opt)
	defer client.Close()
	var processed atomic.Int64
	allDone := make(chan struct{})
	srv := asynq.NewServer(opt, asynq.Config{
		Concurrency:              50,
		Queues:                   map[string]int{queue: 1},
		DelayedTaskCheckInterval: 100 * time.Millisecond,
		TaskCheckInterval:        100 * time.Millisecond,
		Logger:                   quietAsynq{},
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc("bench:noop", func(context.Context, *asynq.Task) error {
		if processed.Add(1) == int64(n) {
			close(allDone)
		}
		return nil
	})
	start := time.Now()
	if err := srv.Start(mux); err != nil {
		return 0, err
	}
	defer srv.Shutdown()
	for i := 0; i < n; i++ {
		if _, err := client.EnqueueContext(ctx, asynq.NewTask("bench:noop", nil), asynq.Queue(queue)); err != nil {
			return 0, err
		}
	}
	select {
	case <-allDone:
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("bare asynq processed %d of %d tasks in 5 minutes", processed.Load(), n)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

type quietAsynq struct{}

func (quietAsynq) Debug(...any) {}
func (quietAsynq) Info(...any)  {}
func (quietAsynq) Warn(...any)  {}
func (quietAsynq) Error(...any) {}
func (quietAsynq) Fatal(...any) {}

// pct returns the p-th percentile of ds (sorted in place).
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := (len(ds)*p + 99) / 100
	return ds[min(max(i-1, 0), len(ds)-1)]
}

// peakRSSMiB reads the process's peak resident set (VmHWM) on Linux.
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

// embeddedForBench starts an in-process Redis for the bare ceiling when the
// system under test used its own embedded one. It lives until the process
// exits, which for serentak-bench is moments later.
func embeddedForBench() (asynq.RedisConnOpt, error) {
	srv, err := embedredis.Start("")
	if err != nil {
		return nil, err
	}
	return asynq.RedisClientOpt{Addr: srv.Addr()}, nil
}
