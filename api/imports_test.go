package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/media"
)

// importRows is the answer of POST …/posts/import, typed.
type importAnswer struct {
	Rows []struct {
		Row    int     `json:"row"`
		PostID *string `json:"post_id"`
		Status *string `json:"status"`
		Errors []struct {
			Column, Field, Code, Message string
		} `json:"errors"`
	} `json:"rows"`
	Created int  `json:"created"`
	Failed  int  `json:"failed"`
	DryRun  bool `json:"dry_run"`
}

func (b *bundle) importCSV(ws, key, query string, csv []byte, headers ...string) response {
	b.t.Helper()
	return b.do("POST", "/v1/workspaces/"+ws+"/posts/import"+query, key, csv, append([]string{"Content-Type", "text/csv"}, headers...)...)
}

func (b *bundle) importOK(ws, key, query string, csv []byte, headers ...string) importAnswer {
	b.t.Helper()
	r := b.importCSV(ws, key, query, csv, headers...)
	if r.status != http.StatusOK {
		b.t.Fatalf("import: status %d, want 200; body: %s", r.status, r.body)
	}
	var a importAnswer
	mustUnmarshal(b.t, r.body, &a)
	return a
}

func mustUnmarshal(t *testing.T, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
}

// local writes a time as a sheet does: in Asia/Jakarta, without offset.
func local(t time.Time, layout string) string {
	jakarta, _ := time.LoadLocation("Asia/Jakarta")
	return t.In(jakarta).Format(layout)
}

// rowErrors lists a row's faults as "column code".
func rowErrors(a importAnswer, i int) []string {
	out := []string{}
	for _, e := range a.Rows[i].Errors {
		out = append(out, e.Column+" "+e.Code)
	}
	return out
}

func (b *bundle) countPosts(ws, key string) int {
	b.t.Helper()
	return len(b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts?limit=100", key, nil), http.StatusOK)["data"].([]any))
}

func TestImportPosts(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	acc2 := b.account(ws, key, serentak.Facebook, "222")
	at := b.now.Add(48 * time.Hour).Truncate(time.Minute)
	csv := strings.Join([]string{
		"Name,Price,Currency,Description,URL,Hashtags,Media URLs,Accounts,Scheduled At,WhatsApp",
		// 2: good, an Indonesian price, a Sheets-mangled WhatsApp number (leading 0 dropped), a time as in the contract
		fmt.Sprintf(`Keripik Singkong Pedas,Rp25.000,IDR,"Renyah, pedas.%sTanpa pengawet.",,umkm #keripik,https://cdn.example.com/keripik.jpg,%s,%s,852123456789`, "\r\n", acc, local(at, "2006-01-02 15:04")),
		// 3: a decimal Rupiah price: the composer's rule, with its nearest amounts
		fmt.Sprintf(`Kue Lapis,"Rp 15.000,50",IDR,,https://wa.me/6281234567890,,,facebook,%s,`, local(at, "02/01/2006 15.04")),
		// 4: a number Excel saved as 8.52E+11, and an unknown account
		"Pukis,10000,,,,,,acc_01jb2c3d4e5f6g7h8j9k0m1n2p,,8.52123E+11",
		// 5: a platform name: every Facebook account; a time in the past
		fmt.Sprintf("Sambal,20.000,,,https://wa.me/6281234567890,,,facebook,%s,", local(b.now.Add(-time.Hour), "2006-01-02 15:04")),
		// 6: a platform without accounts, a time that does not parse, a media URL on a private address
		"Rempeyek,5000,,,https://wa.me/6281234567890,,https://internal.example/a.jpg,tiktok,besok pagi,",
		// 7: good: a platform name, publish now
		"Kopi Susu,18000,IDR,,https://wa.me/6281234567890,,,FACEBOOK,,",
	}, "\r\n") + "\r\n"

	a := b.importOK(ws, key, "", []byte(csv))
	if a.Created != 2 || a.Failed != 4 || a.DryRun || len(a.Rows) != 6 {
		t.Fatalf("answer = %+v, want 2 created, 4 failed, 6 rows", a)
	}
	for i, r := range a.Rows {
		if r.Row != i+2 {
			t.Errorf("rows[%d].row = %d, want %d (the header is row 1; a quoted newline adds none)", i, r.Row, i+2)
		}
	}
	want := map[int][]string{
		0: {},
		1: {"price invalid"},
		2: {"whatsapp scientific_notation", "accounts not_found"},
		3: {"scheduled_at in_past"},
		4: {"scheduled_at invalid", "accounts not_found", "media_urls private_address"},
		5: {},
	}
	for i, w := range want {
		if diff := cmp.Diff(w, rowErrors(a, i)); diff != "" {
			t.Errorf("row %d errors (-want +got):\n%s\n%+v", i+2, diff, a.Rows[i].Errors)
		}
	}
	if msg := a.Rows[1].Errors[0].Message; !strings.Contains(msg, "give 15000 or 15001") {
		t.Errorf("decimal price message %q should give the two nearest whole amounts", msg)
	}
	if msg := a.Rows[2].Errors[0].Message; !strings.Contains(msg, "Text") {
		t.Errorf("scientific notation message %q should say to format the column as text", msg)
	}
	if a.Rows[1].PostID != nil || a.Rows[1].Status != nil {
		t.Errorf("a failed row has post_id %v, status %v; want null", a.Rows[1].PostID, a.Rows[1].Status)
	}

	// Row 2 is a post as POST /posts makes it.
	p := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+*a.Rows[0].PostID, key, nil), http.StatusOK)
	if p["status"] != "scheduled" || *a.Rows[0].Status != "scheduled" || p["scheduled_at"] != at.UTC().Format(time.RFC3339) {
		t.Errorf("row 2's post: status %v, scheduled_at %v; want scheduled at %s (Asia/Jakarta read)", p["status"], p["scheduled_at"], at.UTC().Format(time.RFC3339))
	}
	product := p["product"].(map[string]any)
	if product["description"] != "Renyah, pedas.\nTanpa pengawet." || product["price"].(map[string]any)["amount"] != 25000.0 {
		t.Errorf("product = %v", product)
	}
	d := p["deliveries"].([]any)
	if len(d) != 1 || d[0].(map[string]any)["account_id"] != acc {
		t.Fatalf("deliveries = %v", d)
	}
	text := d[0].(map[string]any)["content"].(map[string]any)["text"].(string)
	for _, w := range []string{"Keripik Singkong Pedas", "Rp25.000", "wa.me/62852123456789", "#keripik"} {
		if !strings.Contains(text, w) {
			t.Errorf("composed text %q lacks %q", text, w)
		}
	}
	// Row 7: "FACEBOOK" is both Facebook accounts, published now.
	p = b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+*a.Rows[5].PostID, key, nil), http.StatusOK)
	if d := p["deliveries"].([]any); len(d) != 2 || d[0].(map[string]any)["account_id"] != acc || d[1].(map[string]any)["account_id"] != acc2 ||
		p["scheduled_at"] != b.now.Format(time.RFC3339) {
		t.Errorf("row 7's post = %v, want both accounts, now", p)
	}
	if got := b.countPosts(ws, key); got != 2 {
		t.Errorf("%d posts stored, want 2", got)
	}
	if b.wakes.Load() != 1 {
		t.Errorf("WakeFunc called %d times, want once per file", b.wakes.Load())
	}
	if got := b.auditLog(ws, key); !strings.HasPrefix(got[0], "post.import "+ws) {
		t.Errorf("audit log starts %q, want one post.import", got[0])
	}
}

// Each dialect file of sheet/testdata goes through the whole route.
func TestImportDialects(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	b.account(ws, key, serentak.Facebook, "111")
	for _, tc := range []struct {
		file    string
		created int
		names   []string
		errs    map[int][]string
	}{
		{file: "excel-utf8.csv", created: 2, names: []string{"Keripik Singkong Pedas", "Kué Lapis"}},
		{file: "excel-1252.csv", created: 1, names: []string{"Kué Lapis"}, errs: map[int][]string{1: {"whatsapp scientific_notation"}}},
		{file: "excel-id-semicolon.csv", created: 1, names: []string{"Keripik Singkong"}, errs: map[int][]string{1: {"price invalid"}}},
		{file: "sheets.csv", created: 0, errs: map[int][]string{0: {"accounts not_found"}}}, // no Instagram account here
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "sheet", "testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			// The files are scheduled for 24 December 2026; move them to
			// a day within the year ahead of the test's clock.
			day := b.now.Add(72 * time.Hour)
			data = []byte(strings.NewReplacer("2026-12-24", local(day, "2006-01-02"), "24/12/2026", local(day, "02/01/2006")).Replace(string(data)))
			a := b.importOK(ws, key, "", data)
			if a.Created != tc.created {
				t.Errorf("created %d, want %d: %+v", a.Created, tc.created, a.Rows)
			}
			var names []string
			for i, r := range a.Rows {
				if diff := cmp.Diff(append([]string{}, tc.errs[i]...), rowErrors(a, i)); diff != "" {
					t.Errorf("row %d errors (-want +got):\n%s", r.Row, diff)
				}
				if r.PostID != nil {
					p := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+*r.PostID, key, nil), http.StatusOK)
					names = append(names, p["product"].(map[string]any)["name"].(string))
				}
			}
			if diff := cmp.Diff(tc.names, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportDryRun(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	b.account(ws, key, serentak.Facebook, "111")
	// Row 3 is empty cells, as Excel saves a formatted empty row: no post, not reported.
	csv := "name,price,accounts\nKeripik,25000,facebook\n, ,\nKue,abc,facebook\n"
	a := b.importOK(ws, key, "?dry_run=true", []byte(csv))
	if !a.DryRun || a.Created != 1 || a.Failed != 1 || len(a.Rows) != 2 || a.Rows[1].Row != 4 || a.Rows[0].PostID != nil || len(a.Rows[0].Errors) != 0 {
		t.Errorf("dry run = %+v", a)
	}
	if diff := cmp.Diff([]string{"price invalid"}, rowErrors(a, 1)); diff != "" {
		t.Errorf("row 4 (-want +got):\n%s", diff)
	}
	if n := b.countPosts(ws, key); n != 0 {
		t.Errorf("a dry run stored %d posts", n)
	}
	if got := b.auditLog(ws, key); strings.HasPrefix(got[0], "post.import") {
		t.Errorf("a dry run was audited: %v", got)
	}
	b.expectError(b.importCSV(ws, key, "?dry_run=maybe", []byte(csv)), http.StatusUnprocessableEntity, "validation_failed", "dry_run")
}

// An editor's rows wait for approval in a workspace that requires it,
// as their POST /posts would.
func TestImportHeldForApproval(t *testing.T) {
	b := setup(t)
	ws, owner := b.workspace("Toko Budi")
	b.account(ws, owner, serentak.Facebook, "111")
	b.expect(b.do("PATCH", "/v1/workspaces/"+ws, owner, map[string]any{"approval_required": true}), http.StatusOK)
	editor := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/keys", owner, map[string]any{"name": "ed", "role": "editor"}), http.StatusCreated)["api_key"].(string)
	csv := []byte("name,price,accounts\nKeripik,25000,facebook\n")
	a := b.importOK(ws, editor, "", csv)
	if a.Created != 1 || *a.Rows[0].Status != "pending_approval" {
		t.Fatalf("editor's import = %+v, want one post pending_approval", a)
	}
	p := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+*a.Rows[0].PostID, owner, nil), http.StatusOK)
	if p["status"] != "pending_approval" || p["deliveries"].([]any)[0].(map[string]any)["status"] != "pending_approval" {
		t.Errorf("post = %v, want it and its delivery pending_approval", p)
	}
	if a := b.importOK(ws, owner, "", csv); *a.Rows[0].Status != "scheduled" {
		t.Errorf("the owner's import: %v, want scheduled", *a.Rows[0].Status)
	}
}

func TestImportIdempotency(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	b.account(ws, key, serentak.Facebook, "111")
	csv := "name,price,accounts\nKeripik,25000,facebook\nKue,abc,facebook\n"
	first := b.importOK(ws, key, "", []byte(csv), "Idempotency-Key", "file-1")
	if first.Created != 1 {
		t.Fatalf("first = %+v", first)
	}
	// The same file, saved again by Excel with ';' and CRLF: the same rows.
	again := b.importOK(ws, key, "", []byte("name;price;accounts\r\nKeripik;25000;facebook\r\nKue;abc;facebook\r\n"), "Idempotency-Key", "file-1")
	if again.Created != 1 || *again.Rows[0].PostID != *first.Rows[0].PostID {
		t.Errorf("replay = %+v, want row 2's post again", again)
	}
	if n := b.countPosts(ws, key); n != 1 {
		t.Errorf("%d posts after a replay, want 1", n)
	}
	// A changed row under the same key: 409, nothing stored.
	b.expectError(b.importCSV(ws, key, "", []byte("name,price,accounts\nKeripik,26000,facebook\nBaru,1000,facebook\n"), "Idempotency-Key", "file-1"),
		http.StatusConflict, "conflict")
	if n := b.countPosts(ws, key); n != 1 {
		t.Errorf("%d posts after a conflict, want 1", n)
	}
	// Without a key, a re-sent file makes its posts again.
	b.importOK(ws, key, "", []byte(csv))
	b.importOK(ws, key, "", []byte(csv))
	if n := b.countPosts(ws, key); n != 3 {
		t.Errorf("%d posts, want 3", n)
	}
}

func TestImportRefusesFiles(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	b.account(ws, key, serentak.Facebook, "111")
	t.Run("too large", func(t *testing.T) {
		big := "caption,accounts\n" + strings.Repeat("x", 5<<20) + ",facebook\n"
		b.expectError(b.importCSV(ws, key, "", []byte(big)), http.StatusRequestEntityTooLarge, "payload_too_large")
	})
	t.Run("too many rows", func(t *testing.T) {
		rows := "caption,accounts\n" + strings.Repeat("Buka,facebook\n", 5001)
		b.expectError(b.importCSV(ws, key, "", []byte(rows)), http.StatusUnprocessableEntity, "validation_failed", "rows")
		if n := b.countPosts(ws, key); n != 0 {
			t.Errorf("%d posts stored", n)
		}
	})
	t.Run("header", func(t *testing.T) {
		b.expectError(b.importCSV(ws, key, "", []byte("name,prize,accounts\nA,1,facebook\n")), http.StatusUnprocessableEntity, "validation_failed", "header[1]")
		b.expectError(b.importCSV(ws, key, "", []byte("name,price\nA,1\n")), http.StatusUnprocessableEntity, "validation_failed", "header")
		b.expectError(b.importCSV(ws, key, "", []byte("name,accounts,Name\nA,facebook,B\n")), http.StatusUnprocessableEntity, "validation_failed", "header[2]")
		b.expectError(b.importCSV(ws, key, "", []byte("name,accounts\n")), http.StatusUnprocessableEntity, "validation_failed", "rows")
	})
	t.Run("not CSV", func(t *testing.T) {
		b.expectError(b.importCSV(ws, key, "", []byte(""), "Content-Type", "text/csv"), http.StatusBadRequest, "bad_request")
		b.expectError(b.importCSV(ws, key, "", []byte(`{"a":1}`), "Content-Type", "application/json"), http.StatusBadRequest, "bad_request")
		b.expectError(b.importCSV(ws, key, "", []byte("caption,accounts\n\"Buka,facebook\nx\"y,z\n")), http.StatusBadRequest, "bad_request")
	})
}

// Rows sharing a photo make the server read its URL once per file, not
// once per row.
func TestImportReadsEachMediaURLOnce(t *testing.T) {
	var reads atomic.Int32
	b := setup(t, func(c *api.Config) {
		c.ReadMediaFunc = func(ctx context.Context, u string) (media.Head, error) {
			reads.Add(1)
			return media.Head{ContentType: "image/jpeg", Kind: serentak.MediaImage, Size: 1000}, nil
		}
	})
	ws, key := b.workspace("Toko Budi")
	b.account(ws, key, serentak.Facebook, "111")
	csv := "name,media_urls,accounts\n" + strings.Repeat("Keripik,https://cdn.example.com/p?id=7,facebook\n", 3) + "Kue,https://cdn.example.com/kue,facebook\n"
	if a := b.importOK(ws, key, "", []byte(csv)); a.Created != 4 {
		t.Fatalf("import = %+v", a)
	}
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads of 2 URLs in 4 rows, want 2", n)
	}
}
