package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/gormstore/storetest"
)

// benchAPI is an API on storetest's database (SQLite, or PostgreSQL with
// SERENTAK_TEST_DATABASE_URL), called in process: what is measured is the
// handler and the database, not the network.
type benchAPI struct {
	b *testing.B
	h http.Handler
}

func newBenchAPI(b *testing.B) benchAPI {
	b.Helper()
	srv := api.New(api.Config{Store: storetest.New(b), AdminKey: adminKey,
		Publishers: map[serentak.Platform]bool{serentak.Facebook: true}})
	return benchAPI{b: b, h: srv.Handler()}
}

// call sends a JSON request and returns the answer's fields; a status
// other than want stops the benchmark.
func (a benchAPI) call(method, path, token string, body any, want int) map[string]any {
	raw, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	if rec.Code != want {
		a.b.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, want)
	}
	var m map[string]any
	json.Unmarshal(rec.Body.Bytes(), &m)
	return m
}

// BenchmarkAuthPath creates posts (POST /v1/workspaces/{ws}/posts, one
// Facebook target) with each kind of credential in turn, request after
// request, so that both see the same load on a busy machine: the
// workspace's API key (found by its hash; it carries its role) and an
// editor's session (found by its hash, then the person's membership in
// the workspace). Reports each credential's p50 and p99; ns/op is one
// request of either kind.
func BenchmarkAuthPath(b *testing.B) {
	a := newBenchAPI(b)
	w := a.call("POST", "/v1/workspaces", adminKey, map[string]any{"name": "Bench"}, http.StatusCreated)
	ws, key := w["id"].(string), w["api_key"].(string)
	acc := a.call("POST", "/v1/workspaces/"+ws+"/accounts", key, map[string]any{
		"platform": "facebook", "external_id": "111", "name": "Toko", "access_token": "EAAB-token-111"}, http.StatusCreated)["id"].(string)
	a.call("POST", "/v1/users", adminKey, map[string]any{"email": "sari@example.com", "name": "Sari", "password": testPassword}, http.StatusCreated)
	a.call("POST", "/v1/workspaces/"+ws+"/members", key, map[string]any{"email": "sari@example.com", "role": "editor"}, http.StatusCreated)
	session := a.call("POST", "/v1/sessions", "", map[string]any{"email": "sari@example.com", "password": testPassword}, http.StatusCreated)["token"].(string)
	tokens := [2]string{key, session}
	var lat [2][]time.Duration
	due := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	i := 0
	for b.Loop() {
		i++
		body := map[string]any{"caption": fmt.Sprintf("Bench %d: Keripik Singkong Pedas Rp25.000", i),
			"targets": []map[string]any{{"account_id": acc}}, "scheduled_at": due}
		t0 := time.Now()
		a.call("POST", "/v1/workspaces/"+ws+"/posts", tokens[i%2], body, http.StatusCreated)
		lat[i%2] = append(lat[i%2], time.Since(t0))
	}
	for k, name := range []string{"key", "session"} {
		l := lat[k]
		if len(l) == 0 {
			continue
		}
		slices.Sort(l)
		b.ReportMetric(float64(l[len(l)/2].Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(l[(len(l)*99+99)/100-1].Microseconds())/1000, name+"-p99-ms")
	}
}

// BenchmarkSignIn signs in (POST /v1/sessions, the right password) from
// as many goroutines as GOMAXPROCS: one argon2id verification each, at
// most a few at once (passwords.go). Reports sign-ins per second.
func BenchmarkSignIn(b *testing.B) {
	a := newBenchAPI(b)
	a.call("POST", "/v1/users", adminKey, map[string]any{"email": "sari@example.com", "name": "Sari", "password": testPassword}, http.StatusCreated)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a.call("POST", "/v1/sessions", "", map[string]any{"email": "sari@example.com", "password": testPassword}, http.StatusCreated)
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sign-ins/s")
}
