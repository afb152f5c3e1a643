package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// editFields are the fields PATCH …/posts/{id} takes: those of create,
// but "draft" (a draft leaves that state by POST …/schedule).
var editFields = map[string]bool{"product": true, "caption": true, "hashtags": true, "media": true,
	"language": true, "targets": true, "scheduled_at": true}

// editView is a post with what an edit did to each delivery.
type editView struct {
	postView
	Edit serentak.EditResult `json:"edit"`
}

// editPost changes a post (docs/api.md#edit): the fields given
// replace the post's, its deliveries not yet started are recomposed and
// checked exactly as on create (draftPost), and the others are reported
// unchanged.
func (s *Server) editPost(c echo.Context) error {
	var req postRequest
	raw, err := s.readJSON(c, &req)
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(raw, &patch); err != nil {
		return serentak.Errorf(serentak.ECodeBadRequest, "the body must be a JSON object")
	}
	for k := range patch {
		if !editFields[k] {
			return serentak.Invalid("this field cannot be edited",
				fieldError(k, "invalid", "an edit takes product, caption, hashtags, media, language, targets and scheduled_at; schedule a draft with POST …/posts/{id}/schedule"))
		}
	}
	if len(patch) == 0 {
		return serentak.Invalid("nothing to change: give at least one of product, caption, hashtags, media, language, targets, scheduled_at")
	}
	ctx := c.Request().Context()
	p, err := s.cfg.Store.FindPostByID(ctx, workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	if p.Source == nil && len(patch) == 1 && patch["scheduled_at"] != nil {
		// A post made before posts kept their request: moving it needs
		// no recomposing, which would lose its targets' overrides.
		return s.reschedulePost(c, req.ScheduledAt)
	}
	out, res, err := s.applyEdit(c, p, patch, false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, editView{postView: viewPost(out, apiLanguage(c)), Edit: res})
}

// schedulePost checks a draft fully, as create does, and schedules it
// (pending_approval for an editor in a workspace with approval_required).
// The body may give a new scheduled_at.
func (s *Server) schedulePost(c echo.Context) error {
	var req rescheduleRequest
	patch := map[string]json.RawMessage{}
	if c.Request().ContentLength != 0 {
		raw, err := s.readJSON(c, &req)
		if err != nil {
			return err
		}
		if req.ScheduledAt != nil {
			patch["scheduled_at"] = json.RawMessage(mustJSON(raw, "scheduled_at"))
		}
	}
	p, err := s.cfg.Store.FindPostByID(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	if p.Status != serentak.PostDraft {
		return serentak.Errorf(serentak.ECodeConflict, "the post is %s, not a draft: only a draft can be scheduled", p.Status)
	}
	out, _, err := s.applyEdit(c, p, patch, true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewPost(out, apiLanguage(c)))
}

// mustJSON returns the raw value of one field of a JSON object that has
// already decoded.
func mustJSON(raw []byte, field string) []byte {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	return m[field]
}

// deletePost cancels the deliveries that have not started and deletes the
// post; deliveries publishing right now finish.
func (s *Server) deletePost(c echo.Context) error {
	if err := s.cfg.Store.DeletePost(c.Request().Context(), workspaceID(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// applyEdit merges patch into the post's request, checks and composes the
// result as create does, and stores it: each delivery not started is
// recomposed (or removed when its target is gone), new targets get new
// deliveries. schedule is a draft being scheduled: then it is checked
// fully and its deliveries leave the draft status.
func (s *Server) applyEdit(c echo.Context, p serentak.Post, patch map[string]json.RawMessage, schedule bool) (serentak.Post, serentak.EditResult, error) {
	ctx := c.Request().Context()
	if p.Status == serentak.PostCanceled {
		return p, serentak.EditResult{}, serentak.Errorf(serentak.ECodeConflict, "the post is canceled; make a new post")
	}
	editable := 0
	for _, d := range p.Deliveries {
		if d.Status.Editable() {
			editable++
		}
	}
	if editable == 0 {
		return p, serentak.EditResult{}, serentak.Errorf(serentak.ECodeConflict,
			"nothing left to edit: every delivery of this post has started, ended or been canceled")
	}
	source, err := postSource(p)
	if err != nil {
		return p, serentak.EditResult{}, err
	}
	for k, v := range patch {
		source[k] = v
	}
	// Made once: an edit neither queues the post again nor repeats it.
	delete(source, "draft")
	delete(source, "queue")
	delete(source, "repeat")
	now := s.now()
	// Time left as it was is not checked again: it was when it was set,
	// and a post held for approval may be past it (approval moves it).
	keepTime := patch["scheduled_at"] == nil && !schedule && p.Status != serentak.PostDraft
	if keepTime {
		source["scheduled_at"], _ = json.Marshal(p.ScheduledAt.UTC().Format(time.RFC3339Nano))
	}
	merged, err := json.Marshal(source)
	if err != nil {
		return p, serentak.EditResult{}, fmt.Errorf("api: encode the edited post: %w", err)
	}
	var req postRequest
	if err := json.Unmarshal(merged, &req); err != nil {
		return p, serentak.EditResult{}, serentak.Errorf(serentak.ECodeBadRequest, "the edited post does not read: %v", err)
	}
	d, err := s.draftPost(ctx, workspaceID(c), req, now)
	if err != nil {
		return p, serentak.EditResult{}, err
	}
	if keepTime {
		d.post.ScheduledAt = p.ScheduledAt
		d.errs = dropFaults(d.errs, func(e serentak.FieldError) bool { return e.Field == "scheduled_at" })
	}

	// The stored deliveries by account: a target naming the same account
	// is the same delivery, recomposed. A canceled one (its account was
	// removed, say) is history: naming its account again adds a delivery.
	byAccount := map[string]serentak.Delivery{}
	for _, sd := range p.Deliveries {
		if sd.Status != serentak.DeliveryCanceled {
			byAccount[sd.AccountID] = sd
		}
	}
	// Faults of targets whose delivery has started are not this edit's:
	// those deliveries stay as they are.
	frozen := map[int]bool{}
	for i, t := range req.Targets {
		if sd, ok := byAccount[strings.TrimSpace(t.AccountID)]; ok && !sd.Status.Editable() {
			frozen[i] = true
		}
	}
	faults := d.faults()
	if p.Status == serentak.PostDraft && !schedule {
		faults = d.draftFaults()
	}
	faults = dropFaults(faults, func(e serentak.FieldError) bool {
		for i := range frozen {
			f := fmt.Sprintf("targets[%d]", i)
			if e.Field == f || strings.HasPrefix(e.Field, f+".") {
				return true
			}
		}
		return false
	})
	if len(faults) > 0 {
		return p, serentak.EditResult{}, serentak.Invalid(fmt.Sprintf("the edited post has %d problem(s); nothing was changed", len(faults)), faults...)
	}

	status, err := s.editedStatus(c, p, schedule)
	if err != nil {
		return p, serentak.EditResult{}, err
	}
	e := serentak.PostEdit{Post: p}
	e.Post.Product, e.Post.Caption, e.Post.Hashtags, e.Post.Media = d.post.Product, d.post.Caption, d.post.Hashtags, d.post.Media
	e.Post.ScheduledAt, e.Post.Source = d.post.ScheduledAt, merged
	var frozenResult []serentak.UnchangedDelivery
	kept := map[string]bool{}
	for i, ct := range d.targets {
		nd := d.post.Deliveries[i]
		sd, stored := byAccount[ct.account.ID]
		switch {
		case stored && !sd.Status.Editable():
			kept[sd.ID] = true
			frozenResult = append(frozenResult, unchangedOf(sd, "it is left as it was"))
		case stored:
			kept[sd.ID] = true
			was := sd.Status
			sd.Content, sd.ScheduledAt, sd.Status, sd.TrackedLink = nd.Content, nd.ScheduledAt, status(was), nd.TrackedLink
			e.Deliveries = append(e.Deliveries, serentak.DeliveryEdit{Delivery: sd, Version: sd.Version, Status: was})
		default:
			nd.Status = status("")
			e.Deliveries = append(e.Deliveries, serentak.DeliveryEdit{Delivery: nd, New: true})
		}
	}
	for _, sd := range p.Deliveries {
		switch {
		case kept[sd.ID] || sd.Status == serentak.DeliveryCanceled:
		case sd.Status.Editable():
			e.Remove = append(e.Remove, serentak.DeliveryEdit{Delivery: sd, Version: sd.Version, Status: sd.Status})
		default:
			frozenResult = append(frozenResult, unchangedOf(sd, "its target was left out, but it cannot be removed any more"))
		}
	}
	out, res, err := s.cfg.Store.UpdatePost(ctx, workspaceID(c), p.ID, e)
	if err != nil {
		return p, res, err
	}
	res.Unchanged = append(res.Unchanged, frozenResult...)
	s.wake()
	return out, res, nil
}

// editedStatus returns what status an edited delivery takes, given its
// stored one ("" for a new delivery): a draft scheduled is scheduled, or
// pending_approval when the caller's changes wait for approval; a draft
// edited stays a draft; otherwise an editor's edit in a workspace with
// approval_required is held for approval again, and anyone else's keeps
// the status (an edit does not approve), a new target taking the post's.
func (s *Server) editedStatus(c echo.Context, p serentak.Post, schedule bool) (func(serentak.DeliveryStatus) serentak.DeliveryStatus, error) {
	if p.Status == serentak.PostDraft && !schedule {
		return func(serentak.DeliveryStatus) serentak.DeliveryStatus { return serentak.DeliveryDraft }, nil
	}
	hold, err := s.mustHold(c)
	if err != nil {
		return nil, err
	}
	if hold {
		return func(serentak.DeliveryStatus) serentak.DeliveryStatus { return serentak.DeliveryPendingApproval }, nil
	}
	if schedule {
		return func(serentak.DeliveryStatus) serentak.DeliveryStatus { return serentak.DeliveryScheduled }, nil
	}
	fresh := serentak.DeliveryScheduled
	switch p.Status {
	case serentak.PostPendingApproval:
		fresh = serentak.DeliveryPendingApproval
	case serentak.PostRejected:
		fresh = serentak.DeliveryRejected
	}
	return func(was serentak.DeliveryStatus) serentak.DeliveryStatus {
		if was == "" {
			return fresh
		}
		return was
	}, nil
}

func unchangedOf(d serentak.Delivery, why string) serentak.UnchangedDelivery {
	reason := "started: it is being published"
	switch d.Status {
	case serentak.DeliveryPublished:
		reason = "already published"
	case serentak.DeliveryFailed:
		reason = "already failed"
	}
	return serentak.UnchangedDelivery{ID: d.ID, Status: d.Status, Reason: reason + "; " + why}
}

func dropFaults(errs []serentak.FieldError, drop func(serentak.FieldError) bool) []serentak.FieldError {
	out := errs[:0:0]
	for _, e := range errs {
		if !drop(e) {
			out = append(out, e)
		}
	}
	return out
}

// postSource is the request a post was made from, as a JSON object; for a
// post made before posts kept it, the request its stored fields make
// (targets without their overrides, which were not kept).
func postSource(p serentak.Post) (map[string]json.RawMessage, error) {
	src := map[string]json.RawMessage{}
	if p.Source != nil {
		if err := json.Unmarshal(p.Source, &src); err != nil {
			return nil, fmt.Errorf("api: post %s: decode its stored request: %w", p.ID, err)
		}
		return src, nil
	}
	type mediaItem struct {
		URL  string `json:"url,omitempty"`
		ID   string `json:"id,omitempty"`
		Type string `json:"type,omitempty"`
	}
	type target struct {
		AccountID string `json:"account_id"`
	}
	put := func(k string, v any) error {
		b, err := json.Marshal(v)
		src[k] = b
		return err
	}
	var err error
	if p.Product != nil {
		err = put("product", p.Product)
	}
	if p.Caption != "" {
		err = put("caption", p.Caption)
	}
	if len(p.Hashtags) > 0 {
		err = put("hashtags", p.Hashtags)
	}
	media := make([]mediaItem, 0, len(p.Media))
	for _, m := range p.Media {
		t := m.ContentType
		if t == "" {
			t = string(m.Kind)
		}
		media = append(media, mediaItem{URL: m.URL, ID: m.ID, Type: t})
	}
	if len(media) > 0 {
		err = put("media", media)
	}
	var targets []target
	for _, d := range p.Deliveries {
		if d.Status != serentak.DeliveryCanceled {
			targets = append(targets, target{AccountID: d.AccountID})
		}
	}
	if err == nil {
		err = put("targets", targets)
	}
	return src, err
}
