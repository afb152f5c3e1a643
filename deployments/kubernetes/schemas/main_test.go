package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A definition with a group-version-kind becomes one standalone file
// under kubeconform's name for it, closed to unknown fields, with the
// definitions it uses and an int-or-string that takes either; a CRD's
// version becomes one too, open where the CRD keeps unknown fields.
func TestSchemas(t *testing.T) {
	dir := t.TempDir()
	swagger := filepath.Join(dir, "swagger.json")
	os.WriteFile(swagger, []byte(`{"definitions": {
	  "io.k8s.api.apps.v1.Deployment": {"type": "object",
	    "properties": {"spec": {"$ref": "#/definitions/io.k8s.api.apps.v1.DeploymentSpec"}},
	    "x-kubernetes-group-version-kind": [{"group": "apps", "kind": "Deployment", "version": "v1"}]},
	  "io.k8s.api.apps.v1.DeploymentSpec": {"type": "object",
	    "properties": {"maxUnavailable": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString"}}},
	  "io.k8s.api.core.v1.ConfigMap": {"type": "object", "properties": {"data": {"type": "object", "additionalProperties": {"type": "string"}}},
	    "x-kubernetes-group-version-kind": [{"group": "", "kind": "ConfigMap", "version": "v1"}]},
	  "io.k8s.api.core.v1.Unused": {"type": "object", "properties": {"x": {"type": "string"}}},
	  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"}
	}}`), 0o644)
	crd := filepath.Join(dir, "crd.yaml")
	os.WriteFile(crd, []byte(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: keda.sh
  names: {kind: ScaledObject}
  versions:
    - name: v1alpha1
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                maxReplicaCount: {type: integer}
                triggers:
                  type: array
                  items:
                    type: object
                    properties:
                      metadata: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {a: {type: string}}}
                      port: {x-kubernetes-int-or-string: true, type: string}
`), 0o644)
	out := filepath.Join(dir, "out")
	if n, err := write(swagger, out); err != nil || n != 2 {
		t.Fatalf("write = %d, %v; want 2 schemas", n, err)
	}
	if n, err := writeCRD(crd, out); err != nil || n != 1 {
		t.Fatalf("writeCRD = %d, %v; want 1", n, err)
	}
	read := func(name string) map[string]any {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	dep := read("deployment-apps-v1.json")
	defs := dep["definitions"].(map[string]any)
	if dep["$ref"] != "#/definitions/io.k8s.api.apps.v1.Deployment" || len(defs) != 3 {
		t.Errorf("deployment schema: $ref %v, %d definitions; want the Deployment and the 2 it uses", dep["$ref"], len(defs))
	}
	spec := defs["io.k8s.api.apps.v1.DeploymentSpec"].(map[string]any)
	if spec["additionalProperties"] != false {
		t.Errorf("DeploymentSpec is not closed to unknown fields: %v", spec)
	}
	if ios := defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].(map[string]any); ios["oneOf"] == nil {
		t.Errorf("IntOrString takes only one type: %v", ios)
	}
	cm := read("configmap-v1.json")["definitions"].(map[string]any)["io.k8s.api.core.v1.ConfigMap"].(map[string]any)
	if data := cm["properties"].(map[string]any)["data"].(map[string]any); data["additionalProperties"].(map[string]any)["type"] != "string" {
		t.Errorf("a map's additionalProperties was replaced: %v", data)
	}

	so := read("scaledobject-keda-v1alpha1.json")
	soSpec := so["properties"].(map[string]any)["spec"].(map[string]any)
	trigger := soSpec["properties"].(map[string]any)["triggers"].(map[string]any)["items"].(map[string]any)
	props := trigger["properties"].(map[string]any)
	if soSpec["additionalProperties"] != false || trigger["additionalProperties"] != false {
		t.Errorf("the ScaledObject's spec or trigger is not closed to unknown fields")
	}
	if _, set := props["metadata"].(map[string]any)["additionalProperties"]; set {
		t.Errorf("a CRD object that keeps unknown fields was closed")
	}
	if port := props["port"].(map[string]any); port["oneOf"] == nil || port["type"] != nil {
		t.Errorf("an int-or-string of the CRD takes one type: %v", port)
	}
}
