package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/clicks"
	"github.com/serentak/serentak/compose"
	"github.com/serentak/serentak/media"
)

// The link-in-bio page (docs/api.md#link-in-bio-page): GET /b/{handle}
// lists the products of a workspace's current posts, each with its price
// and an order button, for the Instagram and TikTok profile link where a
// caption cannot carry one. It is public (the handle names it), served
// from the database on each visit, light for a slow phone: one small HTML
// answer, one cached stylesheet, no script, and each photo a thumbnail of
// a few kilobytes (/b/{handle}/img/{media}), not the phone camera's
// megabytes, cached for a year and loaded lazily.
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

// thumbnailsAtOnce bounds the thumbnails being made at once: each decodes
// a whole photo (a 12-megapixel one takes about 50 MB), and a page of 30
// new products asks for 30 at once. The rest wait; each is made once.
const thumbnailsAtOnce = 2

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
	posts, err := s.bioPosts(c, ws)
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
	for _, p := range posts {
		bp := bioProduct{Name: p.Product.Name, Order: "/b/" + url.PathEscape(ws.Handle) + "/o/" + p.ID + query}
		if m, ok := bioPhoto(p); ok {
			bp.Image = "/b/" + url.PathEscape(ws.Handle) + "/img/" + m.ID
		}
		if p.Product.Price != nil {
			bp.Price = compose.FormatPrice(*p.Product.Price, ws.Language)
		}
		d.Products = append(d.Products, bp)
	}
	return s.renderBio(c, http.StatusOK, d)
}

// bioPosts are the posts the page lists, newest first: current (within
// bioWindow), with a product and an order link, one per product name (a
// product posted again shows once, its newest post), at most
// bioMaxProducts. The page and its photos (bioPhotoServe) ask the same.
func (s *Server) bioPosts(c echo.Context, ws serentak.Workspace) ([]serentak.Post, error) {
	now := s.now()
	posts, _, err := s.cfg.Store.FindPosts(c.Request().Context(), ws.ID, serentak.PostFilter{
		Statuses: []serentak.PostStatus{serentak.PostPublished, serentak.PostPartiallyPublished, serentak.PostPublishing},
		From:     now.Add(-bioWindow), To: now.Add(time.Microsecond), Limit: bioMaxProducts,
	})
	if err != nil {
		return nil, err
	}
	listed := posts[:0]
	seen := map[string]bool{}
	for _, p := range posts {
		if p.Product == nil || s.orderLink(c, p) == "" {
			continue
		}
		name := strings.ToLower(strings.TrimSpace(p.Product.Name))
		if seen[name] {
			continue
		}
		seen[name] = true
		listed = append(listed, p)
	}
	return listed, nil
}

// bioPhoto is the photo the page shows for a post: its first uploaded
// image, when a thumbnail can be made of it (media.HasThumbnail: not HEIC).
// A video, or a photo given by URL, shows none: the page loads nothing
// from other sites, and never a phone's full-size photo.
func bioPhoto(p serentak.Post) (serentak.MediaRef, bool) {
	for _, m := range p.Media {
		if m.Kind != serentak.MediaImage || m.ID == "" {
			continue
		}
		return m, media.HasThumbnail(m.ContentType)
	}
	return serentak.MediaRef{}, false
}

// bioPhotoServe answers a product's photo on the page,
// /b/{handle}/img/{media}: a thumbnail of at most media.ThumbnailSide
// pixels (JPEG, or the original when it is already that small), made on
// the first request and kept in the blob store beside the original
// (media.ThumbnailKey). Only the photo of a post the page lists now is
// served: another workspace's media, an unlisted post's, a bad ID are the
// page's 404. Its URL names the media, whose bytes never change, so a
// phone keeps it for a year.
func (s *Server) bioPhotoServe(c echo.Context) error {
	ctx := c.Request().Context()
	missing := func() error {
		return s.renderBio(c, http.StatusNotFound, bioData{Lang: pageLanguage(c), Missing: true})
	}
	id := c.Param("media")
	if !wellFormedID(id, serentak.PrefixMedia) {
		return missing()
	}
	ws, err := s.cfg.Store.FindWorkspaceByHandle(ctx, c.Param("handle"))
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return missing()
	}
	if err != nil {
		return err
	}
	posts, err := s.bioPosts(c, ws)
	if err != nil {
		return err
	}
	var ref serentak.MediaRef
	for _, p := range posts {
		if m, ok := bioPhoto(p); ok && m.ID == id {
			ref = m
			break
		}
	}
	if ref.ID == "" {
		return missing()
	}
	data, modTime, err := s.thumbnail(ctx, ref)
	if errors.Is(err, blob.ErrNotFound) || isRefusedMedia(err) || errors.Is(err, media.ErrNoThumbnail) {
		return missing() // the bytes are gone, or cannot be shown
	}
	if err != nil {
		return err
	}
	ct, _, _ := media.Sniff(data[:min(len(data), media.SniffLen)])
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	return s.serveContent(c, "the photo", modTime, bytes.NewReader(data))
}

// thumbnail is the thumbnail of an uploaded image: the one kept in the
// blob store, else made now (at most thumbnailsAtOnce at a time: each
// decodes a whole photo, tens of megabytes for a phone's) and kept. Two
// first requests at once both make it; the second Put replaces the first
// with the same bytes.
func (s *Server) thumbnail(ctx context.Context, ref serentak.MediaRef) ([]byte, time.Time, error) {
	key := media.ThumbnailKey(ref.ID) // an upload's storage key is its ID
	if data, modTime, err := s.readBlob(ctx, key, 1<<20); !errors.Is(err, blob.ErrNotFound) {
		return data, modTime, err
	}
	select {
	case s.thumbSlots <- struct{}{}:
		defer func() { <-s.thumbSlots }()
	case <-ctx.Done():
		return nil, time.Time{}, ctx.Err()
	}
	rc, size, _, err := s.cfg.Blobs.Open(ctx, ref.ID)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer rc.Close()
	data, _, err := media.Thumbnail(media.ReaderAt(rc), size, ref.ContentType)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("making the thumbnail of %s: %w", ref.ID, err)
	}
	if _, err := s.cfg.Blobs.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return nil, time.Time{}, fmt.Errorf("keeping the thumbnail of %s: %w", ref.ID, err)
	}
	return data, s.now(), nil
}

// readBlob reads the bytes under key whole, refusing more than limit.
func (s *Server) readBlob(ctx context.Context, key string, limit int64) ([]byte, time.Time, error) {
	rc, size, modTime, err := s.cfg.Blobs.Open(ctx, key)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer rc.Close()
	if size > limit {
		return nil, time.Time{}, fmt.Errorf("blob %s holds %d bytes, more than the %d expected", key, size, limit)
	}
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("reading blob %s: %w", key, err)
	}
	return data, modTime, nil
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

// renderBio writes the page. Its only requests are its stylesheet and its
// photos' thumbnails, both from this server; no script runs.
func (s *Server) renderBio(c echo.Context, status int, d bioData) error {
	if _, ok := bioPage[d.Lang]; !ok {
		d.Lang = serentak.DefaultLanguage
	}
	if d.Style == "" {
		d.Style = bioStylePath + "?v=" + bioCSSVersion
	}
	// The photos are the page's own thumbnails (bioPhotoServe): same origin.
	return writePage(c, status, bioPage[d.Lang], d, pagePolicy{
		CSP:      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
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
