package api

import (
	"maps"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/serentak/serentak"
)

// Every language has every message, and every message the page names
// exists: the page never shows an empty string in one language.
func TestApprovalCatalogue(t *testing.T) {
	id := slices.Sorted(maps.Keys(approvalMessages["id"]))
	en := slices.Sorted(maps.Keys(approvalMessages["en"]))
	if !slices.Equal(id, en) {
		t.Errorf("messages differ: id %v, en %v", id, en)
	}
	// Both languages take the same arguments for a message, so a caller
	// right for one is right for the other.
	verbs := regexp.MustCompile(`%(\[\d+\])?[-+# 0-9.]*[a-zA-Z]`)
	for _, k := range id {
		a := verbs.FindAllString(approvalMessages["id"][k], -1)
		b := verbs.FindAllString(approvalMessages["en"][k], -1)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("message %q takes %v in id, %v in en", k, a, b)
		}
	}
	page, err := pageFiles.ReadFile("pages/approval.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\{\{t "([a-z_]+)"`).FindAllStringSubmatch(string(page), -1) {
		if _, ok := approvalMessages["id"][m[1]]; !ok {
			t.Errorf("the page names message %q, which the catalogue lacks", m[1])
		}
	}
	// The page's words come from the catalogue: between tags there is
	// nothing but template actions and white space (the <style> and
	// <title> aside).
	body := regexp.MustCompile(`(?s)<style>.*</style>|\{\{[^}]*\}\}|<[^>]*>`).ReplaceAllString(string(page), "")
	if words := regexp.MustCompile(`[A-Za-z]{2,}`).FindAllString(body, -1); len(words) > 0 {
		t.Errorf("the page has words of its own: %v", words)
	}
}

// The page writes times as the merchant reads a calendar, in the
// workspace's zone and language.
func TestApprovalPageTime(t *testing.T) {
	at := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		zone, lang, want string
	}{
		{"Asia/Jakarta", "id", "Sabtu, 5 Des 2026 09.00 WIB"},
		{"Asia/Makassar", "id", "Sabtu, 5 Des 2026 10.00 WITA"},
		{"Asia/Jayapura", "en", "Saturday, 5 Dec 2026 11:00 WIT"},
		{"Asia/Jakarta", "jv", "Sabtu, 5 Des 2026 09.00 WIB"}, // a language we lack: Bahasa Indonesia
	} {
		if got := localTime(serentak.Workspace{Timezone: c.zone, Language: c.lang}, at); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.zone, c.lang, got, c.want)
		}
	}
}
