package api

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// Limits on names people type.
const maxNameLen = 200

type createWorkspaceRequest struct {
	Name           *string `json:"name"`
	Timezone       *string `json:"timezone"`
	OrganizationID *string `json:"organization_id"`
}

// createWorkspace makes a workspace and its first key: the operator's,
// or, in an organization, an admin's or owner's of that organization
// (with a session). The key has the creator's role: owner for the
// operator, the organization role for a person (never above it).
func (s *Server) createWorkspace(c echo.Context) error {
	p := principalOf(c)
	if !p.operator && p.userID == "" {
		return serentak.Errorf(codeForbidden, "only the operator key, or an organization's admin or owner signed in, can create workspaces")
	}
	var req createWorkspaceRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	keyRole, orgID := serentak.RoleOwner, deref(req.OrganizationID)
	if !p.operator && orgID == "" {
		return serentak.Errorf(codeForbidden, "only the operator key can create a workspace outside an organization; name your organization_id")
	}
	if req.OrganizationID != nil {
		role, err := s.orgRoleToCreate(c, orgID)
		if err != nil {
			return err
		}
		if !p.operator {
			keyRole = role
		}
	}
	var errs []serentak.FieldError
	name := ""
	if req.Name != nil {
		name = strings.TrimSpace(*req.Name)
	}
	switch {
	case name == "":
		errs = append(errs, fieldError("name", "required", "name the workspace (the business)"))
	case utf8.RuneCountInString(name) > maxNameLen:
		errs = append(errs, fieldError("name", "too_long", "must be at most %d characters", maxNameLen))
	}
	tz := serentak.DefaultTimezone
	if req.Timezone != nil {
		tz = strings.TrimSpace(*req.Timezone)
		if fe, ok := checkTimezone(tz); !ok {
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		return serentak.Invalid("the workspace is not valid", errs...)
	}

	now := s.now().UTC()
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: name, Timezone: tz, CreatedAt: now, OrganizationID: orgID}
	// The workspace's first key is its owner's (the contract), or, made
	// by an organization admin, an admin's: never above its maker.
	secret, key := newAPIKey(ws.ID, keyRole, "", now)
	if err := s.cfg.Store.CreateWorkspace(c.Request().Context(), ws, key); err != nil {
		return err
	}
	s.record(c, ws.ID, actorOf(principalOf(c)), "workspace.create", ws.ID)
	v := s.viewWorkspace(c, ws)
	v.APIKey = secret
	return c.JSON(http.StatusCreated, v)
}

// orgRoleToCreate checks that the caller may create a workspace in the
// organization orgID, and returns their role there (the operator: owner).
// Outside it: 404; a member without the manage power: 403.
func (s *Server) orgRoleToCreate(c echo.Context, orgID string) (serentak.Role, error) {
	ctx, p := c.Request().Context(), principalOf(c)
	if !wellFormedID(orgID, serentak.PrefixOrganization) {
		return "", serentak.NotFound("organization")
	}
	if p.operator {
		_, err := s.cfg.Store.FindOrganizationByID(ctx, orgID)
		return serentak.RoleOwner, err
	}
	m, err := s.cfg.Store.FindOrgMembership(ctx, orgID, p.userID)
	if err != nil {
		return "", err
	}
	if !m.Role.Can(serentak.PowerManage) {
		return "", serentak.Errorf(codeForbidden, "your role in this organization does not allow creating workspaces (it needs the %s power)", serentak.PowerManage)
	}
	return m.Role, nil
}

// checkTimezone accepts IANA names only. "Local" means the server's zone,
// which is nobody's business, and "" would mean UTC by accident.
func checkTimezone(tz string) (serentak.FieldError, bool) {
	switch tz {
	case "":
		return fieldError("timezone", "required", "must be an IANA time zone such as Asia/Jakarta; omit it for %s", serentak.DefaultTimezone), false
	case "Local":
		return fieldError("timezone", "invalid", "must be an IANA time zone such as Asia/Jakarta, not Local"), false
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fieldError("timezone", "invalid", "unknown time zone %q; use an IANA name such as Asia/Jakarta", tz), false
	}
	return serentak.FieldError{}, true
}

// checkHandle accepts a link-in-bio handle ("" clears it): written
// lower-case, as people type it into a profile.
func checkHandle(h string) (serentak.FieldError, bool) {
	switch serentak.HandleProblem(h) {
	case "":
		return serentak.FieldError{}, true
	case "length":
		if h == "" {
			return serentak.FieldError{}, true
		}
		return fieldError("handle", "invalid", "must be %d to %d characters long", serentak.MinHandleLen, serentak.MaxHandleLen), false
	case "reserved":
		return fieldError("handle", "reserved", "%q is kept for the site itself; choose another", h), false
	}
	return fieldError("handle", "invalid", "may hold only the letters a to z, digits and single hyphens between them, e.g. toko-sari"), false
}

type patchWorkspaceRequest struct {
	Name             *string `json:"name"`
	Timezone         *string `json:"timezone"`
	Language         *string `json:"language"`
	ApprovalRequired *bool   `json:"approval_required"`
	TrackedLinks     *bool   `json:"tracked_links"`
	// Handle names the link-in-bio page; "" removes it.
	Handle *string `json:"handle"`
}

// patchWorkspace changes a workspace's settings (the manage power); a
// field left out keeps its value.
func (s *Server) patchWorkspace(c echo.Context) error {
	var req patchWorkspaceRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ws, err := s.cfg.Store.FindWorkspaceByID(ctx, workspaceID(c))
	if err != nil {
		return err
	}
	var errs []serentak.FieldError
	if req.Name != nil {
		ws.Name = strings.TrimSpace(*req.Name)
		switch {
		case ws.Name == "":
			errs = append(errs, fieldError("name", "required", "must not be empty"))
		case utf8.RuneCountInString(ws.Name) > maxNameLen:
			errs = append(errs, fieldError("name", "too_long", "must be at most %d characters", maxNameLen))
		}
	}
	if req.Timezone != nil {
		ws.Timezone = strings.TrimSpace(*req.Timezone)
		if fe, ok := checkTimezone(ws.Timezone); !ok {
			errs = append(errs, fe)
		}
	}
	if req.Language != nil {
		ws.Language = *req.Language
		if ws.Language != "id" && ws.Language != "en" {
			errs = append(errs, fieldError("language", "invalid", `must be "id" (Bahasa Indonesia) or "en" (English)`))
		}
	}
	if req.ApprovalRequired != nil {
		ws.ApprovalRequired = *req.ApprovalRequired
	}
	if req.TrackedLinks != nil {
		ws.TrackedLinks = *req.TrackedLinks
	}
	if req.Handle != nil {
		ws.Handle = strings.ToLower(strings.TrimSpace(*req.Handle))
		if fe, ok := checkHandle(ws.Handle); !ok {
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		return serentak.Invalid("the workspace is not valid", errs...)
	}
	ws, err = s.cfg.Store.UpdateWorkspace(ctx, ws)
	if err != nil {
		return err
	}
	v := s.viewWorkspace(c, ws)
	if req.TrackedLinks != nil && ws.TrackedLinks {
		// Switched on whatever the public URL (the contract); the answer
		// says when buyers' phones could not open the links.
		v.Warnings = s.publicURLWarnings(ctx)
	}
	return c.JSON(http.StatusOK, v)
}

// listWorkspaces answers the workspaces the caller may see: the operator
// every one, paged by cursor; a workspace key its own.
func (s *Server) listWorkspaces(c echo.Context) error {
	q := c.QueryParams()
	if err := storableQuery(q); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := principalOf(c)
	if p.userID != "" {
		return s.listMemberWorkspaces(c, p.userID)
	}
	if !p.operator {
		ws, err := s.cfg.Store.FindWorkspaceByID(ctx, p.workspaceID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, workspaceListView{Data: []workspaceView{s.viewWorkspace(c, ws)}})
	}
	cursor, limit, err := pageQuery(q, serentak.PrefixWorkspace)
	if err != nil {
		return err
	}
	wss, next, err := s.cfg.Store.FindWorkspaces(ctx, cursor, limit)
	if err != nil {
		return err
	}
	out := workspaceListView{Data: make([]workspaceView, 0, len(wss)), NextCursor: stringPtr(next)}
	for _, ws := range wss {
		out.Data = append(out.Data, s.viewWorkspace(c, ws))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getWorkspace(c echo.Context) error {
	ws, err := s.cfg.Store.FindWorkspaceByID(c.Request().Context(), workspaceID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewWorkspace(c, ws))
}

// listMemberWorkspaces answers a person's workspaces, paged by ID: those
// they are a member of and those their organizations own, each with the
// role that applies there.
func (s *Server) listMemberWorkspaces(c echo.Context, userID string) error {
	cursor, limit, err := pageQuery(c.QueryParams(), serentak.PrefixWorkspace)
	if err != nil {
		return err
	}
	as, next, err := s.cfg.Store.FindUserWorkspaces(c.Request().Context(), userID, cursor, limit)
	if err != nil {
		return err
	}
	out := workspaceListView{Data: make([]workspaceView, len(as)), NextCursor: stringPtr(next)}
	for i, a := range as {
		out.Data[i] = s.viewWorkspace(c, a.Workspace)
		out.Data[i].Role = a.Role
	}
	return c.JSON(http.StatusOK, out)
}
