package api

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/mail"
)

// Password links in a browser and by email (docs/api.md#password-links).
//
// An invite or reset link opens a page (GET, HEAD) with a form that
// posts the new password to the same path. The link's token is the only
// key, so:
//   - GET and HEAD only show the page: link-preview robots (WhatsApp, a
//     mail app's scanner) must not use the link up; only the POST does.
//   - CSRF: there is no cookie to ride on, and another site cannot post a
//     password to a link it does not know. As a second guard a form post
//     is refused when the browser says it came from another site
//     (Sec-Fetch-Site) or another origin (Origin). The page's
//     Referrer-Policy is same-origin, which keeps the token (in the path)
//     from any other site and lets the browser send our own Origin with
//     the post (under no-referrer it would send "null").
//   - The access log writes the route, not the path, of these requests
//     (middleware.go), and only the token's hash is stored.
//
// Emails: when Config.Mailer is set, invites and reset links are also
// mailed to the person, in Bahasa Indonesia unless the workspace that
// invites them speaks English. They are sent in the background, so an
// answer never waits for the mail server, and a self-service reset
// (POST /v1/password-resets) answers the same 202 at the same moment
// whether the email is known or not.

var passwordMessages = catalogue{
	"id": {
		"invite_title":     "Selamat datang di Serentak",
		"invite_intro":     "Pilih kata sandi untuk akun Serentak Anda.",
		"reset_title":      "Atur ulang kata sandi",
		"reset_intro":      "Pilih kata sandi baru untuk akun Serentak Anda. Setelah disimpan, semua sesi yang sedang masuk akan keluar.",
		"password_label":   "Kata sandi baru",
		"password_hint":    "Minimal 10 karakter. Kalimat pendek yang mudah Anda ingat paling baik.",
		"submit":           "Simpan kata sandi",
		"too_short":        "Kata sandi harus minimal 10 karakter (dan paling banyak 1024 byte). Coba lagi.",
		"done":             "Kata sandi tersimpan. Sekarang Anda bisa masuk ke Serentak dengan email dan kata sandi ini.",
		"dead":             "Tautan ini sudah dipakai, sudah kedaluwarsa, atau tidak dikenal. Minta tautan baru: lewat \"Lupa kata sandi\" di aplikasi, atau kepada admin ruang kerja Anda.",
		"other_site":       "Formulir ini hanya bisa dikirim dari halaman Serentak sendiri. Buka lagi tautan dari email Anda.",
		"email_greeting":   "Halo %s,",
		"email_greeting_0": "Halo,",
		"invite_subject":   "Undangan ke Serentak",
		"invite_subject_w": "Undangan ke %s di Serentak",
		"invite_line":      "Anda diundang untuk memakai Serentak, penjadwal postingan media sosial.",
		"invite_line_w":    "Anda diundang ke ruang kerja %s di Serentak, penjadwal postingan media sosial.",
		"invite_action":    "Buka tautan ini untuk memilih kata sandi Anda:",
		"invite_button":    "Pilih kata sandi",
		"reset_subject":    "Atur ulang kata sandi Serentak",
		"reset_line":       "Ada permintaan untuk mengatur ulang kata sandi akun Serentak Anda.",
		"reset_action":     "Buka tautan ini untuk memilih kata sandi baru:",
		"reset_button":     "Atur ulang kata sandi",
		"reset_ignore":     "Jika Anda tidak memintanya, abaikan email ini: kata sandi Anda tidak berubah.",
		"link_fallback":    "Jika tombolnya tidak bisa ditekan, salin tautan ini ke peramban:",
		"link_valid":       "Tautan ini berlaku sampai %s dan hanya bisa dipakai sekali.",
	},
	"en": {
		"invite_title":     "Welcome to Serentak",
		"invite_intro":     "Choose a password for your Serentak account.",
		"reset_title":      "Reset your password",
		"reset_intro":      "Choose a new password for your Serentak account. Once it is saved, every session signed in now is signed out.",
		"password_label":   "New password",
		"password_hint":    "At least 10 characters. A short sentence you can remember works best.",
		"submit":           "Save password",
		"too_short":        "The password must be at least 10 characters (and at most 1024 bytes). Try again.",
		"done":             "Your password is saved. You can now sign in to Serentak with your email and this password.",
		"dead":             "This link is used, expired or not known. Ask for a new one: through \"Forgot password\" in the app, or from your workspace's admin.",
		"other_site":       "This form can only be sent from Serentak's own page. Open the link from your email again.",
		"email_greeting":   "Hi %s,",
		"email_greeting_0": "Hi,",
		"invite_subject":   "Your invitation to Serentak",
		"invite_subject_w": "Your invitation to %s on Serentak",
		"invite_line":      "You are invited to Serentak, the social media post scheduler.",
		"invite_line_w":    "You are invited to the workspace %s on Serentak, the social media post scheduler.",
		"invite_action":    "Open this link to choose your password:",
		"invite_button":    "Choose a password",
		"reset_subject":    "Reset your Serentak password",
		"reset_line":       "Someone asked to reset the password of your Serentak account.",
		"reset_action":     "Open this link to choose a new password:",
		"reset_button":     "Reset password",
		"reset_ignore":     "If it was not you, ignore this email: your password stays as it is.",
		"link_fallback":    "If the button does not work, copy this link into your browser:",
		"link_valid":       "This link works once, until %s.",
	},
}

var (
	passwordPage = parsePages("pages/password.html", passwordMessages)
	emailPage    = parsePages("pages/email.html", passwordMessages)
)

// passwordPolicy: no script, image or frame; forms only to ourselves;
// the token in the path goes to no other site.
var passwordPolicy = pagePolicy{
	CSP:      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	Referrer: "same-origin",
}

// passwordPageData is what the page shows. Title, Intro and Notice are
// message IDs.
type passwordPageData struct {
	Lang         string
	State        string // "form", "done", "dead", "refused": for tests and browsers' scripts
	Title, Intro string
	Notice       string
	Error        bool
	Action       string // the form's target; empty: no form
	MinLength    int
}

// linkWellFormed: a token we could have made (43 base64url characters:
// newSecret's 32 bytes). Any other is not looked up.
func linkWellFormed(t string) bool {
	if len(t) != 43 {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// renderPasswordPage writes the page for kind's link in state.
func (s *Server) renderPasswordPage(c echo.Context, status int, kind, state, notice string) error {
	lang := pageLanguage(c)
	d := passwordPageData{Lang: lang, State: state, Title: kind + "_title", Intro: kind + "_intro", Notice: notice,
		Error: notice != "" && state != "done", MinLength: minPasswordLen}
	if state == "form" {
		// The same path, keeping the language the page was shown in.
		d.Action = c.Request().URL.Path + "?lang=" + lang
	}
	return writePage(c, status, passwordPage[lang], d, passwordPolicy)
}

// showPasswordLink answers an invite or reset link's page (GET, HEAD):
// the form when the link is live, a page saying it is dead otherwise. It
// never uses the link.
func (s *Server) showPasswordLink(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		if !linkWellFormed(token) {
			return s.renderPasswordPage(c, http.StatusNotFound, kind, "dead", "dead")
		}
		err := s.cfg.Store.CheckPasswordToken(c.Request().Context(), serentak.HashSecret(token), kind, s.now())
		switch {
		case err == nil:
			return s.renderPasswordPage(c, http.StatusOK, kind, "form", "")
		case serentak.ErrorCode(err) == serentak.ECodeNotFound:
			return s.renderPasswordPage(c, http.StatusNotFound, kind, "dead", "dead")
		}
		return err
	}
}

// isForm reports whether the request is a browser's form post.
func isForm(c echo.Context) bool {
	ct := c.Request().Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// maxFormBytes bounds the password form's body: one field.
const maxFormBytes = 16 << 10

// setPasswordForm is the page's form post: the password set, a page
// saying so; a short password, the form again; a dead link, its page.
func (s *Server) setPasswordForm(c echo.Context, kind string) error {
	if !s.sameSite(c) {
		return s.renderPasswordPage(c, http.StatusForbidden, kind, "refused", "other_site")
	}
	token := c.Param("token")
	if !linkWellFormed(token) {
		return s.renderPasswordPage(c, http.StatusNotFound, kind, "dead", "dead")
	}
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, maxFormBytes)
	pw := c.FormValue("password")
	if checkPassword(pw) != nil {
		return s.renderPasswordPage(c, http.StatusUnprocessableEntity, kind, "form", "too_short")
	}
	_, err := s.usePasswordLink(req.Context(), token, kind, pw)
	switch {
	case err == nil:
		return s.renderPasswordPage(c, http.StatusOK, kind, "done", "done")
	case serentak.ErrorCode(err) == serentak.ECodeNotFound:
		return s.renderPasswordPage(c, http.StatusNotFound, kind, "dead", "dead")
	}
	return err
}

// usePasswordLink sets the password through a live link (not_found when
// it is not) and ends the person's sessions.
func (s *Server) usePasswordLink(ctx context.Context, token, kind, password string) (serentak.User, error) {
	tokenHash := serentak.HashSecret(token)
	// A dead link costs no hash: look it up first (and use it up below,
	// in one transaction, so it still works only once).
	if err := s.cfg.Store.CheckPasswordToken(ctx, tokenHash, kind, s.now()); err != nil {
		return serentak.User{}, err
	}
	h, err := s.hasher.hash(ctx, password)
	if err != nil {
		return serentak.User{}, err
	}
	return s.cfg.Store.SetPasswordWithToken(ctx, tokenHash, kind, h, s.now())
}

// sameSite reports whether a form post may have come from our own page:
// Sec-Fetch-Site, when the browser sends it, is same-origin (or none: the
// person typed or bookmarked); Origin, when sent, is this server's, as
// SERENTAK_PUBLIC_URL names it or as the request reached it (its Host).
func (s *Server) sameSite(c echo.Context) bool {
	h := c.Request().Header
	switch h.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := h.Get("Origin")
	if o == "" {
		return true
	}
	origin, err := url.Parse(o)
	if err != nil || origin.Host == "" {
		return false // "null" included: a sandboxed or privacy-hidden page
	}
	if strings.EqualFold(origin.Host, c.Request().Host) {
		return true
	}
	public, err := url.Parse(s.cfg.PublicURL)
	return err == nil && public.Host != "" && strings.EqualFold(o, public.Scheme+"://"+public.Host)
}

// withLang adds ?lang=en to an English link, so its page opens in the
// language of its email.
func withLang(link, lang string) string {
	if lang == "en" {
		return link + "?lang=en"
	}
	return link
}

// linkEmail is the email carrying an invite or reset link to u, in
// lang; workspace names where an invite leads ("" for none).
func (s *Server) linkEmail(u serentak.User, kind, lang, workspace string, link passwordLink, loc *time.Location) (mail.Message, error) {
	t := func(id string, args ...any) string { return passwordMessages.text(lang, id, args...) }
	d := struct {
		Lang, Greeting, Link, Button, Fallback string
		Lines, After                           []string
	}{Lang: lang, Greeting: t("email_greeting_0"), Link: link.URL, Button: t(kind + "_button"), Fallback: t("link_fallback")}
	if u.Name != "" {
		d.Greeting = t("email_greeting", u.Name)
	}
	subject := t("reset_subject")
	switch {
	case kind == serentak.TokenInvite && workspace != "":
		subject = t("invite_subject_w", workspace)
		d.Lines = []string{t("invite_line_w", workspace), t("invite_action")}
	case kind == serentak.TokenInvite:
		subject = t("invite_subject")
		d.Lines = []string{t("invite_line"), t("invite_action")}
	default:
		d.Lines = []string{t("reset_line"), t("reset_action")}
	}
	if loc == nil {
		loc = time.UTC
	}
	d.After = []string{t("link_valid", link.ExpiresAt.In(loc).Format("02-01-2006 15:04 MST"))}
	if kind == serentak.TokenReset {
		d.After = append(d.After, t("reset_ignore"))
	}
	var html bytes.Buffer
	tpl, ok := emailPage[lang]
	if !ok {
		tpl = emailPage[serentak.DefaultLanguage]
	}
	if err := tpl.Execute(&html, d); err != nil {
		return mail.Message{}, err
	}
	text := d.Greeting + "\n\n" + strings.Join(d.Lines, "\n") + "\n\n" + d.Link + "\n\n" + strings.Join(d.After, "\n") + "\n"
	return mail.Message{To: u.Email, Subject: subject, Text: text, HTML: html.String()}, nil
}

// Emails go out in the background, at most maxMailsAtOnce at a time,
// each within mailTimeout.
const (
	maxMailsAtOnce = 16
	mailTimeout    = time.Minute
)

// inBackground runs job (what: "invite", "reset") after the answer, if
// a mailer is configured. When maxMailsAtOnce are already running it is
// dropped and logged: a flood of requests must not pile up goroutines.
// Neither the link nor its token is ever logged.
func (s *Server) inBackground(what, userID string, job func(ctx context.Context) error) {
	if s.cfg.Mailer == nil {
		return
	}
	select {
	case s.mailSlots <- struct{}{}:
	default:
		s.log.Warn("email not sent: too many emails are being sent at once", "email", what, "user", userID)
		return
	}
	s.mailWG.Add(1)
	go func() {
		defer func() { <-s.mailSlots; s.mailWG.Done() }()
		ctx, cancel := context.WithTimeout(context.Background(), mailTimeout)
		defer cancel()
		if err := job(ctx); err != nil {
			s.log.Error("email not sent", "email", what, "user", userID, "error", err)
		}
	}()
}

// mailLink emails a link to u in the background.
func (s *Server) mailLink(u serentak.User, kind, lang, workspace string, link passwordLink, loc *time.Location) {
	s.inBackground(kind, u.ID, func(ctx context.Context) error {
		m, err := s.linkEmail(u, kind, lang, workspace, link, loc)
		if err != nil {
			return err
		}
		return s.cfg.Mailer.Send(ctx, m)
	})
}

// A person gets at most maxResetMails self-service reset emails in
// resetMailWindow: the requests' throttle alone (ten a minute per email)
// would let anyone flood an inbox. Past it, requests still answer 202
// and send nothing (the answer must not tell).
const (
	maxResetMails   = 3
	resetMailWindow = time.Hour
)

type passwordResetRequest struct {
	Email    string `json:"email"`
	Language string `json:"language"`
}

// requestPasswordReset is the self-service "forgot password": 202
// whatever the email, at once (the lookup and the email happen after the
// answer), and throttled per client address and per email like sign-ins,
// every request counting as a failure.
func (s *Server) requestPasswordReset(c echo.Context) error {
	var req passwordResetRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	email, fe := checkEmail("email", req.Email)
	lang := req.Language
	switch lang {
	case "":
		lang = serentak.DefaultLanguage
	case "id", "en":
	default:
		if fe == nil {
			return serentak.Invalid("the request is not valid", fieldError("language", "invalid", "must be id or en"))
		}
	}
	if fe != nil {
		return serentak.Invalid("the request is not valid", *fe)
	}
	counters := []string{"reset-addr:" + clientAddr(c), "reset-email:" + email}
	if err := s.signIns.wait(c.Request().Context(), counters...); err != nil {
		if serentak.ErrorCode(err) == serentak.ECodeRateLimited {
			return serentak.Errorf(serentak.ECodeRateLimited, "too many password reset requests; try again in a minute")
		}
		return err
	}
	s.signIns.fail(c.Request().Context(), counters...)
	s.inBackground("reset", "", func(ctx context.Context) error {
		u, err := s.cfg.Store.FindUserByEmail(ctx, email)
		if serentak.ErrorCode(err) == serentak.ECodeNotFound {
			return nil // nothing to send, and nothing said
		}
		if err != nil {
			return err
		}
		if s.resetMails.failures(ctx, "reset-mail:"+u.ID) >= maxResetMails {
			s.log.Warn("reset email not sent: the person had enough of them this hour", "user", u.ID)
			return nil
		}
		s.resetMails.fail(ctx, "reset-mail:"+u.ID)
		t, link := s.newPasswordToken(u.ID, serentak.TokenReset)
		if err := s.cfg.Store.CreatePasswordToken(ctx, t); err != nil {
			return err
		}
		link.URL = withLang(link.URL, lang)
		m, err := s.linkEmail(u, serentak.TokenReset, lang, "", link, nil)
		if err != nil {
			return err
		}
		return s.cfg.Mailer.Send(ctx, m)
	})
	return c.JSON(http.StatusAccepted, map[string]any{"status": "accepted"})
}

// clientAddr is the request's client address, without its port.
func clientAddr(c echo.Context) string {
	addr, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return c.Request().RemoteAddr
	}
	return addr
}

// createMemberPasswordReset lets a workspace's admin make a reset link
// for one of its members (the operator's route needs no workspace). The
// caller's role must cover the member's (only an owner resets an
// owner), and the member may belong to no other workspace and no
// organization: a link answered to this workspace's admin must not open
// another workspace.
// Such a member asks for a link themselves (POST /v1/password-resets) or
// from the operator.
func (s *Server) createMemberPasswordReset(c echo.Context) error {
	m, err := s.member(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ms, err := s.cfg.Store.FindMemberships(ctx, m.UserID)
	if err != nil {
		return err
	}
	for _, other := range ms {
		if other.WorkspaceID != m.WorkspaceID {
			return serentak.Errorf(codeForbidden, "this person is also a member of another workspace, so only they (POST /v1/password-resets) or the operator can reset their password")
		}
	}
	// An organization's member reaches all of its workspaces: the same
	// rule holds for them.
	if orgs, _, err := s.cfg.Store.FindUserOrgMemberships(ctx, m.UserID); err != nil {
		return err
	} else if len(orgs) > 0 {
		return serentak.Errorf(codeForbidden, "this person is also a member of an organization, so only they (POST /v1/password-resets) or the operator can reset their password")
	}
	u, err := s.cfg.Store.FindUserByID(ctx, m.UserID)
	if err != nil {
		return err
	}
	ws, err := s.cfg.Store.FindWorkspaceByID(ctx, m.WorkspaceID)
	if err != nil {
		return err
	}
	t, link := s.newPasswordToken(u.ID, serentak.TokenReset)
	if err := s.cfg.Store.CreatePasswordToken(ctx, t); err != nil {
		return err
	}
	link.URL = withLang(link.URL, ws.Language)
	setAuditTarget(c, u.ID)
	s.mailLink(u, serentak.TokenReset, ws.Language, "", link, workspaceLocation(ws))
	return c.JSON(http.StatusCreated, map[string]any{"reset_url": link.URL, "expires_at": link.ExpiresAt})
}

// workspaceLocation is the workspace's time zone (UTC when unknown).
func workspaceLocation(ws serentak.Workspace) *time.Location {
	loc, err := time.LoadLocation(ws.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}
