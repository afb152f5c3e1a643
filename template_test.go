package serentak

import "testing"

// TestTemplateMerge: an override replaces only the fields it sets, and
// never the language of the template it is merged into.
func TestTemplateMerge(t *testing.T) {
	base := Template{Language: "en", NameSeparator: " – ", OrderLabel: "Order now:", TextLinkLabel: "Order link:",
		WhatsAppGreeting: "Hello ", DiscountLine: "{percent}% off"}
	got := base.Merge(Template{Language: "id", OrderLabel: "Buy:", Footer: "Open daily", LinkInBio: "link in bio"})
	want := base
	want.OrderLabel, want.Footer, want.LinkInBio = "Buy:", "Open daily", "link in bio"
	if got != want {
		t.Errorf("Merge = %+v, want %+v", got, want)
	}
}
