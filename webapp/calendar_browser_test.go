package webapp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/facebook/fakegraph"
	"github.com/serentak/serentak/internal/browsertest"
)

const (
	calPageID    = "1000001"
	calPageToken = "EAAB-fake-page-token-calendar"
)

// apiCall asks the site's API as the operator and decodes the answer.
func (s *site) apiCall(method, path string, body any) (int, map[string]any) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+operatorKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		s.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
	}
	return res.StatusCode, out
}

// makePost schedules a product post to acc at at and answers its ID.
func (s *site) makePost(ws, acc, name string, at time.Time) string {
	s.t.Helper()
	code, out := s.apiCall("POST", "/v1/workspaces/"+ws+"/posts", map[string]any{
		"product":      map[string]any{"name": name, "price": map[string]any{"amount": 25000, "currency": "IDR"}, "url": "https://wa.me/6281234567890"},
		"targets":      []map[string]any{{"account_id": acc}},
		"scheduled_at": at.Format(time.RFC3339),
	})
	if code != http.StatusCreated {
		s.t.Fatalf("create post %q: %d %v", name, code, out)
	}
	return out["id"].(string)
}

// waitPost polls the API until the post's status is want.
func (s *site) waitPost(ws, id, want string) map[string]any {
	s.t.Helper()
	var out map[string]any
	for range 300 {
		_, out = s.apiCall("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil)
		if out["status"] == want {
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("post %s is %v after 30 s, want %s: %v", id, out["status"], want, out)
	return nil
}

// A merchant's week: posts created through the API appear in the week,
// the month and a phone's list; one is dragged to another day (keeping
// its time), another rescheduled by the post's form on a phone; the API's
// refusal is shown in words; a post published through the fake Facebook
// shows its link, and a failed one says what went wrong and what to do.
func TestCalendarAndPostPage(t *testing.T) {
	t.Parallel()
	graph := fakegraph.New()
	t.Cleanup(graph.Close)
	graph.AddPage(calPageID, calPageToken)
	s := serve(t, map[string]string{
		"SERENTAK_FACEBOOK_API_URL": graph.URL,
		"SERENTAK_SCHEDULER_TICK":   "50ms",
		"SERENTAK_SECRET_KEY":       "calendar-test-secret",
	})
	desk := browser.Page(t, browsertest.Desktop)
	wsPath := signUpInBrowser(t, s, desk, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")
	ws := strings.TrimPrefix(wsPath, "/w/")
	code, acc := s.apiCall("POST", "/v1/workspaces/"+ws+"/accounts", map[string]any{
		"platform": "facebook", "external_id": calPageID, "name": "Dapur Bu Sari", "access_token": calPageToken})
	if code != http.StatusCreated {
		t.Fatalf("attach account: %d %v", code, acc)
	}
	accID := acc["id"].(string)

	// A Monday about two months ahead, in Jakarta.
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	d := time.Now().In(jkt).AddDate(0, 2, 0)
	monday := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, jkt)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, 1)
	}
	date := monday.Format(time.DateOnly)
	mon := s.makePost(ws, accID, "Keripik Singkong Pedas", monday.Add(9*time.Hour))
	wed := s.makePost(ws, accID, "Sambal Roa Bu Sari", monday.AddDate(0, 0, 2).Add(14*time.Hour+30*time.Minute))
	gone := s.makePost(ws, accID, "Kue Lapis Legit", monday.AddDate(0, 0, 1).Add(10*time.Hour))

	// The week, on a desktop: a grid of seven days.
	if st := desk.Open(s.base + wsPath + "/calendar?view=week&date=" + date); st != http.StatusOK {
		t.Fatalf("calendar: %d", st)
	}
	if n := desk.Count(".cal-week .day"); n != 7 {
		t.Errorf("the week shows %d days, want 7", n)
	}
	if got := desk.Text(`.day[data-date="` + date + `"] .entry`); !strings.Contains(got, "09.00 WIB") || !strings.Contains(got, "Keripik Singkong Pedas") || !strings.Contains(got, "FB") {
		t.Errorf("Monday's entry reads %q, want its time, product and platform", got)
	}
	if cols := browsertest.Eval[int](desk, `getComputedStyle(document.querySelector(".days")).gridTemplateColumns.split(" ").length`); cols != 7 {
		t.Errorf("the week on a desktop has %d columns, want 7", cols)
	}
	desk.Screenshot("week")

	// The API refuses to move a canceled post: the page says so in words.
	s.apiCall("POST", "/v1/workspaces/"+ws+"/posts/"+gone+"/cancel", nil)
	drag := func(post, to string) string {
		return browsertest.Eval[string](desk, fmt.Sprintf(`(async () => {
			document.getElementById("cal-status").textContent = "";
			const e = document.querySelector('.entry[data-post="%s"]');
			const day = document.querySelector('.day[data-date="%s"]');
			const dt = new DataTransfer();
			e.dispatchEvent(new DragEvent("dragstart", {bubbles: true, dataTransfer: dt}));
			day.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: dt}));
			day.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: dt}));
			e.dispatchEvent(new DragEvent("dragend", {bubbles: true, dataTransfer: dt}));
			for (let i = 0; i < 100 && !document.getElementById("cal-status").textContent; i++) await new Promise(r => setTimeout(r, 100));
			return document.getElementById("cal-status").textContent;
		})()`, post, to))
	}
	thursday := monday.AddDate(0, 0, 3).Format(time.DateOnly)
	if got := drag(gone, thursday); !strings.Contains(got, "tidak bisa dipindah") {
		t.Errorf("moving a canceled post says %q, want the refusal", got)
	}
	desk.TakeProblems() // the refused PATCH's 409, as the browser logs it

	// Drag Monday's post to Thursday: same time of day, in Jakarta.
	if got := drag(mon, thursday); !strings.Contains(got, "dipindah") || strings.Contains(got, "tidak") {
		t.Errorf("after the drag the page says %q", got)
	}
	_, moved := s.apiCall("GET", "/v1/workspaces/"+ws+"/posts/"+mon, nil)
	if want := monday.AddDate(0, 0, 3).Add(9 * time.Hour).UTC().Format(time.RFC3339); moved["scheduled_at"] != want {
		t.Errorf("after the drag the post is at %v, want %s (Thursday 09.00 WIB)", moved["scheduled_at"], want)
	}
	if n := desk.Count(`.day[data-date="` + thursday + `"] .entry[data-post="` + mon + `"]`); n != 1 {
		t.Errorf("the moved entry is not shown on Thursday")
	}
	desk.Open(s.base + wsPath + "/calendar?view=week&date=" + date)
	if n := desk.Count(`.day[data-date="` + thursday + `"] .entry[data-post="` + mon + `"]`); n != 1 {
		t.Errorf("after a reload the moved post is not on Thursday")
	}
	if n := desk.Count(`.entry[data-post="` + wed + `"]`); n != 1 {
		t.Errorf("Wednesday's post is not draggable")
	}
	if n := desk.Count(`.entry.st-canceled[draggable]`); n != 0 {
		t.Errorf("a canceled post is draggable")
	}

	// The month.
	desk.Open(s.base + wsPath + "/calendar?view=month&date=" + date)
	if n := desk.Count(".cal-month .entry"); n != 3 {
		t.Errorf("the month shows %d posts, want 3", n)
	}
	desk.Screenshot("month")
	if n := browsertest.Eval[int](desk, "document.documentElement.outerHTML.length"); n > 60000 {
		t.Errorf("the month's HTML is %d bytes: with its styles and scripts over the 100 KB a page may weigh", n)
	}

	// Filtered by account: another Page's post shows only under it.
	_, other := s.apiCall("POST", "/v1/workspaces/"+ws+"/accounts", map[string]any{
		"platform": "facebook", "external_id": "1000002", "name": "Cabang Bogor", "access_token": "EAAB-other-page"})
	s.makePost(ws, other["id"].(string), "Bolu Talas", monday.AddDate(0, 0, 2).Add(8*time.Hour))
	desk.Open(s.base + wsPath + "/calendar?view=month&date=" + date)
	if n := desk.Count(".cal-month .entry"); n != 4 {
		t.Errorf("the month of every account shows %d posts, want 4", n)
	}
	browsertest.Eval[bool](desk, `(document.querySelector("#account").value = "`+other["id"].(string)+`", true)`)
	desk.Follow(".cal-filter button[type=submit]")
	if n, got := desk.Count(".cal-month .entry"), desk.Text(".cal-month .entry"); n != 1 || !strings.Contains(got, "Bolu Talas") {
		t.Errorf("filtered by Cabang Bogor the month shows %d posts (%q), want Bolu Talas alone", n, got)
	}
	if probs := desk.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}

	// A phone: the same account, the days as a list.
	phone := browser.Page(t, browsertest.Phone)
	phone.Open(s.base + "/signin")
	phone.Fill("#email", "sari@example.com")
	phone.Fill("#password", "rahasia-dapur-2026")
	phone.Follow("button[type=submit]")
	phone.Open(s.base + wsPath + "/calendar?view=list&date=" + date)
	if got := phone.Count(".cal-list .day"); got < 3 {
		t.Errorf("the phone's list shows %d days, want the 3 with posts (and today's, if in the month)", got)
	}
	if o := phone.Overflow(); o > 0 {
		t.Errorf("the list is %d px wider than the phone", o)
	}
	phone.Screenshot("list")
	phone.Open(s.base + wsPath + "/calendar?view=week&date=" + date)
	if o := phone.Overflow(); o > 0 {
		t.Errorf("the week on a phone is %d px wider than the phone", o)
	}
	phone.Screenshot("week")

	// Reschedule by the form: tap the post, choose a new time.
	if st := phone.Follow(`.entry[data-post="` + wed + `"] a`); st != http.StatusOK {
		t.Fatalf("post page: %d", st)
	}
	phone.Screenshot("post-scheduled")
	browsertest.Eval[bool](phone, `(document.querySelector("#scheduled_at").value = "`+monday.AddDate(0, 0, 4).Format(time.DateOnly)+`T16:45", true)`)
	phone.Follow("#reschedule button[type=submit]")
	if got := phone.Text(".flash"); !strings.Contains(got, "sudah dipindah") {
		t.Errorf("after rescheduling the page says %q", got)
	}
	_, moved = s.apiCall("GET", "/v1/workspaces/"+ws+"/posts/"+wed, nil)
	if want := monday.AddDate(0, 0, 4).Add(16*time.Hour + 45*time.Minute).UTC().Format(time.RFC3339); moved["scheduled_at"] != want {
		t.Errorf("after the form the post is at %v, want %s (Friday 16.45 WIB)", moved["scheduled_at"], want)
	}
	// A finger drags the post by its grip to Saturday, on the phone's
	// week (the days one under the other).
	phone.Open(s.base + wsPath + "/calendar?view=week&date=" + date)
	saturday := monday.AddDate(0, 0, 5).Format(time.DateOnly)
	got := browsertest.Eval[string](phone, fmt.Sprintf(`(async () => {
		const grip = document.querySelector('.entry[data-post="%s"] .grip');
		const day = document.querySelector('.day[data-date="%s"]');
		const start = grip.getBoundingClientRect();
		const at = (x, y) => ({bubbles: true, cancelable: true, pointerId: 7, pointerType: "touch", isPrimary: true, clientX: x, clientY: y});
		grip.dispatchEvent(new PointerEvent("pointerdown", at(start.x + 5, start.y + 5)));
		day.scrollIntoView();
		const r = day.getBoundingClientRect();
		grip.dispatchEvent(new PointerEvent("pointermove", at(r.x + r.width / 2, r.y + 10)));
		grip.dispatchEvent(new PointerEvent("pointerup", at(r.x + r.width / 2, r.y + 10)));
		for (let i = 0; i < 100 && !document.getElementById("cal-status").textContent; i++) await new Promise(r => setTimeout(r, 100));
		return document.getElementById("cal-status").textContent;
	})()`, wed, saturday))
	if !strings.Contains(got, "dipindah") || strings.Contains(got, "tidak") {
		t.Errorf("after the finger's drag the page says %q", got)
	}
	_, moved = s.apiCall("GET", "/v1/workspaces/"+ws+"/posts/"+wed, nil)
	if want := monday.AddDate(0, 0, 5).Add(16*time.Hour + 45*time.Minute).UTC().Format(time.RFC3339); moved["scheduled_at"] != want {
		t.Errorf("after the finger's drag the post is at %v, want %s (Saturday 16.45 WIB)", moved["scheduled_at"], want)
	}
	phone.Screenshot("week-after-touch-drag")

	// A time gone by: the API's refusal beside the field.
	phone.Follow(`.entry[data-post="` + wed + `"] a`)
	browsertest.Eval[bool](phone, `(document.querySelector("#scheduled_at").value = "2020-01-01T09:00", true)`)
	phone.Follow("#reschedule button[type=submit]")
	if n := phone.Count(".alert"); n == 0 {
		t.Errorf("a time in the past was not refused on the page")
	}
	phone.TakeProblems()

	// Published through the fake Facebook, due in 2 s: the post's page
	// follows it by itself and shows the permalink.
	live := s.makePost(ws, accID, "Rendang Kemasan", time.Now().Add(3*time.Second))
	phone.Open(s.base + wsPath + "/posts/" + live)
	if got := phone.Text(".delivery-status"); got == "Tayang" {
		t.Log("the post was published before its page opened (a slow machine): the page's own refresh is not exercised")
	} else if got != "Terjadwal" && got != "Sedang dikirim" {
		t.Errorf("before its time the post page shows %q", got)
	}
	phone.WaitFor(".outcome.st-published") // post.js reloads the page when the outcome comes
	if got := phone.Text(".delivery-status"); got != "Tayang" {
		t.Errorf("the published post's page shows %q, want Tayang", got)
	}
	if n := phone.Count("a.permalink[href^='http']"); n != 1 {
		t.Errorf("no permalink on the published post's page")
	}
	if o := phone.Overflow(); o > 0 {
		t.Errorf("the post page is %d px wider than the phone", o)
	}
	phone.Screenshot("post-published")
	desk.Open(s.base + wsPath + "/calendar?view=week")
	if n := desk.Count(`.entry.st-published .pf.st-published`); n != 1 {
		t.Errorf("the calendar shows %d published entries, want 1", n)
	}

	// A permanent error: what went wrong and what to do.
	graph.FailNext(calPageID, 1, fakegraph.Duplicate())
	bad := s.makePost(ws, accID, "Rendang Kemasan", time.Now().Add(time.Second))
	s.waitPost(ws, bad, "failed")
	phone.Open(s.base + wsPath + "/posts/" + bad)
	if got := phone.Text(".problem-what"); !strings.Contains(got, "Facebook menolak post ini") {
		t.Errorf("the failed post says %q", got)
	}
	if got := phone.Text(".problem-fix"); !strings.Contains(got, "ubah teks") {
		t.Errorf("the failed post's advice is %q", got)
	}
	if got := phone.Text(`.main-nav a[aria-current="page"]`); got != "Kalender" {
		t.Errorf("on a post's page the menu marks %q, want Kalender", got)
	}
	phone.Screenshot("post-failed")
	desk.Open(s.base + wsPath + "/posts/" + bad)
	desk.Screenshot("post-failed")
	if probs := phone.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}

	// The dashboard: what comes next, what failed.
	phone.Open(s.base + wsPath)
	if got := phone.Text(".dash-failed"); !strings.Contains(got, "Rendang Kemasan") {
		t.Errorf("the dashboard's failed posts read %q", got)
	}
	if got := phone.Text(".dash-upcoming"); !strings.Contains(got, "Keripik Singkong Pedas") {
		t.Errorf("the dashboard's next posts read %q", got)
	}
	phone.Screenshot("dashboard")
	desk.Open(s.base + wsPath)
	desk.Screenshot("dashboard")

	// In English, a token Facebook no longer takes: reconnect.
	graph.RevokeToken(calPageToken)
	expired := s.makePost(ws, accID, "Abon Sapi", time.Now().Add(time.Second))
	s.waitPost(ws, expired, "failed")
	phone.Open(s.base + "/lang?to=en&back=" + wsPath + "/posts/" + expired)
	if got := phone.Text(".problem-what"); !strings.Contains(got, "Facebook account needs to be reconnected") {
		t.Errorf("a revoked token says %q", got)
	}
	if n := phone.Count(`.problem-fix a[href="` + wsPath + `/accounts"]`); n != 1 {
		t.Errorf("no link to the accounts page beside the reconnect advice")
	}
	phone.Open(s.base + wsPath)
	if got := phone.Text(".dash-reconnect"); !strings.Contains(got, "Dapur Bu Sari") {
		t.Errorf("the dashboard's accounts to reconnect read %q", got)
	}
	phone.Screenshot("dashboard-en")
	if probs := phone.TakeProblems(); len(probs) > 0 {
		t.Errorf("the browser reported: %v", probs)
	}
}

// The post's forms work without JavaScript: plain POSTs that reschedule
// (the time read in the workspace's timezone), cancel and delete through
// the API, then redirect.
func TestPostFormsWithoutJavaScript(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	c := s.newClient()
	wsPath := c.signUp("Toko Budi", "Budi", "budi@example.com", "rahasia-budi-2026")
	ws := strings.TrimPrefix(wsPath, "/w/")
	code, acc := s.apiCall("POST", "/v1/workspaces/"+ws+"/accounts", map[string]any{
		"platform": "facebook", "external_id": "2000002", "name": "Toko Budi", "access_token": "EAAB-never-used"})
	if code != http.StatusCreated {
		t.Fatalf("attach account: %d %v", code, acc)
	}
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	at := time.Now().In(jkt).AddDate(0, 1, 0).Truncate(time.Hour)
	id := s.makePost(ws, acc["id"].(string), "Kopi Gayo", at)
	postPath := wsPath + "/posts/" + id

	res, page := c.get(postPath)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Kopi Gayo") {
		t.Fatalf("post page: %d\n%s", res.StatusCode, page)
	}
	if !strings.Contains(page, `value="`+at.Format("2006-01-02T15:04")+`"`) {
		t.Errorf("the reschedule form does not hold the post's time in Jakarta (%s)", at.Format("2006-01-02T15:04"))
	}
	token := csrf(t, page)
	next := at.AddDate(0, 0, 1).Add(2 * time.Hour)
	res, body := c.post(postPath+"/reschedule", url.Values{"csrf_token": {token}, "scheduled_at": {next.Format("2006-01-02T15:04")}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reschedule: %d\n%s", res.StatusCode, body)
	}
	if _, p := s.apiCall("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil); p["scheduled_at"] != next.UTC().Format(time.RFC3339) {
		t.Errorf("after the form the post is at %v, want %s", p["scheduled_at"], next.UTC().Format(time.RFC3339))
	}
	res, body = c.post(postPath+"/reschedule", url.Values{"csrf_token": {token}, "scheduled_at": {"kemarin"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Isi tanggal dan jam yang benar") {
		t.Errorf("a time that does not parse: %d, want 422 with the field's message", res.StatusCode)
	}
	res, _ = c.post(postPath+"/reschedule", url.Values{"scheduled_at": {next.Format("2006-01-02T15:04")}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a form without its CSRF token: %d, want 403", res.StatusCode)
	}
	res, body = c.post(postPath+"/cancel", url.Values{"csrf_token": {token}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", res.StatusCode, body)
	}
	if _, p := s.apiCall("GET", "/v1/workspaces/"+ws+"/posts/"+id, nil); p["status"] != "canceled" {
		t.Errorf("after cancel the post is %v", p["status"])
	}
	// A canceled post cannot move: the API's refusal, on the page.
	res, body = c.post(postPath+"/reschedule", url.Values{"csrf_token": {token}, "scheduled_at": {next.Format("2006-01-02T15:04")}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `class="alert"`) {
		t.Errorf("rescheduling a canceled post: %d, want 409 with the API's message", res.StatusCode)
	}
	res, body = c.post(postPath+"/delete", url.Values{"csrf_token": {token}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), wsPath+"/calendar") {
		t.Fatalf("delete: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	if res, _ := c.get(postPath); res.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted post's page: %d, want 404", res.StatusCode)
	}
}
