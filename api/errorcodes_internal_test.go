package api

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestErrorCodeEnum keeps the Error schema's code enum equal to the codes
// the API can answer with (statusOf: any other code becomes "internal"),
// and every ECode constant of package serentak among them, so a client
// generated from the document knows every code it can meet.
func TestErrorCodeEnum(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Error struct {
					Properties struct {
						Error struct {
							Properties struct {
								Code struct {
									Enum []string `json:"enum"`
								} `json:"code"`
							} `json:"properties"`
						} `json:"error"`
					} `json:"properties"`
				} `json:"Error"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	enum := doc.Components.Schemas.Error.Properties.Error.Properties.Code.Enum
	var answered []string
	for code := range statusOf {
		answered = append(answered, code)
	}
	slices.Sort(answered)
	documented := slices.Sorted(slices.Values(enum))
	if !slices.Equal(answered, documented) {
		t.Errorf("Error.code enum in openapi.json = %v\nthe codes statusOf answers with = %v", documented, answered)
	}

	// The constants are read from the source: a new ECode that statusOf
	// does not map would reach clients as "internal".
	f, err := parser.ParseFile(token.NewFileSet(), "../error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var constants int
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || len(spec.Values) != 1 || !strings.HasPrefix(spec.Names[0].Name, "ECode") {
			return true
		}
		lit, ok := spec.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		code, _ := strconv.Unquote(lit.Value)
		constants++
		if !slices.Contains(enum, code) {
			t.Errorf("serentak.%s = %q is not in the Error.code enum of openapi.json", spec.Names[0].Name, code)
		}
		return true
	})
	if constants == 0 {
		t.Fatal("found no ECode constants in ../error.go")
	}
}
