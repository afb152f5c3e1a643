// Command schemas writes the JSON schemas kubeconform validates the
// manifests against (docs/kubernetes.md#validation), from Kubernetes' own
// OpenAPI document, so that CI needs nothing from the internet:
// kubeconform's default schemas are downloaded from GitHub, which CI does
// not reach, while api/openapi-spec/swagger.json comes in the
// k8s.io/kubernetes module, through the Go module proxy.
//
//	go run ./deployments/kubernetes/schemas -swagger "$(go mod download -json k8s.io/kubernetes@v1.34.0 | …Dir)/api/openapi-spec/swagger.json" -out DIR
//
// It writes DIR/<kind>-<group>-<version>.json, the names kubeconform
// looks up with -schema-location 'DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json',
// for every kind of the document, each standalone (the definitions it
// uses inside it) and strict (an object accepts only the fields the API
// defines, as kubeconform's -strict schemas: a misspelt field fails).
// As in the schemas kubeconform publishes, an int-or-string (a port, a
// maxUnavailable) takes either, and a quantity a string or a number.
//
// -crd adds a CustomResourceDefinition's kinds, from the schema of each
// of its versions (KEDA's ScaledObject, from the github.com/kedacore/keda/v2
// module's config/crd/bases), strict as well except where the CRD keeps
// unknown fields.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// crdFlags is the -crd files, in order.
type crdFlags []string

func (c *crdFlags) String() string     { return strings.Join(*c, ",") }
func (c *crdFlags) Set(v string) error { *c = append(*c, v); return nil }

func main() {
	swagger := flag.String("swagger", "", "Kubernetes' api/openapi-spec/swagger.json")
	out := flag.String("out", "", "directory to write the schemas to")
	var crds crdFlags
	flag.Var(&crds, "crd", "a CustomResourceDefinition YAML file whose kinds to add (repeatable)")
	flag.Parse()
	if *swagger == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: schemas -swagger swagger.json -out DIR")
		os.Exit(2)
	}
	n, err := write(*swagger, *out)
	for _, c := range crds {
		if err != nil {
			break
		}
		var m int
		m, err = writeCRD(c, *out)
		n += m
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemas:", err)
		os.Exit(1)
	}
	fmt.Printf("%d schemas written to %s\n", n, *out)
}

func write(swaggerPath, dir string) (int, error) {
	raw, err := os.ReadFile(swaggerPath)
	if err != nil {
		return 0, err
	}
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return 0, fmt.Errorf("%s: %w", swaggerPath, err)
	}
	defs := doc.Definitions
	for name, d := range defs {
		switch d["format"] {
		case "int-or-string":
			defs[name] = map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
		default:
			if strings.HasSuffix(name, ".api.resource.Quantity") {
				defs[name] = map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
			} else {
				strict(d)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	n := 0
	for name, d := range defs {
		gvks, _ := d["x-kubernetes-group-version-kind"].([]any)
		for _, g := range gvks {
			gvk, _ := g.(map[string]any)
			group, _ := gvk["group"].(string)
			version, _ := gvk["version"].(string)
			kind, _ := gvk["kind"].(string)
			used := map[string]any{}
			reach(defs, name, used)
			if err := writeSchema(dir, group, version, kind, map[string]any{"$ref": "#/definitions/" + name, "definitions": used}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// writeSchema writes schema under the name kubeconform looks up: the kind
// and its KindSuffix, "-v1" for the core group, else the group's first
// label and the version ("-apps-v1", "-networking-v1", "-keda-v1alpha1").
func writeSchema(dir, group, version, kind string, schema any) error {
	suffix := "-" + strings.ToLower(version)
	if group != "" {
		first, _, _ := strings.Cut(group, ".")
		suffix = "-" + strings.ToLower(first) + suffix
	}
	body, err := json.Marshal(schema)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, strings.ToLower(kind)+suffix+".json"), body, 0o644)
}

// writeCRD writes the schema of each version of a CustomResourceDefinition.
func writeCRD(path, dir string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var crd struct {
		Spec struct {
			Group string
			Names struct{ Kind string }
			// Versions' schemas as decoded from YAML; JSON keeps
			// their types (yaml.v3 gives map[string]any).
			Versions []struct {
				Name   string
				Schema struct {
					OpenAPIV3Schema map[string]any `yaml:"openAPIV3Schema"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	n := 0
	for _, v := range crd.Spec.Versions {
		s := v.Schema.OpenAPIV3Schema
		if s == nil {
			continue
		}
		crdStrict(s)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return n, err
		}
		if err := writeSchema(dir, crd.Spec.Group, v.Name, crd.Spec.Names.Kind, s); err != nil {
			return n, err
		}
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("%s: no version with a schema (is it a CustomResourceDefinition?)", path)
	}
	return n, nil
}

// crdStrict is strict for a CRD's structural schema: an object is closed
// unless it keeps unknown fields, and an int-or-string takes either.
func crdStrict(v any) {
	switch x := v.(type) {
	case map[string]any:
		if x["x-kubernetes-int-or-string"] == true {
			delete(x, "type")
			x["oneOf"] = []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}
		}
		if _, ok := x["properties"]; ok && x["x-kubernetes-preserve-unknown-fields"] != true {
			if _, set := x["additionalProperties"]; !set {
				x["additionalProperties"] = false
			}
		}
		for _, c := range x {
			crdStrict(c)
		}
	case []any:
		for _, c := range x {
			crdStrict(c)
		}
	}
}

// strict closes every object schema with properties to other fields, as
// the API server's strict field validation does.
func strict(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["properties"]; ok {
			if _, set := x["additionalProperties"]; !set {
				x["additionalProperties"] = false
			}
		}
		for _, c := range x {
			strict(c)
		}
	case []any:
		for _, c := range x {
			strict(c)
		}
	}
}

// reach adds name and every definition it refers to, transitively, to used.
func reach(defs map[string]map[string]any, name string, used map[string]any) {
	if _, ok := used[name]; ok {
		return
	}
	d, ok := defs[name]
	if !ok {
		return
	}
	used[name] = d
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				reach(defs, strings.TrimPrefix(ref, "#/definitions/"), used)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(d)
}
