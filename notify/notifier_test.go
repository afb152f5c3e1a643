package notify_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/connect"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/mail"
	"github.com/serentak/serentak/mail/mailtest"
	"github.com/serentak/serentak/notify"
	"github.com/serentak/serentak/testkit"
)

// These tests run the Notifier on a real store (SQLite, or PostgreSQL with
// SERENTAK_TEST_DATABASE_URL) sending through a real SMTP server
// (mailtest): the problems are made the way the worker makes them
// (FailDelivery, MarkAccountNeedsReauth), so what is emailed is what the
// store recorded with the change.

const publicURL = "https://serentak.example.com"

type env struct {
	ctx   context.Context
	s     *gormstore.Store
	clock *testkit.Clock
	srv   *mailtest.Server
	smtp  *flaky
	fb    *connect.Connector
	ws    serentak.Workspace
	acc   serentak.Account
	// managers are who must be told: the workspace's admin and owner and
	// its organization's admin who is no member of it.
	managers []string
}

// flaky is the mail server going down and coming back: while down, Send
// fails as a refused connection would, without reaching the server.
type flaky struct {
	down atomic.Bool
	next mail.Sender
}

func (f *flaky) Send(ctx context.Context, m mail.Message) error {
	if f.down.Load() {
		return errors.New("send email: connect to smtp://127.0.0.1:25: connection refused")
	}
	return f.next.Send(ctx, m)
}

func setup(t *testing.T, lang string) *env {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	e := &env{ctx: context.Background(), clock: clk, s: storetest.Open(t, gormstore.Config{Now: clk.Now})}
	e.srv = mailtest.Start(t, mailtest.Options{})
	cfg, err := mail.ParseURL(e.srv.URL("Serentak <noreply@example.com>"))
	if err != nil {
		t.Fatal(err)
	}
	e.smtp = &flaky{next: mail.NewSMTP(cfg)}
	e.fb, err = connect.NewFacebook(connect.Config{
		Store: e.s, ClientID: "app", ClientSecret: "app-secret", PublicURL: publicURL,
		AuthURL: "https://facebook.example.com/dialog/oauth", TokenURL: "https://graph.example.com/oauth/access_token",
		APIURL: "https://graph.example.com", Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}

	org := serentak.Organization{ID: serentak.NewID(serentak.PrefixOrganization), Name: "Grup Keripik", CreatedAt: clk.Now()}
	if err := e.s.CreateOrganization(e.ctx, org); err != nil {
		t.Fatal(err)
	}
	e.ws = serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Toko Keripik", Timezone: "Asia/Jakarta",
		Language: lang, OrganizationID: org.ID}
	key := serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: e.ws.ID, Hash: serentak.HashSecret(e.ws.ID)}
	if err := e.s.CreateWorkspace(e.ctx, e.ws, key); err != nil {
		t.Fatal(err)
	}
	user := func(email string) string {
		t.Helper()
		u := serentak.User{ID: serentak.NewID(serentak.PrefixUser), Email: email, Name: email, CreatedAt: clk.Now()}
		if err := e.s.CreateUser(e.ctx, u, nil); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	member := func(email string, r serentak.Role) {
		t.Helper()
		if err := e.s.AddMember(e.ctx, serentak.Membership{WorkspaceID: e.ws.ID, UserID: user(email), Role: r, CreatedAt: clk.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	orgMember := func(email string, r serentak.Role) string {
		t.Helper()
		id := user(email)
		if err := e.s.AddOrgMember(e.ctx, serentak.OrgMembership{OrganizationID: org.ID, UserID: id, Role: r, CreatedAt: clk.Now()}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	member("owner@example.com", serentak.RoleOwner)
	member("admin@example.com", serentak.RoleAdmin)
	member("editor@example.com", serentak.RoleEditor)
	member("viewer@example.com", serentak.RoleViewer)
	member("approver@example.com", serentak.RoleApprover)
	orgMember("org-admin@example.com", serentak.RoleAdmin)
	orgMember("org-viewer@example.com", serentak.RoleViewer)
	// An organization admin made a mere editor of this workspace acts as
	// an editor here (FindEffectiveRole): not told.
	demoted := orgMember("org-admin-editor@example.com", serentak.RoleAdmin)
	if err := e.s.AddMember(e.ctx, serentak.Membership{WorkspaceID: e.ws.ID, UserID: demoted, Role: serentak.RoleEditor, CreatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	e.managers = []string{"admin@example.com", "org-admin@example.com", "owner@example.com"}

	e.acc, _, err = e.s.UpsertAccount(e.ctx, serentak.Account{
		ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: e.ws.ID, Platform: serentak.Facebook, ExternalID: "page-1",
		Name: "Keripik Page", Token: serentak.Token{AccessToken: "access-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) notifier(t *testing.T, sender mail.Sender) *notify.Notifier {
	t.Helper()
	cfg := notify.Config{
		Store: e.s, Reconnectors: map[serentak.Platform]notify.Reconnector{serentak.Facebook: e.fb}, Now: e.clock.Now,
	}
	if sender != nil {
		cfg.Sender = sender
	}
	n, err := notify.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) tick(t *testing.T, n *notify.Notifier) int {
	t.Helper()
	done, err := n.Tick(e.ctx)
	if err != nil {
		t.Fatalf("Tick: %v", err)
	}
	return done
}

// failPost makes a post on the accounts and fails the first account's
// delivery, publishing the others: post.failed with one account,
// post.partially_published with more.
func (e *env) failPost(t *testing.T, why string, accounts ...serentak.Account) serentak.Post {
	t.Helper()
	p := serentak.Post{ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: e.ws.ID, ScheduledAt: e.clock.Now(), Status: serentak.PostScheduled}
	for _, a := range accounts {
		p.Deliveries = append(p.Deliveries, serentak.Delivery{
			ID: serentak.NewID(serentak.PrefixDelivery), AccountID: a.ID, Platform: a.Platform,
			Content: serentak.Content{Text: "Keripik Singkong Rp25.000"}, ScheduledAt: e.clock.Now(),
			Status: serentak.DeliveryScheduled, Version: 1,
		})
	}
	p, _, err := e.s.CreatePost(e.ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range p.Deliveries {
		c, ok, err := e.s.ClaimDelivery(e.ctx, d.ID, d.Version, e.clock.Now().Add(5*time.Minute))
		if err != nil || !ok {
			t.Fatalf("ClaimDelivery = %v, %v", ok, err)
		}
		if i == 0 {
			err = e.s.FailDelivery(e.ctx, c, serentak.DeliveryError{Code: "rejected", Message: why})
		} else {
			err = e.s.CompleteDelivery(e.ctx, c, serentak.Result{ExternalID: "x-" + d.ID})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// recipients are the addresses of msgs, sorted.
func recipients(msgs []mailtest.Received) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.To...)
	}
	slices.Sort(out)
	return out
}

func TestFailedPostEmailsTheAdminsOnceADay(t *testing.T) {
	t.Parallel()
	e := setup(t, "en")
	n := e.notifier(t, e.smtp)

	p := e.failPost(t, "(#200) The user hasn't authorized the application", e.acc)
	if got := e.tick(t, n); got != 1 {
		t.Fatalf("Tick finished %d notifications, want 1", got)
	}
	msgs := e.srv.Messages()
	if got := recipients(msgs); !slices.Equal(got, e.managers) {
		t.Fatalf("emailed %v, want the admins and owners only: %v", got, e.managers)
	}
	for _, m := range msgs {
		if want := "A post failed to publish on Facebook (Toko Keripik)"; m.Subject != want {
			t.Errorf("subject %q, want %q (English, the workspace's language)", m.Subject, want)
		}
		for _, want := range []string{"Keripik Page", "(#200) The user hasn't authorized the application", p.ID, "Keripik Singkong"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("the email does not say %q:\n%s", want, m.Text)
			}
		}
	}

	// The same account fails again within the day: nothing is sent.
	e.clock.Advance(23 * time.Hour)
	e.failPost(t, "again", e.acc)
	if got := e.tick(t, n); got != 1 {
		t.Fatalf("Tick finished %d notifications, want 1 (told already)", got)
	}
	if got := len(e.srv.Messages()); got != len(e.managers) {
		t.Fatalf("%d emails after a second failure within a day, want still %d", got, len(e.managers))
	}
	if got := e.tick(t, n); got != 0 {
		t.Fatalf("a second pass finished %d notifications, want 0", got)
	}

	// A day after the first email, it is told again.
	e.clock.Advance(time.Hour)
	e.failPost(t, "and again", e.acc)
	e.tick(t, n)
	msgs = e.srv.Messages()
	if got := len(msgs); got != 2*len(e.managers) {
		t.Fatalf("%d emails a day later, want %d", got, 2*len(e.managers))
	}
	if !strings.Contains(msgs[len(msgs)-1].Text, "and again") {
		t.Errorf("the email of a day later tells of the latest failure:\n%s", msgs[len(msgs)-1].Text)
	}
}

func TestPartlyFailedPostInTheWorkspacesLanguage(t *testing.T) {
	t.Parallel()
	e := setup(t, "id")
	n := e.notifier(t, e.smtp)
	ig, _, err := e.s.UpsertAccount(e.ctx, serentak.Account{
		ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: e.ws.ID, Platform: serentak.Instagram, ExternalID: "ig-1",
		Name: "keripik.ig", Token: serentak.Token{AccessToken: "access-2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.failPost(t, "media type not supported", e.acc, ig)
	e.tick(t, n)
	msgs := e.srv.Messages()
	if got := recipients(msgs); !slices.Equal(got, e.managers) {
		t.Fatalf("emailed %v, want %v", got, e.managers)
	}
	for _, m := range msgs {
		if want := "Postingan hanya terbit sebagian: gagal di Facebook (Toko Keripik)"; m.Subject != want {
			t.Errorf("subject %q, want %q (Bahasa Indonesia, the workspace's language)", m.Subject, want)
		}
	}
}

func TestNeedsReauthEmailsAWorkingReconnectLink(t *testing.T) {
	t.Parallel()
	e := setup(t, "en")
	n := e.notifier(t, e.smtp)
	if err := e.s.MarkAccountNeedsReauth(e.ctx, e.ws.ID, e.acc.ID, "the token expired"); err != nil {
		t.Fatal(err)
	}
	e.tick(t, n)
	msgs := e.srv.Messages()
	if got := recipients(msgs); !slices.Equal(got, e.managers) {
		t.Fatalf("emailed %v, want %v", got, e.managers)
	}
	m := msgs[0]
	if want := "The Facebook account Keripik Page needs reconnecting (Toko Keripik)"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	var link string
	for line := range strings.Lines(m.Text) {
		if strings.HasPrefix(line, publicURL+"/v1/oauth/facebook/reconnect?") {
			link = strings.TrimSpace(line)
		}
	}
	if link == "" {
		t.Fatalf("no reconnect link in the email:\n%s", m.Text)
	}
	for _, other := range msgs[1:] {
		if !strings.Contains(other.Text, link) {
			t.Errorf("every admin gets the same link; %v's email lacks it", other.To)
		}
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	// The link works: opening it starts a login for the account.
	login, err := e.fb.ReconnectAuthorizeURL(e.ctx, u.Query().Get("token"))
	if err != nil {
		t.Fatalf("opening the emailed reconnect link: %v", err)
	}
	if !strings.HasPrefix(login, "https://facebook.example.com/dialog/oauth?") {
		t.Errorf("the link leads to %q, want the platform's login", login)
	}

	// Marked again within the day (the pre-flight check, then a publish):
	// the store writes no second event, and a failed post of the same
	// account is another problem, told.
	e.failPost(t, "token expired", e.acc)
	e.tick(t, n)
	if got := len(e.srv.Messages()); got != 2*len(e.managers) {
		t.Fatalf("%d emails, want %d: a failed post is another problem than the broken token", got, 2*len(e.managers))
	}
}

func TestMailServerDownThenUpEmailsOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, "en")
	n := e.notifier(t, e.smtp)
	e.smtp.down.Store(true)
	e.failPost(t, "rejected", e.acc)
	if got := e.tick(t, n); got != 0 {
		t.Fatalf("Tick finished %d notifications with the mail server down, want 0", got)
	}
	e.tick(t, n) // not due again before its backoff
	e.clock.Advance(time.Minute)
	e.tick(t, n) // the second attempt fails too
	e.smtp.down.Store(false)
	e.tick(t, n) // before its backoff (2 minutes): nothing
	if got := len(e.srv.Messages()); got != 0 {
		t.Fatalf("%d emails while retrying, want 0", got)
	}
	e.clock.Advance(2 * time.Minute)
	if got := e.tick(t, n); got != 1 {
		t.Fatalf("Tick finished %d notifications once the mail server is back, want 1", got)
	}
	for range 3 {
		e.clock.Advance(time.Hour)
		e.tick(t, n)
	}
	if got := recipients(e.srv.Messages()); !slices.Equal(got, e.managers) {
		t.Fatalf("emailed %v, want each admin once: %v", got, e.managers)
	}
}

func TestGivenUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	e := setup(t, "en")
	n, err := notify.New(notify.Config{Store: e.s, Sender: e.smtp, Now: e.clock.Now, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	e.smtp.down.Store(true)
	e.failPost(t, "rejected", e.acc)
	if got := e.tick(t, n); got != 0 {
		t.Fatalf("first failure finished %d, want 0 (retried)", got)
	}
	e.clock.Advance(time.Hour)
	if got := e.tick(t, n); got != 1 {
		t.Fatalf("second failure finished %d, want 1 (given up)", got)
	}
	e.smtp.down.Store(false)
	e.clock.Advance(time.Hour)
	e.tick(t, n)
	if got := len(e.srv.Messages()); got != 0 {
		t.Fatalf("%d emails after giving up, want 0", got)
	}
}

func TestWithoutAMailServerNotificationsAreSkipped(t *testing.T) {
	t.Parallel()
	e := setup(t, "en")
	e.failPost(t, "rejected", e.acc)
	if got := e.tick(t, e.notifier(t, nil)); got != 1 {
		t.Fatalf("Tick without a mail server finished %d notifications, want 1 skipped", got)
	}
	// A mail server configured later does not send the old problem.
	e.tick(t, e.notifier(t, e.smtp))
	if got := len(e.srv.Messages()); got != 0 {
		t.Fatalf("%d emails about a problem skipped, want 0", got)
	}
}
