package metrics_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/metrics"
)

// series maps every series name a full install exports (a histogram's
// _bucket, _count and _sum included) to its label names and the values
// each takes at start. The labels Prometheus adds (job, instance) and le
// are taken as given.
func series(t *testing.T) map[string]map[string]map[string]bool {
	t.Helper()
	m := scheduler(fakeStore{}, fakeInspector{})
	for _, p := range serentak.Platforms {
		m.PlatformCall(p, nil, 0)
	}
	m.APIRequest("GET", "/healthz", 200, 0) // the API's histogram has no series before its first request
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]map[string]bool{}
	for _, f := range fams {
		names := []string{f.GetName()}
		if f.GetType().String() == "HISTOGRAM" {
			names = append(names, f.GetName()+"_bucket", f.GetName()+"_count", f.GetName()+"_sum")
		}
		labels := map[string]map[string]bool{"job": nil, "instance": nil, "le": nil}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if labels[l.GetName()] == nil {
					labels[l.GetName()] = map[string]bool{}
				}
				labels[l.GetName()][l.GetValue()] = true
			}
		}
		for _, n := range names {
			out[n] = labels
		}
	}
	return out
}

var (
	// selector is a series name with its optional {matchers}.
	selector = regexp.MustCompile(`\b((?:serentak|go|process)_[a-z_]+)(\{[^}]*\})?`)
	// matcher is one label="value" or label=~"a|b" matcher.
	matcher = regexp.MustCompile(`([a-z_]+)\s*(=~|=|!=|!~)\s*"([^"]*)"`)
	// plainAlternatives is a regexp that is only words joined by |.
	plainAlternatives = regexp.MustCompile(`^[a-z_]+(\|[a-z_]+)*$`)
)

// checkExpr reports every series and label value named in expr that the
// registry does not export: a typo there is an alert that never fires.
func checkExpr(t *testing.T, where, expr string, known map[string]map[string]map[string]bool) {
	t.Helper()
	found := false
	for _, sel := range selector.FindAllStringSubmatch(expr, -1) {
		found = true
		labels, ok := known[sel[1]]
		if !ok {
			t.Errorf("%s: %s is not a series Serentak exports", where, sel[1])
			continue
		}
		for _, mt := range matcher.FindAllStringSubmatch(sel[2], -1) {
			name, op, value := mt[1], mt[2], mt[3]
			values, ok := labels[name]
			if !ok {
				t.Errorf("%s: %s has no label %q", where, sel[1], name)
				continue
			}
			if values == nil || strings.HasPrefix(value, "$") || (op != "=" && op != "=~") {
				continue
			}
			if op == "=~" && !plainAlternatives.MatchString(value) {
				continue
			}
			for _, v := range strings.Split(value, "|") {
				if !values[v] {
					t.Errorf("%s: %s{%s} never takes the value %q", where, sel[1], name, v)
				}
			}
		}
	}
	if !found {
		t.Errorf("%s: %q names none of Serentak's series", where, expr)
	}
}

// Every alert of deployments/prometheus/alerts.yaml is complete and names
// series and label values that exist.
func TestAlertRules(t *testing.T) {
	raw, err := os.ReadFile("../deployments/prometheus/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name  string
			Rules []struct {
				Alert       string
				Expr        string
				For         string
				Labels      map[string]string
				Annotations map[string]string
			}
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	known := series(t)
	alerts := map[string]bool{}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
			if r.Expr == "" || r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("alert %q lacks an expr, a for, a severity or a summary", r.Alert)
			}
			checkExpr(t, r.Alert, r.Expr, known)
		}
	}
	// The alerts the operations guide promises (docs/api.md#metrics).
	for _, want := range []string{"SerentakDeliveriesFailing", "SerentakPublishLate", "SerentakAccountsNeedReauth", "SerentakWebhooksFailing"} {
		if !alerts[want] {
			t.Errorf("alerts.yaml has no %s", want)
		}
	}
}

// Every panel of the Grafana dashboard queries series that exist, and the
// dashboard shows each series of the contract.
func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile("../deployments/grafana/serentak-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("serentak-dashboard.json: %v", err)
	}
	known := series(t)
	all := ""
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			checkExpr(t, "panel "+p.Title, q.Expr, known)
			all += q.Expr + "\n"
		}
	}
	for _, name := range []string{
		"serentak_deliveries_total", "serentak_publish_lateness_seconds_bucket", "serentak_queue_due",
		"serentak_accounts", "serentak_webhook_attempts_total", "serentak_platform_call_duration_seconds_bucket",
		"serentak_platform_errors_total", "serentak_api_request_duration_seconds_bucket", "serentak_queue_tasks",
	} {
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(all) {
			t.Errorf("no panel shows %s", name)
		}
	}
	_ = metrics.Namespace
}

// Prometheus' own parser accepts every query of the dashboard and the
// alert rules (promtool check rules): a PromQL syntax error the tests
// above, which only read series names, would miss. It needs promtool
// (Debian: apt-get install prometheus); .ci/monitoring installs it and
// sets SERENTAK_TEST_PROMTOOL=required, so CI fails rather than skips.
func TestPromtoolParsesDashboardAndAlerts(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("SERENTAK_TEST_PROMTOOL") == "required" {
			t.Fatal("promtool is not on PATH and SERENTAK_TEST_PROMTOOL=required")
		}
		t.Skip("promtool is not on PATH (Debian: apt-get install prometheus)")
	}
	raw, err := os.ReadFile("../deployments/grafana/serentak-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct{ Targets []struct{ Expr string } }
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	// Each query as a recording rule, Grafana's variables as Grafana
	// fills them: $job with every job, $__rate_interval with a range.
	fill := strings.NewReplacer(`"$job"`, `".*"`, "$__rate_interval", "1m")
	type rule struct{ Record, Expr string }
	var rules []rule
	for i, p := range dash.Panels {
		for j, q := range p.Targets {
			rules = append(rules, rule{Record: fmt.Sprintf("dashboard:panel%d_%d", i, j), Expr: fill.Replace(q.Expr)})
		}
	}
	out, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dashboard.rules.yaml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "rules", file, "../deployments/prometheus/alerts.yaml")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, msg)
	}
}

// The monitoring stack's files hang together: every file compose mounts
// exists, Prometheus loads the alerts where compose mounts them, and it
// scrapes each role.
func TestMonitoringStack(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Volumes []string
		}
	}
	raw, err := os.ReadFile("../deployments/compose.monitoring.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("compose.monitoring.yaml: %v", err)
	}
	mounted := map[string]bool{}
	for name, s := range compose.Services {
		for _, v := range s.Volumes {
			src, dst, _ := strings.Cut(v, ":")
			dst, _, _ = strings.Cut(dst, ":")
			if !strings.HasPrefix(src, "./") {
				continue // a named volume
			}
			if _, err := os.Stat("../deployments/" + src); err != nil {
				t.Errorf("%s mounts %s, which does not exist", name, src)
			}
			mounted[dst] = true
		}
	}
	var prom struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName      string `yaml:"job_name"`
			DNSSDConfigs []struct {
				Names []string
				Port  int
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	raw, err = os.ReadFile("../deployments/prometheus/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &prom); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	for _, f := range prom.RuleFiles {
		if !mounted[f] {
			t.Errorf("prometheus.yml loads %s, which compose does not mount", f)
		}
	}
	scraped := map[string]int{}
	for _, sc := range prom.ScrapeConfigs {
		for _, d := range sc.DNSSDConfigs {
			for _, n := range d.Names {
				scraped[n] = d.Port
			}
		}
	}
	for role, port := range map[string]int{"api": 8080, "worker": 9090, "scheduler": 9090} {
		if scraped[role] != port {
			t.Errorf("prometheus.yml scrapes %s on port %d, want %d", role, scraped[role], port)
		}
	}
}
