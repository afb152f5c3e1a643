package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Exactly-once publishing.
//
// Creating a container is not a publication: a container nobody publishes
// is invisible and expires after 24 hours. So a lost answer to POST /media
// costs at most an orphan container (against the 400-a-day cap), never a
// visible duplicate, and is retried as Transient. Every container ID is
// saved the moment it comes back, and later attempts reuse it.
//
// media_publish is the one call that makes a post public, and the Graph API
// has no idempotency key. Before it we save the container we are about to
// publish. Every attempt, before publishing, reads the container's
// status_code, which is the platform's own record of whether that exact
// container was published:
//
//	IN_PROGRESS  still processing: return Pending; the worker asks again
//	             later without holding a slot or spending the retry budget
//	FINISHED     never published (whatever happened to an earlier
//	             media_publish): check the quota, publish
//	PUBLISHED    an earlier media_publish took effect and its answer was
//	             lost: find the media among the account's recent media
//	             (same caption and type, made after the container) and
//	             return it; never publish again
//	EXPIRED      not published within 24 hours: it never can be, so make a
//	             new set of containers
//	ERROR        processing failed; status holds a subcode. Permanent ones
//	             (bad format, size, aspect ratio) are Rejected; the others
//	             get a new set of containers, at most maxRebuilds times
//
// The risk left is finding the wrong media after a lost answer: an
// identical caption of the same type published by hand on the same account
// minutes after our container was made. That post shows the same thing,
// so taking it for ours is harmless.

const (
	// maxRebuilds bounds how often a delivery's containers are thrown
	// away and made again.
	maxRebuilds = 3
	// containerTTL: "containers expire after 24 hours" (Creating
	// containers, "Limitations"). A container Instagram no longer finds
	// is taken for gone only past this age.
	containerTTL = 24 * time.Hour
	// reconcileSkew widens the media search window for clock differences
	// between us and Instagram.
	reconcileSkew = 2 * time.Minute
	// reconcileLimit is how many recent media are searched; an account
	// does not post dozens of times within minutes.
	reconcileLimit = "50"
)

// Container status codes.
const (
	statusInProgress = "IN_PROGRESS"
	statusFinished   = "FINISHED"
	statusPublished  = "PUBLISHED"
	statusExpired    = "EXPIRED"
	statusError      = "ERROR"
)

// rebuildError says the current containers were thrown away and a new set
// is needed. It never leaves the package.
type rebuildError struct{ reason string }

func (e *rebuildError) Error() string { return e.reason }

// run takes the delivery one step further. A thrown-away container set is
// rebuilt at once, once per attempt, so that a set that expired during a
// long wait for the quota does not cost another round trip.
func (a *attempt) run(ctx context.Context) (serentak.Result, error) {
	res, err := a.step(ctx)
	var rb *rebuildError
	if errors.As(err, &rb) {
		res, err = a.step(ctx)
		if errors.As(err, &rb) {
			return serentak.Result{}, serentak.NewPublishError(serentak.Transient, "",
				"%s; new containers will be made on the next attempt", rb.reason)
		}
	}
	return res, err
}

func (a *attempt) step(ctx context.Context) (serentak.Result, error) {
	id := a.CP[cpContainer]
	if id == "" {
		// Look at the quota before making the first container: a full
		// quota would leave containers waiting hours, perhaps to expire.
		if !a.hasContainers() {
			if err := a.checkQuota(ctx); err != nil {
				return serentak.Result{}, err
			}
		}
		var err error
		if id, err = a.createContainer(ctx); err != nil {
			return serentak.Result{}, err
		}
	}
	st, err := a.status(ctx, id)
	if err != nil {
		return serentak.Result{}, err
	}
	switch st.StatusCode {
	case statusFinished:
		return a.publishContainer(ctx, id)
	case statusPublished:
		return a.findPublished(ctx, id)
	case statusInProgress:
		return serentak.Result{}, a.pending(ctx, id)
	case statusExpired:
		return serentak.Result{}, a.rebuild(ctx, fmt.Sprintf("container %s expired before it was published", id))
	case statusError:
		return serentak.Result{}, a.failed(ctx, id, st.Status)
	}
	return serentak.Result{}, serentak.NewPublishError(serentak.Transient, "",
		"Instagram gave container %s the unexpected status_code %q; it will be checked again", id, st.StatusCode)
}

func (a *attempt) hasContainers() bool {
	for k := range a.CP {
		if k == cpContainer || strings.HasPrefix(k, cpChild) {
			return true
		}
	}
	return false
}

// createContainer makes the container to publish (for a carousel, after
// its items' containers are all FINISHED).
func (a *attempt) createContainer(ctx context.Context) (string, error) {
	c := a.Req.Content
	form := url.Values{}
	switch a.shape {
	case shapeImage:
		u, err := a.MediaURL(c.Media[0])
		if err != nil {
			return "", err
		}
		form.Set("image_url", u)
	case shapeReel:
		u, err := a.MediaURL(c.Media[0])
		if err != nil {
			return "", err
		}
		form.Set("video_url", u)
		form.Set("media_type", "REELS")
		// share_to_feed, "Reels only": true shows the reel in the Feed
		// and the Reels tab, false in the Reels tab only (IG User Media
		// reference, "Creating":
		// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media).
		// Options.ShareToFeed nil is the default, true; it is always
		// sent, so the reel does not depend on Instagram's own default.
		form.Set("share_to_feed", strconv.FormatBool(c.Options.ShareToFeed == nil || *c.Options.ShareToFeed))
	case shapeCarousel:
		if a.CP[cpStep] == stepContainer {
			// An earlier attempt sent the carousel's creation and never
			// learned the outcome (the answer was lost, or the worker
			// died). If the carousel was made, it holds these items, and
			// Instagram refuses an item that already belongs to a
			// carousel. Make new items; the old ones stay invisible and
			// expire.
			for k := range a.CP {
				if strings.HasPrefix(k, cpChild) {
					delete(a.CP, k)
				}
			}
		}
		ids, err := a.children(ctx)
		if err != nil {
			return "", err
		}
		form.Set("media_type", "CAROUSEL")
		form.Set("children", strings.Join(ids, ","))
	}
	if c.Text != "" {
		form.Set("caption", c.Text)
	}
	id, err := a.create(ctx, stepContainer, cpContainer, form)
	if err != nil && a.shape == shapeCarousel && a.CP[cpStep] == "" {
		// Instagram answered with an error: no carousel was made and the
		// items are free. Saved so the next attempt reuses them; if the
		// save fails, it makes new ones, which costs nothing visible.
		_ = a.Save(ctx)
	}
	return id, err
}

// children makes the carousel items' containers that do not exist yet and
// returns them all once every one is FINISHED. Items carry no caption.
func (a *attempt) children(ctx context.Context) ([]string, error) {
	media := a.Req.Content.Media
	ids := make([]string, len(media))
	for i, m := range media {
		key := cpChild + strconv.Itoa(i)
		if id := a.CP[key]; id != "" {
			ids[i] = id
			continue
		}
		u, err := a.MediaURL(m)
		if err != nil {
			return nil, err
		}
		form := url.Values{"is_carousel_item": {"true"}}
		if m.Kind == serentak.MediaVideo {
			form.Set("video_url", u)
			form.Set("media_type", "VIDEO")
		} else {
			form.Set("image_url", u)
		}
		if ids[i], err = a.create(ctx, stepChild+strconv.Itoa(i), key, form); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		st, err := a.status(ctx, id)
		if err != nil {
			return nil, err
		}
		switch st.StatusCode {
		case statusFinished:
		case statusInProgress:
			return nil, a.pending(ctx, id)
		case statusError:
			return nil, a.failed(ctx, id, st.Status)
		case statusExpired:
			return nil, a.rebuild(ctx, fmt.Sprintf("carousel item container %s expired before the carousel was made", id))
		default:
			return nil, a.rebuild(ctx, fmt.Sprintf("carousel item container %s has status_code %q and cannot be used", id, st.StatusCode))
		}
	}
	return ids, nil
}

// create makes one container and checkpoints its ID.
func (a *attempt) create(ctx context.Context, step, key string, form url.Values) (string, error) {
	if a.CP[cpContainerAt] == "" {
		a.CP[cpContainerAt] = a.Now().UTC().Format(time.RFC3339Nano)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.post(ctx, step, false, a.user+"/media", form, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", serentak.NewPublishError(serentak.Transient, "",
			"Instagram accepted the %s call but returned no container ID; a new container will be made", step)
	}
	a.CP[key] = out.ID
	a.CP[cpPolls] = "0"
	if err := a.Save(ctx); err != nil {
		// The container exists but is invisible; the next attempt makes
		// another, which costs an orphan container, nothing public.
		return "", a.SaveFailed(err)
	}
	return out.ID, nil
}

type containerStatus struct {
	ID         string `json:"id"`
	StatusCode string `json:"status_code"`
	Status     string `json:"status"`
}

func (a *attempt) status(ctx context.Context, id string) (containerStatus, error) {
	var st containerStatus
	a.countStatusRead()
	err := a.Get(ctx, id, url.Values{"fields": {"status_code,status"}}, &st)
	var pe *serentak.PublishError
	if errors.As(err, &pe) && pe.Code == "100/33" {
		return st, a.notFound(ctx, id, pe)
	}
	return st, err
}

// notFound handles 100/33 ("Object with ID … does not exist, cannot be
// loaded due to missing permissions, or does not support this operation")
// on a container's status. That answer does not say the container is
// gone: a token that lost its grant, or a passing fault, gives it too, and
// taking it for "gone" would rebuild containers in a loop. So the token is
// checked first (GET /me): when it fails, that is the error. When it
// works, the container is taken for gone only once it is past Instagram's
// 24-hour expiry; before that the attempt is Transient and the same
// container is asked again later.
func (a *attempt) notFound(ctx context.Context, id string, pe *serentak.PublishError) error {
	if err := a.Get(ctx, "me", url.Values{"fields": {"id"}}, &struct{}{}); err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339Nano, a.CP[cpContainerAt])
	if err != nil || a.Now().Sub(at) < containerTTL {
		return &serentak.PublishError{Kind: serentak.Transient, Code: pe.Code, RetryAfter: maxPoll,
			Message: fmt.Sprintf("Instagram did not find container %s (code %s) although the account's token works; the same container is asked again later, no new one is made", id, pe.Code)}
	}
	// Expired for real. Unless we may have published it, a new one does
	// the job; if we may have, only a human can tell.
	if a.CP[cpPublishing] == id {
		return serentak.NewPublishError(serentak.Rejected, pe.Code,
			"Instagram no longer knows container %s, which was sent for publishing without an answer; check the account on Instagram before publishing again", id)
	}
	return a.rebuild(ctx, fmt.Sprintf("Instagram no longer knows container %s, made more than %s ago", id, containerTTL))
}

// pending says the container is still processing: the worker calls
// Publish again after RetryAfter.
func (a *attempt) pending(ctx context.Context, id string) error {
	polls, _ := strconv.Atoi(a.CP[cpPolls])
	polls++
	a.CP[cpPolls] = strconv.Itoa(polls)
	// Only a pacing hint: a failed save costs nothing.
	_ = a.Save(ctx)
	if at, err := time.Parse(time.RFC3339Nano, a.CP[cpContainerAt]); err == nil && a.Now().Sub(at) > pollWindow {
		return serentak.NewPublishError(serentak.Rejected, statusInProgress,
			"Instagram was still processing container %s more than %s after it was made, the longest Meta advises polling; check that the media meets Instagram's requirements (JPEG images up to 8 MB; MP4 or MOV videos, H.264, 3 seconds to 15 minutes, up to 300 MB)", id, pollWindow)
	}
	wait := pollWait(polls)
	if a.overBudget() {
		wait = maxPoll
	}
	return &serentak.PublishError{Kind: serentak.Pending, RetryAfter: wait, Code: statusInProgress,
		Message: fmt.Sprintf("Instagram is still processing container %s (check %d); checking again in %s", id, polls, wait)}
}

// failed handles a container whose status_code is ERROR.
func (a *attempt) failed(ctx context.Context, id, status string) error {
	pe, retry := classifyContainerError(id, status)
	if !retry {
		return pe
	}
	return a.rebuild(ctx, pe.Message)
}

// rebuild throws the current containers away; none of them can have been
// published (they are EXPIRED, ERROR or refused as unusable).
func (a *attempt) rebuild(ctx context.Context, reason string) error {
	n, _ := strconv.Atoi(a.CP[cpRebuilds])
	n++
	if n > maxRebuilds {
		return serentak.NewPublishError(serentak.Rejected, "",
			"Instagram could not prepare the media after %d tries; the last problem: %s", maxRebuilds, reason)
	}
	for k := range a.CP {
		switch {
		case k == cpContainer, k == cpContainerAt, k == cpPolls, k == cpStatusReads, k == cpPublishing, k == cpStep, k == cpStepAt, strings.HasPrefix(k, cpChild):
			delete(a.CP, k)
		}
	}
	a.CP[cpRebuilds] = strconv.Itoa(n)
	if err := a.Save(ctx); err != nil {
		return a.SaveFailed(err)
	}
	return &rebuildError{reason: reason}
}

// publishContainer publishes a FINISHED container.
func (a *attempt) publishContainer(ctx context.Context, id string) (serentak.Result, error) {
	if err := a.checkQuota(ctx); err != nil {
		return serentak.Result{}, err
	}
	a.CP[cpPublishing] = id
	var out struct {
		ID string `json:"id"`
	}
	if err := a.post(ctx, stepPublish, true, a.user+"/media_publish", url.Values{"creation_id": {id}}, &out); err != nil {
		var pe *serentak.PublishError
		if errors.As(err, &pe) && subcodes[subcodeOf(pe.Code)].unusable {
			return serentak.Result{}, a.rebuild(ctx, pe.Message)
		}
		return serentak.Result{}, err
	}
	if out.ID == "" {
		return serentak.Result{}, serentak.NewPublishError(serentak.Unknown, "",
			"Instagram accepted media_publish for container %s but returned no media ID; the next attempt checks the container", id)
	}
	return a.finish(ctx, out.ID, a.Now(), ""), nil
}

// finish records the result in the checkpoint so a later attempt returns
// it without calling Instagram. The permalink is asked for when missing;
// the post is public either way, so a failed lookup leaves it empty rather
// than failing the publish (a media ID is not a shortcode: /p/{id} would
// be a broken link).
func (a *attempt) finish(ctx context.Context, mediaID string, at time.Time, permalink string) serentak.Result {
	if permalink == "" {
		var out struct {
			Permalink string `json:"permalink"`
		}
		if err := a.Get(ctx, mediaID, url.Values{"fields": {"permalink"}}, &out); err == nil {
			permalink = out.Permalink
		}
	}
	// The post is public; a failed save only means a later attempt finds
	// the container PUBLISHED and looks the media up again.
	return a.Done(ctx, cpMediaID, serentak.Result{ExternalID: mediaID, Permalink: permalink, PublishedAt: at})
}

// listedMedia is one item of GET /{ig-user-id}/media.
type listedMedia struct {
	ID        string `json:"id"`
	Caption   string `json:"caption"`
	MediaType string `json:"media_type"`
	Timestamp string `json:"timestamp"`
	Permalink string `json:"permalink"`
}

// findPublished finds the media a PUBLISHED container became. A container
// does not name its media, so the account's recent media are searched for
// ours: the same caption and type, made after our container.
func (a *attempt) findPublished(ctx context.Context, id string) (serentak.Result, error) {
	var out struct {
		Data []listedMedia `json:"data"`
	}
	err := a.Get(ctx, a.user+"/media", url.Values{
		"fields": {"id,caption,media_type,timestamp,permalink"},
		"limit":  {reconcileLimit},
	}, &out)
	if err != nil {
		return serentak.Result{}, err
	}
	var from time.Time
	if at, err := time.Parse(time.RFC3339Nano, a.CP[cpContainerAt]); err == nil {
		from = at.Add(-reconcileSkew).Truncate(time.Second)
	}
	want, wantType := graph.NormalizeText(a.Req.Content.Text), mediaTypeOf(a.shape)
	// The list is newest first; the earliest match is ours.
	for i := len(out.Data) - 1; i >= 0; i-- {
		m := out.Data[i]
		ts, err := time.Parse(graph.TimeLayout, m.Timestamp)
		if err != nil || ts.Before(from) || graph.NormalizeText(m.Caption) != want || (m.MediaType != "" && m.MediaType != wantType) {
			continue
		}
		return a.finish(ctx, m.ID, ts, m.Permalink), nil
	}
	return serentak.Result{}, serentak.NewPublishError(serentak.Transient, "",
		"Instagram says container %s is published, but the post is not among the account's %s most recent media yet; it will be looked for again, never published twice", id, reconcileLimit)
}

// mediaTypeOf is the media_type Instagram lists a published post with (a
// Reel is listed as VIDEO).
func mediaTypeOf(s shape) string {
	switch s {
	case shapeReel:
		return "VIDEO"
	case shapeCarousel:
		return "CAROUSEL_ALBUM"
	}
	return "IMAGE"
}
