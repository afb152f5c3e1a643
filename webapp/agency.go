package webapp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// The agency's pages (more, members, approvals, import, templates, keys,
// webhooks, settings) share these few steps: a form's API refusal shown
// on the page it came from, a redirect with a flash, a WhatsApp share
// link, and words in the workspace's language for what goes to a
// merchant.

// refusal is err when it is the API refusing what the person asked (a
// 4xx they can act on: a field, a conflict, a role), else nil.
func refusal(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusUnauthorized && ae.Status != http.StatusNotFound {
		return ae
	}
	return nil
}

// showRefusal renders page again with the API's refusal at the top and
// beside its fields; any other error goes to the error page.
func (a *App) showRefusal(c echo.Context, err error, show func() error) error {
	ae := refusal(err)
	if ae == nil {
		return err
	}
	v, perr := a.person(c)
	if perr != nil {
		return perr
	}
	v.Error = ae
	return show()
}

// doneAt sends the browser to a page of the workspace with a flash.
func doneAt(c echo.Context, rest, msg string) error {
	return c.Redirect(http.StatusSeeOther, wsPath(c, rest)+"?done="+url.QueryEscape(msg))
}

// waShare is a wa.me link that opens WhatsApp with text ready to send to
// whoever the person picks. wa.me reads %20, not +, as a space.
func waShare(text string) string {
	return "https://wa.me/?text=" + strings.ReplaceAll(url.QueryEscape(text), "+", "%20")
}

// wsWord is message id in the workspace's language: for what the person
// sends on to a merchant, who reads the workspace's language whatever
// the person's page is in.
func (a *App) wsWord(c echo.Context, id string, args ...any) string {
	lang := language(c)
	if v, ok := c.Get(ctxView).(*view); ok && v.Workspace != nil && v.Workspace.Language != "" {
		lang = v.Workspace.Language
	}
	return a.pages.cat.text(lang, id, args...)
}

// wsAPI is the API path of the current workspace: wsAPI(c, "members").
func wsAPI(c echo.Context, rest string) string {
	p := "/v1/workspaces/" + url.PathEscape(c.Param("ws"))
	if rest != "" {
		p += "/" + rest
	}
	return p
}

// more is the hub of the pages a workspace has beyond the main menu,
// each shown to the roles that may use it.
func (a *App) more(c echo.Context) error {
	return a.render(c, http.StatusOK, "more", "more.title", moreData{Reports: a.reportLinks(c)})
}

type moreData struct{ Reports []reportLink }

// reportLink is one month's proof-of-publication report, as a page and
// as CSV: the API's, opened through /app/api/ with the person's session.
type reportLink struct{ Label, Page, CSV string }

// reportLinks are this month's and last month's reports, months in the
// workspace's timezone, the page in the person's language.
func (a *App) reportLinks(c echo.Context) []reportLink {
	v, _ := c.Get(ctxView).(*view)
	now := a.cfg.Now().In(zone(v))
	this := time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, now.Location())
	l := localeOf(language(c))
	var out []reportLink
	for i, label := range []string{"more.reports_this_month", "more.reports_last_month"} {
		m := this.AddDate(0, -i, 0)
		q := url.Values{"month": {m.Format("2006-01")}, "lang": {l.lang}}
		page := "/app/api" + wsAPI(c, "reports/publication") + "?" + q.Encode()
		out = append(out, reportLink{
			Label: a.word(c, label, fmt.Sprintf("%s %d", l.months[m.Month()-1], m.Year())),
			Page:  page, CSV: page + "&format=csv",
		})
	}
	return out
}

// pageStatus is 200, or 422 when the page shows the API's refusal of a
// form (so a script or test tells the two apart).
func pageStatus(c echo.Context) int {
	if v, ok := c.Get(ctxView).(*view); ok && v.Error != nil {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}
