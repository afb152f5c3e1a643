package api

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// Members of a workspace: people with one role each (the manage power).
// A caller gives, changes and removes only roles its own covers, so only
// an owner manages owners; the last owner stays (the store refuses with
// conflict).

type memberView struct {
	UserID    string        `json:"user_id"`
	Email     string        `json:"email"`
	Name      string        `json:"name"`
	Role      serentak.Role `json:"role"`
	CreatedAt time.Time     `json:"created_at"`
	// InviteURL and InviteExpiresAt: only when adding made the user.
	InviteURL       string     `json:"invite_url,omitempty"`
	InviteExpiresAt *time.Time `json:"invite_expires_at,omitempty"`
}

type memberRequest struct {
	Email *string `json:"email"`
	Name  string  `json:"name"`
	Role  *string `json:"role"`
}

// checkRole reads a required role.
func checkRole(role *string) (serentak.Role, *serentak.FieldError) {
	if role == nil || !serentak.Role(*role).Valid() {
		fe := fieldError("role", "invalid", "must be one of viewer, approver, editor, admin or owner")
		return "", &fe
	}
	return serentak.Role(*role), nil
}

// checkMemberRequest reads a new member (of a workspace or of an
// organization): the email, the role and the name of a user it makes.
func checkMemberRequest(req memberRequest) (email string, role serentak.Role, name string, err error) {
	var errs []serentak.FieldError
	email, fe := checkEmail("email", deref(req.Email))
	if fe != nil {
		errs = append(errs, *fe)
	}
	role, fe = checkRole(req.Role)
	if fe != nil {
		errs = append(errs, *fe)
	}
	name = strings.TrimSpace(req.Name)
	if utf8.RuneCountInString(name) > maxNameLen {
		errs = append(errs, fieldError("name", "too_long", "must be at most %d characters", maxNameLen))
	}
	if len(errs) > 0 {
		return "", "", "", serentak.Invalid("the member is not valid", errs...)
	}
	return email, role, name, nil
}

// userForEmail finds the user with email, or makes one with an invite
// link (returned) when there is none.
func (s *Server) userForEmail(ctx context.Context, email, name string) (serentak.User, *passwordLink, error) {
	u, err := s.cfg.Store.FindUserByEmail(ctx, email)
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return s.createUserWith(ctx, email, name, nil)
	}
	return u, nil, err
}

func (s *Server) mayGive(c echo.Context, role serentak.Role) error {
	if p := principalOf(c); !p.covers(role) {
		return serentak.Errorf(codeForbidden, "your role cannot give or change the role %s: it has powers yours lacks", role)
	}
	return nil
}

// addMember makes a person a member; an unknown email becomes a new user
// with an invite link.
func (s *Server) addMember(c echo.Context) error {
	var req memberRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	email, role, name, err := checkMemberRequest(req)
	if err != nil {
		return err
	}
	if err := s.mayGive(c, role); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, link, err := s.userForEmail(ctx, email, name)
	if err != nil {
		return err
	}
	m := serentak.Membership{WorkspaceID: workspaceID(c), UserID: u.ID, Role: role, CreatedAt: s.now()}
	if err := s.cfg.Store.AddMember(ctx, m); err != nil {
		return err
	}
	setAuditTarget(c, u.ID)
	out := memberView{UserID: u.ID, Email: u.Email, Name: u.Name, Role: role, CreatedAt: m.CreatedAt}
	if link != nil {
		// The invite speaks the workspace's language, by email and on
		// its page.
		ws, err := s.cfg.Store.FindWorkspaceByID(ctx, m.WorkspaceID)
		if err != nil {
			return err
		}
		link.URL = withLang(link.URL, ws.Language)
		out.InviteURL, out.InviteExpiresAt = link.URL, &link.ExpiresAt
		s.mailLink(u, serentak.TokenInvite, ws.Language, ws.Name, *link, workspaceLocation(ws))
	}
	return c.JSON(http.StatusCreated, out)
}

// listMembers lists the workspace's members, oldest first.
func (s *Server) listMembers(c echo.Context) error {
	ms, users, err := s.cfg.Store.FindMembers(c.Request().Context(), workspaceID(c))
	if err != nil {
		return err
	}
	out := make([]memberView, len(ms))
	for i, m := range ms {
		out[i] = memberView{UserID: m.UserID, Email: users[i].Email, Name: users[i].Name, Role: m.Role, CreatedAt: m.CreatedAt}
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

// member finds a member the caller may manage: one whose role the
// caller's covers.
func (s *Server) member(c echo.Context) (serentak.Membership, error) {
	m, err := s.cfg.Store.FindMembership(c.Request().Context(), workspaceID(c), c.Param("id"))
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return m, serentak.NotFound("member")
	}
	if err != nil {
		return m, err
	}
	return m, s.mayGive(c, m.Role)
}

// changeMember sets a member's role.
func (s *Server) changeMember(c echo.Context) error {
	return s.changeMemberIn(c, s.workspaceMembers(c))
}

// removeMember ends a membership (the user stays, with their other
// workspaces).
func (s *Server) removeMember(c echo.Context) error {
	return s.removeMemberIn(c, s.workspaceMembers(c))
}

// memberScope is where a membership lives, a workspace or an
// organization: the one change and removal path serves both.
type memberScope struct {
	// find is the member the request's :id names, one the caller may
	// manage (member, orgMember).
	find func(c echo.Context) (userID string, role serentak.Role, created time.Time, err error)
	// change gives the member role; "" removes them.
	change func(ctx context.Context, userID string, role serentak.Role) error
	// changed records a change beyond the audit middleware (organizations,
	// which have no audit list: recordOrgChange); nil for a workspace.
	changed func(c echo.Context, removed bool, userID string, role serentak.Role)
}

func (s *Server) workspaceMembers(c echo.Context) memberScope {
	return memberScope{
		find: func(c echo.Context) (string, serentak.Role, time.Time, error) {
			m, err := s.member(c)
			return m.UserID, m.Role, m.CreatedAt, err
		},
		change: func(ctx context.Context, userID string, role serentak.Role) error {
			return s.cfg.Store.ChangeMember(ctx, workspaceID(c), userID, role)
		},
	}
}

// changeMemberIn sets a member's role: one the caller's covers, given to a
// member whose role the caller's covers.
func (s *Server) changeMemberIn(c echo.Context, in memberScope) error {
	var req memberRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	role, fe := checkRole(req.Role)
	if fe != nil {
		return serentak.Invalid("the member is not valid", *fe)
	}
	userID, _, created, err := in.find(c)
	if err != nil {
		return err
	}
	if err := s.mayGive(c, role); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := in.change(ctx, userID, role); err != nil {
		return err
	}
	if in.changed != nil {
		in.changed(c, false, userID, role)
	}
	u, err := s.cfg.Store.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, memberView{UserID: u.ID, Email: u.Email, Name: u.Name, Role: role, CreatedAt: created})
}

// removeMemberIn ends a membership the caller may manage.
func (s *Server) removeMemberIn(c echo.Context, in memberScope) error {
	userID, _, _, err := in.find(c)
	if err != nil {
		return err
	}
	if err := in.change(c.Request().Context(), userID, ""); err != nil {
		return err
	}
	if in.changed != nil {
		in.changed(c, true, userID, "")
	}
	return c.NoContent(http.StatusNoContent)
}
