package serentak

import (
	"strconv"
	"strings"
)

// Languages are the languages Serentak speaks to people (pages, emails,
// the web app), Bahasa Indonesia first.
var Languages = []string{"id", "en"}

// PreferredLanguage is the first of Bahasa Indonesia and English that an
// Accept-Language header asks for, by its q-values; DefaultLanguage when
// it asks for neither (or is empty).
func PreferredLanguage(acceptLanguage string) string {
	return PreferredLanguageOr(acceptLanguage, DefaultLanguage)
}

// PreferredLanguageOr is PreferredLanguage with fallback for a header
// that asks for neither language (or is empty): the API answers English
// to a client that asks for no language, as APIs do.
func PreferredLanguageOr(acceptLanguage, fallback string) string {
	best, bestQ := fallback, 0.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		lang := ""
		switch primary {
		case "id", "in": // "in": Indonesian's withdrawn code, still sent by old Android
			lang = "id"
		case "en":
			lang = "en"
		}
		if lang != "" && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}
