package compose

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/serentak/serentak"
)

// TemplateFor returns the template of a language: English for "en" (and
// "en-US" and the like), Bahasa Indonesia for anything else, since our
// first users are Indonesian businesses.
func TemplateFor(lang string) serentak.Template {
	if l := strings.ToLower(lang); l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return serentak.Template{
			Language:         "en",
			NameSeparator:    " – ",
			OrderLabel:       "Order now:",
			TextLinkLabel:    "Order link:",
			WhatsAppGreeting: "Hello, I'd like to order ",
			DiscountLine:     "{percent}% off (usually {compare_at})",
		}
	}
	return serentak.Template{
		Language:         "id",
		NameSeparator:    " – ",
		OrderLabel:       "Pesan sekarang:",
		TextLinkLabel:    "Link pemesanan:",
		WhatsAppGreeting: "Halo, saya mau pesan ",
		DiscountLine:     "Diskon {percent}% (harga normal {compare_at})",
	}
}

// Limits of a template's fields, in characters (code points). They bound
// what a workspace stores; fitting a post to a platform is Fit's job.
const (
	maxSeparator = 10
	maxLabel     = 100
	maxFooter    = 500
)

// CheckTemplate returns the faults of a template a workspace wants to
// use, named by their JSON names: a field too long, a line break where one line is
// needed, or a discount line with a placeholder we do not fill. Empty
// fields are fine (they keep the built-in wording).
func CheckTemplate(t serentak.Template) []serentak.FieldError {
	var errs []serentak.FieldError
	field := func(name, v string, limit int, multiline bool) {
		switch {
		case !utf8.ValidString(v):
			errs = append(errs, fieldErr(name, codeInvalid, "must be valid UTF-8 text"))
		case utf8.RuneCountInString(v) > limit:
			errs = append(errs, fieldErr(name, codeTooLong, "must be at most %d characters", limit))
		case !multiline && strings.ContainsAny(v, "\r\n"):
			errs = append(errs, fieldErr(name, codeInvalid, "must be one line"))
		}
	}
	field("name_separator", t.NameSeparator, maxSeparator, false)
	field("order_label", t.OrderLabel, maxLabel, false)
	field("text_link_label", t.TextLinkLabel, maxLabel, false)
	field("link_in_bio", t.LinkInBio, maxLabel, false)
	field("whatsapp_greeting", t.WhatsAppGreeting, maxLabel, false)
	field("discount_line", t.DiscountLine, maxLabel, false)
	field("footer", t.Footer, maxFooter, true)
	if d := t.DiscountLine; d != "" {
		for _, ph := range placeholder.FindAllString(d, -1) {
			if ph != "{percent}" && ph != "{compare_at}" && ph != "{price}" {
				errs = append(errs, fieldErr("discount_line", codeInvalid,
					"%s is not a placeholder we fill; use {percent}, {compare_at} or {price}", ph))
			}
		}
		if !strings.Contains(d, "{percent}") && !strings.Contains(d, "{compare_at}") {
			errs = append(errs, fieldErr("discount_line", codeInvalid,
				"must name the discount with {percent} or {compare_at}, e.g. \"Diskon {percent}%%\""))
		}
	}
	return errs
}

var placeholder = regexp.MustCompile(`\{[^{}\s]*\}`)

// discountLine fills t's DiscountLine.
func discountLine(t serentak.Template, percent int, compareAt, price string) string {
	return strings.NewReplacer("{percent}", strconv.Itoa(percent), "{compare_at}", compareAt, "{price}", price).Replace(t.DiscountLine)
}

// Overlay returns the wording a workspace's overrides give platform p in
// lang, for Input.Template: the every-platform override with p's own on
// top, so the platform's wins field by field. nil when none applies.
func Overlay(overrides []serentak.TemplateOverride, p serentak.Platform, lang string) *serentak.Template {
	lang = TemplateFor(lang).Language
	var all, own *serentak.Template
	for i := range overrides {
		o := &overrides[i]
		if o.Language != lang {
			continue
		}
		switch o.Platform {
		case serentak.AllPlatforms:
			all = &o.Template
		case p:
			own = &o.Template
		}
	}
	if all == nil && own == nil {
		return nil
	}
	var out serentak.Template
	if all != nil {
		out = out.Merge(*all)
	}
	if own != nil {
		out = out.Merge(*own)
	}
	return &out
}

// maxPrefillName bounds the product name copied into a wa.me message, so a
// long name does not make a link that eats the caption.
const maxPrefillName = 60

// orderURL returns the link a composed post sends buyers to. For a WhatsApp
// click-to-chat link (wa.me/<number> or api.whatsapp.com/send) without a
// text parameter it adds one, "Halo, saya mau pesan <name>", so the chat
// opens with the order already written. Existing query parameters are kept
// byte for byte; the new one is percent-encoded with %20 for spaces (as
// WhatsApp's own examples do; a '+' is not read as a space everywhere). Any
// other link, or one that does not parse, is returned unchanged.
func orderURL(raw, name string, tmpl serentak.Template) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return raw
	}
	host := strings.ToLower(u.Hostname())
	// wa.me/<number> only: a wa.me/message/<code> link carries its own
	// message, set by the business.
	segment := strings.Trim(u.Path, "/")
	isChat := isChatHost(host) && segment != "" && !strings.Contains(segment, "/") ||
		(host == "api.whatsapp.com" && strings.TrimSuffix(u.Path, "/") == "/send")
	if !isChat || u.Query().Has("text") || u.Fragment != "" {
		return raw
	}
	msg := tmpl.WhatsAppGreeting + shortName(name)
	param := "text=" + strings.ReplaceAll(url.QueryEscape(msg), "+", "%20")
	if u.RawQuery == "" {
		return strings.TrimSuffix(raw, "?") + "?" + param
	}
	return raw + "&" + param
}

// shortName cuts a name to maxPrefillName at a word boundary.
func shortName(name string) string {
	return shorten(name, maxPrefillName, utf16Units)
}
