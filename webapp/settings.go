package webapp

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
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
	IndonesianZones, OtherZones []string
	Name, Timezone, Language    string
	ApprovalRequired            bool
}

func (a *App) showSettings(c echo.Context, d *settingsData) error {
	v, err := a.person(c)
	if err != nil {
		return err
	}
	if d == nil {
		w := v.Workspace
		d = &settingsData{Name: w.Name, Timezone: w.Timezone, Language: w.Language, ApprovalRequired: w.ApprovalRequired}
	}
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
	d := &settingsData{Name: strings.TrimSpace(c.FormValue("name")), Timezone: c.FormValue("timezone"),
		Language: c.FormValue("language"), ApprovalRequired: c.FormValue("approval_required") == "on"}
	body := map[string]any{"name": d.Name, "timezone": d.Timezone, "language": d.Language, "approval_required": d.ApprovalRequired}
	if err := a.call(c, http.MethodPatch, wsAPI(c, ""), body, nil); err != nil {
		return a.showRefusal(c, err, func() error { return a.showSettings(c, d) })
	}
	return doneAt(c, "settings", "settings.saved")
}
