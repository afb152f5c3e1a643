package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// shape is one kind of post: which targets, which media. Together the
// shapes reach every non-idempotent call of the adapters present.
type shape struct {
	name  string
	fb    bool
	ig    bool
	yt    bool
	tt    bool
	media func(c *cluster) []map[string]any
}

var (
	// Facebook POST /{page}/feed.
	shapeFBText = shape{name: "fb-text", fb: true}
	// Facebook POST /{page}/photos (published) and Instagram POST /media +
	// /media_publish: one post fanned out to both.
	shapeFanOut = shape{name: "fb+ig-photo", fb: true, ig: true, media: func(c *cluster) []map[string]any {
		return []map[string]any{{"url": c.ig.SampleJPEGURL()}}
	}}
	// Facebook unpublished photos, then POST /feed with attached_media;
	// an Instagram carousel (item containers, then the carousel).
	shapeAlbum = shape{name: "fb+ig-album", fb: true, ig: true, media: func(c *cluster) []map[string]any {
		// JPEG twice: Instagram takes nothing else.
		return []map[string]any{{"url": c.ig.SampleJPEGURL()}, {"url": c.ig.SampleJPEGURL() + "?second"}}
	}}
	// Facebook POST /{page}/videos.
	shapeFBVideo = shape{name: "fb-video", fb: true, media: func(c *cluster) []map[string]any {
		return []map[string]any{{"url": c.graph.SampleVideoURL()}}
	}}
	// Instagram alone, one image.
	shapeIG = shape{name: "ig-photo", ig: true, media: func(c *cluster) []map[string]any {
		return []map[string]any{{"url": c.ig.SampleJPEGURL()}}
	}}
)

// allShapes cycles through every shape of Facebook and Instagram.
var allShapes = []shape{shapeFBText, shapeFanOut, shapeAlbum, shapeFBVideo, shapeIG}

// sent is a post the API accepted.
type sent struct {
	postID  string
	marker  string
	targets int
}

// ledger records what the API accepted (answered 201 or, for a retry with
// the same Idempotency-Key, 200).
type ledger struct {
	mu    sync.Mutex
	posts []sent
	// resent counts requests sent again after a broken connection or a
	// 5xx; replayed counts answers that were the first result again.
	resent, replayed atomic.Int64
}

func (l *ledger) add(s sent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.posts = append(l.posts, s)
}

func (l *ledger) all() []sent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sent(nil), l.posts...)
}

// deliveries counts the accepted targets.
func (l *ledger) deliveries() int {
	n := 0
	for _, s := range l.all() {
		n += s.targets
	}
	return n
}

// markerRE finds a post's marker in a platform's copy of its text.
var markerRE = regexp.MustCompile(`\[chaos ([a-z]+-\d+)\]`)

func marker(scenario string, n int) string { return fmt.Sprintf("%s-%03d", scenario, n) }

// postBody is a product post with the marker in its caption, so that the
// platforms' records can be matched to it.
func (tn *tenant) postBody(c *cluster, sh shape, mark string, at time.Time) map[string]any {
	var targets []map[string]any
	if sh.fb {
		targets = append(targets, map[string]any{"account_id": tn.fb})
	}
	if sh.ig {
		targets = append(targets, map[string]any{"account_id": tn.ig})
	}
	if sh.yt {
		targets = append(targets, map[string]any{"account_id": tn.yt})
	}
	if sh.tt {
		// TikTok's guidelines: the user chooses who sees the post.
		targets = append(targets, map[string]any{"account_id": tn.tt, "options": map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE"}})
	}
	body := map[string]any{
		"product": map[string]any{
			"name":        "Keripik Singkong Pedas",
			"price":       map[string]any{"amount": 25000, "currency": "IDR"},
			"description": "Renyah, pedas, tanpa pengawet.",
			"url":         "https://wa.me/6281234567890",
		},
		"caption":      fmt.Sprintf("Keripik Singkong Pedas Rp25.000, pesan di https://wa.me/6281234567890 [chaos %s]", mark),
		"targets":      targets,
		"scheduled_at": at.UTC().Format(time.RFC3339Nano),
	}
	if sh.media != nil {
		body["media"] = sh.media(c)
	}
	return body
}

// create sends one post, retrying with the same Idempotency-Key while the
// API is unreachable or answers 5xx, as a careful client does, until ctx is
// done. It returns what was accepted.
func (tn *tenant) create(ctx context.Context, c *cluster, l *ledger, sh shape, mark string, at time.Time) (sent, error) {
	body := tn.postBody(c, sh, mark, at)
	var out struct {
		ID         string           `json:"id"`
		Deliveries []map[string]any `json:"deliveries"`
	}
	for try := 0; ; try++ {
		if try > 0 {
			l.resent.Add(1)
		}
		code, err := tn.do(ctx, "POST", "/v1/workspaces/"+tn.ws+"/posts", body, &out, "Idempotency-Key", "chaos-"+mark)
		if err == nil {
			if code == 200 {
				l.replayed.Add(1)
			}
			return sent{postID: out.ID, marker: mark, targets: len(out.Deliveries)}, nil
		}
		if code != 0 && code < 500 {
			return sent{}, err
		}
		select {
		case <-ctx.Done():
			return sent{}, fmt.Errorf("post %s never accepted: %w", mark, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// schedule creates n posts of the shapes in turn, the i-th due at
// start + i·spread/n, and returns the ledger and the time the last one is
// due.
func (tn *tenant) schedule(t *testing.T, c *cluster, scenario string, n int, shapes []shape, start time.Time, spread time.Duration) (*ledger, time.Time) {
	t.Helper()
	l := &ledger{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := tn.send(ctx, c, l, scenario, n, shapes, start, spread); err != nil {
		t.Fatalf("chaos: %v", err)
	}
	return l, start.Add(spread)
}

// send creates the posts of schedule, four at a time, into l. It may run
// in a goroutine of its own.
func (tn *tenant) send(ctx context.Context, c *cluster, l *ledger, scenario string, n int, shapes []shape, start time.Time, spread time.Duration) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				at := start.Add(spread * time.Duration(i) / time.Duration(max(n, 1)))
				s, err := tn.create(ctx, c, l, shapes[i%len(shapes)], marker(scenario, i), at)
				if err != nil {
					errs <- err
					continue
				}
				l.add(s)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs // the first error, or nil
}

// delivery is one target as the API shows it.
type delivery struct {
	ID         string  `json:"id"`
	Platform   string  `json:"platform"`
	Status     string  `json:"status"`
	Attempts   int     `json:"attempts"`
	ExternalID *string `json:"external_id"`
	Error      *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type post struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"`
	Deliveries []delivery `json:"deliveries"`
}

// posts lists every post of the workspace through the API.
func (tn *tenant) posts(ctx context.Context) (map[string]post, error) {
	out := map[string]post{}
	cursor := ""
	for range 1000 {
		path := "/v1/workspaces/" + tn.ws + "/posts?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var page struct {
			Data       []post  `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		if _, err := tn.do(ctx, "GET", path, nil, &page); err != nil {
			return nil, err
		}
		for _, p := range page.Data {
			out[p.ID] = p
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return out, nil
		}
		cursor = *page.NextCursor
	}
	return nil, fmt.Errorf("more than 1000 pages of posts")
}

func final(status string) bool {
	return status == "published" || status == "failed" || status == "canceled"
}

// await polls the API until every accepted delivery is final or the
// deadline passes.
func (tn *tenant) await(t *testing.T, l *ledger, deadline time.Time) {
	t.Helper()
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ps, err := tn.posts(ctx)
		cancel()
		if err == nil && allFinal(l, ps) {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func allFinal(l *ledger, ps map[string]post) bool {
	for _, s := range l.all() {
		p, ok := ps[s.postID]
		if !ok {
			return false
		}
		for _, d := range p.Deliveries {
			if !final(d.Status) {
				return false
			}
		}
	}
	return true
}

// Report is what a scenario proved, counted from the platforms' records
// and the deliveries the API shows.
type Report struct {
	Scenario string
	// Accepted counts the targets of posts the API accepted.
	Accepted  int
	Published int
	// Failed counts deliveries failed with a reason: allowed by the
	// guarantee, but every fault here is temporary, so none is expected.
	Failed int
	// Duplicates counts extra copies of a post on a Page or account.
	Duplicates int
	// Lost counts accepted targets with no platform post that are not
	// failed with a reason (or are "published" without a platform post).
	Lost int
	// Stuck counts deliveries not final by the deadline.
	Stuck int
	// Mismatched counts deliveries whose record disagrees with the
	// platform: failed although the post exists, or published with another
	// post's ID.
	Mismatched int
	// Unaccepted counts platform posts of no accepted post.
	Unaccepted int
	Attempts   int // publish attempts over all deliveries
	// WebhooksMissing counts posts and deliveries whose terminal event
	// (post.published, delivery.failed, …) never reached the receiver;
	// WebhooksUnverified the requests whose signature did not verify.
	// WebhookRequests and WebhookEvents are the requests received and the
	// distinct webhook-ids among them (a retry of one event is allowed).
	WebhooksMissing, WebhooksUnverified int
	WebhookRequests, WebhookEvents      int
	Details                             []string
}

func (r Report) String() string {
	return fmt.Sprintf("%s: accepted=%d published=%d failed=%d duplicates=%d lost=%d stuck=%d mismatched=%d unaccepted=%d attempts=%d"+
		" webhooks: requests=%d events=%d missing=%d unverified=%d",
		r.Scenario, r.Accepted, r.Published, r.Failed, r.Duplicates, r.Lost, r.Stuck, r.Mismatched, r.Unaccepted, r.Attempts,
		r.WebhookRequests, r.WebhookEvents, r.WebhooksMissing, r.WebhooksUnverified)
}

// platformPosts maps platform → marker → the IDs of the posts carrying it.
func (c *cluster) platformPosts() map[string]map[string][]string {
	out := map[string]map[string][]string{"facebook": {}, "instagram": {}, "youtube": {}, "tiktok": {}}
	for _, p := range c.graph.Posts(pageID) {
		if m := markerRE.FindStringSubmatch(p.Message); m != nil {
			out["facebook"][m[1]] = append(out["facebook"][m[1]], p.ID)
		}
	}
	for _, m := range c.ig.Media(igUserID) {
		if mm := markerRE.FindStringSubmatch(m.Caption); mm != nil {
			out["instagram"][mm[1]] = append(out["instagram"][mm[1]], m.ID)
		}
	}
	// A YouTube video exists once a session has every byte.
	for _, v := range c.yt.Videos() {
		if m := markerRE.FindStringSubmatch(v.Description); m != nil {
			out["youtube"][m[1]] = append(out["youtube"][m[1]], v.ID)
		}
	}
	// A TikTok video exists once a publish has every byte: a publish_id
	// whose upload never completed is an orphan TikTok drops, not a post.
	// It is named as the adapter records it: the public post ID, else the
	// publish_id.
	for _, p := range c.tt.Publishes(ttOpenID) {
		m := markerRE.FindStringSubmatch(p.Title)
		if m == nil || p.VideoSize == 0 || p.Received < p.VideoSize {
			continue
		}
		id := p.ID
		if p.PostID != "" {
			id = p.PostID
		}
		out["tiktok"][m[1]] = append(out["tiktok"][m[1]], id)
	}
	return out
}

// report compares what was accepted with what the platforms hold.
func (tn *tenant) report(t *testing.T, c *cluster, scenario string, l *ledger) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ps, err := tn.posts(ctx)
	if err != nil {
		t.Fatalf("chaos: read the posts back: %v", err)
	}
	onPlatform := c.platformPosts()
	r := Report{Scenario: scenario}
	accepted := map[string]bool{}
	note := func(format string, args ...any) {
		if len(r.Details) < 20 {
			r.Details = append(r.Details, fmt.Sprintf(format, args...))
		}
	}
	for _, s := range l.all() {
		accepted[s.marker] = true
		p, ok := ps[s.postID]
		if !ok {
			r.Accepted += s.targets
			r.Lost += s.targets
			note("%s: post %s accepted but not listed", s.marker, s.postID)
			continue
		}
		for _, d := range p.Deliveries {
			r.Accepted++
			r.Attempts += d.Attempts
			ids := onPlatform[d.Platform][s.marker]
			if len(ids) > 1 {
				r.Duplicates += len(ids) - 1
				note("%s: %d copies on %s: %v", s.marker, len(ids), d.Platform, ids)
			}
			switch d.Status {
			case "published":
				r.Published++
				switch {
				case len(ids) == 0:
					r.Lost++
					note("%s: %s delivery %s is published but %s has no such post", s.marker, d.Platform, d.ID, d.Platform)
				case d.ExternalID == nil || !contains(ids, *d.ExternalID):
					r.Mismatched++
					note("%s: %s delivery %s records post %v, the platform holds %v", s.marker, d.Platform, d.ID, deref(d.ExternalID), ids)
				}
			case "failed":
				r.Failed++
				if d.Error == nil || d.Error.Message == "" {
					r.Lost++
					note("%s: %s delivery %s failed without a reason", s.marker, d.Platform, d.ID)
				} else {
					note("%s: %s delivery %s failed: %s: %s", s.marker, d.Platform, d.ID, d.Error.Code, d.Error.Message)
				}
				if len(ids) > 0 {
					r.Mismatched++
					note("%s: %s delivery %s is failed but the post exists: %v", s.marker, d.Platform, d.ID, ids)
				}
			case "canceled":
				// Nothing here cancels a post.
				r.Lost++
				note("%s: %s delivery %s is canceled", s.marker, d.Platform, d.ID)
			default:
				r.Stuck++
				msg := ""
				if d.Error != nil {
					msg = d.Error.Code + ": " + d.Error.Message
				}
				note("%s: %s delivery %s still %s after %d attempts (%s)", s.marker, d.Platform, d.ID, d.Status, d.Attempts, msg)
			}
		}
	}
	var extra []string
	for platform, byMarker := range onPlatform {
		for m, ids := range byMarker {
			if !accepted[m] {
				r.Unaccepted += len(ids)
				extra = append(extra, platform+":"+m)
			}
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		note("posts on the platforms that no accepted post made: %s", strings.Join(extra, ", "))
	}
	c.webhookReport(l, ps, &r, note)
	return r
}

// terminalEvents are the events a post or delivery in a final status
// sends.
var terminalEvents = map[string]string{
	"post published": "post.published", "post partially_published": "post.partially_published", "post failed": "post.failed",
	"delivery published": "delivery.published", "delivery failed": "delivery.failed",
}

// webhookReport waits (up to a minute: a send cut by a kill waits for its
// lease) until every final post and delivery of the ledger has had its
// event at the receiver at least once, then counts what is missing.
// Duplicates of one webhook-id are allowed (at-least-once); a missing
// event, or a request whose signature does not verify, is not.
func (c *cluster) webhookReport(l *ledger, ps map[string]post, r *Report, note func(string, ...any)) {
	want := map[string]string{} // "type subject" → marker, for the notes
	for _, s := range l.all() {
		p, ok := ps[s.postID]
		if !ok {
			continue
		}
		if ev, ok := terminalEvents["post "+p.Status]; ok {
			want[ev+" "+p.ID] = s.marker
		}
		for _, d := range p.Deliveries {
			if ev, ok := terminalEvents["delivery "+d.Status]; ok {
				want[ev+" "+d.ID] = s.marker
			}
		}
	}
	var missing []string
	// A send cut off by a SIGKILL is due again when its claim's lease
	// ends (the 15 s timeout and a margin), then waits for the
	// dispatcher's requeue of a task it believes queued (30 s): up to
	// about a minute late, never lost. Two minutes leaves room for that.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got := map[string]bool{}
		ids := map[string]bool{}
		reqs := c.hooks.Requests()
		r.WebhooksUnverified = 0
		for _, q := range reqs {
			if q.Verified != nil {
				r.WebhooksUnverified++
				continue
			}
			var body struct {
				Type string `json:"type"`
				Data struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			if json.Unmarshal(q.Body, &body) == nil {
				got[body.Type+" "+body.Data.ID] = true
			}
			ids[q.Header.Get("Webhook-Id")] = true
		}
		r.WebhookRequests, r.WebhookEvents = len(reqs), len(ids)
		missing = missing[:0]
		for k := range want {
			if !got[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	r.WebhooksMissing = len(missing)
	sort.Strings(missing)
	for _, k := range missing {
		note("%s: the webhook %s never arrived", want[k], k)
	}
	if r.WebhooksUnverified > 0 {
		note("%d webhook requests did not verify", r.WebhooksUnverified)
	}
}

// check fails the test unless the report shows the guarantee held.
func (r Report) check(t *testing.T) {
	t.Helper()
	t.Log(r.String())
	for _, d := range r.Details {
		t.Log("  ", d)
	}
	if r.Accepted == 0 {
		t.Error("nothing was accepted: the scenario proved nothing")
	}
	if r.Duplicates != 0 || r.Lost != 0 || r.Stuck != 0 || r.Mismatched != 0 || r.Unaccepted != 0 ||
		r.WebhooksMissing != 0 || r.WebhooksUnverified != 0 {
		t.Errorf("the guarantee broke: %s", r)
	}
	if r.Failed != 0 {
		t.Errorf("%d deliveries failed although every fault injected was temporary", r.Failed)
	}
	if r.Published != r.Accepted {
		t.Errorf("published %d of %d accepted targets", r.Published, r.Accepted)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// jitter returns a random duration in [lo, hi).
func jitter(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}
