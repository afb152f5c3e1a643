package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

// TestCreatedAtIsTheSameInstantEverywhere: the answer to a create and a
// later GET of the same resource write created_at alike. The databases
// keep microseconds, so a clock with nanoseconds once gave 9 fractional
// digits in the 201 and 6 in the GET. Runs on PostgreSQL too when
// SERENTAK_TEST_DATABASE_URL is set (storetest).
func TestCreatedAtIsTheSameInstantEverywhere(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second).Add(123456789 * time.Nanosecond)
	b := setup(t, func(c *api.Config) { c.Now = func() time.Time { return now } })
	b.now = now

	same := func(what string, created, fetched map[string]any) {
		t.Helper()
		for _, field := range []string{"created_at", "updated_at", "scheduled_at"} {
			c, ok := created[field]
			if !ok {
				continue
			}
			if f := fetched[field]; c != f {
				t.Errorf("%s %s: %v in the create answer, %v in the GET", what, field, c, f)
			}
		}
	}

	w := b.expect(b.do("POST", "/v1/workspaces", adminKey, map[string]any{"name": "Toko Budi"}), http.StatusCreated)
	ws, key := w["id"].(string), w["api_key"].(string)
	same("workspace", w, b.expect(b.do("GET", "/v1/workspaces/"+ws, key, nil), http.StatusOK))

	a := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/accounts", key, map[string]any{
		"platform": serentak.Facebook, "external_id": "111", "name": "Toko Budi", "access_token": "EAAB-token",
	}), http.StatusCreated)
	same("account", a, b.expect(b.do("GET", "/v1/workspaces/"+ws+"/accounts/"+a["id"].(string), key, nil), http.StatusOK))

	m := b.expect(b.upload(ws, key, "a.png", "image/png", pngBytes), http.StatusCreated)
	same("media", m, b.expect(b.do("GET", "/v1/workspaces/"+ws+"/media/"+m["id"].(string), key, nil), http.StatusOK))

	body := postBody(a["id"].(string)) // no scheduled_at: now, as the clock gives it
	p := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	same("post", p, b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+p["id"].(string), key, nil), http.StatusOK))

	k := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", key, nil), http.StatusCreated)
	if got, want := k["created_at"], now.Truncate(time.Microsecond).Format(time.RFC3339Nano); got != want {
		t.Errorf("key created_at = %v, want %v (microseconds, as stored)", got, want)
	}
}
