package config

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var settingName = regexp.MustCompile(`SERENTAK_[A-Z0-9_]+`)

// names returns the SERENTAK_ settings named in a file.
func names(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range settingName.FindAllString(string(b), -1) {
		out[n] = true
	}
	return out
}

// TestExampleConfigIsComplete keeps configs/serentak.example.env, the README
// and the code in step: every setting the code reads is documented in both,
// and neither documents a setting the code does not read.
func TestExampleConfigIsComplete(t *testing.T) {
	code := names(t, "config.go")
	// Per-platform OAuth settings are built from a pattern in code.
	for _, p := range []string{"FACEBOOK", "INSTAGRAM", "YOUTUBE", "TIKTOK"} {
		for _, s := range []string{"CLIENT_ID", "CLIENT_SECRET", "AUTH_URL", "TOKEN_URL"} {
			code["SERENTAK_"+p+"_"+s] = true
		}
	}
	delete(code, "SERENTAK_")
	delete(code, "SERENTAK_CONFIG") // names the file itself
	example := names(t, "../configs/serentak.example.env")
	readme := names(t, "../README.md")
	var missing []string
	for n := range code {
		if !example[n] {
			missing = append(missing, n+" (example env)")
		}
		if !readme[n] && !strings.Contains(n, "_CLIENT_") && !strings.HasSuffix(n, "_AUTH_URL") && !strings.HasSuffix(n, "_TOKEN_URL") {
			missing = append(missing, n+" (README)")
		}
	}
	for n := range example {
		if !code[n] && n != "SERENTAK_CONFIG" {
			missing = append(missing, n+" documented but not read by the code")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("settings out of step:\n  %s", strings.Join(missing, "\n  "))
	}
}
