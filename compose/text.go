package compose

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// measure is how a platform counts the length of a text field. The
// platforms disagree, and a text that fits one count may not fit another.
type measure int

const (
	// utf16Units counts UTF-16 code units, as JavaScript's String.length
	// and Java's String.length() do: one for most characters, two for an
	// emoji or any other character outside the Basic Multilingual Plane.
	// It is never smaller than the rune count, so when a platform only says
	// "characters" we count this way: a text we accept fits either reading.
	utf16Units measure = iota
	// utf8Bytes counts UTF-8 bytes: one for ASCII, two for é, three for
	// most Indonesian-irrelevant scripts, four for emoji.
	utf8Bytes
)

// count returns the length of s as m counts it. Every measure is additive
// (count(a+b) == count(a)+count(b)), which the fitting relies on.
func (m measure) count(s string) int {
	if m == utf8Bytes {
		return len(s)
	}
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

// runeUnits is the number of UTF-16 units of r; 1 for the replacement
// character that stands for an invalid byte.
func runeUnits(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1
}

// unit names what count counts, for messages: "characters" or "bytes".
func (m measure) unit() string {
	if m == utf8Bytes {
		return "bytes"
	}
	return "characters"
}

// how explains the count to a person, for error messages.
func (m measure) how() string {
	if m == utf8Bytes {
		return "counted in UTF-8 bytes: an accented letter takes 2, an emoji 4"
	}
	return "counted in UTF-16 units: an emoji takes 2"
}

const ellipsis = "…"

// graphemeBoundary reports whether s may be cut at byte offset i, so that
// s[:i] and s[i:] each keep whole user-perceived characters. It is a small,
// conservative version of Unicode's extended grapheme cluster rules (UAX
// #29): it never allows a cut the real rules forbid for the text Serentak
// sees (letters with combining marks, emoji with skin tones, ZWJ sequences,
// keycaps, flags, tag sequences), and may forbid a few cuts the real rules
// allow, which only makes a shortened text a character shorter.
// Not covered: Indic conjuncts across a virama (GB9c) and prepended
// concatenation marks (GB9b); a cut there leaves readable, valid text.
func graphemeBoundary(s string, i int) bool {
	if i <= 0 || i >= len(s) {
		return true
	}
	if !utf8.RuneStart(s[i]) {
		return false // inside a rune's bytes
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	next, _ := utf8.DecodeRuneInString(s[i:])
	riRun := 0
	if isRegionalIndicator(prev) && isRegionalIndicator(next) {
		for j := i; j > 0; {
			r, size := utf8.DecodeLastRuneInString(s[:j])
			if !isRegionalIndicator(r) {
				break
			}
			riRun++
			j -= size
		}
	}
	return breakBetween(prev, next, riRun)
}

// breakBetween reports whether a text may be cut between the runes prev and
// next; riRun is the number of regional indicators in a row that end with
// prev (a caller scanning forward counts them as it goes).
func breakBetween(prev, next rune, riRun int) bool {
	switch {
	case prev == '\r' && next == '\n':
		return false
	case extendsPrevious(next):
		return false
	case prev == zwj:
		return false // a ZWJ joins what follows to what precedes
	case isHangulJamo(prev) && isHangulJamo(next):
		return false
	case isRegionalIndicator(prev) && isRegionalIndicator(next):
		// Flags are pairs of regional indicators: cut only between pairs.
		return riRun%2 == 0
	}
	return true
}

const zwj = '\u200D'

// extendsPrevious reports whether r belongs to the character before it: a
// combining mark, a joiner, a variation selector, a skin-tone modifier or
// an emoji tag.
func extendsPrevious(r rune) bool {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc):
		return true
	case r == zwj:
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF: // emoji modifiers (skin tones)
		return true
	case r >= 0xE0020 && r <= 0xE007F: // tags, as in the flag of Scotland
		return true
	}
	return false
}

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

func isHangulJamo(r rune) bool {
	return (r >= 0x1100 && r <= 0x11FF) || (r >= 0xA960 && r <= 0xA97F) || (r >= 0xD7B0 && r <= 0xD7FF)
}

// isSentenceEnd reports whether r ends a sentence when followed by a space.
func isSentenceEnd(r rune) bool {
	switch r {
	case '.', '!', '?', '…', '。', '！', '？', '؟', '۔':
		return true
	}
	return false
}

// shorten returns s cut to at most max as m counts, at the best boundary it
// finds: after a sentence (no ellipsis needed), else before a word, else
// between two graphemes, the last two followed by "…". It prefers a
// sentence or word cut only when it keeps at least half of the room, so a
// long first sentence or a 300-letter word does not empty the text. The
// result may be "" when max leaves no room for a grapheme and the ellipsis.
func shorten(s string, max int, m measure) string {
	if m.count(s) <= max {
		return s
	}
	room := max - m.count(ellipsis) // room for the text before an ellipsis
	sentence, word, grapheme := -1, -1, -1
	used := 0  // m.count(s[:i])
	riRun := 0 // regional indicators in a row ending with prev
	var prev rune
	for i, r := range s {
		if used > max {
			break
		}
		width := runeUnits(r)
		if m == utf8Bytes {
			_, width = utf8.DecodeRuneInString(s[i:])
		}
		if i > 0 && breakBetween(prev, r, riRun) {
			if unicode.IsSpace(r) && isSentenceEnd(prev) {
				sentence = i
			}
			if used <= room {
				if unicode.IsSpace(r) {
					word = i
				}
				grapheme = i
			}
		}
		used += width
		if isRegionalIndicator(r) {
			riRun++
		} else {
			riRun = 0
		}
		prev = r
	}
	if sentence > 0 && 2*m.count(s[:sentence]) >= max {
		return s[:sentence]
	}
	if word > 0 && 2*m.count(s[:word]) >= room {
		if cut := trimCut(s, word); cut > 0 {
			return s[:cut] + ellipsis
		}
	}
	if grapheme > 0 {
		if cut := trimCut(s, grapheme); cut > 0 {
			return s[:cut] + ellipsis
		}
	}
	return ""
}

// trimCut moves a cut at i back over trailing spaces and the punctuation
// that reads badly before "…" (a comma, a dash), staying on a grapheme
// boundary. It returns 0 when nothing is left.
func trimCut(s string, i int) int {
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsSpace(r) && !strings.ContainsRune(",;:-–—(", r) {
			break
		}
		if !graphemeBoundary(s, i-size) {
			break
		}
		i -= size
	}
	return i
}

// isTagRune reports whether r can be part of a hashtag or a mention: not a
// space, not punctuation other than '_', not a control character. Emoji
// (symbols) are allowed: Instagram and TikTok link emoji hashtags.
func isTagRune(r rune) bool {
	if r == '_' {
		return true
	}
	return !unicode.IsSpace(r) && !unicode.IsPunct(r) && !unicode.IsControl(r) &&
		r != '#' && r != '@' && r != utf8.RuneError && !strings.ContainsRune("$+<=>^`|~", r)
}

// hashtags returns the hashtags in s, without '#', in order. A '#' counts
// when it starts the text or follows a character that cannot be part of a
// word, so "C#" and "a#b" are not hashtags and "&#39;" is not either.
func hashtags(s string) []string {
	return tagsAfter(s, '#')
}

// mentions returns the @mentions in s, without '@'. An '@' inside a word,
// as in an e-mail address, is not a mention. (Whether Instagram counts
// e-mail addresses toward its 20 @ tags is not documented.)
func mentions(s string) []string {
	return tagsAfter(s, '@')
}

func tagsAfter(s string, sigil rune) []string {
	var out []string
	var prev rune = ' '
	for i, r := range s {
		if r == sigil && !isWordRune(prev) {
			j := i + utf8.RuneLen(r)
			end := j
			for k, q := range s[j:] {
				// Instagram usernames may hold a '.', as in @toko.kue;
				// a '.' that ends the sentence is not part of the name.
				dotInName := sigil == '@' && q == '.' && k > 0 && followedByTagRune(s[j+k+1:])
				if !isTagRune(q) && !dotInName {
					break
				}
				end = j + k + utf8.RuneLen(q)
			}
			if end > j {
				out = append(out, s[j:end])
			}
		}
		prev = r
	}
	return out
}

func followedByTagRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && isTagRune(r)
}

// isWordRune: a letter, digit, mark, '_' or '&' (HTML entity) directly
// before a sigil keeps it from starting a tag.
func isWordRune(r rune) bool {
	return r == '_' || r == '&' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// hasFold reports whether tag is in tags, ignoring case.
func hasFold(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}
