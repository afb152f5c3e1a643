package webapp_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/internal/browsertest"
	"github.com/serentak/serentak/media/mediatest"
)

// A merchant sees on their phone what a published post brought on each
// platform, and an agency opens this month's proof-of-publication report
// from the More page, in Bahasa Indonesia and in English. The clicks and
// metrics are written into the database as the redirect and the metrics
// fetcher would.
func TestPostStatsAndReportOnAPhone(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "serentak.db")
	s := serve(t, map[string]string{"SERENTAK_DATABASE_URL": db})
	p := browser.Page(t, browsertest.Phone)
	wsPath := signUpInBrowser(t, s, p, "Dapur Bu Sari", "Sari", "sari@example.com", "rahasia-dapur-2026")
	ws := strings.TrimPrefix(wsPath, "/w/")
	fb := s.attachFacebook(wsPath)
	var ig struct {
		ID string `json:"id"`
	}
	s.apiAs(operatorKey, "POST", "/v1/workspaces/"+ws+"/accounts",
		map[string]string{"platform": "instagram", "external_id": "178414", "name": "dapurbusari", "access_token": "EAAB-ig-token"}, &ig)
	// A photo of our own: the page shows it from this server.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "keripik.jpg")
	fw.Write(mediatest.JPEG(640, 640, 0))
	mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/v1/workspaces/"+ws+"/media", &body)
	req.Header.Set("Authorization", "Bearer "+operatorKey)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var med struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(readBody(t, res)), &med); err != nil || med.ID == "" {
		t.Fatalf("upload a photo: %d %v", res.StatusCode, err)
	}
	var post struct {
		ID         string `json:"id"`
		Deliveries []struct {
			ID       string `json:"id"`
			Platform string `json:"platform"`
		} `json:"deliveries"`
	}
	// A week ahead, so nothing is published for real: the test marks it.
	if st := s.apiAs(operatorKey, "POST", "/v1/workspaces/"+ws+"/posts", map[string]any{
		"product":      map[string]any{"name": "Keripik Singkong Pedas", "price": map[string]any{"amount": 25000, "currency": "IDR"}, "url": "https://wa.me/6281234567890"},
		"media":        []any{map[string]any{"id": med.ID}},
		"scheduled_at": time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339),
		"targets":      []any{map[string]any{"account_id": fb}, map[string]any{"account_id": ig.ID}},
	}, &post); st != http.StatusCreated {
		t.Fatalf("create the post: %d", st)
	}
	rows := storetest.NewOrderLinks(t, db)
	now := time.Now()
	var dfb, dig serentak.Delivery
	for i, d := range post.Deliveries { // a second apart, in the report's order
		dl := serentak.Delivery{ID: d.ID, PostID: post.ID, WorkspaceID: ws, Platform: serentak.Platform(d.Platform)}
		rows.Publish(dl, "https://www."+d.Platform+".com/p/"+d.ID, now.Add(time.Duration(i)*time.Second))
		if d.Platform == "facebook" {
			dfb = dl
		} else {
			dig = dl
		}
	}
	rows.Clicks(dfb, 12)
	rows.Clicks(dig, 1)
	// Counts of one and of more, so each phrase shows in both its forms.
	rows.Metrics(dfb, map[string]float64{"views": 1530, "reactions": 41, "comments": 1, "shares": 1}, "", now)

	p.Open(s.base + wsPath + "/posts/" + post.ID)
	fbStats := p.Text("[data-delivery='" + dfb.ID + "'] .stats")
	if !strings.Contains(fbStats, "12 klik tautan pesan") || !strings.Contains(fbStats, "1.530 tayangan") || !strings.Contains(fbStats, "41 reaksi") ||
		!strings.Contains(fbStats, "1 komentar") {
		t.Errorf("Facebook's numbers read %q", fbStats)
	}
	// Bahasa Indonesia does not inflect for number: one click reads as
	// twelve do.
	if got := p.Text("[data-delivery='" + dig.ID + "'] .stats"); got != "1 klik tautan pesan" {
		t.Errorf("Instagram's one click reads %q", got)
	}
	if got := p.Text("[data-delivery='" + dig.ID + "'] .stats + .muted"); !strings.Contains(got, "belum diambil") {
		t.Errorf("Instagram, not fetched yet, says %q", got)
	}
	look(t, p, "post-stats")

	p.Open(s.base + wsPath + "/more")
	if n := p.Count("#reports .month-report"); n != 2 {
		t.Errorf("the More page offers %d months of reports, want this one and the last", n)
	}
	if href := attr(p, "#reports .month-report a:last-child", "href"); !strings.HasSuffix(href, "&format=csv") {
		t.Errorf("the CSV link is %q", href)
	}
	look(t, p, "more-reports")
	p.Follow("#reports .month-report a")
	page := p.Text("main")
	for _, want := range []string{"Laporan Bukti Tayang", "Rp25.000", "Keripik Singkong Pedas", "tayangan: 1.530", "Lihat postingan"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if href := attr(p, ".item a", "href"); !strings.HasPrefix(href, "https://www.facebook.com/p/") {
		t.Errorf("the first permalink is %q", href)
	}
	look(t, p, "report")

	d := browser.Page(t, browsertest.Desktop)
	signInInBrowser(t, s, d, "sari@example.com", "rahasia-dapur-2026")
	d.Open(s.base + "/lang?to=en")
	d.Open(s.base + wsPath + "/posts/" + post.ID)
	// In English a count of one takes the singular, any other count the
	// plural.
	if got := d.Text("[data-delivery='" + dfb.ID + "'] .stats"); got != "12 order link clicks · 1,530 views · 41 reactions · 1 comment · 1 share" {
		t.Errorf("in English Facebook's numbers read %q", got)
	}
	if got := d.Text("[data-delivery='" + dig.ID + "'] .stats"); got != "1 order link click" {
		t.Errorf("in English Instagram's one click reads %q", got)
	}
	look(t, d, "post-stats-en")
	d.Open(s.base + wsPath + "/more")
	d.Follow("#reports .month-report a")
	// The report names each metric before its value, so no count needs a
	// plural: "comments: 1", never "1 comments".
	if page := d.Text("main"); !strings.Contains(page, "Proof of Publication") || !strings.Contains(page, "views: 1,530") ||
		!strings.Contains(page, "comments: 1") || strings.Contains(page, "1 comments") {
		t.Errorf("the English report reads %q", page)
	}
	look(t, d, "report-en")
}
