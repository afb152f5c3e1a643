package webapp

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// The cookies the web app sets. The session cookie holds the API session
// token (ses_…), HttpOnly so no script can read it; SameSite=Lax so it
// comes along when a platform's login sends the person back, but not on
// another site's form posts.
const (
	sessionCookie = "serentak_session"
	// preSessionCookie carries the CSRF token of the forms shown before
	// sign-in (sign-in, sign-up): double-submit, as there is no session
	// to derive one from.
	preSessionCookie = "serentak_csrf"
	langCookie       = "serentak_lang"
	csrfField        = "csrf_token"
	csrfHeader       = "X-CSRF-Token"
	ctxToken         = "webapp.token"
)

// sessionToken is the person's API session token, or "".
func sessionToken(c echo.Context) string {
	if t, ok := c.Get(ctxToken).(string); ok {
		return t
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil || !strings.HasPrefix(ck.Value, "ses_") {
		return ""
	}
	return ck.Value
}

// csrfToken is the CSRF token of a signed-in person's pages: derived
// from the session token (which no other site can read), so it needs no
// storage and ends with the session.
func csrfToken(sessionTok string) string {
	sum := sha256.Sum256([]byte("serentak web csrf\x00" + sessionTok))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validCSRF reports whether got is the token of c's session (or, signed
// out, of its pre-session cookie).
func validCSRF(c echo.Context, got string) bool {
	want := ""
	if tok := sessionToken(c); tok != "" {
		want = csrfToken(tok)
	} else if ck, err := c.Cookie(preSessionCookie); err == nil {
		want = ck.Value
	}
	return want != "" && got != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// pageCSRF is the token a page puts in its forms; signed out, it sets the
// pre-session cookie when there is none yet.
func (a *App) pageCSRF(c echo.Context) string {
	if tok := sessionToken(c); tok != "" {
		return csrfToken(tok)
	}
	if ck, err := c.Cookie(preSessionCookie); err == nil && len(ck.Value) >= 20 {
		return ck.Value
	}
	v := rand.Text()
	c.SetCookie(&http.Cookie{Name: preSessionCookie, Value: v, Path: "/", HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteStrictMode})
	c.Request().AddCookie(&http.Cookie{Name: preSessionCookie, Value: v})
	return v
}

// formCSRF refuses a form posted without its page's CSRF token: 403, with
// a page that says to reload.
func (a *App) formCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !validCSRF(c, c.FormValue(csrfField)) {
			return a.errorPage(c, http.StatusForbidden, "error.csrf")
		}
		return next(c)
	}
}

// sessionCSRF is formCSRF for signed-in forms (or the header, for
// scripts).
func (a *App) sessionCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		got := c.Request().Header.Get(csrfHeader)
		if got == "" {
			got = c.FormValue(csrfField)
		}
		if sessionToken(c) == "" || !validCSRF(c, got) {
			return a.errorPage(c, http.StatusForbidden, "error.csrf")
		}
		return next(c)
	}
}

// setSession keeps the session token in its cookie until expires.
func (a *App) setSession(c echo.Context, token string, expires time.Time) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
	c.Set(ctxToken, token)
}

func (a *App) clearSession(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
}

// signedIn sends a person without a session to the sign-in page, with
// the page they asked for to return to.
func (a *App) signedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if sessionToken(c) == "" {
			if strings.HasPrefix(c.Request().URL.Path, "/app/api/") {
				return c.JSON(http.StatusUnauthorized, map[string]any{"error": map[string]any{
					"code": "unauthorized", "message": "sign in again", "details": []any{}}})
			}
			return c.Redirect(http.StatusSeeOther, "/signin?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		return next(c)
	}
}

// localPath is next when it is a path on this site, else "/": a
// ?next= must not send a person elsewhere after sign-in.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}
