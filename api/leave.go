package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/media"
)

// Leaving Serentak (docs/api.md#leaving-export-and-deletion): an owner
// (or the operator) exports a workspace's data and deletes the workspace,
// as Indonesia's personal data protection law (UU PDP No. 27/2022)
// expects of both.

// exportPage is how many posts (or media) the export reads at a time: a
// workspace with 100k posts is written as it is read, never held whole.
const exportPage = 100

// exportWorkspace streams the workspace's data as one JSON object. Secrets
// never appear: accounts are their public view (no token), keys their
// listing (no secret, no hash), members their user's id, email, name and
// role (no password hash). The audit log comes last (writeAudit).
func (s *Server) exportWorkspace(c echo.Context) error {
	ctx := c.Request().Context()
	wsID := workspaceID(c)
	st := s.cfg.Store
	ws, err := st.FindWorkspaceByID(ctx, wsID)
	if err != nil {
		return err
	}
	// Everything small is read before the first byte is written, so an
	// error still answers as JSON; posts and media are paged while
	// writing.
	accounts, err := st.FindAccounts(ctx, wsID)
	if err != nil {
		return err
	}
	templates, err := st.FindTemplates(ctx, wsID)
	if err != nil {
		return err
	}
	ms, users, err := st.FindMembers(ctx, wsID)
	if err != nil {
		return err
	}
	keys, err := st.FindAPIKeys(ctx, wsID)
	if err != nil {
		return err
	}
	webhooks, err := st.FindWebhooks(ctx, wsID)
	if err != nil {
		return err
	}
	now := s.now().UTC()

	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="serentak-%s-%s.json"`, wsID, now.Format("2006-01-02")))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := &exportWriter{w: c.Response(), enc: json.NewEncoder(c.Response()), rc: http.NewResponseController(c.Response()), timeout: s.cfg.WriteTimeout}

	w.raw(`{"exported_at":`)
	w.value(now)
	w.raw(`,"workspace":`)
	w.value(s.viewWorkspace(c, ws))
	w.raw(`,"accounts":`)
	w.value(viewAccounts(accounts))
	w.raw(`,"templates":[`)
	for i, o := range templates {
		w.item(i, viewTemplate(o))
	}
	w.raw(`],"members":[`)
	for i, m := range ms {
		w.item(i, memberView{UserID: m.UserID, Email: users[i].Email, Name: users[i].Name, Role: m.Role, CreatedAt: m.CreatedAt})
	}
	w.raw(`],"keys":[`)
	for i, k := range keys {
		w.item(i, keyView{ID: k.ID, Name: k.Name, Role: k.Role, Prefix: k.Prefix, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt})
	}
	w.raw(`],"webhooks":[`)
	for i, e := range webhooks { // without their secrets
		w.item(i, viewWebhook(e))
	}
	w.raw(`],"media":[`)
	n, cursor := 0, ""
	for w.err == nil {
		page, next, err := st.FindMediaPage(ctx, wsID, cursor, exportPage)
		if err != nil {
			return s.abortExport(c, err)
		}
		for _, m := range page {
			w.item(n, viewMedia(m))
			n++
		}
		if cursor = next; next == "" {
			break
		}
	}
	w.raw(`],"posts":[`)
	n, cursor = 0, ""
	for w.err == nil {
		page, next, err := st.FindPosts(ctx, wsID, serentak.PostFilter{Limit: exportPage, Cursor: cursor})
		if err != nil {
			return s.abortExport(c, err)
		}
		for _, p := range page {
			w.item(n, viewPost(p, apiLanguage(c)))
			n++
		}
		if cursor = next; next == "" {
			break
		}
	}
	w.raw(`]`)
	if err := s.writeAudit(ctx, wsID, w); err != nil {
		return s.abortExport(c, err)
	}
	w.raw("}\n")
	if w.err != nil {
		s.log.Warn("export cut off", "workspace", wsID, "error", w.err)
	}
	return nil
}

// writeAudit adds the workspace's audit log to the export, as
// `,"audit":[…]`, newest first, a page at a time.
func (s *Server) writeAudit(ctx context.Context, workspaceID string, w *exportWriter) error {
	w.raw(`,"audit":[`)
	n, cursor := 0, ""
	for w.err == nil {
		page, next, err := s.cfg.Store.FindAudit(ctx, workspaceID, cursor, exportPage)
		if err != nil {
			return err
		}
		for _, e := range page {
			w.item(n, viewAuditEntry(e))
			n++
		}
		if cursor = next; next == "" {
			break
		}
	}
	w.raw(`]`)
	return nil
}

// abortExport ends an export that failed after its first byte: the status
// is sent, so the body is left unfinished (invalid JSON, never a document
// that looks complete) and the error logged.
func (s *Server) abortExport(c echo.Context, err error) error {
	s.log.Error("export failed while writing", "workspace", workspaceID(c), "error", err)
	if conn, _, herr := http.NewResponseController(c.Response()).Hijack(); herr == nil {
		conn.Close()
	}
	return nil
}

// exportWriter writes the export as it goes, remembering the first error
// (the client gone), and extends the write deadline for each piece: a
// large export takes longer than one WriteTimeout.
type exportWriter struct {
	w       http.ResponseWriter
	enc     *json.Encoder
	rc      *http.ResponseController
	timeout time.Duration
	err     error
}

func (w *exportWriter) raw(s string) {
	if w.err == nil {
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
		_, w.err = w.w.Write([]byte(s))
	}
}

func (w *exportWriter) value(v any) {
	if w.err == nil {
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
		w.err = w.enc.Encode(v)
	}
}

// item writes the i-th element of an array.
func (w *exportWriter) item(i int, v any) {
	if i > 0 {
		w.raw(",")
	}
	w.value(v)
}

// deleteWorkspace deletes the workspace: its deliveries not yet started
// are canceled first (nothing publishes while it is deleted), each
// account's token is revoked at its platform where the platform allows it
// (a failure is logged and does not stop the deletion: the merchant can
// still remove the app on the platform), then every row is erased in one
// transaction and the media bytes (and unfinished uploads) after it. Published posts stay on the
// platforms.
func (s *Server) deleteWorkspace(c echo.Context) error {
	ctx := c.Request().Context()
	wsID := workspaceID(c)
	st := s.cfg.Store
	if err := st.CancelWorkspaceDeliveries(ctx, wsID); err != nil {
		return err
	}
	accounts, err := st.FindAccounts(ctx, wsID)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		r := s.cfg.Revokers[a.Platform]
		if r == nil {
			continue // Facebook Pages, Instagram: no revocation of ours
		}
		if err := r.RevokeToken(ctx, a); err != nil {
			s.log.Warn("could not revoke an account's token while deleting its workspace; deleting it anyway",
				"workspace", wsID, "account", a.ID, "platform", a.Platform, "error", err)
		}
	}
	keys, err := st.DeleteWorkspace(ctx, wsID)
	if err != nil {
		return err
	}
	// The rows are gone; the bytes go after the commit (the blob store is
	// not in the transaction). A blob left behind is logged: nothing
	// points at it any more.
	for _, k := range keys {
		for _, k := range []string{k, media.ThumbnailKey(k)} { // and the link-in-bio page's thumbnail
			if err := s.cfg.Blobs.Delete(context.WithoutCancel(ctx), k); err != nil {
				s.log.Error("could not delete a deleted workspace's media bytes", "workspace", wsID, "key", k, "error", err)
			}
		}
	}
	// Resumable uploads not yet finished are bytes of the workspace too.
	if s.cfg.Uploads != nil {
		if err := s.cfg.Uploads.DeleteWorkspace(context.WithoutCancel(ctx), wsID); err != nil {
			s.log.Error("could not delete a deleted workspace's unfinished uploads", "workspace", wsID, "error", err)
		}
	}
	return c.NoContent(http.StatusNoContent)
}
