package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serentak/serentak/adapters/facebook/fakegraph"
	"github.com/serentak/serentak/adapters/instagram/fakeig"
	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
	"github.com/serentak/serentak/embedredis"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/webhook/webhooktest"
)

// Fixed identities on the fake platforms.
const (
	adminKey  = "chaos-operator-key-0123456789abcdef"
	pageID    = "1029384756"
	pageToken = "EAAB-chaos-page-token"
	igUserID  = "17841400000000001"
	igToken   = "IGQ-chaos-user-token"
	ytChannel = "UCchaosChannel000000001"
	ytToken   = "ya29.chaos-channel-token"
	ttOpenID  = "chaos-open-id-0001"
	ttToken   = "act.chaos-creator-token"
)

// options shape a cluster.
type options struct {
	workers    int
	schedulers int
	// proxyDB puts a cuttable TCP proxy between the processes and
	// PostgreSQL (ignored on SQLite).
	proxyDB bool
	// latency is the fake platforms' answer delay: long enough that a
	// kill often lands while a platform call is in flight.
	latency time.Duration
}

// cluster is one Serentak installation made of separate processes, its own
// Redis and database, and fake platforms in the test process.
type cluster struct {
	t     *testing.T
	dir   string
	env   map[string]string
	redis *redisServer
	proxy *Proxy
	graph *fakegraph.Server
	ig    *fakeig.Server
	yt    *fakeyoutube.Server
	tt    *faketiktok.Server
	// hooks receives the webhooks of the workspace setup makes, checking
	// each signature independently.
	hooks  *webhooktest.Receiver
	apiURL string

	mu    sync.Mutex
	procs map[string]*process // running, by name: api, worker-1, scheduler-2
	gens  map[string]int      // how many times each name was started
}

// process is one running serentak process.
type process struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{} // closed when it has exited
	err  error         // its exit, valid after done
}

// newCluster starts a cluster: migrate, then the API, the workers and the
// schedulers, each a process of its own.
func newCluster(t *testing.T, o options) *cluster {
	t.Helper()
	c := &cluster{t: t, dir: t.TempDir(), procs: map[string]*process{}, gens: map[string]int{}}

	// The database first, so its cleanup (dropping the schema) runs after
	// every process is gone.
	dbURL := storetest.URL(t)
	migrateURL := dbURL
	if o.proxyDB && strings.HasPrefix(dbURL, "postgres") {
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewProxy(u.Host)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		c.proxy = p
		u.Host = p.Addr()
		dbURL = u.String()
	}

	c.graph = fakegraph.New(fakegraph.WithLatency(o.latency))
	t.Cleanup(c.graph.Close)
	c.graph.AddPage(pageID, pageToken)
	c.ig = fakeig.New(fakeig.WithLatency(o.latency), fakeig.WithProcessingReads(0),
		fakeig.WithQuota(100000, 24*time.Hour))
	t.Cleanup(c.ig.Close)
	c.ig.AddUser(igUserID, igToken)
	c.yt = fakeyoutube.New(fakeyoutube.WithLatency(o.latency))
	t.Cleanup(c.yt.Close)
	c.yt.AddAccessToken(ytChannel, ytToken, time.Now().Add(24*time.Hour))
	c.tt = faketiktok.New(faketiktok.WithLatency(o.latency), faketiktok.WithProcessingReads(0))
	t.Cleanup(c.tt.Close)
	c.tt.AddUser(faketiktok.User{OpenID: ttOpenID, Username: "tokochaos", Nickname: "Toko Chaos", AccessToken: ttToken})

	c.redis = startRedis(t)
	// Before the processes, so it closes after they are gone.
	c.hooks = webhooktest.NewReceiver(t, "", time.Now)

	c.env = map[string]string{
		"PATH":                              os.Getenv("PATH"),
		"HOME":                              c.dir,
		"SERENTAK_CONFIG":                   os.DevNull,
		"SERENTAK_ADDR":                     "127.0.0.1:" + strconv.Itoa(freePort(t)),
		"SERENTAK_METRICS_ADDR":             "127.0.0.1:0", // several workers on one machine
		"SERENTAK_DATA_DIR":                 c.dir,
		"SERENTAK_DATABASE_URL":             dbURL,
		"SERENTAK_REDIS_URL":                c.redis.URL(),
		"SERENTAK_ADMIN_KEY":                adminKey,
		"SERENTAK_SECRET_KEY":               "chaos-secret-key-0123456789abcdef",
		"SERENTAK_FACEBOOK_API_URL":         c.graph.URL,
		"SERENTAK_INSTAGRAM_API_URL":        c.ig.URL,
		"SERENTAK_YOUTUBE_API_URL":          c.yt.URL,
		"SERENTAK_TIKTOK_API_URL":           c.tt.URL,
		"SERENTAK_MEDIA_ALLOW_PRIVATE":      "true",
		"SERENTAK_LOG_LEVEL":                "info",
		"SERENTAK_SCHEDULER_TICK":           "100ms",
		"SERENTAK_QUEUE_CHECK_INTERVAL":     "100ms",
		"SERENTAK_WORKER_CONCURRENCY":       "8",
		"SERENTAK_DATABASE_MAX_CONNS":       "4",
		"SERENTAK_WORKER_LEASE":             workerLease.String(),
		"SERENTAK_SCHEDULER_STRANDED_GRACE": "5s",
		"SERENTAK_WEBHOOK_ALLOW_PRIVATE":    "true", // the receiver is on 127.0.0.1
	}
	c.apiURL = "http://" + c.env["SERENTAK_ADDR"]
	// Every process is killed when the test ends, whatever happened.
	t.Cleanup(c.stopAll)
	t.Cleanup(func() {
		if t.Failed() {
			c.dumpLogs()
		}
	})

	// The schema is made once, directly, before the processes start.
	c.env["SERENTAK_DATABASE_URL"] = migrateURL
	p := c.start("migrate")
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("serentak migrate: %v\n%s", p.err, tail(p.log.Name(), 20))
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("serentak migrate did not finish within 60s\n%s", tail(p.log.Name(), 20))
	}
	c.mu.Lock()
	delete(c.procs, "migrate")
	c.mu.Unlock()
	c.env["SERENTAK_DATABASE_URL"] = dbURL

	c.start("api")
	c.waitAPI()
	var started []*process
	for i := 1; i <= o.workers; i++ {
		started = append(started, c.start(fmt.Sprintf("worker-%d", i)))
	}
	for i := 1; i <= o.schedulers; i++ {
		started = append(started, c.start(fmt.Sprintf("scheduler-%d", i)))
	}
	// Faults start only once every process is up: one that cannot reach
	// its database while starting exits, for its supervisor to restart.
	for _, p := range started {
		c.waitStarted(p)
	}
	return c
}

// waitStarted waits until p has logged that it started.
func (c *cluster) waitStarted(p *process) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(p.log.Name()); err == nil && bytes.Contains(b, []byte(`"serentak started"`)) {
			return
		}
		select {
		case <-p.done:
			c.t.Fatalf("chaos: %s exited while starting: %v\n%s", p.name, p.err, tail(p.log.Name(), 20))
		case <-time.After(20 * time.Millisecond):
		}
	}
	c.t.Fatalf("chaos: %s did not start within 30s\n%s", p.name, tail(p.log.Name(), 20))
}

// workerLease is the workers' lease in every cluster: short, so a killed
// worker's delivery is taken over within seconds (production: 5 minutes).
const workerLease = 3 * time.Second

// start runs `serentak <role>` as the process called name (role-N).
func (c *cluster) start(name string) *process {
	c.t.Helper()
	role, _, _ := strings.Cut(name, "-")
	c.mu.Lock()
	if old := c.procs[name]; old != nil {
		c.mu.Unlock()
		c.t.Fatalf("chaos: %s is already running", name)
	}
	c.gens[name]++
	gen := c.gens[name]
	c.mu.Unlock()

	logf, err := os.Create(filepath.Join(c.dir, fmt.Sprintf("%s.%d.log", name, gen)))
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(binary, role)
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		c.t.Fatalf("chaos: start serentak %s: %v", role, err)
	}
	p := &process{name: name, cmd: cmd, log: logf, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	c.mu.Lock()
	c.procs[name] = p
	c.mu.Unlock()
	return p
}

// kill sends SIGKILL to the named process and waits for it to exit: no
// shutdown, no hand-back, exactly as a crashed machine.
func (c *cluster) kill(name string) {
	c.t.Helper()
	c.mu.Lock()
	p := c.procs[name]
	delete(c.procs, name)
	c.mu.Unlock()
	if p == nil {
		c.t.Fatalf("chaos: %s is not running", name)
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		c.t.Fatalf("chaos: %s did not die within 10s of SIGKILL", name)
	}
}

// checkAlive fails the test for every process that exited on its own: only
// the test kills processes.
func (c *cluster) checkAlive() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, p := range c.procs {
		select {
		case <-p.done:
			c.t.Errorf("chaos: %s exited by itself: %v\n%s", name, p.err, tail(p.log.Name(), 20))
			delete(c.procs, name)
		default:
		}
	}
}

// stopAll kills every process still running.
func (c *cluster) stopAll() {
	c.mu.Lock()
	procs := c.procs
	c.procs = map[string]*process{}
	c.mu.Unlock()
	for _, p := range procs {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	for name, p := range procs {
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			c.t.Errorf("chaos: %s did not exit after SIGKILL", name)
		}
	}
}

// names lists the running processes of a role.
func (c *cluster) names(role string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for name := range c.procs {
		if strings.HasPrefix(name, role+"-") {
			out = append(out, name)
		}
	}
	return out
}

// waitAPI waits until the API answers /healthz.
func (c *cluster) waitAPI() {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(c.apiURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		c.mu.Lock()
		p := c.procs["api"]
		c.mu.Unlock()
		if p != nil {
			select {
			case <-p.done:
				c.t.Fatalf("chaos: the api exited: %v\n%s", p.err, tail(p.log.Name(), 20))
			default:
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("chaos: the api did not answer /healthz within 30s")
}

// dumpLogs prints the end of every process log, for a failed test.
func (c *cluster) dumpLogs() {
	files, _ := filepath.Glob(filepath.Join(c.dir, "*.log"))
	for _, f := range files {
		c.t.Logf("--- %s (last lines)\n%s", filepath.Base(f), tail(f, 8))
	}
}

// grepLogs counts log lines containing s across every process.
func (c *cluster) grepLogs(s string) int {
	files, _ := filepath.Glob(filepath.Join(c.dir, "*.log"))
	n := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		n += bytes.Count(b, []byte(s))
	}
	return n
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// redisServer is the cluster's own Redis: a redis-server process that can
// be emptied, killed and restarted on the same port, or, where redis-server
// is not installed, the in-process one (which cannot be killed).
type redisServer struct {
	t        *testing.T
	addr     string
	bin      string
	dir      string
	embedded *embedredis.Server
	client   *redis.Client

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	r := &redisServer{t: t, dir: t.TempDir()}
	if bin, err := exec.LookPath("redis-server"); err == nil {
		r.bin = bin
		r.addr = "127.0.0.1:" + strconv.Itoa(freePort(t))
		r.Start()
		t.Cleanup(r.Kill)
	} else {
		srv, err := embedredis.Start("")
		if err != nil {
			t.Fatal(err)
		}
		r.embedded = srv
		r.addr = srv.Addr()
		t.Cleanup(srv.Close)
	}
	r.client = redis.NewClient(&redis.Options{Addr: r.addr, MaxRetries: -1})
	t.Cleanup(func() { r.client.Close() })
	return r
}

// URL is the SERENTAK_REDIS_URL of this server.
func (r *redisServer) URL() string { return "redis://" + r.addr + "/0" }

// Restartable reports whether Kill and Start work (a real redis-server).
func (r *redisServer) Restartable() bool { return r.bin != "" }

// FlushAll empties Redis.
func (r *redisServer) FlushAll() {
	r.t.Helper()
	if r.embedded != nil {
		r.embedded.FlushAll()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.client.FlushAll(ctx).Err(); err != nil {
		r.t.Fatalf("chaos: FLUSHALL: %v", err)
	}
}

// Start starts redis-server without persistence and waits until it
// answers.
func (r *redisServer) Start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.addr)
	var lastErr error
	for try := 0; try < 50; try++ {
		cmd := exec.Command(r.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"))
		if err := cmd.Start(); err != nil {
			r.t.Fatalf("chaos: start redis-server: %v", err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		if err := waitRedis(r.addr, done); err != nil {
			// The port may still be held by the server just killed.
			lastErr = err
			_ = cmd.Process.Kill()
			<-done
			time.Sleep(100 * time.Millisecond)
			continue
		}
		r.mu.Lock()
		r.cmd, r.done = cmd, done
		r.mu.Unlock()
		return
	}
	r.t.Fatalf("chaos: redis-server on %s did not start: %v\n%s", r.addr, lastErr, tail(filepath.Join(r.dir, "redis.log"), 10))
}

// Kill sends SIGKILL to redis-server: every key is gone with it.
func (r *redisServer) Kill() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.cmd, r.done = nil, nil
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

func waitRedis(addr string, exited <-chan struct{}) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("redis-server exited")
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// client is a small JSON client of the REST API.
type client struct {
	base string
	key  string
	http *http.Client
}

// do sends a request; a transport error (the API is down) is returned, an
// answer is decoded into out when out is not nil.
func (c *client) do(ctx context.Context, method, path string, body any, out any, header ...string) (int, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: answer is not the JSON expected: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, nil
}

// tenant is the workspace a scenario publishes from.
type tenant struct {
	client
	ws, fb, ig string // workspace and account IDs
	yt, tt     string
}

// setup creates a workspace with the fake Page and Instagram account
// attached.
func (c *cluster) setup() *tenant {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hc := &http.Client{Timeout: 20 * time.Second}
	op := client{base: c.apiURL, key: adminKey, http: hc}
	var ws struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	if _, err := op.do(ctx, "POST", "/v1/workspaces", map[string]any{"name": "Toko Chaos", "timezone": "Asia/Jakarta"}, &ws); err != nil {
		c.t.Fatalf("chaos: create workspace: %v", err)
	}
	tn := &tenant{client: client{base: c.apiURL, key: ws.APIKey, http: hc}, ws: ws.ID}
	var acc struct {
		ID string `json:"id"`
	}
	if _, err := tn.do(ctx, "POST", "/v1/workspaces/"+ws.ID+"/accounts", map[string]any{
		"platform": "facebook", "external_id": pageID, "name": "Toko Chaos", "access_token": pageToken,
	}, &acc); err != nil {
		c.t.Fatalf("chaos: attach the Facebook Page: %v", err)
	}
	tn.fb = acc.ID
	if _, err := tn.do(ctx, "POST", "/v1/workspaces/"+ws.ID+"/accounts", map[string]any{
		"platform": "instagram", "external_id": igUserID, "name": "tokochaos", "access_token": igToken,
	}, &acc); err != nil {
		c.t.Fatalf("chaos: attach the Instagram account: %v", err)
	}
	tn.ig = acc.ID
	if _, err := tn.do(ctx, "POST", "/v1/workspaces/"+ws.ID+"/accounts", map[string]any{
		"platform": "youtube", "external_id": ytChannel, "name": "Toko Chaos", "access_token": ytToken,
	}, &acc); err != nil {
		c.t.Fatalf("chaos: attach the YouTube channel: %v", err)
	}
	tn.yt = acc.ID
	if _, err := tn.do(ctx, "POST", "/v1/workspaces/"+ws.ID+"/accounts", map[string]any{
		"platform": "tiktok", "external_id": ttOpenID, "name": "tokochaos", "access_token": ttToken,
	}, &acc); err != nil {
		c.t.Fatalf("chaos: attach the TikTok account: %v", err)
	}
	tn.tt = acc.ID
	// A webhook endpoint of every event: the report checks that each
	// post's and delivery's event arrived.
	var hook struct {
		Secret string `json:"secret"`
	}
	if _, err := tn.do(ctx, "POST", "/v1/workspaces/"+ws.ID+"/webhooks", map[string]any{"url": c.hooks.URL() + "/hooks"}, &hook); err != nil {
		c.t.Fatalf("chaos: create the webhook endpoint: %v", err)
	}
	c.hooks.SetSecrets(hook.Secret, "")
	return tn
}
