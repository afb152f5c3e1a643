package api_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
)

// statsBundle is an API whose database the test also writes what the
// tracked links, the metrics fetcher and the link-in-bio page would.
type statsBundle struct {
	*bundle
	rows    *storetest.OrderLinks
	ws, key string
	fb, ig  string
}

// November's published deliveries: 10 Nov 2026 09.00 WIB, a Tuesday.
var novemberTenth = time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC)

func setupStats(t *testing.T) *statsBundle {
	t.Helper()
	url := storetest.URL(t)
	st := storetest.Open(t, gormstore.Config{URL: url})
	b := setup(t, func(c *api.Config) {
		c.Store = st
		c.Publishers = map[serentak.Platform]bool{serentak.Facebook: true, serentak.Instagram: true}
	})
	b.store = st
	sb := &statsBundle{bundle: b, rows: storetest.NewOrderLinks(t, url)}
	sb.ws, sb.key = b.workspace("Toko Keripik")
	b.expect(b.do("PATCH", "/v1/workspaces/"+sb.ws, sb.key, map[string]any{"timezone": "Asia/Jakarta"}), http.StatusOK)
	sb.fb = b.account(sb.ws, sb.key, serentak.Facebook, "page-1")
	sb.ig = b.account(sb.ws, sb.key, serentak.Instagram, "ig-1")
	return sb
}

// post creates a post from body and returns its deliveries.
func (b *statsBundle) post(body map[string]any) (string, []serentak.Delivery) {
	b.t.Helper()
	m := b.expect(b.do("POST", "/v1/workspaces/"+b.ws+"/posts", b.key, body), http.StatusCreated)
	var ds []serentak.Delivery
	for _, d := range m["deliveries"].([]any) {
		d := d.(map[string]any)
		ds = append(ds, serentak.Delivery{ID: d["id"].(string), PostID: m["id"].(string), WorkspaceID: b.ws, Platform: serentak.Platform(d["platform"].(string))})
	}
	return m["id"].(string), ds
}

func TestPostStats(t *testing.T) {
	t.Parallel()
	b := setupStats(t)
	id, ds := b.post(postBody(b.fb, b.ig))
	b.rows.Publish(ds[0], "https://www.facebook.com/1_2", novemberTenth)
	b.rows.Publish(ds[1], "https://www.instagram.com/p/ABC/", novemberTenth.Add(time.Second))
	b.rows.Clicks(ds[0], 7)
	b.rows.Metrics(ds[0], map[string]float64{"views": 1200, "reactions": 9}, "", novemberTenth.Add(time.Hour))

	m := b.expect(b.do("GET", "/v1/workspaces/"+b.ws+"/posts/"+id+"/stats", b.key, nil), http.StatusOK)
	got := m["data"].([]any)
	want := []any{
		map[string]any{"delivery_id": ds[0].ID, "platform": "facebook", "account_id": b.fb, "account_name": "Toko page-1", "status": "published",
			"clicks": 7.0, "metrics": map[string]any{"views": 1200.0, "reactions": 9.0},
			"metrics_fetched_at": "2026-11-10T03:00:00Z", "permalink": "https://www.facebook.com/1_2", "published_at": "2026-11-10T02:00:00Z"},
		// Published, no tracked link, no metrics yet: zero clicks, {} and why.
		map[string]any{"delivery_id": ds[1].ID, "platform": "instagram", "account_id": b.ig, "account_name": "Toko ig-1", "status": "published",
			"clicks": 0.0, "metrics": map[string]any{}, "metrics_unavailable": "not_fetched",
			"metrics_fetched_at": nil, "permalink": "https://www.instagram.com/p/ABC/", "published_at": "2026-11-10T02:00:01Z"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET …/stats (-want +got):\n%s", diff)
	}

	// Another workspace's post is not found, as every post route says.
	other, otherKey := b.workspace("Toko Lain")
	b.expectError(b.do("GET", "/v1/workspaces/"+other+"/posts/"+id+"/stats", otherKey, nil), http.StatusNotFound, "not_found")
}

func TestPeriodStats(t *testing.T) {
	t.Parallel()
	b := setupStats(t)
	p1, d1 := b.post(postBody(b.fb, b.ig))
	body := postBody(b.ig)
	body["product"].(map[string]any)["name"] = "Sambal Bawang"
	body["product"].(map[string]any)["price"] = map[string]any{"amount": 18000, "currency": "IDR"}
	p2, d2 := b.post(body)
	b.rows.Publish(d1[0], "https://www.facebook.com/1", novemberTenth)
	b.rows.Publish(d1[1], "https://www.instagram.com/p/1/", novemberTenth)
	b.rows.Publish(d2[0], "https://www.instagram.com/p/2/", novemberTenth.AddDate(0, 0, 5))
	b.rows.Clicks(d1[0], 4)
	b.rows.Clicks(d1[1], 6)
	b.rows.Clicks(d2[0], 20)
	b.rows.Metrics(d1[0], map[string]float64{"views": 100}, "", novemberTenth)
	b.rows.Metrics(d1[1], map[string]float64{"views": 300, "likes": 12}, "", novemberTenth)
	b.rows.Metrics(d2[0], map[string]float64{"views": 50, "likes": 3}, "", novemberTenth)
	b.rows.BioClicks(b.ws, p1, "instagram", "2026-11-12", 5)
	b.rows.BioClicks(b.ws, p1, "tiktok", "2026-12-01", 99) // December's

	m := b.expect(b.do("GET", "/v1/workspaces/"+b.ws+"/stats?from=2026-11-01&to=2026-12-01", b.key, nil), http.StatusOK)
	want := map[string]any{
		"from": "2026-10-31T17:00:00Z", "to": "2026-11-30T17:00:00Z", "timezone": "Asia/Jakarta",
		"totals": map[string]any{"deliveries": 3.0, "clicks": 30.0, "bio_clicks": 5.0},
		"platforms": []any{
			map[string]any{"platform": "facebook", "deliveries": 1.0, "clicks": 4.0, "metrics": map[string]any{"views": 100.0}},
			map[string]any{"platform": "instagram", "deliveries": 2.0, "clicks": 26.0, "metrics": map[string]any{"views": 350.0, "likes": 15.0}},
		},
		"products": []any{
			map[string]any{"post_id": p2, "name": "Sambal Bawang", "price": map[string]any{"amount": 18000.0, "currency": "IDR"},
				"clicks": map[string]any{"instagram": 20.0}, "bio_clicks": map[string]any{}, "total_clicks": 20.0},
			map[string]any{"post_id": p1, "name": "Keripik Singkong Pedas", "price": map[string]any{"amount": 25000.0, "currency": "IDR"},
				"clicks": map[string]any{"facebook": 4.0, "instagram": 6.0}, "bio_clicks": map[string]any{"instagram": 5.0}, "total_clicks": 15.0},
		},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("GET …/stats (-want +got):\n%s", diff)
	}

	// Without a period: the last 30 days up to now (the test's now is
	// today, after November).
	m = b.expect(b.do("GET", "/v1/workspaces/"+b.ws+"/stats", b.key, nil), http.StatusOK)
	if from, to := m["from"].(string), m["to"].(string); to != b.now.Format(time.RFC3339) || from != b.now.AddDate(0, 0, -30).Format(time.RFC3339) {
		t.Errorf("default period = %s to %s, want the 30 days up to %s", from, to, b.now)
	}

	for _, tc := range []struct{ query, field string }{
		{"from=yesterday", "from"},
		{"to=2026-13-01", "to"},
		{"from=2026-11-02&to=2026-11-01", "to"},
		{"from=2025-01-01&to=2026-02-01", "to"}, // more than 367 days
	} {
		b.expectError(b.do("GET", "/v1/workspaces/"+b.ws+"/stats?"+tc.query, b.key, nil), http.StatusUnprocessableEntity, "validation_failed", tc.field)
	}
}

func TestPublicationReport(t *testing.T) {
	t.Parallel()
	b := setupStats(t)
	_, d1 := b.post(postBody(b.fb, b.ig))
	body := postBody(b.fb)
	// A name a spreadsheet would run as a formula.
	body["product"].(map[string]any)["name"] = `=HYPERLINK("http://evil.example","Klik")`
	_, d2 := b.post(body)
	b.rows.Publish(d1[0], "https://www.facebook.com/111_222", novemberTenth)
	b.rows.Publish(d1[1], "https://www.instagram.com/p/ABC/", novemberTenth.Add(time.Minute))
	b.rows.Publish(d2[0], "https://www.facebook.com/111_333", novemberTenth.AddDate(0, 0, 1))
	b.rows.Clicks(d1[0], 1234)
	b.rows.Metrics(d1[0], map[string]float64{"views": 15000, "reactions": 12}, "", novemberTenth)
	b.rows.Metrics(d1[1], nil, "insights_permission_missing", novemberTenth)
	b.rows.BioClicks(b.ws, d1[0].PostID, "instagram", "2026-11-11", 3)
	path := "/v1/workspaces/" + b.ws + "/reports/publication?month=2026-11"

	t.Run("HTML in Bahasa Indonesia, the workspace's language", func(t *testing.T) {
		r := b.do("GET", path, b.key, nil)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d, %s", r.status, r.header.Get("Content-Type"))
		}
		page := string(r.body)
		for _, want := range []string{
			`<html lang="id">`, "Laporan Bukti Tayang", "Toko Keripik · November 2026",
			"Selasa, 10 Nov 2026 09.00 WIB", "Rabu, 11 Nov 2026 09.00 WIB", // the workspace's time
			"Rp25.000", `href="https://www.facebook.com/111_222"`, "1.234", "tayangan: 15.000", "reaksi: 12",
			"Statistik platform tidak tersedia: insights_permission_missing",
			"Klik tombol pesan di halaman link-in-bio: 3",
			// Totals per platform: Facebook's two posts and their clicks.
			`<td>Facebook<span class="muted">tayangan: 15.000, reaksi: 12</span></td><td class="n">2</td><td class="n">1.234</td>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		checkReportCSP(t, r)
	})

	t.Run("HTML in English", func(t *testing.T) {
		page := string(b.expectPage(b.do("GET", path+"&lang=en", b.key, nil)))
		for _, want := range []string{`<html lang="en">`, "Proof of Publication", "Tuesday, 10 Nov 2026 09:00 WIB", "1,234", "views: 15,000", "Rp25.000", "https://www.instagram.com/p/ABC/"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		// The workspace's language is the default.
		b.expect(b.do("PATCH", "/v1/workspaces/"+b.ws, b.key, map[string]any{"language": "en"}), http.StatusOK)
		defer b.do("PATCH", "/v1/workspaces/"+b.ws, b.key, map[string]any{"language": "id"})
		if page := string(b.expectPage(b.do("GET", path, b.key, nil))); !strings.Contains(page, "Proof of Publication") {
			t.Error("a workspace in English gets its report in Bahasa Indonesia")
		}
	})

	t.Run("an empty month", func(t *testing.T) {
		page := string(b.expectPage(b.do("GET", "/v1/workspaces/"+b.ws+"/reports/publication?month=2026-10", b.key, nil)))
		if !strings.Contains(page, "Belum ada postingan yang tayang pada bulan ini.") {
			t.Error("an empty month does not say so")
		}
	})

	t.Run("CSV", func(t *testing.T) {
		for _, r := range []response{b.do("GET", path+"&format=csv", b.key, nil), b.do("GET", path, b.key, nil, "Accept", "text/csv")} {
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("status %d, %s: %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="laporan-tayang-2026-11.csv"` {
				t.Errorf("Content-Disposition = %q", cd)
			}
			body, ok := strings.CutPrefix(string(r.body), "\ufeff")
			if !ok {
				t.Error("no UTF-8 byte order mark: Excel would read the file as Windows-1252")
			}
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want := [][]string{
				{"published_at", "platform", "account", "post_id", "product", "price", "currency", "permalink", "clicks", "views", "reactions", "metrics_unavailable"},
				{"2026-11-10T09:00:00+07:00", "facebook", "Toko page-1", d1[0].PostID, "Keripik Singkong Pedas", "25000", "IDR", "https://www.facebook.com/111_222", "1234", "15000", "12", ""},
				{"2026-11-10T09:01:00+07:00", "instagram", "Toko ig-1", d1[1].PostID, "Keripik Singkong Pedas", "25000", "IDR", "https://www.instagram.com/p/ABC/", "0", "", "", "insights_permission_missing"},
				{"2026-11-11T09:00:00+07:00", "facebook", "Toko page-1", d2[0].PostID, `'=HYPERLINK("http://evil.example","Klik")`, "25000", "IDR", "https://www.facebook.com/111_333", "0", "", "", "not_fetched"},
			}
			if diff := cmp.Diff(want, recs); diff != "" {
				t.Errorf("CSV (-want +got):\n%s", diff)
			}
		}
	})

	t.Run("faults name their parameter", func(t *testing.T) {
		for _, tc := range []struct{ query, field string }{
			{"month=2026-13", "month"}, {"month=November", "month"}, {"lang=fr", "lang"}, {"format=pdf", "format"},
		} {
			b.expectError(b.do("GET", "/v1/workspaces/"+b.ws+"/reports/publication?"+tc.query, b.key, nil), http.StatusUnprocessableEntity, "validation_failed", tc.field)
		}
	})
}

func (b *statsBundle) expectPage(r response) []byte {
	b.t.Helper()
	if r.status != http.StatusOK {
		b.t.Fatalf("status %d: %s", r.status, r.body)
	}
	return r.body
}

// checkReportCSP checks the page allows its own style by hash and
// nothing else: no script, no image, no third-party asset.
func checkReportCSP(t *testing.T, r response) {
	t.Helper()
	csp := r.header.Get("Content-Security-Policy")
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindSubmatch(r.body)
	if style == nil {
		t.Fatal("no style element")
	}
	sum := sha256.Sum256(style[1])
	want := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
	if csp != want {
		t.Errorf("CSP = %q, want %q", csp, want)
	}
	if regexp.MustCompile(`<script|<img|<link|style="|https?://[^"]*\.(css|js)`).Match(r.body) {
		t.Error("the page loads or runs something of its own or a third party's")
	}
}
