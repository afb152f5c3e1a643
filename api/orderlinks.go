package api

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/clicks"
	"github.com/serentak/serentak/safeurl"
)

// Tracked order links (docs/api.md#order-links-that-count): GET /o/{code}
// answers 302 to the order link and counts the click on its delivery.
//
// The answer never waits for the database or Redis: the code's target
// comes from a bounded in-memory cache (read from the database once per
// code and process, then again every linkCacheTTL in the background), and
// the click goes to a clicks.Counter, which leaves out repeats (the same
// client, browser and code within LinkRepeatWindow, remembered in
// Config.ClickRepeats: Redis, so that every API process agrees) and
// writes the rest to the database every LinkFlushEvery (clicks = clicks +
// n) and when it stops (CountClicks). A slow or stopped database delays
// the counts, never the redirect. The link-in-bio buttons (bio.go) count
// the same way, into a Counter of their own.

// linkPath is the route of a tracked link.
const linkPath = "/o/:code"

// Defaults of the Config's tracked link settings.
const (
	DefaultLinkFlushEvery   = clicks.DefaultFlushEvery
	DefaultLinkRepeatWindow = 30 * time.Minute
)

const (
	// linkCacheSize bounds the codes a process keeps (about 200 bytes
	// each: 10 MB at most).
	linkCacheSize = 50_000
	// linkCacheTTL is how long a code's target is used before it is read
	// again (in the background: the stale one answers meanwhile). An
	// unknown code is remembered as long, so guessing codes costs one
	// read each, not one per request.
	linkCacheTTL = 10 * time.Minute
	// linkLookupTimeout bounds the one database read of a code not
	// cached yet.
	linkLookupTimeout = 3 * time.Second
)

// linkRedirects is one API process's share of the tracked links: the
// cache of targets, and the clicks counted and not yet written.
type linkRedirects struct {
	s       *Server
	observe func(outcome string)
	counter *clicks.Counter[string]

	mu         sync.Mutex
	cache      map[string]cachedLink
	refreshing map[string]bool
}

type cachedLink struct {
	target string // "": no such code
	until  time.Time
}

func newLinkRedirects(s *Server, repeats clicks.Repeats) *linkRedirects {
	cfg := s.cfg
	l := &linkRedirects{s: s, observe: cfg.ObserveClickFunc, cache: map[string]cachedLink{}, refreshing: map[string]bool{}}
	if l.observe == nil {
		l.observe = func(string) {}
	}
	l.counter = clicks.NewCounter(cfg.Store.AddLinkClicks, clicks.Options{
		Every: cfg.LinkFlushEvery, Repeats: repeats, Window: cmp.Or(cfg.LinkRepeatWindow, DefaultLinkRepeatWindow),
		Observe: l.observe, Log: s.log,
	})
	return l
}

// followLink answers GET and HEAD /o/{code}: 302 to the code's order
// link, or a page saying the link is not known (404) or cannot be opened
// now (503: the code is not cached and the database does not answer).
func (s *Server) followLink(c echo.Context) error {
	code := strings.ToLower(c.Param("code"))
	target, err := s.links.target(c.Request().Context(), code)
	switch {
	case errors.Is(err, errNoSuchLink):
		s.links.observe(clicks.OutcomeUnknown)
		return s.linkPage(c, http.StatusNotFound, "not_found")
	case err != nil:
		s.log.Warn("a tracked link could not be read", "request_id", requestID(c), "error", err.Error())
		return s.linkPage(c, http.StatusServiceUnavailable, "unavailable")
	}
	s.links.click(c, code)
	h := c.Response().Header()
	// Not cached by a browser or proxy: a cached redirect is a click
	// nobody counts.
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "no-referrer")
	return c.Redirect(http.StatusFound, target)
}

var errNoSuchLink = errors.New("no such tracked link")

// target returns code's order link, from the cache when it is there (a
// stale entry answers, and is read again in the background).
func (l *linkRedirects) target(ctx context.Context, code string) (string, error) {
	if !serentak.ValidLinkCode(code) {
		return "", errNoSuchLink
	}
	now := time.Now()
	l.mu.Lock()
	e, ok := l.cache[code]
	if ok && now.After(e.until) && !l.refreshing[code] {
		l.refreshing[code] = true
		go l.refresh(code)
	}
	l.mu.Unlock()
	if !ok {
		ctx, cancel := context.WithTimeout(ctx, linkLookupTimeout)
		defer cancel()
		var err error
		if e, err = l.read(ctx, code); err != nil {
			return "", err
		}
	}
	if e.target == "" {
		return "", errNoSuchLink
	}
	return e.target, nil
}

// refresh reads a stale entry again; a failure keeps the stale one.
func (l *linkRedirects) refresh(code string) {
	ctx, cancel := context.WithTimeout(context.Background(), linkLookupTimeout)
	defer cancel()
	_, _ = l.read(ctx, code)
	l.mu.Lock()
	delete(l.refreshing, code)
	l.mu.Unlock()
}

// read looks code up in the database and caches what it finds, or that
// there is nothing.
func (l *linkRedirects) read(ctx context.Context, code string) (cachedLink, error) {
	link, err := l.s.cfg.Store.FindTrackedLink(ctx, code)
	var e cachedLink
	switch {
	case err == nil:
		e.target = link.Target
	case isNotFound(err):
	default:
		return e, err
	}
	e.until = time.Now().Add(linkCacheTTL)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.cache[code]; !ok && len(l.cache) >= linkCacheSize {
		for k := range l.cache { // any one: map order is random
			delete(l.cache, k)
			break
		}
	}
	l.cache[code] = e
	return e, nil
}

func isNotFound(err error) bool {
	var e *serentak.Error
	return errors.As(err, &e) && e.Code == serentak.ECodeNotFound
}

// click counts a click on code, unless it is not a person's.
func (l *linkRedirects) click(c echo.Context, code string) {
	r := c.Request()
	if why := clicks.NotCounted(r); why != "" {
		l.observe(why)
		return
	}
	l.counter.Click(code, l.s.now(), "link", clientAddr(c), r.UserAgent(), code)
}

// CountClicks counts the clicks on tracked links and on the link-in-bio
// buttons, leaving out repeats, and writes the counts to the database
// every few seconds (LinkFlushEvery, BioClickFlushEvery) until ctx ends;
// then it counts what is waiting and writes once more (with its own
// deadline). Run it in every process that serves the API, and stop it
// after the HTTP server has stopped taking requests, for the last count
// to hold every click.
func (s *Server) CountClicks(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { s.links.counter.Run(ctx) })
	wg.Go(func() { s.bioClicks.Run(ctx) })
	wg.Wait()
	return nil
}

// linkPages are the link page's words, Bahasa Indonesia first.
var linkPages = catalogue{
	"id": {
		"not_found_title":   "Tautan tidak ditemukan",
		"not_found":         "Tautan pesanan ini tidak ada, atau sudah dihapus. Periksa kembali tautannya, atau hubungi penjual lewat akun media sosialnya.",
		"unavailable_title": "Tautan belum bisa dibuka",
		"unavailable":       "Maaf, tautan pesanan ini tidak bisa dibuka sekarang. Coba lagi sebentar lagi.",
	},
	"en": {
		"not_found_title":   "Link not found",
		"not_found":         "This order link does not exist, or was removed. Check the link, or contact the seller through their social media account.",
		"unavailable_title": "The link cannot be opened yet",
		"unavailable":       "Sorry, this order link cannot be opened right now. Please try again in a moment.",
	},
}

var linkPage = parsePages("pages/link.html", linkPages)

// linkPage answers a browser that followed a link that leads nowhere: a
// page, not the API's JSON, in the visitor's language.
func (s *Server) linkPage(c echo.Context, status int, what string) error {
	lang := pageLanguage(c)
	if _, ok := linkPage[lang]; !ok {
		lang = serentak.DefaultLanguage
	}
	d := struct{ Lang, Title, Message string }{lang, what + "_title", what}
	return writePage(c, status, linkPage[lang], d, pagePolicy{
		CSP:      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
		Referrer: "no-referrer",
	})
}

// linkRefLetters name each platform in a tracked link's reference.
var linkRefLetters = map[serentak.Platform]string{
	serentak.Facebook: "FB", serentak.Instagram: "IG", serentak.YouTube: "YT", serentak.TikTok: "TT",
}

// newTrackedLink makes a delivery's tracked link (its target is set once
// composed): a fresh code, and the reference a chat shows, the platform's
// letters and the code's first three characters ("IG-7K2": the alphabet
// has no I, L, O or U, so it reads unambiguously in capitals).
func newTrackedLink(p serentak.Platform) *serentak.TrackedLink {
	code := serentak.NewLinkCode()
	return &serentak.TrackedLink{Code: code, Ref: linkRefLetters[p] + "-" + strings.ToUpper(code[:3])}
}

// trackedURL is the address a code is published under.
func (s *Server) trackedURL(code string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/o/" + code
}

// retrack gives a copy of a delivery (a repeat of a post) its own tracked
// link: the text and link carry the new code and reference in place of
// the first's, which have the same length, so the text still fits.
func retrack(d *serentak.Delivery) {
	old := d.TrackedLink
	if old == nil {
		return
	}
	nl := newTrackedLink(d.Platform)
	r := strings.NewReplacer("/o/"+old.Code, "/o/"+nl.Code, old.Ref, nl.Ref)
	d.Content.Text, d.Content.Link = r.Replace(d.Content.Text), r.Replace(d.Content.Link)
	nl.Target = strings.ReplaceAll(old.Target, url.QueryEscape(old.Ref), url.QueryEscape(nl.Ref))
	d.TrackedLink = nl
}

// publicURLWarnings says why SERENTAK_PUBLIC_URL would not work in links
// people open from their phones: an address only this network reaches,
// a name that does not resolve, or plain http. Said when a workspace
// switches tracked links on; they are switched on all the same.
func (s *Server) publicURLWarnings(ctx context.Context) []string {
	raw := s.cfg.PublicURL
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return []string{"SERENTAK_PUBLIC_URL is not set to an http(s) address, so tracked links cannot be opened; ask the operator to set it to this server's public address"}
	}
	var out []string
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	unreachable := "SERENTAK_PUBLIC_URL (" + u.Scheme + "://" + u.Host + ") is not reachable from the internet, so buyers' phones cannot open tracked links; ask the operator to set it to this server's public address"
	switch {
	case host == "localhost" || !strings.Contains(host, ".") && !strings.Contains(host, ":"):
		out = append(out, unreachable)
	case hasAnySuffix(host, ".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet", ".corp", ".test", ".invalid", ".example"):
		out = append(out, unreachable)
	default:
		if ip, ok, _ := safeurl.HostIP(host); ok {
			if safeurl.Blocked(ip) {
				out = append(out, unreachable)
			}
			break
		}
		// A name: where it points (a name that does not resolve is not
		// said: DNS may fail for a moment).
		checker := &safeurl.Checker{Resolver: s.cfg.Resolver, Timeout: 2 * time.Second}
		if errors.Is(checker.Check(ctx, raw), safeurl.ErrPrivate) {
			out = append(out, unreachable)
		}
	}
	if u.Scheme == "http" {
		out = append(out, "SERENTAK_PUBLIC_URL uses plain http: tracked links are opened without encryption, and some apps and browsers warn before opening them; an https address is better")
	}
	return out
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
