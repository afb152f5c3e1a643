package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/serentak/serentak/embedredis/redistest"
)

// healthcheckWith runs `serentak healthcheck args…` on env.
func healthcheckWith(env map[string]string, args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"healthcheck"}, args...), func(k string) string { return env[k] }, &out, nil)
	return out.String(), err
}

// serentak healthcheck exits 0 (nil) when the local serve answers
// /readyz on SERENTAK_ADDR, and 1 (an error, one line) when nothing
// answers or the answer is not 2xx.
func TestHealthcheck(t *testing.T) {
	s := newSystem(t)
	base := s.start("serve")
	env := map[string]string{}
	for k, v := range s.env {
		env[k] = v
	}
	// What the process listens on, as SERENTAK_ADDR says it: every
	// interface on that port.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	env["SERENTAK_ADDR"] = ":" + port
	out, err := healthcheckWith(env)
	if err != nil || !strings.Contains(out, "127.0.0.1:"+port+"/readyz") {
		t.Fatalf("healthcheck of a running serve: %v, %q", err, out)
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not ready:\nredis does not answer", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	_, err = healthcheckWith(env, "-url", down.URL+"/readyz")
	if err == nil || !strings.Contains(err.Error(), "503") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a 503: %v; want one line naming the status", err)
	}
	closed := down.Listener.Addr().String()
	down.Close()
	if _, err := healthcheckWith(env, "-url", "http://"+closed+"/readyz"); err == nil {
		t.Error("nothing listening: healthy")
	}
	if _, err := healthcheckWith(env, "-role", "nobody"); err == nil {
		t.Error("an unknown role: healthy")
	}
}

// healthcheck -role worker (and scheduler: no HTTP server) asks the
// database and Redis of the configuration.
func TestHealthcheckWorker(t *testing.T) {
	s := newSystem(t)
	r := redistest.New(t)
	env := s.env
	env["SERENTAK_REDIS_URL"] = "redis://" + r.Opt.Addr
	for _, role := range []string{"worker", "scheduler"} {
		if out, err := healthcheckWith(env, "-role", role); err != nil {
			t.Fatalf("%s with its database and Redis up: %v %s", role, err, out)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	env["SERENTAK_REDIS_URL"] = "redis://" + closed
	_, err = healthcheckWith(env, "-role", "worker")
	if err == nil || !strings.Contains(err.Error(), "redis does not answer") || strings.Contains(err.Error(), "database") {
		t.Errorf("Redis down: %v; want it named, and only it", err)
	}
}

func TestReadyURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/readyz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/readyz",
		"[::]:8080":      "http://127.0.0.1:8080/readyz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/readyz",
		"localhost:8081": "http://localhost:8081/readyz",
	} {
		if got := readyURL(addr); got != want {
			t.Errorf("readyURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
