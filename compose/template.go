package compose

import (
	"net/url"
	"strings"
)

// Template is the wording of a composed post in one language. It is data,
// not code, so a workspace can one day bring its own.
type Template struct {
	// Language is the code the template is for: "id" or "en".
	Language string
	// NameSeparator goes between the product name and its price, in the
	// text's first line and in a composed video title.
	NameSeparator string
	// OrderLabel introduces the order link where links are clickable.
	OrderLabel string
	// TextLinkLabel introduces the order link where links are not clickable
	// (Instagram captions): the reader has to copy it.
	TextLinkLabel string
	// WhatsAppGreeting starts the message prefilled in a wa.me order link;
	// the product name follows it.
	WhatsAppGreeting string
}

// TemplateFor returns the template of a language: English for "en" (and
// "en-US" and the like), Bahasa Indonesia for anything else, since our
// first users are Indonesian businesses.
func TemplateFor(lang string) Template {
	if l := strings.ToLower(lang); l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return Template{
			Language:         "en",
			NameSeparator:    " – ",
			OrderLabel:       "Order now:",
			TextLinkLabel:    "Order link:",
			WhatsAppGreeting: "Hello, I'd like to order ",
		}
	}
	return Template{
		Language:         "id",
		NameSeparator:    " – ",
		OrderLabel:       "Pesan sekarang:",
		TextLinkLabel:    "Link pemesanan:",
		WhatsAppGreeting: "Halo, saya mau pesan ",
	}
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
func orderURL(raw, name string, tmpl Template) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return raw
	}
	host := strings.ToLower(u.Hostname())
	isChat := (host == "wa.me" || host == "www.wa.me") && len(strings.Trim(u.Path, "/")) > 0 ||
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
