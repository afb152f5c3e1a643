package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

// allPlatforms lets posts target every platform.
func allPlatforms(c *api.Config) {
	c.Publishers = map[serentak.Platform]bool{serentak.Facebook: true, serentak.Instagram: true, serentak.YouTube: true, serentak.TikTok: true}
}

// preview is the answer of POST …/posts/preview.
type preview struct {
	Warnings []string `json:"warnings"`
	Targets  []struct {
		AccountID string                `json:"account_id"`
		Platform  string                `json:"platform"`
		Text      string                `json:"text"`
		Title     string                `json:"title"`
		Link      string                `json:"link"`
		Shortened []string              `json:"shortened"`
		Warnings  []string              `json:"warnings"`
		Errors    []serentak.FieldError `json:"errors"`
	} `json:"targets"`
	Valid bool `json:"valid"`
}

func (b *bundle) preview(ws, key string, body any) preview {
	b.t.Helper()
	r := b.do("POST", "/v1/workspaces/"+ws+"/posts/preview", key, body)
	b.expect(r, http.StatusOK)
	var p preview
	if err := json.Unmarshal(r.body, &p); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// fourAccounts makes one account per platform.
func fourAccounts(b *bundle, ws, key string) []string {
	b.t.Helper()
	return []string{
		b.account(ws, key, serentak.Facebook, "fb1"),
		b.account(ws, key, serentak.Instagram, "ig1"),
		b.account(ws, key, serentak.YouTube, "yt1"),
		b.account(ws, key, serentak.TikTok, "tt1"),
	}
}

// productPost is a product post with a discount, a long description and
// a video every platform takes, to accs.
func productPost(b *bundle, accs []string) map[string]any {
	body := postBody(accs...)
	product := body["product"].(map[string]any)
	product["compare_at_price"] = map[string]any{"amount": 31250, "currency": "IDR"}
	product["description"] = strings.Repeat("Renyah, pedas, tanpa pengawet. Dibuat setiap pagi di Garut. ", 60)
	body["media"] = []any{map[string]any{"url": "https://cdn.example.com/keripik.mp4"}}
	body["scheduled_at"] = b.now.Add(24 * time.Hour).Format(time.RFC3339)
	tiktokPrivacy(body, accs)
	return body
}

// tiktokPrivacy gives the TikTok target (the last of fourAccounts) the
// privacy level TikTok requires the user to choose.
func tiktokPrivacy(body map[string]any, accs []string) {
	if len(accs) == 4 {
		body["targets"].([]any)[3].(map[string]any)["options"] = map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE"}
	}
}

// TestPreviewIsWhatCreateStores previews a post and creates it with the
// same body: every target's text, title and link are the same, with the
// workspace's wording and a target override in play.
func TestPreviewIsWhatCreateStores(t *testing.T) {
	b := setup(t, allPlatforms)
	ws, key := b.workspace("Toko Budi")
	b.expect(b.do("PUT", "/v1/workspaces/"+ws+"/templates/all/id", key, map[string]any{"footer": "Toko Budi · Buka 08.00–20.00"}), http.StatusOK)
	b.expect(b.do("PUT", "/v1/workspaces/"+ws+"/templates/instagram/id", key, map[string]any{"order_label": "Chat kami:"}), http.StatusOK)
	accs := fourAccounts(b, ws, key)
	body := productPost(b, accs)
	body["targets"].([]any)[2] = map[string]any{"account_id": accs[2], "title": "Keripik Garut <pedas>"}

	p := b.preview(ws, key, body)
	if !p.Valid || len(p.Targets) != 4 {
		t.Fatalf("preview = %+v", p)
	}
	for i, want := range []string{"facebook", "instagram", "youtube", "tiktok"} {
		tg := p.Targets[i]
		if tg.AccountID != accs[i] || tg.Platform != want || len(tg.Errors) != 0 {
			t.Fatalf("targets[%d] = %+v", i, tg)
		}
		order := "wa.me/6281234567890"
		if want == "instagram" || want == "tiktok" { // links cannot be tapped: the number is written
			order = "WA 0812-3456-7890"
		}
		for _, part := range []string{"Rp25.000", "Diskon 20% (harga normal Rp31.250)", order, "Toko Budi · Buka 08.00–20.00"} {
			if !strings.Contains(tg.Text, part) {
				t.Errorf("targets[%d] (%s) text lacks %q:\n%s", i, want, part, tg.Text)
			}
		}
	}
	if !strings.Contains(p.Targets[1].Text, "Chat kami: WA 0812-3456-7890") || strings.Contains(p.Targets[0].Text+p.Targets[3].Text, "Chat kami") {
		t.Errorf("the Instagram override is not Instagram's alone:\n%s\n---\n%s", p.Targets[1].Text, p.Targets[0].Text)
	}
	if p.Targets[2].Title != "Keripik Garut pedas" || len(p.Targets[2].Warnings) == 0 {
		t.Errorf("YouTube title %q, warnings %q: want the target's title without < >, and a warning", p.Targets[2].Title, p.Targets[2].Warnings)
	}
	if len(p.Targets[1].Shortened) == 0 {
		t.Errorf("a 3,600-character description fits Instagram unshortened? %q", p.Targets[1].Text)
	}

	created := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	ds := created["deliveries"].([]any)
	if len(ds) != len(p.Targets) {
		t.Fatalf("%d deliveries, %d previewed", len(ds), len(p.Targets))
	}
	for i, d := range ds {
		d := d.(map[string]any)
		c := d["content"].(map[string]any)
		got := []string{d["account_id"].(string), d["platform"].(string), c["text"].(string), c["title"].(string), c["link"].(string)}
		tg := p.Targets[i]
		want := []string{tg.AccountID, tg.Platform, tg.Text, tg.Title, tg.Link}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("delivery %d differs from its preview (-preview +stored):\n%s", i, diff)
		}
	}
}

func TestPreviewStoresNothing(t *testing.T) {
	b := setup(t, allPlatforms)
	ws, key := b.workspace("Toko Budi")
	body := productPost(b, fourAccounts(b, ws, key))
	for range 2 {
		b.preview(ws, key, body)
	}
	list := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts", key, nil), http.StatusOK)
	if n := len(list["data"].([]any)); n != 0 {
		t.Fatalf("%d posts stored by previews", n)
	}
	if n := b.wakes.Load(); n != 0 {
		t.Fatalf("previews woke the scheduler %d times", n)
	}
}

// TestPreviewFaults: a target that cannot be fitted is 200 with its
// errors, named as create names them (create refuses the same body with
// 422); a fault of the request itself is create's 400/422.
func TestPreviewFaults(t *testing.T) {
	b := setup(t, allPlatforms)
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key)
	body := productPost(b, accs)
	body["targets"].([]any)[1] = map[string]any{"account_id": accs[1], "caption": strings.Repeat("Pedas! ", 400)}
	body["media"] = []any{map[string]any{"url": "https://cdn.example.com/keripik.jpg"}} // YouTube needs a video

	p := b.preview(ws, key, body)
	if p.Valid {
		t.Fatal("valid = true for targets that cannot be published")
	}
	errorsOf := func(i int) []string {
		var out []string
		for _, e := range p.Targets[i].Errors {
			out = append(out, e.Field+" "+e.Code)
		}
		return out
	}
	// TikTok fetches photos only from a verified domain, which this
	// server has none of: refused now, not at the post's time.
	for i, want := range [][]string{nil, {"targets[1].caption too_long"}, {"targets[2].media required"}, {"targets[3].media[0] unsupported_media"}} {
		if diff := cmp.Diff(want, errorsOf(i)); diff != "" {
			t.Errorf("targets[%d] errors (-want +got):\n%s", i, diff)
		}
	}
	if p.Targets[0].Text == "" || p.Targets[3].Text == "" {
		t.Error("the targets that fit are not previewed")
	}
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed",
		"targets[1].caption", "targets[2].media", "targets[3].media[0]")

	body = productPost(b, accs)
	body["scheduled_at"] = "tomorrow"
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts/preview", key, body), http.StatusUnprocessableEntity, "validation_failed", "scheduled_at")
	body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
	body["targets"] = []any{map[string]any{"account_id": "acc_nope"}}
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts/preview", key, body), http.StatusUnprocessableEntity, "validation_failed", "targets[0].account_id")
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts/preview", key, `{"targets": [`), http.StatusBadRequest, "bad_request")
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts/preview", key, map[string]any{"targetz": []any{}}), http.StatusUnprocessableEntity, "validation_failed", "targetz")
}

func TestProductDiscountAndCallToAction(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	body := postBody(acc)
	product := body["product"].(map[string]any)
	product["compare_at_price"] = map[string]any{"amount": 31250, "currency": "IDR"}
	product["cta"] = "Pesan lewat WhatsApp ya kak:"

	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	text := m["deliveries"].([]any)[0].(map[string]any)["content"].(map[string]any)["text"].(string)
	if !strings.HasPrefix(text, "Keripik Singkong Pedas – Rp25.000\nDiskon 20% (harga normal Rp31.250)\n\n") ||
		!strings.Contains(text, "\n\nPesan lewat WhatsApp ya kak: https://wa.me/6281234567890?text=") {
		t.Errorf("text:\n%s", text)
	}
	stored := m["product"].(map[string]any)
	if diff := cmp.Diff(map[string]any{"amount": 31250.0, "currency": "IDR"}, stored["compare_at_price"]); diff != "" || stored["cta"] != "Pesan lewat WhatsApp ya kak:" {
		t.Errorf("product = %v", stored)
	}

	tests := []struct {
		name      string
		compareAt any
		price     any
		cta       string
		fields    []string
	}{
		{"not above the price", map[string]any{"amount": 25000, "currency": "IDR"}, nil, "", []string{"product.compare_at_price.amount"}},
		{"another currency", map[string]any{"amount": 30, "currency": "USD"}, nil, "", []string{"product.compare_at_price.currency"}},
		{"without amount", map[string]any{"currency": "IDR"}, nil, "", []string{"product.compare_at_price.amount"}},
		{"without a price", map[string]any{"amount": 31250, "currency": "IDR"}, "none", "", []string{"product.compare_at_price"}},
		{"a call to action on two lines", nil, nil, "Pesan\nsekarang", []string{"product.cta"}},
		{"a call to action too long", nil, nil, strings.Repeat("a", 201), []string{"product.cta"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := postBody(acc)
			product := body["product"].(map[string]any)
			if tt.compareAt != nil {
				product["compare_at_price"] = tt.compareAt
			}
			if tt.price == "none" {
				delete(product, "price")
			}
			if tt.cta != "" {
				product["cta"] = tt.cta
			}
			b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed", tt.fields...)
			b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts/preview", key, body), http.StatusUnprocessableEntity, "validation_failed", tt.fields...)
		})
	}
}

// TestMerchantsWords: a WhatsApp number and hashtags as a merchant types
// them are accepted; the preview says once, for the post, what was
// changed, and every target publishes the same cleaned words: a wa.me
// link in digits where links can be tapped, the number written for people
// where they cannot.
func TestMerchantsWords(t *testing.T) {
	b := setup(t, allPlatforms)
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key)
	body := productPost(b, accs)
	product := body["product"].(map[string]any)
	product["url"] = "https://wa.me/+62 852-1234-5678"
	product["whatsapp"] = "0852-1234-5678"
	body["hashtags"] = []string{"oleh-oleh", "#keripik pedas", " ", "umkm"}

	p := b.preview(ws, key, body)
	if !p.Valid {
		t.Fatalf("preview = %+v", p)
	}
	if len(p.Warnings) != 4 { // three hashtags and the link
		t.Errorf("post warnings %q, want 4", p.Warnings)
	}
	for _, want := range []string{`"oleh-oleh" is published as #oleholeh`, `"#keripik pedas" is published as #keripikpedas`, "hashtags[2] is empty", "is published as https://wa.me/6285212345678"} {
		found := false
		for _, w := range p.Warnings {
			found = found || strings.Contains(w, want)
		}
		if !found {
			t.Errorf("post warnings %q lack %q", p.Warnings, want)
		}
	}
	const link = "https://wa.me/6285212345678?text=Halo%2C%20saya%20mau%20pesan%20Keripik%20Singkong%20Pedas"
	for i, tg := range p.Targets {
		for _, w := range tg.Warnings {
			if strings.Contains(w, "hashtag") || strings.Contains(w, "wa.me") {
				t.Errorf("targets[%d] repeats a warning of the post: %q", i, w)
			}
		}
		if !strings.HasSuffix(tg.Text, "#oleholeh #keripikpedas #umkm") {
			t.Errorf("targets[%d] (%s) hashtags: %q", i, tg.Platform, tg.Text)
		}
		want := "Pesan sekarang: " + link
		if tg.Platform == "instagram" || tg.Platform == "tiktok" {
			want = "Pesan sekarang: WA 0852-1234-5678"
		}
		if !strings.Contains(tg.Text, want) || strings.Contains(tg.Text, "wa.me/+") || strings.Contains(tg.Text, "wa.me/0") {
			t.Errorf("targets[%d] (%s) lacks %q:\n%s", i, tg.Platform, want, tg.Text)
		}
	}
	if p.Targets[0].Link != link {
		t.Errorf("Facebook link %q, want %q", p.Targets[0].Link, link)
	}

	created := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	if diff := cmp.Diff([]any{"oleholeh", "keripikpedas", "umkm"}, created["hashtags"]); diff != "" {
		t.Errorf("stored hashtags (-want +got):\n%s", diff)
	}
	stored := created["product"].(map[string]any)
	if stored["url"] != "https://wa.me/6285212345678" || stored["whatsapp"] != "+6285212345678" {
		t.Errorf("stored product %v: want the link in digits and the number in E.164", stored)
	}
	for i, d := range created["deliveries"].([]any) {
		if text := d.(map[string]any)["content"].(map[string]any)["text"]; text != p.Targets[i].Text {
			t.Errorf("delivery %d differs from its preview", i)
		}
	}

	// A plain number in url, or the whatsapp field alone, is the order link.
	for _, edit := range []func(m map[string]any){
		func(m map[string]any) { m["url"] = "0852 1234 5678" },
		func(m map[string]any) { delete(m, "url"); m["whatsapp"] = "+62 852.1234.5678" },
	} {
		body := productPost(b, accs[:1])
		edit(body["product"].(map[string]any))
		p := b.preview(ws, key, body)
		if !p.Valid || p.Targets[0].Link != link || len(p.Warnings) != 0 {
			t.Errorf("preview %+v: want the link %s and no warning", p, link)
		}
	}
}

// TestWarningsInTheRequestsLanguage: a warning reads in the language the
// request asks for (Accept-Language), English when it asks for none, with
// its stable code beside it in warning_codes; the stored delivery answers
// the same way, read in either language.
func TestWarningsInTheRequestsLanguage(t *testing.T) {
	b := setup(t, allPlatforms)
	ws, key := b.workspace("Toko Budi")
	body := postBody(b.account(ws, key, serentak.Facebook, "fb1"))
	delete(body["product"].(map[string]any), "url") // no order link: a warning
	body["hashtags"] = []string{"oleh-oleh"}        // and one about the post itself
	body["scheduled_at"] = b.now.Add(24 * time.Hour).Format(time.RFC3339)
	noLink := map[string]string{
		"id": "produk ini tidak punya link pemesanan, jadi postingan tidak menyebut cara memesan",
		"en": "the product has no order link, so the post does not say where to order",
	}
	for _, tt := range []struct{ accept, lang string }{{"id-ID,id;q=0.9,en;q=0.8", "id"}, {"", "en"}, {"fr", "en"}, {"en-US", "en"}} {
		var headers []string
		if tt.accept != "" {
			headers = []string{"Accept-Language", tt.accept}
		}
		p := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts/preview", key, body, headers...), http.StatusOK)
		target := p["targets"].([]any)[0].(map[string]any)
		if got := fmt.Sprint(target["warnings"]); got != "["+noLink[tt.lang]+"]" {
			t.Errorf("Accept-Language %q: target warnings %s, want [%s]", tt.accept, got, noLink[tt.lang])
		}
		if got := fmt.Sprint(target["warning_codes"]); got != "[no_order_link]" {
			t.Errorf("Accept-Language %q: target warning_codes %s", tt.accept, got)
		}
		if got := fmt.Sprint(p["warning_codes"]); got != "[hashtag_rewritten]" {
			t.Errorf("Accept-Language %q: post warning_codes %s", tt.accept, got)
		}
		if w := fmt.Sprint(p["warnings"]); tt.lang == "id" && !strings.Contains(w, "diterbitkan sebagai #oleholeh") {
			t.Errorf("Accept-Language %q: post warnings %s, want Bahasa Indonesia", tt.accept, w)
		}
	}
	created := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	path := "/v1/workspaces/" + ws + "/posts/" + created["id"].(string)
	for lang, accept := range map[string]string{"id": "id", "en": "en"} {
		d := b.expect(b.do("GET", path, key, nil, "Accept-Language", accept), http.StatusOK)["deliveries"].([]any)[0].(map[string]any)
		if got := fmt.Sprint(d["warnings"], d["warning_codes"]); got != "["+noLink[lang]+"] [no_order_link]" {
			t.Errorf("stored delivery read in %s: %s", lang, got)
		}
	}
}
