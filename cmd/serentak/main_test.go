package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The production binary offers its roles, migrate, healthcheck, backup, restore and help; the benchmark
// and the fake platform are commands of their own (cmd/serentak-bench,
// cmd/serentak-fake).
func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, func(string) string { return "" }, &out, nil); err != nil {
		t.Fatalf("help: %v", err)
	}
	for _, want := range []string{"serve", "api", "worker", "scheduler", "migrate", "healthcheck", "backup", "restore"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
	for _, gone := range []string{"bench", "fake-graph"} {
		if strings.Contains(out.String(), gone) {
			t.Errorf("usage still offers %q:\n%s", gone, out.String())
		}
		if err := run(context.Background(), []string{gone}, func(string) string { return "" }, &bytes.Buffer{}, nil); err == nil || !strings.Contains(err.Error(), "unknown command") {
			t.Errorf("serentak %s: %v, want unknown command", gone, err)
		}
	}
	if err := run(context.Background(), nil, func(string) string { return "" }, &bytes.Buffer{}, nil); err == nil {
		t.Error("no command: nil error, want one")
	}
}

// serentak migrate creates the schema of a fresh install and exits.
func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SERENTAK_DATA_DIR": dir, "SERENTAK_CONFIG": os.DevNull}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, &out, nil); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "serentak.db")); err != nil {
		t.Errorf("no database after migrate: %v", err)
	}
	if !strings.Contains(out.String(), "database schema is up to date") {
		t.Errorf("migrate did not say it finished:\n%s", out.String())
	}
}

// No fake platform, test kit or benchmark is linked into the production
// binary: they are commands of their own (cmd/serentak-fake,
// cmd/serentak-bench) or test-only packages.
func TestNoFakeOrBenchInTheBinary(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list -deps: %v (no go tool here)", err)
	}
	for pkg := range strings.FieldsSeq(string(out)) {
		if !strings.HasPrefix(pkg, "github.com/serentak/serentak") {
			continue
		}
		base := pkg[strings.LastIndex(pkg, "/")+1:]
		if strings.HasPrefix(base, "fake") || strings.HasSuffix(base, "test") || strings.Contains(pkg, "bench") {
			t.Errorf("the serentak binary links %s", pkg)
		}
	}
}

// The production roles refuse an operator or secret key shorter than 32
// characters, saying how to make one; serve takes them (demos, tests).
func TestShortKeysRefused(t *testing.T) {
	long := "0123456789abcdef0123456789abcdef" // 32: the shortest accepted
	for _, role := range []string{"api", "worker", "scheduler"} {
		for name, env := range map[string]map[string]string{
			"SERENTAK_ADMIN_KEY":  {"SERENTAK_ADMIN_KEY": "short-operator-key", "SERENTAK_SECRET_KEY": long},
			"SERENTAK_SECRET_KEY": {"SERENTAK_ADMIN_KEY": long, "SERENTAK_SECRET_KEY": long[:31]},
		} {
			env["SERENTAK_CONFIG"] = os.DevNull
			env["SERENTAK_DATA_DIR"] = t.TempDir()
			err := run(context.Background(), []string{role}, func(k string) string { return env[k] }, &bytes.Buffer{}, nil)
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "at least 32") ||
				!strings.Contains(err.Error(), "head -c 32 /dev/urandom | base64") {
				t.Errorf("%s with a short %s: %v; want it refused, saying how to make one", role, name, err)
			}
		}
	}
	// serve checks no length: told to stop before it starts, it returns nil.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env := map[string]string{"SERENTAK_ADMIN_KEY": "short", "SERENTAK_SECRET_KEY": "short", "SERENTAK_CONFIG": os.DevNull, "SERENTAK_DATA_DIR": t.TempDir()}
	if err := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, &bytes.Buffer{}, nil); err != nil {
		t.Errorf("serve with short keys: %v", err)
	}
}
