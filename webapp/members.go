package webapp

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// member is one row of GET …/members (and the answer of POST, with the
// invite link of a person who had no account).
type member struct {
	UserID          string     `json:"user_id"`
	Email           string     `json:"email"`
	Name            string     `json:"name"`
	Role            string     `json:"role"`
	CreatedAt       time.Time  `json:"created_at"`
	InviteURL       string     `json:"invite_url"`
	InviteExpiresAt *time.Time `json:"invite_expires_at"`
}

// membersData is the members page: the list, the roles in the order they
// grow, the form as typed, and the invite just made (its link is shown
// once, to copy or send by WhatsApp).
type membersData struct {
	Members []member
	Roles   []string
	Email   string
	Role    string
	Invite  *invite
}

type invite struct {
	Email, URL, WhatsApp string
	Expires              *time.Time
}

var roleOrder = []string{"viewer", "approver", "editor", "admin", "owner"}

func (a *App) showMembers(c echo.Context, d membersData) error {
	var list struct {
		Data []member `json:"data"`
	}
	if err := a.call(c, http.MethodGet, wsAPI(c, "members"), nil, &list); err != nil {
		return err
	}
	d.Members, d.Roles = list.Data, roleOrder
	if d.Role == "" {
		d.Role = "editor"
	}
	return a.render(c, pageStatus(c), "members", "members.title", d)
}

func (a *App) members(c echo.Context) error { return a.showMembers(c, membersData{}) }

// inviteMember adds a person by email with a role. A person without an
// account gets one, and the API answers their invite link: shown here
// to copy or send by WhatsApp, as many merchants' staff read no email.
func (a *App) inviteMember(c echo.Context) error {
	d := membersData{Email: strings.TrimSpace(c.FormValue("email")), Role: c.FormValue("role")}
	var m member
	err := a.call(c, http.MethodPost, wsAPI(c, "members"), map[string]string{"email": d.Email, "role": d.Role}, &m)
	if err != nil {
		return a.showRefusal(c, err, func() error { return a.showMembers(c, d) })
	}
	if m.InviteURL == "" {
		return doneAt(c, "members", "members.added")
	}
	v, err := a.person(c)
	if err != nil {
		return err
	}
	v.Flash = "members.invited"
	msg := a.wsWord(c, "members.wa_message", v.Workspace.Name, a.wsWord(c, "role."+m.Role), m.InviteURL)
	return a.showMembers(c, membersData{Invite: &invite{Email: m.Email, URL: m.InviteURL, WhatsApp: waShare(msg), Expires: m.InviteExpiresAt}})
}

func (a *App) changeMember(c echo.Context) error {
	err := a.call(c, http.MethodPatch, wsAPI(c, "members/"+url.PathEscape(c.Param("id"))), map[string]string{"role": c.FormValue("role")}, nil)
	if err != nil {
		return a.showRefusal(c, err, func() error { return a.showMembers(c, membersData{}) })
	}
	return doneAt(c, "members", "members.role_changed")
}

func (a *App) removeMember(c echo.Context) error {
	err := a.call(c, http.MethodDelete, wsAPI(c, "members/"+url.PathEscape(c.Param("id"))), nil, nil)
	if err != nil {
		return a.showRefusal(c, err, func() error { return a.showMembers(c, membersData{}) })
	}
	return doneAt(c, "members", "members.removed")
}
