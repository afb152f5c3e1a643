package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// previewView is the answer of POST …/posts/preview.
type previewView struct {
	// Warnings are about the post itself (a hashtag cleaned, a wa.me
	// number rewritten), said once here rather than once per target.
	Warnings []string `json:"warnings"`
	// WarningCodes are the warnings' stable codes, in the same order.
	WarningCodes []string            `json:"warning_codes"`
	Targets      []targetPreviewView `json:"targets"`
	// Valid is true when creating the post with the same body would
	// succeed (as far as the request goes: time passes, accounts change).
	Valid bool `json:"valid"`
}

// targetPreviewView is one target's composed content, exactly as create
// would store and publish it, with what was changed to fit and why.
type targetPreviewView struct {
	AccountID    string                `json:"account_id"`
	Platform     string                `json:"platform"`
	Text         string                `json:"text"`
	Title        string                `json:"title"`
	Link         string                `json:"link"`
	Media        []mediaItemView       `json:"media"`
	Shortened    []string              `json:"shortened"`
	Warnings     []string              `json:"warnings"`
	WarningCodes []string              `json:"warning_codes"` // the warnings' codes, in the same order
	Errors       []serentak.FieldError `json:"errors"`
}

// previewPost composes a post for every target without storing anything.
// It takes the body of createPost and checks it the same way (draftPost):
// a fault of the request itself (malformed JSON, an unknown account, a bad
// scheduled_at) answers 400 or 422 as create does; a target that cannot be
// fitted to its platform is 200 with its errors and "valid": false, so a
// client shows every target side by side. An Idempotency-Key is not needed
// and is ignored.
func (s *Server) previewPost(c echo.Context) error {
	var req postRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	d, err := s.draftPost(previewNoAsking(c.Request().Context()), workspaceID(c), req, s.now())
	if err != nil {
		return err
	}
	if len(d.errs) > 0 {
		return serentak.Invalid(fmt.Sprintf("the post has %d problem(s) to fix before it can be previewed", len(d.errs)), d.errs...)
	}
	lang := apiLanguage(c)
	out := previewView{Warnings: serentak.WarningTexts(d.warnings, lang), WarningCodes: serentak.WarningCodes(d.warnings), Targets: make([]targetPreviewView, 0, len(d.targets)), Valid: true}
	for _, t := range d.targets {
		r := t.result
		v := targetPreviewView{
			AccountID: t.account.ID, Platform: string(t.account.Platform),
			Text: r.Content.Text, Title: r.Content.Title, Link: r.Content.Link,
			Media:        viewMediaItems(r.Content.Media, r.Media),
			Shortened:    append([]string{}, r.Shortened...),
			Warnings:     serentak.WarningTexts(r.Warnings, lang),
			WarningCodes: serentak.WarningCodes(r.Warnings),
			Errors:       make([]serentak.FieldError, 0, len(r.Errors)),
		}
		for _, e := range r.Errors {
			// Named as create names them: "targets[i].<field>".
			rest, _ := strings.CutPrefix(e.Field, "target.")
			e.Field = fmt.Sprintf("targets[%d].%s", t.index, rest)
			v.Errors = append(v.Errors, e)
		}
		if len(v.Errors) > 0 {
			out.Valid = false
		}
		out.Targets = append(out.Targets, v)
	}
	return c.JSON(http.StatusOK, out)
}
