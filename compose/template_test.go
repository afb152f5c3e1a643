package compose

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

// discounted is keripik at Rp25.000 instead of Rp31.250: 20% off.
func discounted() *serentak.Product {
	p := keripik()
	p.CompareAtPrice = &serentak.Price{Amount: 31250, Currency: "IDR"}
	return p
}

func TestDiscountAndCallToAction(t *testing.T) {
	const wa = "https://wa.me/6281234567890?text=Halo%2C%20saya%20mau%20pesan%20Keripik%20Singkong%20Pedas"
	withCTA := discounted()
	withCTA.CTA = "  Pesan lewat WhatsApp ya kak:\n"
	noLink := keripik()
	noLink.URL, noLink.CTA = "", "Datang langsung ke toko kami di Pasar Baru!"
	usd := &serentak.Product{Name: "Kopi Gayo", Price: &serentak.Price{Amount: 4.5, Currency: "USD"},
		CompareAtPrice: &serentak.Price{Amount: 5.99, Currency: "USD"}, URL: "https://toko.example.com/kopi"}
	tiny := keripik()
	tiny.CompareAtPrice = &serentak.Price{Amount: 25100, Currency: "IDR"} // 0.4% off
	tests := []struct {
		name     string
		p        serentak.Platform
		in       Input
		want     string
		warning  string
		template *serentak.Template
	}{
		{"discount line below the name and price", serentak.Facebook, Input{Product: discounted()},
			"Keripik Singkong Pedas – Rp25.000\nDiskon 20% (harga normal Rp31.250)\n\nRenyah, pedas, tanpa pengawet.\n\nPesan sekarang: " + wa, "", nil},
		{"English discount, rounded down (24.87% is 24%)", serentak.Facebook, Input{Product: usd, Language: "en"},
			"Kopi Gayo – $4.50\n24% off (usually $5.99)\n\nOrder now: https://toko.example.com/kopi", "", nil},
		{"a discount under 1% is not announced", serentak.Facebook, Input{Product: tiny},
			"Keripik Singkong Pedas – Rp25.000\n\nRenyah, pedas, tanpa pengawet.\n\nPesan sekarang: " + wa, "under 1%", nil},
		{"the call to action replaces the order label", serentak.Facebook, Input{Product: withCTA},
			"Keripik Singkong Pedas – Rp25.000\nDiskon 20% (harga normal Rp31.250)\n\nRenyah, pedas, tanpa pengawet.\n\nPesan lewat WhatsApp ya kak: " + wa, "", nil},
		{"the call to action replaces the order label on Instagram too", serentak.Instagram, Input{Product: withCTA, Media: []serentak.MediaRef{jpeg}},
			"Keripik Singkong Pedas – Rp25.000\nDiskon 20% (harga normal Rp31.250)\n\nRenyah, pedas, tanpa pengawet.\n\nPesan lewat WhatsApp ya kak: WA 0812-3456-7890", "", nil},
		{"the call to action replaces Instagram's link label", serentak.Instagram, Input{Product: &serentak.Product{Name: "Kopi", URL: "https://toko.example.com/kopi", CTA: "Beli di toko online:"},
			Media: []serentak.MediaRef{jpeg}}, "Kopi\n\nBeli di toko online: https://toko.example.com/kopi", "", nil},
		{"a call to action without a link stands alone", serentak.Facebook, Input{Product: noLink},
			"Keripik Singkong Pedas – Rp25.000\n\nRenyah, pedas, tanpa pengawet.\n\nDatang langsung ke toko kami di Pasar Baru!", "no order link", nil},
		{"a workspace's wording", serentak.Facebook, Input{Product: discounted()},
			"Keripik Singkong Pedas | Rp25.000\nHemat 20%! Dari Rp31.250 jadi Rp25.000\n\nRenyah, pedas, tanpa pengawet.\n\nOrder di sini: " +
				"https://wa.me/6281234567890?text=Permisi%20kak%2C%20mau%20order%20Keripik%20Singkong%20Pedas\n\nBuka setiap hari 08.00–20.00\nJl. Merdeka 5, Garut",
			"", &serentak.Template{NameSeparator: " | ", OrderLabel: "Order di sini:", WhatsAppGreeting: "Permisi kak, mau order ",
				DiscountLine: "Hemat {percent}%! Dari {compare_at} jadi {price}", Footer: "Buka setiap hari 08.00–20.00\nJl. Merdeka 5, Garut\n"}},
		{"a workspace's wording, YouTube: angle brackets removed from the footer", serentak.YouTube, Input{Product: keripik(), Media: []serentak.MediaRef{mp4}},
			"Keripik Singkong Pedas – Rp25.000\n\nRenyah, pedas, tanpa pengawet.\n\nPesan sekarang: " + wa + "\n\nsubscribe ya",
			"", &serentak.Template{Footer: "<subscribe> ya"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Template = tt.template
			r := Fit(tt.p, in, Target{})
			checkInvariants(t, tt.p, in, Target{}, r)
			if len(r.Errors) > 0 {
				t.Fatalf("errors %v", r.Errors)
			}
			equal(t, tt.want, r.Content.Text)
			if tt.warning != "" {
				wantContains(t, r.Warnings, tt.warning)
			} else if len(r.Warnings) > 0 {
				t.Errorf("unexpected warnings %q", r.Warnings)
			}
		})
	}
}

// TestFitKeepsPriceAndLinkOverDiscountAndFooter fills an Instagram caption
// with the name so that only the must-keep parts fit: the discount line
// and the footer go, each noted, and the price and link stay.
func TestFitKeepsPriceAndLinkOverDiscountAndFooter(t *testing.T) {
	pr := discounted()
	pr.Name = strings.Repeat("Keripik ", 250)[:2000]
	// A shop link of 150 characters, which Instagram shows as it is.
	shop := "https://toko.example.com/keripik?ref="
	pr.URL = shop + strings.Repeat("x", 150-len(shop))
	in := Input{Product: pr, Media: []serentak.MediaRef{jpeg}, Template: &serentak.Template{Footer: strings.Repeat("Buka setiap hari. ", 10)}}
	r := Fit(serentak.Instagram, in, Target{})
	checkInvariants(t, serentak.Instagram, in, Target{}, r)
	if len(r.Errors) > 0 {
		t.Fatalf("errors %v", r.Errors)
	}
	if strings.Contains(r.Content.Text, "Diskon") || strings.Contains(r.Content.Text, "Buka setiap hari") {
		t.Errorf("discount or footer kept in a caption without room:\n%s", r.Content.Text)
	}
	for _, want := range []string{"Rp25.000", pr.URL} {
		if !strings.Contains(r.Content.Text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	wantContains(t, r.Shortened, "discount line left out")
	wantContains(t, r.Shortened, "footer left out")

	// With room for the discount but not the footer, the footer goes and
	// the description is shortened to keep the discount.
	pr.Name = strings.Repeat("Keripik ", 250)[:1950]
	pr.Description = strings.Repeat("Renyah dan pedas. ", 12)
	r = Fit(serentak.Instagram, in, Target{})
	checkInvariants(t, serentak.Instagram, in, Target{}, r)
	if !strings.Contains(r.Content.Text, "\nDiskon 20% (harga normal Rp31.250)\n") || strings.Contains(r.Content.Text, "Buka setiap hari") {
		t.Errorf("want the discount kept and the footer left out:\n%s", r.Content.Text)
	}
	wantContains(t, r.Shortened, "footer left out")
	wantContains(t, r.Shortened, "description shortened")
}

func TestCompareAtErrors(t *testing.T) {
	idr := func(a float64) *serentak.Price { return &serentak.Price{Amount: a, Currency: "IDR"} }
	tests := []struct {
		name      string
		price     *serentak.Price
		compareAt *serentak.Price
		cta       string
		want      fe
	}{
		{"not more than the price", idr(25000), idr(25000), "", fe{"product.compare_at_price.amount", "invalid", "must be more than the price (Rp25.000)"}},
		{"another currency", idr(25000), &serentak.Price{Amount: 30, Currency: "USD"}, "", fe{"product.compare_at_price.currency", "invalid", "must be the price's currency, IDR"}},
		{"no price", nil, idr(30000), "", fe{"product.compare_at_price", "invalid", "a compare-at price needs the price"}},
		{"negative", idr(25000), idr(-1), "", fe{"product.compare_at_price.amount", "invalid", "a price must be a number of 0 or more"}},
		{"a call to action too long to fit with the link", idr(25000), nil, strings.Repeat("Pesan ", 400),
			fe{"product.cta", "too_long", "the product name, price, call to action and order link alone take"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := keripik()
			pr.Price, pr.CompareAtPrice, pr.CTA = tt.price, tt.compareAt, tt.cta
			errs := Fit(serentak.Instagram, Input{Product: pr, Media: []serentak.MediaRef{jpeg}}, Target{}).Errors
			if len(errs) != 1 || errs[0].Field != tt.want.field || errs[0].Code != tt.want.code || !strings.HasPrefix(errs[0].Message, tt.want.message) {
				t.Fatalf("errors = %+v, want one %+v", errs, tt.want)
			}
		})
	}
}

func TestTemplateCheck(t *testing.T) {
	tests := []struct {
		name string
		t    serentak.Template
		want []string // "field code"
	}{
		{"empty keeps everything built in", serentak.Template{}, nil},
		{"every field set", serentak.Template{NameSeparator: " | ", OrderLabel: "Order:", TextLinkLabel: "Link:", LinkInBio: "ada di bio", WhatsAppGreeting: "Halo ",
			DiscountLine: "Hemat {percent}% dari {compare_at}, jadi {price}", Footer: "Buka 08.00–20.00\nJl. Merdeka 5"}, nil},
		{"a separator too long", serentak.Template{NameSeparator: strings.Repeat("-", 11)}, []string{"name_separator too_long"}},
		{"a label on two lines", serentak.Template{OrderLabel: "Order\nnow:"}, []string{"order_label invalid"}},
		{"a footer too long", serentak.Template{Footer: strings.Repeat("é", 501)}, []string{"footer too_long"}},
		{"a discount line without the discount", serentak.Template{DiscountLine: "Murah!"}, []string{"discount_line invalid"}},
		{"a discount line with a placeholder we do not fill", serentak.Template{DiscountLine: "Diskon {persen}%"},
			[]string{"discount_line invalid", "discount_line invalid"}},
		{"invalid UTF-8", serentak.Template{TextLinkLabel: "Link\xff:"}, []string{"text_link_label invalid"}},
		{"link-in-bio words on two lines", serentak.Template{LinkInBio: "link\ndi bio"}, []string{"link_in_bio invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range CheckTemplate(tt.t) {
				got = append(got, e.Field+" "+e.Code)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckTemplate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOverlay(t *testing.T) {
	overrides := []serentak.TemplateOverride{
		{Platform: serentak.AllPlatforms, Language: "id", Template: serentak.Template{Footer: "Toko Budi", OrderLabel: "Order:"}},
		{Platform: serentak.Instagram, Language: "id", Template: serentak.Template{OrderLabel: "Order di IG:", TextLinkLabel: "Salin link:"}},
		{Platform: serentak.Instagram, Language: "en", Template: serentak.Template{TextLinkLabel: "Copy the link:"}},
	}
	tests := []struct {
		p    serentak.Platform
		lang string
		want *serentak.Template
	}{
		{serentak.Instagram, "id", &serentak.Template{Footer: "Toko Budi", OrderLabel: "Order di IG:", TextLinkLabel: "Salin link:"}},
		{serentak.Instagram, "", &serentak.Template{Footer: "Toko Budi", OrderLabel: "Order di IG:", TextLinkLabel: "Salin link:"}}, // "" is Bahasa Indonesia
		{serentak.Facebook, "id", &serentak.Template{Footer: "Toko Budi", OrderLabel: "Order:"}},
		{serentak.Instagram, "en", &serentak.Template{TextLinkLabel: "Copy the link:"}},
		{serentak.TikTok, "en", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Overlay(overrides, tt.p, tt.lang)); diff != "" {
			t.Errorf("Overlay(%s, %q) (-want +got):\n%s", tt.p, tt.lang, diff)
		}
	}
}
