package webapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/feature/plural"
	xlanguage "golang.org/x/text/language"

	"github.com/serentak/serentak"
)

// catalogue is every message of the web app by language, then ID
// (messages/id/*.json, messages/en/*.json): templates and handlers hold no
// words of their own.
//
// A counted phrase ("1 view", "2 views") is written as its plural forms,
// named by CLDR's categories: {"one": "view", "other": "views"} in
// English. A language that does not inflect for number, as Bahasa
// Indonesia, writes it as a plain string, its only form ("other"). The
// form a count takes is CLDR's rule for the language (pluralForm), so a
// language added later brings its own forms and no code changes.
type catalogue map[string]map[string]message

// message is one message in one language, by plural form: a message
// that is not counted has only plural.Other.
type message map[plural.Form]string

func mustLoadCatalogue(fsys fs.FS) catalogue {
	cat := catalogue{}
	for _, lang := range serentak.Languages {
		// One file per page or group of pages (messages/<lang>/*.json),
		// so pages are added without touching each other's messages.
		files, err := fs.Glob(fsys, path.Join("messages", lang, "*.json"))
		if err != nil || len(files) == 0 {
			panic(fmt.Sprintf("webapp: no %s catalogue (%v)", lang, err))
		}
		m := map[string]message{}
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				panic(fmt.Sprintf("webapp: %s: %v", f, err))
			}
			part := map[string]json.RawMessage{}
			if err := json.Unmarshal(b, &part); err != nil {
				panic(fmt.Sprintf("webapp: %s: %v", f, err))
			}
			for id, raw := range part {
				if _, dup := m[id]; dup {
					panic(fmt.Sprintf("webapp: %s: message %q is defined twice", f, id))
				}
				msg, err := parseMessage(raw)
				if err != nil {
					panic(fmt.Sprintf("webapp: %s: message %q: %v", f, id, err))
				}
				m[id] = msg
			}
		}
		cat[lang] = m
	}
	return cat
}

// pluralForms are CLDR's plural categories by the names the catalogue
// writes them with.
var pluralForms = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other,
}

// parseMessage reads a message: a string, or a counted phrase's plural
// forms.
func parseMessage(raw json.RawMessage) (message, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return message{plural.Other: s}, nil
	}
	var forms map[string]string
	if err := json.Unmarshal(raw, &forms); err != nil {
		return nil, errors.New(`want a string, or plural forms such as {"one": "…", "other": "…"}`)
	}
	msg := message{}
	for name, s := range forms {
		f, ok := pluralForms[name]
		if !ok {
			return nil, fmt.Errorf("%q is not a plural form: use zero, one, two, few, many or other", name)
		}
		msg[f] = s
	}
	if msg[plural.Other] == "" {
		return nil, errors.New(`plural forms need "other", the form of any count no other form is for`)
	}
	return msg, nil
}

// text is message id in lang, formatted with args. A missing message
// shows its ID (the catalogue test fails on any).
func (c catalogue) text(lang, id string, args ...any) string {
	return c.format(lang, id, plural.Other, args)
}

// counted is message id in lang in the plural form the language gives
// the count n ("1 view", "2 views"), formatted with args: n is among
// them only if given, since a page may show the number apart (in bold,
// with thousands separators).
func (c catalogue) counted(lang, id string, n int64, args ...any) string {
	return c.format(lang, id, pluralForm(lang, n), args)
}

func (c catalogue) format(lang, id string, form plural.Form, args []any) string {
	msg, ok := c[lang][id]
	if !ok {
		return id
	}
	s, ok := msg[form]
	if !ok {
		s = msg[plural.Other] // a message that is not counted, or a language without this form
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// pluralForm is the plural form lang gives a count of n, by CLDR's
// rules: in English One for 1 and Other for any other count; in Bahasa
// Indonesia always Other.
func pluralForm(lang string, n int64) plural.Form {
	if n < 0 {
		n = -n
	}
	return plural.Cardinal.MatchPlural(xlanguage.Make(lang), int(n), 0, 0, 0, 0)
}

// count is n, a count of any integer type (a template's len, a page's
// int or int64), as an int64.
func count(n any) (int64, error) {
	switch v := reflect.ValueOf(n); {
	case v.CanInt():
		return v.Int(), nil
	case v.CanUint():
		return int64(v.Uint()), nil
	}
	return 0, fmt.Errorf("%v (%T) is not a count", n, n)
}

// language is the language of c's pages: the person's choice (the
// language cookie, set by the switcher), else their browser's, else
// Bahasa Indonesia.
func language(c echo.Context) string {
	if ck, err := c.Cookie(langCookie); err == nil {
		for _, l := range serentak.Languages {
			if ck.Value == l {
				return l
			}
		}
	}
	return serentak.PreferredLanguage(c.Request().Header.Get("Accept-Language"))
}

// locale formats numbers, money and times the way a language writes
// them: Rp25.000 and "Sabtu, 5 Des 2026 09.00 WIB" in Bahasa Indonesia,
// Rp25,000 and "Saturday, 5 Dec 2026 09:00 WIB" in English.
type locale struct {
	lang            string
	thousands, time string // separators
	days, months    []string
}

var locales = map[string]locale{
	"id": {lang: "id", thousands: ".", time: ".",
		days:   []string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"},
		months: []string{"Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"}},
	"en": {lang: "en", thousands: ",", time: ":",
		days:   []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}},
}

func localeOf(lang string) locale {
	if l, ok := locales[lang]; ok {
		return l
	}
	return locales[serentak.DefaultLanguage]
}

// number writes n with the locale's thousands separator.
func (l locale) number(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(l.thousands)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rupiah is an amount of whole rupiah: Rp25.000.
func (l locale) rupiah(n int64) string { return "Rp" + l.number(n) }

// when is t in zone tz with its day, date, time and zone: "Sabtu, 5 Des
// 2026 09.00 WIB". An unknown zone is shown as UTC.
func (l locale) when(t time.Time, tz string) string {
	t = inZone(t, tz)
	return fmt.Sprintf("%s, %s %s", l.days[t.Weekday()], l.date(t, ""), l.clock(t, ""))
}

// date is t's day, short month and year in zone tz ("" keeps t's zone):
// 5 Des 2026.
func (l locale) date(t time.Time, tz string) string {
	if tz != "" {
		t = inZone(t, tz)
	}
	return fmt.Sprintf("%d %s %d", t.Day(), l.months[t.Month()-1], t.Year())
}

// clock is t's time of day and zone in zone tz ("" keeps t's zone):
// 09.00 WIB.
func (l locale) clock(t time.Time, tz string) string {
	if tz != "" {
		t = inZone(t, tz)
	}
	return fmt.Sprintf("%02d%s%02d %s", t.Hour(), l.time, t.Minute(), t.Format("MST"))
}

func inZone(t time.Time, tz string) time.Time {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || tz == "Local" {
		loc = time.UTC
	}
	return t.In(loc)
}
