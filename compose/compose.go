// Package compose turns one product post into the content each platform
// publishes: the caption or description, a title where the platform has
// one, the order link and the media, fitted to the platform's rules.
//
// Text Serentak writes itself (composed from the product) is fitted: the
// description is shortened at a sentence, word or grapheme boundary and
// hashtags beyond a platform's cap are left out, always keeping the product
// name, the price and the order link, and every change is reported. Text
// the user wrote (a caption or a title) is never cut: when it does not fit,
// the field is reported at fault so the user decides what to drop.
//
// Lengths are measured the way each platform counts (see textRule): YouTube
// descriptions in UTF-8 bytes; everything else in UTF-16 code units, which
// is what Facebook (a JavaScript string length) and TikTok ("UTF-16 runes")
// count, and the stricter reading of the "characters" Instagram and YouTube
// titles are limited to: an emoji counts as 2, so a text we accept also fits
// if the platform counts code points.
//
// Choices the platforms leave open, made here:
//   - Facebook keeps the order link in the text and also sets Content.Link,
//     so a text post gets a preview card and a photo post still shows it.
//   - A wa.me (or api.whatsapp.com/send) link without a text parameter gets
//     one, "Halo, saya mau pesan <name>", so the chat opens with the order.
//   - A WhatsApp number is read in any spelling people use (ParseWhatsApp)
//     and published as https://wa.me/<digits>; where links cannot be
//     tapped (Instagram, TikTok) the order line shows the number to type,
//     "WA 0852-1234-5678", and another link is written to be copied, or
//     replaced by the workspace's link-in-bio words.
//   - Hashtags are made one word (oleh-oleh → #oleholeh) with a warning,
//     never refused: Prepare says it once for the post.
//   - A price with more decimals than its currency shows (IDR none) is
//     refused, never rounded.
//   - Facebook takes at most 10 photos per post; Instagram's carousel 2–10.
//   - YouTube keeps at most 60 hashtags (it ignores all of them past that).
//   - The description is shortened before any hashtag is left out; a
//     discount line and a workspace footer are left out only when they do
//     not fit even without the description.
//   - A discount is announced in whole percent rounded down, and not at all
//     under 1%, so a post never claims more than the real discount.
//   - A product's own call to action replaces the template's order label
//     on every platform, Instagram's "Link pemesanan:" included.
//   - With a tracked link (Input.Tracked, docs/api.md#order-links-that-count)
//     the text carries the tracked URL in place of the order link, and is
//     measured and fitted with it. The order link it leads to keeps a
//     wa.me message and gains the reference, "(kode IG-7K2)" (en: "(ref
//     IG-7K2)"), which the merchant sees in the chat. Where links cannot be
//     tapped and the number is shown, the reference follows the number,
//     "WA 0852-1234-5678 (kode IG-7K2)", so a buyer who types the number
//     can quote it; where the link-in-bio words are shown, neither is.
package compose

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/serentak/serentak"
)

// Field error codes.
const (
	codeRequired         = "required"
	codeTooLong          = "too_long"
	codeTooManyHashtags  = "too_many_hashtags"
	codeTooManyMentions  = "too_many_mentions"
	codeUnsupportedMedia = "unsupported_media"
	codeInvalid          = "invalid"
)

// Input is a post as the API received it, with media kinds already resolved.
type Input struct {
	Product  *serentak.Product   // may be nil when Caption is given
	Caption  string              // post-level caption; "" → composed from Product
	Hashtags []string            // without or with leading '#'; normalise
	Media    []serentak.MediaRef // Kind is set (image/video)
	Language string              // "id" (default, Bahasa Indonesia) or "en"
	// Template is the workspace's wording for this platform and language
	// (see Overlay); its non-empty fields replace the built-in template's.
	// A target's caption or title still wins over anything composed.
	Template *serentak.Template
	// Rules are the install's settings (SERENTAK_INSTAGRAM_MAX_HASHTAGS).
	Rules Rules
	// Tracked, when set, is this target's tracked order link: the text
	// carries it in place of the order link (see the package comment).
	Tracked *Tracked
}

// Tracked is one delivery's tracked order link.
type Tracked struct {
	URL string // {SERENTAK_PUBLIC_URL}/o/{code}
	Ref string // "IG-7K2" (serentak.TrackedLink.Ref)
}

// Rules are the install's settings of platform rules that the platforms
// leave to practice. The zero value takes the defaults.
type Rules struct {
	// InstagramMaxHashtags is how many hashtags an Instagram caption may
	// carry (SERENTAK_INSTAGRAM_MAX_HASHTAGS; 0: DefaultInstagramMaxHashtags).
	// The caption reference still says 30
	// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media,
	// "caption"); Instagram's app has allowed 5 per post since December
	// 2025, and what the API does above that is not documented
	// (docs/platforms/instagram.md#limits).
	InstagramMaxHashtags int
}

// DefaultInstagramMaxHashtags is Instagram's cap since December 2025.
const DefaultInstagramMaxHashtags = 5

func (r Rules) instagramMaxHashtags() int {
	if r.InstagramMaxHashtags > 0 {
		return r.InstagramMaxHashtags
	}
	return DefaultInstagramMaxHashtags
}

// Target holds one target's overrides; they win over the post-level values.
type Target struct {
	Caption string
	Title   string
	// Media chooses the post's media items this target publishes, by
	// index, in publishing order; nil lets the platform take what fits
	// (selectMedia).
	Media []int
}

// Result is the content for one platform with an account of how it was
// made: what was shortened or left out to fit, what the user should know,
// and the fields that cannot be fitted. Content is only publishable when
// Errors is empty.
type Result struct {
	Content serentak.Content `json:"content"`
	// Media holds, for each item of Content.Media, its index in the post's
	// media: what this target publishes, as a preview shows it.
	Media     []int                 `json:"media"`
	Shortened []string              `json:"shortened,omitempty"` // each change made to composed text to fit, in words
	Warnings  []serentak.Warning    `json:"warnings,omitempty"`  // accepted, but worth telling the user
	Errors    []serentak.FieldError `json:"errors,omitempty"`
	// TrackedTarget is where Input.Tracked's URL leads (the order link, a
	// wa.me message with the reference added) when the content carries
	// the tracked URL or the reference; "" when it carries neither (no
	// order link, a caption of the user's, the link-in-bio words).
	TrackedTarget string `json:"-"`
}

// Fit returns the content for platform p, fitted to its rules, with the
// account of what was changed (a preview shows it) and the fields at
// fault. Field names are relative to the post: "caption", "hashtags",
// "media", "media[2]", "product.name", or "target.caption" /
// "target.title" for a target override (the API rewrites "target." to
// "targets[i].").
func Fit(p serentak.Platform, in Input, t Target) Result {
	var r Result
	if !p.Valid() {
		r.Errors = append(r.Errors, fieldErr("platform", codeInvalid, "unknown platform %q", p))
		return r
	}
	tmpl := TemplateFor(in.Language)
	if in.Template != nil {
		tmpl = tmpl.Merge(*in.Template)
	}
	// The media is chosen first: what is published decides the text's
	// shape (a TikTok photo post has a title, a Facebook video one too).
	sel := selectMedia(p, in.Media, t.Media)
	in.Media = sel.media
	c := &composer{p: p, tmpl: tmpl, res: &r, rules: in.Rules}
	c.read(in, t)
	if lang := strings.ToLower(in.Language); lang != "" && c.tmpl.Language != lang && !strings.HasPrefix(lang, c.tmpl.Language+"-") {
		c.warn(serentak.WarnLanguageUnsupported, "language", strconv.Quote(in.Language))
	}
	if c.caption != "" || (c.product != nil && c.product.Name != "") {
		r.Content.Text = c.text()
		r.Content.Title = c.title()
	}
	if p == serentak.Facebook {
		// The link also goes as the post's link, so a text post gets a
		// preview card. It stays in Text too: a photo or video post has no
		// link field, and a caption without the link loses the order.
		r.Content.Link = c.link
		c.tracked = c.tracked || c.target != "" && c.link != ""
	}
	if c.tracked {
		r.TrackedTarget = c.target
	}
	r.Errors = append(c.errs, sel.errs...)
	r.Warnings = append(r.Warnings, sel.warnings...)
	r.Content.Media, r.Media = sel.media, sel.indexes
	r.Content.Warnings = append([]serentak.Warning(nil), r.Warnings...) // stored with the content; its own copy
	return r
}

// composer holds one post, cleaned, on its way to one platform.
type composer struct {
	p     serentak.Platform
	tmpl  serentak.Template
	res   *Result
	rules Rules
	errs  []serentak.FieldError

	product      *serentak.Product // cleaned copy, or nil
	caption      string            // the given caption, "" when composed
	captionField string            // "caption" or "target.caption"
	givenTitle   string            // target title as given (cleaned)
	tags         []string          // post hashtags: normalised, deduplicated, no '#'
	link         string            // order link, with a WhatsApp message when added
	number       string            // WhatsApp number (E.164) to show where links cannot be tapped, or ""
	// target is the order link a tracked link leads to ("" without
	// Input.Tracked); link is then the tracked URL, ref its reference.
	target  string
	ref     string
	tracked bool // the content carries the tracked URL or the reference
	photo   bool // TikTok photo post
	video   bool // the post has a video
}

// read cleans the input and checks what does not depend on the platform.
// Prepare's warnings and faults are the post's; on an input Prepare has
// already read (as the API passes it) there are none left.
func (c *composer) read(in Input, t Target) {
	in, warnings, errs := Prepare(in)
	c.res.Warnings = append(c.res.Warnings, warnings...)
	c.errs = append(c.errs, errs...)
	c.photo = c.p == serentak.TikTok && tiktokPhotoMode(in.Media)
	c.video = hasVideo(in.Media)
	if in.Product != nil {
		pr := *in.Product
		pr.Name = oneLine(clean(pr.Name))
		pr.Description = clean(pr.Description)
		pr.URL = strings.TrimSpace(pr.URL)
		pr.CTA = oneLine(clean(pr.CTA))
		c.product = &pr
		if pr.Name == "" {
			c.errs = append(c.errs, fieldErr("product.name", codeRequired, "a product needs a name"))
		}
		c.checkPrice("product.price.amount", pr.Price)
		c.readCompareAt()
		// Faults of the link and the number are Prepare's, reported above.
		if pr.URL != "" {
			if link, number, err := readOrderURL(pr.URL); err == nil {
				c.link, c.number = orderURL(link, pr.Name, c.tmpl), number
			}
		}
		if n, err := ParseWhatsApp(pr.WhatsApp); pr.WhatsApp != "" && err == nil {
			c.number = n
			if pr.URL == "" {
				c.link = orderURL("https://wa.me/"+n[1:], pr.Name, c.tmpl)
			}
		}
	}
	switch {
	case strings.TrimSpace(t.Caption) != "":
		c.caption, c.captionField = clean(t.Caption), "target.caption"
	case strings.TrimSpace(in.Caption) != "":
		c.caption, c.captionField = clean(in.Caption), "caption"
	case c.product == nil:
		c.errs = append(c.errs, fieldErr("caption", codeRequired, "give a caption or a product to compose one from"))
	}
	if in.Tracked != nil && c.link != "" {
		c.target = withRef(c.link, refNote(in.Tracked.Ref, c.tmpl.Language))
		c.link, c.ref = in.Tracked.URL, in.Tracked.Ref
	}
	c.givenTitle = oneLine(clean(t.Title))
	c.tags = in.Hashtags // cleaned by Prepare
}

// checkPrice reports a price that is not one: not a number, below 0, or
// with more decimals than its currency has (IDR none): FormatPrice would
// round it, and a price is never rounded silently.
func (c *composer) checkPrice(field string, p *serentak.Price) {
	if p == nil {
		return
	}
	if math.IsNaN(p.Amount) || math.IsInf(p.Amount, 0) || p.Amount < 0 {
		c.fail(field, codeInvalid, "a price must be a number of 0 or more")
		return
	}
	if _, err := ParseAmount(strconv.FormatFloat(p.Amount, 'f', -1, 64), p.Currency); err != nil {
		c.fail(field, codeInvalid, "%s", err.Error())
	}
}

// textRule is one text field's limit on one platform.
type textRule struct {
	max     int
	m       measure
	noun    string // "Instagram captions", for messages
	maxTags int    // hashtags allowed in the field; 0: no cap
	// hardTagCap: the platform rejects more hashtags (Instagram); otherwise
	// the cap is advice (YouTube ignores every hashtag past 60).
	hardTagCap  bool
	maxMentions int
}

// textRule returns the limit of the platform's main text field (the
// "Limits" section of each page under docs/platforms/).
func (c *composer) textRule() textRule {
	switch c.p {
	case serentak.Facebook:
		// 63,206 is postiz's cap, a JavaScript string length: UTF-16 units.
		return textRule{max: 63206, m: utf16Units, noun: "Facebook posts"}
	case serentak.Instagram:
		// Meta says "2200 characters" without saying how they are counted;
		// UTF-16 units are the stricter reading, so we use them.
		// The hashtag cap is the install's setting (Rules), 5 by default.
		return textRule{max: 2200, m: utf16Units, noun: "Instagram captions", maxTags: c.rules.instagramMaxHashtags(), hardTagCap: true, maxMentions: 20}
	case serentak.YouTube:
		// The description's limit is in bytes, as the API doc insists.
		// YouTube ignores all hashtags of a video that has more than 60
		// (YouTube Help, hashtag policy) — we keep the first 60.
		return textRule{max: 5000, m: utf8Bytes, noun: "YouTube descriptions", maxTags: 60}
	case serentak.TikTok:
		// TikTok says "UTF-16 runes" for the video caption and "runes" for
		// the photo fields; counting UTF-16 units satisfies both readings.
		if c.photo {
			return textRule{max: 4000, m: utf16Units, noun: "TikTok photo descriptions"}
		}
		return textRule{max: 2200, m: utf16Units, noun: "TikTok video captions"}
	}
	return textRule{max: math.MaxInt, m: utf16Units}
}

// text returns the platform's caption: the given one with the hashtags
// added, or one composed from the product.
func (c *composer) text() string {
	rule := c.textRule()
	if c.caption != "" {
		return c.givenText(rule)
	}
	return c.composedText(rule)
}

// givenText checks the user's caption against rule and adds the post's
// hashtags that fit. The caption itself is never cut.
func (c *composer) givenText(rule textRule) string {
	caption := c.caption
	if c.p == serentak.YouTube {
		if stripped := stripAngles(caption); stripped != caption {
			caption = stripped
			c.warn(serentak.WarnYouTubeDescAngles)
		}
	}
	if n := rule.m.count(caption); n > rule.max {
		c.fail(c.captionField, codeTooLong, "%s are at most %s %s (%s); this one has %s",
			rule.noun, number(rule.max), rule.m.unit(), rule.m.how(), number(n))
	}
	present := hashtags(caption)
	if rule.hardTagCap && len(present) > rule.maxTags {
		c.fail(c.captionField, codeTooManyHashtags, "%s take at most %d hashtags; this one has %d",
			rule.noun, rule.maxTags, len(present))
	} else if rule.maxTags > 0 && len(present) > rule.maxTags {
		c.warn(serentak.WarnHashtagsIgnored, "noun", rule.noun, "platform", c.p.DisplayName(), "max", strconv.Itoa(rule.maxTags), "count", strconv.Itoa(len(present)))
	}
	if n := len(mentions(caption)); rule.maxMentions > 0 && n > rule.maxMentions {
		c.fail(c.captionField, codeTooManyMentions, "%s take at most %d @mentions; this one has %d",
			rule.noun, rule.maxMentions, n)
	}
	return c.fitTags(rule, []string{caption}, present)
}

// composedText writes the post from the product and fits it to rule:
//
//	name – price
//	discount line (when there is a compare-at price)
//
//	description
//
//	call to action + order link
//
//	footer (the workspace's, when it has one)
//
//	#hashtags
//
// The name, price, call to action and link are always kept (when they
// alone do not fit, that is the fault reported). The discount line and the
// footer are kept unless they cannot fit even without the description;
// then the description is shortened, then hashtags are left out.
func (c *composer) composedText(rule textRule) string {
	pr := c.product
	head := pr.Name
	if pr.Price != nil {
		head += c.tmpl.NameSeparator + FormatPrice(*pr.Price, c.tmpl.Language)
	}
	discount := c.discount()
	desc := pr.Description
	footer := clean(c.tmpl.Footer)
	var cta string
	if c.link != "" {
		label, target := c.tmpl.OrderLabel, c.link
		if !c.linksClickable() {
			// The reader cannot tap the link: give what they can act on.
			switch {
			case c.number != "":
				target = "WA " + readableNumber(c.number, c.tmpl.Language)
				if c.ref != "" {
					target += " " + refNote(c.ref, c.tmpl.Language)
					c.tracked = true
				}
			case c.tmpl.LinkInBio != "":
				target = oneLine(clean(c.tmpl.LinkInBio))
			default:
				label = c.tmpl.TextLinkLabel // a link to copy
				c.tracked = c.target != ""
			}
		} else {
			c.tracked = c.target != ""
		}
		if pr.CTA != "" {
			label = pr.CTA
		}
		cta = label + " " + target
	} else {
		cta = pr.CTA
		if pr.URL == "" && pr.WhatsApp == "" {
			c.warn(serentak.WarnNoOrderLink)
		}
	}
	if c.p == serentak.YouTube {
		head, discount, desc, cta, footer = stripAngles(head), stripAngles(discount), stripAngles(desc), stripAngles(cta), stripAngles(footer)
	}

	if n := rule.m.count(join(head, cta)); n > rule.max {
		what := "the product name, price and order link"
		if pr.CTA != "" {
			what = "the product name, price, call to action and order link"
		}
		c.fail(c.blame(rule), codeTooLong, "%s alone take %s of the %s %s %s allow (%s)",
			what, number(n), number(rule.max), rule.m.unit(), rule.noun, rule.m.how())
		return join(head, cta)
	}
	if discount != "" && rule.m.count(join(head+"\n"+discount, cta)) > rule.max {
		c.shortened("discount line left out to fit the %s-%s limit of %s", number(rule.max), singular(rule.m.unit()), rule.noun)
		discount = ""
	}
	if discount != "" {
		head += "\n" + discount
	}
	if footer != "" && rule.m.count(join(head, cta, footer)) > rule.max {
		c.shortened("footer left out to fit the %s-%s limit of %s", number(rule.max), singular(rule.m.unit()), rule.noun)
		footer = ""
	}
	present := hashtags(join(head, desc, cta, footer))
	if rule.hardTagCap && len(present) > rule.maxTags {
		c.fail("product.description", codeTooManyHashtags, "%s take at most %d hashtags; the product name and description have %d",
			rule.noun, rule.maxTags, len(present))
	}
	if n := len(mentions(join(head, desc, cta, footer))); rule.maxMentions > 0 && n > rule.maxMentions {
		c.fail("product.description", codeTooManyMentions, "%s take at most %d @mentions; the product name and description have %d",
			rule.noun, rule.maxMentions, n)
	}

	// Shorten the description first: the hashtags are the cheaper loss
	// only once the description is gone.
	if desc != "" {
		tagLine := tagLine(c.newTags(rule, present))
		over := rule.m.count(join(head, desc, cta, footer, tagLine)) - rule.max
		if over > 0 {
			n := rule.m.count(desc)
			short := ""
			if budget := n - over; budget >= minDescription {
				short = shorten(desc, budget, rule.m)
			}
			if short == "" {
				c.shortened("description left out to fit the %s-%s limit of %s", number(rule.max), singular(rule.m.unit()), rule.noun)
			} else {
				c.shortened("description shortened from %s to %s %s to fit the %s-%s limit of %s",
					number(n), number(rule.m.count(short)), rule.m.unit(), number(rule.max), singular(rule.m.unit()), rule.noun)
			}
			desc = short
		}
	}
	return c.fitTags(rule, []string{head, desc, cta, footer}, present)
}

// linksClickable reports whether a link written in the platform's text
// can be tapped. Instagram captions and TikTok captions and descriptions
// show a URL as plain text (docs/platforms/instagram.md#limits,
// docs/platforms/tiktok.md#limits).
func (c *composer) linksClickable() bool {
	return c.p != serentak.Instagram && c.p != serentak.TikTok
}

// blame names the field to shorten when the name, price, call to action
// and link alone are too long: the longest of them the user wrote.
func (c *composer) blame(rule textRule) string {
	field, longest := "product.name", rule.m.count(c.product.Name)
	if n := rule.m.count(c.link); n > longest {
		field, longest = "product.url", n
	}
	if n := rule.m.count(c.product.CTA); n > longest {
		field = "product.cta"
	}
	return field
}

// readCompareAt checks the compare-at price against the price.
func (c *composer) readCompareAt() {
	pr := c.product
	ca := pr.CompareAtPrice
	if ca == nil {
		return
	}
	switch {
	case math.IsNaN(ca.Amount) || math.IsInf(ca.Amount, 0) || ca.Amount < 0:
		c.fail("product.compare_at_price.amount", codeInvalid, "a price must be a number of 0 or more")
	case !wholeInCurrency(*ca):
		c.checkPrice("product.compare_at_price.amount", ca)
	case pr.Price == nil:
		c.fail("product.compare_at_price", codeInvalid, "a compare-at price needs the price it is compared with: give product.price")
	case !strings.EqualFold(strings.TrimSpace(ca.Currency), strings.TrimSpace(pr.Price.Currency)):
		c.fail("product.compare_at_price.currency", codeInvalid, "must be the price's currency, %s", pr.Price.Currency)
	case !(ca.Amount > pr.Price.Amount):
		c.fail("product.compare_at_price.amount", codeInvalid, "must be more than the price (%s) to be a discount",
			FormatPrice(*pr.Price, c.tmpl.Language))
	}
}

// discount returns the line announcing the discount, or "" when there is
// none (or it is under 1%, which is not worth saying).
func (c *composer) discount() string {
	pr := c.product
	ca := pr.CompareAtPrice
	if ca == nil || pr.Price == nil || !(ca.Amount > pr.Price.Amount) || !(pr.Price.Amount >= 0) || math.IsInf(ca.Amount, 0) ||
		!strings.EqualFold(strings.TrimSpace(ca.Currency), strings.TrimSpace(pr.Price.Currency)) {
		return "" // faults are reported by readCompareAt
	}
	// Rounded down: a discount of 19.99% is "19%", never more than it is.
	percent := int(math.Floor((ca.Amount - pr.Price.Amount) / ca.Amount * 100))
	if percent < 1 {
		c.warn(serentak.WarnDiscountUnderOne)
		return ""
	}
	line := discountLine(c.tmpl, percent, FormatPrice(*ca, c.tmpl.Language), FormatPrice(*pr.Price, c.tmpl.Language))
	return oneLine(clean(line))
}

// minDescription is the shortest a shortened description may be, as the
// platform counts; below it the description is left out instead, since
// a few words and "…" say nothing.
const minDescription = 20

// newTags returns the post's hashtags not already in the text (present),
// capped to the platform's hashtag cap, noting any left out.
func (c *composer) newTags(rule textRule, present []string) []string {
	tags := c.tagsNotIn(present)
	if rule.maxTags > 0 && len(present)+len(tags) > rule.maxTags {
		keep := max(rule.maxTags-len(present), 0)
		return tags[:keep]
	}
	return tags
}

// fitTags joins parts and the post's hashtags, leaving out the last
// hashtags while the text is too long. It notes what it left out.
func (c *composer) fitTags(rule textRule, parts []string, present []string) string {
	tags := c.newTags(rule, present)
	if capped := len(c.tagsNotIn(present)) - len(tags); capped > 0 {
		c.shortened("%s left out: %s take at most %d hashtags (kept the first %d)",
			plural(capped, "hashtag", "hashtags"), rule.noun, rule.maxTags, len(tags))
	}
	base := join(parts...)
	if rule.m.count(base) > rule.max {
		return base // the fault is already reported
	}
	kept := len(tags)
	for kept > 0 && rule.m.count(join(base, tagLine(tags[:kept]))) > rule.max {
		kept--
	}
	if dropped := len(tags) - kept; dropped > 0 {
		c.shortened("%s left out to fit the %s-%s limit of %s: #%s",
			plural(dropped, "hashtag", "hashtags"), number(rule.max), singular(rule.m.unit()), rule.noun,
			strings.Join(tags[kept:], " #"))
	}
	return join(base, tagLine(tags[:kept]))
}

func (c *composer) tagsNotIn(present []string) []string {
	var out []string
	for _, t := range c.tags {
		if !hasFold(present, t) {
			out = append(out, t)
		}
	}
	return out
}

// title returns the platform's title: the target's, or one composed from
// the product (and, for YouTube, which requires one, from the caption).
func (c *composer) title() string {
	switch {
	case c.p == serentak.YouTube:
		// YouTube says "100 characters"; UTF-16 units are the strict reading.
		return c.fitTitle(textRule{max: 100, m: utf16Units, noun: "YouTube titles"}, true)
	case c.p == serentak.TikTok && c.photo:
		return c.fitTitle(textRule{max: 90, m: utf16Units, noun: "TikTok photo titles"}, true)
	case c.p == serentak.Facebook && c.video:
		// A Facebook video's title. Graph documents no limit for it.
		if c.givenTitle != "" {
			return c.givenTitle
		}
		if c.product != nil {
			return c.product.Name
		}
		return ""
	}
	if c.givenTitle != "" {
		c.warn(serentak.WarnTitleNotUsed, "platform", c.p.DisplayName())
	}
	return ""
}

// fitTitle returns the target's title checked against rule, or one made
// from the product's name and price, shortened to fit.
func (c *composer) fitTitle(rule textRule, withPrice bool) string {
	youtube := c.p == serentak.YouTube
	if c.givenTitle != "" {
		title := c.givenTitle
		if youtube {
			title = stripAngles(title)
			if title != c.givenTitle {
				c.warn(serentak.WarnYouTubeTitleAngles)
			}
			if strings.TrimSpace(title) == "" {
				c.fail("target.title", codeInvalid, "YouTube titles cannot be empty or only '<' and '>'")
				return ""
			}
		}
		if n := rule.m.count(title); n > rule.max {
			c.fail("target.title", codeTooLong, "%s are at most %s %s (%s); this one has %s",
				rule.noun, number(rule.max), rule.m.unit(), rule.m.how(), number(n))
		}
		return title
	}
	var name, suffix string
	switch {
	case c.product != nil:
		name = c.product.Name
		if withPrice && c.product.Price != nil {
			suffix = c.tmpl.NameSeparator + FormatPrice(*c.product.Price, c.tmpl.Language)
		}
	case youtube:
		name = firstLine(c.caption)
		c.warn(serentak.WarnYouTubeTitleFromText)
	default:
		return ""
	}
	if youtube {
		name = strings.TrimSpace(stripAngles(name))
		if name == "" {
			c.fail("target.title", codeRequired, "YouTube needs a title; give one for this target")
			return ""
		}
	}
	budget := rule.max - rule.m.count(suffix)
	if rule.m.count(name) > budget {
		short := shorten(name, budget, rule.m)
		if short == "" { // the price does not leave room: drop it
			suffix, short = "", shorten(name, rule.max, rule.m)
		}
		c.shortened("title shortened to fit the %s-%s limit of %s", number(rule.max), singular(rule.m.unit()), rule.noun)
		name = short
	}
	return name + suffix
}

func (c *composer) fail(field, code, format string, args ...any) {
	c.errs = append(c.errs, fieldErr(field, code, format, args...))
}

// warn adds the warning of code, its arguments given as name, value pairs.
func (c *composer) warn(code string, nameValues ...string) {
	c.res.Warnings = append(c.res.Warnings, serentak.NewWarning(code, nameValues...))
}

func (c *composer) shortened(format string, args ...any) {
	c.res.Shortened = append(c.res.Shortened, fmt.Sprintf(format, args...))
}

func fieldErr(field, code, format string, args ...any) serentak.FieldError {
	return serentak.FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}

// clean makes s valid UTF-8 (an invalid byte becomes U+FFFD, which every
// platform takes) and trims the spaces around it.
func clean(s string) string {
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}

// oneLine folds line breaks and tabs into single spaces: names and titles
// are one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

func stripAngles(s string) string {
	return strings.NewReplacer("<", "", ">", "").Replace(s)
}

// join joins the non-empty parts with a blank line between them.
func join(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "\n\n")
}

func tagLine(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "#" + strings.Join(tags, " #")
}

// number writes n with comma thousands, as messages do: 2,200.
func number(n int) string {
	if n < 0 {
		return "-" + groupThousands(strconv.Itoa(-n), ",")
	}
	return groupThousands(strconv.Itoa(n), ",")
}

func singular(unit string) string { return strings.TrimSuffix(unit, "s") }
