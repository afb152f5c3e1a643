package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/media/mediatest"
	"github.com/serentak/serentak/metrics"
	"github.com/serentak/serentak/testkit"
)

var _ api.Store = (*gormstore.Store)(nil)

const adminKey = "op-secret-admin-key-0123456789"

// bundle is one API under test with what it runs on.
type bundle struct {
	t       *testing.T
	srv     *httptest.Server
	handler http.Handler
	server  *api.Server
	store   *gormstore.Store
	blobs   *blob.Disk
	signer  *media.Signer
	logs    *testkit.Buffer
	now     time.Time
	wakes   atomic.Int32
}

// fakeResolver answers from a map; other names do not exist. Tests never
// reach real DNS.
type fakeResolver map[string]string

func (f fakeResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func setup(t *testing.T, opts ...func(*api.Config)) *bundle {
	t.Helper()
	b := &bundle{
		t:     t,
		store: storetest.New(t),
		blobs: &blob.Disk{Dir: t.TempDir()},
		logs:  &testkit.Buffer{},
		now:   time.Now().UTC().Truncate(time.Second),
	}
	b.signer = &media.Signer{Secret: []byte("test media signing secret 123456"), TTL: time.Hour}
	cfg := api.Config{
		Store:      b.store,
		Blobs:      b.blobs,
		Signer:     b.signer,
		AdminKey:   adminKey,
		Resolver:   fakeResolver{"cdn.example.com": "93.184.216.34", "internal.example": "10.9.8.7"},
		Publishers: map[serentak.Platform]bool{serentak.Facebook: true},
		WakeFunc:   func() { b.wakes.Add(1) },
		Logger:     slog.New(slog.NewJSONHandler(b.logs, nil)),
		Now:        func() time.Time { return b.now },
		// Tests fail to authenticate on purpose, hundreds of times from
		// 127.0.0.1 (the tenancy matrix); TestAuthFailuresLimited turns
		// the limit on.
		AuthFailureLimit: -1,
		Metrics:          metrics.New().Handler(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	b.server = api.New(cfg)
	api.CheapPasswordHashes(b.server)
	b.handler = b.server.Handler()
	b.srv = httptest.NewServer(b.handler)
	t.Cleanup(b.srv.Close)
	b.signer.BaseURL = b.srv.URL
	return b
}

// response is an answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request; body is sent as is when it is a string or []byte,
// else as JSON. Headers come in pairs.
func (b *bundle) do(method, path, key string, body any, headers ...string) response {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.srv.URL+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.srv.Client().Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	out := response{status: res.StatusCode, header: res.Header, body: raw}
	checkAgainstOpenAPI(b.t, req, out)
	return out
}

// expect checks the status and returns the JSON body.
func (b *bundle) expect(r response, status int) map[string]any {
	b.t.Helper()
	if r.status != status {
		b.t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(b.t)
}

// expectError checks an error answer's status, shape and code, and that
// details name wantFields (in any order; nil: not checked).
func (b *bundle) expectError(r response, status int, code string, wantFields ...string) map[string]any {
	b.t.Helper()
	m := b.expect(r, status)
	checkErrorShape(b.t, r.body, code, wantFields...)
	return m
}

func checkErrorShape(t *testing.T, body []byte, code string, wantFields ...string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    *string `json:"code"`
			Message *string `json:"message"`
			Details []struct {
				Field   string `json:"field"`
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"details"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body is not the error shape: %v\n%s", err, body)
	}
	if e.Error.Code == nil || *e.Error.Code != code {
		t.Fatalf("error code = %v, want %q; body %s", e.Error.Code, code, body)
	}
	if e.Error.Message == nil || *e.Error.Message == "" {
		t.Fatalf("error without a message: %s", body)
	}
	if !bytes.Contains(body, []byte(`"details":[`)) {
		t.Fatalf("error without a details array: %s", body)
	}
	if bytes.Contains(body, []byte("goroutine ")) || bytes.Contains(body, []byte(".go:")) || bytes.Contains(bytes.ToUpper(body), []byte("SELECT ")) {
		t.Fatalf("error body leaks internals: %s", body)
	}
	if wantFields == nil {
		return
	}
	var got []string
	for _, d := range e.Error.Details {
		if d.Message == "" || d.Code == "" {
			t.Errorf("detail without code or message: %+v", d)
		}
		got = append(got, d.Field)
	}
	sort.Strings(got)
	want := append([]string{}, wantFields...)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("error fields = %v, want %v; body %s", got, want, body)
	}
}

// keysOf returns a JSON object's keys, sorted.
func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := keysOf(m); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s has keys %v, want %v", what, got, want)
	}
}

// workspace creates a workspace and returns its ID and key.
func (b *bundle) workspace(name string) (id, key string) {
	b.t.Helper()
	m := b.expect(b.do("POST", "/v1/workspaces", adminKey, map[string]any{"name": name}), http.StatusCreated)
	return m["id"].(string), m["api_key"].(string)
}

// account attaches an account and returns its ID.
func (b *bundle) account(ws, key string, platform serentak.Platform, externalID string) string {
	b.t.Helper()
	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/accounts", key, map[string]any{
		"platform": platform, "external_id": externalID, "name": "Toko " + externalID,
		"access_token": "EAAB-token-" + externalID,
	}), http.StatusCreated)
	return m["id"].(string)
}

// postBody is a valid post to the given accounts.
func postBody(accounts ...string) map[string]any {
	targets := []any{}
	for _, a := range accounts {
		targets = append(targets, map[string]any{"account_id": a})
	}
	return map[string]any{
		"product": map[string]any{
			"name":        "Keripik Singkong Pedas",
			"price":       map[string]any{"amount": 25000, "currency": "IDR"},
			"description": "Renyah, pedas, tanpa pengawet.",
			"url":         "https://wa.me/6281234567890",
		},
		"hashtags": []string{"umkm", "keripik"},
		"media":    []any{map[string]any{"url": "https://cdn.example.com/keripik.jpg"}},
		"targets":  targets,
	}
}

// pngBytes is a real 64×64 PNG (uploads are inspected, so a header alone
// is refused), about 4 KB.
var pngBytes = mediatest.PNG(64, 64)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
