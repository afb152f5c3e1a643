package webapp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/serentak/serentak/internal/browsertest"
)

// The agency's pages, in a real browser on a phone: a person invites a
// member, an editor's post is approved by the merchant through a link
// on their phone, a CSV with a bad row is checked and imported, a key
// and a webhook are made and their secrets shown once, and an editor
// is refused the keys page.

// apiAs calls the REST API over HTTP with bearer (the operator key, or
// a session) and decodes the answer into out; it answers the status.
func (s *site) apiAs(bearer, method, path string, in, out any) int {
	s.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, body)
	req.Header.Set("Authorization", "Bearer "+bearer)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	raw := readBody(s.t, res)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal([]byte(raw), out); err != nil {
			s.t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	if res.StatusCode >= 300 {
		s.t.Logf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode
}

// addPerson makes a user with a password through the operator key and
// gives them role in the workspace at wsPath; it answers their session
// token for the API.
func (s *site) addPerson(wsPath, email, role, password string) string {
	s.t.Helper()
	ws := strings.TrimPrefix(wsPath, "/w/")
	if st := s.apiAs(operatorKey, "POST", "/v1/users", map[string]string{"email": email, "name": strings.Split(email, "@")[0], "password": password}, nil); st != http.StatusCreated {
		s.t.Fatalf("make the user %s: %d", email, st)
	}
	if st := s.apiAs(operatorKey, "POST", "/v1/workspaces/"+ws+"/members", map[string]string{"email": email, "role": role}, nil); st != http.StatusCreated {
		s.t.Fatalf("add %s as %s: %d", email, role, st)
	}
	var ses struct {
		Token string `json:"token"`
	}
	if st := s.apiAs("", "POST", "/v1/sessions", map[string]string{"email": email, "password": password}, &ses); st != http.StatusCreated {
		s.t.Fatalf("sign %s in: %d", email, st)
	}
	return ses.Token
}

// attachFacebook attaches a Facebook Page by token (no platform is
// reached: posts are scheduled a week ahead) and answers its ID.
func (s *site) attachFacebook(wsPath string) string {
	s.t.Helper()
	var acc struct {
		ID string `json:"id"`
	}
	if st := s.apiAs(operatorKey, "POST", "/v1/workspaces/"+strings.TrimPrefix(wsPath, "/w/")+"/accounts",
		map[string]string{"platform": "facebook", "external_id": "1029384756", "name": "Dapur Bu Sari", "access_token": "EAAB-test-token"}, &acc); st != http.StatusCreated {
		s.t.Fatalf("attach an account: %d", st)
	}
	return acc.ID
}

// signInInBrowser signs a person in on page p.
func signInInBrowser(t *testing.T, s *site, p *browsertest.Page, email, password string) {
	t.Helper()
	p.Open(s.base + "/signin")
	p.Fill("#email", email)
	p.Fill("#password", password)
	if st := p.Follow("button[type=submit]"); st != http.StatusOK {
		t.Fatalf("sign in %s: %d", email, st)
	}
}

// look checks a page of ours at the device's width: nothing wider than
// the screen, no CSP violation or script error; and saves a screenshot.
func look(t *testing.T, p *browsertest.Page, name string) {
	t.Helper()
	if o := p.Overflow(); o > 0 {
		t.Errorf("%s: the page is %d px wider than the screen", name, o)
	}
	if probs := p.TakeProblems(); len(probs) > 0 {
		t.Errorf("%s: the browser reported: %v", name, probs)
	}
	p.Screenshot(name)
}

func attr(p *browsertest.Page, sel, name string) string {
	return browsertest.Eval[string](p, fmt.Sprintf("document.querySelector(%q).getAttribute(%q) || ''", sel, name))
}

// choose picks value in the select matching sel.
func choose(p *browsertest.Page, sel, v string) {
	browsertest.Run(p, "choose "+v+" in "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
}

func value(p *browsertest.Page, sel string) string {
	return browsertest.Eval[string](p, fmt.Sprintf("document.querySelector(%q).value", sel))
}

func TestInviteAMemberOnAPhone(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	p := browser.Page(t, browsertest.Phone)
	ws := signUpInBrowser(t, s, p, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")

	p.Follow(".main-nav a[href$='/more']")
	for _, want := range []string{"/members", "/approvals", "/import", "/templates", "/keys", "/webhooks", "/settings"} {
		if p.Count(fmt.Sprintf(".hub a[href='%s%s']", ws, want)) != 1 {
			t.Errorf("the hub has no link to %s for an owner", want)
		}
	}
	look(t, p, "more")

	p.Follow(fmt.Sprintf(".hub a[href='%s/members']", ws))
	if got := p.Text(".main-nav a[aria-current=page]"); got != "Lainnya" {
		t.Errorf("on the members page the menu marks %q, want Lainnya", got)
	}
	if got := p.Text("h1"); got != "Anggota tim" {
		t.Errorf("members page title %q", got)
	}
	if got := p.Text(".roles"); !strings.Contains(got, "Penyetuju") || !strings.Contains(got, "menyetujui atau menolak") {
		t.Errorf("the roles are not explained in words: %q", got)
	}
	p.Fill("#email", "budi@example.com")
	choose(p, "#role", "editor")
	if st := p.Follow("#invite button[type=submit]"); st != http.StatusOK {
		t.Fatalf("invite: %d", st)
	}
	invite := value(p, "#invite-url")
	if !strings.Contains(invite, "/v1/invites/") {
		t.Fatalf("the invite link shown is %q", invite)
	}
	wa := attr(p, "a.wa", "href")
	if !strings.HasPrefix(wa, "https://wa.me/?text=") {
		t.Fatalf("the WhatsApp link is %q", wa)
	}
	msg, _ := url.QueryUnescape(strings.TrimPrefix(wa, "https://wa.me/?text="))
	if !strings.Contains(msg, invite) || !strings.Contains(msg, "Anda diundang bergabung dengan Dapur Bu Sari") || !strings.Contains(msg, "Editor") {
		t.Errorf("the WhatsApp message is %q", msg)
	}
	if p.Count("button.copy:not([hidden])") != 1 {
		t.Errorf("no copy button beside the invite link")
	}
	look(t, p, "members-invited")
	if p.Count(".member[data-email='budi@example.com']") != 1 {
		t.Fatalf("budi is not in the list")
	}

	// Change the role, then remove (with the confirm step).
	row := ".member[data-email='budi@example.com']"
	choose(p, row+" select", "approver")
	p.Follow(row + " form.inline button")
	if got := p.Text(".flash"); got != "Peran diubah." {
		t.Errorf("after changing the role the page says %q", got)
	}
	if got := value(p, row+" select"); got != "approver" {
		t.Errorf("budi's role is %q, want approver", got)
	}
	p.Click(row + " details.confirm summary")
	p.Follow(row + " details.confirm button.danger")
	if p.Count(row) != 0 {
		t.Errorf("budi is still listed after removing")
	}
	// The last owner cannot remove themselves: the API's refusal shows.
	me := ".member[data-email='sari@example.com']"
	p.Click(me + " details.confirm summary")
	if st := p.Follow(me + " details.confirm button.danger"); st != http.StatusUnprocessableEntity {
		t.Errorf("removing the last owner answered %d, want 422 with the API's refusal", st)
	}
	if p.Count(".alert") != 1 {
		t.Errorf("no refusal shown for removing the last owner")
	}
	p.TakeProblems() // the 422 page, as the browser logs it

	d := browser.Page(t, browsertest.Desktop)
	signInInBrowser(t, s, d, "sari@example.com", "rahasia-dapur-2026")
	d.Open(s.base + ws + "/members")
	look(t, d, "members")
	d.Open(s.base + ws + "/more")
	look(t, d, "more")
}

func TestApproveByLinkOnAPhone(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	owner := browser.Page(t, browsertest.Desktop)
	ws := signUpInBrowser(t, s, owner, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")
	acc := s.attachFacebook(ws)

	// The owner asks for approval in the settings.
	owner.Open(s.base + ws + "/settings")
	if got := browsertest.Eval[string](owner, "document.querySelector('#timezone option').value"); got != "Asia/Jakarta" {
		t.Errorf("the first time zone offered is %q, want Asia/Jakarta", got)
	}
	owner.Click("#approval")
	choose(owner, "#timezone", "Asia/Makassar")
	owner.Follow("#settings-form button[type=submit]")
	if got := owner.Text(".flash"); got != "Pengaturan disimpan." {
		t.Fatalf("saving the settings says %q", got)
	}
	if !browsertest.Eval[bool](owner, "document.querySelector('#approval').checked") || value(owner, "#timezone") != "Asia/Makassar" {
		t.Fatalf("the settings did not stick")
	}
	look(t, owner, "settings")

	// An editor makes a post: it waits for approval.
	editorSession := s.addPerson(ws, "edi@example.com", "editor", "editor-sandi-2026")
	at := time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	var post struct {
		ID, Status string
	}
	s.apiAs(editorSession, "POST", "/v1/workspaces/"+strings.TrimPrefix(ws, "/w/")+"/posts", map[string]any{
		"product": map[string]any{"name": "Keripik Singkong Pedas", "price": map[string]any{"amount": 25000, "currency": "IDR"}},
		"targets": []map[string]string{{"account_id": acc}}, "scheduled_at": at}, &post)
	if post.Status != "pending_approval" {
		t.Fatalf("the editor's post is %q, want pending_approval", post.Status)
	}

	editor := browser.Page(t, browsertest.Phone)
	signInInBrowser(t, s, editor, "edi@example.com", "editor-sandi-2026")
	editor.Open(s.base + ws + "/approvals")
	item := "#post-" + post.ID
	if got := editor.Text(item + " strong"); got != "Keripik Singkong Pedas" {
		t.Fatalf("the queue shows %q", got)
	}
	if editor.Count(item+" form[action$='/approve']") != 0 {
		t.Errorf("an editor is offered Approve, which their role lacks")
	}
	look(t, editor, "approvals")
	editor.Follow(item + " button.send-link")
	link := value(editor, "#approval-url")
	if !strings.Contains(link, "/v1/approval-link?token=apr_") {
		t.Fatalf("the approval link shown is %q", link)
	}
	wa := attr(editor, "a.wa", "href")
	msg, _ := url.QueryUnescape(strings.TrimPrefix(wa, "https://wa.me/?text="))
	if !strings.HasPrefix(wa, "https://wa.me/?text=") || !strings.Contains(msg, link) || !strings.Contains(msg, "menunggu persetujuan Anda") {
		t.Errorf("the WhatsApp share is %q (message %q)", wa, msg)
	}
	look(t, editor, "approvals-link")

	// The merchant opens the link on their phone and approves. The link
	// is on the install's public URL (SERENTAK_PUBLIC_URL, not known
	// before the test's port is): the browser opens the same path here.
	merchant := browser.Page(t, browsertest.Phone)
	_, rest, _ := strings.Cut(link, "/v1/approval-link")
	if st := merchant.Open(s.base + "/v1/approval-link" + rest); st != http.StatusOK {
		t.Fatalf("the approval link answered %d", st)
	}
	merchant.Follow("button.approve")
	if got := merchant.Text("body"); !strings.Contains(got, "Terima kasih") {
		t.Fatalf("after approving, the merchant's page says %q", got)
	}

	editor.Open(s.base + ws + "/approvals")
	if editor.Count(item) != 0 {
		t.Errorf("the approved post still waits in the queue")
	}
	if got := editor.Text("#decided-" + post.ID); !strings.Contains(got, "Disetujui") || !strings.Contains(got, "lewat tautan") {
		t.Errorf("the decided post reads %q, want approved by link", got)
	}
	look(t, editor, "approvals-decided")
	owner.Open(s.base + ws + "/approvals")
	look(t, owner, "approvals")
}

func TestImportACSVWithABadRowOnAPhone(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	p := browser.Page(t, browsertest.Phone)
	ws := signUpInBrowser(t, s, p, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")
	s.attachFacebook(ws)

	day := time.Now().Add(7 * 24 * time.Hour).In(time.FixedZone("WIB", 7*3600)).Format("2006-01-02")
	csv := "name,price,accounts,scheduled_at\r\n" +
		"Keripik Singkong Pedas,Rp25.000,facebook," + day + " 09:00\r\n" +
		"Kue Lapis,\"15.000,50\",facebook," + day + " 10:30\r\n" +
		"Rendang Kering,45000,facebook," + day + " 16:00\r\n"
	file := filepath.Join(t.TempDir(), "produk.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}

	p.Open(s.base + ws + "/import")
	look(t, p, "import")
	// The example offered is a file the import reads.
	c := s.newClient()
	_, page := c.get("/signin")
	c.post("/signin", url.Values{"csrf_token": {csrf(t, page)}, "email": {"sari@example.com"}, "password": {"rahasia-dapur-2026"}})
	res, example := c.get(ws + "/import/example.csv")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(example, "name,price,") {
		t.Fatalf("the example CSV: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), example)
	}

	browsertest.Run(p, "choose the file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}))
	if st := p.Follow("#upload button[type=submit]"); st != http.StatusOK {
		t.Fatalf("the dry run answered %d", st)
	}
	if n := p.Count(".report-row"); n != 3 {
		t.Fatalf("the report lists %d rows, want 3", n)
	}
	bad := p.Text(".report-row[data-row='3']")
	if !strings.Contains(bad, "Baris 3") || !strings.Contains(bad, "Kue Lapis") || !strings.Contains(bad, "Kolom price") || !strings.Contains(bad, "15001") {
		t.Errorf("the bad row reads %q", bad)
	}
	if got := p.Text(".report-row[data-row='2'] .badge"); got != "Siap" {
		t.Errorf("a good row reads %q, want Siap", got)
	}
	if got := p.Text("#import-now"); got != "Impor 2 post" {
		t.Errorf("the import button reads %q", got)
	}
	var list struct {
		Data []struct{ ID string } `json:"data"`
	}
	wsID := strings.TrimPrefix(ws, "/w/")
	s.apiAs(operatorKey, "GET", "/v1/workspaces/"+wsID+"/posts", nil, &list)
	if len(list.Data) != 0 {
		t.Fatalf("the dry run made %d posts", len(list.Data))
	}
	look(t, p, "import-report")

	p.Follow("#import-now")
	if got := p.Text(".summary"); got != "2 post dibuat, 1 baris dilewati." {
		t.Errorf("after importing the page says %q", got)
	}
	s.apiAs(operatorKey, "GET", "/v1/workspaces/"+wsID+"/posts", nil, &list)
	if len(list.Data) != 2 {
		t.Errorf("the import made %d posts, want 2", len(list.Data))
	}
	look(t, p, "import-done")

	// In English each count agrees with its phrase: one row, two rows.
	d := browser.Page(t, browsertest.Desktop)
	signInInBrowser(t, s, d, "sari@example.com", "rahasia-dapur-2026")
	d.Open(s.base + "/lang?to=en")
	d.Open(s.base + ws + "/import")
	browsertest.Run(d, "choose the file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}))
	d.Follow("#upload button[type=submit]")
	for sel, want := range map[string]string{
		".summary":                         "2 rows ready to schedule, 1 row with problems.",
		".report-row[data-row='3'] .badge": "1 problem",
		"#import-now":                      "Import 2 posts",
	} {
		if got := d.Text(sel); got != want {
			t.Errorf("in English %s reads %q, want %q", sel, got, want)
		}
	}
	if got := d.Text("form .warn"); !strings.HasPrefix(got, "The 1 row with problems is skipped.") {
		t.Errorf("in English the skipped row is told as %q", got)
	}
	look(t, d, "import-report")
}

func TestCreateAKeyAndSeeItOnce(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	p := browser.Page(t, browsertest.Phone)
	ws := signUpInBrowser(t, s, p, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")

	p.Open(s.base + ws + "/keys")
	p.Fill("#key-name", "Aplikasi kasir")
	choose(p, "#key-role", "editor")
	p.Follow("#new-key-form button[type=submit]")
	key := value(p, "#new-key")
	if !strings.HasPrefix(key, "sk_") {
		t.Fatalf("the key shown is %q", key)
	}
	if got := p.Text(".once .warn"); !strings.Contains(got, "hanya ditampilkan sekali") {
		t.Errorf("no warning that the key is shown once: %q", got)
	}
	look(t, p, "keys-new")
	// The key works, with its role.
	var wsView struct{ ID string }
	if st := s.apiAs(key, "GET", "/v1/workspaces/"+strings.TrimPrefix(ws, "/w/"), nil, &wsView); st != http.StatusOK {
		t.Errorf("the key shown answers %d", st)
	}

	p.Open(s.base + ws + "/keys")
	if p.Count("#new-key") != 0 || strings.Contains(browsertest.Eval[string](p, "document.body.innerHTML"), key) {
		t.Fatalf("the key is shown again")
	}
	if got := p.Text(".key"); !strings.Contains(got, key[:11]) || !strings.Contains(got, "Editor") {
		t.Errorf("the list reads %q, want the prefix %s and the role", got, key[:11])
	}
	look(t, p, "keys")

	// Revoke, with the confirm step: the key stops working.
	p.Click(".key details.confirm summary")
	p.Follow(".key details.confirm button.danger")
	if st := s.apiAs(key, "GET", "/v1/workspaces/"+strings.TrimPrefix(ws, "/w/"), nil, nil); st != http.StatusUnauthorized {
		t.Errorf("the revoked key answers %d, want 401", st)
	}

	// In English too.
	p.Follow("a.lang")
	if got := p.Text("h1"); got != "API keys" {
		t.Errorf("the keys page in English is titled %q", got)
	}
	look(t, p, "keys-en")

	d := browser.Page(t, browsertest.Desktop)
	signInInBrowser(t, s, d, "sari@example.com", "rahasia-dapur-2026")
	d.Open(s.base + ws + "/keys")
	d.Fill("#key-name", "Toko online")
	d.Follow("#new-key-form button[type=submit]")
	look(t, d, "keys-new")
	d.Open(s.base + ws + "/templates")
	look(t, d, "templates")
	d.Open(s.base + ws + "/settings")
	look(t, d, "settings")
}

// An editor's session is refused the pages of its betters: the page hides
// them, and the API refuses them anyway.
func TestEditorIsRefusedTheKeysPage(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	owner := s.newClient()
	ws := owner.signUp("Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")
	s.addPerson(ws, "edi@example.com", "editor", "editor-sandi-2026")

	c := s.newClient()
	_, page := c.get("/signin")
	c.post("/signin", url.Values{"csrf_token": {csrf(t, page)}, "email": {"edi@example.com"}, "password": {"editor-sandi-2026"}})
	for _, path := range []string{"/keys", "/members", "/webhooks"} {
		res, body := c.get(ws + path)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Peran Anda di usaha ini tidak mengizinkan") {
			t.Errorf("an editor opening %s: %d", path, res.StatusCode)
		}
	}
	_, more := c.get(ws + "/more")
	if strings.Contains(more, ws+"/keys") || !strings.Contains(more, ws+"/import") {
		t.Errorf("an editor's hub offers keys, or not the import")
	}
	_, page = c.get(ws + "/settings")
	res, _ := c.post(ws+"/settings", url.Values{"csrf_token": {csrf(t, page)}, "name": {"Diambil alih"}, "timezone": {"Asia/Jakarta"}, "language": {"id"}})
	if res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusForbidden {
		t.Errorf("an editor saving the settings: %d, want the API's refusal", res.StatusCode)
	}
	_, imp := c.get(ws + "/import")
	if !strings.Contains(imp, `id="upload"`) {
		t.Errorf("an editor is not offered the import's upload")
	}
	s.addPerson(ws, "ani@example.com", "approver", "approver-sandi-2026")
	a := s.newClient()
	_, page = a.get("/signin")
	a.post("/signin", url.Values{"csrf_token": {csrf(t, page)}, "email": {"ani@example.com"}, "password": {"approver-sandi-2026"}})
	if _, imp := a.get(ws + "/import"); strings.Contains(imp, `id="upload"`) {
		t.Errorf("an approver is offered the import's upload, which their role lacks")
	}
	var w struct{ Name string }
	s.apiAs(operatorKey, "GET", "/v1/workspaces/"+strings.TrimPrefix(ws, "/w/"), nil, &w)
	if w.Name != "Dapur Bu Sari" {
		t.Errorf("an editor renamed the workspace to %q", w.Name)
	}
}

func TestCreateAWebhookOnAPhone(t *testing.T) {
	t.Parallel()
	var got atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("webhook-signature") != "" {
			got.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	s := serve(t, map[string]string{"SERENTAK_WEBHOOK_ALLOW_PRIVATE": "true"})
	p := browser.Page(t, browsertest.Phone)
	ws := signUpInBrowser(t, s, p, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")

	p.Open(s.base + ws + "/webhooks")
	p.Fill("#hook-url", receiver.URL+"/hooks")
	p.Fill("#hook-description", "aplikasi pesanan")
	p.Click("#ev-post\\.published")
	p.Follow("#new-hook button[type=submit]")
	secret := value(p, "#secret")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("the secret shown is %q", secret)
	}
	if got := p.Text(".hook .muted"); !strings.Contains(got, "post.published") {
		t.Errorf("the endpoint's events read %q", got)
	}
	look(t, p, "webhooks-new")

	p.Follow(".hook form[action$='/test'] button")
	if got := p.Text(".flash"); !strings.Contains(got, "Tes dikirim") {
		t.Errorf("sending a test says %q", got)
	}
	deadline := time.Now().Add(30 * time.Second)
	for p.Count(".attempts .badge.good") == 0 && time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		p.Open(s.base + ws + "/webhooks")
	}
	if p.Count(".attempts .badge.good") == 0 || got.Load() == 0 {
		t.Errorf("the test event's delivery is not listed as a success (receiver got %d)", got.Load())
	}
	if p.Count("#secret") != 0 {
		t.Errorf("the secret is shown again")
	}
	look(t, p, "webhooks")

	p.Click(".hook details.confirm:nth-of-type(1) summary")
	p.Follow(".hook form[action$='/rotate'] button")
	if s2 := value(p, "#secret"); !strings.HasPrefix(s2, "whsec_") || s2 == secret {
		t.Errorf("the rotated secret is %q", s2)
	}
	p.Click(".hook form[action$='/delete']")
	p.Open(s.base + ws + "/webhooks")
	p.Click(".hook details.confirm:nth-of-type(2) summary")
	p.Follow(".hook form[action$='/delete'] button")
	if p.Count(".hook") != 0 {
		t.Errorf("the webhook is still listed after deleting")
	}

	d := browser.Page(t, browsertest.Desktop)
	signInInBrowser(t, s, d, "sari@example.com", "rahasia-dapur-2026")
	d.Open(s.base + ws + "/webhooks")
	d.Fill("#hook-url", receiver.URL+"/hooks")
	d.Follow("#new-hook button[type=submit]")
	look(t, d, "webhooks")
}

func TestTemplatesOnAPhone(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	p := browser.Page(t, browsertest.Phone)
	ws := signUpInBrowser(t, s, p, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")
	p.Open(s.base + ws + "/templates?platform=instagram&language=id")
	p.Fill("#f-order_label", "Pesan di sini:")
	p.Fill("#f-footer", "Buka setiap hari 08.00–20.00")
	p.Follow("#template-form button[type=submit]")
	if got := p.Text(".flash"); got != "Template disimpan." {
		t.Errorf("saving says %q", got)
	}
	if got := value(p, "#f-order_label"); got != "Pesan di sini:" {
		t.Errorf("the saved order label reads %q", got)
	}
	var list struct {
		Data []struct {
			Platform, Language string
			Template           map[string]string
		} `json:"data"`
	}
	s.apiAs(operatorKey, "GET", "/v1/workspaces/"+strings.TrimPrefix(ws, "/w/")+"/templates", nil, &list)
	if len(list.Data) != 1 || list.Data[0].Platform != "instagram" || list.Data[0].Template["footer"] != "Buka setiap hari 08.00–20.00" {
		t.Errorf("the API holds %+v", list.Data)
	}
	look(t, p, "templates")
	p.Follow("form[action$='/reset'] button")
	s.apiAs(operatorKey, "GET", "/v1/workspaces/"+strings.TrimPrefix(ws, "/w/")+"/templates", nil, &list)
	if len(list.Data) != 0 {
		t.Errorf("after the reset the API holds %+v", list.Data)
	}
	p.Open(s.base + ws + "/settings")
	look(t, p, "settings")
}
