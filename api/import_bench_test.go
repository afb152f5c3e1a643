package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/gormstore/storetest"
)

// BenchmarkImport1000 imports a file of 1,000 rows (one post each, to two
// Facebook accounts, with a product, hashtags, a media URL and a local
// time) through POST …/posts/import, in process, on storetest's database:
// the embedded default's SQLite, or PostgreSQL with
// SERENTAK_TEST_DATABASE_URL. The target is under 10 s per file
// (BENCHMARKS.md); rows/s is reported.
func BenchmarkImport1000(b *testing.B) {
	const rows = 1000
	srv := api.New(api.Config{Store: storetest.New(b), AdminKey: adminKey,
		Resolver:   fakeResolver{"cdn.example.com": "93.184.216.34"},
		Publishers: map[serentak.Platform]bool{serentak.Facebook: true}})
	a := benchAPI{b: b, h: srv.Handler()}
	w := a.call("POST", "/v1/workspaces", adminKey, map[string]any{"name": "Bench"}, http.StatusCreated)
	ws, key := w["id"].(string), w["api_key"].(string)
	for _, id := range []string{"111", "222"} {
		a.call("POST", "/v1/workspaces/"+ws+"/accounts", key, map[string]any{
			"platform": "facebook", "external_id": id, "name": "Toko " + id, "access_token": "EAAB-token-" + id}, http.StatusCreated)
	}
	day := time.Now().Add(48 * time.Hour).Format("2006-01-02")
	var csv strings.Builder
	csv.WriteString("name,price,currency,description,url,hashtags,media_urls,accounts,scheduled_at\r\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&csv, "Keripik Singkong Pedas %d,Rp25.000,IDR,\"Renyah, pedas,\r\ntanpa pengawet.\",https://wa.me/6281234567890,umkm keripik pedas,https://cdn.example.com/keripik-%d.jpg,facebook,%s %02d:%02d\r\n",
			i, i, day, 8+i%12, i%60)
	}
	body := []byte(csv.String())
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/workspaces/"+ws+"/posts/import", bytes.NewReader(body))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		var out struct{ Created, Failed int }
		if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != http.StatusOK || err != nil || out.Created != rows {
			b.Fatalf("import: %d %.500s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
