// Package kubernetes holds no code: its test checks the Kustomize
// manifests beside it (docs/kubernetes.md) for what a schema validator
// cannot see: probes, a non-root read-only container, resources, a
// disruption budget per role, a grace period longer than a worker's
// shutdown, secrets only from the Secret, a migrations Job named per
// release, and workers scaled on every queue they serve. CI also renders
// them with kustomize (.ci/kubernetes).
package kubernetes

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/task"
)

type obj = map[string]any

// get walks keys (strings) and list indexes (ints) from v; nil when a step
// is missing.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(obj)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := get(v, path...).(string); return s }
func list(v any, path ...any) []any { l, _ := get(v, path...).([]any); return l }

// load reads every document of the resources a kustomization lists.
func load(t *testing.T, dir string) (kustomization obj, docs []obj) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &kustomization); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	for _, r := range list(kustomization, "resources") {
		name := filepath.Join(dir, r.(string))
		if fi, err := os.Stat(name); err == nil && fi.IsDir() {
			continue // a base, checked on its own
		}
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var d obj
			err := dec.Decode(&d)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if d != nil {
				docs = append(docs, d)
			}
		}
	}
	return kustomization, docs
}

// secretEnv are the settings that carry a key or a password: only ever
// from the Secret.
var secretEnv = []string{"SERENTAK_SECRET_KEY", "SERENTAK_ADMIN_KEY", "SERENTAK_DATABASE_URL",
	"SERENTAK_REDIS_URL", "SERENTAK_MEDIA_S3_URL", "SERENTAK_SMTP_URL"}

// workerStopBound is how long a worker may take to stop after SIGTERM:
// worker.Config.ShutdownTimeout's default (10 s) for publishes in flight,
// then up to 15 s to record an interrupted one (worker.recordCtx).
const workerStopBound = 10*time.Second + 15*time.Second

func TestManifests(t *testing.T) {
	kust, docs := load(t, "base")
	byKind := map[string][]obj{}
	for _, d := range docs {
		byKind[str(d, "kind")] = append(byKind[str(d, "kind")], d)
	}

	for _, cm := range byKind["ConfigMap"] {
		for key := range get(cm, "data").(obj) {
			if slices.Contains(secretEnv, key) {
				t.Errorf("ConfigMap %s holds %s: it belongs in the Secret", str(cm, "metadata", "name"), key)
			}
		}
	}

	roles := map[string]obj{}
	for _, d := range byKind["Deployment"] {
		role := str(d, "metadata", "labels", "app.kubernetes.io/component")
		roles[role] = d
	}
	for _, role := range []string{"api", "worker", "scheduler"} {
		d := roles[role]
		if d == nil {
			t.Errorf("no Deployment for the %s role", role)
			continue
		}
		name := str(d, "metadata", "name")
		pod := get(d, "spec", "template", "spec")
		checkPod(t, name, pod, role)
		c := get(pod, "containers", 0)
		if role == "api" {
			if str(c, "livenessProbe", "httpGet", "path") != "/healthz" || str(c, "readinessProbe", "httpGet", "path") != "/readyz" {
				t.Errorf("%s: probes want /healthz (liveness) and /readyz (readiness)", name)
			}
		} else {
			want := []any{"/serentak", "healthcheck", "-role", role}
			for _, probe := range []string{"livenessProbe", "readinessProbe"} {
				if got := list(c, probe, "exec", "command"); !slices.Equal(got, want) {
					t.Errorf("%s: %s runs %v, want %v", name, probe, got, want)
				}
			}
		}
		if !hasPDB(byKind["PodDisruptionBudget"], get(d, "spec", "selector", "matchLabels").(obj)) {
			t.Errorf("%s: no PodDisruptionBudget selects its pods", name)
		}
		reps, _ := get(d, "spec", "replicas").(int)
		if role == "worker" {
			// KEDA owns the workers' count: a count in the Deployment
			// would be put back by every apply.
			if get(d, "spec", "replicas") != nil {
				t.Errorf("%s: replicas is set; the ScaledObject sets it", name)
			}
			reps = scaledMin(byKind["ScaledObject"], name)
		}
		if reps < 2 {
			t.Errorf("%s: %d replica(s); a disruption budget of one needs two", name, reps)
		}
	}
	if grace, _ := get(roles["worker"], "spec", "template", "spec", "terminationGracePeriodSeconds").(int); time.Duration(grace)*time.Second < 2*workerStopBound {
		t.Errorf("worker: terminationGracePeriodSeconds %d, want at least twice the %v a worker takes to stop", grace, workerStopBound)
	}

	// Migrations: a Job per release, named after its image tag.
	jobs := byKind["Job"]
	if len(jobs) != 1 {
		t.Fatalf("%d Jobs, want the migrations Job", len(jobs))
	}
	job := jobs[0]
	pod := get(job, "spec", "template", "spec")
	checkPod(t, "Job", pod, "migrate")
	_, tag, _ := strings.Cut(str(pod, "containers", 0, "image"), ":")
	if name := str(job, "metadata", "name"); name != "serentak-migrate-"+tag {
		t.Errorf("the migrations Job is %q, want serentak-migrate-%s (its image tag)", name, tag)
	}
	if rp := str(pod, "restartPolicy"); rp != "Never" && rp != "OnFailure" {
		t.Errorf("the migrations Job's restartPolicy is %q", rp)
	}
	for dir, k := range map[string]obj{"base": kust, "example": mustKustomization(t, "example")} {
		if !namesJobAfterTag(k) {
			t.Errorf("%s/kustomization.yaml: no replacement names the migrations Job after the image tag", dir)
		}
	}

	// Workers scale on the depth of every queue they serve.
	var scaled obj
	for _, so := range byKind["ScaledObject"] {
		if str(so, "spec", "scaleTargetRef", "name") == str(roles["worker"], "metadata", "name") {
			scaled = so
		}
	}
	if scaled == nil {
		t.Fatal("no ScaledObject scales the workers")
	}
	var lists []string
	for _, tr := range list(scaled, "spec", "triggers") {
		lists = append(lists, str(tr, "metadata", "listName"))
	}
	var want []string
	for _, p := range serentak.Platforms {
		want = append(want, "asynq:{"+task.Queue(p)+"}:pending")
	}
	want = append(want, "asynq:{"+task.QueueWebhooks+"}:pending")
	slices.Sort(lists)
	slices.Sort(want)
	if !slices.Equal(lists, want) {
		t.Errorf("the workers scale on %v, want every queue they serve: %v", lists, want)
	}
}

// checkPod: non-root, read-only, no capabilities, resources, /tmp
// writable, the role's command, secrets from the Secret only.
func checkPod(t *testing.T, name string, pod any, role string) {
	t.Helper()
	if get(pod, "securityContext", "runAsNonRoot") != true {
		t.Errorf("%s: runAsNonRoot is not set", name)
	}
	if get(pod, "automountServiceAccountToken") != false {
		t.Errorf("%s: mounts a service account token it does not use", name)
	}
	emptyDirs := map[string]bool{}
	for _, v := range list(pod, "volumes") {
		if get(v, "emptyDir") != nil {
			emptyDirs[str(v, "name")] = true
		}
	}
	containers := list(pod, "containers")
	if len(containers) == 0 {
		t.Errorf("%s: no container", name)
	}
	for _, c := range containers {
		if got := list(c, "args"); len(got) == 0 || got[0] != role {
			t.Errorf("%s: runs %v, want the %s command", name, got, role)
		}
		sc := get(c, "securityContext")
		if get(sc, "readOnlyRootFilesystem") != true || get(sc, "allowPrivilegeEscalation") != false ||
			!slices.Contains(list(sc, "capabilities", "drop"), any("ALL")) {
			t.Errorf("%s: the container wants readOnlyRootFilesystem, no privilege escalation and every capability dropped; has %v", name, sc)
		}
		for _, r := range []string{"requests/cpu", "requests/memory", "limits/memory"} {
			kind, res, _ := strings.Cut(r, "/")
			if str(c, "resources", kind, res) == "" {
				t.Errorf("%s: no resources.%s.%s", name, kind, res)
			}
		}
		tmp := false
		for _, m := range list(c, "volumeMounts") {
			if str(m, "mountPath") == "/tmp" && emptyDirs[str(m, "name")] {
				tmp = true
			}
		}
		if !tmp {
			t.Errorf("%s: /tmp is not a writable emptyDir", name)
		}
		env := map[string]any{}
		for _, e := range list(c, "env") {
			env[str(e, "name")] = e
			if slices.Contains(secretEnv, str(e, "name")) {
				if get(e, "value") != nil || str(e, "valueFrom", "secretKeyRef", "name") == "" {
					t.Errorf("%s: %s is not from a Secret (secretKeyRef)", name, str(e, "name"))
				}
			}
		}
		for _, required := range []string{"SERENTAK_SECRET_KEY", "SERENTAK_DATABASE_URL"} {
			if env[required] == nil {
				t.Errorf("%s: no %s", name, required)
			}
		}
	}
}

// scaledMin is the least number of replicas a ScaledObject keeps of the
// Deployment name; 0 when none scales it.
func scaledMin(scaled []obj, name string) int {
	for _, so := range scaled {
		if str(so, "spec", "scaleTargetRef", "name") == name {
			n, _ := get(so, "spec", "minReplicaCount").(int)
			return n
		}
	}
	return 0
}

func hasPDB(pdbs []obj, labels obj) bool {
	for _, p := range pdbs {
		sel, _ := get(p, "spec", "selector", "matchLabels").(obj)
		if len(sel) == 0 {
			continue
		}
		all := true
		for k, v := range sel {
			all = all && labels[k] == v
		}
		if all && get(p, "spec", "minAvailable") != nil {
			return true
		}
	}
	return false
}

func mustKustomization(t *testing.T, dir string) obj {
	k, _ := load(t, dir)
	return k
}

func namesJobAfterTag(k obj) bool {
	for _, r := range list(k, "replacements") {
		if !strings.HasSuffix(str(r, "source", "fieldPath"), ".image") || str(r, "source", "options", "delimiter") != ":" {
			continue
		}
		for _, tg := range list(r, "targets") {
			if str(tg, "select", "kind") == "Job" && slices.Contains(list(tg, "fieldPaths"), any("metadata.name")) &&
				str(tg, "options", "delimiter") == "serentak-migrate-" {
				return true
			}
		}
	}
	return false
}
