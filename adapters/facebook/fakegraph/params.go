package fakegraph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// maxBody caps what the fake reads of a request body.
const maxBody = 1 << 20

// params are a request's parameters, query and body merged as the Graph API
// merges them. Values are strings; attached_media is parsed on its own.
type params struct {
	v map[string]string
	// files are a multipart body's file parts (video_file_chunk).
	files       map[string][]byte
	attached    []string // media_fbid values, in order
	hasAttached bool
}

func (p params) get(k string) string { return p.v[k] }

func (p params) has(k string) bool { _, ok := p.v[k]; return ok }

// parseParams reads query and body. The Graph accepts form-encoded, JSON and
// multipart bodies; anything unparsable is a code-100 error.
func parseParams(r *http.Request) (params, error) {
	p := params{v: map[string]string{}}
	form := url.Values{}
	for k, vs := range r.URL.Query() {
		form[k] = vs
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return p, fmt.Errorf("could not read the request body: %v", err)
	}
	if len(body) > maxBody {
		return p, errors.New("the request body is too large")
	}
	if len(bytes.TrimSpace(body)) > 0 {
		ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ct {
		case "application/json":
			if err := parseJSON(body, &p); err != nil {
				return p, err
			}
		case "application/x-www-form-urlencoded":
			vs, err := url.ParseQuery(string(body))
			if err != nil {
				return p, fmt.Errorf("malformed form body: %v", err)
			}
			for k, v := range vs {
				form[k] = v
			}
		case "multipart/form-data":
			mf, err := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"]).ReadForm(maxBody)
			if err != nil {
				return p, fmt.Errorf("malformed multipart body: %v", err)
			}
			for k, v := range mf.Value {
				form[k] = v
			}
			for k, fhs := range mf.File {
				if len(fhs) == 0 {
					continue
				}
				f, err := fhs[0].Open()
				if err != nil {
					return p, fmt.Errorf("multipart file %s: %v", k, err)
				}
				b, err := io.ReadAll(f)
				f.Close()
				if err != nil {
					return p, fmt.Errorf("multipart file %s: %v", k, err)
				}
				if p.files == nil {
					p.files = map[string][]byte{}
				}
				p.files[k] = b
			}
		default:
			return p, fmt.Errorf("unsupported Content-Type %q", ct)
		}
	}
	if err := takeForm(form, &p); err != nil {
		return p, err
	}
	return p, nil
}

var attachedKey = regexp.MustCompile(`^attached_media\[(\d+)\]$`)

// takeForm moves string parameters into p, decoding the form encodings of
// attached_media: attached_media=[{...},...] or attached_media[N]={...}.
func takeForm(form url.Values, p *params) error {
	type indexed struct {
		i  int
		id string
	}
	var items []indexed
	for k, vs := range form {
		if len(vs) == 0 {
			continue
		}
		if k == "attached_media" {
			ids, err := parseAttached(json.RawMessage(vs[0]))
			if err != nil {
				return err
			}
			p.attached, p.hasAttached = append(p.attached, ids...), true
			continue
		}
		if m := attachedKey.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[1])
			id, err := mediaFBID(json.RawMessage(vs[0]))
			if err != nil {
				return fmt.Errorf("param %s: %v", k, err)
			}
			items = append(items, indexed{i, id})
			p.hasAttached = true
			continue
		}
		if _, ok := p.v[k]; !ok {
			p.v[k] = vs[0]
		}
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	for _, it := range items {
		p.attached = append(p.attached, it.id)
	}
	return nil
}

func parseJSON(body []byte, p *params) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return fmt.Errorf("the JSON body could not be parsed: %v", err)
	}
	for k, raw := range obj {
		if k == "attached_media" {
			ids, err := parseAttached(raw)
			if err != nil {
				return err
			}
			p.attached, p.hasAttached = ids, true
			continue
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return fmt.Errorf("param %s: %v", k, err)
		}
		switch v := v.(type) {
		case nil:
		case string:
			p.v[k] = v
		case bool:
			p.v[k] = strconv.FormatBool(v)
		case json.Number:
			p.v[k] = v.String()
		default:
			p.v[k] = string(raw)
		}
	}
	return nil
}

// parseAttached decodes an attached_media array whose items are objects
// {"media_fbid":…} or JSON strings holding such objects.
func parseAttached(raw json.RawMessage) ([]string, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("param attached_media must be an array: %v", err)
	}
	if len(items) == 0 {
		return nil, errors.New("param attached_media must not be empty")
	}
	var ids []string
	for i, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			it = json.RawMessage(s)
		}
		id, err := mediaFBID(it)
		if err != nil {
			return nil, fmt.Errorf("param attached_media[%d]: %v", i, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func mediaFBID(raw json.RawMessage) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", errors.New(`must be an object {"media_fbid": "<photo id>"}`)
	}
	v, ok := m["media_fbid"]
	if !ok {
		return "", errors.New("media_fbid is required")
	}
	var s string
	if json.Unmarshal(v, &s) == nil && s != "" {
		return s, nil
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String(), nil
	}
	return "", errors.New("media_fbid must be a photo id")
}

// parseBool reads a Graph boolean; def when absent.
func parseBool(p params, k string, def bool) (bool, error) {
	if !p.has(k) {
		return def, nil
	}
	switch strings.ToLower(p.get(k)) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("param %s must be a boolean", k)
}

// graphTime is the Graph API's timestamp layout.
const graphTime = "2006-01-02T15:04:05-0700"

// parseTime reads UNIX seconds or an ISO-8601 time, as since, until and
// scheduled_publish_time accept.
func parseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	for _, layout := range []string{time.RFC3339Nano, graphTime} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a UNIX timestamp or an ISO-8601 time", s)
}

// token finds the access token: the Authorization header (OAuth or Bearer)
// or the access_token parameter.
func token(r *http.Request, p params) string {
	return fakeplatform.GraphToken(r, p.get("access_token"))
}

var versionRE = regexp.MustCompile(`^v\d+\.\d+$`)

// splitPath splits /vNN.N/{id}/{edge}. edge is empty for a one-segment
// path; page and edge are both empty for any other shape.
func splitPath(path string) (version, id, edge string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > 0 {
		version = segs[0]
	}
	switch len(segs) {
	case 2:
		return version, segs[1], ""
	case 3:
		return version, segs[1], segs[2]
	}
	return version, "", ""
}

// fieldList reads the fields parameter, checking each against the node
// type's fields as the Graph does.
func fieldList(p params, allowed []string, def []string, nodeType string) ([]string, error) {
	return fakeplatform.GraphFields(p.get("fields"), allowed, def, nodeType)
}
