package chaos

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/serentak/serentak/gormstore/storetest"
)

// binary is the serentak binary TestMain builds for every test.
var binary string

var longRun = flag.Bool("chaos.long", false, "run the long form of every scenario (also SERENTAK_CHAOS_PUBLISHES=N)")

// EnvPublishes sets the number of posts of the worker-kill scenario and
// turns on the long form of the others.
const EnvPublishes = "SERENTAK_CHAOS_PUBLISHES"

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "serentak-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "serentak")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles ./cmd/serentak (the tests run in ./chaos).
func build(out string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "../cmd/serentak")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/serentak: %v\n%s", err, b)
	}
	return nil
}

// long reports whether the long form was asked for.
func long() bool { return *longRun || os.Getenv(EnvPublishes) != "" }

// size is short in the short form, long in the long one.
func size(short, longN int) int {
	if long() {
		return longN
	}
	return short
}

// publishes is the number of posts of the worker-kill scenario.
func publishes(t *testing.T) int {
	if v := os.Getenv(EnvPublishes); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a number of posts", EnvPublishes, v)
		}
		return n
	}
	return size(24, 100)
}

func envDatabaseURL() string { return os.Getenv(storetest.EnvDatabaseURL) }
