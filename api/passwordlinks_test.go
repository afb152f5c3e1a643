package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/mail"
	"github.com/serentak/serentak/mail/mailtest"
)

const publicURL = "https://serentak.example"

// withMail gives the API a mailer sending to a real SMTP server, and a
// public URL for the links.
func withMail(t *testing.T) (*mailtest.Server, func(*api.Config)) {
	t.Helper()
	srv := mailtest.Start(t, mailtest.Options{Username: "serentak", Password: "smtp-password-123"})
	cfg, err := mail.ParseURL(srv.URL("Serentak <noreply@serentak.example>"))
	if err != nil {
		t.Fatal(err)
	}
	return srv, func(c *api.Config) {
		c.Mailer = mail.NewSMTP(cfg)
		c.PublicURL = publicURL
	}
}

// form posts a password form to path as a browser on our page does
// (headers: the Origin it sends, and any other).
func (b *bundle) form(path, password string, headers ...string) response {
	b.t.Helper()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin"}, headers...)
	return b.do("POST", path, "", url.Values{"password": {password}}.Encode(), h...)
}

// page checks an HTML answer: its status, that it is a page with the
// headers that keep it to itself, its state, and returns its text.
func (b *bundle) page(r response, status int, state string) string {
	b.t.Helper()
	if r.status != status {
		b.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		b.t.Fatalf("Content-Type %q, want a page: %v %q", ct, r.header, r.body)
	}
	for h, want := range map[string]string{"Referrer-Policy": "same-origin", "Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"} {
		if got := r.header.Get(h); got != want {
			b.t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
		b.t.Errorf("Content-Security-Policy %q", csp)
	}
	body := string(r.body)
	if !strings.Contains(body, `data-state="`+state+`"`) {
		b.t.Errorf("page state: want %q in\n%s", state, body)
	}
	return body
}

func hasForm(body string) bool {
	return strings.Contains(body, `id="password"`) && strings.Contains(body, `id="submit"`) && strings.Contains(body, `minlength="10"`)
}

// An invite goes by email, opens a page (any number of times: previews
// do not use it up), and the page's form sets the password once.
func TestInviteByEmailAndPage(t *testing.T) {
	smtp, opt := withMail(t)
	b := setup(t, opt)
	m := b.expect(b.do("POST", "/v1/users", adminKey, map[string]any{"email": "budi@example.com", "name": "Budi"}), http.StatusCreated)
	inviteURL := m["invite_url"].(string)
	if !strings.HasPrefix(inviteURL, publicURL+"/v1/invites/") {
		t.Fatalf("invite_url %q", inviteURL)
	}
	got := smtp.WaitFor(t, 1)[0]
	if got.To[0] != "budi@example.com" || got.Subject != "Undangan ke Serentak" {
		t.Errorf("email to %v, subject %q", got.To, got.Subject)
	}
	if !strings.Contains(got.Text, "Halo Budi,") || !strings.Contains(got.Text, inviteURL+"\n") || !strings.Contains(got.HTML, `href="`+inviteURL+`"`) {
		t.Errorf("the email does not carry the link in Bahasa Indonesia:\n%s\n%s", got.Text, got.HTML)
	}
	if !got.TLS && got.AuthUser != "serentak" {
		t.Errorf("authenticated as %q", got.AuthUser)
	}

	path := linkPath(t, inviteURL)
	for range 2 { // a preview robot, then the person: the link still works
		body := b.page(b.do("GET", path, "", nil), http.StatusOK, "form")
		if !hasForm(body) || !strings.Contains(body, `lang="id"`) || !strings.Contains(body, "Selamat datang di Serentak") {
			t.Fatalf("the invite page has no form in Bahasa Indonesia:\n%s", body)
		}
		if r := b.do("HEAD", path, "", nil); r.status != http.StatusOK || len(r.body) != 0 {
			t.Fatalf("HEAD: %d %q", r.status, r.body)
		}
	}
	body := b.page(b.form(path+"?lang=id", "pendek"), http.StatusUnprocessableEntity, "form")
	if !hasForm(body) || !strings.Contains(body, "minimal 10 karakter") {
		t.Errorf("a short password: want the form again with why:\n%s", body)
	}
	body = b.page(b.form(path+"?lang=id", testPassword, "Origin", publicURL), http.StatusOK, "done")
	if !strings.Contains(body, "Kata sandi tersimpan") || hasForm(body) {
		t.Errorf("done page:\n%s", body)
	}
	b.signIn("budi@example.com", testPassword)

	// Used: a page saying so, for a browser; JSON for an app.
	body = b.page(b.do("GET", path, "", nil), http.StatusNotFound, "dead")
	if hasForm(body) || !strings.Contains(body, "sudah dipakai") {
		t.Errorf("a used link's page:\n%s", body)
	}
	b.page(b.form(path, testPassword+"2"), http.StatusNotFound, "dead")
	b.expectError(b.do("POST", path, "", map[string]any{"password": testPassword + "2"}), http.StatusNotFound, "not_found")
	b.signIn("budi@example.com", testPassword) // unchanged

	token := strings.TrimPrefix(path, "/v1/invites/")
	if logs := b.logs.String(); strings.Contains(logs, token) || strings.Contains(logs, testPassword) {
		t.Errorf("the log holds the link's token or the password:\n%s", logs)
	}
	if !strings.Contains(b.logs.String(), `"path":"/v1/invites/:token"`) {
		t.Errorf("the access log does not name the route:\n%s", b.logs.String())
	}
}

// Unknown, malformed and expired links answer a page, never a 500 or
// JSON, to a browser.
func TestPasswordLinkDeadPages(t *testing.T) {
	b := setup(t)
	for _, path := range []string{
		"/v1/invites/" + strings.Repeat("A", 43),
		"/v1/password-resets/" + strings.Repeat("A", 43),
		"/v1/invites/short",
		"/v1/password-resets/%3Cscript%3E",
	} {
		b.page(b.do("GET", path, "", nil), http.StatusNotFound, "dead")
		b.page(b.form(path, testPassword), http.StatusNotFound, "dead")
		b.expectError(b.do("POST", path, "", map[string]any{"password": testPassword}), http.StatusNotFound, "not_found")
	}
	uid := b.user("sari@example.com")
	m := b.expect(b.do("POST", "/v1/users/"+uid+"/password-reset", adminKey, nil), http.StatusCreated)
	path := linkPath(t, m["reset_url"].(string))
	b.page(b.do("GET", path, "", nil), http.StatusOK, "form")
	b.now = b.now.Add(24*time.Hour + time.Second)
	b.page(b.do("GET", path, "", nil), http.StatusNotFound, "dead")
	b.page(b.form(path, testPassword+"2"), http.StatusNotFound, "dead")
}

// The page speaks English when asked (?lang=en) or when the browser
// prefers English to Indonesian; Bahasa Indonesia otherwise.
func TestPasswordPageLanguage(t *testing.T) {
	b := setup(t)
	m := b.expect(b.do("POST", "/v1/users", adminKey, map[string]any{"email": "budi@example.com"}), http.StatusCreated)
	path := linkPath(t, m["invite_url"].(string))
	for _, tc := range []struct {
		query, accept, want string
	}{
		{"", "", "id"},
		{"?lang=en", "", "en"},
		{"?lang=id", "en-US,en;q=0.9", "id"},
		{"", "en-US,en;q=0.9,id;q=0.8", "en"},
		{"", "id-ID,id;q=0.9,en-US;q=0.8", "id"},
		{"", "en;q=0.5, id", "id"},
		{"", "fr-FR,en;q=0.7", "en"},
		{"", "ja-JP", "id"},
		{"?lang=xx", "", "id"},
	} {
		r := b.do("GET", path+tc.query, "", nil, "Accept-Language", tc.accept)
		body := b.page(r, http.StatusOK, "form")
		if !strings.Contains(body, `lang="`+tc.want+`"`) {
			t.Errorf("%s Accept-Language %q: want %s", tc.query, tc.accept, tc.want)
		}
		if tc.want == "en" && !strings.Contains(body, "Welcome to Serentak") {
			t.Errorf("%s Accept-Language %q: not in English", tc.query, tc.accept)
		}
		// The form keeps the page's language.
		if !strings.Contains(body, `action="`+path+`?lang=`+tc.want+`"`) {
			t.Errorf("the form's action does not keep lang=%s:\n%s", tc.want, body)
		}
	}
}

// A form post that the browser says came from another site or origin is
// refused with a page, and the link stays usable.
func TestPasswordFormFromAnotherSite(t *testing.T) {
	b := setup(t)
	m := b.expect(b.do("POST", "/v1/users", adminKey, map[string]any{"email": "budi@example.com"}), http.StatusCreated)
	path := linkPath(t, m["invite_url"].(string))
	b.page(b.form(path, testPassword, "Origin", "https://evil.example"), http.StatusForbidden, "refused")
	b.page(b.form(path, testPassword, "Origin", "null"), http.StatusForbidden, "refused")
	b.page(b.form(path, testPassword, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "refused")
	b.page(b.form(path, testPassword, "Sec-Fetch-Site", "same-site"), http.StatusForbidden, "refused")
	b.page(b.form(path, testPassword, "Origin", "https://"+strings.TrimPrefix(b.srv.URL, "http://")+".evil.example"), http.StatusForbidden, "refused")
	b.page(b.do("GET", path, "", nil), http.StatusOK, "form") // still live
	b.page(b.form(path, testPassword, "Origin", b.srv.URL), http.StatusOK, "done")
}

// A member invited to an English workspace gets the email and the page
// in English, naming the workspace.
func TestMemberInviteInWorkspaceLanguage(t *testing.T) {
	smtp, opt := withMail(t)
	b := setup(t, opt)
	ws, owner := b.workspace("Toko Budi")
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, owner, map[string]any{"language": "en"}), http.StatusOK)
	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members", owner, map[string]any{"email": "ana@example.com", "name": "Ana", "role": "editor"}), http.StatusCreated)
	link := m["invite_url"].(string)
	if !strings.HasSuffix(link, "?lang=en") {
		t.Errorf("invite_url %q: want ?lang=en", link)
	}
	got := smtp.WaitFor(t, 1)[0]
	if got.Subject != "Your invitation to Toko Budi on Serentak" || !strings.Contains(got.Text, "Hi Ana,") || !strings.Contains(got.Text, link) {
		t.Errorf("email %q:\n%s", got.Subject, got.Text)
	}
	body := b.page(b.do("GET", linkPath(t, link), "", nil), http.StatusOK, "form")
	if !strings.Contains(body, `lang="en"`) {
		t.Errorf("the page is not in English:\n%s", body)
	}
	b.page(b.form(linkPath(t, link), testPassword), http.StatusOK, "done")
	b.signIn("ana@example.com", testPassword)

	// A known email is added without an invite, and no email.
	b.user("sari@example.com")
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members", owner, map[string]any{"email": "sari@example.com", "role": "viewer"}), http.StatusCreated)
	api.WaitForMail(b.server)
	if n := len(smtp.Messages()); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
}

// Forgotten password: 202 whatever the email; a user's email gets a
// link that works; an unknown one gets nothing.
func TestRequestPasswordReset(t *testing.T) {
	smtp, opt := withMail(t)
	b := setup(t, opt)
	b.user("sari@example.com")
	old := b.signIn("sari@example.com", testPassword)

	known := b.expect(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "Sari@Example.com", "language": "en"}), http.StatusAccepted)
	unknown := b.expect(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "nobody@example.com"}), http.StatusAccepted)
	if known["status"] != "accepted" || unknown["status"] != "accepted" {
		t.Errorf("answers %v and %v", known, unknown)
	}
	api.WaitForMail(b.server)
	msgs := smtp.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "sari@example.com" || msgs[0].Subject != "Reset your Serentak password" {
		t.Fatalf("emails: %+v", msgs)
	}
	text := msgs[0].Text
	i := strings.Index(text, publicURL+"/v1/password-resets/")
	if i < 0 || !strings.Contains(text, "ignore this email") {
		t.Fatalf("no reset link in:\n%s", text)
	}
	link := strings.Fields(text[i:])[0]
	if !strings.HasSuffix(link, "?lang=en") {
		t.Errorf("link %q: want ?lang=en", link)
	}
	b.page(b.do("GET", linkPath(t, link), "", nil), http.StatusOK, "form")
	b.expect(b.do("POST", linkPath(t, link), "", map[string]any{"password": testPassword + " baru"}), http.StatusOK)
	b.expectError(b.do("GET", "/v1/me", old, nil), http.StatusUnauthorized, "unauthorized") // sessions end
	b.signIn("sari@example.com", testPassword+" baru")

	// At most 3 reset emails an hour to one person, whatever is asked;
	// the answer stays 202.
	for range 4 {
		b.expect(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "sari@example.com"}), http.StatusAccepted)
	}
	api.WaitForMail(b.server)
	if n := len(smtp.Messages()); n != 3 {
		t.Errorf("%d emails after 5 requests within the hour, want 3", n)
	}
	b.now = b.now.Add(time.Hour)
	b.expect(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "sari@example.com"}), http.StatusAccepted)
	api.WaitForMail(b.server)
	if n := len(smtp.Messages()); n != 4 {
		t.Errorf("%d emails an hour later, want 4", n)
	}

	b.expectError(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "not an email"}), http.StatusUnprocessableEntity, "validation_failed", "email")
	b.expectError(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "sari@example.com", "language": "fr"}), http.StatusUnprocessableEntity, "validation_failed", "language")
}

// Without a mailer a reset request answers the same and sends nothing.
func TestRequestPasswordResetWithoutMail(t *testing.T) {
	b := setup(t)
	b.user("sari@example.com")
	b.expect(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "sari@example.com"}), http.StatusAccepted)
	api.WaitForMail(b.server)
}

// Reset requests are throttled like sign-ins, per email and per address.
func TestRequestPasswordResetThrottled(t *testing.T) {
	b := setup(t)
	api.SetSignInDelay(b.server, 0)
	for range 10 {
		b.expect(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "sari@example.com"}), http.StatusAccepted)
	}
	b.expectError(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "sari@example.com"}), http.StatusTooManyRequests, "rate_limited")
	// The same address, another email: the address's count is spent too.
	b.expectError(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "budi@example.com"}), http.StatusTooManyRequests, "rate_limited")
	// Sign-ins are counted apart.
	b.user("sari@example.com")
	b.signIn("sari@example.com", testPassword)
	b.now = b.now.Add(time.Minute)
	b.expect(b.do("POST", "/v1/password-resets", "", map[string]any{"email": "sari@example.com"}), http.StatusAccepted)
}

// An admin makes a reset link for a member it may manage, emailed to
// them; not for an owner, and not for someone who belongs elsewhere too.
func TestMemberPasswordReset(t *testing.T) {
	smtp, opt := withMail(t)
	b := setup(t, opt)
	ws, owner := b.workspace("Toko Budi")
	admin := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", owner, map[string]any{"name": "admin", "role": "admin"}), http.StatusCreated)["api_key"].(string)
	add := func(ws, key, email, role string) string {
		b.user(email)
		return b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members", key, map[string]any{"email": email, "role": role}), http.StatusCreated)["user_id"].(string)
	}
	editor := add(ws, owner, "editor@example.com", "editor")
	boss := add(ws, owner, "boss@example.com", "owner")

	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members/"+editor+"/password-reset", admin, nil), http.StatusCreated)
	link := m["reset_url"].(string)
	got := smtp.WaitFor(t, 1)[0]
	if got.To[0] != "editor@example.com" || got.Subject != "Atur ulang kata sandi Serentak" || !strings.Contains(got.Text, link) {
		t.Errorf("email to %v %q:\n%s", got.To, got.Subject, got.Text)
	}
	b.page(b.form(linkPath(t, link), testPassword+" baru"), http.StatusOK, "done")
	b.signIn("editor@example.com", testPassword+" baru")

	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/members/"+boss+"/password-reset", admin, nil), http.StatusForbidden, "forbidden")
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members/"+boss+"/password-reset", owner, nil), http.StatusCreated)

	// A member of another workspace too: this admin's link would open it.
	other, otherOwner := b.workspace("Toko Lain")
	b.expect(b.do("POST", "/v1/workspaces/"+other+"/members", otherOwner, map[string]any{"email": "editor@example.com", "role": "owner"}), http.StatusCreated)
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/members/"+editor+"/password-reset", owner, nil), http.StatusForbidden, "forbidden")
	// A member of an organization: it reaches all of its workspaces.
	agency := add(ws, owner, "agency@example.com", "editor")
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/members/"+agency+"/password-reset", owner, nil), http.StatusCreated)
	org := b.organization("Agensi")
	b.expect(b.do("POST", "/v1/organizations/"+org+"/members", adminKey, map[string]any{"email": "agency@example.com", "role": "owner"}), http.StatusCreated)
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/members/"+agency+"/password-reset", owner, nil), http.StatusForbidden, "forbidden")
	// Not a member here: 404, as another workspace's resources are.
	stranger := add(other, otherOwner, "stranger@example.com", "viewer")
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/members/"+stranger+"/password-reset", owner, nil), http.StatusNotFound, "not_found")

	audit := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/audit", owner, nil), http.StatusOK)
	found := false
	for _, e := range audit["data"].([]any) {
		e := e.(map[string]any)
		if e["action"] == "member.password_reset_link" && e["target_id"] == editor {
			found = true
		}
	}
	if !found {
		t.Errorf("no member.password_reset_link entry for %s: %v", editor, audit["data"])
	}
	if strings.Contains(b.logs.String(), strings.TrimPrefix(linkPath(t, link), "/v1/password-resets/")) {
		t.Error("the log holds the reset token")
	}
}

// The operator's reset link is emailed too; a mail server that cannot be
// reached fails nothing but the email, and the log says so without the
// link.
func TestOperatorResetEmailAndMailFailure(t *testing.T) {
	smtp, opt := withMail(t)
	b := setup(t, opt)
	uid := b.user("sari@example.com")
	m := b.expect(b.do("POST", "/v1/users/"+uid+"/password-reset", adminKey, nil), http.StatusCreated)
	if got := smtp.WaitFor(t, 1)[0]; got.To[0] != "sari@example.com" || !strings.Contains(got.Text, m["reset_url"].(string)) {
		t.Errorf("email to %v:\n%s", got.To, got.Text)
	}
	b.expectError(b.do("POST", "/v1/users/usr_nobody/password-reset", adminKey, nil), http.StatusNotFound, "not_found")

	down := setup(t, func(c *api.Config) {
		cfg, _ := mail.ParseURL("smtp://127.0.0.1:1?from=noreply@serentak.example")
		c.Mailer = mail.NewSMTP(cfg)
		c.PublicURL = publicURL
	})
	m = down.expect(down.do("POST", "/v1/users", adminKey, map[string]any{"email": "budi@example.com"}), http.StatusCreated)
	api.WaitForMail(down.server)
	logs := down.logs.String()
	if !strings.Contains(logs, "email not sent") {
		t.Errorf("the failure is not logged:\n%s", logs)
	}
	if strings.Contains(logs, strings.TrimPrefix(linkPath(t, m["invite_url"].(string)), "/v1/invites/")) {
		t.Error("the log holds the invite token")
	}
	down.page(down.do("GET", linkPath(t, m["invite_url"].(string)), "", nil), http.StatusOK, "form")
}
