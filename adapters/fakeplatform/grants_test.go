package fakeplatform_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

func TestGrants(t *testing.T) {
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	k := fakeplatform.NewGrants[string, string]()

	// A code is spent by its first use, even a refused one.
	k.AddCode("c1", "carried", at.Add(time.Minute))
	k.AddCode("late", "carried", at.Add(-time.Second))
	if c, ok := k.SpendCode("c1", at); !ok || c != "carried" {
		t.Errorf("SpendCode = %q %v, want the code's grant", c, ok)
	}
	if _, ok := k.SpendCode("c1", at); ok {
		t.Error("a code worked twice")
	}
	if _, ok := k.SpendCode("late", at); ok {
		t.Error("an expired code worked")
	}

	// Zero expiry is never; a token stops working at its expiry.
	k.AddAccess("a-forever", "alice", time.Time{})
	k.AddAccess("a-hour", "bob", at.Add(time.Hour))
	if !k.AccessWorks("a-forever", at.AddDate(10, 0, 0)) || !k.AccessWorks("a-hour", at) || k.AccessWorks("a-hour", at.Add(time.Hour)) {
		t.Error("access tokens do not live exactly until their expiry")
	}
	k.EndAccessWhere(func(g string) bool { return g == "alice" })
	if k.AccessWorks("a-forever", at) || !k.AccessWorks("a-hour", at) {
		t.Error("EndAccessWhere ended the wrong tokens")
	}

	// Of many requests racing with one refresh token, exactly one takes it.
	k.AddRefresh("r1", "bob", at.Add(time.Hour))
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := k.TakeRefresh("r1", at); ok {
				won.Add(1)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 || k.RefreshWorks("r1", at) {
		t.Errorf("%d requests took one refresh token, want 1, and it must be gone", won.Load())
	}

	k.AddRefresh("r2", "bob", time.Time{})
	k.RevokeAll()
	if k.AccessWorks("a-hour", at) || k.RefreshWorks("r2", at) {
		t.Error("tokens work after RevokeAll")
	}
}

func TestReadTokenForm(t *testing.T) {
	for _, c := range []struct {
		name, method, contentType string
		status                    int
	}{
		{"form", http.MethodPost, "application/x-www-form-urlencoded; charset=UTF-8", 0},
		{"GET", http.MethodGet, "application/x-www-form-urlencoded", 405},
		{"JSON", http.MethodPost, "application/json", 400},
		{"no content type", http.MethodPost, "", 400},
		{"lookalike", http.MethodPost, "application/x-www-form-urlencodedX", 400},
	} {
		r := httptest.NewRequest(c.method, "/token", strings.NewReader("grant_type=refresh_token&refresh_token=r"))
		if c.contentType != "" {
			r.Header.Set("Content-Type", c.contentType)
		}
		f, status, problem := fakeplatform.ReadTokenForm(r)
		if status != c.status || (status == 0) != (problem == "") {
			t.Errorf("%s: status %d, problem %q; want %d", c.name, status, problem, c.status)
		}
		if status == 0 && f.Get("refresh_token") != "r" {
			t.Errorf("%s: form %v", c.name, f)
		}
	}
}
