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
// Both login flavours work with one base URL: graph.facebook.com (Instagram
// API with Facebook Login) and graph.instagram.com (Instagram API with
// Instagram Login) serve the same publishing routes.
package instagram

import (
	"context"
	"maps"
	"mime"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Defaults for Config.
const (
	// DefaultBaseURL is the Facebook Login host; set
	// https://graph.instagram.com for Instagram Login tokens.
	DefaultBaseURL = graph.DefaultBaseURL
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

// Config configures a Publisher. Zero fields take defaults.
type Config struct {
	// BaseURL is the Graph API host (SERENTAK_INSTAGRAM_API_URL), without
	// the version: https://graph.facebook.com or https://graph.instagram.com.
	BaseURL    string
	Version    string
	HTTPClient *http.Client
	Now        func() time.Time
}

// Publisher publishes to Instagram professional accounts.
type Publisher struct {
	endpoint graph.Endpoint
	now      func() time.Time
}

// New returns a Publisher.
func New(cfg Config) *Publisher {
	p := &Publisher{endpoint: graph.NewEndpoint(cfg.BaseURL, cfg.Version, cfg.HTTPClient), now: cfg.Now}
	if p.now == nil {
		p.now = time.Now
	}
	return p
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
	cpStep   = "step"
	cpStepAt = "step_at"
	// cpPublishing is the container media_publish was sent for.
	cpPublishing = "publishing"
	// cpPolls counts IN_PROGRESS answers, to space out the checks.
	cpPolls = "polls"
	// cpRebuilds counts container sets thrown away (expired or failed).
	cpRebuilds = "rebuilds"
	// The published media, once known.
	cpMediaID     = "media_id"
	cpPermalink   = "permalink"
	cpPublishedAt = "published_at"
)

// Steps.
const (
	stepChild     = "create_child_"
	stepContainer = "create_container"
	stepPublish   = "media_publish"
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
	a := &attempt{Publisher: p, req: req, user: req.Account.ExternalID, cp: maps.Clone(req.Checkpoint)}
	if a.cp == nil {
		a.cp = serentak.Checkpoint{}
	}
	// An earlier attempt published and saved the result, but the worker
	// did not get to record it.
	if id := a.cp[cpMediaID]; id != "" {
		at, _ := time.Parse(time.RFC3339Nano, a.cp[cpPublishedAt])
		return serentak.Result{ExternalID: id, Permalink: a.cp[cpPermalink], PublishedAt: at}, nil
	}
	sh, err := shapeOf(req.Content)
	if err != nil {
		return serentak.Result{}, err
	}
	a.shape = sh
	if req.Account.ExternalID == "" || req.Account.Token.AccessToken == "" {
		return serentak.Result{}, serentak.NewPublishError(serentak.AuthExpired, "",
			"the Instagram account has no IG user ID or access token; reconnect the account")
	}
	return a.run(ctx)
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
	*Publisher
	req   serentak.PublishRequest
	user  string
	shape shape
	cp    serentak.Checkpoint
	// quotaChecked: this attempt already read content_publishing_limit
	// and found room.
	quotaChecked bool
}

func (a *attempt) save(ctx context.Context) error {
	if a.req.SaveFunc == nil {
		return nil
	}
	return a.req.SaveFunc(ctx, maps.Clone(a.cp))
}

// mediaURL is the URL Instagram fetches a media item from.
func (a *attempt) mediaURL(m serentak.MediaRef) (string, error) {
	return graph.MediaURL("Instagram", m, a.req.MediaURLFunc)
}

func saveFailed(err error) *serentak.PublishError { return graph.SaveFailed("Instagram", err) }

var _ serentak.Publisher = (*Publisher)(nil)
