// Package docs holds Serentak's documentation. Its test keeps the
// repository standing alone: every Markdown link resolves inside it, and
// no document or Go comment points at notes that live outside it.
package docs

import (
	"bufio"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository's root, one directory up from this package.
const repoRoot = ".."

// outsideRefs are references to notes kept outside the repository, which a
// reader of the repository cannot follow. They are assembled from parts so
// that this file does not match them itself.
var outsideRefs = []*regexp.Regexp{
	regexp.MustCompile(`\.\./` + `shared`),
	regexp.MustCompile(`\bshared/(API|STYLE|FACTS|platforms)` + `\.md`),
	regexp.MustCompile(`(^|[^/\w])platforms` + `\.md`),
	regexp.MustCompile(`\bSTYLE` + `\.md`),
	regexp.MustCompile(`(^|[^/\w])API` + `\.md`),
}

// docRef is a repository document named in a Go comment, with an optional
// section: docs/platforms/tiktok.md#errors.
var docRef = regexp.MustCompile(`\b((?:docs/[\w./-]+|[A-Z]+)\.md)(#[\w-]+)?`)

func TestMarkdownLinksStayInsideTheRepository(t *testing.T) {
	files := repoFiles(t, ".md")
	if len(files) < 5 {
		t.Fatalf("found only %d Markdown files under %s; is the walk broken?", len(files), repoRoot)
	}
	anchors := map[string]map[string]bool{} // by file, its heading anchors
	for _, f := range files {
		for _, link := range markdownLinks(t, f) {
			if msg := checkLink(f, link, anchors); msg != "" {
				t.Errorf("%s: link %q: %s", rel(f), link, msg)
			}
		}
	}
}

func TestNoReferenceLeavesTheRepository(t *testing.T) {
	for _, f := range append(repoFiles(t, ".md"), repoFiles(t, ".go")...) {
		if filepath.Base(f) == "docs_test.go" {
			continue
		}
		forEachLine(t, f, func(n int, line string) {
			if strings.HasSuffix(f, ".go") && !strings.Contains(line, "//") {
				return // only comments name documents
			}
			for _, re := range outsideRefs {
				if re.MatchString(line) {
					t.Errorf("%s:%d refers to a document outside the repository (%s): %s\n\tpoint to docs/ or to the platform's own documentation instead",
						rel(f), n, re, strings.TrimSpace(line))
				}
			}
		})
	}
}

func TestGoCommentsCiteDocumentsThatExist(t *testing.T) {
	anchors := map[string]map[string]bool{}
	for _, f := range repoFiles(t, ".go") {
		forEachLine(t, f, func(n int, line string) {
			_, comment, ok := strings.Cut(line, "//")
			if !ok {
				return
			}
			for _, m := range docRef.FindAllStringSubmatch(comment, -1) {
				target := filepath.Join(repoRoot, filepath.FromSlash(m[1]))
				if msg := checkTarget(target, strings.TrimPrefix(m[2], "#"), anchors); msg != "" {
					t.Errorf("%s:%d cites %s%s: %s", rel(f), n, m[1], m[2], msg)
				}
			}
		})
	}
}

// TestCheckLink proves the checker catches what it is for, so that a
// broken walker or parser cannot pass the tests above by finding nothing.
func TestCheckLink(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "a.md")
	if err := os.WriteFile(doc, []byte("# Title\n\n## Known differences\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	from := filepath.Join(dir, "b.md")
	cases := []struct {
		link string
		ok   bool
	}{
		{"a.md", true},
		{"a.md#known-differences", true},
		{"a.md#nowhere", false},
		{"missing.md", false},
		{"../../" + "shared/API.md", false},
		{"https://developers.tiktok.com/doc/content-posting-api-reference-direct-post", true},
		{"mailto:x@example.com", true},
	}
	for _, c := range cases {
		msg := checkLink(from, c.link, map[string]map[string]bool{})
		if (msg == "") != c.ok {
			t.Errorf("checkLink(%q) = %q; want ok=%v", c.link, msg, c.ok)
		}
	}
	if got := markdownLinksOf("See [x](a.md) and `[y](not-a-link.md)`.\n```\n[z](fenced.md)\n```\n[r]: ref.md\n"); strings.Join(got, ",") != "a.md,ref.md" {
		t.Errorf("markdownLinksOf found %q; want a.md and ref.md only (code is not Markdown)", got)
	}
	if got := anchor("The `go` line: Go 1.26, or newer?"); got != "the-go-line-go-126-or-newer" {
		t.Errorf("anchor = %q", got)
	}
}

// checkLink returns what is wrong with link in file from, or "".
func checkLink(from, link string, anchors map[string]map[string]bool) string {
	for _, re := range outsideRefs[:2] {
		if re.MatchString(link) {
			return "points outside the repository"
		}
	}
	u, err := url.Parse(link)
	if err != nil {
		return "not a URL: " + err.Error()
	}
	if u.Scheme != "" || u.Host != "" {
		return "" // an address on the web: not ours to check offline
	}
	target := from
	if u.Path != "" {
		if path.IsAbs(u.Path) {
			return "absolute path; use a path relative to the file"
		}
		target = filepath.Join(filepath.Dir(from), filepath.FromSlash(u.Path))
	}
	root, _ := filepath.Abs(filepath.Dir(from))
	for ; ; root = filepath.Dir(root) { // the repository root contains go.mod
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil || root == filepath.Dir(root) {
			break
		}
	}
	abs, _ := filepath.Abs(target)
	if r, err := filepath.Rel(root, abs); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "points outside the repository"
	}
	return checkTarget(target, u.Fragment, anchors)
}

// checkTarget reports a missing file, or a missing heading in a Markdown
// file when fragment names one.
func checkTarget(target, fragment string, anchors map[string]map[string]bool) string {
	if _, err := os.Stat(target); err != nil {
		return "no such file in the repository"
	}
	if fragment == "" || !strings.HasSuffix(target, ".md") {
		return ""
	}
	a, ok := anchors[target]
	if !ok {
		a = headingAnchors(target)
		anchors[target] = a
	}
	if !a[fragment] {
		return fmt.Sprintf("%s has no heading #%s", filepath.Base(target), fragment)
	}
	return ""
}

var (
	inlineLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	refLink    = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*(\S+)`)
	codeSpan   = regexp.MustCompile("`+[^`]*`+")
)

func markdownLinks(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return markdownLinksOf(string(b))
}

// markdownLinksOf returns the targets of inline and reference links,
// leaving out fenced code blocks and code spans.
func markdownLinksOf(text string) []string {
	var links []string
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		line = codeSpan.ReplaceAllString(line, "")
		if m := refLink.FindStringSubmatch(line); m != nil {
			links = append(links, strings.Trim(m[1], "<>"))
			continue
		}
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			links = append(links, strings.Trim(m[1], "<>"))
		}
	}
	return links
}

// headingAnchors returns the anchors GitHub gives a file's headings.
func headingAnchors(file string) map[string]bool {
	out := map[string]bool{}
	b, err := os.ReadFile(file)
	if err != nil {
		return out
	}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		a := anchor(strings.TrimLeft(line, "#"))
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// anchor is GitHub's slug of a heading: lower case, spaces to hyphens,
// punctuation dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// repoFiles lists the repository's files with the suffix, leaving out
// hidden directories, test data and what serve writes (data/).
func repoFiles(t *testing.T, suffix string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != repoRoot && (strings.HasPrefix(name, ".") || name == "testdata" || name == "data" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, suffix) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func forEachLine(t *testing.T, file string, fn func(n int, line string)) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for n := 1; s.Scan(); n++ {
		fn(n, s.Text())
	}
	if err := s.Err(); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func rel(p string) string {
	r, err := filepath.Rel(repoRoot, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}
