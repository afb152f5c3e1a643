package api

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// The API reference at GET /docs: api/openapi.json rendered on the server
// by pages/docs.html, so it cannot disagree with the document and needs no
// JavaScript. It is rendered once, on its first request.

// oaDoc is the part of an OpenAPI 3.0 document the page shows.
type oaDoc struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tags"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas    map[string]*oaSchema    `json:"schemas"`
		Responses  map[string]*oaResponse  `json:"responses"`
		Parameters map[string]*oaParameter `json:"parameters"`
	} `json:"components"`
}

type oaOperation struct {
	OperationID string                 `json:"operationId"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description"`
	Tags        []string               `json:"tags"`
	Parameters  []*oaParameter         `json:"parameters"`
	RequestBody *oaResponse            `json:"requestBody"` // the fields a body shares with a response
	Responses   map[string]*oaResponse `json:"responses"`
	Security    *[]map[string][]string `json:"security"`
}

type oaParameter struct {
	Ref         string    `json:"$ref"`
	Name        string    `json:"name"`
	In          string    `json:"in"`
	Description string    `json:"description"`
	Required    bool      `json:"required"`
	Schema      *oaSchema `json:"schema"`
}

type oaResponse struct {
	Ref         string             `json:"$ref"`
	Description string             `json:"description"`
	Required    bool               `json:"required"`
	Content     map[string]oaMedia `json:"content"`
}

type oaMedia struct {
	Schema   *oaSchema            `json:"schema"`
	Example  json.RawMessage      `json:"example"`
	Examples map[string]oaExample `json:"examples"`
}

type oaExample struct {
	Summary string          `json:"summary"`
	Value   json.RawMessage `json:"value"`
}

type oaSchema struct {
	Ref         string               `json:"$ref"`
	Type        string               `json:"type"`
	Format      string               `json:"format"`
	Description string               `json:"description"`
	Nullable    bool                 `json:"nullable"`
	Enum        []any                `json:"enum"`
	Items       *oaSchema            `json:"items"`
	Properties  map[string]*oaSchema `json:"properties"`
	Required    []string             `json:"required"`
	AllOf       []*oaSchema          `json:"allOf"`
	OneOf       []*oaSchema          `json:"oneOf"`
	AnyOf       []*oaSchema          `json:"anyOf"`
}

// The page's view of the document.
type (
	docsPage struct {
		Title, Version, Description, OpenAPIURL string
		Tags                                    []docsTag
		Codes                                   []docsCode
		Style                                   template.CSS
	}
	docsTag struct {
		Name, Description string
		Ops               []docsOp
	}
	docsOp struct {
		ID, Method, Path, Summary, Description string
		Public                                 bool
		Params                                 []docsParam
		Request                                []docsBody
		Responses                              []docsResponse
	}
	docsParam struct {
		Name, In, Type, Description string
		Required                    bool
	}
	docsBody struct {
		MediaType, Schema string
		Fields            []docsParam
		Examples          []docsExample
	}
	docsExample  struct{ Summary, Value string }
	docsResponse struct {
		Status, Description string
		Shared              bool
		Bodies              []docsBody
	}
	docsCode struct {
		Code   string
		Status int
	}
)

var methodOrder = []string{"get", "head", "post", "put", "patch", "delete"}

// docsStyle is the page's whole style sheet; the Content-Security-Policy
// allows it by its hash and nothing else.
const docsStyle = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem}
nav ul{padding-left:1.2rem;columns:12rem}
h1{font-size:1.6rem}h2{border-bottom:2px solid #ddd;margin-top:2.5rem}
section.op{border:1px solid #ddd;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
h3{font-size:1.05rem;word-break:break-all}
.m{display:inline-block;min-width:4.2rem;font:600 .85rem ui-monospace,monospace;text-transform:uppercase;color:#fff;background:#555;border-radius:4px;padding:.1rem .4rem;text-align:center}
.m-get,.m-head{background:#1f6feb}.m-post{background:#1a7f37}.m-put,.m-patch{background:#9a6700}.m-delete{background:#cf222e}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;border-radius:4px}
.t{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;vertical-align:top;border-bottom:1px solid #eee;padding:.3rem .5rem}
.req{color:#cf222e;font-size:.8rem}.muted{color:#666;font-size:.9rem}
summary{cursor:pointer}
p,li,td,summary{overflow-wrap:anywhere}
`

// renderDocs renders the reference page of the OpenAPI document raw.
func renderDocs(raw []byte) ([]byte, error) {
	var d oaDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("read the OpenAPI document: %w", err)
	}
	page := docsPage{Title: d.Info.Title, Version: d.Info.Version, Description: d.Info.Description,
		OpenAPIURL: "/openapi.json", Style: template.CSS(docsStyle)}

	byTag := map[string][]docsOp{}
	for path, item := range d.Paths {
		var shared []*oaParameter
		if p, ok := item["parameters"]; ok {
			if err := json.Unmarshal(p, &shared); err != nil {
				return nil, fmt.Errorf("read the parameters of %s: %w", path, err)
			}
		}
		for _, method := range methodOrder {
			rawOp, ok := item[method]
			if !ok {
				continue
			}
			var op oaOperation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				return nil, fmt.Errorf("read %s %s: %w", method, path, err)
			}
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			byTag[tag] = append(byTag[tag], d.operation(method, path, &op, shared))
		}
	}
	seen := map[string]bool{}
	addTag := func(name, desc string) {
		ops := byTag[name]
		if seen[name] || len(ops) == 0 {
			return
		}
		seen[name] = true
		slices.SortFunc(ops, func(a, b docsOp) int {
			return cmp.Or(strings.Compare(a.Path, b.Path),
				cmp.Compare(slices.Index(methodOrder, strings.ToLower(a.Method)), slices.Index(methodOrder, strings.ToLower(b.Method))))
		})
		page.Tags = append(page.Tags, docsTag{Name: name, Description: desc, Ops: ops})
	}
	for _, t := range d.Tags {
		addTag(t.Name, t.Description)
	}
	rest := make([]string, 0, len(byTag))
	for name := range byTag {
		rest = append(rest, name)
	}
	slices.Sort(rest)
	for _, name := range rest {
		addTag(name, "")
	}

	for code, status := range statusOf {
		page.Codes = append(page.Codes, docsCode{Code: code, Status: status})
	}
	slices.SortFunc(page.Codes, func(a, b docsCode) int { return cmp.Or(a.Status-b.Status, strings.Compare(a.Code, b.Code)) })

	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, page); err != nil {
		return nil, fmt.Errorf("render the API reference: %w", err)
	}
	return buf.Bytes(), nil
}

var docsTemplate = template.Must(template.New("docs.html").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).ParseFS(pageFiles, "pages/docs.html"))

// docsCSP allows the page its own style sheet and nothing else: no
// script, no frame, no form, no request to anywhere.
var docsCSP = func() string {
	sum := sha256.Sum256([]byte(docsStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

func (d *oaDoc) operation(method, path string, op *oaOperation, shared []*oaParameter) docsOp {
	out := docsOp{ID: op.OperationID, Method: strings.ToUpper(method), Path: path,
		Summary: op.Summary, Description: op.Description,
		Public: op.Security != nil && len(*op.Security) == 0}
	for _, p := range append(slices.Clone(shared), op.Parameters...) {
		p = d.parameter(p)
		out.Params = append(out.Params, docsParam{Name: p.Name, In: p.In, Type: d.typeName(p.Schema),
			Description: p.Description, Required: p.Required})
	}
	if rb := op.RequestBody; rb != nil {
		out.Request = d.bodies(rb.Content)
	}
	statuses := make([]string, 0, len(op.Responses))
	for s := range op.Responses {
		statuses = append(statuses, s)
	}
	slices.Sort(statuses)
	for _, s := range statuses {
		r := op.Responses[s]
		if r.Ref != "" {
			// A shared answer (the error body): its shape is in the
			// page's Errors section, not repeated under each operation.
			out.Responses = append(out.Responses, docsResponse{Status: s, Description: d.response(r).Description, Shared: true})
			continue
		}
		out.Responses = append(out.Responses, docsResponse{Status: s, Description: r.Description, Bodies: d.bodies(r.Content)})
	}
	return out
}

func (d *oaDoc) bodies(content map[string]oaMedia) []docsBody {
	types := make([]string, 0, len(content))
	for mt := range content {
		types = append(types, mt)
	}
	slices.Sort(types)
	var out []docsBody
	for _, mt := range types {
		m := content[mt]
		b := docsBody{MediaType: mt, Schema: d.typeName(m.Schema), Fields: d.fields(m.Schema)}
		if len(m.Example) > 0 {
			b.Examples = append(b.Examples, docsExample{Value: prettyJSON(m.Example)})
		}
		names := make([]string, 0, len(m.Examples))
		for name := range m.Examples {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			b.Examples = append(b.Examples, docsExample{Summary: cmp.Or(m.Examples[name].Summary, name), Value: prettyJSON(m.Examples[name].Value)})
		}
		out = append(out, b)
	}
	return out
}

// fields lists an object body's properties, required ones first.
func (d *oaDoc) fields(s *oaSchema) []docsParam {
	props, required := map[string]*oaSchema{}, map[string]bool{}
	var collect func(s *oaSchema, depth int)
	collect = func(s *oaSchema, depth int) {
		s = d.schema(s)
		if s == nil || depth > 8 {
			return
		}
		for _, sub := range s.AllOf {
			collect(sub, depth+1)
		}
		for name, p := range s.Properties {
			props[name] = p
		}
		for _, name := range s.Required {
			required[name] = true
		}
	}
	collect(s, 0)
	out := make([]docsParam, 0, len(props))
	for name, p := range props {
		desc := p.Description
		if desc == "" {
			desc = d.schema(p).Description
		}
		out = append(out, docsParam{Name: name, Type: d.typeName(p), Description: desc, Required: required[name]})
	}
	slices.SortFunc(out, func(a, b docsParam) int {
		if a.Required != b.Required {
			if a.Required {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// typeName is a schema in a few words: its component's name, or its type
// with format, values and items.
func (d *oaDoc) typeName(s *oaSchema) string {
	if s == nil {
		return ""
	}
	name := ""
	switch {
	case s.Ref != "":
		name = refName(s.Ref)
	case len(s.AllOf) == 1:
		name = d.typeName(s.AllOf[0])
	case len(s.OneOf) > 0 || len(s.AnyOf) > 0:
		var alts []string
		for _, sub := range append(slices.Clone(s.OneOf), s.AnyOf...) {
			alts = append(alts, d.typeName(sub))
		}
		name = strings.Join(alts, " or ")
	case s.Type == "array":
		name = "array of " + d.typeName(s.Items)
	case len(s.Enum) > 0:
		var vals []string
		for _, v := range s.Enum {
			vals = append(vals, fmt.Sprint(v))
		}
		name = s.Type + ": " + strings.Join(vals, " | ")
	case s.Format != "":
		name = s.Type + " (" + s.Format + ")"
	default:
		name = cmp.Or(s.Type, "any")
	}
	if s.Nullable {
		name += " or null"
	}
	return name
}

func (d *oaDoc) schema(s *oaSchema) *oaSchema {
	for i := 0; s != nil && s.Ref != "" && i < 8; i++ {
		s = d.Components.Schemas[refName(s.Ref)]
	}
	return s
}

func (d *oaDoc) parameter(p *oaParameter) *oaParameter {
	if p.Ref != "" {
		if c, ok := d.Components.Parameters[refName(p.Ref)]; ok {
			return c
		}
	}
	return p
}

func (d *oaDoc) response(r *oaResponse) *oaResponse {
	if r.Ref != "" {
		if c, ok := d.Components.Responses[refName(r.Ref)]; ok {
			return c
		}
	}
	return r
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

func prettyJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// serveDocs answers the reference page, rendered on first use.
func (s *Server) serveDocs(c echo.Context) error {
	s.docsOnce.Do(func() { s.docsPage, s.docsErr = renderDocs(s.openAPI) })
	if s.docsErr != nil {
		return s.docsErr
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=300")
	return c.HTMLBlob(http.StatusOK, s.docsPage)
}
