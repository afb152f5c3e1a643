package webapp_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/serentak/serentak/internal/browsertest"
)

// The first minutes of a new merchant on a phone, in a real browser: the
// app opens on the sign-in page, they sign up with their business, land
// in their workspace, switch to English and back, sign out and in again.
func TestSignUpSignOutSignInOnAPhone(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	p := browser.Page(t, browsertest.Phone)

	if st := p.Open(s.base + "/"); st != http.StatusOK {
		t.Fatalf("/ answered %d", st)
	}
	if got := browsertest.Eval[string](p, "location.pathname"); got != "/signin" {
		t.Fatalf("signed out, / opened %q, want /signin", got)
	}
	if got := p.Text("h1"); got != "Masuk" {
		t.Errorf("sign-in page title %q, want Masuk (Bahasa Indonesia by default)", got)
	}
	p.Screenshot("signin")
	if o := p.Overflow(); o > 0 {
		t.Errorf("the sign-in page is %d px wider than the phone", o)
	}

	if st := p.Follow("a[href='/signup']"); st != http.StatusOK {
		t.Fatalf("sign-up page: %d", st)
	}
	p.Screenshot("signup")
	ws := signUpInBrowser(t, s, p, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")
	if got := p.Text(".switcher summary"); got != "Dapur Bu Sari" {
		t.Errorf("after sign-up the workspace is %q, want the business's name", got)
	}
	if got := p.Text("h1"); got != "Akun sosial" {
		t.Errorf("after sign-up the page is %q, want the accounts page (connect first)", got)
	}
	if got := p.Text(".flash"); !strings.Contains(got, "Akun Anda sudah jadi") {
		t.Errorf("after sign-up the page says %q, want the welcome", got)
	}
	p.Screenshot("dashboard")
	if o := p.Overflow(); o > 0 {
		t.Errorf("the dashboard is %d px wider than the phone", o)
	}

	// English, then back: the choice sticks to the pages that follow.
	p.Follow("a.lang")
	if got := p.Text(".main-nav a.cta"); got != "New post" {
		t.Errorf("in English the compose link reads %q, want New post", got)
	}
	if got := browsertest.Eval[string](p, "location.pathname"); got != ws+"/accounts" {
		t.Errorf("switching language went to %q, want to stay on %q", got, ws+"/accounts")
	}
	p.Open(s.base + ws)
	if got := browsertest.Eval[string](p, "document.documentElement.lang"); got != "en" {
		t.Errorf("the next page is in %q, want en", got)
	}
	p.Follow("a.lang")
	if got := p.Text(".main-nav a.cta"); got != "Buat post" {
		t.Errorf("back in Bahasa Indonesia the compose link reads %q, want Buat post", got)
	}

	// Sign out: the workspace's page asks to sign in again, and comes
	// back after.
	p.Follow(".tools button")
	if st := p.Open(s.base + ws); st != http.StatusOK {
		t.Fatalf("signed out, %s answered %d", ws, st)
	}
	if got := browsertest.Eval[string](p, "location.pathname"); got != "/signin" {
		t.Fatalf("signed out, %s opened %q, want /signin", ws, got)
	}
	if probs := p.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}
	p.Fill("#email", "sari@example.com")
	p.Fill("#password", "salah-sandinya")
	p.Follow("button[type=submit]")
	if got := p.Text(".alert"); !strings.Contains(got, "Email atau kata sandi salah") {
		t.Errorf("a wrong password says %q", got)
	}
	if got := browsertest.Eval[string](p, "document.querySelector('#email').value"); got != "sari@example.com" {
		t.Errorf("after a refusal the email field holds %q, want it kept", got)
	}
	p.TakeProblems() // the refused form's 401, as the browser logs it
	p.Fill("#password", "rahasia-dapur-2026")
	p.Follow("button[type=submit]")
	if got := browsertest.Eval[string](p, "location.pathname"); got != ws {
		t.Errorf("after signing in the browser is at %q, want back at %q", got, ws)
	}
	if probs := p.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}
}
