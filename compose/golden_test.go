package compose

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/serentak/serentak"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// variant is one platform with media it takes.
type variant struct {
	name  string
	p     serentak.Platform
	media []serentak.MediaRef
}

var variants = []variant{
	{"facebook", serentak.Facebook, []serentak.MediaRef{jpeg}},
	{"instagram", serentak.Instagram, []serentak.MediaRef{jpeg}},
	{"youtube", serentak.YouTube, []serentak.MediaRef{mp4}},
	{"tiktok-video", serentak.TikTok, []serentak.MediaRef{mp4}},
	{"tiktok-photo", serentak.TikTok, []serentak.MediaRef{jpeg, webp}},
}

// goldenCases are posts whose composed content is kept in
// testdata/<name>.golden for every variant and both languages.
func goldenCases() []struct {
	name   string
	in     Input
	target Target
} {
	idr := &serentak.Price{Amount: 25000, Currency: "IDR"}
	sentence := "Keripik singkong pilihan dari Garut, digoreng dengan minyak baru setiap pagi dan dibumbui cabai rawit asli. "
	long := strings.Repeat(sentence, 5000/len(sentence)+1)[:5000]
	return []struct {
		name   string
		in     Input
		target Target
	}{
		{"basic", Input{Product: keripik(), Hashtags: []string{"umkm", "#keripik"}}, Target{}},
		{"usd", Input{Product: &serentak.Product{Name: "Kopi Gayo", Price: &serentak.Price{Amount: 4.5, Currency: "USD"},
			Description: "Single origin arabica from Aceh.", URL: "https://toko.example.com/kopi-gayo?ref=social"}, Hashtags: []string{"kopi"}}, Target{}},
		{"no-description", Input{Product: &serentak.Product{Name: "Sambal Bu Rini", Price: &serentak.Price{Amount: 1250000, Currency: "IDR"},
			URL: "https://wa.me/6281234567890"}}, Target{}},
		{"hashtags-40", Input{Product: keripik(), Hashtags: repeat(40, func(i int) string { return fmt.Sprintf("tag%02d", i) })}, Target{}},
		{"description-5000", Input{Product: &serentak.Product{Name: "Keripik Garut", Price: idr, Description: long,
			URL: "https://wa.me/6281234567890"}, Hashtags: []string{"umkm", "garut"}}, Target{}},
		{"emoji-at-cut", Input{Product: &serentak.Product{Name: "Keripik " + chili, Price: idr,
			Description: strings.Repeat("Pedas"+chili+thumbsUp+" mantap"+keycap1+" ", 300), URL: "https://wa.me/6281234567890"}}, Target{}},
		{"combining", Input{Product: &serentak.Product{Name: "Cafe\u0301 Kopi", Price: idr,
			Description: "Cre\u0301me bru\u0302le\u0301e " + strings.Repeat(eAcute, 6000), URL: "https://wa.me/6281234567890"}}, Target{}},
		{"flags", Input{Product: &serentak.Product{Name: "Bendera " + flagID, Price: idr,
			Description: "Kirim ke " + strings.Repeat(flagID+flagJP, 800), URL: "https://wa.me/6281234567890"}}, Target{}},
		{"zwj-family", Input{Product: &serentak.Product{Name: "Paket Keluarga " + family, Price: idr,
			Description: "Untuk keluarga " + strings.Repeat(family, 700), URL: "https://wa.me/6281234567890"}}, Target{}},
		{"long-word", Input{Product: &serentak.Product{Name: strings.Repeat("Keripik", 43)[:300], Price: idr,
			Description: "Super" + strings.Repeat("renyah", 1000), URL: "https://wa.me/6281234567890"}}, Target{}},
		{"arabic", Input{Product: &serentak.Product{Name: "كريبيك حار", Price: &serentak.Price{Amount: 4.5, Currency: "EUR"},
			Description: strings.Repeat(arabic+" "+harakat+" ", 120), URL: "https://wa.me/6281234567890"}, Hashtags: []string{"حلويات", "umkm"}}, Target{}},
		{"discount-cta", Input{Product: &serentak.Product{Name: "Keripik Singkong Pedas", Price: idr,
			CompareAtPrice: &serentak.Price{Amount: 31250, Currency: "IDR"}, Description: "Renyah, pedas, tanpa pengawet.",
			URL: "https://wa.me/6281234567890", CTA: "Pesan lewat WhatsApp ya kak " + thumbsUp}, Hashtags: []string{"umkm"}}, Target{}},
		{"workspace-template", Input{Product: &serentak.Product{Name: "Kopi Gayo", Price: &serentak.Price{Amount: 4.5, Currency: "USD"},
			CompareAtPrice: &serentak.Price{Amount: 5.99, Currency: "USD"}, Description: "Single origin arabica from Aceh.",
			URL: "https://wa.me/6281234567890"}, Hashtags: []string{"kopi"},
			Template: &serentak.Template{NameSeparator: " | ", WhatsAppGreeting: "Hi! I want ", DiscountLine: "Save {percent}%: {compare_at} → {price}",
				Footer: "Open daily 8am–8pm · Jl. Merdeka 5, Garut"}}, Target{}},
		{"whatsapp-spellings", Input{Product: &serentak.Product{Name: "Bakpia Pathok", Price: &serentak.Price{Amount: 30000, Currency: "IDR"},
			Description: "Isi kacang hijau, baru dipanggang.", URL: "https://wa.me/+62 852-1234-5678"},
			Hashtags: []string{"oleh-oleh", "#jogja", "kue kering", "", "!!"}}, Target{}},
		{"shop-and-whatsapp", Input{Product: &serentak.Product{Name: "Bakpia Pathok", Price: &serentak.Price{Amount: 30000, Currency: "IDR"},
			URL: "https://toko.example.com/bakpia", WhatsApp: "0852 1234 5678"}, Hashtags: []string{"jogja"}}, Target{}},
		{"link-in-bio", Input{Product: &serentak.Product{Name: "Bakpia Pathok", Price: &serentak.Price{Amount: 30000, Currency: "IDR"},
			URL: "https://toko.example.com/bakpia"}, Template: &serentak.Template{LinkInBio: "ada di bio ☝️"}}, Target{}},
		{"given-caption", Input{Product: keripik(), Caption: "Promo hari ini! #UMKM diskon 10% untuk @pelanggan setia.",
			Hashtags: []string{"umkm", "keripik"}}, Target{Title: "Promo <Keripik>"}},
	}
}

func TestGolden(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			var b strings.Builder
			for _, v := range variants {
				for _, lang := range []string{"id", "en"} {
					in := gc.in
					in.Language = lang
					in.Media = v.media
					r := Fit(v.p, in, gc.target)
					checkInvariants(t, v.p, in, gc.target, r)
					if len(r.Errors) > 0 {
						t.Errorf("%s/%s: unexpected errors %v", v.name, lang, r.Errors)
					}
					writeResult(&b, v.name+" "+lang, r)
				}
			}
			path := filepath.Join("testdata", gc.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./compose -run TestGolden -update to create it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("output differs from %s (run with -update after checking the change):\n%s", path, firstDifference(string(want), got))
			}
		})
	}
}

func writeResult(b *strings.Builder, name string, r Result) {
	fmt.Fprintf(b, "### %s\n", name)
	fmt.Fprintf(b, "title: %q\n", r.Content.Title)
	if r.Content.Link != "" {
		fmt.Fprintf(b, "link: %s\n", r.Content.Link)
	}
	for _, s := range r.Shortened {
		fmt.Fprintf(b, "shortened: %s\n", s)
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(b, "warning: %s\n", s)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(b, "error: %s %s: %s\n", e.Field, e.Code, e.Message)
	}
	fmt.Fprintf(b, "text:\n%s\n\n", r.Content.Text)
}

func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, trunc(w), trunc(g))
		}
	}
	return ""
}

func trunc(s string) string {
	if len(s) > 200 {
		return s[:200] + "[…]"
	}
	return s
}

// checkInvariants checks what every result promises, however it was made:
// valid UTF-8; within the platform's limits as the platform counts unless
// a fault says otherwise; a composed text that carries the name, price and
// order link; and no grapheme cut in two where text was shortened.
func checkInvariants(t *testing.T, p serentak.Platform, in Input, tg Target, r Result) {
	t.Helper()
	c := r.Content
	for what, s := range map[string]string{"text": c.Text, "title": c.Title, "link": c.Link} {
		if !utf8.ValidString(s) {
			t.Errorf("%s: %s is not valid UTF-8: %+q", p, what, s)
		}
	}
	faults := map[string]bool{}
	for _, e := range r.Errors {
		faults[e.Code] = true
	}
	photo := p == serentak.TikTok && tiktokPhotoMode(in.Media)
	textMax, textMeasure, titleMax := 0, utf16Units, 0
	switch {
	case p == serentak.Facebook:
		textMax = 63206
	case p == serentak.Instagram:
		textMax = 2200
	case p == serentak.YouTube:
		textMax, textMeasure, titleMax = 5000, utf8Bytes, 100
	case photo:
		textMax, titleMax = 4000, 90
	case p == serentak.TikTok:
		textMax = 2200
	}
	if !faults[codeTooLong] && textMax > 0 {
		if n := textMeasure.count(c.Text); n > textMax {
			t.Errorf("%s: text is %d long, over %d", p, n, textMax)
		}
		if n := utf16Units.count(c.Title); titleMax > 0 && n > titleMax {
			t.Errorf("%s: title is %d long, over %d", p, n, titleMax)
		}
	}
	if p == serentak.Instagram && !faults[codeTooManyHashtags] && len(hashtags(c.Text)) > 30 {
		t.Errorf("instagram: %d hashtags", len(hashtags(c.Text)))
	}
	if p == serentak.Instagram && !faults[codeTooManyMentions] && len(mentions(c.Text)) > 20 {
		t.Errorf("instagram: %d mentions", len(mentions(c.Text)))
	}
	if p == serentak.YouTube && strings.ContainsAny(c.Title+c.Text, "<>") {
		t.Errorf("youtube: '<' or '>' left in %q / %q", c.Title, c.Text)
	}

	pr := in.Product
	composed := strings.TrimSpace(in.Caption) == "" && strings.TrimSpace(tg.Caption) == ""
	if pr == nil || len(r.Errors) > 0 {
		return
	}
	name := oneLine(clean(pr.Name))
	desc := clean(pr.Description)
	if p == serentak.YouTube {
		name, desc = stripAngles(name), stripAngles(desc)
	}
	if composed {
		tmpl := TemplateFor(in.Language)
		if in.Template != nil {
			tmpl = tmpl.Merge(*in.Template)
		}
		head := name
		if pr.Price != nil {
			price := FormatPrice(*pr.Price, in.Language)
			head += tmpl.NameSeparator + price
			if p == serentak.YouTube {
				head = stripAngles(head)
			}
			if !strings.Contains(c.Text, price) {
				t.Errorf("%s: composed text lacks the price %q", p, price)
			}
		}
		if !strings.HasPrefix(c.Text, head) {
			t.Errorf("%s: composed text does not start with the name and price %q", p, head)
		}
		order := wantOrder(p, in, tmpl)
		if order != "" && !strings.Contains(c.Text, order) {
			t.Errorf("%s: composed text lacks the order link %q", p, order)
		}
		if cta := oneLine(clean(pr.CTA)); cta != "" {
			if p == serentak.YouTube {
				cta = stripAngles(cta)
			}
			if order != "" {
				cta += " " + order
			}
			if !strings.Contains(c.Text, cta) {
				t.Errorf("%s: composed text lacks the call to action %q", p, cta)
			}
		}
		// The discount line, when announced, is the second line.
		if _, second, ok := strings.Cut(c.Text, "\n"); ok && pr.CompareAtPrice != nil {
			line, _, _ := strings.Cut(second, "\n")
			if strings.Contains(line, FormatPrice(*pr.CompareAtPrice, in.Language)) {
				head += "\n" + line
			}
		}
		if rest, ok := strings.CutPrefix(c.Text, head+"\n\n"); ok {
			checkCut(t, string(p)+" description", desc, rest)
		}
	}
	if titleMax > 0 && strings.TrimSpace(tg.Title) == "" {
		checkCut(t, string(p)+" title", name, c.Title)
	}
	prepared, _, _ := Prepare(in)
	if u := prepared.Product.URL; p == serentak.Facebook && u != "" && in.Tracked == nil && !strings.HasPrefix(c.Link, u) {
		t.Errorf("facebook: link %q is not the order link %q", c.Link, u)
	}
	if p == serentak.Facebook && in.Tracked != nil && (prepared.Product.URL != "" || prepared.Product.WhatsApp != "") && c.Link != in.Tracked.URL {
		t.Errorf("facebook: link %q is not the tracked link %q", c.Link, in.Tracked.URL)
	}
	for _, s := range []string{c.Text, c.Link} {
		if bad := brokenChatLink.FindString(s); bad != "" {
			t.Errorf("%s: a wa.me link without its number in international digits: %q", p, bad)
		}
	}
}

// brokenChatLink finds a wa.me link whose number wa.me cannot open: with
// a '+', a national 0 or a space where the digits are.
var chatLink = regexp.MustCompile(`^https://(wa\.me/\d+([?#]|$)|api\.whatsapp\.com/send/?\?(.*&)?phone=\d)`)

var brokenChatLink = regexp.MustCompile(`wa\.me/(\+|0|%20|\d+(%20| )\d)`)

// wantOrder returns what a composed text must show for ordering, as the
// package promises: the order link where links can be tapped; on Instagram
// and TikTok "WA " before the number of a WhatsApp order, else the
// template's link-in-bio words, else the link.
func wantOrder(p serentak.Platform, in Input, tmpl serentak.Template) string {
	prepared, _, _ := Prepare(in)
	pr := prepared.Product
	link := pr.URL
	if link == "" && pr.WhatsApp != "" {
		link = "https://wa.me/" + strings.TrimPrefix(pr.WhatsApp, "+")
	}
	if link == "" {
		return ""
	}
	if in.Tracked != nil {
		link = in.Tracked.URL
	}
	if p != serentak.Instagram && p != serentak.TikTok {
		return link
	}
	if pr.WhatsApp != "" || chatLink.MatchString(pr.URL) {
		return "WA "
	}
	if tmpl.LinkInBio != "" {
		return oneLine(clean(tmpl.LinkInBio))
	}
	return link
}

// checkCut checks that out, which starts with src or a shortened src,
// did not cut src inside a grapheme.
func checkCut(t *testing.T, what, src, out string) {
	t.Helper()
	n := 0
	for n < len(src) && n < len(out) && src[n] == out[n] {
		n++
	}
	for n > 0 && n < len(src) && !utf8.RuneStart(src[n]) {
		n-- // out went on with a different rune sharing leading bytes
	}
	if n < len(src) && !refBoundary(src, n) {
		r, _ := utf8.DecodeRuneInString(src[n:])
		t.Errorf("%s: cut inside a grapheme at byte %d, before %U: %+q", what, n, r, src[max(0, n-12):n])
	}
}
