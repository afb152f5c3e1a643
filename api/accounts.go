package api

import (
	"context"
	"net/http"
	"slices"
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
	setAuditTarget(c, acc.ID)
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

// Permissions beyond publishing (docs/api.md#accounts). An account
// connected before Serentak asked for a permission a feature needs (a
// Facebook Page without pages_manage_engagement, which the first comment
// needs) is told which one it lacks: in the account's missing_permissions,
// and as a warning on a target that uses the feature. Only granted scopes
// recorded at connect are compared; an account attached with its token
// has none, and is told nothing. Which permission a feature needs is the
// adapters' knowledge (PermissionsFor), asked through
// Config.PermissionsFunc.

// permissionFeatures are the features an account's answer checks: the
// first comment, and platform metrics (docs/api.md#platform-metrics),
// which an account connected before Serentak asked for their permission
// lacks until it is reconnected.
var permissionFeatures = []string{"first_comment", serentak.FeatureMetrics}

// missingPermission is one permission an account lacks for a feature.
type missingPermission struct {
	Permission string `json:"permission"`
	NeededFor  string `json:"needed_for"`
}

// missingPermissions returns the permissions the features need on
// platform p that granted lacks; empty (never nil) when granted is
// unknown.
func (s *Server) missingPermissions(p serentak.Platform, granted, features []string) []missingPermission {
	out := []missingPermission{}
	if s.cfg.PermissionsFunc == nil || len(granted) == 0 {
		return out
	}
	for _, f := range features {
		for _, perm := range s.cfg.PermissionsFunc(p, f) {
			if !slices.Contains(granted, perm) {
				out = append(out, missingPermission{Permission: perm, NeededFor: f})
			}
		}
	}
	return out
}

// usedFeatures are the features of permissionFeatures a target's options
// use.
func usedFeatures(o serentak.Options) []string {
	if strings.TrimSpace(o.FirstComment) != "" {
		return []string{"first_comment"}
	}
	return nil
}

// permissionWarnings are a target's warnings about permissions its
// account is known to lack for the options it uses. The post itself
// publishes; only the feature is skipped.
func (s *Server) permissionWarnings(acc serentak.Account, o serentak.Options, granted []string) []serentak.Warning {
	var out []serentak.Warning
	for _, m := range s.missingPermissions(acc.Platform, granted, usedFeatures(o)) {
		out = append(out, serentak.NewWarning(serentak.WarnPermissionMissing, "feature", m.NeededFor,
			"permission", m.Permission, "feature_words", strings.ReplaceAll(m.NeededFor, "_", " ")))
	}
	return out
}

// deleteAccount removes a connected account (docs/api.md#removing-an-account):
// in one transaction its deliveries not started are canceled with the
// reason account_removed and its tokens erased; a delivery being
// published finishes. Then its token is revoked at the platform where the
// platform allows it (as when a workspace is deleted); a failure is logged
// and does not undo the removal: the merchant can still remove the app on
// the platform. The account answers 404 from then on; connecting the same
// platform account again makes a new one.
func (s *Server) deleteAccount(c echo.Context) error {
	ctx := c.Request().Context()
	ws := workspaceID(c)
	acc, err := s.cfg.Store.DeleteAccount(ctx, ws, c.Param("id"))
	if err != nil {
		return err
	}
	if r := s.cfg.Revokers[acc.Platform]; r != nil {
		// The removal is committed: a client hanging up must not stop the
		// revocation.
		if err := r.RevokeToken(context.WithoutCancel(ctx), acc); err != nil {
			s.log.Warn("could not revoke a removed account's token at its platform; the account is removed anyway",
				"request_id", requestID(c), "workspace", ws, "account", acc.ID, "platform", acc.Platform, "error", err.Error())
		}
	}
	return c.NoContent(http.StatusNoContent)
}
