package webapp

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// webhookEvents are the events an endpoint may ask for (docs/api.md,
// Webhooks); none chosen is every one.
var webhookEvents = []string{"post.published", "post.partially_published", "post.failed", "post.pending_approval",
	"post.approved", "post.rejected", "delivery.published", "delivery.failed", "account.needs_reauth", "account.reconnected"}

// webhook is one of GET …/webhooks; Secret is only in the answers of
// create and rotate-secret, the times it is shown.
type webhook struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Description    string     `json:"description"`
	Events         []string   `json:"events"`
	Disabled       bool       `json:"disabled"`
	DisabledReason *string    `json:"disabled_reason"`
	FailingSince   *time.Time `json:"failing_since"`
	Secret         string     `json:"secret"`
	Attempts       []webhookAttempt
}

// webhookAttempt is one of GET …/webhooks/{id}/deliveries.
type webhookAttempt struct {
	Event       string     `json:"event"`
	StatusCode  *int       `json:"status_code"`
	Error       *string    `json:"error"`
	DurationMS  int64      `json:"duration_ms"`
	AttemptedAt time.Time  `json:"attempted_at"`
	NextRetryAt *time.Time `json:"next_retry_at"`
}

// OK reports whether the receiver answered 2xx.
func (w webhookAttempt) OK() bool {
	return w.StatusCode != nil && *w.StatusCode >= 200 && *w.StatusCode < 300
}

type webhooksData struct {
	Hooks  []webhook
	Events []string
	// Secret is the secret just made (create or rotate) of SecretFor.
	Secret, SecretFor string
	URL, Description  string
	Chosen            map[string]bool
}

func (a *App) showWebhooks(c echo.Context, d webhooksData) error {
	var list struct {
		Data []webhook `json:"data"`
	}
	if err := a.call(c, http.MethodGet, wsAPI(c, "webhooks"), nil, &list); err != nil {
		return err
	}
	for i, h := range list.Data {
		var log struct {
			Data []webhookAttempt `json:"data"`
		}
		if err := a.call(c, http.MethodGet, wsAPI(c, "webhooks/"+url.PathEscape(h.ID)+"/deliveries?limit=5"), nil, &log); err != nil {
			return err
		}
		list.Data[i].Attempts = log.Data
	}
	d.Hooks, d.Events = list.Data, webhookEvents
	if d.Secret != "" {
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	return a.render(c, pageStatus(c), "webhooks", "webhooks.title", d)
}

func (a *App) webhooks(c echo.Context) error { return a.showWebhooks(c, webhooksData{}) }

func (a *App) createWebhook(c echo.Context) error {
	form, _ := c.FormParams()
	d := webhooksData{URL: strings.TrimSpace(c.FormValue("url")), Description: strings.TrimSpace(c.FormValue("description")), Chosen: map[string]bool{}}
	events := []string{}
	for _, e := range form["events"] {
		d.Chosen[e] = true
		events = append(events, e)
	}
	var h webhook
	err := a.call(c, http.MethodPost, wsAPI(c, "webhooks"), map[string]any{"url": d.URL, "description": d.Description, "events": events}, &h)
	if err != nil {
		return a.showRefusal(c, err, func() error { return a.showWebhooks(c, d) })
	}
	return a.showSecret(c, h, "webhooks.created")
}

// showSecret shows the page with an endpoint's new signing secret, once.
func (a *App) showSecret(c echo.Context, h webhook, flash string) error {
	v, err := a.person(c)
	if err != nil {
		return err
	}
	v.Flash = flash
	return a.showWebhooks(c, webhooksData{Secret: h.Secret, SecretFor: h.ID})
}

func hookAPI(c echo.Context, rest string) string {
	p := "webhooks/" + url.PathEscape(c.Param("id"))
	if rest != "" {
		p += "/" + rest
	}
	return wsAPI(c, p)
}

// webhookAction does one thing to an endpoint: test, rotate, delete.
func (a *App) webhookAction(c echo.Context) error {
	var err error
	switch c.Param("action") {
	case "test":
		err = a.call(c, http.MethodPost, hookAPI(c, "test"), nil, nil)
		if err == nil {
			return doneAt(c, "webhooks", "webhooks.test_sent")
		}
	case "rotate":
		var h webhook
		if err = a.call(c, http.MethodPost, hookAPI(c, "rotate-secret"), nil, &h); err == nil {
			return a.showSecret(c, h, "webhooks.rotated")
		}
	case "delete":
		if err = a.call(c, http.MethodDelete, hookAPI(c, ""), nil, nil); err == nil {
			return doneAt(c, "webhooks", "webhooks.deleted")
		}
	default:
		return echo.ErrNotFound
	}
	return a.showRefusal(c, err, func() error { return a.showWebhooks(c, webhooksData{}) })
}
