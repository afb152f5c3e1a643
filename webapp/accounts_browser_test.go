package webapp_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/connect/fakeoauth"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/internal/browsertest"
	"github.com/serentak/serentak/secretbox"
)

// logins are the four platforms' login fakes an install is pointed at.
type logins struct {
	fb, ig, yt, tt *fakeoauth.Server
	dir, secret    string // the install's data directory and secret key, to reach its database
}

// serveWithLogins starts serve with the four platforms' OAuth apps
// configured against fakeoauth fakes (Facebook with one Page, Instagram
// Login, Google with one channel, TikTok), each redirecting back to this
// install's callback. The port is picked first: the platforms must know
// the callback before serve starts.
func serveWithLogins(t *testing.T) (*site, *logins) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	l := &logins{fb: fakeoauth.New(t, fakeoauth.Facebook), ig: fakeoauth.New(t, fakeoauth.InstagramLogin),
		yt: fakeoauth.New(t, fakeoauth.Google), tt: fakeoauth.New(t, fakeoauth.TikTok),
		dir: t.TempDir(), secret: "webapp-accounts-test-secret-0123456789"}
	l.fb.Pages = []fakeoauth.Page{{ID: "1001", Name: "Dapur Bu Sari"}}
	l.ig.IGUser = fakeoauth.IGAccount{ID: "17841400000000001", Username: "dapurbusari"}
	l.yt.Channels = []fakeoauth.Channel{{ID: "UCsari", Title: "Dapur Sari TV"}}
	l.tt.OpenID, l.tt.Name = "open-sari", "Sari Masak"
	env := map[string]string{"SERENTAK_ADDR": addr, "SERENTAK_PUBLIC_URL": "http://" + addr,
		"SERENTAK_DATA_DIR": l.dir, "SERENTAK_SECRET_KEY": l.secret}
	for _, p := range []struct {
		name        string
		f           *fakeoauth.Server
		auth, token string
	}{
		{"FACEBOOK", l.fb, "/v25.0/dialog/oauth", "/v25.0/oauth/access_token"},
		{"INSTAGRAM", l.ig, "/oauth/authorize", "/oauth/access_token"},
		{"YOUTUBE", l.yt, "/o/oauth2/v2/auth", "/token"},
		{"TIKTOK", l.tt, "/v2/auth/authorize/", "/v2/oauth/token/"},
	} {
		env["SERENTAK_"+p.name+"_CLIENT_ID"] = p.f.ClientID
		env["SERENTAK_"+p.name+"_CLIENT_SECRET"] = p.f.ClientSecret
		env["SERENTAK_"+p.name+"_AUTH_URL"] = p.f.URL + p.auth
		env["SERENTAK_"+p.name+"_TOKEN_URL"] = p.f.URL + p.token
		env["SERENTAK_"+p.name+"_API_URL"] = p.f.URL
		p.f.RedirectURI = "http://" + addr + "/v1/oauth/" + strings.ToLower(p.name) + "/callback"
	}
	return serve(t, env), l
}

// markNeedsReauth does what the keep-alive check or a failed publish
// does when a platform refuses an account's token.
func (l *logins) markNeedsReauth(t *testing.T, ws, platform string) {
	t.Helper()
	ctx := context.Background()
	st, err := gormstore.Open(ctx, gormstore.Config{URL: filepath.Join(l.dir, "serentak.db"), SecretKey: secretbox.KeyFromString(l.secret), MaxOpenConns: 1, SkipMigrations: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accs, err := st.FindAccounts(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accs {
		if string(a.Platform) == platform {
			if err := st.MarkAccountNeedsReauth(ctx, ws, a.ID, "the token was revoked (Google said invalid_grant)"); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no %s account in %s", platform, ws)
}

// A new merchant on a phone lands on the accounts page after sign-up,
// connects all four platforms by tapping, comes back each time to the
// page with the count; a refused login says so; an account whose token
// stopped working says it needs reconnecting, and reconnecting makes it
// active again; removing asks first.
func TestConnectAccountsOnAPhone(t *testing.T) {
	t.Parallel()
	s, l := serveWithLogins(t)
	p := browser.Page(t, browsertest.Phone)
	ws := strings.TrimPrefix(signUpInBrowser(t, s, p, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026"), "/w/")
	path := "/w/" + ws + "/accounts"
	if got := browsertest.Eval[string](p, "location.pathname"); got != path {
		t.Fatalf("after sign-up the browser is at %q, want the accounts page", got)
	}
	if got := p.Text(".flash"); !strings.Contains(got, "Akun Anda sudah jadi") {
		t.Errorf("after sign-up the page says %q, want the welcome", got)
	}
	if n := p.Count(".connect-grid.big a.connect"); n != 4 {
		t.Errorf("the empty page has %d big connect buttons, want 4", n)
	}
	if got := p.Text(".connect-grid.big li:nth-child(2) p"); !strings.Contains(got, "profesional") {
		t.Errorf("the Instagram button says %q, want that it needs a professional account", got)
	}
	p.Screenshot("accounts-empty-phone")
	if o := p.Overflow(); o > 0 {
		t.Errorf("the empty accounts page is %d px wider than the phone", o)
	}

	// The desktop, signed in as the same person, for the screenshots.
	d := browser.Page(t, browsertest.Desktop)
	d.Open(s.base + "/signin")
	d.Fill("#email", "sari@example.com")
	d.Fill("#password", "rahasia-dapur-2026")
	d.Follow("button[type=submit]")
	d.Open(s.base + path)
	d.Screenshot("accounts-empty-desktop")

	for _, platform := range []string{"facebook", "instagram", "youtube", "tiktok"} {
		if st := p.Follow("a.connect.p-" + platform); st != http.StatusOK {
			t.Fatalf("connecting %s ended on a %d", platform, st)
		}
		if got := browsertest.Eval[string](p, "location.pathname"); got != path {
			t.Fatalf("after connecting %s the browser is at %q, want back at %q", platform, got, path)
		}
		if got := p.Text("#connected"); got != "1 akun terhubung." {
			t.Errorf("after connecting %s the page says %q, want 1 akun terhubung.", platform, got)
		}
	}
	if n := p.Count(".account[data-health=active]"); n != 4 {
		t.Errorf("%d healthy accounts after connecting four, want 4", n)
	}
	if got := p.Text(".account[data-platform=tiktok] strong"); got != "Sari Masak" {
		t.Errorf("the TikTok account is named %q, want the creator's nickname", got)
	}
	p.Screenshot("accounts-four-phone")
	if o := p.Overflow(); o > 0 {
		t.Errorf("the accounts page is %d px wider than the phone", o)
	}
	d.Open(s.base + path)
	d.Screenshot("accounts-four-desktop")

	// A refused login comes back with the reason in words.
	l.fb.Deny = true
	p.Follow("a.connect.p-facebook")
	if got := p.Text(".alert"); !strings.Contains(got, "tidak memberi izin") {
		t.Errorf("a refused login says %q, want that access was not allowed", got)
	}
	l.fb.Deny = false

	// The platform stops taking the YouTube token; the check marks it.
	l.yt.Revoke()
	l.markNeedsReauth(t, ws, "youtube")
	p.Open(s.base + path)
	yt := ".account[data-platform=youtube]"
	if got := p.Text(yt + " .badge"); got != "Perlu dihubungkan ulang" {
		t.Errorf("the revoked account's badge says %q, want Perlu dihubungkan ulang", got)
	}
	if got := p.Text(yt + " .reason"); !strings.Contains(got, "invalid_grant") {
		t.Errorf("the revoked account's reason is %q, want the platform's", got)
	}
	p.Screenshot("accounts-reauth-phone")
	d.Open(s.base + path)
	d.Screenshot("accounts-reauth-desktop")
	if st := p.Follow(yt + " a.reconnect"); st != http.StatusOK {
		t.Fatalf("reconnecting ended on a %d", st)
	}
	if got := p.Text(yt + " .badge"); got != "Aktif" {
		t.Errorf("after reconnecting the badge says %q, want Aktif", got)
	}
	if n := p.Count(".account"); n != 4 {
		t.Errorf("%d accounts after reconnecting, want the same 4", n)
	}

	// In English once.
	p.Follow("a.lang")
	if got := p.Text("h1"); got != "Social accounts" {
		t.Errorf("in English the title is %q", got)
	}
	p.Follow("a.lang")

	// Removing asks first, without a script.
	tt := ".account[data-platform=tiktok]"
	p.Click(tt + " details.remove summary")
	if got := p.Text(tt + " details.remove p"); !strings.Contains(got, "Sari Masak") {
		t.Errorf("the confirmation says %q, want the account's name", got)
	}
	p.Follow(tt + " details.remove button.danger")
	if got := p.Text(".flash"); !strings.Contains(got, "sudah dihapus") {
		t.Errorf("after removing, the page says %q", got)
	}
	if n := p.Count(".account"); n != 3 {
		t.Errorf("%d accounts after removing one, want 3", n)
	}
	if probs := p.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}
	if probs := d.TakeProblems(); len(probs) > 0 {
		t.Errorf("the desktop browser reported: %v", probs)
	}
}

// A platform whose OAuth app is not configured: the page names the
// settings the operator must set instead of a connect button.
func TestConnectNotConfigured(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	c := s.newClient()
	ws := c.signUp("Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")
	// Before any tap: no button to a login that cannot work, the settings
	// instead.
	_, body := c.get(ws + "/accounts")
	if strings.Contains(body, "/accounts/connect/") || !strings.Contains(body, "SERENTAK_TIKTOK_CLIENT_SECRET") {
		t.Errorf("with no OAuth app configured the page offers a login, or does not name the settings:\n%s", body)
	}
	p := browser.Page(t, browsertest.Phone)
	p.Open(s.base + "/signin")
	p.Fill("#email", "sari@example.com")
	p.Fill("#password", "rahasia-dapur-2026")
	p.Follow("button[type=submit]")
	p.Open(s.base + ws + "/accounts")
	if n := p.Count(".not-ready"); n != 4 {
		t.Errorf("%d platforms say they need the operator, want 4", n)
	}
	p.Screenshot("accounts-not-configured-phone")
	if o := p.Overflow(); o > 0 {
		t.Errorf("the page is %d px wider than the phone", o)
	}
	if probs := p.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}

	// A link kept from before says the same.
	res, body := c.get(ws + "/accounts/connect/facebook")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != ws+"/accounts?not_configured=facebook" {
		t.Fatalf("connecting an unconfigured platform = %d %q %s", res.StatusCode, loc, body)
	}
	_, body = c.get(ws + "/accounts?not_configured=facebook")
	if !strings.Contains(body, "SERENTAK_FACEBOOK_CLIENT_ID") || !strings.Contains(body, "SERENTAK_FACEBOOK_CLIENT_SECRET") {
		t.Errorf("the page does not name the settings to set:\n%s", body)
	}

	// An Instagram token that lapses in two days (attached by token, as
	// the page's scripts could): the page warns, with the day. A YouTube
	// token of an hour is refreshed as it is used: no warning.
	const mark = `name="csrf-token" content="`
	i := strings.Index(body, mark)
	if i < 0 {
		t.Fatal("no CSRF token in the page")
	}
	tok := body[i+len(mark):]
	tok = tok[:strings.IndexByte(tok, '"')]
	for _, acc := range []string{
		`{"platform":"instagram","external_id":"17841400000000009","name":"dapurbusari","access_token":"IGAA-token","token_expires_at":"` + time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339) + `"}`,
		`{"platform":"youtube","external_id":"UCsari","name":"Dapur Sari TV","access_token":"ya29-token","refresh_token":"1//r","token_expires_at":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `"}`,
	} {
		req, _ := http.NewRequest(http.MethodPost, s.base+"/app/api/v1/workspaces/"+strings.TrimPrefix(ws, "/w/")+"/accounts", strings.NewReader(acc))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", tok)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := readBody(t, res); res.StatusCode != http.StatusCreated {
			t.Fatalf("attach: %d %s", res.StatusCode, b)
		}
	}
	_, body = c.get(ws + "/accounts")
	if !strings.Contains(body, `data-platform="instagram" data-health="expiring"`) || !strings.Contains(body, "Segera kedaluwarsa") {
		t.Errorf("an Instagram token lapsing in two days is not shown as expiring:\n%s", body)
	}
	if !strings.Contains(body, `data-platform="youtube" data-health="active"`) {
		t.Errorf("a YouTube access token of an hour is shown as a problem:\n%s", body)
	}

	// An editor sees the accounts' health but no button to connect or
	// remove (the API would refuse them): who to ask instead.
	api := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+operatorKey)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := readBody(t, res); res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
	}
	api("POST", "/v1/users", `{"email":"budi@example.com","name":"Budi","password":"rahasia-budi-2026"}`)
	api("POST", "/v1/workspaces/"+strings.TrimPrefix(ws, "/w/")+"/members", `{"email":"budi@example.com","role":"editor"}`)
	e := s.newClient()
	_, page := e.get("/signin")
	if res, b := e.post("/signin", url.Values{"csrf_token": {csrf(t, page)}, "email": {"budi@example.com"}, "password": {"rahasia-budi-2026"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the editor's sign-in: %d %s", res.StatusCode, b)
	}
	_, body = e.get(ws + "/accounts")
	if strings.Contains(body, "/accounts/connect/") || strings.Contains(body, "/remove") {
		t.Errorf("an editor's accounts page offers to connect or remove:\n%s", body)
	}
	if !strings.Contains(body, `data-platform="instagram"`) {
		t.Errorf("an editor does not see the accounts")
	}
}
