package webapp

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// queuedPost is a post as the approval queue shows it: the post as the
// calendar reads it, and who decided it.
type queuedPost struct {
	postItem
	ApprovedBy *string `json:"approved_by"`
}

// Title is what the post is about (postItem.Name).
func (p queuedPost) Title() string { return p.Name() }

// Text is the first delivery's composed text, as the first platform
// will publish it.
func (p queuedPost) Text() string {
	if len(p.Deliveries) == 0 {
		return ""
	}
	return p.Deliveries[0].Content.Text
}

// By is who decided the post ("link", a key ID, "operator"), or "".
func (p queuedPost) By() string { return deref(p.ApprovedBy) }

// Reason is the rejection's comment, or "".
func (p queuedPost) Reason() string { return deref(p.RejectionComment) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Platforms are the post's platforms, each once.
func (p queuedPost) Platforms() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range p.Deliveries {
		if !seen[d.Platform] {
			seen[d.Platform] = true
			out = append(out, d.Platform)
		}
	}
	return out
}

type approvalsData struct {
	Pending []queuedPost
	// Decided are the latest posts someone approved or rejected, so a
	// decision made by link shows here too.
	Decided []queuedPost
	// Link is the approval link just made for a post, once.
	Link *approvalLink
}

type approvalLink struct {
	PostID    string    `json:"-"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	WhatsApp  string    `json:"-"`
}

type postList struct {
	Data []queuedPost `json:"data"`
}

func (a *App) showApprovals(c echo.Context, d approvalsData) error {
	var pending, recent postList
	if err := a.call(c, http.MethodGet, wsAPI(c, "posts?status=pending_approval&order=asc&limit=100"), nil, &pending); err != nil {
		return err
	}
	q := url.Values{"limit": {"50"}, "status": {"scheduled", "publishing", "published", "partially_published", "failed", "rejected"}}
	if err := a.call(c, http.MethodGet, wsAPI(c, "posts?"+q.Encode()), nil, &recent); err != nil {
		return err
	}
	d.Pending = pending.Data
	for _, p := range recent.Data {
		if p.ApprovedBy != nil && len(d.Decided) < 10 {
			d.Decided = append(d.Decided, p)
		}
	}
	return a.render(c, pageStatus(c), "approvals", "approvals.title", d)
}

func (a *App) approvals(c echo.Context) error { return a.showApprovals(c, approvalsData{}) }

// decidePost approves or rejects a post (with the approver's comment).
func (a *App) decidePost(c echo.Context) error {
	decision, msg := c.Param("decision"), "approvals.approved"
	var body any
	switch decision {
	case "approve":
	case "reject":
		msg = "approvals.rejected"
		body = map[string]string{"comment": strings.TrimSpace(c.FormValue("comment"))}
	default:
		return echo.ErrNotFound
	}
	err := a.call(c, http.MethodPost, wsAPI(c, "posts/"+url.PathEscape(c.Param("id"))+"/"+decision), body, nil)
	if err != nil {
		return a.showRefusal(c, err, func() error { return a.showApprovals(c, approvalsData{}) })
	}
	return doneAt(c, "approvals", msg)
}

// approvalLink makes a link a merchant without an account opens to
// approve the post, and shows it with a WhatsApp message in the
// workspace's language.
func (a *App) makeApprovalLink(c echo.Context) error {
	var l approvalLink
	err := a.call(c, http.MethodPost, wsAPI(c, "posts/"+url.PathEscape(c.Param("id"))+"/approval-link"), nil, &l)
	if err != nil {
		return a.showRefusal(c, err, func() error { return a.showApprovals(c, approvalsData{}) })
	}
	v, err := a.person(c)
	if err != nil {
		return err
	}
	l.PostID = c.Param("id")
	l.WhatsApp = waShare(a.wsWord(c, "approvals.wa_message", v.Workspace.Name, l.URL))
	v.Flash = "approvals.link_made"
	return a.showApprovals(c, approvalsData{Link: &l})
}
