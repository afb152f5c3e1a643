package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/internal/app"
)

// serveHelperEnv makes this test binary act as `serentak serve`
// (TestServeHelperProcess), so measureStartup's tests need no go build.
const serveHelperEnv = "SERENTAK_TEST_SERVE_HELPER"

// TestServeHelperProcess is not a test: it is `serentak serve` when
// measureStartup's tests run this binary as their child.
func TestServeHelperProcess(t *testing.T) {
	if os.Getenv(serveHelperEnv) != "1" {
		t.Skip("runs only as the child of TestMeasureStartup")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "serentak:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serve is `serentak serve`.
func serve(ctx context.Context) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	a := app.New(cfg, app.Serve, os.Stdout)
	defer a.Close()
	return a.Run(ctx)
}

// helperServe runs this test binary as serve.
func helperServe() *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$")
	cmd.Env = []string{serveHelperEnv + "=1"}
	return cmd
}

func TestMeasureStartup(t *testing.T) {
	t.Run("ready, idle, stopped", func(t *testing.T) {
		env := map[string]string{"SERENTAK_DATABASE_URL": "", "SERENTAK_REDIS_URL": os.Getenv("SERENTAK_TEST_REDIS_URL")}
		if os.Getenv(storetest.EnvDatabaseURL) != "" {
			env["SERENTAK_DATABASE_URL"] = storetest.URL(t)
		}
		rep, err := measureStartupOf(context.Background(), helperServe, func(k string) string { return env[k] }, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%s", rep)
		if rep.Ready <= 0 {
			t.Errorf("Ready = %v, want > 0", rep.Ready)
		}
		if rep.StopProblem != "" {
			t.Errorf("StopProblem = %q, want a clean exit on SIGTERM", rep.StopProblem)
		}
		if runtime.GOOS == "linux" && (rep.IdleRSS <= 0 || rep.PeakRSS < rep.IdleRSS) {
			t.Errorf("IdleRSS = %.1f MiB, PeakRSS = %.1f MiB; want 0 < idle ≤ peak", rep.IdleRSS, rep.PeakRSS)
		}
		if want := backendName(env["SERENTAK_DATABASE_URL"], env["SERENTAK_REDIS_URL"]); rep.Backend != want {
			t.Errorf("Backend = %q, want %q", rep.Backend, want)
		}
		for _, want := range []string{"serve ready", "serve idle RSS", "exit 0"} {
			if !strings.Contains(rep.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, rep)
			}
		}
	})

	t.Run("a serve that cannot start is an error with its output", func(t *testing.T) {
		env := map[string]string{"SERENTAK_REDIS_URL": "nonsense://"}
		_, err := measureStartupOf(context.Background(), helperServe, func(k string) string { return env[k] }, 100*time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), "exited while starting") || !strings.Contains(err.Error(), "SERENTAK_REDIS_URL") {
			t.Errorf("err = %v, want it to say serve exited and why (SERENTAK_REDIS_URL)", err)
		}
	})
}

func TestStartupEnvPassesOnlyWhatItNames(t *testing.T) {
	caller := map[string]string{
		"SERENTAK_DATABASE_URL":   "postgres://db/x",
		"SERENTAK_REDIS_URL":      "redis://127.0.0.1:6379/12",
		"SERENTAK_FACEBOOK_TOKEN": "not passed",
		"GOMEMLIMIT":              "40MiB",
	}
	env, err := startupEnv(func(k string) string { return caller[k] }, "/data")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"SERENTAK_DATABASE_URL": "postgres://db/x",
		"SERENTAK_REDIS_URL":    "redis://127.0.0.1:6379/12",
		"GOMEMLIMIT":            "40MiB",
		"SERENTAK_DATA_DIR":     "/data",
		"SERENTAK_CONFIG":       os.DevNull,
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if _, ok := env["SERENTAK_FACEBOOK_TOKEN"]; ok {
		t.Error("SERENTAK_FACEBOOK_TOKEN was passed to serve; want only the named variables")
	}
	if !strings.HasPrefix(env["SERENTAK_ADDR"], "127.0.0.1:") {
		t.Errorf("SERENTAK_ADDR = %q, want a loopback port", env["SERENTAK_ADDR"])
	}
}
