package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/compose"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/safeurl"
	"github.com/serentak/serentak/tracing"
)

// Limits of a post request. Platform limits (caption length, hashtag
// count, media a platform takes) are compose's; these only bound what we
// store.
const (
	maxTargets        = 20
	maxMedia          = 35
	maxHashtags       = 100
	maxHashtagLen     = 100
	maxDescriptionLen = 10000
	maxCaptionLen     = 70000 // above every platform's limit; compose has the real ones
	maxURLLen         = 2048
	maxCTALen         = 200
	maxWhatsAppLen    = 50 // a number with its spaces, dashes and brackets
	maxIdempotencyKey = 255
	pastTolerance     = 5 * time.Minute
)

type postRequest struct {
	Product     *productRequest `json:"product"`
	Caption     *string         `json:"caption"`
	Hashtags    []string        `json:"hashtags"`
	Media       []mediaRequest  `json:"media"`
	Targets     []targetRequest `json:"targets"`
	ScheduledAt *string         `json:"scheduled_at"`
	Language    *string         `json:"language"`
	// Queue takes the workspace's next free posting slot instead of
	// scheduled_at (queue.go).
	Queue *bool `json:"queue"`
	// Repeat makes a series of posts from scheduled_at (queue.go).
	Repeat *repeatRequest `json:"repeat"`
	// Draft stores the post as a draft: checked for shape only, nothing
	// queued (draftFaults); POST …/schedule checks and schedules it.
	Draft bool `json:"draft"`
}

type productRequest struct {
	Name        string        `json:"name"`
	Price       *priceRequest `json:"price"`
	Description string        `json:"description"`
	URL         string        `json:"url"`
	// WhatsApp is a WhatsApp number in any common spelling
	// (compose.ParseWhatsApp).
	WhatsApp string `json:"whatsapp"`
	// CompareAtPrice is the usual price, when price is a discount.
	CompareAtPrice *priceRequest `json:"compare_at_price"`
	// CTA replaces the template's words before the order link.
	CTA string `json:"cta"`
}

type priceRequest struct {
	Amount   *number `json:"amount"`
	Currency string  `json:"currency"`
}

type mediaRequest struct {
	URL  string `json:"url"`
	ID   string `json:"id"`
	Type string `json:"type"`
}

type targetRequest struct {
	AccountID string  `json:"account_id"`
	Caption   *string `json:"caption"`
	Title     *string `json:"title"`
	// Media chooses this target's items (indexes into the post's media,
	// in publishing order); absent: the platform takes what fits.
	Media *[]int `json:"media"`
	// Options are the platform's options (options.go), read once the
	// target's account, and so its platform, is known.
	Options json.RawMessage `json:"options"`
}

type rescheduleRequest struct {
	ScheduledAt *string `json:"scheduled_at"`
}

// createPost validates the whole post, composes it for every target and
// stores it with its deliveries in one call — or stores nothing and
// answers 422 listing every fault.
func (s *Server) createPost(c echo.Context) error {
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	var req postRequest
	raw, err := s.readJSON(c, &req)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var idem *serentak.IdempotencyKey
	if key != "" {
		idem = &serentak.IdempotencyKey{Key: key, RequestHash: bodyHash(raw)}
		p, found, err := s.cfg.Store.FindPostByIdempotencyKey(ctx, workspaceID(c), *idem)
		if err != nil {
			return err
		}
		if found {
			setAuditTarget(c, auditNothing) // a replay changes nothing
			var ids []string
			if p.RepeatOf != "" {
				if ids, err = s.cfg.Store.FindSeriesIDs(ctx, workspaceID(c), p.RepeatOf); err != nil {
					return err
				}
			}
			return c.JSON(http.StatusOK, viewCreated(p, ids, apiLanguage(c)))
		}
	}
	hold := false
	if !req.Draft { // a draft is not publishable: approval comes when it is scheduled
		if hold, err = s.mustHold(c); err != nil {
			return err
		}
	}
	stored, ids, created, faults, err := s.makePost(ctx, workspaceID(c), req, raw, hold, idem)
	if err != nil {
		return err
	}
	if len(faults) > 0 {
		return serentak.Invalid(fmt.Sprintf("the post has %d problem(s); nothing was stored", len(faults)), faults...)
	}
	if !created {
		setAuditTarget(c, auditNothing) // a replay changes nothing
		return c.JSON(http.StatusOK, viewCreated(stored, ids, apiLanguage(c)))
	}
	if !req.Draft { // nothing of a draft is due
		s.wake()
	}
	setAuditTarget(c, stored.ID)
	return c.JSON(http.StatusCreated, viewCreated(stored, ids, apiLanguage(c)))
}

// createdView is a created post; a repeat's first post also lists the
// IDs of the whole series.
type createdView struct {
	postView
	Repeat *repeatView `json:"repeat,omitempty"`
}

type repeatView struct {
	PostIDs []string `json:"post_ids"`
}

func viewCreated(p serentak.Post, seriesIDs []string, lang string) createdView {
	v := createdView{postView: viewPost(p, lang)}
	if len(seriesIDs) > 0 {
		v.Repeat = &repeatView{PostIDs: seriesIDs}
	}
	return v
}

// idempotencyKey reads the request's Idempotency-Key header ("" when
// absent).
func idempotencyKey(c echo.Context) (string, error) {
	key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
	switch {
	case len(key) > maxIdempotencyKey:
		return "", serentak.Errorf(serentak.ECodeBadRequest, "Idempotency-Key must be at most %d characters", maxIdempotencyKey)
	case !storableText(key): // header values may carry bytes that are not UTF-8
		return "", serentak.Errorf(serentak.ECodeBadRequest, "Idempotency-Key must be UTF-8 text")
	}
	return key, nil
}

// makePost is the one way a post is made, for POST /posts and for each
// row of an import: a queued post given the next free slot's time, the
// request checked and composed for every target (draftPost), held for
// approval when hold is set (mustHold), then stored with its deliveries in
// one transaction (Store.CreatePost; CreateQueuedPost, which takes the
// slot; CreatePostSeries for a repeat, whose IDs come back in seriesIDs).
// A request with faults stores nothing and returns them; created is false
// when idem named a post made before.
func (s *Server) makePost(ctx context.Context, ws string, req postRequest, source []byte, hold bool, idem *serentak.IdempotencyKey) (stored serentak.Post, seriesIDs []string, created bool, faults []serentak.FieldError, err error) {
	queued := req.Queue != nil && *req.Queue
	if req.Draft && (queued || req.Repeat != nil) {
		// A draft has no time yet: the slot or the series is chosen when
		// it is scheduled, which takes a time (POST …/schedule).
		field := "queue"
		if !queued {
			field = "repeat"
		}
		faults = append(faults, fieldError(field, "invalid", "a draft takes neither queue nor repeat; schedule the draft with a time, or make the post without draft"))
		queued, req.Queue, req.Repeat = false, nil, nil
	}
	if queued {
		if req.ScheduledAt != nil {
			faults = append(faults, fieldError("queue", "invalid", "give either queue or scheduled_at, not both"))
		} else {
			// The slot the post would take now, so that the draft is
			// checked for its day (the YouTube quota); the store takes the
			// slot itself, which another post may have taken meanwhile.
			q, err := s.cfg.Store.FindQueue(ctx, ws, s.now(), 1)
			if err != nil {
				return serentak.Post{}, nil, false, nil, err
			}
			switch {
			case len(q.Slots) == 0:
				faults = append(faults, fieldError("queue", "no_slots", "the workspace has no posting slots; set them with PUT /v1/workspaces/{ws}/queue, or give scheduled_at"))
			case len(q.Next) == 0:
				faults = append(faults, fieldError("queue", "full", "every posting slot of the coming year is taken; add slots, or give scheduled_at"))
			default:
				at := q.Next[0].Format(time.RFC3339)
				req.ScheduledAt = &at
			}
		}
	}
	every, count, rerrs := checkRepeat(req.Repeat, queued)
	faults = append(faults, rerrs...)
	d, err := s.draftPost(ctx, ws, req, s.now())
	if err != nil {
		return serentak.Post{}, nil, false, nil, err
	}
	checks := d.faults()
	if req.Draft {
		checks = d.draftFaults()
	}
	if faults = append(checks, faults...); len(faults) > 0 {
		return serentak.Post{}, nil, false, faults, nil
	}
	post := d.post
	post.Source = compactJSON(source)
	// The scheduler continues this request's trace from the database.
	traceParent := tracing.TraceParent(ctx)
	for i := range post.Deliveries {
		post.Deliveries[i].TraceParent = traceParent
		switch {
		case req.Draft: // not publishable: approval comes when it is scheduled
			post.Deliveries[i].Status = serentak.DeliveryDraft
		case hold:
			post.Deliveries[i].Status = serentak.DeliveryPendingApproval
		}
	}
	switch {
	case queued:
		stored, created, err = s.cfg.Store.CreateQueuedPost(ctx, post, idem, s.now())
	case count > 0:
		w, err := s.cfg.Store.FindWorkspaceByID(ctx, ws)
		if err != nil {
			return serentak.Post{}, nil, false, nil, err
		}
		loc, err := time.LoadLocation(w.Timezone)
		if err != nil {
			return serentak.Post{}, nil, false, nil, fmt.Errorf("api: workspace %s has an unknown timezone %q: %w", w.ID, w.Timezone, err)
		}
		series, c, err := s.cfg.Store.CreatePostSeries(ctx, repeatPosts(post, every, count, loc), idem)
		if err != nil {
			return serentak.Post{}, nil, false, nil, err
		}
		stored, created = series[0], c
		for _, p := range series {
			seriesIDs = append(seriesIDs, p.ID)
		}
	default:
		stored, created, err = s.cfg.Store.CreatePost(ctx, post, idem)
	}
	return stored, seriesIDs, created, nil, err
}

// bodyHash identifies a request body for idempotency: the same JSON with
// other whitespace is the same request.
func bodyHash(raw []byte) string {
	sum := sha256.Sum256(compactJSON(raw))
	return hex.EncodeToString(sum[:])
}

// compactJSON is raw without insignificant whitespace (raw itself when it
// is not JSON).
func compactJSON(raw []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return append([]byte(nil), raw...)
	}
	return buf.Bytes()
}

// postBuilder collects the faults of one post request.
type postBuilder struct {
	s    *Server
	ctx  context.Context
	ws   string
	errs []serentak.FieldError
	// safe caches the private-address verdict per host.
	safe map[string]error
	// notes are warnings about media items, by index in the post's media
	// (a URL that could not be read): each target publishing the item
	// carries them.
	notes map[int][]serentak.Warning
	// heads are the media URLs' first bytes, read before the items are
	// checked (readHeads); nil when URLs are not read.
	heads map[string]headResult
}

func (b *postBuilder) fail(field, code, format string, args ...any) {
	b.errs = append(b.errs, fieldError(field, code, format, args...))
}

// draft is a post request checked and composed for every target: the post
// as it would be stored, each target's compose result, and the faults of
// the request itself. Creating and previewing a post both make one with
// draftPost, so a preview shows exactly what create stores and publishes.
type draft struct {
	post serentak.Post
	// targets are the targets whose account was found, in request order;
	// post.Deliveries[i] holds targets[i].result.Content.
	targets []composedTarget
	// errs are the request's own faults (JSON fields, accounts, media,
	// scheduled_at…), not compose's.
	errs []serentak.FieldError
	// warnings are about the post's own words (compose.Prepare: a
	// hashtag cleaned, a wa.me number rewritten), said once for the post
	// rather than once per target.
	warnings []serentak.Warning
}

// composedTarget is one target of a draft.
type composedTarget struct {
	index   int // in the request's targets
	account serentak.Account
	result  compose.Result
}

// faults returns every fault of the draft, as create reports them: the
// request's, then compose's merged across targets.
func (d draft) faults() []serentak.FieldError {
	var tf []targetFault
	for _, t := range d.targets {
		for _, e := range t.result.Errors {
			tf = append(tf, targetFault{target: t.index, platform: t.account.Platform, err: e})
		}
	}
	return append(d.errs, mergeTargetFaults(d.errs, tf)...)
}

// draftFaults are the faults that refuse a draft ("draft": true): those of
// the request's shape — a field of the wrong form, an account or media
// item not in the workspace, too many items. What depends on the
// platforms' rules (compose: a caption too long for X) or on time (a
// scheduled_at gone by) is checked when the draft is scheduled.
func (d draft) draftFaults() []serentak.FieldError {
	var out []serentak.FieldError
	for _, e := range d.errs {
		if e.Field == "scheduled_at" && (e.Code == "in_past" || e.Code == "too_far") {
			continue
		}
		out = append(out, e)
	}
	return out
}

// draftPost checks a request and composes it for every target. The error
// is for failures of ours (the store); faults of the request are in the
// draft.
func (s *Server) draftPost(ctx context.Context, ws string, req postRequest, now time.Time) (draft, error) {
	b := &postBuilder{s: s, ctx: ctx, ws: ws, safe: map[string]error{}, notes: map[int][]serentak.Warning{}}
	product := b.product(req.Product)
	caption := ""
	if req.Caption != nil {
		caption = strings.TrimSpace(*req.Caption)
		switch {
		case caption == "":
			b.fail("caption", "required", "must not be empty; leave it out to compose the text from product")
		case utf8.RuneCountInString(caption) > maxCaptionLen:
			b.fail("caption", "too_long", "must be at most %d characters", maxCaptionLen)
		}
	} else if req.Product == nil {
		b.fail("caption", "required", "give a caption, or a product to compose one from")
	}
	hashtags := b.hashtags(req.Hashtags)
	// The post's own words are read once, for every target: Fit on the
	// prepared post repeats none of Prepare's warnings or faults.
	prepared, warnings, perrs := compose.Prepare(compose.Input{Product: product, Hashtags: hashtags})
	product, hashtags = prepared.Product, prepared.Hashtags
	b.errs = append(b.errs, perrs...)
	refs, err := b.media(req.Media)
	if err != nil {
		return draft{}, err
	}
	accounts, err := b.targets(req.Targets)
	if err != nil {
		return draft{}, err
	}
	at, fe := checkScheduledAt("scheduled_at", req.ScheduledAt, now)
	if fe != nil {
		b.errs = append(b.errs, *fe)
	}
	lang := ""
	if req.Language != nil {
		lang = *req.Language
		if lang != "id" && lang != "en" {
			b.fail("language", "invalid", `must be "id" (Bahasa Indonesia) or "en" (English)`)
		}
	}
	var overrides []serentak.TemplateOverride
	tracked := false // the workspace's tracked_links (docs/api.md#order-links-that-count)
	if len(accounts) > 0 {
		if overrides, err = s.cfg.Store.FindTemplates(ctx, ws); err != nil {
			return draft{}, err
		}
		w, err := s.cfg.Store.FindWorkspaceByID(ctx, ws)
		if err != nil {
			return draft{}, err
		}
		tracked = w.TrackedLinks && s.cfg.PublicURL != ""
	}

	d := draft{post: serentak.Post{
		ID: serentak.NewID(serentak.PrefixPost), WorkspaceID: ws,
		Product: product, Caption: caption, Hashtags: hashtags, Media: refs,
		ScheduledAt: at, Status: serentak.PostScheduled,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}}
	var health map[string]serentak.AccountHealth // granted scopes, for permissionWarnings
	for i, t := range req.Targets {
		acc, ok := accounts[i]
		if !ok {
			continue
		}
		in := compose.Input{Product: product, Caption: caption, Hashtags: hashtags, Media: refs, Language: lang,
			Template: compose.Overlay(overrides, acc.Platform, lang), Rules: s.cfg.ComposeRules}
		ct := compose.Target{Caption: deref(t.Caption), Title: deref(t.Title)}
		if t.Media != nil {
			ct.Media = append([]int{}, *t.Media...) // [] chooses nothing; nil lets the platform choose
		}
		var link *serentak.TrackedLink
		if tracked {
			// One code per delivery; compose measures the text with it.
			link = newTrackedLink(acc.Platform)
			in.Tracked = &compose.Tracked{URL: s.trackedURL(link.Code), Ref: link.Ref}
		}
		r := compose.Fit(acc.Platform, in, ct)
		if link != nil && r.TrackedTarget != "" {
			link.Target = r.TrackedTarget
		} else {
			link = nil // the content carries neither the link nor the reference
		}
		for _, i := range r.Media {
			r.Warnings = append(r.Warnings, b.notes[i]...)
		}
		var optErrs []serentak.FieldError
		if r.Content.Options, optErrs, err = b.targetOptions(acc, t.Options, r.Content.Media); err != nil {
			return draft{}, err
		}
		r.Errors = append(r.Errors, optErrs...)
		if usedFeatures(r.Content.Options) != nil && s.cfg.PermissionsFunc != nil && s.cfg.AccountHealthFunc != nil {
			if health == nil { // read once, for the targets that need it
				if health, err = s.cfg.AccountHealthFunc(ctx, ws); err != nil {
					return draft{}, err
				}
			}
			r.Warnings = append(r.Warnings, s.permissionWarnings(acc, r.Content.Options, health[acc.ID].Scopes)...)
		}
		// Stored with the delivery: the preview's warnings are the
		// delivery's.
		r.Content.Warnings = append([]serentak.Warning(nil), r.Warnings...)
		d.targets = append(d.targets, composedTarget{index: i, account: acc, result: r})
		d.post.Deliveries = append(d.post.Deliveries, serentak.Delivery{
			ID: serentak.NewID(serentak.PrefixDelivery), PostID: d.post.ID, WorkspaceID: ws,
			AccountID: acc.ID, Platform: acc.Platform, Status: serentak.DeliveryScheduled,
			Content: r.Content, ScheduledAt: at, Version: 1, TrackedLink: link,
			CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
		})
	}
	d.errs = b.errs
	d.warnings = warnings
	if err := s.fitYouTubeQuota(ctx, &d); err != nil {
		return draft{}, err
	}
	return d, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// targetFault is one compose error of one target.
type targetFault struct {
	target   int
	platform serentak.Platform
	err      serentak.FieldError
}

// mergeTargetFaults turns compose's errors into details, each naming its
// target and field: a target override's field ("target.caption") and a
// post-level field fitted for that target ("media", "caption") both become
// "targets[i].<field>", and the message names the target's platform, as
// docs/api.md#errors promises (each offending target and field named). A post-level
// field the API already reported (a private media URL, say) is not
// repeated per target.
func mergeTargetFaults(have []serentak.FieldError, faults []targetFault) []serentak.FieldError {
	reported := map[string]bool{}
	for _, e := range have {
		reported[e.Field] = true
	}
	out := make([]serentak.FieldError, 0, len(faults))
	for _, f := range faults {
		e := f.err
		rest, override := strings.CutPrefix(e.Field, "target.")
		if !override && reported[e.Field] {
			continue
		}
		e.Field = fmt.Sprintf("targets[%d].%s", f.target, rest)
		e.Message = fmt.Sprintf("targets[%d] (%s): %s", f.target, f.platform.DisplayName(), e.Message)
		out = append(out, e)
	}
	return out
}

func (b *postBuilder) product(p *productRequest) *serentak.Product {
	if p == nil {
		return nil
	}
	out := &serentak.Product{Name: strings.TrimSpace(p.Name), Description: strings.TrimSpace(p.Description), URL: strings.TrimSpace(p.URL),
		WhatsApp: strings.TrimSpace(p.WhatsApp)}
	switch {
	case out.Name == "":
		b.fail("product.name", "required", "a product needs a name")
	case utf8.RuneCountInString(out.Name) > maxNameLen:
		b.fail("product.name", "too_long", "must be at most %d characters", maxNameLen)
	}
	if utf8.RuneCountInString(out.Description) > maxDescriptionLen {
		b.fail("product.description", "too_long", "must be at most %d characters", maxDescriptionLen)
	}
	if p.Price != nil {
		out.Price = &serentak.Price{Currency: p.Price.Currency}
		if p.Price.Amount == nil {
			b.fail("product.price.amount", "required", "give the price as a number, e.g. 25000")
		} else if amount, err := compose.ParseAmount(string(*p.Price.Amount), p.Price.Currency); err != nil {
			b.fail("product.price.amount", "invalid", "%s", err.Error())
		} else {
			out.Price.Amount = amount
		}
		if !isCurrencyCode(p.Price.Currency) {
			b.fail("product.price.currency", "invalid", "must be an ISO 4217 code of 3 capital letters, e.g. IDR")
		}
	}
	// A url that is no http(s) address may be a WhatsApp number or a
	// wa.me link without its scheme: compose.Prepare reads it, or names
	// product.url at fault.
	switch {
	case len(out.URL) > maxURLLen:
		b.fail("product.url", "too_long", "must be at most %d characters", maxURLLen)
	case out.URL != "" && isHTTPURL(out.URL):
		b.publicURL("product.url", out.URL)
	}
	if utf8.RuneCountInString(out.WhatsApp) > maxWhatsAppLen {
		b.fail("product.whatsapp", "too_long", "must be at most %d characters", maxWhatsAppLen)
	}
	if p.CompareAtPrice != nil {
		out.CompareAtPrice = b.compareAt(p.CompareAtPrice, out.Price)
	}
	out.CTA = strings.TrimSpace(p.CTA)
	switch {
	case utf8.RuneCountInString(out.CTA) > maxCTALen:
		b.fail("product.cta", "too_long", "must be at most %d characters", maxCTALen)
	case strings.ContainsAny(out.CTA, "\r\n"):
		b.fail("product.cta", "invalid", "must be one line; it goes before the order link")
	}
	return out
}

// compareAt checks a compare-at price against the price it discounts.
func (b *postBuilder) compareAt(p *priceRequest, price *serentak.Price) *serentak.Price {
	out := &serentak.Price{Currency: p.Currency}
	if p.Amount == nil {
		b.fail("product.compare_at_price.amount", "required", "give the usual price as a number, e.g. 31250")
	} else if amount, err := compose.ParseAmount(string(*p.Amount), p.Currency); err != nil {
		b.fail("product.compare_at_price.amount", "invalid", "%s", err.Error())
	} else {
		out.Amount = amount
		if price != nil && price.Currency == p.Currency && price.Amount >= 0 && !(out.Amount > price.Amount) {
			b.fail("product.compare_at_price.amount", "invalid", "must be more than the price to be a discount")
		}
	}
	switch {
	case !isCurrencyCode(p.Currency):
		b.fail("product.compare_at_price.currency", "invalid", "must be an ISO 4217 code of 3 capital letters, e.g. IDR")
	case price != nil && p.Currency != price.Currency:
		b.fail("product.compare_at_price.currency", "invalid", "must be the price's currency, %s", price.Currency)
	}
	if price == nil {
		b.fail("product.compare_at_price", "invalid", "a compare-at price needs the price it is compared with: give product.price")
	}
	return out
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isHTTPURL(raw string) bool {
	if len(raw) > maxURLLen {
		return false
	}
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != ""
}

func (b *postBuilder) hashtags(tags []string) []string {
	if len(tags) > maxHashtags {
		b.fail("hashtags", "too_many", "at most %d hashtags; this post has %d", maxHashtags, len(tags))
		return nil
	}
	// Spaces, punctuation and empty hashtags are compose.Prepare's to
	// clean, with a warning: a hashtag is no reason to refuse a post.
	out := make([]string, 0, len(tags))
	for i, t := range tags {
		if utf8.RuneCountInString(strings.TrimSpace(t)) > maxHashtagLen {
			b.fail(fmt.Sprintf("hashtags[%d]", i), "too_long", "must be at most %d characters", maxHashtagLen)
			continue
		}
		out = append(out, t)
	}
	return out
}

// media resolves every media item to a MediaRef with its kind.
func (b *postBuilder) media(items []mediaRequest) ([]serentak.MediaRef, error) {
	if len(items) > maxMedia {
		b.fail("media", "too_many", "at most %d media items; this post has %d", maxMedia, len(items))
		return nil, nil
	}
	b.heads = b.readHeads(items)
	refs := make([]serentak.MediaRef, 0, len(items))
	for i, m := range items {
		field := fmt.Sprintf("media[%d]", i)
		kind, ct, ok := mediaType(m.Type)
		if !ok {
			b.fail(field+".type", "invalid", `must be a content type the platforms take (image/jpeg, image/png, image/webp, image/gif, image/heic, video/mp4, video/quicktime, video/webm), or "image" or "video"`)
			continue
		}
		rawURL, id := strings.TrimSpace(m.URL), strings.TrimSpace(m.ID)
		switch {
		case (rawURL == "") == (id == ""):
			b.fail(field, "invalid", `give exactly one of "url" or "id"`)
		case id != "":
			med, err := b.s.cfg.Store.FindMediaByID(b.ctx, b.ws, id)
			if serentak.ErrorCode(err) == serentak.ECodeNotFound {
				b.fail(field+".id", "not_found", "no such media in this workspace; upload it first")
				continue
			}
			if err != nil {
				return nil, err
			}
			if (kind != "" && kind != med.Kind) || (ct != "" && ct != med.ContentType) {
				b.fail(field+".type", "invalid", "media %s is %s (%s), not %s", id, med.Kind, med.ContentType, m.Type)
				continue
			}
			refs = append(refs, mediaRef(med))
		default:
			if ref, ok := b.mediaURL(i, rawURL, kind, ct); ok {
				refs = append(refs, ref)
			}
		}
	}
	return refs, nil
}

// headResult is what reading a media URL's first bytes gave.
type headResult struct {
	head media.Head
	err  error
}

// readHeads reads the first bytes of every media URL of the request at
// once (Config.ReadMediaFunc), each URL once, so a post of 35 URLs waits
// for the slowest server, not for all of them in turn. The reader checks
// each address itself (safeurl, on every connection), so a private
// address is never contacted; mediaURL reports it as usual.
func (b *postBuilder) readHeads(items []mediaRequest) map[string]headResult {
	read := b.s.cfg.ReadMediaFunc
	if read == nil {
		return nil
	}
	if c, ok := b.ctx.Value(headCacheKey{}).(*headCache); ok {
		read = c.reader(read) // an import: each URL read once per file
	}
	var urls []string
	seen := map[string]bool{}
	for _, m := range items {
		if u := strings.TrimSpace(m.URL); isHTTPURL(u) && strings.TrimSpace(m.ID) == "" && !seen[u] {
			seen[u] = true
			urls = append(urls, u)
		}
	}
	results := make([]headResult, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := read(b.ctx, u)
			results[i] = headResult{h, err}
		}()
	}
	wg.Wait()
	out := make(map[string]headResult, len(urls))
	for i, u := range urls {
		out[u] = results[i]
	}
	return out
}

// publicURL checks a URL the platforms will fetch (safeurl.Checker, which
// reads the host as the fetchers do, 0x7f000001 included) and reports its
// fault on field.
func (b *postBuilder) publicURL(field, raw string) bool {
	u, _ := url.Parse(raw) // isHTTPURL parsed it
	host := strings.ToLower(u.Hostname())
	err, checked := b.safe[host]
	if !checked {
		err = b.s.urls.Check(b.ctx, raw)
		b.safe[host] = err
	}
	if errors.Is(err, safeurl.ErrPrivate) {
		b.fail(field, "private_address", "%s; the platforms must reach it at a public address", safeurl.ErrPrivate.Error())
		return false
	}
	if err != nil {
		b.fail(field, "invalid", "%s", err.Error())
		return false
	}
	return true
}

// mediaType reads a media item's "type": a content type the platforms
// take ("image/jpeg"), or only the kind ("image", "video"); "" is none.
func mediaType(t string) (kind serentak.MediaKind, contentType string, ok bool) {
	t = strings.ToLower(strings.TrimSpace(t))
	switch serentak.MediaKind(t) {
	case "":
		return "", "", true
	case serentak.MediaImage, serentak.MediaVideo:
		return serentak.MediaKind(t), "", true
	}
	if t == "image/jpg" {
		t = "image/jpeg"
	}
	kind, ok = media.KindOfType(t)
	return kind, t, ok
}

// mediaURL checks a media URL and types it: from its first bytes, read
// now through the safe fetcher (Config.ReadMediaFunc), which also gives
// its size and an image's dimensions; else from the item's "type"; else
// from the URL's extension. Never from the extension alone when the bytes
// can be read: https://cdn.example.com/p?id=7 is typed, and a .jpg that is
// really a login page is refused. A URL that cannot be read now is taken
// at its "type" (or extension), with a warning on every target publishing
// it: the platform will fetch it later, and may fail to.
func (b *postBuilder) mediaURL(i int, raw string, kind serentak.MediaKind, ct string) (serentak.MediaRef, bool) {
	field := fmt.Sprintf("media[%d]", i)
	if !isHTTPURL(raw) {
		b.fail(field+".url", "invalid", "must be a full http(s) address of at most %d characters", maxURLLen)
		return serentak.MediaRef{}, false
	}
	if !b.publicURL(field+".url", raw) {
		return serentak.MediaRef{}, false
	}
	ref := serentak.MediaRef{URL: raw, Kind: kind, ContentType: ct}
	var unread error
	if read, ok := b.heads[raw]; ok {
		h, err := read.head, read.err
		switch {
		case errors.Is(err, media.ErrNotMedia):
			b.fail(field+".url", "unsupported_media", "this address answers with %s, not an image or video the platforms take; link the file itself, not a page showing it", h.ContentType)
			return serentak.MediaRef{}, false
		case err != nil:
			unread = err
		case kind != "" && kind != h.Kind, ct != "" && ct != h.ContentType:
			b.fail(field+".type", "invalid", "the file at this address is %s (%s), not %s", kindWord(h.Kind), h.ContentType, typeWord(kind, ct))
			return serentak.MediaRef{}, false
		default:
			return serentak.MediaRef{URL: raw, Kind: h.Kind, ContentType: h.ContentType, Size: h.Size, Inspection: h.Inspection}, true
		}
	}
	if kind != "" {
		if unread != nil {
			b.note(i, serentak.WarnMediaUnreadTyped, "field", field, "error", unread.Error(), "kind", typeWord(kind, ct))
		}
		return ref, true
	}
	u, _ := url.Parse(raw)
	k, ok := media.KindFromPath(u.Path)
	switch {
	case !ok && unread != nil:
		b.fail(field+".type", "required", `this address could not be read (%v) and its name does not say what it is; add "type", e.g. "image/jpeg" or "video/mp4"`, unread)
		return serentak.MediaRef{}, false
	case !ok:
		b.fail(field+".type", "required", `cannot tell whether this is an image or a video; add "type", e.g. "image/jpeg" or "video/mp4"`)
		return serentak.MediaRef{}, false
	case unread != nil:
		b.note(i, serentak.WarnMediaUnreadGuessed, "field", field, "error", unread.Error(), "kind", kindWord(k))
	}
	ref.Kind = k
	return ref, true
}

// note records a warning about media[i]. It is keyed by the item's index
// in the request, which is its index in the post's media whenever the
// draft is used: an item that failed makes the whole request a 422.
func (b *postBuilder) note(i int, code string, nameValues ...string) {
	b.notes[i] = append(b.notes[i], serentak.NewWarning(code, nameValues...))
}

func kindWord(k serentak.MediaKind) string {
	if k == serentak.MediaImage {
		return "an image"
	}
	return "a video"
}

func typeWord(k serentak.MediaKind, ct string) string {
	if ct != "" {
		return ct
	}
	return kindWord(k)
}

// targets checks every target and returns the accounts found, by index.
func (b *postBuilder) targets(ts []targetRequest) (map[int]serentak.Account, error) {
	accounts := map[int]serentak.Account{}
	switch {
	case len(ts) == 0:
		b.fail("targets", "required", "give 1 to %d targets (connected accounts)", maxTargets)
		return accounts, nil
	case len(ts) > maxTargets:
		b.fail("targets", "too_many", "at most %d targets; this post has %d", maxTargets, len(ts))
		return accounts, nil
	}
	seen := map[string]int{}
	for i, t := range ts {
		field := fmt.Sprintf("targets[%d]", i)
		if t.Caption != nil && strings.TrimSpace(*t.Caption) == "" {
			b.fail(field+".caption", "required", "must not be empty; leave it out to use the post's caption")
		}
		if t.Title != nil && strings.TrimSpace(*t.Title) == "" {
			b.fail(field+".title", "required", "must not be empty; leave it out to use the composed title")
		}
		id := strings.TrimSpace(t.AccountID)
		if id == "" {
			b.fail(field+".account_id", "required", "name a connected account (acc_…)")
			continue
		}
		if j, dup := seen[id]; dup {
			b.fail(field+".account_id", "duplicate", "the same account as targets[%d]", j)
			continue
		}
		seen[id] = i
		acc, err := b.s.cfg.Store.FindAccountByID(b.ctx, b.ws, id)
		if serentak.ErrorCode(err) == serentak.ECodeNotFound {
			b.fail(field+".account_id", "not_found", "no such account in this workspace")
			continue
		}
		if err != nil {
			return nil, err
		}
		if acc.Status != serentak.AccountActive {
			b.fail(field+".account_id", "needs_reauth", "needs_reauth: reconnect the account (%s %s) before posting to it", acc.Platform.DisplayName(), acc.Name)
			continue
		}
		if !b.s.cfg.Publishers[acc.Platform] {
			b.fail(field+".account_id", "unsupported_platform", "publishing to %s is not supported yet", acc.Platform.DisplayName())
			continue
		}
		accounts[i] = acc
	}
	return accounts, nil
}

// checkScheduledAt parses a scheduled time: absent means now; more than
// five minutes in the past or more than a year ahead is refused.
func checkScheduledAt(field string, raw *string, now time.Time) (time.Time, *serentak.FieldError) {
	if raw == nil {
		return now.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(*raw))
	if err != nil {
		fe := fieldError(field, "invalid", "must be an RFC 3339 time with an offset, e.g. 2026-12-01T09:00:00+07:00")
		return time.Time{}, &fe
	}
	if t.Before(now.Add(-pastTolerance)) {
		fe := fieldError(field, "in_past", "is more than 5 minutes in the past; leave it out to publish now")
		return time.Time{}, &fe
	}
	if t.After(now.AddDate(1, 0, 0)) {
		fe := fieldError(field, "too_far", "is more than a year ahead")
		return time.Time{}, &fe
	}
	return t.UTC(), nil
}

func (s *Server) getPost(c echo.Context) error {
	p, err := s.cfg.Store.FindPostByID(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewPost(p, apiLanguage(c)))
}

// listPosts pages through posts, newest scheduled first.
func (s *Server) listPosts(c echo.Context) error {
	q := c.QueryParams()
	if err := storableQuery(q); err != nil {
		return err
	}
	f, errs, err := s.postFilter(c, q)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return serentak.Invalid("invalid query parameters", errs...)
	}
	posts, next, err := s.cfg.Store.FindPosts(c.Request().Context(), workspaceID(c), f)
	if err != nil {
		return err // a bad cursor is the store's 422 naming "cursor"
	}
	out := postListView{Data: make([]postView, 0, len(posts)), NextCursor: stringPtr(next)}
	for _, p := range posts {
		out.Data = append(out.Data, viewPost(p, apiLanguage(c)))
	}
	return c.JSON(http.StatusOK, out)
}

// postFilter reads the list filters of GET …/posts (docs/api.md#list-filters),
// every fault at once. from and to are RFC 3339 times, or dates
// (2026-12-24) meaning that day's midnight in the workspace's timezone, as
// a calendar shows them.
func (s *Server) postFilter(c echo.Context, q url.Values) (serentak.PostFilter, []serentak.FieldError, error) {
	f := serentak.PostFilter{Cursor: q.Get("cursor")}
	var errs []serentak.FieldError
	for _, v := range q["status"] {
		st := serentak.PostStatus(strings.TrimSpace(v))
		if !st.Valid() {
			errs = append(errs, fieldError("status", "invalid", "must be one of scheduled, publishing, published, partially_published, failed, canceled, pending_approval, rejected (repeat status= for several)"))
			break
		}
		f.Statuses = append(f.Statuses, st)
	}
	var loc *time.Location // the workspace's, read once when a date needs it
	var storeErr error
	bound := func(name string) time.Time {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
		day, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs = append(errs, timeBoundError(name))
			return time.Time{}
		}
		if loc == nil {
			ws, err := s.cfg.Store.FindWorkspaceByID(c.Request().Context(), workspaceID(c))
			if err != nil {
				storeErr = err
				return time.Time{}
			}
			loc = workspaceLocation(ws)
		}
		return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	}
	f.From, f.To = bound("from"), bound("to")
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		errs = append(errs, fieldError("to", "invalid", "must be after from (to is excluded)"))
	}
	if v := q.Get("account_id"); v != "" {
		if !wellFormedID(v, serentak.PrefixAccount) {
			errs = append(errs, fieldError("account_id", "invalid", "must be an account ID (acc_…)"))
		}
		f.AccountID = v
	}
	if v := q.Get("platform"); v != "" {
		f.Platform = serentak.Platform(v)
		if !f.Platform.Valid() {
			errs = append(errs, fieldError("platform", "invalid", "must be one of %s", platformList()))
		}
	}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		f.Ascending = true
	default:
		errs = append(errs, fieldError("order", "invalid", "must be asc (oldest scheduled first, for a calendar) or desc (newest first, the default)"))
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			errs = append(errs, fieldError("limit", "invalid", "must be an integer from 1 to 100"))
		}
		f.Limit = n
	}
	return f, errs, storeErr
}

// timeBoundError is the fault of a from or to that is neither an RFC 3339
// time nor a date.
func timeBoundError(name string) serentak.FieldError {
	return fieldError(name, "invalid", "must be an RFC 3339 time (2026-12-24T09:00:00+07:00) or a date (2026-12-24, midnight in the workspace's timezone)")
}

// cancelPost cancels the deliveries that have not started.
func (s *Server) cancelPost(c echo.Context) error {
	p, err := s.cfg.Store.CancelPost(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewPost(p, apiLanguage(c)))
}

// reschedulePost moves the deliveries that have not started to at: a post
// made before posts kept their request, edited for its time alone.
func (s *Server) reschedulePost(c echo.Context, raw *string) error {
	at, fe := checkScheduledAt("scheduled_at", raw, s.now())
	if fe != nil {
		return serentak.Invalid("the new time is not valid", *fe)
	}
	hold, err := s.mustHold(c)
	if err != nil {
		return err
	}
	move := s.cfg.Store.ReschedulePost
	if hold {
		move = s.cfg.Store.ResubmitPost
	}
	p, err := move(c.Request().Context(), workspaceID(c), c.Param("id"), at)
	if err != nil {
		return err
	}
	s.wake()
	res := serentak.EditResult{Changed: []string{}, Removed: []string{}, Unchanged: []serentak.UnchangedDelivery{}}
	for _, d := range p.Deliveries {
		switch {
		case d.Status.Editable():
			res.Changed = append(res.Changed, d.ID)
		case d.Status != serentak.DeliveryCanceled:
			res.Unchanged = append(res.Unchanged, unchangedOf(d, "it is left as it was"))
		}
	}
	return c.JSON(http.StatusOK, editView{postView: viewPost(p, apiLanguage(c)), Edit: res})
}
