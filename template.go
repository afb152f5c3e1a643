package serentak

import "time"

// Template is the wording of a composed post in one language. It is data,
// not code: a workspace overrides any field of it per platform and
// language (TemplateOverride), and the JSON names are those of the API and
// of the stored overrides. The built-in templates, and the rules a
// workspace's fields must follow, are the compose package's.
type Template struct {
	// Language is the code the template is for: "id" or "en".
	Language string `json:"-"`
	// NameSeparator goes between the product name and its price, in the
	// text's first line and in a composed video title.
	NameSeparator string `json:"name_separator,omitempty"`
	// OrderLabel introduces the order link where links are clickable.
	OrderLabel string `json:"order_label,omitempty"`
	// TextLinkLabel introduces the order link where links are not clickable
	// (Instagram and TikTok captions): the reader has to copy it.
	TextLinkLabel string `json:"text_link_label,omitempty"`
	// LinkInBio, when set, is written in place of an order link that is
	// not a WhatsApp number where captions' links cannot be tapped
	// (Instagram, TikTok): "ada di bio 👆", pointing to the profile's link.
	// Empty: the link itself is written, for the reader to copy.
	LinkInBio string `json:"link_in_bio,omitempty"`
	// WhatsAppGreeting starts the message prefilled in a wa.me order link;
	// the product name follows it.
	WhatsAppGreeting string `json:"whatsapp_greeting,omitempty"`
	// DiscountLine announces a compare-at price, on the line below the
	// name and price: {percent} is the discount in whole percent (rounded
	// down, so it never claims more than the truth), {compare_at} the usual
	// price and {price} the price.
	DiscountLine string `json:"discount_line,omitempty"`
	// Footer ends every composed text, before the hashtags: opening hours,
	// an address. None by default.
	Footer string `json:"footer,omitempty"`
}

// Merge returns t with every non-empty field of o in place of its own;
// the language stays t's.
func (t Template) Merge(o Template) Template {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&t.NameSeparator, o.NameSeparator)
	set(&t.OrderLabel, o.OrderLabel)
	set(&t.TextLinkLabel, o.TextLinkLabel)
	set(&t.LinkInBio, o.LinkInBio)
	set(&t.WhatsAppGreeting, o.WhatsAppGreeting)
	set(&t.DiscountLine, o.DiscountLine)
	set(&t.Footer, o.Footer)
	return t
}

// AllPlatforms is the TemplateOverride platform that applies to every
// platform. It is not a platform a post can target (Valid is false).
const AllPlatforms Platform = "all"

// TemplateOverride is a workspace's own wording for one platform, or for
// every platform (AllPlatforms), in one language ("id" or "en"). Its
// non-empty fields replace the built-in ones.
type TemplateOverride struct {
	Platform  Platform
	Language  string
	Template  Template
	UpdatedAt time.Time
}
