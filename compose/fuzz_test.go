package compose

import (
	"strings"
	"testing"

	"github.com/serentak/serentak"
)

// FuzzFit checks the invariants of checkInvariants on arbitrary names,
// descriptions, captions, titles, hashtags, calls to action, compare-at
// prices and workspace footers, on every platform, and that
// Fit never panics. Run longer with: go test ./compose -fuzz FuzzFit
// (add -fuzzminimizetime=2s: minimizing each new, often 10 kB, input
// otherwise takes most of a short run).
func FuzzFit(f *testing.F) {
	f.Add("Keripik Singkong Pedas", "Renyah, pedas, tanpa pengawet.", "", "", "umkm", uint8(0), false, false, 1, "", "", 0.0)
	f.Add("Café "+family, strings.Repeat(flagID+" "+eAcute, 400), "", "<judul>", "#kue", uint8(2), true, false, 3, "Pesan <sekarang>", "Buka 08.00", 31250.0)
	f.Add(arabic, strings.Repeat(harakat, 900), "", "", "حلويات", uint8(1), false, true, 40, arabic, strings.Repeat(family, 100), 25001.0)
	f.Add("x", "", strings.Repeat(thumbsUp, 600), "t", "a b", uint8(3), false, true, 0, "", "", 1e300)
	f.Add(strings.Repeat("a", 300), strings.Repeat(chili, 2000), "", "", "", uint8(3), true, false, 2, strings.Repeat(chili, 150), strings.Repeat("b", 500), 99999.0)
	f.Fuzz(func(t *testing.T, name, desc, caption, title, tag string, platform uint8, en, photos bool, ntags int, cta, footer string, compareAt float64) {
		p := serentak.Platforms[int(platform)%len(serentak.Platforms)]
		media := []serentak.MediaRef{mp4}
		if photos {
			media = []serentak.MediaRef{jpeg, jpeg}
		}
		lang := "id"
		if en {
			lang = "en"
		}
		ntags = min(max(ntags, 0), 50)
		tags := make([]string, ntags)
		for i := range tags {
			tags[i] = tag + strings.Repeat("x", i)
		}
		in := Input{
			Product: &serentak.Product{Name: name, Description: desc,
				Price: &serentak.Price{Amount: 25000, Currency: "IDR"}, URL: "https://wa.me/6281234567890", CTA: cta},
			Caption:  caption,
			Hashtags: tags,
			Media:    media,
			Language: lang,
		}
		if compareAt != 0 {
			in.Product.CompareAtPrice = &serentak.Price{Amount: compareAt, Currency: "IDR"}
		}
		if footer != "" {
			in.Template = &serentak.Template{Footer: footer, DiscountLine: "{percent}% " + footer}
		}
		r := Fit(p, in, Target{Title: title})
		checkInvariants(t, p, in, Target{Title: title}, r)
		if strings.TrimSpace(name) != "" && strings.TrimSpace(caption) == "" && r.Content.Text == "" {
			t.Errorf("%s: no text for a product with a name (errors %v)", p, r.Errors)
		}
	})
}
