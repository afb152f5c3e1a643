package compose

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/serentak/serentak"
)

// TestParseWhatsApp: every way a merchant writes the number is read as
// the one number wa.me opens a chat with.
func TestParseWhatsApp(t *testing.T) {
	const want = "+6285212345678"
	for _, in := range []string{
		"085212345678",
		"0852-1234-5678",
		"0852 1234 5678",
		"0852.1234.5678",
		"(0852) 1234-5678",
		"0852 – 1234 – 5678", // an en dash, as phones autocorrect
		"+62 852-1234-5678",
		"+62-852-1234-5678",
		"+62 852 1234 5678",
		"+6285212345678",
		"+62 (0)852-1234-5678",
		"+62 0852 1234 5678",
		"(+62) 852-1234-5678",
		"62 852 1234 5678",
		"6285212345678",
		"62-852-1234-5678",
		"620852-1234-5678",
		"852-1234-5678", // the 0 left out
		"85212345678",
		"0062 852 1234 5678",
		"  0852-1234-5678\u00a0", // spaces around, a no-break space too
	} {
		got, err := ParseWhatsApp(in)
		if err != nil || got != want {
			t.Errorf("ParseWhatsApp(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	others := []struct{ in, want string }{
		{"0812-345-678", "+62812345678"},            // 10 digits, the shortest mobile numbers
		{"0812-3456-78901", "+6281234567890" + "1"}, // 13 digits
		{"021-2345-6789", "+622123456789"},          // a Jakarta landline (WhatsApp Business)
		{"+65 8123 4567", "+6581234567"},            // Singapore
		{"+60 12-345 6789", "+60123456789"},         // Malaysia
		{"+1 (415) 555-0123", "+14155550123"},       // North America
		{"+44 (0)20 7946 0958", "+442079460958"},    // the "(0)" the British write
		{"6591234567", "+6591234567"},               // digits as wa.me takes them
	}
	for _, tt := range others {
		if got, err := ParseWhatsApp(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseWhatsApp(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"", "give a WhatsApp number"},
		{"0852-KUE-ENAK", "has letters"},
		{"WA 0852-1234-5678", "has letters"},
		{"0852#1234", "write digits"},
		{"0852-1234", "not an Indonesian number: it has 7 digits"},
		{"0852-1234-5678-9012", "not an Indonesian number: it has 15 digits"},
		{"+62 852", "not an Indonesian number"},
		{"+1 234 567 890 123 456", "too long for a phone number: 16 digits"},
		{"+65 123", "too short"},
		{"+0852 1234 5678", "a country code never starts with 0"},
		{"---", "has no digits"},
	}
	for _, tt := range bad {
		got, err := ParseWhatsApp(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseWhatsApp(%q) = %q, %v; want an error saying %q", tt.in, got, err, tt.msg)
		}
	}
}

// TestReadableNumber: where a link cannot be tapped, the number is
// written as people read it aloud and type it.
func TestReadableNumber(t *testing.T) {
	tests := []struct{ e164, lang, want string }{
		{"+6285212345678", "id", "0852-1234-5678"},   // 12 digits: 4-4-4
		{"+628521234567", "id", "0852-1234-567"},     // 11: 4-4-3
		{"+6285212345", "id", "0852-12345"},          // 10: 4-5, one group of up to 5
		{"+62852123456789", "id", "0852-1234-56789"}, // 13: 4-4-5
		{"+62812345678", "id", "0812-345-678"},       // 10: 4-3-3
		{"+6285212345678", "en", "+62 852-1234-5678"},
		{"+622123456789", "id", "021-2345-6789"}, // Jakarta's 2-digit area code
		{"+62274123456", "id", "0274-123-456"},   // Yogyakarta's 3-digit one
		{"+6581234567", "id", "+65 8123 4567"},
		{"+60123456789", "id", "+60 1234 56789"},
		{"+14155550123", "en", "+1 415 555 0123"},
		{"+971501234567", "id", "+971 5012 34567"}, // a 3-digit country code
	}
	for _, tt := range tests {
		if got := readableNumber(tt.e164, tt.lang); got != tt.want {
			t.Errorf("readableNumber(%s, %s) = %q, want %q", tt.e164, tt.lang, got, tt.want)
		}
	}
}

// TestWhatsAppOrderLink: a number or wa.me link in any spelling is
// published as https://wa.me/<digits> with its message, never with a
// space or a national 0; on Instagram and TikTok the number is written
// instead.
func TestWhatsAppOrderLink(t *testing.T) {
	const msg = "?text=Halo%2C%20saya%20mau%20pesan%20Keripik"
	const link = "https://wa.me/6285212345678" + msg
	product := func(url, wa string) *serentak.Product {
		return &serentak.Product{Name: "Keripik", Price: &serentak.Price{Amount: 25000, Currency: "IDR"}, URL: url, WhatsApp: wa}
	}
	tests := []struct {
		name     string
		product  *serentak.Product
		template *serentak.Template
		lang     string
		facebook string // Content.Link on Facebook
		order    string // the order line on Facebook
		caption  string // the order line on Instagram and TikTok
		warning  string // a warning about the post, when one is due
	}{
		{name: "wa.me with spaces and +", product: product("https://wa.me/+62 852-1234-5678", ""),
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678",
			warning: "the order link https://wa.me/+62 852-1234-5678 is published as https://wa.me/6285212345678"},
		{name: "wa.me with %20", product: product("https://wa.me/+62%20852%201234%205678", ""),
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678", warning: "is published as"},
		{name: "wa.me with the national 0", product: product("https://wa.me/085212345678", ""),
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678", warning: "is published as"},
		{name: "wa.me without https", product: product("wa.me/0852-1234-5678", ""),
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678", warning: "is published as"},
		{name: "wa.me already right", product: product("https://wa.me/6285212345678", ""),
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678"},
		{name: "wa.me keeps its own message", product: product("https://wa.me/0852 1234 5678?text=Halo%20kak", ""),
			facebook: "https://wa.me/6285212345678?text=Halo%20kak", order: "Pesan sekarang: https://wa.me/6285212345678?text=Halo%20kak",
			caption: "Pesan sekarang: WA 0852-1234-5678", warning: "is published as"},
		{name: "api.whatsapp.com with the national 0", product: product("https://api.whatsapp.com/send?phone=0852-1234-5678", ""),
			facebook: "https://api.whatsapp.com/send?phone=6285212345678&text=Halo%2C%20saya%20mau%20pesan%20Keripik",
			order:    "Pesan sekarang: https://api.whatsapp.com/send?phone=6285212345678&text=Halo%2C%20saya%20mau%20pesan%20Keripik",
			caption:  "Pesan sekarang: WA 0852-1234-5678", warning: "is published as"},
		{name: "a plain number in url", product: product("0852-1234-5678", ""),
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678"},
		{name: "a plain +62 number in url", product: product("+62 852 1234 5678", ""),
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678"},
		{name: "whatsapp alone", product: product("", "0852-1234-5678"),
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678"},
		{name: "whatsapp alone, 62 and dots", product: product("", "62.852.1234.5678"),
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678"},
		{name: "whatsapp alone, in English", product: product("", "0852-1234-5678"), lang: "en",
			facebook: "https://wa.me/6285212345678?text=Hello%2C%20I%27d%20like%20to%20order%20Keripik",
			order:    "Order now: https://wa.me/6285212345678?text=Hello%2C%20I%27d%20like%20to%20order%20Keripik",
			caption:  "Order now: WA +62 852-1234-5678"},
		{name: "url and whatsapp: url is the order link, the number is shown where links cannot be tapped",
			product:  product("https://toko.example.com/keripik", "0852-1234-5678"),
			facebook: "https://toko.example.com/keripik", order: "Pesan sekarang: https://toko.example.com/keripik",
			caption: "Pesan sekarang: WA 0852-1234-5678"},
		{name: "a Singapore number", product: product("", "+65 8123 4567"),
			facebook: "https://wa.me/6581234567" + msg, order: "Pesan sekarang: https://wa.me/6581234567" + msg,
			caption: "Pesan sekarang: WA +65 8123 4567"},
		{name: "a shop link is shown to copy", product: product("https://toko.example.com/keripik", ""),
			facebook: "https://toko.example.com/keripik", order: "Pesan sekarang: https://toko.example.com/keripik",
			caption: "Link pemesanan: https://toko.example.com/keripik"},
		{name: "a shop link with a space is encoded", product: product("https://toko.example.com/keripik pedas", ""),
			facebook: "https://toko.example.com/keripik%20pedas", order: "Pesan sekarang: https://toko.example.com/keripik%20pedas",
			caption: "Link pemesanan: https://toko.example.com/keripik%20pedas"},
		{name: "a workspace's link-in-bio words replace a shop link", product: product("https://toko.example.com/keripik", ""),
			template: &serentak.Template{LinkInBio: "ada di bio ☝️"},
			facebook: "https://toko.example.com/keripik", order: "Pesan sekarang: https://toko.example.com/keripik",
			caption: "Pesan sekarang: ada di bio ☝️"},
		{name: "but not a WhatsApp number", product: product("https://wa.me/6285212345678", ""),
			template: &serentak.Template{LinkInBio: "ada di bio ☝️"},
			facebook: link, order: "Pesan sekarang: " + link, caption: "Pesan sekarang: WA 0852-1234-5678"},
		{name: "wa.me/message short links are kept", product: product("https://wa.me/message/ABCDEF123", ""),
			facebook: "https://wa.me/message/ABCDEF123", order: "Pesan sekarang: https://wa.me/message/ABCDEF123",
			caption: "Link pemesanan: https://wa.me/message/ABCDEF123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Product: tt.product, Language: tt.lang, Template: tt.template}
			prepared, warnings, errs := Prepare(in)
			if len(errs) > 0 {
				t.Fatalf("Prepare: errors %v", errs)
			}
			if tt.warning == "" && len(warnings) > 0 {
				t.Errorf("unexpected warnings %q", warnings)
			} else if tt.warning != "" {
				wantContains(t, warnings, tt.warning)
			}
			for _, p := range serentak.Platforms {
				in := prepared
				in.Media = mediaFor(p)
				r := Fit(p, in, Target{})
				checkInvariants(t, p, in, Target{}, r)
				if len(r.Errors) > 0 || len(r.Warnings) > 0 {
					t.Fatalf("%s: errors %v, warnings %q (a prepared post has none left)", p, r.Errors, r.Warnings)
				}
				line := tt.order
				if p == serentak.Instagram || p == serentak.TikTok {
					line = tt.caption
				}
				if !strings.Contains(r.Content.Text, "\n\n"+line) {
					t.Errorf("%s: text lacks %q:\n%s", p, line, r.Content.Text)
				}
				if strings.Contains(r.Content.Text+r.Content.Link, " 0852") && !strings.Contains(line, "0852") {
					t.Errorf("%s: the national number leaked into a link: %q", p, r.Content.Text)
				}
				if p == serentak.Facebook && r.Content.Link != tt.facebook {
					t.Errorf("facebook: link %q, want %q", r.Content.Link, tt.facebook)
				}
			}
			// Fit alone, on the post as given, says the same.
			r := Fit(serentak.Facebook, Input{Product: tt.product, Language: tt.lang, Template: tt.template, Media: mediaFor(serentak.Facebook)}, Target{})
			if r.Content.Link != tt.facebook || len(r.Errors) > 0 {
				t.Errorf("Fit on the raw post: link %q, errors %v; want %q", r.Content.Link, r.Errors, tt.facebook)
			}
		})
	}
}

// TestBadWhatsApp: a number that cannot be one is refused on the field
// that holds it, never published.
func TestBadWhatsApp(t *testing.T) {
	tests := []struct {
		name    string
		product serentak.Product
		field   string
		msg     string
	}{
		{"letters in whatsapp", serentak.Product{Name: "Kue", WhatsApp: "0852-KUE-ENAK"}, "product.whatsapp", "has letters"},
		{"too short in whatsapp", serentak.Product{Name: "Kue", WhatsApp: "0852-1234"}, "product.whatsapp", "not an Indonesian number"},
		{"too long in whatsapp", serentak.Product{Name: "Kue", WhatsApp: "+1 234 567 890 123 456"}, "product.whatsapp", "too long"},
		{"too short in a wa.me link", serentak.Product{Name: "Kue", URL: "https://wa.me/0852-1234"}, "product.url", "the number in this wa.me link cannot be read"},
		{"letters in a wa.me link", serentak.Product{Name: "Kue", URL: "https://wa.me/tokobudi"}, "product.url", "has letters"},
		{"too short as a plain number", serentak.Product{Name: "Kue", URL: "0852 1234"}, "product.url", "not an Indonesian number"},
		{"neither a link nor a number", serentak.Product{Name: "Kue", URL: "toko budi"}, "product.url", "must be a full http(s) address"},
		{"a bad phone in api.whatsapp.com", serentak.Product{Name: "Kue", URL: "https://api.whatsapp.com/send?phone=0852"}, "product.url", "the phone number in this WhatsApp link cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, errs := Prepare(Input{Product: &tt.product})
			if len(errs) != 1 || errs[0].Field != tt.field || errs[0].Code != codeInvalid || !strings.Contains(errs[0].Message, tt.msg) {
				t.Fatalf("Prepare errors = %+v; want one on %s saying %q", errs, tt.field, tt.msg)
			}
			r := Fit(serentak.Facebook, Input{Product: &tt.product, Media: []serentak.MediaRef{jpeg}}, Target{})
			if diff := cmp.Diff(errs, r.Errors); diff != "" {
				t.Errorf("Fit reports other errors than Prepare (-prepare +fit):\n%s", diff)
			}
			if r.Content.Link != "" || strings.Contains(r.Content.Text, "wa.me") {
				t.Errorf("a bad number was published: %q / %q", r.Content.Link, r.Content.Text)
			}
		})
	}
}

// FuzzParseWhatsApp: whatever is typed, a number read is E.164 (a '+',
// no leading 0, 7 to 15 digits), reads back as itself, and so does the
// way it is written for buyers: typing "WA 0852-1234-5678" back gives the
// same chat.
func FuzzParseWhatsApp(f *testing.F) {
	for _, s := range []string{"0852-1234-5678", "+62 (0)852 1234 5678", "852.1234.5678", "+65 8123 4567", "+1 415 555 0123",
		"0062 21 2345 6789", "(+971) 50 123 4567", "8", "+", "00", "0(0)0", "٠٨٥٢"} {
		f.Add(s)
	}
	e164 := regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseWhatsApp(s)
		if err != nil {
			return
		}
		if !e164.MatchString(n) {
			t.Fatalf("ParseWhatsApp(%q) = %q, not E.164", s, n)
		}
		if again, err := ParseWhatsApp(n); again != n || err != nil {
			t.Fatalf("ParseWhatsApp(%q) = %q, %v; want it unchanged", n, again, err)
		}
		for _, lang := range []string{"id", "en"} {
			shown := readableNumber(n, lang)
			if back, err := ParseWhatsApp(shown); back != n || err != nil {
				t.Fatalf("%s is written %q (%s), which reads back as %q, %v", n, shown, lang, back, err)
			}
		}
	})
}
