package webapp

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// Time zones: Indonesia's three first, as its people name them, then
// the others a business in the region is likely to use.
var (
	indonesianZones = []string{"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
	otherZones      = []string{"Asia/Singapore", "Asia/Kuala_Lumpur", "Asia/Bangkok", "Asia/Ho_Chi_Minh", "Asia/Manila",
		"Asia/Tokyo", "Asia/Hong_Kong", "Asia/Dubai", "Asia/Kolkata", "Australia/Perth", "Australia/Sydney",
		"Europe/Amsterdam", "Europe/London", "America/New_York", "UTC"}
)

type settingsData struct {
	IndonesianZones, OtherZones    []string
	Name, Timezone, Language       string
	ApprovalRequired, TrackedLinks bool
	// The link-in-bio page: its handle (the form's value: the one set,
	// else the one proposed from the business name, else what was typed),
	// whether it is only proposed, and the page's URL once set.
	Handle   string
	Proposed bool
	BioURL   string
}

func (a *App) showSettings(c echo.Context, d *settingsData) error {
	v, err := a.person(c)
	if err != nil {
		return err
	}
	w := v.Workspace
	if d == nil {
		d = &settingsData{Name: w.Name, Timezone: w.Timezone, Language: w.Language, ApprovalRequired: w.ApprovalRequired,
			TrackedLinks: w.TrackedLinks, Handle: w.Handle}
	}
	if d.Handle == "" && w.Handle == "" {
		// A proposal the person sees, and keeps or changes: a handle is
		// public, so nothing sets one without them.
		d.Handle = serentak.SuggestHandle(w.Name)
		d.Proposed = d.Handle != ""
	}
	d.BioURL = w.BioURL
	d.IndonesianZones, d.OtherZones = indonesianZones, otherZones
	if !slices.Contains(indonesianZones, d.Timezone) && !slices.Contains(otherZones, d.Timezone) && d.Timezone != "" {
		// A zone set through the API stays selected, not silently changed
		// by the next save.
		d.OtherZones = append([]string{d.Timezone}, otherZones...)
	}
	return a.render(c, pageStatus(c), "settings", "settings.title", d)
}

func (a *App) settings(c echo.Context) error { return a.showSettings(c, nil) }

// saveSettings changes the workspace (admin or owner, as the API checks).
func (a *App) saveSettings(c echo.Context) error {
	v, err := a.person(c)
	if err != nil {
		return err
	}
	d := &settingsData{Name: strings.TrimSpace(c.FormValue("name")), Timezone: c.FormValue("timezone"),
		Language: c.FormValue("language"), ApprovalRequired: c.FormValue("approval_required") == "on",
		TrackedLinks: c.FormValue("tracked_links") == "on", Handle: v.Workspace.Handle}
	body := map[string]any{"name": d.Name, "timezone": d.Timezone, "language": d.Language, "approval_required": d.ApprovalRequired,
		"tracked_links": d.TrackedLinks}
	if err := a.call(c, http.MethodPatch, wsAPI(c, ""), body, nil); err != nil {
		return a.showRefusal(c, err, func() error { return a.showSettings(c, d) })
	}
	return doneAt(c, "settings", "settings.saved")
}

// saveBioHandle sets (or, empty, removes) the link-in-bio page's handle:
// a form of its own, so a taken handle never holds back the other
// settings.
func (a *App) saveBioHandle(c echo.Context) error {
	handle := strings.TrimSpace(c.FormValue("handle"))
	if err := a.call(c, http.MethodPatch, wsAPI(c, ""), map[string]any{"handle": handle}, nil); err != nil {
		return a.showRefusal(c, err, func() error {
			v, perr := a.person(c)
			if perr != nil {
				return perr
			}
			w := v.Workspace
			return a.showSettings(c, &settingsData{Name: w.Name, Timezone: w.Timezone, Language: w.Language,
				ApprovalRequired: w.ApprovalRequired, TrackedLinks: w.TrackedLinks, Handle: handle})
		})
	}
	if handle == "" {
		return doneAt(c, "settings", "settings.bio_removed")
	}
	return doneAt(c, "settings", "settings.bio_saved")
}
