package api

import (
	"maps"
	"regexp"
	"slices"
	"testing"
)

// Every language has every message, and every message the page names
// exists: the page never shows an empty string in one language.
func TestApprovalCatalogue(t *testing.T) {
	id := slices.Sorted(maps.Keys(approvalMessages["id"]))
	en := slices.Sorted(maps.Keys(approvalMessages["en"]))
	if !slices.Equal(id, en) {
		t.Errorf("messages differ: id %v, en %v", id, en)
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
