package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// maxCommentLen bounds a rejection's comment.
const maxCommentLen = 2000

// mustHold reports whether what the caller makes publishable now waits
// for approval (docs/api.md#approval): in a workspace with
// approval_required, a caller without the approve power (an editor). A
// caller who may approve (admin, owner, the operator) costs no lookup, so
// their POST /posts stays as fast as before.
func (s *Server) mustHold(c echo.Context) (bool, error) {
	if principalOf(c).can(serentak.PowerApprove) {
		return false, nil
	}
	ws, err := s.cfg.Store.FindWorkspaceByID(c.Request().Context(), workspaceID(c))
	if err != nil {
		return false, err
	}
	return ws.ApprovalRequired, nil
}

// decider names the caller for a post's approved_by.
func decider(c echo.Context) string {
	if p := principalOf(c); !p.operator {
		return p.keyID
	}
	return "operator"
}

// approvePost schedules a post awaiting approval; a time already past
// publishes at once.
func (s *Server) approvePost(c echo.Context) error {
	if c.Request().ContentLength > 0 { // an empty JSON object may come along
		var req struct{}
		if _, err := s.readJSON(c, &req); err != nil {
			return err
		}
	}
	p, err := s.cfg.Store.DecidePost(c.Request().Context(), workspaceID(c), c.Param("id"),
		serentak.Decision{Approve: true, By: decider(c), At: s.now()})
	if err != nil {
		return err
	}
	s.wake()
	return c.JSON(http.StatusOK, viewPost(p, apiLanguage(c)))
}

type rejectRequest struct {
	Comment *string `json:"comment"`
}

// rejectPost refuses a post awaiting approval, with the approver's
// comment.
func (s *Server) rejectPost(c echo.Context) error {
	var req rejectRequest
	if c.Request().ContentLength != 0 {
		if _, err := s.readJSON(c, &req); err != nil {
			return err
		}
	}
	comment, fe := checkComment(req.Comment)
	if fe != nil {
		return serentak.Invalid("the comment is not valid", *fe)
	}
	p, err := s.cfg.Store.DecidePost(c.Request().Context(), workspaceID(c), c.Param("id"),
		serentak.Decision{By: decider(c), Comment: comment, At: s.now()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewPost(p, apiLanguage(c)))
}

// checkComment trims a rejection's comment, which may be absent.
func checkComment(raw *string) (string, *serentak.FieldError) {
	if raw == nil {
		return "", nil
	}
	c := strings.TrimSpace(*raw)
	if !storableText(c) {
		fe := fieldError("comment", "invalid", "must be UTF-8 text")
		return "", &fe
	}
	if utf8.RuneCountInString(c) > maxCommentLen {
		fe := fieldError("comment", "too_long", "must be at most %d characters", maxCommentLen)
		return "", &fe
	}
	return c, nil
}
