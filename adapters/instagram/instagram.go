// Package instagram publishes to Instagram professional accounts through
// the Instagram Graph API's content publishing flow
// (docs/platforms/instagram.md#publishing): create a media container (POST
// /{ig-user-id}/media) that Instagram fills by fetching the media from a
// URL, wait until its status_code is FINISHED, then publish it (POST
// /{ig-user-id}/media_publish).
//
// A post is one of three shapes: one JPEG image, one video published as a
// Reel, or a carousel of 2 to 10 images and videos (one container per item,
// then a CAROUSEL container naming them).
//
// Waiting for Instagram to process media never holds a worker: while a
// container is IN_PROGRESS, Publish returns a Pending error with a
// RetryAfter, and the worker calls Publish again later with the saved
// checkpoint. Every container ID is checkpointed the moment it exists, so
// later attempts (and attempts after a crash) reuse them; see flow.go for
// how exactly-once publishing is kept.
//
// Each login has its own host (docs/platforms/instagram.md#connecting):
// graph.instagram.com serves Instagram Login tokens, graph.facebook.com
// Facebook Login tokens, and each refuses the other's with code 190
// (Reference, "Host URL":
// https://developers.facebook.com/documentation/instagram-platform/reference).
// The publishing routes are the same on both.
package instagram

import (
	"context"
	"mime"
	"unicode/utf8"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Defaults for Config.
const (
	// DefaultBaseURL is the Instagram Login host, the default login's;
	// accounts connected with Facebook Login need
	// https://graph.facebook.com (config refuses the other pairing).
	DefaultBaseURL = DefaultLoginURL
	// DefaultVersion is pinned: Meta routes calls made with an expired
	// version to the oldest live one, so a moving default would change
	// behaviour unseen.
	DefaultVersion = graph.DefaultVersion
)

// Instagram's limits (docs/platforms/instagram.md#limits).
const (
	maxCaption       = 2200
	minCarouselItems = 2
	maxCarouselItems = 10
)

// Config configures a Publisher. Zero fields take defaults; BaseURL is
// SERENTAK_INSTAGRAM_API_URL: https://graph.instagram.com (Instagram
// Login, the default) or https://graph.facebook.com (Facebook Login).
type Config = graph.Config

// Publisher publishes to Instagram professional accounts.
type Publisher struct {
	g graph.Publisher
}

// New returns a Publisher.
func New(cfg Config) *Publisher {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	return &Publisher{g: graph.NewPublisher(cfg, graph.Platform{
		Name: "Instagram", Setting: "SERENTAK_INSTAGRAM_API_URL", Reconciles: "checks the container", ClassifyFunc: Classify,
	})}
}

// Platform returns serentak.Instagram.
func (p *Publisher) Platform() serentak.Platform { return serentak.Instagram }

// StartsEarly makes the publisher a serentak.EarlyStarter: media
// containers are created and checked ahead; media_publish waits for the
// scheduled time.
func (p *Publisher) StartsEarly() bool { return true }

// Checkpoint keys.
const (
	// cpChild + N is the container of carousel item N.
	cpChild = "child_"
	// cpContainer is the container to publish: the image's, the Reel's or
	// the carousel's.
	cpContainer = "container"
	// cpContainerAt is when the first container of the current set was
	// asked for; no media of ours can be older.
	cpContainerAt = "container_at"
	// cpStep names the non-idempotent call about to be made
	// ("create_child_N", "create_container", "media_publish"); cpStepAt
	// is when.
	cpStep   = graph.CheckpointStep
	cpStepAt = graph.CheckpointStepAt
	// cpPublishing is the container media_publish was sent for.
	cpPublishing = "publishing"
	// cpPolls counts IN_PROGRESS answers, to space out the checks.
	cpPolls = "polls"
	// cpRebuilds counts container sets thrown away (expired or failed).
	cpRebuilds = "rebuilds"
	// cpMediaID holds the published media's ID, once known (beside
	// graph's permalink and published_at).
	cpMediaID = "media_id"
	// cpCommentID holds the first comment's ID once it is made;
	// cpCommentTries counts the attempts that failed to make it, and
	// cpCommentWarning says why it was given up.
	cpCommentID      = "comment_id"
	cpCommentTries   = "comment_tries"
	cpCommentWarning = "comment_warning"
)

// Steps.
const (
	stepChild     = "create_child_"
	stepContainer = "create_container"
	stepPublish   = "media_publish"
	stepComment   = "comment"
)

// shape is what kind of post Content makes.
type shape int

const (
	shapeImage shape = iota
	shapeReel
	shapeCarousel
)

// Publish publishes req.Content on the Instagram account
// req.Account.ExternalID (the IG user ID) with the token
// req.Account.Token.AccessToken. It saves a checkpoint through req.SaveFunc
// before every non-idempotent call and after each ID it gets back, and
// resumes from req.Checkpoint. It returns a Pending error while Instagram
// is still processing media; call it again after RetryAfter with the saved
// checkpoint. A nil SaveFunc publishes without checkpoints, for tools; the
// worker always gives one.
func (p *Publisher) Publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	res, err := p.publish(ctx, req)
	if err != nil {
		return serentak.Result{}, graph.Redact(err, req.Account.Token.AccessToken)
	}
	return res, nil
}

func (p *Publisher) publish(ctx context.Context, req serentak.PublishRequest) (serentak.Result, error) {
	a := &attempt{Attempt: p.g.NewAttempt(req), user: req.Account.ExternalID}
	// An earlier attempt published and saved the result, but the worker
	// did not get to record it (or the first comment is still to come).
	res, ok := a.Published(cpMediaID)
	if !ok {
		sh, err := shapeOf(req.Content)
		if err != nil {
			return serentak.Result{}, err
		}
		a.shape = sh
		if req.Account.ExternalID == "" || req.Account.Token.AccessToken == "" {
			return serentak.Result{}, serentak.NewPublishError(serentak.AuthExpired, "",
				"the Instagram account has no IG user ID or access token; reconnect the account")
		}
		if res, err = a.run(ctx); err != nil {
			return serentak.Result{}, err
		}
	}
	return a.firstComment(ctx, res)
}

// shapeOf checks the media before anything is sent. Compose validates this
// at post creation; this is the last line, and it means a post Instagram
// would refuse never costs a container.
func shapeOf(c serentak.Content) (shape, error) {
	if n := utf8.RuneCountInString(c.Text); n > maxCaption {
		return 0, serentak.NewPublishError(serentak.Rejected, "", "the Instagram caption has %d characters; Instagram allows %d", n, maxCaption)
	}
	n := len(c.Media)
	switch {
	case n == 0:
		return 0, serentak.NewPublishError(serentak.Rejected, "", "Instagram needs at least one photo or video")
	case n > maxCarouselItems:
		return 0, serentak.NewPublishError(serentak.Rejected, "", "an Instagram carousel holds %d to %d photos or videos, not %d", minCarouselItems, maxCarouselItems, n)
	}
	for i, m := range c.Media {
		ct, _, _ := mime.ParseMediaType(m.ContentType)
		switch m.Kind {
		case serentak.MediaImage:
			if ct != "" && ct != "image/jpeg" {
				return 0, serentak.NewPublishError(serentak.Rejected, "", "Instagram needs JPEG images; media[%d] is %s", i, ct)
			}
		case serentak.MediaVideo:
			if ct != "" && ct != "video/mp4" && ct != "video/quicktime" {
				return 0, serentak.NewPublishError(serentak.Rejected, "", "Instagram needs MP4 or MOV videos; media[%d] is %s", i, ct)
			}
		default:
			return 0, serentak.NewPublishError(serentak.Rejected, "", "media[%d] is of kind %q, which Instagram cannot publish; use JPEG images or MP4/MOV videos", i, m.Kind)
		}
	}
	switch {
	case n > 1:
		return shapeCarousel, nil
	case c.Media[0].Kind == serentak.MediaVideo:
		return shapeReel, nil
	}
	return shapeImage, nil
}

// attempt is one Publish call's state.
type attempt struct {
	*graph.Attempt
	user  string
	shape shape
	// quotaChecked: this attempt already read content_publishing_limit
	// and found room.
	quotaChecked bool
}

var _ serentak.Publisher = (*Publisher)(nil)
