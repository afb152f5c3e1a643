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
	Name     *string `json:"name"`
	Timezone *string `json:"timezone"`
}

// createWorkspace makes a workspace and its first key (operator only).
func (s *Server) createWorkspace(c echo.Context) error {
	if !principalOf(c).operator {
		return serentak.Errorf(codeForbidden, "only the operator key can create workspaces")
	}
	var req createWorkspaceRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
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
	ws := serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: name, Timezone: tz, CreatedAt: now}
	// The workspace's first key is its owner's (the contract).
	secret, key := newAPIKey(ws.ID, serentak.RoleOwner, "", now)
	if err := s.cfg.Store.CreateWorkspace(c.Request().Context(), ws, key); err != nil {
		return err
	}
	v := viewWorkspace(ws)
	v.APIKey = secret
	return c.JSON(http.StatusCreated, v)
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

func (s *Server) getWorkspace(c echo.Context) error {
	ws, err := s.cfg.Store.FindWorkspaceByID(c.Request().Context(), workspaceID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewWorkspace(ws))
}
