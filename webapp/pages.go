package webapp

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// pages holds every page's template, parsed once per language with that
// language's words and formats as its functions.
type pages struct {
	cat    catalogue
	byName map[string]map[string]*template.Template // page, then language
}

// A page is templates/<name>.html, which defines "content" (and may
// define "head" for page-specific tags); templates/layout.html is the
// frame around it and templates/_*.html are pieces any page may use.
func mustParsePages(fsys fs.FS, cat catalogue, as *assets) *pages {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		panic(err)
	}
	shared := []string{"templates/layout.html"}
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			shared = append(shared, f)
		}
	}
	ps := &pages{cat: cat, byName: map[string]map[string]*template.Template{}}
	for _, f := range files {
		base := path.Base(f)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		name := strings.TrimSuffix(base, ".html")
		ps.byName[name] = map[string]*template.Template{}
		for _, lang := range serentak.Languages {
			t := template.New("layout.html").Funcs(funcs(cat, lang, as))
			ps.byName[name][lang] = template.Must(t.ParseFS(fsys, append(shared, f)...))
		}
	}
	return ps
}

// funcs are the functions every template has, in lang.
func funcs(cat catalogue, lang string, as *assets) template.FuncMap {
	l := localeOf(lang)
	return template.FuncMap{
		"t":      func(id string, args ...any) string { return cat.text(lang, id, args...) },
		"rupiah": l.rupiah,
		"number": l.number,
		"when":   l.when,
		"date":   l.date,
		"clock":  l.clock,
		"asset":  as.url,
		// tn is a counted phrase in the form the language gives count
		// n: {{tn "import.submit" .Created .Created}} is "Import 1
		// post", "Import 2 posts" (n is among args only if given).
		"tn": func(id string, n any, args ...any) (string, error) {
			c, err := count(n)
			if err != nil {
				return "", fmt.Errorf("tn %q: %w", id, err)
			}
			return cat.counted(lang, id, c, args...), nil
		},
		// can tells whether a role has a power ("read", "approve",
		// "write", "manage", "own"): pages hide what a role cannot
		// do; the API refuses it whatever the page shows.
		"can": func(role, power string) bool { return serentak.Role(role).Can(powerNamed(power)) },
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// Calendar parts (the time already in the zone wanted): day
		// names, short months, a 24-hour time for scripts.
		"weekday": func(t time.Time) string { return l.days[t.Weekday()] },
		"month":   func(t time.Time) string { return l.months[t.Month()-1] },
		"hm":      func(t time.Time, tz string) string { return inZone(t, tz).Format("15:04") },
		"local":   func(t time.Time, tz string) string { return inZone(t, tz).Format("2006-01-02T15:04") },
	}
}

func powerNamed(name string) serentak.Power {
	for p := serentak.PowerRead; p <= serentak.PowerOwn; p <<= 1 {
		if p.String() == name {
			return p
		}
	}
	return 0
}

// view is what every page's template gets: the frame's data and the
// page's own (Data).
type view struct {
	Lang  string
	Other string // the other language, for the switcher
	Title string // message ID of the page's title
	CSRF  string
	Path  string // the page's path and query, to come back to
	// Flash is a message ID shown once at the top (after a redirect).
	Flash string
	// Error is a message from the API (already in words) to show at the
	// top, with its field details beside the fields.
	Error      *apiError
	User       *me
	Workspace  *workspaceView
	Workspaces []workspaceView
	Role       string
	Data       any
}

// render writes page name with status: the frame filled from c, the
// page's title and data.
func (a *App) render(c echo.Context, status int, name, title string, data any) error {
	v, _ := c.Get(ctxView).(*view)
	if v == nil {
		v = &view{}
	}
	v.Lang = language(c)
	v.Other = "en"
	if v.Lang == "en" {
		v.Other = "id"
	}
	v.Title, v.Data = title, data
	v.CSRF = a.pageCSRF(c)
	v.Path = c.Request().URL.RequestURI()
	if v.Flash == "" {
		v.Flash = c.QueryParam("done")
	}
	byLang, ok := a.pages.byName[name]
	if !ok {
		return fmt.Errorf("webapp: no page %q", name)
	}
	var buf bytes.Buffer
	if err := byLang[v.Lang].Execute(&buf, v); err != nil {
		return fmt.Errorf("render the page %s: %w", name, err)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", v.Lang)
	h.Add("Vary", "Accept-Language, Cookie")
	return c.HTMLBlob(status, buf.Bytes())
}

// errorPage shows a page with one message (an ID in the catalogue).
func (a *App) errorPage(c echo.Context, status int, msg string) error {
	return a.render(c, status, "error", "error.title", map[string]any{"Message": msg, "Status": status})
}

// handleError answers what a handler returned: the API's refusals as the
// page "not found" or "not allowed", anything else as "something went
// wrong", logged.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, "error.internal"
	var ae *apiError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		status, msg = http.StatusNotFound, "error.not_found"
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		status, msg = http.StatusForbidden, "error.forbidden"
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		a.clearSession(c)
		_ = c.Redirect(http.StatusSeeOther, "/signin?next="+c.Request().URL.RequestURI())
		return
	case errors.As(err, &he) && he.Code == http.StatusNotFound:
		status, msg = http.StatusNotFound, "error.not_found"
	case errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed:
		status, msg = http.StatusMethodNotAllowed, "error.not_found"
	default:
		a.cfg.Log.Error("web page failed", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err.Error())
	}
	if !strings.Contains(c.Request().Header.Get("Accept"), "text/html") && strings.HasPrefix(c.Request().URL.Path, "/app/") {
		_ = c.JSON(status, map[string]any{"error": map[string]any{"code": "not_found", "message": "no such page", "details": []any{}}})
		return
	}
	if err := a.errorPage(c, status, msg); err != nil {
		a.cfg.Log.Error("web error page failed", "error", err.Error())
		c.Response().WriteHeader(status)
	}
}
