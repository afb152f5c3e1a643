package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// Keys of values kept in the echo.Context.
const (
	ctxRequestID = "serentak.request_id"
	ctxPrincipal = "serentak.principal"
	ctxWorkspace = "serentak.workspace"
)

// principal is who a request acts as: the operator (every power in every
// workspace) or a workspace key with its role. A later kind of caller (a
// person's session, with a role per workspace) fills role for the
// workspace of the request in workspaceMiddleware; needMiddleware asks
// can and nothing else.
type principal struct {
	operator    bool
	keyID       string // workspace keys only
	workspaceID string // workspace keys only
	// role is a key's, or a session's role in the workspace of the
	// request (its membership's, else its organization's: set by
	// workspaceMiddleware) or in the organization of the request (set by
	// orgMiddleware).
	role serentak.Role
	// userID and sessionID: sessions only.
	userID, sessionID string
}

// can reports whether the principal has power p in the workspace of the
// request.
func (p principal) can(pw serentak.Power) bool { return p.operator || p.role.Can(pw) }

// covers reports whether the principal may give role r (to a key): never
// a role with a power the principal lacks.
func (p principal) covers(r serentak.Role) bool {
	return r.Valid() && (p.operator || p.role.Covers(r))
}

func requestID(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

func principalOf(c echo.Context) principal {
	p, _ := c.Get(ctxPrincipal).(principal)
	return p
}

// workspaceID is the workspace of a /v1/workspaces/{ws}/… request, checked
// by workspaceMiddleware.
func workspaceID(c echo.Context) string {
	id, _ := c.Get(ctxWorkspace).(string)
	return id
}

// writeDeadlineMiddleware gives each answer cfg.WriteTimeout from when its
// handler starts (see HTTPServer). A writer without deadlines (a test
// recorder) is left without one.
func (s *Server) writeDeadlineMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		return next(c)
	}
}

// requestIDMiddleware keeps a sane incoming X-Request-ID (so a caller can
// follow its request through our logs) or makes one, and echoes it.
func (s *Server) requestIDMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID(id) {
			id = rand.Text()
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// validRequestID accepts up to 128 visible ASCII characters, so a request
// ID cannot inject lines or markup into logs.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// logPath is the request's path for a log: the route instead when the
// path carries a link's token (/v1/invites/:token), which is a key.
func logPath(c echo.Context) string {
	if c.Param("token") != "" {
		return c.Path()
	}
	return c.Request().URL.Path
}

// accessLogMiddleware writes one JSON line per request. It logs the path
// (logPath) without the query (an OAuth callback's code and state are secrets) and
// never a header: Authorization carries keys.
func (s *Server) accessLogMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err) // writes the error answer now, so its status is logged
		}
		status := c.Response().Status
		ws := workspaceID(c)
		if ws == "" {
			ws = principalOf(c).workspaceID
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("method", c.Request().Method),
			slog.String("path", logPath(c)),
			slog.Int("status", status),
			slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
			slog.Int64("bytes_out", c.Response().Size),
			slog.String("request_id", requestID(c)),
			slog.String("workspace", ws),
		)
		if s.cfg.ObserveRequestFunc != nil {
			s.cfg.ObserveRequestFunc(c.Request().Method, c.Path(), status, time.Since(start))
		}
		return nil
	}
}

// recoverMiddleware turns a panic into a 500 in the error shape; the stack
// goes to the log only.
func (s *Server) recoverMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		return next(c)
	}
}

// authMiddleware requires "Authorization: Bearer <key>": the operator key
// or a workspace key. An address that failed too often (authFails) is
// answered 429 before its key is looked at: however good the next key, it
// waits out the window.
func (s *Server) authMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, key, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		key = strings.TrimSpace(key)
		if !strings.EqualFold(scheme, "Bearer") || key == "" {
			return serentak.Errorf(serentak.ECodeUnauthorized, "send your API key as Authorization: Bearer <key>")
		}
		addr := "auth-addr:" + clientAddr(c)
		if s.authFails != nil {
			if err := s.authFails.wait(c.Request().Context(), addr); err != nil {
				c.Response().Header().Set("Retry-After", strconv.Itoa(int(authFailWindow.Seconds())))
				return err
			}
		}
		p, err := s.authenticate(c, key)
		if err != nil {
			// An unknown or revoked key, an ended session: counted.
			if s.authFails != nil && serentak.ErrorCode(err) == serentak.ECodeUnauthorized {
				s.authFails.fail(c.Request().Context(), addr)
			}
			return err
		}
		c.Set(ctxPrincipal, p)
		return next(c)
	}
}

// authenticate finds who key is: the operator, a person's session or a
// workspace key; 401 when it is none of them.
func (s *Server) authenticate(c echo.Context, key string) (principal, error) {
	if s.isAdminKey(key) {
		return principal{operator: true}, nil
	}
	if strings.HasPrefix(key, serentak.PrefixSession) {
		ses, err := s.cfg.Store.FindSessionByHash(c.Request().Context(), serentak.HashSecret(key), s.now())
		if serentak.ErrorCode(err) == serentak.ECodeNotFound {
			return principal{}, serentak.Errorf(serentak.ECodeUnauthorized, "this session has ended; sign in again")
		}
		if err != nil {
			return principal{}, fmt.Errorf("look up session: %w", err)
		}
		s.recordSessionUse(c, ses)
		return principal{userID: ses.UserID, sessionID: ses.ID}, nil
	}
	k, err := s.cfg.Store.FindAPIKeyByHash(c.Request().Context(), serentak.HashSecret(key))
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return principal{}, serentak.Errorf(serentak.ECodeUnauthorized, "invalid API key")
	}
	if err != nil {
		return principal{}, fmt.Errorf("look up API key: %w", err)
	}
	s.recordKeyUse(c, k)
	return principal{keyID: k.ID, workspaceID: k.WorkspaceID, role: k.Role}, nil
}

// recordKeyUse writes a key's last use when the one stored is a minute
// old or more (serentak.KeyUseResolution), so a busy key costs one small
// UPDATE a minute, not one per request; the lookup itself stays the one
// indexed read. It is written before the request goes on, not in a
// goroutine, so nothing outlives the request. A failure is logged and the
// request goes on: a stale "last used" must not refuse a valid key.
func (s *Server) recordKeyUse(c echo.Context, k serentak.APIKey) {
	now := s.now()
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < serentak.KeyUseResolution {
		return
	}
	if err := s.cfg.Store.TouchAPIKey(c.Request().Context(), k.ID, now); err != nil {
		s.log.Warn("API key use not recorded", "key", k.ID, "error", err)
	}
}

// recordSessionUse slides a session's end (serentak.SessionExpiry),
// writing at most once a minute per session, as recordKeyUse does.
func (s *Server) recordSessionUse(c echo.Context, ses serentak.Session) {
	now := s.now()
	if now.Sub(ses.LastUsedAt) < serentak.KeyUseResolution {
		return
	}
	if err := s.cfg.Store.TouchSession(c.Request().Context(), ses, now); err != nil {
		s.log.Warn("session use not recorded", "session", ses.ID, "error", err)
	}
}

// isAdminKey compares hashes in constant time, so neither the key's
// contents nor its length leak through timing.
func (s *Server) isAdminKey(key string) bool {
	if s.cfg.AdminKey == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(key)), sha256.Sum256([]byte(s.cfg.AdminKey))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// workspaceMiddleware admits a request to /v1/workspaces/{ws}/… when the
// key belongs to that workspace, or is the operator's and the workspace
// exists. Another workspace's key gets 404, never 403: IDs do not reveal
// that they exist.
func (s *Server) workspaceMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("ws")
		p := principalOf(c)
		switch {
		case !wellFormedID(id, serentak.PrefixWorkspace):
			return serentak.NotFound("workspace") // before any lookup (input.go)
		case p.operator:
			if _, err := s.cfg.Store.FindWorkspaceByID(c.Request().Context(), id); err != nil {
				return err
			}
		case p.userID != "":
			// A person acts with their membership's role here, else with
			// their role in the organization that owns the workspace
			// (serentak.EffectiveRole); neither: 404, as for another
			// workspace's key.
			role, err := s.cfg.Store.FindEffectiveRole(c.Request().Context(), id, p.userID)
			if err != nil {
				return err
			}
			p.role = role
			c.Set(ctxPrincipal, p)
		case p.workspaceID != id:
			return serentak.NotFound("workspace")
		}
		c.Set(ctxWorkspace, id)
		return next(c)
	}
}

// ctxOrganization holds the organization of a /v1/organizations/{org}/…
// request, checked by orgMiddleware.
const ctxOrganization = "serentak.organization"

// organizationID is the organization of the request.
func organizationID(c echo.Context) string {
	id, _ := c.Get(ctxOrganization).(string)
	return id
}

// orgMiddleware admits a request to /v1/organizations/{org}/… from the
// operator (the organization must exist) or a member of the organization,
// who acts with their organization role: the one place an organization
// role is resolved; need then checks the route's power as for a
// workspace. Anyone else, a workspace key included, gets 404: IDs do not
// reveal that they exist.
func (s *Server) orgMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("org")
		p := principalOf(c)
		ctx := c.Request().Context()
		switch {
		case !wellFormedID(id, serentak.PrefixOrganization):
			return serentak.NotFound("organization")
		case p.operator:
			if _, err := s.cfg.Store.FindOrganizationByID(ctx, id); err != nil {
				return err
			}
		case p.userID != "":
			m, err := s.cfg.Store.FindOrgMembership(ctx, id, p.userID)
			if err != nil {
				return err
			}
			p.role = m.Role
			c.Set(ctxPrincipal, p)
		default:
			return serentak.NotFound("organization")
		}
		c.Set(ctxOrganization, id)
		return next(c)
	}
}

// need returns the middleware that admits a request whose principal has
// power p in the workspace (or organization, orgMiddleware) of the
// request: the one place roles are checked. Every /v1/workspaces/{ws}
// and /v1/organizations/{org} route is registered with the power it
// needs (routes), after workspaceMiddleware, so another workspace's
// caller has had its 404 already and acting beyond one's role in one's
// own workspace is 403.
func (s *Server) need(p serentak.Power) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !principalOf(c).can(p) {
				return serentak.Errorf(codeForbidden, "your role here does not allow this (it needs the %s power)", p)
			}
			return next(c)
		}
	}
}
