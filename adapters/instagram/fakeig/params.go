package fakeig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// maxBody caps what the fake reads of a request body.
const maxBody = 1 << 20

// params are a request's parameters, query and body merged as the Graph API
// merges them.
type params map[string]string

func (p params) has(k string) bool { _, ok := p[k]; return ok }

// parseParams reads the query and a form or JSON body.
func parseParams(r *http.Request) (params, error) {
	p := params{}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p[k] = vs[0]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return p, fmt.Errorf("could not read the request body: %v", err)
	}
	if len(body) > maxBody {
		return p, errors.New("the request body is too large")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		vs, err := url.ParseQuery(string(body))
		if err != nil {
			return p, fmt.Errorf("malformed form body: %v", err)
		}
		for k, v := range vs {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return p, fmt.Errorf("the JSON body could not be parsed: %v", err)
		}
		for k, raw := range obj {
			var v any
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			if err := d.Decode(&v); err != nil {
				return p, fmt.Errorf("param %s: %v", k, err)
			}
			switch v := v.(type) {
			case string:
				p[k] = v
			case bool:
				p[k] = strconv.FormatBool(v)
			case json.Number:
				p[k] = v.String()
			case nil:
			default:
				p[k] = string(raw)
			}
		}
	default:
		return p, fmt.Errorf("unsupported Content-Type %q", ct)
	}
	return p, nil
}

// checkAllowed refuses parameters the route does not take, so a typo in
// the adapter ("imageurl") fails loudly instead of being ignored.
func checkAllowed(p params, allowed ...string) error {
	for k := range p {
		ok := k == "access_token"
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return fmt.Errorf("(#100) The parameter %s is not supported on this route", k)
		}
	}
	return nil
}

// parseBool reads a Graph boolean; false when absent.
func parseBool(p params, k string) (bool, error) {
	if !p.has(k) {
		return false, nil
	}
	switch strings.ToLower(p[k]) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("(#100) Param %s must be a boolean", k)
}

// token finds the access token: the Authorization header (OAuth or Bearer)
// or the access_token parameter.
func token(r *http.Request, p params) string {
	return fakeplatform.GraphToken(r, p["access_token"])
}

// fieldList reads the fields parameter, checking each against the node
// type's fields as the Graph does.
func fieldList(p params, allowed, def []string, nodeType string) ([]string, error) {
	return fakeplatform.GraphFields(p["fields"], allowed, def, nodeType)
}
