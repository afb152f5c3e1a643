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
// Facebook target) with each kind of credential: the workspace's API key,
// and a member's session. A key is found by its hash and carries its role;
// a session is found by its hash and its person's role in the workspace
// read too. Reports p50 and p99 of one request besides ns/op.
func BenchmarkAuthPath(b *testing.B) {
	for _, kind := range []string{"key", "session"} {
		b.Run(kind, func(b *testing.B) {
			a := newBenchAPI(b)
			w := a.call("POST", "/v1/workspaces", adminKey, map[string]any{"name": "Bench"}, http.StatusCreated)
			ws, token := w["id"].(string), w["api_key"].(string)
			acc := a.call("POST", "/v1/workspaces/"+ws+"/accounts", token, map[string]any{
				"platform": "facebook", "external_id": "111", "name": "Toko", "access_token": "EAAB-token-111"}, http.StatusCreated)["id"].(string)
			if kind == "session" {
				a.call("POST", "/v1/users", adminKey, map[string]any{"email": "sari@example.com", "name": "Sari", "password": testPassword}, http.StatusCreated)
				a.call("POST", "/v1/workspaces/"+ws+"/members", token, map[string]any{"email": "sari@example.com", "role": "editor"}, http.StatusCreated)
				token = a.call("POST", "/v1/sessions", "", map[string]any{"email": "sari@example.com", "password": testPassword}, http.StatusCreated)["token"].(string)
			}
			due := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
			var lat []time.Duration
			i := 0
			for b.Loop() {
				i++
				body := map[string]any{"caption": fmt.Sprintf("Bench %d: Keripik Singkong Pedas Rp25.000", i),
					"targets": []map[string]any{{"account_id": acc}}, "scheduled_at": due}
				t0 := time.Now()
				a.call("POST", "/v1/workspaces/"+ws+"/posts", token, body, http.StatusCreated)
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[(len(lat)*99+99)/100-1].Microseconds())/1000, "p99-ms")
		})
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
