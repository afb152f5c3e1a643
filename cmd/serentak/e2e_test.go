package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/facebook/fakegraph"
	"github.com/serentak/serentak/adapters/instagram/fakeig"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/gormstore/storetest"
)

const (
	testAdminKey = "test-operator-key-0123456789abcdef"
	pageID       = "1029384756"
	pageToken    = "EAAB-page-token-secret"
	igUserID     = "17841400000000001"
	igToken      = "IGQ-user-token-secret"
)

// system is a running serentak, started through run() as main does.
type system struct {
	t     *testing.T
	base  string
	logs  *syncBuffer
	graph *fakegraph.Server
	ig    *fakeig.Server
	env   map[string]string
	stops []func() error
}

// syncBuffer collects a process's output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv returns the environment of a system on fresh storage: the real
// PostgreSQL and Redis when the test environment names them, else a SQLite
// file and (for serve) the embedded Redis.
func newEnv(t *testing.T, graph *fakegraph.Server, ig *fakeig.Server) map[string]string {
	dir := t.TempDir()
	env := map[string]string{
		"SERENTAK_ADDR":                "127.0.0.1:0",
		"SERENTAK_METRICS_ADDR":        "127.0.0.1:0",
		"SERENTAK_DATA_DIR":            dir,
		"SERENTAK_DATABASE_URL":        filepath.Join(dir, "serentak.db"),
		"SERENTAK_ADMIN_KEY":           testAdminKey,
		"SERENTAK_SECRET_KEY":          "test-secret-key-0123456789abcdef",
		"SERENTAK_FACEBOOK_API_URL":    graph.URL,
		"SERENTAK_INSTAGRAM_API_URL":   ig.URL,
		"SERENTAK_MEDIA_ALLOW_PRIVATE": "true",
		"SERENTAK_LOG_LEVEL":           "info",
		"SERENTAK_SCHEDULER_TICK":      "50ms",
		"SERENTAK_CONFIG":              os.DevNull,
	}
	if os.Getenv("SERENTAK_TEST_DATABASE_URL") != "" {
		env["SERENTAK_DATABASE_URL"] = storetest.URL(t)
	}
	return env
}

// start runs `serentak <cmd>` in-process with env until the test ends.
func (s *system) start(cmd string) string {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{cmd}, func(k string) string { return s.env[k] }, s.logs, listening)
	}()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return fmt.Errorf("serentak %s did not stop within 30s of being told to", cmd)
		}
	}
	s.stops = append(s.stops, stop)
	if cmd != "serve" && cmd != "api" {
		return ""
	}
	select {
	case addr := <-listening:
		return "http://" + addr
	case err := <-done:
		s.t.Fatalf("serentak %s exited: %v\n%s", cmd, err, s.logs)
	case <-time.After(30 * time.Second):
		s.t.Fatalf("serentak %s did not listen within 30s\n%s", cmd, s.logs)
	}
	return ""
}

func (s *system) stopAll() {
	s.t.Helper()
	for i := len(s.stops) - 1; i >= 0; i-- {
		if err := s.stops[i](); err != nil {
			s.t.Errorf("stop: %v", err)
		}
	}
	s.stops = nil
}

func newSystem(t *testing.T) *system {
	graph := fakegraph.New()
	t.Cleanup(graph.Close)
	graph.AddPage(pageID, pageToken)
	ig := fakeig.New(fakeig.WithProcessingReads(0)) // containers finish at once: no Pending wait
	t.Cleanup(ig.Close)
	ig.AddUser(igUserID, igToken)
	s := &system{t: t, logs: &syncBuffer{}, graph: graph, ig: ig, env: newEnv(t, graph, ig)}
	t.Cleanup(s.stopAll)
	return s
}

// call makes an API request and decodes the JSON answer.
func (s *system) call(method, path, key string, body any, header ...string) (int, map[string]any) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		s.t.Fatalf("%s %s: answer is not JSON: %s", method, path, raw)
	}
	return resp.StatusCode, out
}

// tour creates a workspace with the fake Page attached, like the README.
func (s *system) tour() (ws, key, acc string) {
	s.t.Helper()
	code, out := s.call("POST", "/v1/workspaces", testAdminKey, map[string]any{"name": "Toko Budi", "timezone": "Asia/Jakarta"})
	if code != 201 {
		s.t.Fatalf("create workspace: %d %v", code, out)
	}
	ws, key = out["id"].(string), out["api_key"].(string)
	code, out = s.call("POST", "/v1/workspaces/"+ws+"/accounts", key, map[string]any{
		"platform": "facebook", "external_id": pageID, "name": "Toko Budi", "access_token": pageToken,
	})
	if code != 201 {
		s.t.Fatalf("attach account: %d %v", code, out)
	}
	return ws, key, out["id"].(string)
}

func productPost(acc string, at time.Time) map[string]any {
	return map[string]any{
		"product": map[string]any{
			"name":        "Keripik Singkong Pedas",
			"price":       map[string]any{"amount": 25000, "currency": "IDR"},
			"description": "Renyah, pedas, tanpa pengawet.",
			"url":         "https://wa.me/6281234567890",
		},
		"hashtags":     []string{"umkm", "keripik"},
		"targets":      []map[string]any{{"account_id": acc}},
		"scheduled_at": at.Format(time.RFC3339Nano),
	}
}

// waitPost polls a post until its status is one of want.
func (s *system) waitPost(ws, key, id string, want ...string) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, out := s.call("GET", "/v1/workspaces/"+ws+"/posts/"+id, key, nil)
		if code != 200 {
			s.t.Fatalf("get post: %d %v", code, out)
		}
		for _, w := range want {
			if out["status"] == w {
				return out
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("post %s is %v after 30s, want %v\n%v", id, out["status"], want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTour is the README's curl tour against `serentak serve` and a fake
// Graph server: a product post scheduled 2 s ahead is published once, not
// before its time, with the composed caption, and no secret reaches a log.
func TestTour(t *testing.T) {
	s := newSystem(t)
	if url := os.Getenv("SERENTAK_TEST_REDIS_URL"); url != "" {
		redistest.New(t) // empties the shared Redis for this test
		s.env["SERENTAK_REDIS_URL"] = url
	}
	s.base = s.start("serve")

	ws, key, acc := s.tour()
	at := time.Now().Add(2 * time.Second)
	code, post := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, productPost(acc, at), "Idempotency-Key", "tour-1")
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	if post["status"] != "scheduled" {
		t.Fatalf("new post status %v, want scheduled", post["status"])
	}
	id := post["id"].(string)

	done := s.waitPost(ws, key, id, "published", "failed", "partially_published")
	if done["status"] != "published" {
		t.Fatalf("post ended %v: %v", done["status"], done)
	}
	d := done["deliveries"].([]any)[0].(map[string]any)
	if d["external_id"] == nil || d["permalink"] == nil || d["published_at"] == nil {
		t.Errorf("published delivery lacks external_id/permalink/published_at: %v", d)
	}

	posts := s.graph.Posts(pageID)
	if len(posts) != 1 {
		t.Fatalf("the Page has %d posts, want exactly 1", len(posts))
	}
	p := posts[0]
	if p.CreatedAt.Before(at) {
		t.Errorf("published at %v, %v before its scheduled time", p.CreatedAt, at.Sub(p.CreatedAt))
	}
	for _, want := range []string{"Keripik Singkong Pedas", "Rp25.000", "wa.me/6281234567890", "#umkm"} {
		if !strings.Contains(p.Message+" "+p.Link, want) {
			t.Errorf("published message %q lacks %q", p.Message, want)
		}
	}

	// The same Idempotency-Key and body answers the first post again.
	code, again := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, productPost(acc, at), "Idempotency-Key", "tour-1")
	if code != 200 || again["id"] != id {
		t.Errorf("idempotent replay: %d id=%v, want 200 id=%s", code, again["id"], id)
	}

	s.stopAll()
	logs := s.logs.String()
	for _, secret := range []string{pageToken, key, testAdminKey, "test-secret-key"} {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret (%.6s…) appears in the logs", secret)
		}
	}
}

// TestSeparateRoles runs the production shape: one api, two schedulers and
// two workers as separate run()s on one database and one Redis. Every post
// is published exactly once.
func TestSeparateRoles(t *testing.T) {
	s := newSystem(t)
	if url := os.Getenv("SERENTAK_TEST_REDIS_URL"); url != "" {
		redistest.New(t)
		s.env["SERENTAK_REDIS_URL"] = url
	} else {
		r := redistest.New(t)
		s.env["SERENTAK_REDIS_URL"] = "redis://" + r.Opt.Addr
	}
	s.base = s.start("api")
	for i := 0; i < 2; i++ {
		s.start("scheduler")
		s.start("worker")
	}
	ws, key, acc := s.tour()

	const n = 20
	at := time.Now().Add(1500 * time.Millisecond)
	ids := make([]string, n)
	for i := range ids {
		body := productPost(acc, at)
		body["caption"] = fmt.Sprintf("Promo ke-%d: Keripik Singkong Pedas Rp25.000 https://wa.me/6281234567890", i)
		code, out := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, body)
		if code != 201 {
			t.Fatalf("create post %d: %d %v", i, code, out)
		}
		ids[i] = out["id"].(string)
	}
	for _, id := range ids {
		if out := s.waitPost(ws, key, id, "published", "failed"); out["status"] != "published" {
			t.Fatalf("post %s ended %v: %v", id, out["status"], out)
		}
	}
	seen := map[string]int{}
	for _, p := range s.graph.Posts(pageID) {
		seen[p.Message]++
		if p.CreatedAt.Before(at) {
			t.Errorf("post %q published %v early", p.Message, at.Sub(p.CreatedAt))
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct posts on the Page, want %d", len(seen), n)
	}
	for msg, c := range seen {
		if c != 1 {
			t.Errorf("published %d times: %q", c, msg)
		}
	}
}

// TestFanOut is one product post with a photo to a Facebook Page and an
// Instagram account: both published, each fitted to its platform. Then an
// Instagram failure leaves the post partially_published with the reason on
// the Instagram delivery.
func TestFanOut(t *testing.T) {
	s := newSystem(t)
	if url := os.Getenv("SERENTAK_TEST_REDIS_URL"); url != "" {
		redistest.New(t)
		s.env["SERENTAK_REDIS_URL"] = url
	}
	s.base = s.start("serve")
	ws, key, fb := s.tour()
	code, out := s.call("POST", "/v1/workspaces/"+ws+"/accounts", key, map[string]any{
		"platform": "instagram", "external_id": igUserID, "name": "tokobudi", "access_token": igToken,
	})
	if code != 201 {
		t.Fatalf("attach instagram: %d %v", code, out)
	}
	ig := out["id"].(string)

	body := productPost(fb, time.Now().Add(time.Second))
	body["targets"] = []map[string]any{{"account_id": fb}, {"account_id": ig}}
	body["media"] = []map[string]any{{"url": s.ig.SampleJPEGURL()}}
	code, post := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, body)
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	done := s.waitPost(ws, key, post["id"].(string), "published", "failed", "partially_published")
	if done["status"] != "published" {
		t.Fatalf("post ended %v: %v", done["status"], done)
	}
	if n := len(s.graph.Posts(pageID)); n != 1 {
		t.Errorf("Facebook has %d posts, want 1", n)
	}
	media := s.ig.Media(igUserID)
	if len(media) != 1 {
		t.Fatalf("Instagram has %d media, want 1", len(media))
	}
	// Instagram's caption links cannot be tapped: a WhatsApp order shows
	// its number, written for people.
	for _, want := range []string{"Rp25.000", "WA 0812-3456-7890"} {
		if !strings.Contains(media[0].Caption, want) {
			t.Errorf("Instagram caption %q lacks %q", media[0].Caption, want)
		}
	}

	// Instagram refuses the next publish for good: Facebook still goes out.
	s.ig.FailNext("POST", "media_publish", 1, fakeig.GraphError(100, 0))
	body["scheduled_at"] = time.Now().Add(time.Second).Format(time.RFC3339Nano)
	body["caption"] = "Stok baru! Keripik Singkong Pedas Rp25.000 https://wa.me/6281234567890"
	code, post = s.call("POST", "/v1/workspaces/"+ws+"/posts", key, body)
	if code != 201 {
		t.Fatalf("create second post: %d %v", code, post)
	}
	done = s.waitPost(ws, key, post["id"].(string), "published", "failed", "partially_published")
	if done["status"] != "partially_published" {
		t.Fatalf("post ended %v, want partially_published: %v", done["status"], done)
	}
	for _, d := range done["deliveries"].([]any) {
		d := d.(map[string]any)
		switch d["platform"] {
		case "facebook":
			if d["status"] != "published" {
				t.Errorf("facebook delivery %v, want published", d["status"])
			}
		case "instagram":
			e, _ := d["error"].(map[string]any)
			if d["status"] != "failed" || e == nil || e["message"] == "" || e["retryable"] != false {
				t.Errorf("instagram delivery %v with error %v, want failed with a reason", d["status"], d["error"])
			}
		}
	}
}
