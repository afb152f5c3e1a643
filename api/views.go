package api

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// The JSON shapes of the API (api/openapi.json). Handlers answer with
// these, never with domain types, so a field added to a domain type cannot
// leak (tokens!) or rename a field of the contract. Times are UTC.

type workspaceView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
	// Language is "id" or "en" (composed text, the merchant's pages).
	Language string `json:"language"`
	// ApprovalRequired holds editors' posts for approval.
	ApprovalRequired bool `json:"approval_required"`
	// TrackedLinks: composed text carries tracked order links.
	TrackedLinks bool `json:"tracked_links"`
	// Handle names the link-in-bio page at BioURL; "" (and no BioURL):
	// none yet.
	Handle    string    `json:"handle"`
	BioURL    string    `json:"bio_url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// OrganizationID: the organization that owns it, if one does.
	OrganizationID string `json:"organization_id,omitempty"`
	// Role is the calling person's role here (their own list only).
	Role   serentak.Role `json:"role,omitempty"`
	APIKey string        `json:"api_key,omitempty"` // only when just minted
	// Warnings: what the PATCH that switched tracked links on should tell
	// (publicURLWarnings); absent otherwise.
	Warnings []string `json:"warnings,omitempty"`
}

func (s *Server) viewWorkspace(c echo.Context, w serentak.Workspace) workspaceView {
	lang := w.Language
	if lang == "" {
		lang = serentak.DefaultLanguage
	}
	v := workspaceView{ID: w.ID, Name: w.Name, Timezone: w.Timezone, Language: lang,
		ApprovalRequired: w.ApprovalRequired, TrackedLinks: w.TrackedLinks, Handle: w.Handle,
		CreatedAt: w.CreatedAt.UTC(), OrganizationID: w.OrganizationID}
	if w.Handle != "" {
		v.BioURL = s.baseURL(c) + "/b/" + w.Handle
	}
	return v
}

// workspaceListView is a page of workspaces.
type workspaceListView struct {
	Data       []workspaceView `json:"data"`
	NextCursor *string         `json:"next_cursor"`
}

// keyCreatedView is a new key, its secret shown this once.
type keyCreatedView struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Role      serentak.Role `json:"role"`
	APIKey    string        `json:"api_key"`
	CreatedAt time.Time     `json:"created_at"`
}

// keyView is a listed key: never its secret nor its hash.
type keyView struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Role       serentak.Role `json:"role"`
	Prefix     string        `json:"prefix"`
	CreatedAt  time.Time     `json:"created_at"`
	LastUsedAt *time.Time    `json:"last_used_at"`
}

// accountView has no token field: tokens never leave the server.
type accountView struct {
	ID             string     `json:"id"`
	Platform       string     `json:"platform"`
	ExternalID     string     `json:"external_id"`
	Name           string     `json:"name"`
	Status         string     `json:"status"`
	StatusReason   string     `json:"status_reason,omitempty"`
	TokenExpiresAt *time.Time `json:"token_expires_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func viewAccount(a serentak.Account) accountView {
	return accountView{
		ID: a.ID, Platform: string(a.Platform), ExternalID: a.ExternalID, Name: a.Name,
		Status: string(a.Status), StatusReason: a.StatusReason,
		TokenExpiresAt: timePtr(a.Token.ExpiresAt),
		CreatedAt:      a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
	}
}

func viewAccounts(as []serentak.Account) []accountView {
	out := make([]accountView, 0, len(as))
	for _, a := range as {
		out = append(out, viewAccount(a))
	}
	return out
}

type mediaView struct {
	ID          string    `json:"id"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Kind        string    `json:"kind"`
	CreatedAt   time.Time `json:"created_at"`
	// What inspection found (width, height, duration_ms, video_codec,
	// audio_codec, frame_rate); each is left out when not known.
	serentak.Inspection
}

type mediaListView struct {
	Data       []mediaView `json:"data"`
	NextCursor *string     `json:"next_cursor"`
}

func viewMedia(m serentak.Media) mediaView {
	return mediaView{ID: m.ID, ContentType: m.ContentType, Size: m.Size, Kind: string(m.Kind), CreatedAt: m.CreatedAt.UTC(), Inspection: m.Inspection}
}

type postView struct {
	ID          string         `json:"id"`
	Status      string         `json:"status"`
	ScheduledAt time.Time      `json:"scheduled_at"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Product     *productView   `json:"product"`
	Caption     *string        `json:"caption"`
	Hashtags    []string       `json:"hashtags"`
	Media       []mediaRefView `json:"media"`
	Deliveries  []deliveryView `json:"deliveries"`
	// ApprovedBy names who approved or rejected the post (a key ID,
	// "operator", "link"); null until someone has.
	ApprovedBy *string `json:"approved_by"`
	// RejectionComment is the approver's reason; null unless rejected
	// with one.
	RejectionComment *string `json:"rejection_comment"`
}

type mediaRefView struct {
	ID          string `json:"id,omitempty"`
	URL         string `json:"url,omitempty"`
	Kind        string `json:"kind"`
	ContentType string `json:"content_type,omitempty"`
}

type deliveryView struct {
	ID          string             `json:"id"`
	AccountID   string             `json:"account_id"`
	Platform    string             `json:"platform"`
	Status      string             `json:"status"`
	Attempts    int                `json:"attempts"`
	ScheduledAt time.Time          `json:"scheduled_at"`
	Content     contentView        `json:"content"`
	ExternalID  *string            `json:"external_id"`
	Permalink   *string            `json:"permalink"`
	PublishedAt *time.Time         `json:"published_at"`
	Error       *deliveryErrorView `json:"error"`
	// Warnings: what composing left out or changed for this platform, then
	// what the platform did differently (deliveryWarnings); never null.
	// In the request's language (apiLanguage).
	Warnings []string `json:"warnings"`
	// WarningCodes are the warnings' stable codes, in the same order, for
	// a client that words them itself; "plain" for a warning stored
	// before warnings had codes.
	WarningCodes []string `json:"warning_codes"`
}

type deliveryErrorView struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}

type productView struct {
	Name        string     `json:"name"`
	Price       *priceView `json:"price,omitempty"`
	Description string     `json:"description,omitempty"`
	URL         string     `json:"url,omitempty"`
	// WhatsApp is the number in E.164 form, as compose read it.
	WhatsApp string `json:"whatsapp,omitempty"`
	// CompareAtPrice is the usual price when price is a discount.
	CompareAtPrice *priceView `json:"compare_at_price,omitempty"`
	CTA            string     `json:"cta,omitempty"`
}

type priceView struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

func viewProduct(p *serentak.Product) *productView {
	if p == nil {
		return nil
	}
	v := &productView{Name: p.Name, Description: p.Description, URL: p.URL, WhatsApp: p.WhatsApp, CTA: p.CTA}
	if p.Price != nil {
		v.Price = &priceView{Amount: p.Price.Amount, Currency: p.Price.Currency}
	}
	if p.CompareAtPrice != nil {
		v.CompareAtPrice = &priceView{Amount: p.CompareAtPrice.Amount, Currency: p.CompareAtPrice.Currency}
	}
	return v
}

type contentView struct {
	Text  string `json:"text"`
	Title string `json:"title"`
	Link  string `json:"link"`
	// Media is what this delivery publishes of the post's media, in order.
	Media []mediaItemView `json:"media"`
}

// mediaItemView is one item a target publishes: its index in the post's
// media and what it is. A preview and the stored delivery answer the same
// items.
type mediaItemView struct {
	Index       int    `json:"index"`
	ID          string `json:"id,omitempty"`
	URL         string `json:"url,omitempty"`
	Kind        string `json:"kind"`
	ContentType string `json:"content_type,omitempty"`
}

// viewMediaItems pairs a target's items with their indexes in the post's
// media.
func viewMediaItems(items []serentak.MediaRef, indexes []int) []mediaItemView {
	out := make([]mediaItemView, 0, len(items))
	for j, m := range items {
		out = append(out, mediaItemView{Index: indexes[j], ID: m.ID, URL: m.URL, Kind: string(m.Kind), ContentType: m.ContentType})
	}
	return out
}

// publishedIndexes finds a stored delivery's items in its post's media:
// the delivery keeps the items themselves, and a target never publishes an
// item twice, so each is the first of the post's items with the same
// upload or URL not already matched. An item not found (not expected) is
// answered with index -1.
func publishedIndexes(post, items []serentak.MediaRef) []int {
	used := make([]bool, len(post))
	out := make([]int, len(items))
	for j, m := range items {
		out[j] = -1
		for i, p := range post {
			if !used[i] && p.ID == m.ID && p.URL == m.URL {
				used[i], out[j] = true, i
				break
			}
		}
	}
	return out
}

func viewPost(p serentak.Post, lang string) postView {
	v := postView{
		ID: p.ID, Status: string(p.Status),
		ScheduledAt: p.ScheduledAt.UTC(), CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
		Product:    viewProduct(p.Product),
		Caption:    stringPtr(p.Caption),
		Hashtags:   append([]string{}, p.Hashtags...),
		Media:      make([]mediaRefView, 0, len(p.Media)),
		Deliveries: make([]deliveryView, 0, len(p.Deliveries)),
		ApprovedBy: stringPtr(p.ApprovedBy), RejectionComment: stringPtr(p.RejectionComment),
	}
	for _, m := range p.Media {
		v.Media = append(v.Media, mediaRefView{ID: m.ID, URL: m.URL, Kind: string(m.Kind), ContentType: m.ContentType})
	}
	for _, d := range p.Deliveries {
		v.Deliveries = append(v.Deliveries, viewDelivery(p, d, lang))
	}
	return v
}

// viewDelivery is a delivery of post p as the post's answer shows it,
// its warnings in language lang.
func viewDelivery(p serentak.Post, d serentak.Delivery, lang string) deliveryView {
	var derr *deliveryErrorView
	if d.Error != nil {
		derr = &deliveryErrorView{Code: d.Error.Code, Message: d.Error.Message, Retryable: d.Error.Retryable}
	}
	return deliveryView{
		ID: d.ID, AccountID: d.AccountID, Platform: string(d.Platform), Status: string(d.Status),
		Attempts: d.Attempts, ScheduledAt: d.ScheduledAt.UTC(),
		Content: contentView{Text: d.Content.Text, Title: d.Content.Title, Link: d.Content.Link,
			Media: viewMediaItems(d.Content.Media, publishedIndexes(p.Media, d.Content.Media))},
		ExternalID:   stringPtr(d.ExternalID),
		Permalink:    stringPtr(d.Permalink),
		PublishedAt:  timePtr(d.PublishedAt),
		Error:        derr,
		Warnings:     serentak.WarningTexts(deliveryWarnings(d), lang),
		WarningCodes: serentak.WarningCodes(deliveryWarnings(d)),
	}
}

// deliveryWarnings are a delivery's warnings: what composing left out or
// changed (Content.Warnings), then what the platform did differently from
// what was asked, as it reported on publication (Delivery.Warnings).
func deliveryWarnings(d serentak.Delivery) []serentak.Warning {
	out := append([]serentak.Warning{}, d.Content.Warnings...)
	return append(out, d.Warnings...)
}

type postListView struct {
	Data       []postView `json:"data"`
	NextCursor *string    `json:"next_cursor"`
}

func stringPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
