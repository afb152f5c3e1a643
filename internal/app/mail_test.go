package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
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

// With SERENTAK_SMTP_URL, serve's scheduler role emails the workspace's
// admin when a post fails (docs/api.md#what-admins-are-told).
func TestServeEmailsAdminsOfAFailedPost(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	cfg := testConfig(t, map[string]string{"SERENTAK_SMTP_URL": smtp.URL("noreply@serentak.example")})
	a := New(cfg, Serve, io.Discard)
	start(t, a)
	ctx := context.Background()
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Toko", Timezone: "Asia/Jakarta", Language: "en"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.store.CreateWorkspace(ctx, ws, serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: ws.ID, Hash: serentak.HashSecret(ws.ID)}))
	for email, role := range map[string]serentak.Role{"admin@example.com": serentak.RoleAdmin, "editor@example.com": serentak.RoleEditor} {
		u := serentak.User{ID: serentak.NewID(serentak.PrefixUser), Email: email, Name: email, CreatedAt: time.Now()}
		must(a.store.CreateUser(ctx, u, nil))
		must(a.store.AddMember(ctx, serentak.Membership{WorkspaceID: ws.ID, UserID: u.ID, Role: role, CreatedAt: time.Now()}))
	}
	acc, _, err := a.store.UpsertAccount(ctx, serentak.Account{ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: ws.ID,
		Platform: serentak.Facebook, ExternalID: "p1", Name: "Page", Token: serentak.Token{AccessToken: "a"}})
	must(err)
	// Far ahead, so the scheduler leaves it to the test.
	at := time.Now().Add(48 * time.Hour)
	p, _, err := a.store.CreatePost(ctx, serentak.Post{ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: ws.ID, ScheduledAt: at,
		Status: serentak.PostScheduled, Deliveries: []serentak.Delivery{{ID: serentak.NewID(serentak.PrefixDelivery), AccountID: acc.ID,
			Platform: serentak.Facebook, Content: serentak.Content{Text: "hi"}, ScheduledAt: at, Status: serentak.DeliveryScheduled, Version: 1}}}, nil)
	must(err)
	c, ok, err := a.store.ClaimDelivery(ctx, p.Deliveries[0].ID, 1, time.Now().Add(time.Minute))
	if err != nil || !ok {
		t.Fatalf("ClaimDelivery = %v, %v", ok, err)
	}
	must(a.store.FailDelivery(ctx, c, serentak.DeliveryError{Code: "rejected", Message: "no"}))
	got := smtp.WaitFor(t, 1)
	if len(got) != 1 || got[0].To[0] != "admin@example.com" || !strings.HasPrefix(got[0].Subject, "A post failed to publish on Facebook") {
		t.Errorf("emails: %+v", got)
	}
}
