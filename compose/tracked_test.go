package compose

import (
	"strings"
	"testing"

	"github.com/serentak/serentak"
)

// trackedURL is a tracked link on a long public URL: longer than most
// order links, so a text fitted with the original link would not fit
// with it.
const trackedURL = "https://pesan.toko-keripik-singkong-bu-rini.example.co.id/o/7k2m9qa"

// Captions with tracked links fit every platform's limit: every golden
// post, on every platform and in both languages, composed with a tracked
// link keeps the invariants (within the limits as the platform counts,
// the name, price and order line kept), carries the tracked URL where a
// link can be tapped or copied and never the original one, and leads to
// the order link.
func TestTrackedLinksFitEveryLimit(t *testing.T) {
	for _, gc := range goldenCases() {
		for _, v := range variants {
			for _, lang := range []string{"id", "en"} {
				in := gc.in
				in.Language, in.Media = lang, v.media
				in.Tracked = &Tracked{URL: trackedURL, Ref: "IG-7K2"}
				r := Fit(v.p, in, gc.target)
				checkInvariants(t, v.p, in, gc.target, r)
				if len(r.Errors) > 0 {
					t.Errorf("%s %s/%s: unexpected errors %v", gc.name, v.name, lang, r.Errors)
				}
				pr, _, _ := Prepare(in)
				if pr.Product.URL != "" && strings.Contains(r.Content.Text, pr.Product.URL) {
					t.Errorf("%s %s/%s: the text carries the order link %q, not only the tracked one", gc.name, v.name, lang, pr.Product.URL)
				}
				if (v.p == serentak.Instagram || v.p == serentak.TikTok) && strings.Contains(r.Content.Text, "WA ") &&
					!strings.Contains(r.Content.Text, refNote("IG-7K2", TemplateFor(lang).Language)) {
					t.Errorf("%s %s/%s: the WhatsApp number is shown without the reference:\n%s", gc.name, v.name, lang, r.Content.Text)
				}
				if strings.Contains(r.Content.Text, trackedURL) || strings.Contains(r.Content.Text, "IG-7K2") || r.Content.Link == trackedURL {
					if r.TrackedTarget == "" {
						t.Errorf("%s %s/%s: the content carries the tracked link but leads nowhere", gc.name, v.name, lang)
					}
				} else if r.TrackedTarget != "" {
					t.Errorf("%s %s/%s: a tracked target %q the content does not carry", gc.name, v.name, lang, r.TrackedTarget)
				}
			}
		}
	}
}

// The tracked URL is what the composer measures: a description that fits
// beside a short wa.me link is shortened further beside a long tracked
// link, and the text is exactly at most the limit.
func TestTrackedLinkIsMeasured(t *testing.T) {
	desc := strings.Repeat("Renyah dan pedas. ", 200)
	in := Input{Product: &serentak.Product{Name: "Keripik", Price: &serentak.Price{Amount: 25000, Currency: "IDR"},
		Description: desc, URL: "https://wa.me/6281234567890"}, Media: []serentak.MediaRef{mp4}}
	plain := Fit(serentak.TikTok, in, Target{})
	long := strings.Repeat("x", 300)
	in.Tracked = &Tracked{URL: "https://" + long + ".example/o/7k2m9qa", Ref: "TT-7K2"}
	tracked := Fit(serentak.TikTok, in, Target{})
	for _, r := range []Result{plain, tracked} {
		if n := utf16Units.count(r.Content.Text); n > 2200 {
			t.Fatalf("text is %d UTF-16 units, over 2,200", n)
		}
	}
	// TikTok shows the number, not the link: the reference follows it.
	if !strings.Contains(tracked.Content.Text, "WA 0812-3456-7890 (kode TT-7K2)") {
		t.Errorf("TikTok's order line lacks the reference:\n%s", tracked.Content.Text)
	}
	fb := Fit(serentak.Facebook, Input{Product: in.Product, Tracked: in.Tracked, Media: []serentak.MediaRef{jpeg}}, Target{})
	if !strings.Contains(fb.Content.Text, in.Tracked.URL) || fb.Content.Link != in.Tracked.URL {
		t.Errorf("Facebook's text and link are not the tracked URL: %q %q", fb.Content.Text, fb.Content.Link)
	}
	// A 2,200-unit limit with a 340-unit link: Instagram is shortened more.
	ig := in
	ig.Product = &serentak.Product{Name: "Keripik", Description: desc, URL: "https://toko.example.com/k"}
	ig.Media = []serentak.MediaRef{jpeg}
	before := Fit(serentak.Instagram, Input{Product: ig.Product, Media: ig.Media}, Target{})
	after := Fit(serentak.Instagram, ig, Target{})
	if utf16Units.count(after.Content.Text) > 2200 || len(after.Content.Text) >= len(before.Content.Text) {
		t.Errorf("Instagram with a long tracked link: %d units (without: %d)", utf16Units.count(after.Content.Text), utf16Units.count(before.Content.Text))
	}
	if !strings.Contains(after.Content.Text, in.Tracked.URL) {
		t.Errorf("Instagram's link to copy is not the tracked one:\n%s", after.Content.Text)
	}
}

// The wa.me link a tracked link leads to keeps its prefilled message and
// gains the reference, in the post's language; other links are kept.
func TestTrackedTargetCarriesTheReference(t *testing.T) {
	for _, tc := range []struct {
		url, lang, want string
	}{
		{"https://wa.me/6281234567890", "id", "https://wa.me/6281234567890?text=Halo%2C%20saya%20mau%20pesan%20Keripik%20%28kode%20FB-7K2%29"},
		{"https://wa.me/6281234567890", "en", "%28ref%20FB-7K2%29"},
		{"https://wa.me/6281234567890?text=Mau%20keripik", "id", "https://wa.me/6281234567890?text=Mau%20keripik%20%28kode%20FB-7K2%29"},
		{"https://api.whatsapp.com/send?phone=6281234567890", "id", "https://api.whatsapp.com/send?phone=6281234567890&text=Halo%2C%20saya%20mau%20pesan%20Keripik%20%28kode%20FB-7K2%29"},
		{"https://toko.example.com/keripik?ref=fb", "id", "https://toko.example.com/keripik?ref=fb"},
	} {
		r := Fit(serentak.Facebook, Input{Product: &serentak.Product{Name: "Keripik", URL: tc.url}, Language: tc.lang,
			Tracked: &Tracked{URL: trackedURL, Ref: "FB-7K2"}}, Target{})
		if !strings.Contains(r.TrackedTarget, tc.want) {
			t.Errorf("%s (%s): target %q, want %q", tc.url, tc.lang, r.TrackedTarget, tc.want)
		}
	}
}
