package compose

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// Test strings for the grapheme rules.
const (
	eAcute    = "e\u0301"                                    // e + combining acute
	family    = "\U0001F468\u200D\U0001F469\u200D\U0001F467" // man ZWJ woman ZWJ girl
	flagID    = "\U0001F1EE\U0001F1E9"                       // 🇮🇩
	flagJP    = "\U0001F1EF\U0001F1F5"                       // 🇯🇵
	thumbsUp  = "\U0001F44D\U0001F3FD"                       // 👍 + medium skin tone
	chili     = "\U0001F336\uFE0F"                           // 🌶️ with emoji presentation
	keycap1   = "1\uFE0F\u20E3"                              // 1️⃣
	scotland  = "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"
	arabic    = "كريبيك الكسافا الحارة، مقرمشة وبدون مواد حافظة."
	harakat   = "بِسْمِ"
	devanagar = "नमस्ते"
)

func TestGraphemeBoundary(t *testing.T) {
	tests := []struct {
		name string
		s    string
		i    int
		want bool
	}{
		{"start", "ab", 0, true},
		{"end", "ab", 2, true},
		{"between ASCII", "ab", 1, true},
		{"inside a rune", "é", 1, false},
		{"before a combining mark", eAcute, 1, false},
		{"after a combining mark", eAcute + "x", len(eAcute), true},
		{"before a ZWJ", family, 4, false},
		{"after a ZWJ", family, 7, false},
		{"after a whole family", family + "a", len(family), true},
		{"before a variation selector", chili, 4, false},
		{"before a skin tone", thumbsUp, 4, false},
		{"inside a flag", flagID, 4, false},
		{"between two flags", flagID + flagJP, 8, true},
		{"inside the second flag", flagID + flagJP, 12, false},
		{"inside a keycap", keycap1, 1, false},
		{"before the keycap mark", keycap1, 4, false},
		{"inside a tag sequence", scotland, 4, false},
		{"CR LF", "a\r\nb", 2, false},
		{"Arabic letters", arabic, 2, true},
		{"before a haraka", harakat, 2, false},
		{"Devanagari vowel sign", devanagar, 3, true}, // न|म
		{"Devanagari virama", devanagar, 9, false},    // नमस|्
		{"Hangul jamo", "\u1100\u1161", 3, false},     // ᄀ|ᅡ
		{"Hangul syllables", "한국", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := graphemeBoundary(tt.s, tt.i); got != tt.want {
				t.Errorf("graphemeBoundary(%+q, %d) = %v, want %v", tt.s, tt.i, got, tt.want)
			}
			if got := refBoundary(tt.s, tt.i); got != tt.want {
				t.Errorf("refBoundary(%+q, %d) = %v, want %v (the test's reference disagrees)", tt.s, tt.i, got, tt.want)
			}
		})
	}
}

// refBoundary is the tests' own reading of the grapheme rules the package
// promises, written over rune slices so it shares no code with
// graphemeBoundary.
func refBoundary(s string, i int) bool {
	if i == 0 || i == len(s) {
		return true
	}
	if i < 0 || i > len(s) || !utf8.ValidString(s[:i]) || !utf8.ValidString(s[i:]) {
		return false
	}
	before, after := []rune(s[:i]), []rune(s[i:])
	last, next := before[len(before)-1], after[0]
	joins := func(r rune) bool {
		return unicode.Is(unicode.M, r) || r == 0x200D ||
			(0xFE00 <= r && r <= 0xFE0F) || (0x1F3FB <= r && r <= 0x1F3FF) || (0xE0020 <= r && r <= 0xE007F)
	}
	ri := func(r rune) bool { return 0x1F1E6 <= r && r <= 0x1F1FF }
	jamo := func(r rune) bool { return 0x1100 <= r && r <= 0x11FF }
	if joins(next) || last == 0x200D || (last == '\r' && next == '\n') || (jamo(last) && jamo(next)) {
		return false
	}
	if ri(last) && ri(next) {
		run := 0
		for k := len(before) - 1; k >= 0 && ri(before[k]); k-- {
			run++
		}
		return run%2 == 0
	}
	return true
}

func TestShorten(t *testing.T) {
	tests := []struct {
		name string
		s    string
		max  int
		m    measure
		want string
	}{
		{"fits", "Renyah dan pedas.", 17, utf16Units, "Renyah dan pedas."},
		{"sentence", "Renyah dan pedas. Tanpa pengawet sama sekali.", 30, utf16Units, "Renyah dan pedas."},
		{"word", "Renyah dan pedas tanpa pengawet", 20, utf16Units, "Renyah dan pedas…"},
		{"comma before the cut", "Renyah, pedas, tanpa pengawet", 16, utf16Units, "Renyah, pedas…"},
		{"short first sentence loses to a word cut", "Enak. Renyah dan pedas tanpa pengawet sama sekali", 40, utf16Units, "Enak. Renyah dan pedas tanpa pengawet…"},
		{"long word", strings.Repeat("a", 300), 10, utf16Units, "aaaaaaaaa…"},
		{"long word after a short one", "Kue " + strings.Repeat("b", 300), 12, utf16Units, "Kue bbbbbbb…"},
		{"combining marks", strings.Repeat(eAcute, 10), 6, utf16Units, strings.Repeat(eAcute, 2) + "…"},
		{"flags", strings.Repeat(flagID, 5), 8, utf16Units, flagID + "…"},
		{"family", strings.Repeat(family, 3), 10, utf16Units, family + "…"},
		{"family too big", family, 7, utf16Units, ""},
		{"bytes", strings.Repeat("é", 10), 9, utf8Bytes, "ééé…"},
		{"emoji counted as two", strings.Repeat(thumbsUp, 5), 9, utf16Units, strings.Repeat(thumbsUp, 2) + "…"},
		{"no room", "abc def", 0, utf16Units, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shorten(tt.s, tt.max, tt.m)
			if got != tt.want {
				t.Errorf("shorten(%+q, %d) = %+q, want %+q", tt.s, tt.max, got, tt.want)
			}
			checkShortened(t, tt.s, got, tt.max, tt.m)
		})
	}
}

// checkShortened checks what shorten promises: a valid result within max
// that is a prefix of s cut on a grapheme boundary, with "…" after any cut
// that is not at the end of a sentence.
func checkShortened(t *testing.T, s, got string, max int, m measure) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Fatalf("shorten(%+q) = %+q: not valid UTF-8", s, got)
	}
	if n := m.count(got); n > max {
		t.Fatalf("shorten(%+q, %d) = %+q: %d over the limit", s, max, got, n)
	}
	if got == s || got == "" {
		return
	}
	prefix := strings.TrimSuffix(got, ellipsis)
	if !strings.HasPrefix(s, prefix) {
		t.Fatalf("shorten(%+q) = %+q: not a prefix of the text", s, got)
	}
	if !refBoundary(s, len(prefix)) {
		t.Fatalf("shorten(%+q) = %+q: cut inside a grapheme", s, got)
	}
}

func TestHashtagsAndMentions(t *testing.T) {
	tests := []struct {
		s        string
		tags     []string
		mentions []string
	}{
		{"Enak! #umkm #Keripik.", []string{"umkm", "Keripik"}, nil},
		{"C# and a#b and &#39;", nil, nil},
		{"#kue_lebaran,#pedas", []string{"kue_lebaran", "pedas"}, nil},
		{"#🌶️ #keripikpedas🔥", []string{"🌶️", "keripikpedas🔥"}, nil},
		{"#camilan\u00A0sehat", []string{"camilan"}, nil},
		{"Tanya @toko.kue atau @budi_s. Email a@b.com", nil, []string{"toko.kue", "budi_s"}},
		{"# alone and @ alone", nil, nil},
		{"(#umkm)", []string{"umkm"}, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.tags, hashtags(tt.s)); diff != "" {
			t.Errorf("hashtags(%q) (-want +got):\n%s", tt.s, diff)
		}
		if diff := cmp.Diff(tt.mentions, mentions(tt.s)); diff != "" {
			t.Errorf("mentions(%q) (-want +got):\n%s", tt.s, diff)
		}
	}
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		s           string
		utf16, utf8 int
	}{
		{"abc", 3, 3},
		{"é", 1, 2},
		{eAcute, 2, 3},
		{"Rp25.000 – ok", 13, 15},
		{thumbsUp, 4, 8},
		{flagID, 4, 8},
		{family, 8, 18},
		{"\xff", 1, 1},
	}
	for _, tt := range tests {
		if got := utf16Units.count(tt.s); got != tt.utf16 {
			t.Errorf("utf16Units.count(%+q) = %d, want %d", tt.s, got, tt.utf16)
		}
		if got := utf8Bytes.count(tt.s); got != tt.utf8 {
			t.Errorf("utf8Bytes.count(%+q) = %d, want %d", tt.s, got, tt.utf8)
		}
	}
}
