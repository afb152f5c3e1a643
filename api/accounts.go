package api

import (
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

const maxTokenLen = 8192

type attachAccountRequest struct {
	Platform       string  `json:"platform"`
	ExternalID     string  `json:"external_id"`
	Name           string  `json:"name"`
	AccessToken    string  `json:"access_token"`
	RefreshToken   string  `json:"refresh_token"`
	TokenExpiresAt *string `json:"token_expires_at"`
}

// attachAccount stores an account whose token the caller already holds.
// Attaching the same platform and external_id again updates the account
// in place (new token, name, status back to active) and answers 200
// instead of 201.
func (s *Server) attachAccount(c echo.Context) error {
	var req attachAccountRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	var errs []serentak.FieldError
	p := serentak.Platform(req.Platform)
	if !p.Valid() {
		errs = append(errs, fieldError("platform", "invalid", "must be one of %s", platformList()))
	}
	extID := strings.TrimSpace(req.ExternalID)
	switch {
	case extID == "":
		errs = append(errs, fieldError("external_id", "required", "give the platform's ID of the account (Page ID, IG user ID, channel ID or open_id)"))
	case len(extID) > maxNameLen || strings.IndexFunc(extID, unicode.IsSpace) >= 0:
		errs = append(errs, fieldError("external_id", "invalid", "must be at most %d characters without spaces", maxNameLen))
	}
	name := strings.TrimSpace(req.Name)
	if utf8.RuneCountInString(name) > maxNameLen {
		errs = append(errs, fieldError("name", "too_long", "must be at most %d characters", maxNameLen))
	}
	switch {
	case strings.TrimSpace(req.AccessToken) == "":
		errs = append(errs, fieldError("access_token", "required", "give the token that publishes for this account"))
	case len(req.AccessToken) > maxTokenLen:
		errs = append(errs, fieldError("access_token", "too_long", "must be at most %d bytes", maxTokenLen))
	}
	if len(req.RefreshToken) > maxTokenLen {
		errs = append(errs, fieldError("refresh_token", "too_long", "must be at most %d bytes", maxTokenLen))
	}
	var expires time.Time
	if req.TokenExpiresAt != nil {
		t, err := time.Parse(time.RFC3339, *req.TokenExpiresAt)
		if err != nil {
			errs = append(errs, fieldError("token_expires_at", "invalid", "must be an RFC 3339 time with an offset, e.g. 2026-12-01T00:00:00Z"))
		}
		expires = t
	}
	if len(errs) > 0 {
		return serentak.Invalid("the account is not valid", errs...)
	}

	acc, created, err := s.cfg.Store.UpsertAccount(c.Request().Context(), serentak.Account{
		ID: serentak.NewID(serentak.PrefixAccount), WorkspaceID: workspaceID(c),
		Platform: p, ExternalID: extID, Name: name, Status: serentak.AccountActive,
		Token: serentak.Token{AccessToken: strings.TrimSpace(req.AccessToken), RefreshToken: strings.TrimSpace(req.RefreshToken), ExpiresAt: expires},
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, viewAccount(acc))
}

func platformList() string {
	names := make([]string, len(serentak.Platforms))
	for i, p := range serentak.Platforms {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

func (s *Server) listAccounts(c echo.Context) error {
	as, err := s.cfg.Store.FindAccounts(c.Request().Context(), workspaceID(c))
	if err != nil {
		return err
	}
	views, err := s.viewAccountsWithHealth(c, as)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": views})
}

func (s *Server) getAccount(c echo.Context) error {
	a, err := s.cfg.Store.FindAccountByID(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	views, err := s.viewAccountsWithHealth(c, []serentak.Account{a})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, views[0])
}
