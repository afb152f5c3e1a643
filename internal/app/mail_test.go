package app

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/serentak/serentak/mail/mailtest"
	"github.com/serentak/serentak/testkit"
)

// With SERENTAK_SMTP_URL, serve emails an invite through that server.
func TestServeEmailsInvites(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{Username: "serentak", Password: "smtp-pass-1234"})
	cfg := testConfig(t, map[string]string{
		"SERENTAK_SMTP_URL":   smtp.URL("noreply@serentak.example"),
		"SERENTAK_ADMIN_KEY":  "op-key-0123456789-abcdef",
		"SERENTAK_PUBLIC_URL": "https://serentak.example",
	})
	logs := &testkit.Buffer{}
	addr := start(t, New(cfg, Serve, logs))
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/users", strings.NewReader(`{"email":"budi@example.com","name":"Budi"}`))
	req.Header.Set("Authorization", "Bearer op-key-0123456789-abcdef")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/users: %d %s", res.StatusCode, body)
	}
	got := smtp.WaitFor(t, 1)[0]
	if got.To[0] != "budi@example.com" || got.AuthUser != "serentak" || !strings.Contains(got.Text, "https://serentak.example/v1/invites/") {
		t.Errorf("email to %v as %q:\n%s", got.To, got.AuthUser, got.Text)
	}
	if l := logs.String(); strings.Contains(l, "smtp-pass-1234") || !strings.Contains(l, "email is sent through smtp://serentak@127.0.0.1:") {
		t.Errorf("the log should name the mail server without its password:\n%s", l)
	}
}
