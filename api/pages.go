package api

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// The pages a person opens from a link, without an account (approval,
// invite, password reset), and the emails that carry the links: Go's
// html/template, one file per page, every word from a catalogue.

//go:embed pages/*.html
var pageFiles embed.FS

// catalogue holds a page's messages by language, then message ID: the
// templates hold no words of their own. Bahasa Indonesia first.
type catalogue map[string]map[string]string

// text is one entry in lang (Bahasa Indonesia when lang is not one we
// have), formatted with args.
func (c catalogue) text(lang, id string, args ...any) string {
	m, ok := c[lang]
	if !ok {
		m = c[serentak.DefaultLanguage]
	}
	if len(args) == 0 {
		return m[id]
	}
	return fmt.Sprintf(m[id], args...)
}

// parsePages parses a page once per language of cat, with that
// language's catalogue as its "t" function.
func parsePages(file string, cat catalogue) map[string]*template.Template {
	out := map[string]*template.Template{}
	for lang := range cat {
		name := file[strings.LastIndex(file, "/")+1:]
		out[lang] = template.Must(template.New(name).Funcs(template.FuncMap{
			"t": func(id string, args ...any) string { return cat.text(lang, id, args...) },
		}).ParseFS(pageFiles, file))
	}
	return out
}

// pagePolicy is what a page allows the browser: its Content-Security-Policy
// and Referrer-Policy.
type pagePolicy struct{ CSP, Referrer string }

// writePage renders tpl with data and writes it with headers that keep
// it to itself: the policy, not cached, not indexed, not sniffed.
func writePage(c echo.Context, status int, tpl *template.Template, data any, p pagePolicy) error {
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, data); err != nil {
		return fmt.Errorf("render the page %s: %w", tpl.Name(), err)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", p.CSP)
	h.Set("Referrer-Policy", p.Referrer)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.HTMLBlob(status, buf.Bytes())
}

// pageLanguage is the language a person's page is shown in: ?lang=id or
// ?lang=en (the emailed links carry it), else the first of Indonesian
// and English in the browser's Accept-Language, else Bahasa Indonesia.
func pageLanguage(c echo.Context) string {
	switch q := c.QueryParam("lang"); q {
	case "id", "en":
		return q
	}
	return serentak.PreferredLanguage(c.Request().Header.Get("Accept-Language"))
}

// apiLanguage is the language of an answer's words that are not the
// merchant's own (warnings): the first of Bahasa Indonesia and English in
// the request's Accept-Language, else English. An API client that asks
// for no language gets English, as APIs answer; the web app passes on the
// person's Accept-Language, so its pages get Bahasa Indonesia. The
// workspace's language is not used: it is the language of the published
// posts, not of whoever reads the API.
func apiLanguage(c echo.Context) string {
	return serentak.PreferredLanguageOr(c.Request().Header.Get("Accept-Language"), "en")
}
