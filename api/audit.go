package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// ctxAuditTarget holds the ID of what a request created, set by its
// handler (setAuditTarget) for auditMiddleware; "-" means the request
// changed nothing (an idempotent replay).
const ctxAuditTarget = "serentak.audit_target"

// auditNothing is the ctxAuditTarget of a request that changed nothing.
const auditNothing = "-"

// auditAction names, for every mutating workspace route (method and route
// template), the action its audit entry records (docs/api.md#audit-log).
// "" marks a route that changes nothing a workspace owns (a preview, the
// bytes of an upload in progress) and is never recorded. A mutating
// workspace route missing here fails TestEveryMutatingRouteHasAnAuditAction;
// one that still reached production is recorded under its method and path.
//
// A route whose action has needTarget is recorded only when its handler
// names a target (setAuditTarget): the PATCH of an upload makes media only
// with its last bytes.
var auditActions = map[string]auditAction{
	"PATCH /v1/workspaces/:ws": {name: "workspace.update"},

	"POST /v1/workspaces/:ws/keys":       {name: "key.create"},
	"DELETE /v1/workspaces/:ws/keys/:id": {name: "key.revoke"},

	"POST /v1/workspaces/:ws/members":       {name: "member.add"},
	"PATCH /v1/workspaces/:ws/members/:id":  {name: "member.update"},
	"DELETE /v1/workspaces/:ws/members/:id": {name: "member.remove"},
	// The link is not recorded (it is a key), only that one was made.
	"POST /v1/workspaces/:ws/members/:id/password-reset": {name: "member.password_reset_link"},

	"POST /v1/workspaces/:ws/webhooks":                                  {name: "webhook.create"},
	"PATCH /v1/workspaces/:ws/webhooks/:id":                             {name: "webhook.update"},
	"DELETE /v1/workspaces/:ws/webhooks/:id":                            {name: "webhook.delete"},
	"POST /v1/workspaces/:ws/webhooks/:id/rotate-secret":                {name: "webhook.rotate_secret"},
	"POST /v1/workspaces/:ws/webhooks/:id/test":                         {name: "webhook.test"},
	"POST /v1/workspaces/:ws/webhooks/:id/deliveries/:attempt_id/retry": {name: "webhook.retry"},

	"POST /v1/workspaces/:ws/accounts":                    {name: "account.attach"},
	"POST /v1/workspaces/:ws/accounts/:id/reconnect-link": {name: "account.reconnect_link"},
	"DELETE /v1/workspaces/:ws/accounts/:id":              {name: "account.delete"},

	"POST /v1/workspaces/:ws/posts": {name: "post.create"},
	// One entry per file (not per post); none when no post was made.
	"POST /v1/workspaces/:ws/posts/import":            {name: "post.import"},
	"PATCH /v1/workspaces/:ws/posts/:id":              {name: "post.update"},
	"POST /v1/workspaces/:ws/posts/:id/cancel":        {name: "post.cancel"},
	"POST /v1/workspaces/:ws/posts/:id/schedule":      {name: "post.schedule"},
	"DELETE /v1/workspaces/:ws/posts/:id":             {name: "post.delete"},
	"POST /v1/workspaces/:ws/posts/:id/approve":       {name: "post.approve"},
	"POST /v1/workspaces/:ws/posts/:id/reject":        {name: "post.reject"},
	"POST /v1/workspaces/:ws/posts/:id/approval-link": {name: "post.approval_link"},
	"POST /v1/workspaces/:ws/posts/preview":           {}, // composes, stores nothing

	"PUT /v1/workspaces/:ws/queue": {name: "queue.update"},

	"PUT /v1/workspaces/:ws/templates/:platform/:language":    {name: "template.put"},
	"DELETE /v1/workspaces/:ws/templates/:platform/:language": {name: "template.delete"},

	"POST /v1/workspaces/:ws/media":       {name: "media.create"},
	"DELETE /v1/workspaces/:ws/media/:id": {name: "media.delete"},

	"POST /v1/workspaces/:ws/uploads":       {}, // an upload in progress is not the workspace's yet
	"PATCH /v1/workspaces/:ws/uploads/:id":  {name: "media.create", needTarget: true},
	"DELETE /v1/workspaces/:ws/uploads/:id": {},

	// Deleting a workspace erases its audit log with it (the point of
	// deletion under UU PDP); the deletion is in the server's log.
	"DELETE /v1/workspaces/:ws": {},
}

type auditAction struct {
	name       string
	needTarget bool
}

// setAuditTarget names the ID of what the request created, for its audit
// entry (routes without an :id of their own).
func setAuditTarget(c echo.Context, id string) { c.Set(ctxAuditTarget, id) }

// auditMiddleware records one audit entry after a workspace request that
// changed something: a POST, PUT, PATCH or DELETE answered 2xx with no
// error. A refused request (4xx, 5xx) is never recorded. The target is what
// the handler named (setAuditTarget), else the route's :id, else the
// platform/language of a template, else the workspace.
//
// The entry is written after the change, not in its transaction: a crash
// (or a database failure) between the two loses the entry; the failure is
// logged. Keeping it here, in one place on every workspace route, is what
// makes a new route impossible to forget.
func (s *Server) auditMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			return err
		}
		switch c.Request().Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return nil
		}
		if st := c.Response().Status; st < 200 || st > 299 {
			return nil
		}
		route := c.Request().Method + " " + c.Path()
		a, known := auditActions[route]
		if !known {
			a.name = route
		}
		target, _ := c.Get(ctxAuditTarget).(string)
		if a.name == "" || target == auditNothing || (a.needTarget && target == "") {
			return nil
		}
		if target == "" {
			target = auditTargetOf(c)
		}
		s.record(c, workspaceID(c), actorOf(principalOf(c)), a.name, target)
		return nil
	}
}

// record writes one audit entry after a change that succeeded. Besides
// auditMiddleware, only the changes made outside the workspace routes call
// it: creating a workspace, an OAuth callback's accounts and a decision
// through an approval link. A failure is logged: the change stands.
func (s *Server) record(c echo.Context, ws string, actor serentak.Actor, action, target string) {
	s.auditMu.Lock()
	s.auditLast = serentak.NewIDAfter(serentak.PrefixAudit, s.auditLast)
	id := s.auditLast
	s.auditMu.Unlock()
	e := serentak.AuditEntry{
		ID: id, WorkspaceID: ws,
		Actor: actor, Action: action, TargetID: target, CreatedAt: s.now(),
	}
	if err := s.cfg.Store.AddAudit(c.Request().Context(), e); err != nil {
		s.log.Error("the audit entry of a change was not written", "request_id", requestID(c),
			"workspace", e.WorkspaceID, "action", e.Action, "target", e.TargetID, "error", err.Error())
	}
}

// auditTargetOf is the target a route names in its path.
func auditTargetOf(c echo.Context) string {
	if id := c.Param("id"); id != "" {
		return id
	}
	if p := c.Param("platform"); p != "" && c.Param("language") != "" {
		return p + "/" + c.Param("language")
	}
	return workspaceID(c)
}

// actorOf is who the principal is in the audit log: a person, a key or the
// operator.
func actorOf(p principal) serentak.Actor {
	switch {
	case p.operator:
		return serentak.Actor{Type: serentak.ActorOperator}
	case p.userID != "":
		return serentak.Actor{Type: serentak.ActorUser, ID: p.userID}
	default:
		return serentak.Actor{Type: serentak.ActorKey, ID: p.keyID}
	}
}

// auditEntryView is one entry of GET …/audit.
type auditEntryView struct {
	ID        string         `json:"id"`
	Actor     auditActorView `json:"actor"`
	Action    string         `json:"action"`
	TargetID  string         `json:"target_id"`
	CreatedAt time.Time      `json:"created_at"`
}

type auditActorView struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

type auditListView struct {
	Data       []auditEntryView `json:"data"`
	NextCursor *string          `json:"next_cursor"`
}

// listAudit pages through the workspace's audit log, newest first.
func (s *Server) listAudit(c echo.Context) error {
	q := c.QueryParams()
	if err := storableQuery(q); err != nil {
		return err
	}
	cursor, limit, err := pageQuery(q, serentak.PrefixAudit)
	if err != nil {
		return err
	}
	entries, next, err := s.cfg.Store.FindAudit(c.Request().Context(), workspaceID(c), cursor, limit)
	if err != nil {
		return err
	}
	out := auditListView{Data: make([]auditEntryView, 0, len(entries)), NextCursor: stringPtr(next)}
	for _, e := range entries {
		out.Data = append(out.Data, viewAuditEntry(e))
	}
	return c.JSON(http.StatusOK, out)
}

func viewAuditEntry(e serentak.AuditEntry) auditEntryView {
	return auditEntryView{
		ID: e.ID, Actor: auditActorView{Type: e.Actor.Type, ID: e.Actor.ID},
		Action: e.Action, TargetID: e.TargetID, CreatedAt: e.CreatedAt,
	}
}

// pageQuery reads a cursor-paged list's cursor (an ID with prefix, from
// the previous page's next_cursor) and limit (1 to 100, default 20).
func pageQuery(q url.Values, prefix string) (cursor string, limit int, err error) {
	limit = 20
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return "", 0, serentak.Invalid("invalid query parameters", fieldError("limit", "invalid", "must be an integer from 1 to 100"))
		}
		limit = n
	}
	cursor = q.Get("cursor")
	if cursor != "" && !wellFormedID(cursor, prefix) {
		return "", 0, serentak.Invalid("invalid query parameters", fieldError("cursor", "invalid", "use the next_cursor of the previous page"))
	}
	return cursor, limit, nil
}
