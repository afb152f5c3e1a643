package serentak

import "strings"

// A workspace's handle names its link-in-bio page, {public URL}/b/{handle}
// (issue 22): what a merchant pastes into the Instagram and TikTok
// profile, so it is short, lower-case and safe in any URL.
const (
	MinHandleLen = 3
	MaxHandleLen = 30
)

// reservedHandles are names a merchant could mistake for the site's own
// pages, or that would read as the site speaking.
var reservedHandles = map[string]bool{
	"admin": true, "api": true, "app": true, "assets": true, "bio": true, "blog": true, "docs": true,
	"help": true, "login": true, "logout": true, "media": true, "official": true, "public": true,
	"root": true, "serentak": true, "settings": true, "signin": true, "signup": true, "static": true,
	"status": true, "support": true, "system": true, "www": true, "null": true, "undefined": true,
}

// HandleProblem says what is wrong with a handle: "" when it is one;
// "length", "characters" (only a–z, 0–9 and inner single hyphens), or
// "reserved". The API turns it into a field error.
func HandleProblem(h string) string {
	if len(h) < MinHandleLen || len(h) > MaxHandleLen {
		return "length"
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(h)-1 && h[i-1] != '-':
		default:
			return "characters"
		}
	}
	if reservedHandles[h] {
		return "reserved"
	}
	return ""
}

// SuggestHandle proposes a handle from a workspace's name ("Toko Sari" →
// "toko-sari", "Kué Bu Ani & Anak" → "kue-bu-ani-anak"), or "" when the
// name gives none that HandleProblem accepts. It is only a proposal the
// settings page shows: a handle is public, so the merchant chooses it.
func SuggestHandle(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if plain, ok := unaccented[r]; ok {
			r = plain
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
	}
	h := b.String()
	if len(h) > MaxHandleLen {
		// Cut at the last whole word that fits.
		h = h[:MaxHandleLen+1]
		if i := strings.LastIndexByte(h, '-'); i >= MinHandleLen {
			h = h[:i]
		} else {
			h = h[:MaxHandleLen]
		}
	}
	if HandleProblem(h) != "" {
		return ""
	}
	return h
}

// unaccented are the accented letters of names written in Latin script
// (loan words, Dutch-era spellings), without their accent.
var unaccented = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a', 'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i', 'ò': 'o', 'ó': 'o', 'ô': 'o', 'õ': 'o', 'ö': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ñ': 'n', 'ç': 'c', 'ý': 'y', 'ÿ': 'y',
}

// BioClick is what one click on a link-in-bio page's order button is
// counted under (table bio_clicks): the product's post, the platform the
// visitor came from ("instagram", "tiktok", "facebook", "youtube", or
// BioSourceOther), and the day in the workspace's time zone (YYYY-MM-DD).
type BioClick struct {
	WorkspaceID, PostID, Source, Day string
}

// BioSourceOther is the source of a visitor whose platform is not known.
const BioSourceOther = "other"
