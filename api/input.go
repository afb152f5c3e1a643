package api

import (
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// What reaches the database from outside the JSON bodies is checked here:
// path IDs and query parameters. PostgreSQL refuses a NUL character and
// bytes that are not UTF-8 with an SQL error, which would be a 500; they
// are the client's fault and answered as such, on both databases alike.

// idLen is the length of an ID after its prefix: serentak.NewID encodes
// 16 bytes in 26 base32 characters.
const idLen = 26

// wellFormedID reports whether id could have been made by serentak.NewID
// with prefix: the prefix, then 26 characters of its alphabet (digits and
// lower-case letters but i, l, o, u). Anything else names nothing, so it is
// not found without asking the database.
func wellFormedID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) != idLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') || c == 'i' || c == 'l' || c == 'o' || c == 'u' {
			return false
		}
	}
	return true
}

// idParam is the middleware of a route whose :id names a resource of the
// kind prefix starts: an ID that is not well-formed is a 404 here.
func idParam(prefix, what string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !wellFormedID(c.Param("id"), prefix) {
				return serentak.NotFound(what)
			}
			return next(c)
		}
	}
}

// storableText reports whether s can be stored as text: UTF-8 without NUL.
func storableText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// storableQuery refuses a query parameter (name or value) that cannot be
// stored as text, naming it: the routes whose query reaches the database
// (a list's cursor, an OAuth state) call it first.
func storableQuery(q url.Values) error {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []serentak.FieldError
	for _, name := range names {
		field := strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), "")
		if !storableText(name) {
			errs = append(errs, fieldError(field, "invalid_text", "the name of a query parameter must be UTF-8 text without NUL"))
			continue
		}
		for _, v := range q[name] {
			if !storableText(v) {
				errs = append(errs, fieldError(field, "invalid_text", "must be UTF-8 text without NUL"))
				break
			}
		}
	}
	if len(errs) > 0 {
		return serentak.Invalid("a query parameter is not text", errs...)
	}
	return nil
}
