package webapp

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// ctxView is the frame's data a middleware has gathered for the page.
const ctxView = "webapp.view"

// me is the API's GET /v1/me.
type me struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// workspaceView is a workspace as GET /v1/workspaces lists it for a
// person: with their role.
type workspaceView struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Timezone         string `json:"timezone"`
	Language         string `json:"language"`
	ApprovalRequired bool   `json:"approval_required"`
	TrackedLinks     bool   `json:"tracked_links"`
	Handle           string `json:"handle"`
	BioURL           string `json:"bio_url"`
	OrganizationID   string `json:"organization_id"`
	Role             string `json:"role"`
}

type workspaceList struct {
	Data []workspaceView `json:"data"`
}

// person loads who is signed in and the workspaces they may open into
// the frame's view.
func (a *App) person(c echo.Context) (*view, error) {
	if v, ok := c.Get(ctxView).(*view); ok && v.User != nil {
		return v, nil
	}
	var u me
	if err := a.call(c, http.MethodGet, "/v1/me", nil, &u); err != nil {
		return nil, err
	}
	var wss workspaceList
	if err := a.call(c, http.MethodGet, "/v1/workspaces?limit=100", nil, &wss); err != nil {
		return nil, err
	}
	v := &view{User: &u, Workspaces: wss.Data}
	c.Set(ctxView, v)
	return v, nil
}

// workspace loads the workspace of the path (:ws) among the person's:
// one they cannot open is "not found", as the API answers.
func (a *App) workspace(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, err := a.person(c)
		if err != nil {
			return err
		}
		for i := range v.Workspaces {
			if v.Workspaces[i].ID == c.Param("ws") {
				v.Workspace, v.Role = &v.Workspaces[i], v.Workspaces[i].Role
				return next(c)
			}
		}
		return &apiError{Status: http.StatusNotFound, Code: "not_found"}
	}
}

// wsPath is a path inside the current workspace: wsPath(c, "posts/new").
func wsPath(c echo.Context, rest string) string {
	p := "/w/" + url.PathEscape(c.Param("ws"))
	if rest != "" {
		p += "/" + rest
	}
	return p
}

// home opens the app: the sign-in page when signed out, the person's
// only workspace, or the list to choose from.
func (a *App) home(c echo.Context) error {
	if sessionToken(c) == "" {
		return c.Redirect(http.StatusSeeOther, "/signin")
	}
	v, err := a.person(c)
	if err != nil {
		return err
	}
	if len(v.Workspaces) == 1 {
		return c.Redirect(http.StatusSeeOther, "/w/"+url.PathEscape(v.Workspaces[0].ID))
	}
	return c.Redirect(http.StatusSeeOther, "/workspaces")
}

// listWorkspaces lets a person with several workspaces (an agency's
// staff) choose one, and make another.
func (a *App) listWorkspaces(c echo.Context) error {
	if _, err := a.person(c); err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "workspaces", "workspaces.title", map[string]any{"CanCreate": a.canCreateWorkspace(c)})
}

// signUpOpen reports whether this person may sign up here now.
func (a *App) signUpOpen(c echo.Context) bool {
	if a.cfg.OperatorKey == "" {
		return false
	}
	switch a.cfg.SignUp {
	case SignUpOpen:
		return true
	case SignUpFirst:
		if a.cfg.AnyUser == nil {
			return false
		}
		any, err := a.cfg.AnyUser(c.Request().Context())
		if err != nil {
			a.cfg.Log.Warn("sign-up closed: cannot tell whether the install has users", "error", err.Error())
			return false
		}
		return !any
	}
	return false
}

// canCreateWorkspace: a person may make workspaces of their own where
// sign-up is not closed (the web app makes them as the operator would).
func (a *App) canCreateWorkspace(c echo.Context) bool {
	return a.cfg.OperatorKey != "" && a.cfg.SignUp != SignUpClosed
}

func (a *App) showSignUp(c echo.Context) error {
	if !a.signUpOpen(c) {
		return c.Redirect(http.StatusSeeOther, "/signin")
	}
	return a.render(c, http.StatusOK, "signup", "signup.title", signInForm{SignUp: true})
}

// signUp makes the person's user, their business's workspace (they are
// its owner), and a session, through the API as the operator would.
// What is checked before anything is written: the business's name here,
// the email and password by the API's POST /v1/users (which writes
// nothing when it refuses).
func (a *App) signUp(c echo.Context) error {
	if !a.signUpOpen(c) {
		return a.errorPage(c, http.StatusForbidden, "signup.closed")
	}
	form := signInForm{Email: strings.TrimSpace(c.FormValue("email")), Name: strings.TrimSpace(c.FormValue("name")),
		Business: strings.TrimSpace(c.FormValue("business")), SignUp: true}
	refuse := func(e *apiError) error {
		c.Set(ctxView, &view{Error: e})
		return a.render(c, http.StatusUnprocessableEntity, "signup", "signup.title", form)
	}
	if form.Business == "" {
		return refuse(&apiError{Message: a.word(c, "signup.business_required"),
			Details: []fieldDetail{{Field: "business", Message: a.word(c, "signup.business_required")}}})
	}
	op := a.cfg.OperatorKey
	var u me
	err := a.callAs(c, op, http.MethodPost, "/v1/users", map[string]string{"email": form.Email, "name": form.Name, "password": c.FormValue("password")}, &u)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status < 500 {
		return refuse(ae)
	} else if err != nil {
		return err
	}
	ws, err := a.makeWorkspace(c, form.Business, form.Email)
	if err != nil {
		return err
	}
	var ses session
	if err := a.callAs(c, "", http.MethodPost, "/v1/sessions", map[string]string{"email": form.Email, "password": c.FormValue("password")}, &ses); err != nil {
		return err
	}
	a.setSession(c, ses.Token, ses.ExpiresAt)
	return c.Redirect(http.StatusSeeOther, "/w/"+url.PathEscape(ws)+"/accounts?done=signup.welcome")
}

// createWorkspace makes another workspace, owned by the signed-in person.
func (a *App) createWorkspace(c echo.Context) error {
	if !a.canCreateWorkspace(c) {
		return a.errorPage(c, http.StatusForbidden, "error.forbidden")
	}
	name := strings.TrimSpace(c.FormValue("name"))
	v, err := a.person(c)
	if err != nil {
		return err
	}
	if name == "" {
		v.Error = &apiError{Message: a.word(c, "signup.business_required"),
			Details: []fieldDetail{{Field: "name", Message: a.word(c, "signup.business_required")}}}
		return a.render(c, http.StatusUnprocessableEntity, "workspaces", "workspaces.title", map[string]any{"CanCreate": true})
	}
	ws, err := a.makeWorkspace(c, name, v.User.Email)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/w/"+url.PathEscape(ws)+"/accounts")
}

// makeWorkspace makes a workspace (Asia/Jakarta, in the person's
// language) as the operator, makes the person with this email its owner,
// and revokes the owner key the API makes with every workspace: nobody
// was shown it.
func (a *App) makeWorkspace(c echo.Context, name, email string) (string, error) {
	op := a.cfg.OperatorKey
	var ws struct {
		ID string `json:"id"`
	}
	if err := a.callAs(c, op, http.MethodPost, "/v1/workspaces", map[string]string{"name": name, "timezone": serentak.DefaultTimezone}, &ws); err != nil {
		return "", err
	}
	base := "/v1/workspaces/" + url.PathEscape(ws.ID)
	if err := a.callAs(c, op, http.MethodPatch, base, map[string]string{"language": language(c)}, nil); err != nil {
		return "", err
	}
	if err := a.callAs(c, op, http.MethodPost, base+"/members", map[string]string{"email": email, "role": string(serentak.RoleOwner)}, nil); err != nil {
		return "", err
	}
	var keys struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := a.callAs(c, op, http.MethodGet, base+"/keys", nil, &keys); err != nil {
		return "", err
	}
	for _, k := range keys.Data {
		if err := a.callAs(c, op, http.MethodDelete, base+"/keys/"+url.PathEscape(k.ID), nil, nil); err != nil {
			return "", err
		}
	}
	return ws.ID, nil
}
