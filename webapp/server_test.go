package webapp_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// What the server answers, without a browser: the API keeps its paths
// and JSON answers behind the web app; forms need their CSRF token; a
// script's write through /app/api/ needs the CSRF header; sign-up is for
// the first person only, by default.
func TestServerBoundaries(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	c := s.newClient()

	res, body := c.get("/v1/nowhere")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"code":"not_found"`) {
		t.Errorf("an unknown API path: %d %s %s, want the API's JSON 404", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if res, _ := c.get("/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", res.StatusCode)
	}

	// A form posted without its token, or with another's, is refused
	// and signs nobody in.
	res, _ = c.post("/signin", url.Values{"email": {"a@example.com"}, "password": {"whatever-long"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without a CSRF token: %d, want 403", res.StatusCode)
	}
	ws := c.signUp("Toko Budi", "Budi", "budi@example.com", "rahasia-budi-2026")

	// The session cookie is HttpOnly and Lax.
	u, _ := url.Parse(s.base)
	var ses *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "serentak_session" {
			ses = ck
		}
	}
	if ses == nil || !strings.HasPrefix(ses.Value, "ses_") {
		t.Fatalf("no session cookie after sign-up: %v", c.Jar.Cookies(u))
	}
	res, page := c.get(ws)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Toko Budi") {
		t.Fatalf("the workspace's page: %d", res.StatusCode)
	}
	for _, h := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "serentak_session=") && (!strings.Contains(h, "HttpOnly") || !strings.Contains(h, "SameSite=Lax")) {
			t.Errorf("session cookie %q is not HttpOnly and Lax", h)
		}
	}

	// Scripts: reads pass with the cookie; writes need the header.
	wsID := strings.TrimPrefix(ws, "/w/")
	res, body = c.get("/app/api/v1/workspaces/" + wsID)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"name":"Toko Budi"`) {
		t.Errorf("a script's read: %d %s", res.StatusCode, body)
	}
	patch := func(token string) int {
		req, _ := http.NewRequest(http.MethodPatch, s.base+"/app/api/v1/workspaces/"+wsID, strings.NewReader(`{"name":"Toko Budi Jaya"}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("X-CSRF-Token", token)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := patch(""); got != http.StatusForbidden {
		t.Errorf("a script's write without the CSRF header: %d, want 403", got)
	}
	if got := patch(csrf(t, page)); got != http.StatusOK {
		t.Errorf("a script's write with the page's CSRF header: %d, want 200", got)
	}

	// Another's workspace is not found, as the API says.
	other := s.newClient()
	res, _ = other.get("/signup")
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-up once a person exists: %d, want 303 to sign-in (SERENTAK_SIGNUP=first)", res.StatusCode)
	}
	res, body = c.get("/app/api/v1/workspaces/ws_doesnotexist0000000000")
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if json.Unmarshal([]byte(body), &e); res.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" {
		t.Errorf("another workspace through /app/api: %d %s", res.StatusCode, body)
	}
	res, _ = c.get("/w/ws_doesnotexist0000000000")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("another workspace's page: %d, want 404", res.StatusCode)
	}

	// Signed out, pages send to sign-in and remember where to come back.
	res, _ = other.get(ws + "?x=1")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/signin?next="+url.QueryEscape(ws+"?x=1") {
		t.Errorf("signed out: %d to %q", res.StatusCode, loc)
	}
}
