package webapp

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// catalogue is every message of the web app by language, then ID
// (messages/id/*.json, messages/en/*.json): templates and handlers hold no
// words of their own.
type catalogue map[string]map[string]string

func mustLoadCatalogue(fsys fs.FS) catalogue {
	cat := catalogue{}
	for _, lang := range serentak.Languages {
		// One file per page or group of pages (messages/<lang>/*.json),
		// so pages are added without touching each other's messages.
		files, err := fs.Glob(fsys, path.Join("messages", lang, "*.json"))
		if err != nil || len(files) == 0 {
			panic(fmt.Sprintf("webapp: no %s catalogue (%v)", lang, err))
		}
		m := map[string]string{}
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				panic(fmt.Sprintf("webapp: %s: %v", f, err))
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				panic(fmt.Sprintf("webapp: %s: %v", f, err))
			}
			for id, s := range part {
				if _, dup := m[id]; dup {
					panic(fmt.Sprintf("webapp: %s: message %q is defined twice", f, id))
				}
				m[id] = s
			}
		}
		cat[lang] = m
	}
	return cat
}

// text is message id in lang, formatted with args. A missing message
// shows its ID (the catalogue test fails on any).
func (c catalogue) text(lang, id string, args ...any) string {
	s, ok := c[lang][id]
	if !ok {
		return id
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
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
