package webapp

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// session is the API's answer to POST /v1/sessions.
type session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// signInForm is what the sign-in and sign-up pages show again after a
// refusal (never the password).
type signInForm struct {
	Email, Name, Business, Next string
	SignUp                      bool // sign-up is open here
}

func (a *App) showSignIn(c echo.Context) error {
	if sessionToken(c) != "" {
		return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next")))
	}
	return a.render(c, http.StatusOK, "signin", "signin.title", signInForm{Next: localPath(c.QueryParam("next")), SignUp: a.signUpOpen(c)})
}

// signIn makes an API session with the email and password and keeps its
// token in the session cookie. The API counts failures and slows them
// down (per address and per email), whoever asks.
func (a *App) signIn(c echo.Context) error {
	form := signInForm{Email: strings.TrimSpace(c.FormValue("email")), Next: localPath(c.FormValue("next")), SignUp: a.signUpOpen(c)}
	var ses session
	err := a.callAs(c, "", http.MethodPost, "/v1/sessions", map[string]string{"email": form.Email, "password": c.FormValue("password")}, &ses)
	var ae *apiError
	switch {
	case errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusUnprocessableEntity):
		c.Set(ctxView, &view{Error: &apiError{Message: a.word(c, "signin.wrong")}})
		return a.render(c, http.StatusUnauthorized, "signin", "signin.title", form)
	case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
		c.Set(ctxView, &view{Error: &apiError{Message: a.word(c, "signin.slow_down")}})
		return a.render(c, http.StatusTooManyRequests, "signin", "signin.title", form)
	case err != nil:
		return err
	}
	a.setSession(c, ses.Token, ses.ExpiresAt)
	return c.Redirect(http.StatusSeeOther, form.Next)
}

// signOut ends the API session, and the cookie with it.
func (a *App) signOut(c echo.Context) error {
	var ae *apiError
	if err := a.call(c, http.MethodDelete, "/v1/sessions/current", nil, nil); err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusUnauthorized) {
		return err
	}
	a.clearSession(c)
	return c.Redirect(http.StatusSeeOther, "/signin")
}

// word is one message in c's language.
func (a *App) word(c echo.Context, id string, args ...any) string {
	return a.pages.cat.text(language(c), id, args...)
}

// setLanguage keeps the person's choice of language (?to=id or en) for a
// year and goes back to the page they were on.
func (a *App) setLanguage(c echo.Context) error {
	to := c.QueryParam("to")
	if to != "id" && to != "en" {
		to = "id"
	}
	c.SetCookie(&http.Cookie{Name: langCookie, Value: to, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: a.secure, SameSite: http.SameSiteLaxMode, HttpOnly: true})
	return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("back")))
}
