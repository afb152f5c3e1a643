package api

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/clicks"
	"github.com/serentak/serentak/compose"
)

// The link-in-bio page (docs/api.md#link-in-bio-page): GET /b/{handle}
// lists the products of a workspace's current posts, each with its price
// and an order button, for the Instagram and TikTok profile link where a
// caption cannot carry one. It is public (the handle names it), served
// from the database on each visit, light for a slow phone: one small HTML
// answer, one cached stylesheet, no script, images loaded lazily.
//
// The order button is /b/{handle}/o/{post}?src=…, which answers 302 to
// the product's order link and counts one click per product, platform the
// visitor came from and day (bio_clicks): not a robot's (clicks.NotCounted,
// as for tracked links), not a repeat within bioRepeatWindow (remembered
// in Config.ClickRepeats, so across API processes), and nothing of the
// visitor is kept. The counts are buffered in memory and written every
// few seconds (CountClicks), so the redirect does not wait for the
// database or Redis.

// bioWindow is how far back a post is current: published (or publishing)
// within the last 30 days, so a product posted this month is on the page
// and one from two months ago has left it.
const bioWindow = 30 * 24 * time.Hour

// bioMaxProducts bounds the page: a phone should not load more.
const bioMaxProducts = 30

// bioRepeatWindow is how long one visitor's taps on one product count
// once: a buyer who goes to WhatsApp, comes back and taps again.
const bioRepeatWindow = 10 * time.Minute

// bioStylePath is the page's stylesheet; its URL carries a hash of the
// content, so a phone keeps it (immutable) until it changes.
const bioStylePath = "/public/bio.css"

//go:embed pages/bio.css
var bioCSS []byte

var bioCSSVersion = func() string {
	sum := sha256.Sum256(bioCSS)
	return hex.EncodeToString(sum[:6])
}()

// bioMessages is the page's catalogue. Bahasa Indonesia first.
var bioMessages = catalogue{
	"id": {
		"title":        "Produk %s",
		"intro":        "Ketuk Pesan di samping produk untuk memesan.",
		"order":        "Pesan",
		"order_label":  "Pesan %s",
		"empty":        "Belum ada produk yang ditawarkan saat ini. Kunjungi lagi nanti, ya!",
		"missing":      "Halaman tidak ditemukan",
		"missing_text": "Tidak ada toko dengan alamat ini. Periksa lagi tautannya, atau tanyakan alamat yang benar kepada penjualnya.",
		"description":  "Produk terbaru dari %s. Pesan langsung lewat WhatsApp.",
	},
	"en": {
		"title":        "%s's products",
		"intro":        "Tap Order beside a product to order it.",
		"order":        "Order",
		"order_label":  "Order %s",
		"empty":        "Nothing is on offer right now. Please come back later!",
		"missing":      "Page not found",
		"missing_text": "No shop has this address. Check the link, or ask the seller for the right one.",
		"description":  "The latest products of %s. Order straight from WhatsApp.",
	},
}

var bioPage = parsePages("pages/bio.html", bioMessages)

// bioData is what the page shows.
type bioData struct {
	Lang, Name, Style string
	Missing           bool
	Products          []bioProduct
}

type bioProduct struct {
	Name, Price, Image, Order string
}

// showBio answers the page (GET, HEAD): it counts nothing.
func (s *Server) showBio(c echo.Context) error {
	ctx := c.Request().Context()
	ws, err := s.cfg.Store.FindWorkspaceByHandle(ctx, c.Param("handle"))
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return s.renderBio(c, http.StatusNotFound, bioData{Lang: pageLanguage(c), Missing: true})
	}
	if err != nil {
		return err
	}
	now := s.now()
	posts, _, err := s.cfg.Store.FindPosts(ctx, ws.ID, serentak.PostFilter{
		Statuses: []serentak.PostStatus{serentak.PostPublished, serentak.PostPartiallyPublished, serentak.PostPublishing},
		From:     now.Add(-bioWindow), To: now.Add(time.Microsecond), Limit: bioMaxProducts,
	})
	if err != nil {
		return err
	}
	// The button carries where the visitor came from, since the click
	// itself comes from this page.
	query := ""
	if src := bioSource(c.Request()); src != serentak.BioSourceOther {
		query = "?src=" + src
	}
	d := bioData{Lang: ws.Language, Name: ws.Name, Style: bioStylePath + "?v=" + bioCSSVersion}
	seen := map[string]bool{} // a product posted again shows once, its newest post
	for _, p := range posts {
		if p.Product == nil || s.orderLink(c, p) == "" {
			continue
		}
		name := strings.ToLower(strings.TrimSpace(p.Product.Name))
		if seen[name] {
			continue
		}
		seen[name] = true
		bp := bioProduct{Name: p.Product.Name, Image: s.bioImage(p, now),
			Order: "/b/" + url.PathEscape(ws.Handle) + "/o/" + p.ID + query}
		if p.Product.Price != nil {
			bp.Price = compose.FormatPrice(*p.Product.Price, ws.Language)
		}
		d.Products = append(d.Products, bp)
	}
	return s.renderBio(c, http.StatusOK, d)
}

// bioImage is the post's first uploaded photo, by the signed link the
// platforms fetch it with; "" when it has none (a video, a photo given by
// URL: the page loads nothing from other sites).
func (s *Server) bioImage(p serentak.Post, now time.Time) string {
	if s.cfg.Signer == nil {
		return ""
	}
	for _, m := range p.Media {
		if m.Kind == serentak.MediaImage && m.ID != "" {
			return s.cfg.Signer.URL(m.ID, now)
		}
	}
	return ""
}

// orderLink is where a post's order button leads: the order link composed
// into its deliveries (a wa.me link with its prefilled message), else the
// product's own URL; "" when it has none. A tracked link of ours (/o/…)
// is passed over, so a bio click is not counted twice.
func (s *Server) orderLink(c echo.Context, p serentak.Post) string {
	ours := s.baseURL(c) + "/o/"
	for _, d := range p.Deliveries {
		if l := d.Content.Link; l != "" && !strings.HasPrefix(l, ours) {
			return l
		}
	}
	if u := strings.TrimSpace(p.Product.URL); strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// orderFromBio is an order button: 302 to the product's order link, and
// one click counted unless a robot or a repeat made it.
func (s *Server) orderFromBio(c echo.Context) error {
	ctx := c.Request().Context()
	missing := func() error {
		return s.renderBio(c, http.StatusNotFound, bioData{Lang: pageLanguage(c), Missing: true})
	}
	ws, err := s.cfg.Store.FindWorkspaceByHandle(ctx, c.Param("handle"))
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return missing()
	}
	if err != nil {
		return err
	}
	id := c.Param("post")
	if !wellFormedID(id, serentak.PrefixPost) {
		return missing()
	}
	p, err := s.cfg.Store.FindPostByID(ctx, ws.ID, id)
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return missing()
	}
	if err != nil {
		return err
	}
	target := ""
	switch p.Status {
	case serentak.PostPublished, serentak.PostPartiallyPublished, serentak.PostPublishing:
		if p.Product != nil {
			target = s.orderLink(c, p)
		}
	}
	if target == "" {
		return missing()
	}
	r := c.Request()
	src := bioSource(r)
	if clicks.NotCounted(r) == "" {
		now := s.now()
		day := now.In(workspaceLocation(ws)).Format(time.DateOnly)
		s.bioClicks.Click(serentak.BioClick{WorkspaceID: ws.ID, PostID: p.ID, Source: src, Day: day}, now,
			"bio", clientAddr(c), r.UserAgent(), ws.ID, p.ID)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store") // every tap comes here, to be counted
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	return c.Redirect(http.StatusFound, withBioRef(target, src))
}

// bioSourceParams are the ?src= values a merchant puts in a profile's
// link (docs/api.md#link-in-bio-page), by the source they name.
var bioSourceParams = map[string]string{
	"ig": "instagram", "instagram": "instagram", "tt": "tiktok", "tiktok": "tiktok",
	"fb": "facebook", "facebook": "facebook", "yt": "youtube", "youtube": "youtube",
}

// bioSource is the platform a visitor came from: the ?src= the merchant
// put in the profile link (carried into the buttons), else the Referer's
// host, else the in-app browser named in the User-Agent, else "other".
//
// The in-app browsers' tokens, as seen in their User-Agents (no platform
// documents them; https://krausefx.com/blog/announcing-inappbrowsercom-see-what-javascript-commands-get-executed-in-an-in-app-browser
// lists the apps, and in-app detection code in public repositories uses
// the same tokens): Instagram's "Instagram 340.0…"; Facebook's and
// Messenger's "FBAN/", "FBAV/", "FB_IAB/"; TikTok's "musical_ly",
// "BytedanceWebview", "trill_" (TikTok's Asian build). Instagram's is
// tried first: its browser is Meta's too.
func bioSource(r *http.Request) string {
	if src, ok := bioSourceParams[strings.ToLower(r.URL.Query().Get("src"))]; ok {
		return src
	}
	if u, err := url.Parse(r.Referer()); err == nil && u.Host != "" {
		host := strings.ToLower(u.Hostname())
		within := func(domains ...string) bool {
			for _, d := range domains {
				if host == d || strings.HasSuffix(host, "."+d) {
					return true
				}
			}
			return false
		}
		switch {
		case within("instagram.com"): // l.instagram.com: Instagram's link shim
			return "instagram"
		case within("tiktok.com"):
			return "tiktok"
		case within("facebook.com", "fb.com", "messenger.com"): // l.facebook.com, lm.facebook.com
			return "facebook"
		case within("youtube.com", "youtu.be"):
			return "youtube"
		}
	}
	ua := r.UserAgent()
	switch {
	case strings.Contains(ua, "Instagram"):
		return "instagram"
	case strings.Contains(ua, "FBAN/"), strings.Contains(ua, "FBAV/"), strings.Contains(ua, "FB_IAB/"):
		return "facebook"
	case strings.Contains(ua, "musical_ly"), strings.Contains(ua, "BytedanceWebview"), strings.Contains(ua, "trill_"):
		return "tiktok"
	}
	return serentak.BioSourceOther
}

// bioRefs are the references a bio click adds to a WhatsApp message, by
// source: the merchant sees in the chat that it came from the bio page,
// and from which platform (tracked links add theirs, e.g. "(ref IG-7K2)").
var bioRefs = map[string]string{"instagram": "BIO-IG", "tiktok": "BIO-TT", "facebook": "BIO-FB", "youtube": "BIO-YT"}

// withBioRef adds " (ref BIO-IG)" (or the source's) to the prefilled
// message of a WhatsApp click-to-chat link (wa.me, api.whatsapp.com/send);
// its other query parameters are kept byte for byte, and any other link
// is returned as it is.
func withBioRef(target, src string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	host := strings.ToLower(u.Hostname())
	if host != "wa.me" && host != "www.wa.me" && !(host == "api.whatsapp.com" && strings.TrimSuffix(u.Path, "/") == "/send") {
		return target
	}
	ref := bioRefs[src]
	if ref == "" {
		ref = "BIO"
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, part := range parts {
		v, ok := strings.CutPrefix(part, "text=")
		if !ok {
			continue
		}
		msg, err := url.QueryUnescape(v)
		if err != nil {
			return target
		}
		// %20 for spaces, as compose writes the message (WhatsApp's own
		// examples do; a '+' is not read as a space everywhere).
		parts[i] = "text=" + strings.ReplaceAll(url.QueryEscape(msg+" (ref "+ref+")"), "+", "%20")
		u.RawQuery = strings.Join(parts, "&")
		return u.String()
	}
	return target // no prefilled message: nothing to add a reference to
}

// renderBio writes the page. Its only outside request is its images,
// from this server's public media route; no script runs.
func (s *Server) renderBio(c echo.Context, status int, d bioData) error {
	if _, ok := bioPage[d.Lang]; !ok {
		d.Lang = serentak.DefaultLanguage
	}
	if d.Style == "" {
		d.Style = bioStylePath + "?v=" + bioCSSVersion
	}
	img := "'self'"
	if s.cfg.Signer != nil {
		if u, err := url.Parse(s.cfg.Signer.BaseURL); err == nil && u.Host != "" {
			img += " " + u.Scheme + "://" + u.Host
		}
	}
	return writePage(c, status, bioPage[d.Lang], d, pagePolicy{
		CSP:      "default-src 'none'; style-src 'self'; img-src " + img + "; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
		Referrer: "no-referrer",
	})
}

// bioStyle is the page's stylesheet, kept by browsers for a year: its URL
// changes with its content.
func (s *Server) bioStyle(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", bioCSS)
}
