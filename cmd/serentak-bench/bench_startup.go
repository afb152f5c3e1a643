package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The targets for the default install on a small machine.
const (
	startupReadyTarget   = time.Second
	startupIdleRSSTarget = 60 // MiB
)

// startupIdle is how long serve runs untouched before its memory is read:
// long enough for the scheduler, the workers and the pools to settle.
const startupIdle = 3 * time.Second

// startupReport is how a fresh `serentak serve` starts, idles and stops. It
// is measured on a separate process so that the bench's fake platform and
// HTTP client count in neither the time nor the memory.
type startupReport struct {
	Backend  string
	Ready    time.Duration // from exec to the first 200 from /readyz
	IdleRSS  float64       // MiB resident after idling (VmRSS)
	IdleAnon float64       // MiB of IdleRSS that is the process's own memory (RssAnon), not mapped binary pages
	IdleCPU  float64       // share of one core used while idling
	PeakRSS  float64       // MiB, the most it was ever resident (VmHWM), start included
	Stop     time.Duration // from SIGTERM to exit
	// StopProblem says what went wrong on SIGTERM (no exit within
	// stopTimeout, or an unclean exit); empty when it exited 0.
	StopProblem string
}

// stopTimeout is how long serve may take to exit after SIGTERM.
const stopTimeout = 10 * time.Second

func (r startupReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "serve ready (separate)  %v after exec  (target ≤ %v; %s)\n", r.Ready.Round(time.Millisecond), startupReadyTarget, r.Backend)
	fmt.Fprintf(&b, "serve idle RSS          %.0f MiB (%.0f MiB anon)  peak %.0f MiB  (target ≤ %d MiB)\n", r.IdleRSS, r.IdleAnon, r.PeakRSS, startupIdleRSSTarget)
	fmt.Fprintf(&b, "serve idle CPU          %.1f%% of a core\n", 100*r.IdleCPU)
	if r.StopProblem != "" {
		fmt.Fprintf(&b, "serve stop              %s\n", r.StopProblem)
	} else {
		fmt.Fprintf(&b, "serve stop              exit 0 %v after SIGTERM\n", r.Stop.Round(time.Millisecond))
	}
	return b.String()
}

// measureStartup runs exe (the serentak binary) as `serve` on a fresh data
// directory and measures it. With no SERENTAK_DATABASE_URL or
// SERENTAK_REDIS_URL in getenv it runs on SQLite and the embedded Redis, as
// the default install does; with them, on those.
func measureStartup(ctx context.Context, exe string, getenv func(string) string) (startupReport, error) {
	return measureStartupOf(ctx, func() *exec.Cmd { return exec.Command(exe, "serve") }, getenv, startupIdle)
}

// measureStartupOf is measureStartup with the command and the idle time
// given: tests run their own binary as serve, briefly.
//
// serve's port is picked free just before exec, so another process can take
// it first (CI runs test packages in parallel); serve then exits at once
// saying the address is in use, and the measurement is tried again on a new
// port, up to three times, since nothing of serve was measured yet.
func measureStartupOf(ctx context.Context, command func() *exec.Cmd, getenv func(string) string, idle time.Duration) (startupReport, error) {
	for attempt := 1; ; attempt++ {
		rep, err := measureStartupOnce(ctx, command, getenv, idle)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			return rep, err
		}
	}
}

func measureStartupOnce(ctx context.Context, command func() *exec.Cmd, getenv func(string) string, idle time.Duration) (startupReport, error) {
	dir, err := os.MkdirTemp("", "serentak-startup-")
	if err != nil {
		return startupReport{}, err
	}
	defer os.RemoveAll(dir)
	env, err := startupEnv(getenv, dir)
	if err != nil {
		return startupReport{}, err
	}
	rep := startupReport{Backend: backendName(env["SERENTAK_DATABASE_URL"], env["SERENTAK_REDIS_URL"])}
	p, err := startServeProcess(ctx, command(), env, dir)
	if err != nil {
		return rep, err
	}
	defer p.kill() // failed or canceled: leave nothing running
	if rep.Ready, err = p.waitReady("http://" + env["SERENTAK_ADDR"] + "/readyz"); err != nil {
		return rep, err
	}
	if err := p.measureIdle(idle, &rep); err != nil {
		return rep, err
	}
	return rep, p.stop(&rep)
}

// serveProcess is a serve being measured.
type serveProcess struct {
	ctx     context.Context
	cmd     *exec.Cmd
	logPath string
	logf    *os.File
	start   time.Time
	exited  chan error
	stopped bool // it has exited and exited was read
}

// startServeProcess starts cmd in dir with exactly env. Its output goes to
// a file, not a pipe: no goroutine in this process reads it, and its tail
// explains a serve that would not start.
func startServeProcess(ctx context.Context, cmd *exec.Cmd, env map[string]string, dir string) (*serveProcess, error) {
	p := &serveProcess{ctx: ctx, cmd: cmd, logPath: filepath.Join(dir, "serve.log"), exited: make(chan error, 1)}
	var err error
	if p.logf, err = os.Create(p.logPath); err != nil {
		return nil, err
	}
	cmd.Dir = dir // so no configs/serentak.env from the caller's directory is read
	cmd.Stdout, cmd.Stderr = p.logf, p.logf
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		p.logf.Close()
		return nil, fmt.Errorf("start serve: %w", err)
	}
	go func() { p.exited <- cmd.Wait() }()
	return p, nil
}

// kill ends serve if it still runs.
func (p *serveProcess) kill() {
	if !p.stopped {
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.stopped = true
	}
	p.logf.Close()
}

func (p *serveProcess) failed(what string, err error) error {
	return fmt.Errorf("serve %s: %v\n%s", what, err, fileTail(p.logPath, 2048))
}

// alive waits d, and fails if serve exits (while doing what) or ctx ends
// meanwhile.
func (p *serveProcess) alive(d time.Duration, what string) error {
	select {
	case <-p.ctx.Done():
		return p.ctx.Err()
	case err := <-p.exited:
		p.stopped = true
		return p.failed("exited while "+what, err)
	case <-time.After(d):
		return nil
	}
}

// waitReady polls readyURL until it answers 200 (refused connections come
// back at once until serve listens) and returns the time since exec.
func (p *serveProcess) waitReady(readyURL string) (time.Duration, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := p.start.Add(60 * time.Second)
	for !readyOnce(p.ctx, client, readyURL) {
		if time.Now().After(deadline) {
			return 0, p.failed("not ready", errors.New("no 200 from /readyz within 60s"))
		}
		if err := p.alive(5*time.Millisecond, "starting"); err != nil {
			return 0, err
		}
	}
	return time.Since(p.start), nil
}

// measureIdle leaves serve alone for idle, then reads its CPU and memory.
func (p *serveProcess) measureIdle(idle time.Duration, rep *startupReport) error {
	stat := fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid)
	cpu0, t0 := procCPU(stat), time.Now()
	if err := p.alive(idle, "idle"); err != nil {
		return err
	}
	rep.IdleCPU = float64(procCPU(stat)-cpu0) / float64(time.Since(t0))
	status := fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid)
	rep.IdleRSS = statusMiB(status, "VmRSS:")
	rep.IdleAnon = statusMiB(status, "RssAnon:")
	rep.PeakRSS = statusMiB(status, "VmHWM:")
	return nil
}

// stop sends SIGTERM and times the exit, which must be 0 and come within
// stopTimeout.
func (p *serveProcess) stop(rep *startupReport) error {
	t0 := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop serve: %w", err)
	}
	select {
	case err := <-p.exited:
		p.stopped = true
		rep.Stop = time.Since(t0)
		if err != nil {
			rep.StopProblem = fmt.Sprintf("%v %v after SIGTERM (want exit 0)", err, rep.Stop.Round(time.Millisecond))
		}
	case <-time.After(stopTimeout):
		rep.StopProblem = fmt.Sprintf("did not exit within %v of SIGTERM; killed", stopTimeout)
	}
	return nil
}

// startupEnv is serve's whole environment: the default install on dir,
// plus what the caller chose to pass through. Nothing else of this process's
// environment leaks in.
func startupEnv(getenv func(string) string, dir string) (map[string]string, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"SERENTAK_ADDR":       "127.0.0.1:" + strconv.Itoa(port),
		"SERENTAK_DATA_DIR":   dir,
		"SERENTAK_CONFIG":     os.DevNull,
		"SERENTAK_LOG_LEVEL":  "warn",
		"SERENTAK_ADMIN_KEY":  "bench-operator-key", // bench's keys: none is printed, and tokens bench stored stay readable
		"SERENTAK_SECRET_KEY": "bench-secret-key",
	}
	for _, k := range []string{
		// The backends, and the knobs bench passes to its own serve.
		"SERENTAK_DATABASE_URL", "SERENTAK_REDIS_URL",
		"SERENTAK_WORKER_CONCURRENCY", "SERENTAK_WORKER_AHEAD", "SERENTAK_SCHEDULER_TICK", "SERENTAK_SCHEDULER_HORIZON",
		"SERENTAK_QUEUE_CHECK_INTERVAL", "SERENTAK_DATABASE_MAX_CONNS",
		// The Go runtime's knobs, which move RSS (GOGC, GOMEMLIMIT) or
		// explain it (GODEBUG=inittrace=1).
		"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG",
		"PATH", "HOME", "TMPDIR",
	} {
		if v := getenv(k); v != "" {
			env[k] = v
		}
	}
	return env, nil
}

// freePort returns a loopback port nothing listens on now. Another process
// could take it before serve binds it; serve would then exit at once
// saying so, which measureStartup reports.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// readyOnce reports whether url answers 200 now.
func readyOnce(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// backendName names the database and Redis serve runs on.
func backendName(dbURL, redisURL string) string {
	db := "sqlite"
	if strings.HasPrefix(dbURL, "postgres") {
		db = "postgresql"
	}
	if redisURL == "" {
		return db + " + embedded redis"
	}
	return db + " + redis"
}

// statusMiB reads a kB field such as "VmRSS:" from a /proc/<pid>/status
// file, in MiB; 0 where there is no /proc (not Linux).
func statusMiB(path, field string) float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// procCPU reads the user and system CPU time from a /proc/<pid>/stat
// file; 0 where there is no /proc.
func procCPU(path string) time.Duration {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// Count from after the command name, which is in parentheses and may
	// hold spaces and parentheses; utime and stime are then 12th and 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const clockTick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime+stime) * clockTick
}

// fileTail returns up to the last n bytes of the file at path.
func fileTail(path string, n int) string {
	b, _ := os.ReadFile(path)
	return string(b[max(len(b)-n, 0):])
}
