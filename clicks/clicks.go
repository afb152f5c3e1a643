// Package clicks counts clicks on order links without making the redirect
// wait for the database, and without keeping who clicked (issue 22): a
// Counter buffers increments by key in memory and writes them in one batch
// every few seconds; Repeats tells a repeated click from a first one
// within a short window, from a keyed hash of what the caller gives it;
// Robot recognises the robots that fetch a link to show its preview.
//
// It is shared by the tracked links (/o/{code}) and the link-in-bio page
// (/b/{handle}/o/{post}): each makes its own Counter, keyed by what it
// counts, with a flush function that adds the counts to its table.
package clicks

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"
)

// DefaultFlushEvery is how often a Counter writes what it holds: clicks
// show in the stats within this, and a crash loses at most this much.
const DefaultFlushEvery = 2 * time.Second

// FlushFunc adds counts (key → clicks since the last flush) to storage, in
// one transaction if it can. An error keeps them for the next flush.
type FlushFunc[K comparable] func(ctx context.Context, counts map[K]int64) error

// Counter buffers increments by key in memory; Run hands them to its
// FlushFunc every few seconds. Add never blocks on storage: a slow or
// unreachable database delays the counts, it does not slow the clicks.
// Counts are lost only if the process dies before they are flushed.
type Counter[K comparable] struct {
	flush FlushFunc[K]
	every time.Duration
	log   *slog.Logger

	mu      sync.Mutex
	pending map[K]int64
	// flushing serialises flushes, so a count is never written twice.
	flushing sync.Mutex
}

// NewCounter makes a Counter that flushes through flush every every
// (DefaultFlushEvery when 0); log gets flush failures (nil: none).
func NewCounter[K comparable](flush FlushFunc[K], every time.Duration, log *slog.Logger) *Counter[K] {
	if every <= 0 {
		every = DefaultFlushEvery
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Counter[K]{flush: flush, every: every, log: log, pending: map[K]int64{}}
}

// Add counts one click under k.
func (c *Counter[K]) Add(k K) {
	c.mu.Lock()
	c.pending[k]++
	c.mu.Unlock()
}

// Flush hands what is pending to the FlushFunc now. On failure the counts
// go back into the buffer, added to what came meanwhile.
func (c *Counter[K]) Flush(ctx context.Context) error {
	c.flushing.Lock()
	defer c.flushing.Unlock()
	c.mu.Lock()
	batch := c.pending
	if len(batch) > 0 {
		c.pending = map[K]int64{}
	}
	c.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := c.flush(ctx, batch)
	if err != nil {
		c.mu.Lock()
		for k, n := range batch {
			c.pending[k] += n
		}
		c.mu.Unlock()
	}
	return err
}

// finalFlushTimeout bounds the last flush, once Run is told to stop.
const finalFlushTimeout = 5 * time.Second

// Run flushes every few seconds until ctx ends, then once more (within 5
// s), so the clicks of a process that stops cleanly are kept. It returns
// nil: a failed flush is logged and retried, never fatal.
func (c *Counter[K]) Run(ctx context.Context) error {
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := c.Flush(ctx); err != nil && ctx.Err() == nil {
				c.log.Error("clicks: counts not written; kept for the next try", "error", err)
			}
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalFlushTimeout)
			defer cancel()
			if err := c.Flush(last); err != nil {
				c.log.Error("clicks: the last counts were not written", "error", err, "keys", c.Pending())
			}
			return nil
		}
	}
}

// Pending is how many keys wait for the next flush.
func (c *Counter[K]) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// Repeats remembers recent clicks for a window, to count a person's click
// once however often they tap. It keeps only a keyed hash (HMAC-SHA-256
// under a random key made at start, never written anywhere) of what
// identifies a click, so no address is kept, even in memory, and the
// hashes mean nothing after a restart.
type Repeats struct {
	window time.Duration
	key    [32]byte

	mu   sync.Mutex
	seen map[[sha256.Size]byte]time.Time
}

// maxRemembered bounds the memory Repeats uses (about 60 bytes a click):
// past it, clicks older than the window are forgotten, and if every one is
// recent, all are (a burst is then counted as first clicks rather than
// filling the memory).
const maxRemembered = 200_000

// NewRepeats remembers clicks for window.
func NewRepeats(window time.Duration) *Repeats {
	r := &Repeats{window: window, seen: map[[sha256.Size]byte]time.Time{}}
	rand.Read(r.key[:]) // cannot fail (Go 1.24 and later)
	return r
}

// First reports whether the click identified by parts (e.g. the client's
// address, its User-Agent, the link) is the first within the window
// before now, and remembers it. A repeat does not extend the window.
func (r *Repeats) First(now time.Time, parts ...string) bool {
	m := hmac.New(sha256.New, r.key[:])
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	var h [sha256.Size]byte
	copy(h[:], m.Sum(nil))
	r.mu.Lock()
	defer r.mu.Unlock()
	if at, ok := r.seen[h]; ok && now.Sub(at) < r.window {
		return false
	}
	if len(r.seen) >= maxRemembered {
		maps.DeleteFunc(r.seen, func(_ [sha256.Size]byte, at time.Time) bool { return now.Sub(at) >= r.window })
		if len(r.seen) >= maxRemembered {
			clear(r.seen)
		}
	}
	r.seen[h] = now
	return true
}

// robotTokens are in the User-Agent of the robots that fetch a shared link
// to show its preview, or index it: their fetches are not clicks. Sources
// (third-party lists; the platforms publish only their own):
// https://developers.facebook.com/docs/sharing/webmasters/crawler
// (facebookexternalhit, Facebot, facebookcatalog; Meta's previews in
// Facebook, Instagram, Messenger and WhatsApp),
// https://gist.github.com/robozevel/4a620fb7e8f3be7b84fb4aa93ea048ca
// (WhatsApp, TelegramBot, Slackbot-LinkExpanding, Twitterbot, Discordbot,
// SkypeUriPreview, LinkedInBot, Pinterest, Google's previews),
// https://gist.github.com/graysuit/853116f0bda96e5ac18afd107f340376
// (Googlebot, Snapchat's preview). Matched without case.
var robotTokens = []string{
	"facebookexternalhit", "facebot", "facebookcatalog", "meta-externalagent", "meta-externalfetcher",
	"whatsapp/", "telegrambot", "slackbot", "slack-imgproxy", "twitterbot", "discordbot",
	"skypeuripreview", "linkedinbot", "pinterestbot", "pinterest/0.", "googlebot", "google-inspectiontool",
	"googleother", "feedfetcher-google", "bingbot", "bingpreview", "applebot", "yandexbot",
	"embedly", "iframely", "redditbot", "line-poker", "kakaotalk-scrap",
	"bot/", "crawler", "spider", "curl/", "wget/", "python-requests", "go-http-client",
}

// Robot reports whether userAgent is a robot's, or missing (a browser
// always sends one).
func Robot(userAgent string) bool {
	ua := strings.ToLower(strings.TrimSpace(userAgent))
	if ua == "" {
		return true
	}
	for _, t := range robotTokens {
		if strings.Contains(ua, t) {
			return true
		}
	}
	return false
}
