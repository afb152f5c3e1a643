package api

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// keyPrefixLen is how much of a key's secret is kept and listed: "sk_"
// and 8 of its 43 random characters (48 of 256 bits), enough for a person
// to tell which key is which, far too little to guess the rest.
const keyPrefixLen = 11

// newAPIKey mints a workspace key with a role: "sk_" and 32 random bytes.
// Only its hash and prefix are stored; the secret is shown once.
func newAPIKey(workspaceID string, role serentak.Role, name string, now time.Time) (string, serentak.APIKey) {
	var b [32]byte
	rand.Read(b[:]) // cannot fail (Go 1.24 and later)
	secret := "sk_" + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, serentak.APIKey{
		ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: workspaceID,
		Hash: serentak.HashSecret(secret), Role: role, Name: name, Prefix: secret[:keyPrefixLen],
		CreatedAt: now,
	}
}

type createKeyRequest struct {
	Name *string `json:"name"`
	Role *string `json:"role"`
}

// createKey mints one more key for a workspace (the manage power). The
// body is optional, for clients written before keys had roles; the role
// defaults to admin and may never have a power the caller lacks.
func (s *Server) createKey(c echo.Context) error {
	var req createKeyRequest
	if c.Request().ContentLength != 0 {
		if _, err := s.readJSON(c, &req); err != nil {
			return err
		}
	}
	var errs []serentak.FieldError
	name := ""
	if req.Name != nil {
		name = strings.TrimSpace(*req.Name)
		if utf8.RuneCountInString(name) > maxNameLen {
			errs = append(errs, fieldError("name", "too_long", "must be at most %d characters", maxNameLen))
		}
	}
	role := serentak.DefaultKeyRole
	if req.Role != nil {
		role = serentak.Role(*req.Role)
		if !role.Valid() {
			errs = append(errs, fieldError("role", "invalid", "must be one of viewer, approver, editor, admin or owner"))
		}
	}
	if len(errs) > 0 {
		return serentak.Invalid("the key is not valid", errs...)
	}
	if p := principalOf(c); !p.covers(role) {
		return serentak.Errorf(codeForbidden, "a %s key cannot make a %s key: it would have powers yours lacks", p.role, role)
	}
	now := s.now()
	secret, key := newAPIKey(workspaceID(c), role, name, now)
	if err := s.cfg.Store.CreateAPIKey(c.Request().Context(), key); err != nil {
		return err
	}
	setAuditTarget(c, key.ID)
	return c.JSON(http.StatusCreated, keyCreatedView{ID: key.ID, Name: key.Name, Role: key.Role, APIKey: secret, CreatedAt: now})
}

// listKeys lists the workspace's live keys, without their secrets.
func (s *Server) listKeys(c echo.Context) error {
	keys, err := s.cfg.Store.FindAPIKeys(c.Request().Context(), workspaceID(c))
	if err != nil {
		return err
	}
	out := make([]keyView, len(keys))
	for i, k := range keys {
		out[i] = keyView{ID: k.ID, Name: k.Name, Role: k.Role, Prefix: k.Prefix, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt}
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

// revokeKey ends a key: from the next request on, on every API process,
// it answers 401 (the auth path looks each key up by its hash; nothing
// caches it). A key may revoke itself. Like minting, revoking is limited
// to keys whose role the caller's covers: an admin cannot lock the
// owner out (only an owner manages owners).
func (s *Server) revokeKey(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	keys, err := s.cfg.Store.FindAPIKeys(ctx, ws)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(keys, func(k serentak.APIKey) bool { return k.ID == id })
	if i < 0 {
		return serentak.NotFound("key")
	}
	if p := principalOf(c); !p.covers(keys[i].Role) {
		return serentak.Errorf(codeForbidden, "a %s key cannot revoke a %s key", p.role, keys[i].Role)
	}
	if err := s.cfg.Store.RevokeAPIKey(ctx, ws, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
