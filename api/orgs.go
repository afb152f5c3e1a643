package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// Organizations (docs/api.md#organizations): an agency owns many
// workspaces, and each member of the organization holds one role in all
// of them. orgMiddleware (middleware.go) resolves the caller's
// organization role; need checks the route's power, as for a workspace.

type organizationView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// Role is the calling person's role in the organization (their own
	// list only).
	Role serentak.Role `json:"role,omitempty"`
}

func viewOrganization(o serentak.Organization) organizationView {
	return organizationView{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt.UTC()}
}

type organizationListView struct {
	Data       []organizationView `json:"data"`
	NextCursor *string            `json:"next_cursor"`
}

type organizationRequest struct {
	Name *string `json:"name"`
}

// checkName reads a required name of at most maxNameLen characters.
func checkName(name *string, what string) (string, *serentak.FieldError) {
	n := ""
	if name != nil {
		n = strings.TrimSpace(*name)
	}
	switch {
	case n == "":
		fe := fieldError("name", "required", "name the %s", what)
		return "", &fe
	case utf8.RuneCountInString(n) > maxNameLen:
		fe := fieldError("name", "too_long", "must be at most %d characters", maxNameLen)
		return "", &fe
	}
	return n, nil
}

// createOrganization makes an organization (the operator key only); the
// operator then adds its first owner as a member.
func (s *Server) createOrganization(c echo.Context) error {
	if !principalOf(c).operator {
		return serentak.Errorf(codeForbidden, "only the operator key can create organizations")
	}
	var req organizationRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	name, fe := checkName(req.Name, "organization (the agency)")
	if fe != nil {
		return serentak.Invalid("the organization is not valid", *fe)
	}
	o := serentak.Organization{ID: serentak.NewID(serentak.PrefixOrganization), Name: name, CreatedAt: s.now()}
	if err := s.cfg.Store.CreateOrganization(c.Request().Context(), o); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewOrganization(o))
}

// listOrganizations answers the operator every organization, paged by
// cursor, and a person the organizations they belong to, with their role
// (a person belongs to few: one page). A workspace key belongs to none.
func (s *Server) listOrganizations(c echo.Context) error {
	q := c.QueryParams()
	if err := storableQuery(q); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := principalOf(c)
	switch {
	case p.userID != "":
		ms, orgs, err := s.cfg.Store.FindUserOrgMemberships(ctx, p.userID)
		if err != nil {
			return err
		}
		out := organizationListView{Data: make([]organizationView, len(ms))}
		for i, m := range ms {
			out.Data[i] = viewOrganization(orgs[i])
			out.Data[i].Role = m.Role
		}
		return c.JSON(http.StatusOK, out)
	case !p.operator:
		return serentak.Errorf(codeForbidden, "an API key belongs to one workspace, not to an organization; use a person's session or the operator key")
	}
	cursor, limit, err := pageQuery(q, serentak.PrefixOrganization)
	if err != nil {
		return err
	}
	orgs, next, err := s.cfg.Store.FindOrganizations(ctx, cursor, limit)
	if err != nil {
		return err
	}
	out := organizationListView{Data: make([]organizationView, len(orgs)), NextCursor: stringPtr(next)}
	for i, o := range orgs {
		out.Data[i] = viewOrganization(o)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getOrganization(c echo.Context) error {
	o, err := s.cfg.Store.FindOrganizationByID(c.Request().Context(), organizationID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewOrganization(o))
}

// patchOrganization renames an organization (the manage power).
func (s *Server) patchOrganization(c echo.Context) error {
	var req organizationRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	name, fe := checkName(req.Name, "organization (the agency)")
	if fe != nil {
		return serentak.Invalid("the organization is not valid", *fe)
	}
	o, err := s.cfg.Store.UpdateOrganization(c.Request().Context(), serentak.Organization{ID: organizationID(c), Name: name})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewOrganization(o))
}

// listOrgWorkspaces pages, by ID, through the workspaces the organization
// owns (any member: they hold a role in each).
func (s *Server) listOrgWorkspaces(c echo.Context) error {
	q := c.QueryParams()
	if err := storableQuery(q); err != nil {
		return err
	}
	cursor, limit, err := pageQuery(q, serentak.PrefixWorkspace)
	if err != nil {
		return err
	}
	wss, next, err := s.cfg.Store.FindOrgWorkspaces(c.Request().Context(), organizationID(c), cursor, limit)
	if err != nil {
		return err
	}
	out := workspaceListView{Data: make([]workspaceView, len(wss)), NextCursor: stringPtr(next)}
	for i, ws := range wss {
		out.Data[i] = s.viewWorkspace(c, ws)
	}
	return c.JSON(http.StatusOK, out)
}

// Members of an organization: as members of a workspace (members.go),
// with the manage power; a caller gives, changes and removes only roles
// its own covers, and the last owner stays.

// addOrgMember makes a person a member of the organization; an unknown
// email becomes a new user with an invite link.
func (s *Server) addOrgMember(c echo.Context) error {
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
	m := serentak.OrgMembership{OrganizationID: organizationID(c), UserID: u.ID, Role: role, CreatedAt: s.now()}
	if err := s.cfg.Store.AddOrgMember(ctx, m); err != nil {
		return err
	}
	s.recordOrgChange(c, "organization.member.add", u.ID, role)
	out := memberView{UserID: u.ID, Email: u.Email, Name: u.Name, Role: role, CreatedAt: m.CreatedAt}
	if link != nil {
		out.InviteURL, out.InviteExpiresAt = link.URL, &link.ExpiresAt
		// Emailed as a workspace's invite is; an organization has no
		// language of its own, so Bahasa Indonesia.
		org, err := s.cfg.Store.FindOrganizationByID(ctx, m.OrganizationID)
		if err != nil {
			return err
		}
		s.mailLink(u, serentak.TokenInvite, serentak.DefaultLanguage, org.Name, *link, nil)
	}
	return c.JSON(http.StatusCreated, out)
}

// listOrgMembers lists the organization's members, oldest first.
func (s *Server) listOrgMembers(c echo.Context) error {
	ms, users, err := s.cfg.Store.FindOrgMembers(c.Request().Context(), organizationID(c))
	if err != nil {
		return err
	}
	out := make([]memberView, len(ms))
	for i, m := range ms {
		out[i] = memberView{UserID: m.UserID, Email: users[i].Email, Name: users[i].Name, Role: m.Role, CreatedAt: m.CreatedAt}
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

// orgMember finds a member of the organization the caller may manage.
func (s *Server) orgMember(c echo.Context) (serentak.OrgMembership, error) {
	m, err := s.cfg.Store.FindOrgMembership(c.Request().Context(), organizationID(c), c.Param("id"))
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return m, serentak.NotFound("member")
	}
	if err != nil {
		return m, err
	}
	return m, s.mayGive(c, m.Role)
}

// changeOrgMember sets a member's organization role.
func (s *Server) changeOrgMember(c echo.Context) error {
	return s.changeMemberIn(c, s.orgMembers(c))
}

// removeOrgMember ends an organization membership: the person loses the
// role in every workspace of the organization, not their own
// memberships of some of them.
func (s *Server) removeOrgMember(c echo.Context) error {
	return s.removeMemberIn(c, s.orgMembers(c))
}

func (s *Server) orgMembers(c echo.Context) memberScope {
	return memberScope{
		find: func(c echo.Context) (string, serentak.Role, time.Time, error) {
			m, err := s.orgMember(c)
			return m.UserID, m.Role, m.CreatedAt, err
		},
		change: func(ctx context.Context, userID string, role serentak.Role) error {
			return s.cfg.Store.ChangeOrgMember(ctx, organizationID(c), userID, role)
		},
		changed: func(c echo.Context, removed bool, userID string, role serentak.Role) {
			action := "organization.member.update"
			if removed {
				action = "organization.member.remove"
			}
			s.recordOrgChange(c, action, userID, role)
		},
	}
}

// recordOrgChange records a change of an organization's members. The
// audit log is per workspace (and an organization may own thousands), so
// these go to the server's log, one structured line each, with who did
// it (docs/api.md#organizations).
func (s *Server) recordOrgChange(c echo.Context, action, target string, role serentak.Role) {
	a := actorOf(principalOf(c))
	s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "audit",
		slog.String("request_id", requestID(c)),
		slog.String("organization", organizationID(c)),
		slog.String("actor_type", a.Type), slog.String("actor_id", a.ID),
		slog.String("action", action), slog.String("target", target), slog.String("role", string(role)))
}
