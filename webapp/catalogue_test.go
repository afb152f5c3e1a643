package webapp

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/feature/plural"
)

// Both languages have every message, and every message a template or
// handler names exists: a page never shows a message's ID.
func TestCatalogueComplete(t *testing.T) {
	cat := mustLoadCatalogue(messageFiles)
	for _, lang := range []string{"id", "en"} {
		for id := range cat["id"] {
			if cat[lang][id][plural.Other] == "" {
				t.Errorf("%s: %q missing or empty", lang, id)
			}
		}
		for id := range cat[lang] {
			if _, ok := cat["id"][id]; !ok {
				t.Errorf("%s has %q, which Bahasa Indonesia lacks", lang, id)
			}
		}
	}
	named := regexp.MustCompile(`(?:\btn?|word\(c,|errorPage\(c, [^,]+,|render\(c, [^,]+, "[a-z_]+",) "([a-z_]+\.[a-z_.]+)"`)
	used := map[string]bool{}
	_ = fs.WalkDir(templateFiles, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(templateFiles, p)
			for _, m := range named.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = true
			}
		}
		return nil
	})
	for id := range used {
		if _, ok := cat["id"][id]; !ok {
			t.Errorf("templates use %q, which the catalogue lacks", id)
		}
	}
	if len(used) < 10 {
		t.Fatalf("found only %d messages used by the templates: the pattern is wrong", len(used))
	}
}

// A counted phrase agrees with its count: in English one of 1 and
// others of any other count, in Bahasa Indonesia, which does not inflect
// for number, the same words for every count.
func TestCountedPhrases(t *testing.T) {
	cat := mustLoadCatalogue(messageFiles)
	for _, tt := range []struct {
		lang, id string
		n        int64
		args     []any
		want     string
	}{
		{"en", "post.stats.clicks", 1, nil, "order link click"},
		{"en", "post.stats.clicks", 0, nil, "order link clicks"},
		{"en", "post.stats.clicks", 12, nil, "order link clicks"},
		{"en", "post.metric.views", 1, nil, "view"},
		{"en", "post.metric.views", 1530, nil, "views"},
		{"en", "post.metric.reach", 1, nil, "reach"}, // a phrase without plural forms reads the same
		{"en", "import.submit", 1, []any{1}, "Import 1 post"},
		{"en", "import.submit", 21, []any{21}, "Import 21 posts"},
		{"id", "post.stats.clicks", 1, nil, "klik tautan pesan"},
		{"id", "post.stats.clicks", 12, nil, "klik tautan pesan"},
		{"id", "import.submit", 1, []any{1}, "Impor 1 post"},
		{"id", "import.submit", 2, []any{2}, "Impor 2 post"},
	} {
		if got := cat.counted(tt.lang, tt.id, tt.n, tt.args...); got != tt.want {
			t.Errorf("%s: %s of %d = %q, want %q", tt.lang, tt.id, tt.n, got, tt.want)
		}
	}

	// Every form a message is written in is one its language gives some
	// count: an English "few", or an Indonesian "one", would never show.
	for lang, msgs := range cat {
		given := map[plural.Form]bool{}
		for n := int64(0); n <= 1000; n++ {
			given[pluralForm(lang, n)] = true
		}
		for id, msg := range msgs {
			for name, f := range pluralForms {
				if _, ok := msg[f]; ok && !given[f] {
					t.Errorf("%s: %q has the plural form %q, which %s never uses", lang, id, name, lang)
				}
			}
		}
	}

	// What a template counts (tn) has its English forms: "1 rows" is
	// what this test is for.
	tn := regexp.MustCompile(`\btn "([a-z_]+\.[a-z_.]+)"`)
	found := 0
	_ = fs.WalkDir(templateFiles, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(templateFiles, p)
			for _, m := range tn.FindAllStringSubmatch(string(b), -1) {
				found++
				if msg := cat["en"][m[1]]; msg[plural.One] == "" || msg[plural.One] == msg[plural.Other] {
					t.Errorf("%s counts %q, which has no English form for one", p, m[1])
				}
			}
		}
		return nil
	})
	if found == 0 {
		t.Fatal("found no counted phrase in the templates: the pattern is wrong")
	}
}

// The catalogue's files say what is wrong with a message that does not
// read.
func TestParseMessage(t *testing.T) {
	for raw, want := range map[string]string{
		`"views"`:                              "",
		`{"one": "view", "other": "views"}`:    "",
		`{"one": "view"}`:                      `need "other"`,
		`{"single": "view", "other": "views"}`: "not a plural form",
		`3`:                                    "want a string",
	} {
		_, err := parseMessage(json.RawMessage(raw))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: err %v, want %q", raw, err, want)
		}
	}
}

// No template holds words of its own: outside actions and tags, and in
// the attributes people read, there are no letters.
func TestTemplatesHoldNoWords(t *testing.T) {
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	readable := regexp.MustCompile(`(?:placeholder|aria-label|title|alt)="([^"]*)"`)
	tag := regexp.MustCompile(`(?s)<[^>]*>`)
	letters := regexp.MustCompile(`\pL{2,}`)
	files, _ := fs.Glob(templateFiles, "templates/*.html")
	for _, f := range files {
		b, _ := fs.ReadFile(templateFiles, f)
		src := action.ReplaceAllString(string(b), "")
		for _, m := range readable.FindAllStringSubmatch(src, -1) {
			if letters.MatchString(m[1]) {
				t.Errorf("%s: attribute %q holds words; take them from the catalogue", f, m[0])
			}
		}
		text := tag.ReplaceAllString(src, " ")
		w := slices.DeleteFunc(letters.FindAllString(text, -1), func(s string) bool { return s == "Serentak" })
		if len(w) > 0 {
			t.Errorf("%s: words outside the catalogue: %v", f, w)
		}
	}
}

func TestLocaleFormats(t *testing.T) {
	sat := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC) // 09.00 in Jakarta
	for _, tt := range []struct {
		lang, money, when string
	}{
		{"id", "Rp25.000", "Sabtu, 5 Des 2026 09.00 WIB"},
		{"en", "Rp25,000", "Saturday, 5 Dec 2026 09:00 WIB"},
	} {
		l := localeOf(tt.lang)
		if got := l.rupiah(25000); got != tt.money {
			t.Errorf("%s: rupiah(25000) = %q, want %q", tt.lang, got, tt.money)
		}
		if got := l.when(sat, "Asia/Jakarta"); got != tt.when {
			t.Errorf("%s: when = %q, want %q", tt.lang, got, tt.when)
		}
	}
	l := localeOf("id")
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1.000", 1250000: "1.250.000", -5000: "-5.000"} {
		if got := l.number(n); got != want {
			t.Errorf("number(%d) = %q, want %q", n, got, want)
		}
	}
	if got := l.clock(time.Date(2026, 1, 1, 1, 30, 0, 0, time.UTC), "Asia/Makassar"); got != "09.30 WITA" {
		t.Errorf("clock in Makassar = %q, want 09.30 WITA", got)
	}
	if !strings.HasSuffix(l.when(sat, "Nowhere/Atlantis"), "UTC") {
		t.Errorf("an unknown zone is not shown as UTC: %q", l.when(sat, "Nowhere/Atlantis"))
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/w/ws_1?x=1": "/w/ws_1?x=1", "": "/", "https://evil.example/": "/", "//evil.example/": "/",
		"/\\evil.example": "/", "javascript:alert(1)": "/", "/a\r\nSet-Cookie: x": "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
