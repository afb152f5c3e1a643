package serentak

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// The layering rules the build alone does not enforce. The domain package
// (this one) is standard library only. The packages that run the pipeline
// and serve the API know storage only through small interfaces they
// declare themselves (worker.Store, scheduler.Store, connect.Store,
// keepalive.Store, api.Store): none of them may reach GORM, a database
// driver or gormstore, so a type that crosses packages lives here and not
// in the store. cmd/serentak alone wires gormstore in.
var (
	driverFree = []string{"./worker", "./scheduler", "./connect", "./api", "./keepalive", "./compose", "./task", "./webhook", "./metrics", "./clicks", "./postmetrics"}
	// forbidden are import path prefixes; a prefix ending in "/" matches
	// the packages under it, any other matches that package and those
	// under it.
	forbidden = []string{
		"gorm.io/",
		"github.com/jackc/pgx",
		"github.com/glebarez/",
		"modernc.org/sqlite",
		"github.com/serentak/serentak/gormstore",
	}
)

// depGraph is what `go list -deps` says of some packages: each package's
// direct imports, which packages were named on the command line, and which
// are in the standard library.
type depGraph struct {
	imports  map[string][]string
	named    []string
	standard map[string]bool
}

// listDeps runs `go list -deps` on pkgs from this package's directory (the
// module root).
func listDeps(t *testing.T, pkgs ...string) depGraph {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH; the dependency check needs `go list`")
	}
	args := append([]string{"list", "-deps", "-f",
		`{{if .DepOnly}}dep{{else}}named{{end}} {{.Standard}} {{.ImportPath}}{{range .Imports}} {{.}}{{end}}`}, pkgs...)
	cmd := exec.Command(gobin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", strings.Join(pkgs, " "), err, stderr.Bytes())
	}
	g := depGraph{imports: map[string][]string{}, standard: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			t.Fatalf("go list -deps: unexpected line %q", sc.Text())
		}
		path := f[2]
		g.imports[path] = f[3:]
		g.standard[path] = f[1] == "true"
		if f[0] == "named" {
			g.named = append(g.named, path)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading go list -deps: %v", err)
	}
	if len(g.named) != len(pkgs) {
		t.Fatalf("go list -deps %s named %d packages, want %d: %v", strings.Join(pkgs, " "), len(g.named), len(pkgs), g.named)
	}
	return g
}

// violations returns, for every package in g.named that depends on a
// package bad reports true for, the import chain from it to the first such
// package found (breadth first, so the chain is a shortest one), e.g.
// "…/worker → …/gormstore". The search does not go past a bad package.
func violations(g depGraph, bad func(path string) bool) []string {
	var out []string
	for _, root := range g.named {
		parent := map[string]string{root: ""}
		queue := []string{root}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			if p != root && bad(p) {
				chain := []string{p}
				for q := parent[p]; q != ""; q = parent[q] {
					chain = append(chain, q)
				}
				for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
					chain[i], chain[j] = chain[j], chain[i]
				}
				out = append(out, strings.Join(chain, " → "))
				continue
			}
			for _, imp := range g.imports[p] {
				if _, seen := parent[imp]; !seen {
					parent[imp] = p
					queue = append(queue, imp)
				}
			}
		}
	}
	return out
}

func isForbidden(path string) bool {
	for _, f := range forbidden {
		if strings.HasSuffix(f, "/") && strings.HasPrefix(path, f) ||
			path == f || strings.HasPrefix(path, f+"/") {
			return true
		}
	}
	return false
}

// TestDriverFreePackages fails, naming the import chain, when a package
// that must not know the database reaches GORM, a driver or gormstore.
// Move the type it needs to the domain package (or declare the interface
// it needs in it) instead.
func TestDriverFreePackages(t *testing.T) {
	g := listDeps(t, driverFree...)
	for _, v := range violations(g, isForbidden) {
		t.Errorf("forbidden dependency: %s", v)
	}
}

// TestDomainIsStandardLibraryOnly fails, naming the import chain, when the
// domain package imports anything outside the standard library.
func TestDomainIsStandardLibraryOnly(t *testing.T) {
	g := listDeps(t, ".")
	for _, v := range violations(g, func(p string) bool { return !g.standard[p] }) {
		t.Errorf("the domain package must use the standard library only: %s", v)
	}
}

// TestFakeCommandsLinkNoTesting fails, naming the import chain, when a
// command that runs the platform fakes (serentak-fake, serentak-bench)
// or the stack of them links the testing package: the fakes import no
// "testing" (fakeoauth.Start, fakeplatform) so that programs can run them.
func TestFakeCommandsLinkNoTesting(t *testing.T) {
	g := listDeps(t, "./cmd/serentak-fake", "./cmd/serentak-bench", "./internal/fakestack")
	for _, v := range violations(g, func(p string) bool { return p == "testing" }) {
		t.Errorf("a command or the fake stack links testing: %s", v)
	}
}

// TestViolationsNameTheChain holds the check itself to finding a forbidden
// package however deep it is, and naming how it is reached.
func TestViolationsNameTheChain(t *testing.T) {
	g := depGraph{
		named: []string{"m/worker", "m/api"},
		imports: map[string][]string{
			"m/worker":     {"fmt", "m/task", "m/gormstore"},
			"m/task":       {"fmt"},
			"m/gormstore":  {"gorm.io/gorm"},
			"gorm.io/gorm": {"fmt"},
			"m/api":        {"m/media"},
			"m/media":      {"m/blob"},
			"m/blob":       {"github.com/jackc/pgx/v5"},
			"fmt":          nil,
		},
	}
	bad := func(p string) bool {
		return strings.HasPrefix(p, "gorm.io/") || strings.HasPrefix(p, "github.com/jackc/pgx")
	}
	got := violations(g, bad)
	want := []string{"m/worker → m/gormstore → gorm.io/gorm", "m/api → m/media → m/blob → github.com/jackc/pgx/v5"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for path, want := range map[string]bool{
		"gorm.io/gorm": true, "gorm.io/driver/postgres": true, "github.com/jackc/pgx/v5/stdlib": true,
		"github.com/glebarez/sqlite": true, "modernc.org/sqlite/lib": true,
		"github.com/serentak/serentak/gormstore": true, "github.com/serentak/serentak/gormstore/storetest": true,
		"github.com/serentak/serentak/gormstorex": false, "modernc.org/mathutil": false, "github.com/serentak/serentak/task": false,
	} {
		if got := isForbidden(path); got != want {
			t.Errorf("isForbidden(%q) = %v, want %v", path, got, want)
		}
	}
}
