package webapp

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Both languages have every message, and every message a template or
// handler names exists: a page never shows a message's ID.
func TestCatalogueComplete(t *testing.T) {
	cat := mustLoadCatalogue(messageFiles)
	for _, lang := range []string{"id", "en"} {
		for id := range cat["id"] {
			if cat[lang][id] == "" {
				t.Errorf("%s: %q missing or empty", lang, id)
			}
		}
		for id := range cat[lang] {
			if _, ok := cat["id"][id]; !ok {
				t.Errorf("%s has %q, which Bahasa Indonesia lacks", lang, id)
			}
		}
	}
	named := regexp.MustCompile(`(?:\bt|word\(c,|errorPage\(c, [^,]+,|render\(c, [^,]+, "[a-z_]+",) "([a-z_]+\.[a-z_.]+)"`)
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
