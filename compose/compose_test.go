package compose

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/serentak/serentak"
)

var (
	jpeg  = serentak.MediaRef{URL: "https://cdn.example.com/keripik.jpg", Kind: serentak.MediaImage, ContentType: "image/jpeg"}
	png   = serentak.MediaRef{URL: "https://cdn.example.com/keripik.png", Kind: serentak.MediaImage, ContentType: "image/png"}
	webp  = serentak.MediaRef{URL: "https://cdn.example.com/keripik.webp", Kind: serentak.MediaImage, ContentType: "image/webp"}
	photo = serentak.MediaRef{URL: "https://cdn.example.com/keripik", Kind: serentak.MediaImage} // type unknown
	mp4   = serentak.MediaRef{URL: "https://cdn.example.com/keripik.mp4", Kind: serentak.MediaVideo, ContentType: "video/mp4"}
)

func keripik() *serentak.Product {
	return &serentak.Product{
		Name:        "Keripik Singkong Pedas",
		Price:       &serentak.Price{Amount: 25000, Currency: "IDR"},
		Description: "Renyah, pedas, tanpa pengawet.",
		URL:         "https://wa.me/6281234567890",
	}
}

// mediaFor returns media each platform takes, for tests about text.
func mediaFor(p serentak.Platform) []serentak.MediaRef {
	switch p {
	case serentak.YouTube, serentak.TikTok:
		return []serentak.MediaRef{mp4}
	}
	return []serentak.MediaRef{jpeg}
}

func repeat(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func TestComposeBasic(t *testing.T) {
	const waLink = "https://wa.me/6281234567890?text=Halo%2C%20saya%20mau%20pesan%20Keripik%20Singkong%20Pedas"
	in := Input{Product: keripik(), Hashtags: []string{"umkm", "#keripik"}}
	tests := []struct {
		p    serentak.Platform
		lang string
		want serentak.Content
	}{
		{serentak.Facebook, "", serentak.Content{
			Text: "Keripik Singkong Pedas – Rp25.000\n\nRenyah, pedas, tanpa pengawet.\n\nPesan sekarang: " + waLink + "\n\n#umkm #keripik",
			Link: waLink,
		}},
		{serentak.Instagram, "id", serentak.Content{
			// Instagram's links cannot be tapped: the WhatsApp number is
			// written for the buyer to type.
			Text: "Keripik Singkong Pedas – Rp25.000\n\nRenyah, pedas, tanpa pengawet.\n\nPesan sekarang: WA 0812-3456-7890\n\n#umkm #keripik",
		}},
		{serentak.Instagram, "en", serentak.Content{
			// In English, for buyers abroad, with the country code.
			Text: "Keripik Singkong Pedas – Rp25.000\n\nRenyah, pedas, tanpa pengawet.\n\nOrder now: WA +62 812-3456-7890\n\n#umkm #keripik",
		}},
		{serentak.YouTube, "id", serentak.Content{
			Title: "Keripik Singkong Pedas – Rp25.000",
			Text:  "Keripik Singkong Pedas – Rp25.000\n\nRenyah, pedas, tanpa pengawet.\n\nPesan sekarang: " + waLink + "\n\n#umkm #keripik",
		}},
		{serentak.TikTok, "id", serentak.Content{
			Text: "Keripik Singkong Pedas – Rp25.000\n\nRenyah, pedas, tanpa pengawet.\n\nPesan sekarang: WA 0812-3456-7890\n\n#umkm #keripik",
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.p)+"/"+tt.lang, func(t *testing.T) {
			in := in
			in.Language = tt.lang
			in.Media = mediaFor(tt.p)
			tt.want.Media = in.Media
			r := Fit(tt.p, in, Target{})
			if len(r.Errors) > 0 {
				t.Fatalf("Fit: unexpected errors %v", r.Errors)
			}
			if diff := cmp.Diff(tt.want, r.Content); diff != "" {
				t.Errorf("Fit(%s) (-want +got):\n%s", tt.p, diff)
			}
		})
	}
}

func TestComposeChoices(t *testing.T) {
	tests := []struct {
		name   string
		p      serentak.Platform
		in     Input
		target Target
		check  func(t *testing.T, r Result)
	}{
		{
			name: "given caption is kept and hashtags already in it are not repeated",
			p:    serentak.Instagram,
			in:   Input{Caption: "  Keripik baru! #UMKM  ", Hashtags: []string{"umkm", "keripik", "Keripik", "##pedas", " "}, Media: []serentak.MediaRef{jpeg}},
			check: func(t *testing.T, r Result) {
				equal(t, "Keripik baru! #UMKM\n\n#keripik #pedas", r.Content.Text)
			},
		},
		{
			name:   "target caption wins over the post caption",
			p:      serentak.TikTok,
			in:     Input{Caption: "post caption", Product: keripik(), Media: []serentak.MediaRef{mp4}},
			target: Target{Caption: "target caption"},
			check: func(t *testing.T, r Result) {
				equal(t, "target caption", r.Content.Text)
			},
		},
		{
			name: "Facebook link and text keep the shop URL unchanged when it is not WhatsApp",
			p:    serentak.Facebook,
			in:   Input{Product: &serentak.Product{Name: "Kopi", Price: &serentak.Price{Amount: 4.5, Currency: "USD"}, URL: "https://toko.example.com/kopi?ref=ig"}, Language: "en"},
			check: func(t *testing.T, r Result) {
				equal(t, "Kopi – $4.50\n\nOrder now: https://toko.example.com/kopi?ref=ig", r.Content.Text)
				equal(t, "https://toko.example.com/kopi?ref=ig", r.Content.Link)
			},
		},
		{
			name: "a WhatsApp link keeps its query and gets the message",
			p:    serentak.Facebook,
			in:   Input{Product: &serentak.Product{Name: "Kue & Roti", URL: "https://api.whatsapp.com/send?phone=6281234567890"}},
			check: func(t *testing.T, r Result) {
				equal(t, "https://api.whatsapp.com/send?phone=6281234567890&text=Halo%2C%20saya%20mau%20pesan%20Kue%20%26%20Roti", r.Content.Link)
			},
		},
		{
			name: "a WhatsApp link with a message is left alone",
			p:    serentak.Facebook,
			in:   Input{Product: &serentak.Product{Name: "Kue", URL: "https://wa.me/6281234567890?text=Halo"}},
			check: func(t *testing.T, r Result) {
				equal(t, "https://wa.me/6281234567890?text=Halo", r.Content.Link)
			},
		},
		{
			name:   "Facebook video title: target title, else the product name",
			p:      serentak.Facebook,
			in:     Input{Product: keripik(), Media: []serentak.MediaRef{mp4}},
			target: Target{},
			check: func(t *testing.T, r Result) {
				equal(t, "Keripik Singkong Pedas", r.Content.Title)
			},
		},
		{
			name:   "Facebook photos have no title",
			p:      serentak.Facebook,
			in:     Input{Product: keripik(), Media: []serentak.MediaRef{jpeg}},
			target: Target{Title: "Judul"},
			check: func(t *testing.T, r Result) {
				equal(t, "", r.Content.Title)
				wantContains(t, r.Warnings, "title is not used")
			},
		},
		{
			name:   "YouTube target title has angle brackets removed",
			p:      serentak.YouTube,
			in:     Input{Product: keripik(), Media: []serentak.MediaRef{mp4}},
			target: Target{Title: "Keripik <3 enak>"},
			check: func(t *testing.T, r Result) {
				equal(t, "Keripik 3 enak", r.Content.Title)
				wantContains(t, r.Warnings, "removed '<' and '>' from the title")
			},
		},
		{
			name: "YouTube composed title shortens the name and keeps the price",
			p:    serentak.YouTube,
			in:   Input{Product: &serentak.Product{Name: strings.Repeat("Keripik Singkong ", 10) + "<Pedas>", Price: &serentak.Price{Amount: 25000, Currency: "IDR"}}, Media: []serentak.MediaRef{mp4}},
			check: func(t *testing.T, r Result) {
				equal(t, strings.TrimSpace(strings.Repeat("Keripik Singkong ", 5))+"…"+" – Rp25.000", r.Content.Title)
				wantContains(t, r.Shortened, "title shortened")
			},
		},
		{
			name: "YouTube title from the caption's first line when there is no product",
			p:    serentak.YouTube,
			in:   Input{Caption: "\nPromo Lebaran <hari ini>\nDiskon 20%", Media: []serentak.MediaRef{mp4}},
			check: func(t *testing.T, r Result) {
				equal(t, "Promo Lebaran hari ini", r.Content.Title)
				equal(t, "Promo Lebaran hari ini\nDiskon 20%", r.Content.Text)
			},
		},
		{
			name: "TikTok photo post: title from the product, description is the text",
			p:    serentak.TikTok,
			in:   Input{Product: keripik(), Media: []serentak.MediaRef{jpeg, webp}},
			check: func(t *testing.T, r Result) {
				equal(t, "Keripik Singkong Pedas – Rp25.000", r.Content.Title)
				if !strings.Contains(r.Content.Text, "Renyah") {
					t.Errorf("Text = %q, want the description", r.Content.Text)
				}
			},
		},
		{
			name: "no description, no price",
			p:    serentak.Instagram,
			in:   Input{Product: &serentak.Product{Name: "Sambal Bu Rini", URL: "https://toko.example.com/sambal"}, Media: []serentak.MediaRef{jpeg}},
			check: func(t *testing.T, r Result) {
				equal(t, "Sambal Bu Rini\n\nLink pemesanan: https://toko.example.com/sambal", r.Content.Text)
			},
		},
		{
			name: "no order link is a warning",
			p:    serentak.Facebook,
			in:   Input{Product: &serentak.Product{Name: "Sambal"}},
			check: func(t *testing.T, r Result) {
				equal(t, "Sambal", r.Content.Text)
				wantContains(t, r.Warnings, "no order link")
			},
		},
		{
			// Instagram's app has allowed 5 hashtags since December 2025
			// (the API reference still says 30): 5 is the default cap.
			name: "Instagram: 40 hashtags, the first 5 kept by default",
			p:    serentak.Instagram,
			in:   Input{Product: keripik(), Hashtags: repeat(40, func(i int) string { return fmt.Sprintf("tag%d", i) }), Media: []serentak.MediaRef{jpeg}},
			check: func(t *testing.T, r Result) {
				got := hashtags(r.Content.Text)
				if len(got) != 5 || got[0] != "tag0" || got[4] != "tag4" {
					t.Errorf("hashtags = %v, want tag0…tag4", got)
				}
				wantContains(t, r.Shortened, "35 hashtags left out: Instagram captions take at most 5 hashtags")
			},
		},
		{
			// SERENTAK_INSTAGRAM_MAX_HASHTAGS=30 restores the API
			// reference's cap.
			name: "Instagram: 40 hashtags, the first 30 kept with a cap of 30",
			p:    serentak.Instagram,
			in: Input{Product: keripik(), Hashtags: repeat(40, func(i int) string { return fmt.Sprintf("tag%d", i) }), Media: []serentak.MediaRef{jpeg},
				Rules: Rules{InstagramMaxHashtags: 30}},
			check: func(t *testing.T, r Result) {
				got := hashtags(r.Content.Text)
				if len(got) != 30 || got[0] != "tag0" || got[29] != "tag29" {
					t.Errorf("hashtags = %v, want tag0…tag29", got)
				}
				wantContains(t, r.Shortened, "10 hashtags left out")
			},
		},
		{
			name: "Instagram: hashtags in the given caption use up the cap",
			p:    serentak.Instagram,
			in: Input{Caption: "#" + strings.Join(repeat(28, func(i int) string { return fmt.Sprintf("c%d", i) }), " #"),
				Hashtags: []string{"c0", "a", "b", "c"}, Media: []serentak.MediaRef{jpeg}, Rules: Rules{InstagramMaxHashtags: 30}},
			check: func(t *testing.T, r Result) {
				if n := len(hashtags(r.Content.Text)); n != 30 {
					t.Errorf("%d hashtags, want 30", n)
				}
				if !strings.HasSuffix(r.Content.Text, "#a #b") {
					t.Errorf("Text ends %q, want #a #b appended", r.Content.Text[len(r.Content.Text)-20:])
				}
			},
		},
		{
			name: "a given caption that fits keeps itself whole; hashtags that do not fit are left out",
			p:    serentak.Instagram,
			in:   Input{Caption: strings.Repeat("a", 2190), Hashtags: []string{"umkm", "keripik"}, Media: []serentak.MediaRef{jpeg}},
			check: func(t *testing.T, r Result) {
				equal(t, strings.Repeat("a", 2190)+"\n\n#umkm", r.Content.Text)
				wantContains(t, r.Shortened, "1 hashtag left out")
			},
		},
		{
			name: "the description goes before the hashtags, and the name, price and link stay",
			p:    serentak.Instagram,
			in: Input{Product: &serentak.Product{Name: strings.Repeat("a", 2160), Description: "Renyah, pedas, tanpa pengawet.", URL: "https://t.co/x"},
				Hashtags: []string{"umkm", "keripik"}, Media: []serentak.MediaRef{jpeg}},
			check: func(t *testing.T, r Result) {
				equal(t, strings.Repeat("a", 2160)+"\n\nLink pemesanan: https://t.co/x\n\n#umkm", r.Content.Text)
				wantContains(t, r.Shortened, "description left out to fit the 2,200-character limit of Instagram captions")
				wantContains(t, r.Shortened, "1 hashtag left out to fit the 2,200-character limit of Instagram captions: #keripik")
			},
		},
		{
			name: "YouTube: 5000 bytes counted as bytes",
			p:    serentak.YouTube,
			in:   Input{Product: &serentak.Product{Name: "Kue", Description: strings.Repeat("é", 3000)}, Media: []serentak.MediaRef{mp4}},
			check: func(t *testing.T, r Result) {
				if n := len(r.Content.Text); n > 5000 || n < 4990 {
					t.Errorf("description is %d bytes, want just under 5000", n)
				}
			},
		},
		{
			name: "English language variant",
			p:    serentak.Facebook,
			in:   Input{Product: &serentak.Product{Name: "Tea", URL: "https://shop.example/tea"}, Language: "en-GB"},
			check: func(t *testing.T, r Result) {
				equal(t, "Tea\n\nOrder now: https://shop.example/tea", r.Content.Text)
				if len(r.Warnings) != 0 {
					t.Errorf("warnings %v, want none", r.Warnings)
				}
			},
		},
		{
			name: "an unknown language falls back to Indonesian with a warning",
			p:    serentak.Facebook,
			in:   Input{Product: &serentak.Product{Name: "Teh", URL: "https://shop.example/teh"}, Language: "fr"},
			check: func(t *testing.T, r Result) {
				equal(t, "Teh\n\nPesan sekarang: https://shop.example/teh", r.Content.Text)
				wantContains(t, r.Warnings, `language "fr" is not supported`)
			},
		},
		{
			name: "YouTube uses only the video",
			p:    serentak.YouTube,
			in:   Input{Product: keripik(), Media: []serentak.MediaRef{jpeg, mp4}},
			check: func(t *testing.T, r Result) {
				wantContains(t, r.Warnings, "media[0] (photo) left out: YouTube publishes one video; this target publishes media[1]")
				if len(r.Content.Media) != 1 || r.Content.Media[0] != mp4 || !slices.Equal(r.Media, []int{1}) {
					t.Errorf("Media = %v (%v), want the video alone", r.Content.Media, r.Media)
				}
				if !reflect.DeepEqual(r.Content.Warnings, r.Warnings) {
					t.Errorf("Content.Warnings = %v, want the warnings %v stored with the content", r.Content.Warnings, r.Warnings)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Fit(tt.p, tt.in, tt.target)
			if len(r.Errors) > 0 {
				t.Fatalf("Fit: unexpected errors %v", r.Errors)
			}
			tt.check(t, r)
			checkInvariants(t, tt.p, tt.in, tt.target, r)
		})
	}
}

func equal(t *testing.T, want, got string) {
	t.Helper()
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// wantContains takes notes of any type by their text (a Warning's is
// its English).
func wantContains[T any](t *testing.T, notes []T, part string) {
	t.Helper()
	for _, n := range notes {
		if strings.Contains(fmt.Sprint(n), part) {
			return
		}
	}
	t.Errorf("notes %v: none contains %q", notes, part)
}

func TestFitErrors(t *testing.T) {
	tooLong := strings.Repeat("a", 2201)
	tests := []struct {
		name   string
		p      serentak.Platform
		in     Input
		target Target
		want   []fe // message compared by prefix
	}{
		{"nothing to say", serentak.Facebook, Input{}, Target{},
			[]fe{{"caption", "required", "give a caption or a product to compose one from"}}},
		{"product without a name", serentak.Facebook, Input{Product: &serentak.Product{URL: "https://wa.me/6281234567890"}}, Target{},
			[]fe{{"product.name", "required", "a product needs a name"}}},
		{"bad order link", serentak.Facebook, Input{Product: &serentak.Product{Name: "Kue", URL: "toko.example.com/kue"}}, Target{},
			[]fe{{"product.url", "invalid", "the order link must be a full http(s) address"}}},
		{"a wa.me link with too short a number", serentak.Facebook, Input{Product: &serentak.Product{Name: "Kue", URL: "wa.me/62812"}}, Target{},
			[]fe{{"product.url", "invalid", `the number in this wa.me link cannot be read: "62812" is not an Indonesian number`}}},
		{"a WhatsApp number with letters", serentak.Facebook, Input{Product: &serentak.Product{Name: "Kue", WhatsApp: "0852-KUE-ENAK"}}, Target{},
			[]fe{{"product.whatsapp", "invalid", `"0852-KUE-ENAK" is not a phone number: it has letters`}}},
		{"an IDR price with decimals is refused, not rounded", serentak.Facebook, Input{Product: &serentak.Product{Name: "Kue", Price: &serentak.Price{Amount: 25000.5, Currency: "IDR"}}}, Target{},
			[]fe{{"product.price.amount", "invalid", "IDR prices are whole amounts, without decimals, so 25000.5 would have to be rounded; give 25000 or 25001"}}},
		{"a compare-at price too", serentak.Facebook, Input{Product: &serentak.Product{Name: "Kue", Price: &serentak.Price{Amount: 25000, Currency: "IDR"},
			CompareAtPrice: &serentak.Price{Amount: 31250.75, Currency: "IDR"}}}, Target{},
			[]fe{{"product.compare_at_price.amount", "invalid", "IDR prices are whole amounts, without decimals, so 31250.75 would have to be rounded; give 31250 or 31251"}}},
		{"a USD price with 3 decimals", serentak.Facebook, Input{Product: &serentak.Product{Name: "Kopi", Price: &serentak.Price{Amount: 4.995, Currency: "USD"}}}, Target{},
			[]fe{{"product.price.amount", "invalid", "USD prices have at most 2 decimals, so 4.995 would have to be rounded; give 4.99 or 5.00"}}},
		{"negative price", serentak.Facebook, Input{Product: &serentak.Product{Name: "Kue", Price: &serentak.Price{Amount: -1, Currency: "IDR"}}}, Target{},
			[]fe{{"product.price.amount", "invalid", "a price must be"}}},
		{"Instagram caption too long", serentak.Instagram, Input{Caption: tooLong, Media: []serentak.MediaRef{jpeg}}, Target{},
			[]fe{{"caption", "too_long", "Instagram captions are at most 2,200 characters (counted in UTF-16 units: an emoji takes 2); this one has 2,201"}}},
		{"Instagram target caption counted in UTF-16", serentak.Instagram, Input{Caption: "ok", Media: []serentak.MediaRef{jpeg}}, Target{Caption: strings.Repeat(thumbsUp, 551)},
			[]fe{{"target.caption", "too_long", "Instagram captions are at most 2,200 characters (counted in UTF-16 units: an emoji takes 2); this one has 2,204"}}},
		{"Instagram 6 hashtags in the caption, over the default cap of 5", serentak.Instagram, Input{Caption: "#a #b #c #d #e #f", Media: []serentak.MediaRef{jpeg}}, Target{},
			[]fe{{"caption", "too_many_hashtags", "Instagram captions take at most 5 hashtags; this one has 6"}}},
		{"Instagram 31 hashtags in the caption with a cap of 30", serentak.Instagram, Input{Caption: "#" + strings.Join(repeat(31, func(i int) string { return fmt.Sprint("t", i) }), " #"), Media: []serentak.MediaRef{jpeg}, Rules: Rules{InstagramMaxHashtags: 30}}, Target{},
			[]fe{{"caption", "too_many_hashtags", "Instagram captions take at most 30 hashtags; this one has 31"}}},
		{"Instagram 31 hashtags in the caption", serentak.Instagram, Input{Caption: "#" + strings.Join(repeat(31, func(i int) string { return fmt.Sprint("t", i) }), " #"), Media: []serentak.MediaRef{jpeg}}, Target{},
			[]fe{{"caption", "too_many_hashtags", "Instagram captions take at most 5 hashtags; this one has 31"}}},
		{"Instagram 21 mentions", serentak.Instagram, Input{Caption: "@" + strings.Join(repeat(21, func(i int) string { return fmt.Sprint("u", i) }), " @"), Media: []serentak.MediaRef{jpeg}}, Target{},
			[]fe{{"caption", "too_many_mentions", "Instagram captions take at most 20 @mentions; this one has 21"}}},
		{"Instagram without media", serentak.Instagram, Input{Caption: "x"}, Target{},
			[]fe{{"media", "required", "Instagram needs an image or a video"}}},
		{"Instagram PNG chosen", serentak.Instagram, Input{Caption: "x", Media: []serentak.MediaRef{jpeg, png}}, Target{Media: []int{0, 1}},
			[]fe{{"media[1]", "unsupported_media", "Instagram needs JPEG images; media[1] is image/png"}}},
		{"Instagram PNG alone", serentak.Instagram, Input{Caption: "x", Media: []serentak.MediaRef{png}}, Target{},
			[]fe{{"media[0]", "unsupported_media", "Instagram needs JPEG images; media[0] is image/png"}}},
		{"Instagram image of unknown type is accepted; 11 chosen items are not", serentak.Instagram, Input{Caption: "x", Media: repeatMedia(11, photo)},
			Target{Media: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
			[]fe{{"target.media", "unsupported_media", "Instagram takes one item, or a carousel of 2 to 10; 11 are chosen"}}},
		{"Instagram image too big", serentak.Instagram, Input{Caption: "x", Media: []serentak.MediaRef{{Kind: serentak.MediaImage, ContentType: "image/jpeg", Size: 9 << 20}}}, Target{},
			[]fe{{"media[0]", "unsupported_media", "Instagram takes images of at most 8.0 MB; media[0] is 9.0 MB"}}},
		{"unknown media kind", serentak.Facebook, Input{Caption: "x", Media: []serentak.MediaRef{{URL: "https://x/y"}}}, Target{},
			[]fe{{"media[0]", "invalid", "media[0] is neither an image nor a video"}}},
		{"YouTube without a video", serentak.YouTube, Input{Product: keripik(), Media: []serentak.MediaRef{jpeg}}, Target{},
			[]fe{{"media", "required", "YouTube needs a video"}}},
		{"YouTube two videos chosen", serentak.YouTube, Input{Product: keripik(), Media: []serentak.MediaRef{mp4, mp4}}, Target{Media: []int{0, 1}},
			[]fe{{"target.media", "unsupported_media", "YouTube publishes exactly one video; choose one video"}}},
		{"YouTube photo chosen", serentak.YouTube, Input{Product: keripik(), Media: []serentak.MediaRef{jpeg, mp4}}, Target{Media: []int{0}},
			[]fe{{"media[0]", "unsupported_media", "YouTube publishes videos only; media[0] is an image"}}},
		{"YouTube nothing chosen", serentak.YouTube, Input{Product: keripik(), Media: []serentak.MediaRef{mp4}}, Target{Media: []int{}},
			[]fe{{"target.media", "required", "YouTube needs a video; choose at least one item"}}},
		{"a choice out of range", serentak.Facebook, Input{Caption: "x", Media: []serentak.MediaRef{jpeg}}, Target{Media: []int{1}},
			[]fe{{"target.media", "invalid", "1 is not an index of the post's media (0 to 0)"}}},
		{"a negative choice", serentak.Facebook, Input{Caption: "x", Media: []serentak.MediaRef{jpeg}}, Target{Media: []int{-1}},
			[]fe{{"target.media", "invalid", "-1 is not an index of the post's media (0 to 0)"}}},
		{"an item chosen twice", serentak.Instagram, Input{Caption: "x", Media: []serentak.MediaRef{jpeg, jpeg}}, Target{Media: []int{1, 1}},
			[]fe{{"target.media", "invalid", "media[1] is chosen twice"}}},
		{"YouTube title too long", serentak.YouTube, Input{Product: keripik(), Media: []serentak.MediaRef{mp4}}, Target{Title: strings.Repeat("a", 101)},
			[]fe{{"target.title", "too_long", "YouTube titles are at most 100 characters"}}},
		{"YouTube title only brackets", serentak.YouTube, Input{Product: keripik(), Media: []serentak.MediaRef{mp4}}, Target{Title: "<>"},
			[]fe{{"target.title", "invalid", "YouTube titles cannot be empty"}}},
		{"YouTube description given in bytes", serentak.YouTube, Input{Caption: strings.Repeat("é", 2501), Media: []serentak.MediaRef{mp4}}, Target{Title: "t"},
			[]fe{{"caption", "too_long", "YouTube descriptions are at most 5,000 bytes (counted in UTF-8 bytes: an accented letter takes 2, an emoji 4); this one has 5,002"}}},
		{"TikTok video caption", serentak.TikTok, Input{Caption: tooLong, Media: []serentak.MediaRef{mp4}}, Target{},
			[]fe{{"caption", "too_long", "TikTok video captions are at most 2,200 characters"}}},
		{"TikTok photo title", serentak.TikTok, Input{Caption: "x", Media: []serentak.MediaRef{jpeg}}, Target{Title: strings.Repeat("a", 91)},
			[]fe{{"target.title", "too_long", "TikTok photo titles are at most 90 characters"}}},
		{"TikTok photo description", serentak.TikTok, Input{Caption: strings.Repeat("a", 4001), Media: []serentak.MediaRef{jpeg}}, Target{},
			[]fe{{"caption", "too_long", "TikTok photo descriptions are at most 4,000 characters"}}},
		{"TikTok mixed media chosen", serentak.TikTok, Input{Caption: "x", Media: []serentak.MediaRef{jpeg, mp4}}, Target{Media: []int{1, 0}},
			[]fe{{"target.media", "unsupported_media", "TikTok publishes one video alone, or photos; a video and 1 other item(s) are chosen"}}},
		{"TikTok PNG", serentak.TikTok, Input{Caption: "x", Media: []serentak.MediaRef{png}}, Target{},
			[]fe{{"media[0]", "unsupported_media", "TikTok needs JPEG or WEBP images; media[0] is image/png"}}},
		{"TikTok 36 photos chosen", serentak.TikTok, Input{Caption: "x", Media: repeatMedia(36, jpeg)}, Target{Media: indexes(36)},
			[]fe{{"target.media", "unsupported_media", "TikTok takes at most 35 photos per post; 36 are chosen"}}},
		{"TikTok without media", serentak.TikTok, Input{Caption: "x"}, Target{},
			[]fe{{"media", "required", "TikTok needs a video or 1 to 35 photos"}}},
		{"Facebook mixed media chosen", serentak.Facebook, Input{Caption: "x", Media: []serentak.MediaRef{jpeg, mp4}}, Target{Media: []int{0, 1}},
			[]fe{{"target.media", "unsupported_media", "Facebook publishes one video alone, or photos; a video and 1 other item(s) are chosen"}}},
		{"Facebook 11 photos chosen", serentak.Facebook, Input{Caption: "x", Media: repeatMedia(11, png)}, Target{Media: indexes(11)},
			[]fe{{"target.media", "unsupported_media", "Facebook takes at most 10 photos per post; 11 are chosen"}}},
		{"Facebook WebP", serentak.Facebook, Input{Caption: "x", Media: []serentak.MediaRef{webp}}, Target{},
			[]fe{{"media[0]", "unsupported_media", "Facebook needs JPEG or PNG images; media[0] is image/webp"}}},
		{"Facebook text too long", serentak.Facebook, Input{Caption: strings.Repeat("a", 63207)}, Target{},
			[]fe{{"caption", "too_long", "Facebook posts are at most 63,206 characters"}}},
		{"composed: the name alone does not fit", serentak.Instagram, Input{Product: &serentak.Product{Name: strings.Repeat("a", 2300)}, Media: []serentak.MediaRef{jpeg}}, Target{},
			[]fe{{"product.name", "too_long", "the product name, price and order link alone take 2,300 of the 2,200 characters Instagram captions allow"}}},
		{"composed: too many hashtags in the description", serentak.Instagram, Input{Product: &serentak.Product{Name: "x", Description: "#" + strings.Join(repeat(31, func(i int) string { return fmt.Sprint("t", i) }), " #")}, Media: []serentak.MediaRef{jpeg}}, Target{},
			[]fe{{"product.description", "too_many_hashtags", "Instagram captions take at most 5 hashtags; the product name and description have 31"}}},
		{"unknown platform", serentak.Platform("myspace"), Input{Caption: "x"}, Target{},
			[]fe{{"platform", "invalid", `unknown platform "myspace"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fit(tt.p, tt.in, tt.target).Errors
			if len(got) != len(tt.want) {
				t.Fatalf("errors = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				w := tt.want[i]
				if got[i].Field != w.field || got[i].Code != w.code || !strings.HasPrefix(got[i].Message, w.message) {
					t.Errorf("error %d = %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// fe is an expected field error; its message is compared by prefix.
type fe struct{ field, code, message string }

// indexes returns 0 … n-1.
func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func repeatMedia(n int, m serentak.MediaRef) []serentak.MediaRef {
	out := make([]serentak.MediaRef, n)
	for i := range out {
		out[i] = m
	}
	return out
}
