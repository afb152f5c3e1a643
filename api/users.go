package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// People and sessions (docs/api.md#people-and-sessions).

type userView struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

func viewUser(u serentak.User) userView { return userView{ID: u.ID, Email: u.Email, Name: u.Name} }

// newSecret returns prefix and 32 random bytes: a session token or a
// password link's token. Only HashSecret of it is stored.
func newSecret(prefix string) string {
	var b [32]byte
	rand.Read(b[:]) // cannot fail (Go 1.24 and later)
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// checkEmail returns the email lower-cased, or a field error: a bare
// address (no display name), at most 254 characters, with a dot in its
// domain.
func checkEmail(field, email string) (string, *serentak.FieldError) {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	_, domain, _ := strings.Cut(email, "@")
	if email == "" || err != nil || a.Address != email || len(email) > 254 || !strings.Contains(domain, ".") {
		fe := fieldError(field, "invalid", "must be an email address such as budi@example.com")
		return "", &fe
	}
	return strings.ToLower(email), nil
}

// checkPassword refuses a password shorter than minPasswordLen characters
// or longer than maxPasswordBytes bytes. The password is never put in a
// message or a log.
func checkPassword(pw string) *serentak.FieldError {
	if utf8.RuneCountInString(pw) < minPasswordLen || len(pw) > maxPasswordBytes {
		fe := fieldError("password", "invalid", "must be at least %d characters (and at most %d bytes)", minPasswordLen, maxPasswordBytes)
		return &fe
	}
	return nil
}

// passwordLink is a single-use link's URL and end.
type passwordLink struct {
	URL       string
	ExpiresAt time.Time
}

// newPasswordToken makes a password link of kind for a user: the token
// to store (hashed) and the link to answer.
func (s *Server) newPasswordToken(userID, kind string) (serentak.PasswordToken, passwordLink) {
	now := s.now()
	ttl, path := serentak.InviteTTL, "/v1/invites/"
	if kind == serentak.TokenReset {
		ttl, path = serentak.ResetTTL, "/v1/password-resets/"
	}
	secret := newSecret("")
	t := serentak.PasswordToken{Hash: serentak.HashSecret(secret), UserID: userID, Kind: kind, ExpiresAt: now.Add(ttl), CreatedAt: now}
	return t, passwordLink{URL: strings.TrimRight(s.cfg.PublicURL, "/") + path + secret, ExpiresAt: t.ExpiresAt}
}

// createUserWith stores a new user; without a password it has an invite
// link instead (returned).
func (s *Server) createUserWith(ctx context.Context, email, name string, password *string) (serentak.User, *passwordLink, error) {
	u := serentak.User{ID: serentak.NewID(serentak.PrefixUser), Email: email, Name: name, CreatedAt: s.now()}
	if password != nil {
		h, err := s.hasher.hash(ctx, *password)
		if err != nil {
			return u, nil, err
		}
		u.PasswordHash = h
		return u, nil, s.cfg.Store.CreateUser(ctx, u, nil)
	}
	t, link := s.newPasswordToken(u.ID, serentak.TokenInvite)
	return u, &link, s.cfg.Store.CreateUser(ctx, u, &t)
}

type createUserRequest struct {
	Email    string  `json:"email"`
	Name     string  `json:"name"`
	Password *string `json:"password"`
}

type userCreatedView struct {
	userView
	InviteURL       string     `json:"invite_url,omitempty"`
	InviteExpiresAt *time.Time `json:"invite_expires_at,omitempty"`
}

func (s *Server) requireOperator(c echo.Context) error {
	if !principalOf(c).operator {
		return serentak.Errorf(codeForbidden, "only the operator key may do this")
	}
	return nil
}

// createUser adds a person (the operator key only).
func (s *Server) createUser(c echo.Context) error {
	if err := s.requireOperator(c); err != nil {
		return err
	}
	var req createUserRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	var errs []serentak.FieldError
	email, fe := checkEmail("email", req.Email)
	if fe != nil {
		errs = append(errs, *fe)
	}
	name := strings.TrimSpace(req.Name)
	if utf8.RuneCountInString(name) > maxNameLen {
		errs = append(errs, fieldError("name", "too_long", "must be at most %d characters", maxNameLen))
	}
	if req.Password != nil {
		if fe := checkPassword(*req.Password); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if len(errs) > 0 {
		return serentak.Invalid("the user is not valid", errs...)
	}
	u, link, err := s.createUserWith(c.Request().Context(), email, name, req.Password)
	if err != nil {
		return err
	}
	out := userCreatedView{userView: viewUser(u)}
	if link != nil {
		out.InviteURL, out.InviteExpiresAt = link.URL, &link.ExpiresAt
		s.mailLink(u, serentak.TokenInvite, serentak.DefaultLanguage, "", *link, nil)
	}
	return c.JSON(http.StatusCreated, out)
}

// createPasswordReset makes a single-use reset link for a user (the
// operator key only), answered, and emailed to the person when a mailer
// is configured.
func (s *Server) createPasswordReset(c echo.Context) error {
	if err := s.requireOperator(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.cfg.Store.FindUserByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	t, link := s.newPasswordToken(u.ID, serentak.TokenReset)
	if err := s.cfg.Store.CreatePasswordToken(ctx, t); err != nil {
		return err
	}
	s.mailLink(u, serentak.TokenReset, serentak.DefaultLanguage, "", link, nil)
	return c.JSON(http.StatusCreated, map[string]any{"reset_url": link.URL, "expires_at": link.ExpiresAt})
}

type setPasswordRequest struct {
	Password string `json:"password"`
}

// setPassword uses an invite link (kind invite) or a reset link: the
// person chooses a password; every session of theirs ends. A form post
// from the link's page answers a page (passwordlinks.go); JSON answers
// the user.
func (s *Server) setPassword(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isForm(c) {
			return s.setPasswordForm(c, kind)
		}
		// A token we cannot have made is not found before the body is
		// read or a hash computed.
		if !linkWellFormed(c.Param("token")) {
			return errDeadLink()
		}
		var req setPasswordRequest
		if _, err := s.readJSON(c, &req); err != nil {
			return err
		}
		if fe := checkPassword(req.Password); fe != nil {
			return serentak.Invalid("the password is not valid", *fe)
		}
		u, err := s.usePasswordLink(c.Request().Context(), c.Param("token"), kind, req.Password)
		if serentak.ErrorCode(err) == serentak.ECodeNotFound {
			return errDeadLink()
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, viewUser(u))
	}
}

func errDeadLink() error {
	return serentak.Errorf(serentak.ECodeNotFound, "this link is used or expired; ask for a new one")
}

type createSessionRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// errSignIn is the one answer to a wrong email and a wrong password.
func errSignIn() error {
	return serentak.Errorf(serentak.ECodeUnauthorized, "wrong email or password")
}

// createSession signs a person in. An unknown email (or a user who has
// not set a password yet) is verified against dummyHash, so every refusal
// costs one hash, as a wrong password does, and says the same.
func (s *Server) createSession(c echo.Context) error {
	var req createSessionRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	email := strings.ToLower(strings.TrimSpace(req.Email))
	counters := []string{"addr:" + clientAddr(c), "email:" + email}
	if err := s.signIns.wait(ctx, counters...); err != nil {
		return err
	}
	if len(req.Password) > maxPasswordBytes {
		req.Password = req.Password[:maxPasswordBytes] // refused below, at the cost of one hash like any other
	}
	u, err := s.cfg.Store.FindUserByEmail(ctx, email)
	found := err == nil && u.PasswordHash != ""
	if err != nil && serentak.ErrorCode(err) != serentak.ECodeNotFound {
		return err
	}
	encoded := dummyHash
	if found {
		encoded = u.PasswordHash
	}
	ok, err := s.hasher.verify(ctx, encoded, req.Password)
	if err != nil {
		return err
	}
	if !ok || !found {
		s.signIns.fail(ctx, counters...)
		return errSignIn()
	}
	s.signIns.clear(ctx, counters[1])
	now := s.now()
	token := newSecret(serentak.PrefixSession)
	ses := serentak.Session{ID: serentak.NewID(serentak.PrefixSession), UserID: u.ID, Hash: serentak.HashSecret(token),
		CreatedAt: now, LastUsedAt: now, ExpiresAt: serentak.SessionExpiry(now, now)}
	if err := s.cfg.Store.CreateSession(ctx, ses); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": token, "expires_at": ses.ExpiresAt, "user": viewUser(u)})
}

// deleteSession ends the session that calls it.
func (s *Server) deleteSession(c echo.Context) error {
	p := principalOf(c)
	if p.sessionID == "" {
		return serentak.Errorf(codeForbidden, "only a session (ses_…) can end itself; revoke an API key with DELETE /v1/workspaces/{ws}/keys/{id}")
	}
	if err := s.cfg.Store.DeleteSession(c.Request().Context(), p.sessionID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type membershipView struct {
	WorkspaceID string        `json:"workspace_id"`
	Role        serentak.Role `json:"role"`
	// OrganizationID: the organization whose role this is, when the
	// person holds it through an organization rather than their own
	// membership of the workspace.
	OrganizationID string `json:"organization_id,omitempty"`
}

type orgMembershipView struct {
	OrganizationID string        `json:"organization_id"`
	Role           serentak.Role `json:"role"`
}

// meMemberships bounds the memberships GET /v1/me lists: an organization
// may own thousands of workspaces. The rest are paged with GET
// /v1/workspaces from memberships_next_cursor.
const meMemberships = 100

// me answers the signed-in person, the first meMemberships workspaces
// they may act in (by ID, directly or through an organization) and every
// organization they belong to.
func (s *Server) me(c echo.Context) error {
	p := principalOf(c)
	if p.userID == "" {
		return serentak.Errorf(codeForbidden, "GET /v1/me answers a person's session; an API key is no person")
	}
	ctx := c.Request().Context()
	u, err := s.cfg.Store.FindUserByID(ctx, p.userID)
	if err != nil {
		return err
	}
	as, next, err := s.cfg.Store.FindUserWorkspaces(ctx, u.ID, "", meMemberships)
	if err != nil {
		return err
	}
	ms := make([]membershipView, len(as))
	for i, a := range as {
		ms[i] = membershipView{WorkspaceID: a.Workspace.ID, Role: a.Role, OrganizationID: a.Via}
	}
	oms, _, err := s.cfg.Store.FindUserOrgMemberships(ctx, u.ID)
	if err != nil {
		return err
	}
	orgs := make([]orgMembershipView, len(oms))
	for i, m := range oms {
		orgs[i] = orgMembershipView{OrganizationID: m.OrganizationID, Role: m.Role}
	}
	return c.JSON(http.StatusOK, map[string]any{"id": u.ID, "email": u.Email, "name": u.Name,
		"memberships": ms, "memberships_next_cursor": stringPtr(next), "organizations": orgs})
}

// linkToken admits a password link whose token could be one we made (43
// base64url characters: newSecret's 32 bytes); any other is not found
// before the body is read or a hash computed.
func linkToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		t := c.Param("token")
		if _, err := base64.RawURLEncoding.DecodeString(t); err != nil || len(t) != 43 {
			return serentak.Errorf(serentak.ECodeNotFound, "this link is used or expired; ask for a new one")
		}
		return next(c)
	}
}
