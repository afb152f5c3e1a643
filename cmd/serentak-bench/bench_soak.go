package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// The soak (serentak-bench -soak, BENCHMARKS.md#soak) runs the production
// binary's serve as a child process for a long, even load instead of a
// burst: posts created at a steady rate, each due a little after it is
// created and sent to every Page, so that -soak-deliveries deliveries are
// spread over -soak-duration. Every -soak-sample it reads serve's memory
// (its own process: neither this bench's HTTP client nor the fake
// platform is in it), the lateness of the deliveries that arrived in that
// window, and on PostgreSQL what the database grew by, so that a leak, a
// slow drift in lateness or a table autovacuum cannot keep up with shows
// as a trend in one table.

// soakConfig is what the soak runs.
type soakConfig struct {
	Deliveries int           // deliveries in all (posts × Pages)
	Duration   time.Duration // over which the posts' due times are spread
	Sample     time.Duration // one row of the table per Sample
	Lead       time.Duration // how long after its creation a post is due
	Pages      int           // targets per post
	Latency    time.Duration // the fake platform's answer time
}

// soakRow is one sample: what happened in the window that ended at At.
type soakRow struct {
	At             time.Duration // since the first post was created
	Delivered      int           // arrivals in the window
	Rate           float64       // of them, per second
	P50, P99, Max  time.Duration // lateness (arrival − scheduled_at) of the window's arrivals
	CreateP99      time.Duration // POST /posts answered in the window
	RSS, Anon      float64       // serve's VmRSS and RssAnon, MiB
	CPU            float64       // serve's share of one core in the window
	Load           string        // the machine's 1-minute load average
	DBBytes        int64         // pg_database_size, growth since the start (PostgreSQL only)
	WALBytes       int64         // WAL written since the start, cluster-wide
	DeliveriesDead int64         // n_dead_tup of deliveries
	AutoVacuums    int64         // autovacuum runs on every table since the start
	RedisMem       int64         // used_memory, bytes (Redis only)
	// Heap and Goroutines are serve's own, from its /metrics: the Go
	// heap in use and the goroutines alive. With RSS they tell a heap
	// that grows (a leak) from a runtime that keeps freed pages.
	Heap       float64 // go_memstats_heap_inuse_bytes, MiB
	Goroutines int     // go_goroutines
}

// soakBench is a running soak.
type soakBench struct {
	c     soakConfig
	out   io.Writer
	graph *benchPlatform
	serve *serveProcess
	// base is serve's URL; operatorKey reads its /metrics.
	base, operatorKey string
	db                *gorm.DB      // nil unless PostgreSQL
	rdb               *redis.Client // nil with the embedded Redis
	start             time.Time

	mu        sync.Mutex
	createLat []time.Duration // this window's POST /posts latencies
	createErr error

	skip    []int           // arrivals already read, per Page
	seen    map[[2]int]int  // (Page, post) → arrivals: duplicates
	late    []time.Duration // every lateness, for the totals
	early   int             // arrivals before their scheduled_at
	rows    []soakRow       //
	cpu0    time.Duration   // serve's CPU at the last sample
	t0      time.Time       // the last sample
	pg0     pgSnapshot      // the database at the start
	pgLast  pgSnapshot      // at the last sample
	posts   int             // to create
	created atomic.Int64    // answered
	lastDue atomic.Int64    // unix seconds of the last post's scheduled_at
	retries atomic.Int64    // POST /posts sent again after a failed connection
}

// soakCommand is serentak-bench -soak.
func soakCommand(ctx context.Context, c soakConfig, exe string, getenv func(string) string, out io.Writer) error {
	if c.Pages < 1 || c.Deliveries < c.Pages || c.Duration <= 0 || c.Sample <= 0 {
		return fmt.Errorf("-soak: want -pages ≥ 1, -soak-deliveries ≥ -pages, and positive -soak-duration and -soak-sample")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	graph, err := startBenchPlatform(ctx, c.Latency, c.Pages)
	if err != nil {
		return err
	}
	defer graph.Close()
	dir, err := os.MkdirTemp("", "serentak-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env, err := startupEnv(getenv, dir)
	if err != nil {
		return err
	}
	env["SERENTAK_FACEBOOK_API_URL"] = graph.GraphURL
	for _, k := range []string{"SERENTAK_RETENTION", "SERENTAK_RETENTION_EVERY", "SERENTAK_RATE_LIMIT"} {
		if v := getenv(k); v != "" {
			env[k] = v
		}
	}
	s := &soakBench{c: c, out: out, graph: graph, skip: make([]int, c.Pages), seen: map[[2]int]int{}}
	s.posts = (c.Deliveries + c.Pages - 1) / c.Pages
	if url := env["SERENTAK_DATABASE_URL"]; strings.HasPrefix(url, "postgres") {
		if s.db, err = gorm.Open(postgres.Open(url), &gorm.Config{Logger: logger.Discard}); err != nil {
			return err
		}
		if sqlDB, err := s.db.DB(); err == nil {
			defer sqlDB.Close()
		}
	}
	if url := env["SERENTAK_REDIS_URL"]; url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			return err
		}
		s.rdb = redis.NewClient(opt)
		defer s.rdb.Close()
	}
	if s.serve, err = startServeProcess(ctx, exec.Command(exe, "serve"), env, dir); err != nil {
		return err
	}
	defer s.serve.kill()
	s.base, s.operatorKey = "http://"+env["SERENTAK_ADDR"], env["SERENTAK_ADMIN_KEY"]
	if _, err := s.serve.waitReady(s.base + "/readyz"); err != nil {
		return err
	}
	cl := &benchClient{base: s.base, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	ws, key, accounts, err := cl.setUp(c.Pages)
	if err != nil {
		return err
	}
	if s.db != nil {
		if s.pg0, err = readPG(s.db); err != nil {
			return err
		}
		s.pgLast = s.pg0
	}
	fmt.Fprintf(out, "soak: %d deliveries (%d posts × %d Pages) over %v, each due %v after it is created; %s; serve pid %d (RSS is serve's own process)\n",
		s.posts*c.Pages, s.posts, c.Pages, c.Duration, c.Lead, backendName(env["SERENTAK_DATABASE_URL"], env["SERENTAK_REDIS_URL"]), s.serve.cmd.Process.Pid)
	fmt.Fprintln(out, soakHeader)

	s.start = time.Now()
	s.t0, s.cpu0 = s.start, procCPU(s.statPath())
	done := make(chan struct{})
	go func() { defer close(done); s.create(ctx, cl, ws, key, accounts) }()
	tick := time.NewTicker(c.Sample)
	defer tick.Stop()
	want := s.posts * c.Pages
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if err := s.sample(); err != nil {
			return err
		}
		s.mu.Lock()
		cerr := s.createErr
		s.mu.Unlock()
		if cerr != nil {
			return cerr
		}
		finished := false
		select {
		case <-done:
			finished = len(s.late) >= want || time.Now().After(time.Unix(s.lastDue.Load(), 0).Add(2*time.Minute))
		default:
		}
		if finished {
			break
		}
	}
	time.Sleep(time.Second) // let a late duplicate show itself
	if err := s.sample(); err != nil {
		return err
	}
	var rep startupReport
	if err := s.serve.stop(&rep); err != nil {
		return err
	}
	s.report(want)
	if rep.StopProblem != "" {
		fmt.Fprintf(out, "serve stop              %s\n", rep.StopProblem)
	} else {
		fmt.Fprintf(out, "serve stop              exit 0 %v after SIGTERM\n", rep.Stop.Round(time.Millisecond))
	}
	return nil
}

func (s *soakBench) statPath() string { return fmt.Sprintf("/proc/%d/stat", s.serve.cmd.Process.Pid) }
func (s *soakBench) statusPath() string {
	return fmt.Sprintf("/proc/%d/status", s.serve.cmd.Process.Pid)
}

// create makes the posts at an even rate, open loop, each due c.Lead
// later (rounded up to the second: scheduled_at has whole seconds), sent
// to every Page. The caption carries the post's number and due second, so
// each arrival's lateness is read from its message.
func (s *soakBench) create(ctx context.Context, cl *benchClient, ws, key string, accounts []string) {
	interval := s.c.Duration / time.Duration(s.posts)
	targets := make([]map[string]any, len(accounts))
	for i, a := range accounts {
		targets[i] = map[string]any{"account_id": a}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := 0; i < s.posts; i++ {
		if wait := time.Until(s.start.Add(time.Duration(i) * interval)); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		due := time.Now().Add(s.c.Lead + time.Second - 1).Truncate(time.Second)
		s.lastDue.Store(due.Unix())
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := map[string]any{
				"caption":      fmt.Sprintf("Soak %d due %d: Keripik Singkong Pedas Rp25.000 https://wa.me/6281234567890", i, due.Unix()),
				"targets":      targets,
				"scheduled_at": due.Format(time.RFC3339),
			}
			t0 := time.Now()
			err := s.createPost(cl, ws, key, fmt.Sprintf("soak-%d", i), body)
			s.mu.Lock()
			defer s.mu.Unlock()
			if err != nil && s.createErr == nil {
				s.createErr = fmt.Errorf("create post %d: %w", i, err)
			}
			s.createLat = append(s.createLat, time.Since(t0))
			s.created.Add(1)
		}()
	}
}

// createPost sends one POST /posts, and sends it again, with the same
// Idempotency-Key so that it makes one post, when the connection failed
// before an answer: on a machine loaded past its cores a kept-alive
// connection can be reset under a request (a soak run ended so after 19
// minutes), and one lost request should not end a 30-minute run.
func (s *soakBench) createPost(cl *benchClient, ws, key, idem string, body map[string]any) error {
	b, _ := json.Marshal(body)
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		req, _ := http.NewRequest("POST", cl.base+"/v1/workspaces/"+ws+"/posts", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", idem)
		var resp *http.Response
		if resp, err = cl.http.Do(req); err != nil {
			s.retries.Add(1)
			continue
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("POST /posts: %d %s", resp.StatusCode, raw)
		}
		return nil
	}
	return err
}

// sample reads what arrived since the last sample, serve's process and
// the backends, and prints the row.
func (s *soakBench) sample() error {
	arr, err := s.graph.ArrivalsAfter(s.skip)
	if err != nil {
		return err
	}
	now := time.Now()
	row := soakRow{At: now.Sub(s.start), Delivered: len(arr)}
	var late []time.Duration
	for _, a := range arr {
		s.skip[a.Page]++
		var n int
		var due int64
		if _, err := fmt.Sscanf(a.Message, "Soak %d due %d", &n, &due); err != nil {
			return fmt.Errorf("an arrival not made by the soak: %q", a.Message)
		}
		s.seen[[2]int{a.Page, n}]++
		l := a.At.Sub(time.Unix(due, 0))
		if l < 0 {
			s.early++
		}
		late = append(late, l)
	}
	s.late = append(s.late, late...)
	if len(late) > 0 {
		row.P50, row.P99, row.Max = pct(late, 50), pct(late, 99), late[len(late)-1]
	}
	if w := now.Sub(s.t0); w > 0 {
		row.Rate = float64(len(arr)) / w.Seconds()
		cpu := procCPU(s.statPath())
		row.CPU = float64(cpu-s.cpu0) / float64(w)
		s.cpu0 = cpu
	}
	s.t0 = now
	s.mu.Lock()
	row.CreateP99 = pct(s.createLat, 99)
	s.createLat = s.createLat[:0]
	s.mu.Unlock()
	row.RSS, row.Anon = statusMiB(s.statusPath(), "VmRSS:"), statusMiB(s.statusPath(), "RssAnon:")
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		row.Load = strings.Fields(string(b))[0]
	}
	if s.db != nil {
		pg, err := readPG(s.db)
		if err != nil {
			return err
		}
		s.pgLast = pg
		row.DBBytes, row.WALBytes = pg.DB-s.pg0.DB, pg.WAL-s.pg0.WAL
		row.DeliveriesDead = pg.Tables["deliveries"].Dead
		for name, t := range pg.Tables {
			row.AutoVacuums += t.AutoVacuums - s.pg0.Tables[name].AutoVacuums
		}
	}
	if s.rdb != nil {
		row.RedisMem = redisUsedMemory(s.rdb)
	}
	if m, err := s.serveMetrics("go_memstats_heap_inuse_bytes", "go_goroutines"); err == nil {
		row.Heap, row.Goroutines = m[0]/(1<<20), int(m[1])
	}
	s.rows = append(s.rows, row)
	fmt.Fprintln(s.out, row)
	return nil
}

const soakHeader = "  min   deliv    /s    p50    p99    max  POST p99  RSS MiB (anon)  heap MiB  goroutines  CPU  load   DB +MiB  WAL +MiB  dead(deliveries)  autovac  redis MiB"

func (r soakRow) String() string {
	return fmt.Sprintf("%5.1f  %6d  %4.0f  %5s  %5s  %5s  %8s  %7.1f (%5.1f)  %8.1f  %10d  %3.0f%%  %4s  %8.1f  %8.1f  %16d  %7d  %9.1f",
		r.At.Minutes(), r.Delivered, r.Rate, ms(r.P50), ms(r.P99), ms(r.Max), ms(r.CreateP99), r.RSS, r.Anon, r.Heap, r.Goroutines, 100*r.CPU, r.Load,
		mib(r.DBBytes), mib(r.WALBytes), r.DeliveriesDead, r.AutoVacuums, mib(r.RedisMem))
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.0fs", d.Seconds())
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// report prints the totals: lost and duplicated deliveries, lateness over
// the run, whether RSS and p99 stayed flat, and the database's growth per
// delivery.
func (s *soakBench) report(want int) {
	out := s.out
	dups := 0
	for _, n := range s.seen {
		dups += n - 1
	}
	fmt.Fprintf(out, "\nPOST /posts sent again  %d (the connection failed before an answer; same Idempotency-Key)\n", s.retries.Load())
	fmt.Fprintf(out, "delivered               %d of %d (%d lost, %d duplicates, %d early)\n", len(s.late), want, want-len(s.seen), dups, s.early)
	all := append([]time.Duration(nil), s.late...)
	if len(all) > 0 {
		fmt.Fprintf(out, "lateness, whole run     p50 %v  p99 %v  max %v\n", pct(all, 50), pct(all, 99), all[len(all)-1])
	}
	// Flatness: the first full window is the warm-up; compare the second
	// with the last full one (the final, partial window is left out).
	full := s.rows
	if n := len(full); n > 1 && full[n-1].At-full[n-2].At < s.c.Sample/2 {
		full = full[:n-1]
	}
	for len(full) > 0 && full[0].Delivered == 0 { // before the first post was due
		full = full[1:]
	}
	if len(full) >= 3 {
		first, second, last := full[0], full[1], full[len(full)-1]
		maxRSS := 0.0
		for _, r := range full[1:] {
			maxRSS = max(maxRSS, r.RSS)
		}
		fmt.Fprintf(out, "serve RSS               %.1f MiB after the first window with deliveries, %.1f after the second, %.1f at the last (max after warm-up %.1f)\n", first.RSS, second.RSS, last.RSS, maxRSS)
		fmt.Fprintf(out, "serve Go heap in use    %.1f MiB after the second window, %.1f at the last; goroutines %d and %d\n", second.Heap, last.Heap, second.Goroutines, last.Goroutines)
		fmt.Fprintf(out, "p99 lateness            %v in the first window, %v in the last\n", first.P99, last.P99)
	}
	if s.db == nil {
		return
	}
	pg, n := s.pgLast, int64(max(len(s.late), 1))
	var heap, idx int64
	type growth struct {
		name             string
		heap, idx        int64
		live, dead, vacs int64
		last             *time.Time
	}
	var gs []growth
	for name, t := range pg.Tables {
		t0 := s.pg0.Tables[name]
		g := growth{name, t.Table - t0.Table, t.Index - t0.Index, t.Live, t.Dead, t.AutoVacuums - t0.AutoVacuums, t.LastAutovacuum}
		heap += g.heap
		idx += g.idx
		if g.heap+g.idx != 0 || g.dead > 0 {
			gs = append(gs, g)
		}
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].heap+gs[i].idx > gs[j].heap+gs[j].idx })
	fmt.Fprintf(out, "database growth         %.1f MiB: %d B per delivery in tables (rows, TOAST) + %d B in indexes; WAL %d B per delivery (cluster-wide: other databases' writes count too)\n",
		mib(pg.DB-s.pg0.DB), heap/n, idx/n, (pg.WAL-s.pg0.WAL)/n)
	fmt.Fprintln(out, "  table                        rows B/deliv  index B/deliv   live rows   dead rows  autovacuums  last autovacuum")
	for _, g := range gs {
		last := "-"
		if g.last != nil {
			last = g.last.UTC().Format("15:04:05")
		}
		fmt.Fprintf(out, "  %-28s %12d  %13d  %10d  %10d  %11d  %s\n", g.name, g.heap/n, g.idx/n, g.live, g.dead, g.vacs, last)
	}
}

// pgSnapshot is the database's size at one moment.
type pgSnapshot struct {
	DB     int64 // pg_database_size
	WAL    int64 // pg_current_wal_lsn as bytes: the cluster's, not this database's
	Tables map[string]pgTable
}

type pgTable struct {
	Table, Index   int64 // pg_table_size (heap, TOAST, maps), pg_indexes_size
	Live, Dead     int64
	AutoVacuums    int64
	LastAutovacuum *time.Time
}

func readPG(db *gorm.DB) (pgSnapshot, error) {
	snap := pgSnapshot{Tables: map[string]pgTable{}}
	if err := db.Raw("SELECT pg_database_size(current_database()), pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint").Row().Scan(&snap.DB, &snap.WAL); err != nil {
		return snap, fmt.Errorf("read the database's size: %w", err)
	}
	rows, err := db.Raw(`SELECT relname, pg_table_size(relid), pg_indexes_size(relid), n_live_tup, n_dead_tup, autovacuum_count, last_autovacuum
		FROM pg_stat_user_tables`).Rows()
	if err != nil {
		return snap, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var t pgTable
		if err := rows.Scan(&name, &t.Table, &t.Index, &t.Live, &t.Dead, &t.AutoVacuums, &t.LastAutovacuum); err != nil {
			return snap, err
		}
		snap.Tables[name] = t
	}
	return snap, rows.Err()
}

// serveMetrics reads the named gauges from serve's /metrics, with the
// operator key the bench gave it (startupEnv).
func (s *soakBench) serveMetrics(names ...string) ([]float64, error) {
	req, err := http.NewRequest(http.MethodGet, s.base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.operatorKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(names))
	for _, line := range strings.Split(string(b), "\n") {
		for i, name := range names {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				out[i], _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
			}
		}
	}
	return out, nil
}

// redisUsedMemory is Redis's used_memory in bytes; 0 when it cannot be read.
func redisUsedMemory(rdb *redis.Client) int64 {
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
