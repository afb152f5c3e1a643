package facebook

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Exactly-once publishing.
//
// The Graph API has no idempotency key: a POST to /feed, /photos or /videos
// that times out, or whose connection breaks, may or may not have made a
// post, and sending it again may make a second one. So before that call we
// save a checkpoint saying it is about to be made, and when. A later attempt
// that finds such a checkpoint without a post ID cannot know from its own
// records what happened; the Page's own list of posts is the only witness.
// It lists the Page's posts (or videos) made since shortly before the
// checkpoint time and looks for one with exactly our text. Found: that is
// our post, returned without publishing again. Not found: the call never
// took effect, and we publish.
//
// The window is widened by reconcileSkew because created_time is Facebook's
// clock and the checkpoint time ours. The risk left is a Page admin posting
// the identical text by hand within that window, which would be taken for
// ours; Facebook itself refuses identical consecutive posts (code 506), so
// this is rare and harmless (the text is on the Page either way).

// reconcileSkew widens the search window for clock differences.
const reconcileSkew = 2 * time.Minute

// reconcileLimit is how many recent posts are read; a Page does not post
// hundreds of times within minutes.
const reconcileLimit = "100"

// listedPost is one item of /{page}/published_posts or /{page}/videos.
type listedPost struct {
	ID          string `json:"id"`
	Message     string `json:"message"`
	Description string `json:"description"`
	CreatedTime string `json:"created_time"`
	Permalink   string `json:"permalink_url"`
}

// reconcile looks for the post an earlier attempt's step may have made.
func (a *attempt) reconcile(ctx context.Context, step string) (serentak.Result, bool, error) {
	sentAt, err := time.Parse(time.RFC3339Nano, a.CP[cpStepAt])
	if err != nil {
		// A checkpoint without its time: search a wider recent window.
		sentAt = a.Now().Add(-24 * time.Hour)
	}
	from := sentAt.Add(-reconcileSkew)
	edge, fields := "published_posts", "id,message,created_time,permalink_url"
	if step == stepVideo {
		edge, fields = "videos", "id,description,created_time,permalink_url"
	}
	var out struct {
		Data []listedPost `json:"data"`
	}
	err = a.Get(ctx, a.page+"/"+edge, url.Values{
		"fields": {fields},
		"since":  {strconv.FormatInt(from.Unix(), 10)},
		"limit":  {reconcileLimit},
	}, &out)
	if err != nil {
		return serentak.Result{}, false, err
	}
	want := graph.NormalizeText(a.Req.Content.Text)
	// The list is newest first; the earliest match is the one our attempt
	// made.
	for i := len(out.Data) - 1; i >= 0; i-- {
		p := out.Data[i]
		text := p.Message
		if step == stepVideo {
			text = p.Description
		}
		created, err := time.Parse(graph.TimeLayout, p.CreatedTime)
		if err != nil || created.Before(from.Truncate(time.Second)) || graph.NormalizeText(text) != want {
			continue
		}
		permalink := p.Permalink
		if permalink == "" {
			permalink = a.fallbackPermalink(p.ID)
		}
		return serentak.Result{ExternalID: p.ID, Permalink: absolute(permalink), PublishedAt: created}, true, nil
	}
	return serentak.Result{}, false, nil
}
