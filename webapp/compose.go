package webapp

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/feature/plural"

	"github.com/serentak/serentak"
)

// The composer: one product post for every selected account, with the
// four platforms' previews beside the form. The previews are the API's
// (POST …/posts/preview), so what the page shows is what the API will
// publish; the page's script asks for them while the person types, and
// the "Preview" button asks the same from the server without scripts.

// composeAccount is an account as the composer shows it: a checkbox, its
// health and, for TikTok, the creator's settings (creator_info) that the
// TikTok choices depend on.
type composeAccount struct {
	ID           string `json:"id"`
	Platform     string `json:"platform"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	StatusReason string `json:"status_reason"`

	Selected bool          `json:"-"`
	TikTok   *tiktokInfo   `json:"-"`
	Choice   *tiktokChoice `json:"-"`
	// OptionsError is why the platform could not tell the account's
	// settings (a TikTok account that needs reconnecting).
	OptionsError string `json:"-"`
	// Errors are the API's faults of this account's target.
	Errors []string `json:"-"`
}

// Healthy accounts can be picked; the others are shown disabled with why.
func (a composeAccount) Healthy() bool { return a.Status == "active" && a.OptionsError == "" }

// tiktokInfo is GET …/accounts/{id}/options for a TikTok account.
type tiktokInfo struct {
	Creator struct {
		Nickname string `json:"nickname"`
	} `json:"creator"`
	PrivacyLevelOptions     []string `json:"privacy_level_options"`
	CommentDisabled         bool     `json:"comment_disabled"`
	DuetDisabled            bool     `json:"duet_disabled"`
	StitchDisabled          bool     `json:"stitch_disabled"`
	MaxVideoPostDurationSec int      `json:"max_video_post_duration_sec"`
	CanPost                 *bool    `json:"can_post"`
	CannotPostReason        string   `json:"cannot_post_reason"`
}

// tiktokChoice is what the person chose for one TikTok target. Nothing
// is chosen for them: TikTok's guidelines forbid a default privacy level,
// and the interactions start off.
type tiktokChoice struct {
	Privacy                  string
	Comment, Duet, Stitch    bool
	Disclose, Yours, Branded bool
}

// composeForm is the form as sent (or about to be).
type composeForm struct {
	Name, Price, CompareAt, Description string
	URL, WhatsApp, Hashtags             string
	MediaIDs                            []string
	When, At                            string // When: "at" or "queue"
}

// composeMedia is an attached upload (GET …/media/{id}).
type composeMedia struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	ContentType string `json:"content_type"`
	Num         int    `json:"-"`
}

// previewAnswer is POST …/posts/preview.
type previewAnswer struct {
	Warnings []string        `json:"warnings"`
	Targets  []targetPreview `json:"targets"`
	Valid    bool            `json:"valid"`
}

type targetPreview struct {
	AccountID string         `json:"account_id"`
	Platform  string         `json:"platform"`
	Text      string         `json:"text"`
	Title     string         `json:"title"`
	Link      string         `json:"link"`
	Media     []previewMedia `json:"media"`
	Shortened []string       `json:"shortened"`
	Warnings  []string       `json:"warnings"`
	Errors    []fieldDetail  `json:"errors"`
	// Name is the account's, for the card's header.
	Name string `json:"-"`
}

type previewMedia struct {
	Index int    `json:"index"`
	ID    string `json:"id"`
	URL   string `json:"url"`
	Kind  string `json:"kind"`
}

// Num is the item's place in the post's media as people count: 1, 2, 3.
func (m previewMedia) Num() int { return m.Index + 1 }

// composePage is the composer's data.
type composePage struct {
	Form     composeForm
	Accounts []*composeAccount
	Media    []composeMedia
	Preview  *previewAnswer
	// PreviewError is why no preview could be made (no product name yet).
	PreviewError *apiError
	Timezone     string
	// Err is the API's refusal, whose faults go beside their fields.
	Err *apiError
	// Words are the messages the page's script shows (compose.js.*).
	Words map[string]string
	// PostID is the post being edited ("" for a new one), PostStatus its
	// status (a draft can be scheduled from here).
	PostID, PostStatus string
}

// title is the page's title: a new post, or an edit.
func (p *composePage) title() string {
	if p.PostID != "" {
		return "compose.edit_title"
	}
	return "compose.title"
}

// FieldError is the fault of one field ("product.name"), or "".
func (p *composePage) FieldError(field string) string {
	if p.Err == nil {
		return ""
	}
	return p.Err.Field(field)
}

// composeWords are the script's messages in the person's language.
func (a *App) composeWords(c echo.Context) map[string]string {
	out := map[string]string{}
	for id, msg := range a.pages.cat[language(c)] {
		if rest, ok := strings.CutPrefix(id, "compose.js."); ok {
			out[rest] = msg[plural.Other] // no counted phrases: one form each
		}
	}
	return out
}

func (a *App) wsAPI(c echo.Context, rest string) string {
	return "/v1/workspaces/" + url.PathEscape(c.Param("ws")) + rest
}

// composeAccounts loads the workspace's accounts and, for TikTok ones,
// the creator's settings. A role that cannot write posts (a viewer, an
// approver) is told so before filling in a form the API would refuse.
func (a *App) composeAccounts(c echo.Context) ([]*composeAccount, error) {
	if v, _ := c.Get(ctxView).(*view); v == nil || !serentak.Role(v.Role).Can(serentak.PowerWrite) {
		return nil, &apiError{Status: http.StatusForbidden, Code: "forbidden"}
	}
	var list struct {
		Data []*composeAccount `json:"data"`
	}
	if err := a.call(c, http.MethodGet, a.wsAPI(c, "/accounts"), nil, &list); err != nil {
		return nil, err
	}
	for _, acc := range list.Data {
		if acc.Platform != "tiktok" || acc.Status != "active" {
			continue
		}
		var info tiktokInfo
		err := a.call(c, http.MethodGet, a.wsAPI(c, "/accounts/"+url.PathEscape(acc.ID)+"/options"), nil, &info)
		var ae *apiError
		switch {
		case errors.As(err, &ae):
			acc.OptionsError = ae.Message
		case err != nil:
			return nil, err
		default:
			acc.TikTok = &info
			if info.CanPost != nil && !*info.CanPost {
				acc.OptionsError = a.word(c, "compose.tiktok_cannot_post", info.CannotPostReason)
			}
		}
		acc.Choice = &tiktokChoice{}
	}
	return list.Data, nil
}

// showCompose is the empty composer: every healthy account picked, the
// next free slot if the workspace has a queue.
func (a *App) showCompose(c echo.Context) error {
	accs, err := a.composeAccounts(c)
	if err != nil {
		return err
	}
	for _, acc := range accs {
		acc.Selected = acc.Healthy()
	}
	v, _ := c.Get(ctxView).(*view)
	return a.render(c, http.StatusOK, "compose", "compose.title", &composePage{
		Accounts: accs, Form: composeForm{When: "at"}, Timezone: v.Workspace.Timezone, Words: a.composeWords(c)})
}

// submitCompose is the form sent: "preview" shows the API's previews,
// "draft" and "schedule" make the post and go to its page.
func (a *App) submitCompose(c echo.Context) error {
	page, body, err := a.readCompose(c, "")
	if err != nil || body == nil {
		return err
	}
	action := c.FormValue("action")
	if action == "draft" {
		body["draft"] = true
	}
	var post struct {
		ID string `json:"id"`
	}
	err = a.call(c, http.MethodPost, a.wsAPI(c, "/posts"), body, &post)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status < 500 {
		return a.refuseCompose(c, page, ae)
	} else if err != nil {
		return err
	}
	done := "compose.scheduled"
	if action == "draft" {
		done = "compose.drafted"
	}
	return c.Redirect(http.StatusSeeOther, wsPath(c, "posts/"+url.PathEscape(post.ID))+"?done="+done)
}

// refuseCompose shows the form again with the API's refusal: its message
// at the top, each fault beside its field.
func (a *App) refuseCompose(c echo.Context, page *composePage, e *apiError) error {
	v, _ := c.Get(ctxView).(*view)
	v.Error, page.Err = e, e
	a.spreadTargetErrors(page, e.Details)
	return a.render(c, http.StatusUnprocessableEntity, "compose", page.title(), page)
}

// readCompose reads the sent form (uploading the files sent with it) into
// the page and the API's body. It has answered already (a refusal, or the
// previews asked for) when the body is nil.
func (a *App) readCompose(c echo.Context, postID string) (*composePage, map[string]any, error) {
	accs, err := a.composeAccounts(c)
	if err != nil {
		return nil, nil, err
	}
	v, _ := c.Get(ctxView).(*view)
	page := &composePage{Accounts: accs, Timezone: v.Workspace.Timezone, Words: a.composeWords(c), PostID: postID}
	f := &page.Form
	f.Name, f.Price, f.CompareAt = strings.TrimSpace(c.FormValue("name")), strings.TrimSpace(c.FormValue("price")), strings.TrimSpace(c.FormValue("compare_at_price"))
	f.Description, f.URL, f.WhatsApp = c.FormValue("description"), strings.TrimSpace(c.FormValue("url")), strings.TrimSpace(c.FormValue("whatsapp"))
	f.Hashtags, f.When, f.At = c.FormValue("hashtags"), c.FormValue("when"), c.FormValue("scheduled_at")
	form, err := c.MultipartForm()
	if err == nil && form != nil {
		f.MediaIDs = append(f.MediaIDs, form.Value["media_id"]...)
	} else {
		params, _ := c.FormParams()
		f.MediaIDs = params["media_id"]
	}
	picked := map[string]bool{}
	params, _ := c.FormParams()
	for _, id := range params["account"] {
		picked[id] = true
	}
	for _, acc := range accs {
		acc.Selected = picked[acc.ID]
		if acc.Choice != nil {
			p := "tiktok_" + acc.ID + "_"
			acc.Choice = &tiktokChoice{Privacy: c.FormValue(p + "privacy"),
				Comment: c.FormValue(p+"comment") != "", Duet: c.FormValue(p+"duet") != "", Stitch: c.FormValue(p+"stitch") != "",
				Disclose: c.FormValue(p+"disclose") != "", Yours: c.FormValue(p+"yours") != "", Branded: c.FormValue(p+"branded") != ""}
		}
	}
	refuse := func(e *apiError) (*composePage, map[string]any, error) {
		return nil, nil, a.refuseCompose(c, page, e)
	}

	// Files sent with the form (without the page's script, which uploads
	// them as they are picked) become uploads first.
	if form != nil {
		for _, fh := range form.File["files"] {
			if fh.Size == 0 {
				continue
			}
			id, err := a.uploadFile(c, fh)
			var ae *apiError
			if errors.As(err, &ae) && ae.Status < 500 {
				ae.Details = append(ae.Details, fieldDetail{Field: "media", Message: ae.Message})
				return refuse(ae)
			} else if err != nil {
				return nil, nil, err
			}
			f.MediaIDs = append(f.MediaIDs, id)
		}
	}
	for _, id := range f.MediaIDs {
		var m composeMedia
		if err := a.call(c, http.MethodGet, a.wsAPI(c, "/media/"+url.PathEscape(id)), nil, &m); err == nil {
			m.Num = len(page.Media) + 1
			page.Media = append(page.Media, m)
		}
	}

	body, bad := a.composeBody(c, page)
	if bad != nil {
		return refuse(bad)
	}
	if c.FormValue("action") != "preview" {
		return page, body, nil
	}
	var prev previewAnswer
	err = a.call(c, http.MethodPost, a.wsAPI(c, "/posts/preview"), body, &prev)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status < 500 {
		page.PreviewError = ae
		a.spreadTargetErrors(page, ae.Details)
	} else if err != nil {
		return nil, nil, err
	} else {
		a.namePreviews(page, &prev)
		page.Preview = &prev
	}
	return nil, nil, a.render(c, http.StatusOK, "compose", page.title(), page)
}

// composeBody turns the form into the body of POST …/posts (and of the
// preview). What the API checks it checks; here only what a form cannot
// say as JSON: a price written as words, a local time without its zone.
func (a *App) composeBody(c echo.Context, page *composePage) (map[string]any, *apiError) {
	f := page.Form
	var faults []fieldDetail
	product := map[string]any{"name": f.Name, "description": f.Description, "url": f.URL, "whatsapp": f.WhatsApp}
	for _, p := range []struct{ field, value string }{{"product.price", f.Price}, {"product.compare_at_price", f.CompareAt}} {
		if p.value == "" {
			continue
		}
		n, ok := wholeRupiah(p.value)
		if !ok {
			faults = append(faults, fieldDetail{Field: p.field + ".amount", Code: "invalid", Message: a.word(c, "compose.price_invalid")})
			continue
		}
		product[strings.TrimPrefix(p.field, "product.")] = map[string]any{"amount": n, "currency": "IDR"}
	}
	body := map[string]any{"product": product, "language": language(c)}
	if tags := strings.FieldsFunc(f.Hashtags, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }); len(tags) > 0 {
		body["hashtags"] = tags
	}
	media := []map[string]string{}
	for _, id := range page.Form.MediaIDs {
		media = append(media, map[string]string{"id": id})
	}
	if len(media) > 0 {
		body["media"] = media
	}
	targets := []map[string]any{}
	for _, acc := range page.Accounts {
		if !acc.Selected {
			continue
		}
		t := map[string]any{"account_id": acc.ID}
		if ch := acc.Choice; ch != nil {
			o := map[string]any{"disable_comment": !ch.Comment, "disable_duet": !ch.Duet, "disable_stitch": !ch.Stitch}
			if ch.Privacy != "" {
				o["privacy_level"] = ch.Privacy
			}
			if ch.Disclose {
				o["brand_organic_toggle"], o["brand_content_toggle"] = ch.Yours, ch.Branded
			}
			t["options"] = o
		}
		targets = append(targets, t)
	}
	body["targets"] = targets
	switch {
	case f.When == "queue":
		body["queue"] = true
	case f.At != "":
		loc, err := time.LoadLocation(page.Timezone)
		if err != nil {
			loc = time.UTC
		}
		at, err := time.ParseInLocation("2006-01-02T15:04", f.At, loc)
		if err != nil {
			faults = append(faults, fieldDetail{Field: "scheduled_at", Code: "invalid", Message: a.word(c, "compose.time_invalid")})
		} else {
			body["scheduled_at"] = at.Format(time.RFC3339)
		}
	}
	if len(faults) > 0 {
		return nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: a.word(c, "compose.fix_fields"), Details: faults}
	}
	return body, nil
}

// wholeRupiah reads a price as people write it: 25000, 25.000, Rp25.000,
// "Rp 25 000". Rupiah have no decimals, so a dot or comma groups digits.
func wholeRupiah(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "Rp"), "rp")
	s = strings.Map(func(r rune) rune {
		if r == '.' || r == ',' || r == ' ' || r == '\u00a0' {
			return -1
		}
		return r
	}, s)
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}

// spreadTargetErrors puts each fault of "targets[i]…" beside account i of
// the selected ones (the order the body lists them).
func (a *App) spreadTargetErrors(page *composePage, details []fieldDetail) {
	var selected []*composeAccount
	for _, acc := range page.Accounts {
		if acc.Selected {
			selected = append(selected, acc)
		}
	}
	for _, d := range details {
		var i int
		if _, err := fmt.Sscanf(d.Field, "targets[%d]", &i); err == nil && i >= 0 && i < len(selected) {
			selected[i].Errors = append(selected[i].Errors, d.Message)
		}
	}
}

// namePreviews gives each preview its account's name, and each account
// its target's faults.
func (a *App) namePreviews(page *composePage, p *previewAnswer) {
	byID := map[string]*composeAccount{}
	for _, acc := range page.Accounts {
		byID[acc.ID] = acc
	}
	for i := range p.Targets {
		if acc := byID[p.Targets[i].AccountID]; acc != nil {
			p.Targets[i].Name = acc.Name
			for _, e := range p.Targets[i].Errors {
				acc.Errors = append(acc.Errors, e.Message)
			}
		}
	}
}

// uploadFile sends one file of the form to the API's plain upload
// (POST …/media, multipart), streamed, and answers the media's ID.
func (a *App) uploadFile(c echo.Context, fh *multipart.FileHeader) (string, error) {
	src, err := fh.Open()
	if err != nil {
		return "", fmt.Errorf("open the uploaded file %q: %w", fh.Filename, err)
	}
	defer src.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", fh.Filename)
		if err == nil {
			_, err = io.Copy(part, src)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	var m composeMedia
	err = a.send(c, sessionToken(c), http.MethodPost, a.wsAPI(c, "/media"), &rawBody{Type: mw.FormDataContentType(), Body: pr}, &m)
	pr.Close() // ends the writer, should the API have stopped reading
	if err != nil {
		return "", err
	}
	return m.ID, nil
}

// postAnswer is GET …/posts/{id}, the fields the composer fills in.
type postAnswer struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Product     *struct {
		Name           string      `json:"name"`
		Price          *priceValue `json:"price"`
		CompareAtPrice *priceValue `json:"compare_at_price"`
		Description    string      `json:"description"`
		URL            string      `json:"url"`
		WhatsApp       string      `json:"whatsapp"`
	} `json:"product"`
	Hashtags []string `json:"hashtags"`
	Media    []struct {
		ID string `json:"id"`
	} `json:"media"`
	Deliveries []struct {
		AccountID string `json:"account_id"`
	} `json:"deliveries"`
}

type priceValue struct {
	Amount float64 `json:"amount"`
}

func (p *priceValue) text() string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(p.Amount, 'f', -1, 64)
}

// showEdit is the composer filled with a post not yet published (a draft,
// a scheduled post): what the API keeps of it. TikTok's choices are asked
// again, as TikTok's guidelines want them made by the person each time.
func (a *App) showEdit(c echo.Context) error {
	var post postAnswer
	if err := a.call(c, http.MethodGet, a.wsAPI(c, "/posts/"+url.PathEscape(c.Param("id"))), nil, &post); err != nil {
		return err
	}
	accs, err := a.composeAccounts(c)
	if err != nil {
		return err
	}
	v, _ := c.Get(ctxView).(*view)
	page := &composePage{Accounts: accs, Timezone: v.Workspace.Timezone, Words: a.composeWords(c), PostID: post.ID, PostStatus: post.Status}
	f := &page.Form
	f.When = "at"
	if pr := post.Product; pr != nil {
		f.Name, f.Price, f.CompareAt = pr.Name, pr.Price.text(), pr.CompareAtPrice.text()
		f.Description, f.URL, f.WhatsApp = pr.Description, pr.URL, pr.WhatsApp
	}
	f.Hashtags = strings.Join(post.Hashtags, " ")
	if !post.ScheduledAt.IsZero() {
		f.At = inZone(post.ScheduledAt, page.Timezone).Format("2006-01-02T15:04")
	}
	for _, m := range post.Media {
		f.MediaIDs = append(f.MediaIDs, m.ID)
		var med composeMedia
		if err := a.call(c, http.MethodGet, a.wsAPI(c, "/media/"+url.PathEscape(m.ID)), nil, &med); err == nil {
			med.Num = len(page.Media) + 1
			page.Media = append(page.Media, med)
		}
	}
	picked := map[string]bool{}
	for _, d := range post.Deliveries {
		picked[d.AccountID] = true
	}
	for _, acc := range accs {
		acc.Selected = picked[acc.ID]
	}
	return a.render(c, http.StatusOK, "compose", page.title(), page)
}

// submitEdit saves the edited post (PATCH …/posts/{id}, which recomposes
// every delivery not yet started); "schedule" then schedules a draft.
func (a *App) submitEdit(c echo.Context) error {
	id := c.Param("id")
	page, body, err := a.readCompose(c, id)
	if err != nil || body == nil {
		return err
	}
	page.PostStatus = c.FormValue("status")
	// An edit takes a time, not the queue, and stays what it was (a
	// draft stays a draft until scheduled).
	delete(body, "queue")
	path := a.wsAPI(c, "/posts/"+url.PathEscape(id))
	err = a.call(c, http.MethodPatch, path, body, nil)
	if err == nil && c.FormValue("action") == "schedule" && page.PostStatus == "draft" {
		err = a.call(c, http.MethodPost, path+"/schedule", map[string]any{}, nil)
	}
	var ae *apiError
	if errors.As(err, &ae) && ae.Status < 500 {
		return a.refuseCompose(c, page, ae)
	} else if err != nil {
		return err
	}
	done := "compose.saved"
	if c.FormValue("action") == "schedule" && page.PostStatus == "draft" {
		done = "compose.scheduled"
	}
	return c.Redirect(http.StatusSeeOther, wsPath(c, "posts/"+url.PathEscape(id))+"?done="+done)
}
