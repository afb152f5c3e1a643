package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/serentak/serentak"
)

// TestWorkspaceTemplate: a workspace's wording changes the composed
// caption of that workspace only, a platform's own override wins over the
// "all" one, a target's caption over both, and DELETE goes back.
func TestWorkspaceTemplate(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	other, otherKey := b.workspace("Toko Lain")
	acc := b.account(ws, key, serentak.Facebook, "111")
	otherAcc := b.account(other, otherKey, serentak.Facebook, "222")
	text := func(ws, key string, body map[string]any) string {
		t.Helper()
		return b.preview(ws, key, body).Targets[0].Text
	}
	builtin := text(ws, key, postBody(acc))
	if !strings.Contains(builtin, "\n\nPesan sekarang: https://wa.me/") {
		t.Fatalf("built-in text:\n%s", builtin)
	}

	put := func(platform, lang string, body map[string]any) map[string]any {
		t.Helper()
		return b.expect(b.do("PUT", "/v1/workspaces/"+ws+"/templates/"+platform+"/"+lang, key, body), http.StatusOK)
	}
	m := put("all", "id", map[string]any{"order_label": "Order di sini:", "footer": "Buka setiap hari 08.00–20.00"})
	checkKeys(t, "template", m, "platform", "language", "template", "updated_at")
	if m["platform"] != "all" || m["language"] != "id" || m["updated_at"] != b.now.Format("2006-01-02T15:04:05Z") {
		t.Fatalf("PUT answer = %v", m)
	}
	put("facebook", "id", map[string]any{"order_label": "Klik untuk pesan:"})
	put("facebook", "en", map[string]any{"order_label": "Buy here:"})

	got := text(ws, key, postBody(acc))
	want := strings.Replace(builtin, "Pesan sekarang:", "Klik untuk pesan:", 1)
	want = strings.Replace(want, "\n\n#umkm #keripik", "\n\nBuka setiap hari 08.00–20.00\n\n#umkm #keripik", 1)
	if got != want {
		t.Errorf("with the workspace's wording:\n%s\nwant:\n%s", got, want)
	}
	en := postBody(acc)
	en["language"] = "en"
	if got := text(ws, key, en); !strings.Contains(got, "Buy here: https://wa.me/") || strings.Contains(got, "Buka setiap hari") {
		t.Errorf("English post: only the English override applies:\n%s", got)
	}
	// The other workspace keeps the built-in wording.
	if got := text(other, otherKey, postBody(otherAcc)); got != builtin {
		t.Errorf("another workspace's text changed:\n%s", got)
	}
	// A target's caption still wins.
	withCaption := postBody(acc)
	withCaption["targets"] = []any{map[string]any{"account_id": acc, "caption": "Promo khusus Facebook!"}}
	if got := text(ws, key, withCaption); !strings.HasPrefix(got, "Promo khusus Facebook!") || strings.Contains(got, "Buka setiap hari") {
		t.Errorf("target caption:\n%s", got)
	}

	list := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/templates", key, nil), http.StatusOK)["data"].([]any)
	var keys []string
	for _, item := range list {
		item := item.(map[string]any)
		keys = append(keys, item["platform"].(string)+"/"+item["language"].(string))
	}
	if strings.Join(keys, " ") != "all/id facebook/en facebook/id" {
		t.Errorf("listed %v", keys)
	}
	if tmpl := list[0].(map[string]any)["template"].(map[string]any); len(tmpl) != 2 || tmpl["footer"] != "Buka setiap hari 08.00–20.00" {
		t.Errorf("all/id template = %v, want only the two fields given", tmpl)
	}
	if n := len(b.expect(b.do("GET", "/v1/workspaces/"+other+"/templates", otherKey, nil), http.StatusOK)["data"].([]any)); n != 0 {
		t.Errorf("the other workspace lists %d templates", n)
	}

	// PUT replaces the whole override.
	put("facebook", "id", map[string]any{"footer": "Kunjungi toko kami"})
	if got := text(ws, key, postBody(acc)); !strings.Contains(got, "Order di sini:") || !strings.Contains(got, "Kunjungi toko kami") {
		t.Errorf("after replacing facebook/id:\n%s", got)
	}

	// Another workspace's key cannot see, change or delete these.
	for _, r := range []struct{ method, path string }{
		{"GET", "/v1/workspaces/" + ws + "/templates"},
		{"PUT", "/v1/workspaces/" + ws + "/templates/all/id"},
		{"DELETE", "/v1/workspaces/" + ws + "/templates/all/id"},
	} {
		var body any
		if r.method == "PUT" {
			body = map[string]any{"footer": "x"}
		}
		b.expectError(b.do(r.method, r.path, otherKey, body), http.StatusNotFound, "not_found")
	}

	for _, p := range []string{"all/id", "facebook/id", "facebook/en"} {
		b.expect(b.do("DELETE", "/v1/workspaces/"+ws+"/templates/"+p, key, nil), http.StatusNoContent)
	}
	b.expectError(b.do("DELETE", "/v1/workspaces/"+ws+"/templates/all/id", key, nil), http.StatusNotFound, "not_found")
	if got := text(ws, key, postBody(acc)); got != builtin {
		t.Errorf("after DELETE, text is not the built-in one:\n%s", got)
	}
}

func TestTemplateValidation(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	path := "/v1/workspaces/" + ws + "/templates/"
	b.expectError(b.do("PUT", path+"instagram/id", key, map[string]any{"discount_line": "Diskon {persen}%", "order_label": "a\nb"}),
		http.StatusUnprocessableEntity, "validation_failed", "discount_line", "discount_line", "order_label")
	b.expectError(b.do("PUT", path+"instagram/id", key, map[string]any{"footer": strings.Repeat("x", 501), "greeting": "Halo"}),
		http.StatusUnprocessableEntity, "validation_failed", "greeting")
	b.expectError(b.do("PUT", path+"instagram/id", key, map[string]any{"footer": strings.Repeat("x", 501)}),
		http.StatusUnprocessableEntity, "validation_failed", "footer")
	b.expectError(b.do("PUT", path+"myspace/id", key, map[string]any{"footer": "x"}), http.StatusNotFound, "not_found")
	b.expectError(b.do("PUT", path+"instagram/fr", key, map[string]any{"footer": "x"}), http.StatusNotFound, "not_found")
	b.expectError(b.do("PUT", path+"instagram/id", key, `{"footer": `), http.StatusBadRequest, "bad_request")
	if n := len(b.expect(b.do("GET", "/v1/workspaces/"+ws+"/templates", key, nil), http.StatusOK)["data"].([]any)); n != 0 {
		t.Errorf("%d templates stored by refused requests", n)
	}
}

// TestLinkInBioTemplate: a workspace's link_in_bio words replace a shop
// link where links cannot be tapped (Instagram, TikTok), are kept by PUT
// and GET, and leave Facebook's clickable link and a WhatsApp number alone.
func TestLinkInBioTemplate(t *testing.T) {
	b := setup(t, allPlatforms)
	ws, key := b.workspace("Toko Budi")
	accs := fourAccounts(b, ws, key)
	m := b.expect(b.do("PUT", "/v1/workspaces/"+ws+"/templates/all/id", key, map[string]any{"link_in_bio": "ada di bio ☝️"}), http.StatusOK)
	if got := m["template"].(map[string]any)["link_in_bio"]; got != "ada di bio ☝️" {
		t.Fatalf("PUT answer template = %v", m["template"])
	}
	b.expectError(b.do("PUT", "/v1/workspaces/"+ws+"/templates/all/id", key, map[string]any{"link_in_bio": "ada\ndi bio"}),
		http.StatusUnprocessableEntity, "validation_failed", "link_in_bio")

	body := productPost(b, accs)
	body["product"].(map[string]any)["url"] = "https://toko.example.com/keripik"
	p := b.preview(ws, key, body)
	for _, tg := range p.Targets {
		want := "Pesan sekarang: https://toko.example.com/keripik"
		if tg.Platform == "instagram" || tg.Platform == "tiktok" {
			want = "Pesan sekarang: ada di bio ☝️"
		}
		if !strings.Contains(tg.Text, want) {
			t.Errorf("%s text lacks %q:\n%s", tg.Platform, want, tg.Text)
		}
	}
	body["product"].(map[string]any)["url"] = "https://wa.me/6281234567890"
	if ig := b.preview(ws, key, body).Targets[1]; !strings.Contains(ig.Text, "Pesan sekarang: WA 0812-3456-7890") {
		t.Errorf("a WhatsApp number is what a buyer acts on, not the bio:\n%s", ig.Text)
	}
}
