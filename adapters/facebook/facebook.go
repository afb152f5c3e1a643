// Package facebook publishes to Facebook Pages through the Graph API.
//
// A post is one of four shapes: text (POST /{page}/feed), one photo
// (POST /{page}/photos), several photos (each uploaded unpublished, then one
// POST /{page}/feed with attached_media), or one video (POST
// /{page}/videos). Photos are given by URL; Facebook fetches them. A video
// is given by URL too, or, over 1 GB or when Facebook cannot fetch it,
// uploaded in chunks; it is published once Facebook has processed it
// (video.go). A first comment follows the post (comment.go).
//
// The Graph API has no idempotency key, so publishing is made exactly-once
// with checkpoints (see reconcile.go). Facebook Page tokens have no refresh
// grant (a Page token made from a long-lived user token does not expire; it
// is revoked, not aged), so Publisher does not implement
// serentak.TokenRefresher: an AuthExpired error means the owner reconnects
// the Page.
package facebook

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Defaults for Config.
const (
	DefaultBaseURL = graph.DefaultBaseURL
	// DefaultVersion is pinned: Facebook silently routes calls made with an
	// expired version to the oldest live one, so a moving default would
	// change behaviour unseen.
	DefaultVersion = graph.DefaultVersion
)

// Config configures a Publisher. Zero fields take defaults; BaseURL is
// SERENTAK_FACEBOOK_API_URL.
type Config = graph.Config

// Publisher publishes to Facebook Pages.
type Publisher struct {
	g graph.Publisher
}

// New returns a Publisher.
func New(cfg Config) *Publisher {
	return &Publisher{g: graph.NewPublisher(cfg, graph.Platform{
		Name: "Facebook", Setting: "SERENTAK_FACEBOOK_API_URL", Reconciles: "looks it up", ClassifyFunc: Classify,
	})}
}

// Platform returns serentak.Facebook.
func (p *Publisher) Platform() serentak.Platform { return serentak.Facebook }

// StartsEarly makes the publisher a serentak.EarlyStarter: unpublished
// photo uploads run ahead; the feed, photo or video call waits for the
// scheduled time.
func (p *Publisher) StartsEarly() bool { return true }

// Checkpoint keys.
const (
	// cpStep names the non-idempotent call about to be made ("feed",
	// "photos", "videos" for the call that makes the post public, or
	// "photo_upload_N" for an unpublished photo); cpStepAt is when.
	cpStep   = graph.CheckpointStep
	cpStepAt = graph.CheckpointStepAt
	// cpPhoto + N holds the ID of the N-th unpublished photo.
	cpPhoto = "photo_"
	// cpPostID holds the published post's ID, once known (beside
	// graph's permalink and published_at).
	cpPostID = "post_id"
)

// Steps that make a post public; a checkpoint naming one without a post ID
// means the post may exist.
const (
	stepFeed   = "feed"
	stepPhoto  = "photos"
	stepVideo  = "videos"
	stepUpload = "photo_upload_"
)

// shape is what kind of post Content makes.
type shape int

const (
	shapeText shape = iota
	shapePhoto
	shapePhotos
	shapeVideo
)

// Publish publishes req.Content on the Page req.Account.ExternalID with the
// Page token req.Account.Token.AccessToken. It saves a checkpoint through
// req.SaveFunc before every non-idempotent call and after each ID it gets
// back, and resumes from req.Checkpoint (see reconcile.go). A nil SaveFunc
// publishes without checkpoints, for tools; the worker always gives one.
func (p *Publisher) Publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	res, err := p.publish(ctx, req)
	if err != nil {
		return serentak.Result{}, graph.Redact(err, req.Account.Token.AccessToken)
	}
	return res, nil
}

func (p *Publisher) publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	sh, err := shapeOf(req.Content)
	if err != nil {
		return serentak.Result{}, err
	}
	if req.Account.ExternalID == "" || req.Account.Token.AccessToken == "" {
		return serentak.Result{}, serentak.NewPublishError(serentak.AuthExpired, "",
			"the Facebook account has no Page ID or Page token; reconnect the Page")
	}
	a := &attempt{Attempt: p.g.NewAttempt(req), page: req.Account.ExternalID}
	// An earlier attempt published and saved the result, but the worker
	// did not get to record it.
	if res, ok := a.Published(cpPostID); ok {
		if w := a.CP[cpWarnings]; w != "" {
			a.warnings = serentak.ParseCheckpointWarnings(w)
		}
		// The post is saved; its first comment may still be due.
		return a.complete(ctx, res)
	}
	// An earlier attempt sent the publishing call and never learned the
	// outcome: look before publishing again.
	if step := a.CP[cpStep]; (step == stepFeed || step == stepPhoto || step == stepVideo) && a.CP[cpVideoID] == "" {
		res, found, err := a.reconcile(ctx, step)
		if err != nil {
			return serentak.Result{}, err
		}
		if found && step == stepVideo {
			// The video is there; it is published once processed.
			if err := a.videoSent(ctx, res.ExternalID, res.PublishedAt); err != nil {
				return serentak.Result{}, err
			}
			return a.awaitVideo(ctx)
		}
		if found {
			return a.complete(ctx, a.done(ctx, res))
		}
	}

	switch sh {
	case shapeText:
		return a.publishText(ctx)
	case shapePhoto:
		return a.publishPhoto(ctx)
	case shapePhotos:
		return a.publishPhotos(ctx)
	default:
		return a.publishVideo(ctx)
	}
}

// shapeOf checks the media mix. Compose validates this earlier; this is the
// last line.
func shapeOf(c serentak.Content) (shape, error) {
	var images, videos int
	for _, m := range c.Media {
		switch m.Kind {
		case serentak.MediaImage:
			images++
		case serentak.MediaVideo:
			videos++
		default:
			return 0, serentak.NewPublishError(serentak.Rejected, "", "media kind %q cannot be published to Facebook; use images or one video", m.Kind)
		}
	}
	switch {
	case videos > 0 && images > 0:
		return 0, serentak.NewPublishError(serentak.Rejected, "", "a Facebook post cannot mix a video with images; post them separately")
	case videos > 1:
		return 0, serentak.NewPublishError(serentak.Rejected, "", "a Facebook post can carry one video, not %d", videos)
	case videos == 1:
		return shapeVideo, nil
	case images == 1:
		return shapePhoto, nil
	case images > 1:
		return shapePhotos, nil
	case c.Text == "" && c.Link == "":
		return 0, serentak.NewPublishError(serentak.Rejected, "", "a Facebook post needs text, a link or media")
	}
	return shapeText, nil
}

// attempt is one Publish call's state.
type attempt struct {
	*graph.Attempt
	page string
	// warnings are what this publish reports beside its result.
	warnings []serentak.Warning
}

// done records the result in the checkpoint so a later attempt returns it
// without calling Facebook.
func (a *attempt) done(ctx context.Context, res serentak.Result) serentak.Result {
	a.keepWarnings()
	return a.Done(ctx, cpPostID, res)
}

// keepWarnings puts this attempt's warnings in the checkpoint, so an
// attempt that returns the saved result returns them too.
func (a *attempt) keepWarnings() {
	if len(a.warnings) == 0 {
		delete(a.CP, cpWarnings)
		return
	}
	a.CP[cpWarnings] = serentak.CheckpointWarnings(a.warnings)
}

func (a *attempt) publishText(ctx context.Context) (serentak.Result, error) {
	body := map[string]any{"message": a.Req.Content.Text}
	if a.Req.Content.Link != "" {
		body["link"] = a.Req.Content.Link
	}
	var out struct {
		ID        string `json:"id"`
		Permalink string `json:"permalink_url"`
	}
	if err := a.post(ctx, stepFeed, true, a.page+"/feed", "id,permalink_url", body, &out); err != nil {
		return serentak.Result{}, err
	}
	return a.finish(ctx, out.ID, out.Permalink)
}

func (a *attempt) publishPhoto(ctx context.Context) (serentak.Result, error) {
	u, err := a.MediaURL(a.Req.Content.Media[0])
	if err != nil {
		return serentak.Result{}, err
	}
	body := map[string]any{"url": u, "caption": a.Req.Content.Text, "published": true}
	var out struct {
		ID     string `json:"id"`
		PostID string `json:"post_id"`
	}
	if err := a.post(ctx, stepPhoto, true, a.page+"/photos", "", body, &out); err != nil {
		return serentak.Result{}, err
	}
	if out.PostID == "" {
		return serentak.Result{}, serentak.NewPublishError(serentak.Unknown, "",
			"Facebook accepted the photo (id %s) but gave no post ID; the next attempt looks the post up", out.ID)
	}
	return a.finish(ctx, out.PostID, "")
}

func (a *attempt) publishPhotos(ctx context.Context) (serentak.Result, error) {
	var attached []map[string]string
	for i, m := range a.Req.Content.Media {
		key := cpPhoto + strconv.Itoa(i)
		if id := a.CP[key]; id != "" {
			attached = append(attached, map[string]string{"media_fbid": id})
			continue
		}
		u, err := a.MediaURL(m)
		if err != nil {
			return serentak.Result{}, err
		}
		// An unpublished photo is invisible, so a lost answer here costs
		// an orphan upload, not a duplicate post: not a final step.
		var out struct {
			ID string `json:"id"`
		}
		if err := a.post(ctx, stepUpload+strconv.Itoa(i), false, a.page+"/photos", "", map[string]any{"url": u, "published": false}, &out); err != nil {
			return serentak.Result{}, err
		}
		if out.ID == "" {
			return serentak.Result{}, serentak.NewPublishError(serentak.Transient, "", "Facebook accepted photo %d but returned no ID", i+1)
		}
		a.CP[key] = out.ID
		if err := a.Save(ctx); err != nil {
			// The photo exists but is unpublished; uploading again next
			// time costs an orphan, nothing visible.
			return serentak.Result{}, a.SaveFailed(err)
		}
		attached = append(attached, map[string]string{"media_fbid": out.ID})
	}
	body := map[string]any{"message": a.Req.Content.Text, "attached_media": attached, "published": true}
	var out struct {
		ID        string `json:"id"`
		Permalink string `json:"permalink_url"`
	}
	if err := a.post(ctx, stepFeed, true, a.page+"/feed", "id,permalink_url", body, &out); err != nil {
		return serentak.Result{}, err
	}
	return a.finish(ctx, out.ID, out.Permalink)
}

// finish completes a result, asking Facebook for the permalink when the
// answer did not carry it. The post is already public, so a failed lookup
// falls back to a URL built from the IDs instead of failing the publish.
// The result is saved, then the first comment is posted (comment.go).
func (a *attempt) finish(ctx context.Context, id, permalink string) (serentak.Result, error) {
	if permalink == "" {
		var out struct {
			Permalink string `json:"permalink_url"`
		}
		if err := a.Get(ctx, id, url.Values{"fields": {"permalink_url"}}, &out); err == nil {
			permalink = out.Permalink
		}
	}
	if permalink == "" {
		permalink = a.fallbackPermalink(id)
	}
	return a.complete(ctx, a.done(ctx, serentak.Result{ExternalID: id, Permalink: absolute(permalink), PublishedAt: a.Now()}))
}

// complete posts the first comment, if any, on the saved result and adds
// the warnings.
func (a *attempt) complete(ctx context.Context, res serentak.Result) (serentak.Result, error) {
	if err := a.firstComment(ctx, res.ExternalID); err != nil {
		return serentak.Result{}, err
	}
	res.Warnings = append(res.Warnings, a.warnings...)
	return res, nil
}

func (a *attempt) fallbackPermalink(id string) string {
	if page, post, ok := strings.Cut(id, "_"); ok {
		return "https://www.facebook.com/" + page + "/posts/" + post
	}
	if a.CP[cpVideoID] == id {
		return "https://www.facebook.com/" + a.page + "/videos/" + id
	}
	return "https://www.facebook.com/" + id
}

// absolute makes the site-relative permalinks Facebook gives videos
// ("/{page}/videos/{id}/") into URLs.
func absolute(permalink string) string {
	if strings.HasPrefix(permalink, "/") {
		return "https://www.facebook.com" + permalink
	}
	return permalink
}

var _ serentak.Publisher = (*Publisher)(nil)
