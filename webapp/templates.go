package webapp

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// templateFields are the wording a workspace may replace, in the order
// the page shows them (docs/api.md, Templates).
var templateFields = []string{"name_separator", "order_label", "text_link_label", "link_in_bio", "whatsapp_greeting", "discount_line", "footer"}

// captionTemplate is one of GET …/templates.
type captionTemplate struct {
	Platform  string            `json:"platform"`
	Language  string            `json:"language"`
	Template  map[string]string `json:"template"`
	UpdatedAt time.Time         `json:"updated_at"`
}

type templatesData struct {
	Saved     []captionTemplate
	Platforms []string
	Languages []string
	Fields    []string
	// Platform and Language are the template being edited, Values its
	// words (saved, or as typed when refused).
	Platform, Language string
	Values             map[string]string
	Exists             bool
}

func (a *App) showTemplates(c echo.Context, values map[string]string) error {
	var list struct {
		Data []captionTemplate `json:"data"`
	}
	if err := a.call(c, http.MethodGet, wsAPI(c, "templates"), nil, &list); err != nil {
		return err
	}
	d := templatesData{Saved: list.Data, Fields: templateFields, Languages: serentak.Languages,
		Platform: c.QueryParam("platform"), Language: c.QueryParam("language")}
	if c.Request().Method == http.MethodPost {
		d.Platform, d.Language = c.Param("platform"), c.Param("language")
	}
	d.Platforms = append(d.Platforms, "all")
	for _, p := range serentak.Platforms {
		d.Platforms = append(d.Platforms, string(p))
	}
	if d.Platform == "" {
		d.Platform = "all"
	}
	if d.Language == "" {
		d.Language = language(c)
	}
	d.Values = values
	for _, t := range list.Data {
		if t.Platform == d.Platform && t.Language == d.Language {
			d.Exists = true
			if d.Values == nil {
				d.Values = t.Template
			}
		}
	}
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	return a.render(c, pageStatus(c), "templates", "templates.title", d)
}

func (a *App) templates(c echo.Context) error { return a.showTemplates(c, nil) }

func templateAPI(c echo.Context) string {
	return wsAPI(c, "templates/"+url.PathEscape(c.Param("platform"))+"/"+url.PathEscape(c.Param("language")))
}

func backToTemplate(c echo.Context, msg string) error {
	q := url.Values{"platform": {c.Param("platform")}, "language": {c.Param("language")}, "done": {msg}}
	return c.Redirect(http.StatusSeeOther, wsPath(c, "templates")+"?"+q.Encode())
}

// saveTemplate puts the template's words (an empty field keeps the
// built-in wording).
func (a *App) saveTemplate(c echo.Context) error {
	values := map[string]string{}
	for _, f := range templateFields {
		values[f] = strings.TrimSpace(c.FormValue(f))
	}
	if err := a.call(c, http.MethodPut, templateAPI(c), values, nil); err != nil {
		return a.showRefusal(c, err, func() error { return a.showTemplates(c, values) })
	}
	return backToTemplate(c, "templates.saved")
}

// resetTemplate returns to the built-in words.
func (a *App) resetTemplate(c echo.Context) error {
	if err := a.call(c, http.MethodDelete, templateAPI(c), nil, nil); err != nil {
		return a.showRefusal(c, err, func() error { return a.showTemplates(c, nil) })
	}
	return backToTemplate(c, "templates.reset_done")
}
