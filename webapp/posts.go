package webapp

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// postItem is a post as the API answers it (GET …/posts, …/posts/{id}),
// with only what the calendar, the post's page and the dashboard show.
type postItem struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Product     *struct {
		Name string `json:"name"`
	} `json:"product"`
	Caption *string `json:"caption"`
	Media   []struct {
		ID   string `json:"id"`
		URL  string `json:"url"`
		Kind string `json:"kind"`
	} `json:"media"`
	Deliveries       []deliveryItem `json:"deliveries"`
	RejectionComment *string        `json:"rejection_comment"`
}

type deliveryItem struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Platform  string `json:"platform"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	Content   struct {
		Text  string `json:"text"`
		Title string `json:"title"`
	} `json:"content"`
	Permalink   *string    `json:"permalink"`
	PublishedAt *time.Time `json:"published_at"`
	Error       *struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Retryable bool   `json:"retryable"`
	} `json:"error"`
	Warnings []string `json:"warnings"`
}

type postPage struct {
	Data       []postItem `json:"data"`
	NextCursor *string    `json:"next_cursor"`
}

// Name is what a merchant calls the post: its product, else the start of
// its caption.
func (p postItem) Name() string {
	if p.Product != nil && p.Product.Name != "" {
		return p.Product.Name
	}
	text := ""
	if p.Caption != nil {
		text = *p.Caption
	} else if len(p.Deliveries) > 0 {
		text = p.Deliveries[0].Content.Text
	}
	text, _, _ = strings.Cut(strings.TrimSpace(text), "\n")
	if r := []rune(text); len(r) > 60 {
		text = string(r[:59]) + "…"
	}
	return text
}

// Text is the caption the post publishes: the merchant's own, else the
// first delivery's composed text.
func (p postItem) Text() string {
	if p.Caption != nil {
		return *p.Caption
	}
	if len(p.Deliveries) > 0 {
		return p.Deliveries[0].Content.Text
	}
	return ""
}

// Movable: the post can still be given another time. The API decides
// (PATCH answers 409 once every delivery has started); the page offers
// it only where it would succeed: nothing started yet.
func (p postItem) Movable() bool {
	switch p.Status {
	case "scheduled", "pending_approval", "rejected", "draft":
		return true
	}
	return false
}

// InFlight: a delivery is being published or is due within a minute, so
// the page watches for its outcome.
func (p postItem) InFlight(now time.Time) bool {
	for _, d := range p.Deliveries {
		if d.Status == "publishing" || (d.Status == "scheduled" && p.ScheduledAt.Before(now.Add(time.Minute))) {
			return true
		}
		if d.Status == "failed" && d.Error != nil && d.Error.Retryable {
			return true
		}
	}
	return false
}

// statusTone is the colour of a status: good, bad, warn or none.
func statusTone(status string) string {
	switch status {
	case "published":
		return "good"
	case "failed", "rejected":
		return "bad"
	case "partially_published", "publishing", "pending_approval":
		return "warn"
	}
	return ""
}

// listPosts reads up to pages pages of GET …/posts?query (100 posts a
// page unless query gives a limit).
func (a *App) listPosts(c echo.Context, query url.Values, pages int) ([]postItem, error) {
	var all []postItem
	if query.Get("limit") == "" {
		query.Set("limit", "100")
	}
	for range pages {
		var page postPage
		if err := a.call(c, http.MethodGet, "/v1/workspaces/"+url.PathEscape(c.Param("ws"))+"/posts?"+query.Encode(), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Data...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			break
		}
		query.Set("cursor", *page.NextCursor)
	}
	return all, nil
}

func (a *App) listAccounts(c echo.Context) ([]accountItem, error) {
	var out struct {
		Data []accountItem `json:"data"`
	}
	err := a.call(c, http.MethodGet, "/v1/workspaces/"+url.PathEscape(c.Param("ws"))+"/accounts", nil, &out)
	return out.Data, err
}

// zone is the workspace's timezone (UTC when unknown).
func zone(v *view) *time.Location {
	if v != nil && v.Workspace != nil {
		if loc, err := time.LoadLocation(v.Workspace.Timezone); err == nil && v.Workspace.Timezone != "" {
			return loc
		}
	}
	return time.UTC
}
