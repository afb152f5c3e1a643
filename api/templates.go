package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/compose"
)

// templateRequest is the body of PUT …/templates/{platform}/{language}:
// the fields to override; an absent or empty one keeps the built-in
// wording.
type templateRequest struct {
	NameSeparator    string `json:"name_separator"`
	OrderLabel       string `json:"order_label"`
	TextLinkLabel    string `json:"text_link_label"`
	LinkInBio        string `json:"link_in_bio"`
	WhatsAppGreeting string `json:"whatsapp_greeting"`
	DiscountLine     string `json:"discount_line"`
	Footer           string `json:"footer"`
}

type templateView struct {
	Platform string `json:"platform"`
	Language string `json:"language"`
	// Template holds only the overridden fields.
	Template  serentak.Template `json:"template"`
	UpdatedAt time.Time         `json:"updated_at"`
}

type templateListView struct {
	Data []templateView `json:"data"`
}

func viewTemplate(o serentak.TemplateOverride) templateView {
	return templateView{Platform: string(o.Platform), Language: o.Language, Template: o.Template, UpdatedAt: o.UpdatedAt.UTC()}
}

// templateKey reads {platform} ("all" or a platform) and {language} ("id"
// or "en") from the path; anything else is a route that does not exist.
func templateKey(c echo.Context) (serentak.Platform, string, error) {
	p := serentak.Platform(c.Param("platform"))
	if p != serentak.AllPlatforms && !p.Valid() {
		return "", "", serentak.NotFound("template platform")
	}
	lang := c.Param("language")
	if lang != "id" && lang != "en" {
		return "", "", serentak.NotFound("template language")
	}
	return p, lang, nil
}

// listTemplates answers the workspace's overrides.
func (s *Server) listTemplates(c echo.Context) error {
	overrides, err := s.cfg.Store.FindTemplates(c.Request().Context(), workspaceID(c))
	if err != nil {
		return err
	}
	out := templateListView{Data: make([]templateView, 0, len(overrides))}
	for _, o := range overrides {
		out.Data = append(out.Data, viewTemplate(o))
	}
	return c.JSON(http.StatusOK, out)
}

// putTemplate creates or replaces the workspace's wording of one platform
// (or "all") in one language. Posts created afterwards use it; stored
// posts keep the text they were composed with.
func (s *Server) putTemplate(c echo.Context) error {
	p, lang, err := templateKey(c)
	if err != nil {
		return err
	}
	var req templateRequest
	if _, err := s.readJSON(c, &req); err != nil {
		return err
	}
	t := serentak.Template{
		NameSeparator: req.NameSeparator, OrderLabel: req.OrderLabel, TextLinkLabel: req.TextLinkLabel, LinkInBio: req.LinkInBio,
		WhatsAppGreeting: req.WhatsAppGreeting, DiscountLine: req.DiscountLine, Footer: req.Footer,
	}
	if errs := compose.CheckTemplate(t); len(errs) > 0 {
		return serentak.Invalid("the template is not valid", errs...)
	}
	o, err := s.cfg.Store.PutTemplate(c.Request().Context(), workspaceID(c),
		serentak.TemplateOverride{Platform: p, Language: lang, Template: t, UpdatedAt: s.now().UTC()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewTemplate(o))
}

// deleteTemplate returns one platform and language to the built-in wording.
func (s *Server) deleteTemplate(c echo.Context) error {
	p, lang, err := templateKey(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteTemplate(c.Request().Context(), workspaceID(c), p, lang); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
