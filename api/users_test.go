package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/api"
)

const testPassword = "kopi susu gula aren"

// linkPath is the path of an invite or reset link.
func linkPath(t *testing.T, link string) string {
	t.Helper()
	i := strings.Index(link, "/v1/")
	if i < 0 {
		t.Fatalf("link %q has no /v1/ path", link)
	}
	return link[i:]
}

// user makes a user with a password (the operator key) and returns its ID.
func (b *bundle) user(email string) string {
	b.t.Helper()
	m := b.expect(b.do("POST", "/v1/users", adminKey, map[string]any{"email": email, "name": "Sari", "password": testPassword}), http.StatusCreated)
	return m["id"].(string)
}

// signIn opens a session and returns its token.
func (b *bundle) signIn(email, password string) string {
	b.t.Helper()
	m := b.expect(b.do("POST", "/v1/sessions", "", map[string]any{"email": email, "password": password}), http.StatusCreated)
	return m["token"].(string)
}

func TestPasswordHashVerify(t *testing.T) {
	enc, ok, err := api.VerifyPassword(testPassword, testPassword)
	if err != nil || !ok {
		t.Fatalf("the right password: ok %v, %v", ok, err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(enc, testPassword) {
		t.Errorf("encoding %q: want argon2id with its parameters, never the password", enc)
	}
	if _, ok, err := api.VerifyPassword(testPassword, testPassword+"x"); err != nil || ok {
		t.Errorf("a wrong password: ok %v, %v", ok, err)
	}
}

// However many hashes are asked for at once, no more than the cap run at
// one time: each allocates its whole memory parameter.
func TestPasswordHashesAreCapped(t *testing.T) {
	peak, limit := api.HashPasswordsAtOnce(12)
	if peak < 1 || peak > int64(limit) {
		t.Errorf("%d hashes ran at once, want 1 to %d", peak, limit)
	}
}

func BenchmarkPasswordHash(b *testing.B) {
	for b.Loop() {
		if err := api.HashPassword(testPassword); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCreateUser(t *testing.T) {
	b := setup(t)
	_, owner := b.workspace("Toko Budi")
	m := b.expect(b.do("POST", "/v1/users", adminKey, map[string]any{"email": "Sari@Example.com", "name": "Sari", "password": testPassword}), http.StatusCreated)
	if !strings.HasPrefix(m["id"].(string), "usr_") || m["email"] != "sari@example.com" || m["name"] != "Sari" || m["invite_url"] != nil {
		t.Errorf("created user: %v", m)
	}
	if strings.Contains(string(b.logs.String()), testPassword) {
		t.Error("the password is in the log")
	}
	b.expectError(b.do("POST", "/v1/users", adminKey, map[string]any{"email": "SARI@example.COM", "name": "Sari 2", "password": testPassword}), http.StatusConflict, "conflict")
	b.expectError(b.do("POST", "/v1/users", adminKey, map[string]any{"email": "sari at example", "name": "x"}), http.StatusUnprocessableEntity, "validation_failed", "email")
	b.expectError(b.do("POST", "/v1/users", adminKey, map[string]any{"email": "budi@example.com", "password": "short"}), http.StatusUnprocessableEntity, "validation_failed", "password")
	b.expectError(b.do("POST", "/v1/users", owner, map[string]any{"email": "budi@example.com"}), http.StatusForbidden, "forbidden")
}

// A user made without a password sets one through the single-use invite
// link; until then they cannot sign in.
func TestInviteLink(t *testing.T) {
	b := setup(t)
	m := b.expect(b.do("POST", "/v1/users", adminKey, map[string]any{"email": "budi@example.com", "name": "Budi"}), http.StatusCreated)
	invite := linkPath(t, m["invite_url"].(string))
	if !strings.HasPrefix(invite, "/v1/invites/") {
		t.Fatalf("invite_url %q", m["invite_url"])
	}
	exp, _ := time.Parse(time.RFC3339, m["invite_expires_at"].(string))
	if want := b.now.Add(7 * 24 * time.Hour); !exp.Equal(want) {
		t.Errorf("invite expires %v, want %v", exp, want)
	}
	b.expectError(b.do("POST", "/v1/sessions", "", map[string]any{"email": "budi@example.com", "password": testPassword}), http.StatusUnauthorized, "unauthorized")
	b.expectError(b.do("POST", invite, "", map[string]any{"password": "short"}), http.StatusUnprocessableEntity, "validation_failed", "password")
	b.expect(b.do("POST", invite, "", map[string]any{"password": testPassword}), http.StatusOK)
	b.signIn("budi@example.com", testPassword)
	hashes := api.PasswordHashes(b.server)
	b.expectError(b.do("POST", invite, "", map[string]any{"password": testPassword + "2"}), http.StatusNotFound, "not_found")
	if n := api.PasswordHashes(b.server) - hashes; n != 0 {
		t.Errorf("a used link cost %d hashes, want none", n)
	}
	// A reset link is not an invite link.
	b.expectError(b.do("POST", strings.Replace(invite, "/invites/", "/password-resets/", 1), "", map[string]any{"password": testPassword}), http.StatusNotFound, "not_found")

	// An expired invite.
	m = b.expect(b.do("POST", "/v1/users", adminKey, map[string]any{"email": "late@example.com"}), http.StatusCreated)
	b.now = b.now.Add(7*24*time.Hour + time.Second)
	b.expectError(b.do("POST", linkPath(t, m["invite_url"].(string)), "", map[string]any{"password": testPassword}), http.StatusNotFound, "not_found")
}

// Wrong email and wrong password: the same 401, the same message, and
// the same work (one hash each).
func TestSignInRefusalsLookTheSame(t *testing.T) {
	b := setup(t)
	b.user("sari@example.com")
	hashes := func() int64 { return api.PasswordHashes(b.server) }
	before := hashes()
	unknown := b.do("POST", "/v1/sessions", "", map[string]any{"email": "nobody@example.com", "password": testPassword})
	afterUnknown := hashes()
	wrong := b.do("POST", "/v1/sessions", "", map[string]any{"email": "sari@example.com", "password": "not the password"})
	afterWrong := hashes()
	b.expectError(unknown, http.StatusUnauthorized, "unauthorized")
	b.expectError(wrong, http.StatusUnauthorized, "unauthorized")
	if string(unknown.body) != string(wrong.body) {
		t.Errorf("unknown email answers %s, wrong password %s", unknown.body, wrong.body)
	}
	if afterUnknown-before != 1 || afterWrong-afterUnknown != 1 {
		t.Errorf("hashes: unknown email %d, wrong password %d; want 1 each", afterUnknown-before, afterWrong-afterUnknown)
	}
	tok := b.signIn("SARI@example.com", testPassword)
	if !strings.HasPrefix(tok, "ses_") {
		t.Errorf("token %q", tok)
	}
	me := b.expect(b.do("GET", "/v1/me", tok, nil), http.StatusOK)
	if me["email"] != "sari@example.com" || len(me["memberships"].([]any)) != 0 {
		t.Errorf("GET /v1/me: %v", me)
	}
}

// Ten failures a minute from one address are answered 401; the next is
// 429, even with the right password; a minute later sign-in works again.
func TestSignInThrottled(t *testing.T) {
	b := setup(t)
	const delay = 20 * time.Millisecond
	api.SetSignInDelay(b.server, delay)
	b.user("sari@example.com")
	for i := range 10 {
		start := time.Now()
		r := b.do("POST", "/v1/sessions", "", map[string]any{"email": "sari@example.com", "password": "wrong password " + string(rune('a'+i))})
		b.expectError(r, http.StatusUnauthorized, "unauthorized")
		// From the 5th failure on, each attempt waits a delay longer.
		if wait := time.Duration(i-4) * delay; i >= 5 && time.Since(start) < wait {
			t.Errorf("attempt %d after %d failures took %v, want at least %v", i+1, i, time.Since(start), wait)
		}
	}
	b.expectError(b.do("POST", "/v1/sessions", "", map[string]any{"email": "sari@example.com", "password": testPassword}), http.StatusTooManyRequests, "rate_limited")
	b.expectError(b.do("POST", "/v1/sessions", "", map[string]any{"email": "other@example.com", "password": testPassword}), http.StatusTooManyRequests, "rate_limited")
	b.now = b.now.Add(time.Minute)
	b.signIn("sari@example.com", testPassword)
}

// A session ends 30 days after its last use, and 90 days after sign-in
// however often it is used.
func TestSessionExpirySlides(t *testing.T) {
	b := setup(t)
	b.user("sari@example.com")
	start := b.now
	tok := b.signIn("sari@example.com", testPassword)
	for _, day := range []int{29, 58, 87} {
		b.now = start.Add(time.Duration(day) * 24 * time.Hour)
		b.expect(b.do("GET", "/v1/me", tok, nil), http.StatusOK)
	}
	b.now = start.Add(90*24*time.Hour + time.Second)
	b.expectError(b.do("GET", "/v1/me", tok, nil), http.StatusUnauthorized, "unauthorized")

	idle := b.signIn("sari@example.com", testPassword)
	b.now = b.now.Add(30*24*time.Hour + time.Second)
	b.expectError(b.do("GET", "/v1/me", idle, nil), http.StatusUnauthorized, "unauthorized")
}

// An ended session answers 401 at once on another API process over the
// same database; a password reset ends every session of the user.
func TestSessionEndsOnEveryProcess(t *testing.T) {
	b := setup(t)
	id := b.user("sari@example.com")
	second := httptest.NewServer(api.New(api.Config{Store: b.store, Blobs: b.blobs, Signer: b.signer, AdminKey: adminKey, Now: func() time.Time { return b.now }}).Handler())
	t.Cleanup(second.Close)
	onSecond := func(tok string) int {
		req, _ := http.NewRequest("GET", second.URL+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := second.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	tok := b.signIn("sari@example.com", testPassword)
	if got := onSecond(tok); got != http.StatusOK {
		t.Fatalf("a live session on the second process: %d", got)
	}
	b.expect(b.do("DELETE", "/v1/sessions/current", tok, nil), http.StatusNoContent)
	if got := onSecond(tok); got != http.StatusUnauthorized {
		t.Errorf("an ended session on the second process: %d, want 401", got)
	}

	a, c := b.signIn("sari@example.com", testPassword), b.signIn("sari@example.com", testPassword)
	m := b.expect(b.do("POST", "/v1/users/"+id+"/password-reset", adminKey, nil), http.StatusCreated)
	reset := linkPath(t, m["reset_url"].(string))
	b.expect(b.do("POST", reset, "", map[string]any{"password": "a brand new password"}), http.StatusOK)
	for _, tok := range []string{a, c} {
		if got := onSecond(tok); got != http.StatusUnauthorized {
			t.Errorf("a session after the password changed: %d, want 401", got)
		}
	}
	b.expectError(b.do("POST", "/v1/sessions", "", map[string]any{"email": "sari@example.com", "password": testPassword}), http.StatusUnauthorized, "unauthorized")
	b.signIn("sari@example.com", "a brand new password")
	b.expectError(b.do("POST", reset, "", map[string]any{"password": "another new password"}), http.StatusNotFound, "not_found")
}

func TestMembers(t *testing.T) {
	b := setup(t)
	ws, owner := b.workspace("Toko Budi")
	other, _ := b.workspace("Toko Lain")
	admin := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", owner, map[string]any{"role": "admin"}), http.StatusCreated)["api_key"].(string)
	b.user("sari@example.com")
	members := "/v1/workspaces/" + ws + "/members"

	m := b.expect(b.do("POST", members, admin, map[string]any{"email": "Sari@example.com", "role": "editor"}), http.StatusCreated)
	sari := m["user_id"].(string)
	if m["role"] != "editor" || m["invite_url"] != nil {
		t.Errorf("added member: %v", m)
	}
	b.expectError(b.do("POST", members, admin, map[string]any{"email": "sari@example.com", "role": "viewer"}), http.StatusConflict, "conflict")
	b.expectError(b.do("POST", members, admin, map[string]any{"email": "sari@example.com", "role": "boss"}), http.StatusUnprocessableEntity, "validation_failed", "role")
	// An unknown email becomes a user with an invite link.
	m = b.expect(b.do("POST", members, admin, map[string]any{"email": "budi@example.com", "role": "viewer"}), http.StatusCreated)
	if !strings.Contains(m["invite_url"].(string), "/v1/invites/") {
		t.Errorf("a new person's membership: %v", m)
	}
	// Only an owner gives the owner role.
	b.expectError(b.do("POST", members, admin, map[string]any{"email": "boss@example.com", "role": "owner"}), http.StatusForbidden, "forbidden")
	boss := b.expect(b.do("POST", members, owner, map[string]any{"email": "boss@example.com", "role": "owner"}), http.StatusCreated)["user_id"].(string)
	b.expectError(b.do("PATCH", members+"/"+boss, admin, map[string]any{"role": "viewer"}), http.StatusForbidden, "forbidden")
	b.expectError(b.do("DELETE", members+"/"+boss, admin, nil), http.StatusForbidden, "forbidden")
	// The last owner stays.
	b.expectError(b.do("PATCH", members+"/"+boss, owner, map[string]any{"role": "admin"}), http.StatusConflict, "conflict")
	b.expectError(b.do("DELETE", members+"/"+boss, owner, nil), http.StatusConflict, "conflict")
	b.expect(b.do("PATCH", members+"/"+sari, owner, map[string]any{"role": "owner"}), http.StatusOK)
	b.expect(b.do("PATCH", members+"/"+boss, owner, map[string]any{"role": "admin"}), http.StatusOK)
	b.expect(b.do("PATCH", members+"/"+sari, owner, map[string]any{"role": "editor"}), http.StatusConflict)

	list := b.expect(b.do("GET", members, admin, nil), http.StatusOK)["data"].([]any)
	if len(list) != 3 {
		t.Errorf("members: %v", list)
	}

	// Sari acts with her role here, and nowhere else.
	b.expect(b.do("POST", "/v1/workspaces/"+other+"/members", adminKey, map[string]any{"email": "sari@example.com", "role": "viewer"}), http.StatusCreated)
	tok := b.signIn("sari@example.com", testPassword)
	me := b.expect(b.do("GET", "/v1/me", tok, nil), http.StatusOK)
	if len(me["memberships"].([]any)) != 2 {
		t.Errorf("memberships: %v", me)
	}
	b.expect(b.do("GET", members, tok, nil), http.StatusOK) // an owner
	b.expectError(b.do("GET", "/v1/workspaces/"+other+"/members", tok, nil), http.StatusForbidden, "forbidden")
	third, _ := b.workspace("Toko Ketiga")
	b.expectError(b.do("GET", "/v1/workspaces/"+third, tok, nil), http.StatusNotFound, "not_found")
	b.expect(b.do("DELETE", members+"/"+boss, tok, nil), http.StatusNoContent)
	b.expectError(b.do("DELETE", members+"/"+boss, tok, nil), http.StatusNotFound, "not_found")
}

// GET /v1/workspaces for a person: the workspaces they are a member of,
// by ID, none of the others.
func TestWorkspacesOfAPerson(t *testing.T) {
	b := setup(t)
	ws1, owner1 := b.workspace("Toko Budi")
	ws2, owner2 := b.workspace("Toko Sari")
	b.workspace("Toko Lain")
	b.user("agen@example.com")
	b.expect(b.do("POST", "/v1/workspaces/"+ws1+"/members", owner1, map[string]any{"email": "agen@example.com", "role": "editor"}), http.StatusCreated)
	b.expect(b.do("POST", "/v1/workspaces/"+ws2+"/members", owner2, map[string]any{"email": "agen@example.com", "role": "viewer"}), http.StatusCreated)
	session := b.signIn("agen@example.com", testPassword)

	list := b.expect(b.do("GET", "/v1/workspaces", session, nil), http.StatusOK)["data"].([]any)
	var got []string
	for _, w := range list {
		got = append(got, w.(map[string]any)["id"].(string))
	}
	// By ID (a person's list is paged by ID): IDs made within one
	// millisecond sort at random.
	if len(got) != 2 || got[0] != min(ws1, ws2) || got[1] != max(ws1, ws2) {
		t.Errorf("a member of %s and %s sees %v", ws1, ws2, got)
	}
}
