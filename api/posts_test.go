package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/testkit"
)

func TestCreatePost(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	body := postBody(acc)
	at := b.now.Add(48 * time.Hour).In(time.FixedZone("WIB", 7*3600))
	body["scheduled_at"] = at.Format(time.RFC3339)

	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	checkKeys(t, "post", m, "id", "status", "scheduled_at", "created_at", "updated_at",
		"product", "caption", "hashtags", "media", "deliveries", "approved_by", "rejection_comment")
	if !strings.HasPrefix(m["id"].(string), "post_") || m["status"] != "scheduled" || m["caption"] != nil {
		t.Fatalf("post = %v", m)
	}
	if want := at.UTC().Format(time.RFC3339); m["scheduled_at"] != want {
		t.Fatalf("scheduled_at = %v, want %s (UTC)", m["scheduled_at"], want)
	}
	media := m["media"].([]any)
	if len(media) != 1 || media[0].(map[string]any)["kind"] != "image" || media[0].(map[string]any)["url"] != "https://cdn.example.com/keripik.jpg" {
		t.Fatalf("media = %v", media)
	}
	ds := m["deliveries"].([]any)
	if len(ds) != 1 {
		t.Fatalf("deliveries = %v", ds)
	}
	d := ds[0].(map[string]any)
	checkKeys(t, "delivery", d, "id", "account_id", "platform", "status", "attempts", "scheduled_at", "content",
		"external_id", "permalink", "published_at", "error", "warnings", "warning_codes")
	if w, ok := d["warnings"].([]any); !ok || len(w) != 0 {
		t.Errorf("warnings = %#v, want [] (never null)", d["warnings"])
	}
	if !strings.HasPrefix(d["id"].(string), "dlv_") || d["account_id"] != acc || d["platform"] != "facebook" ||
		d["status"] != "scheduled" || d["attempts"] != 0.0 || d["external_id"] != nil || d["permalink"] != nil ||
		d["published_at"] != nil || d["error"] != nil || d["scheduled_at"] != m["scheduled_at"] {
		t.Fatalf("delivery = %v", d)
	}
	content := d["content"].(map[string]any)
	checkKeys(t, "content", content, "text", "title", "link", "media")
	if items := content["media"].([]any); len(items) != 1 || items[0].(map[string]any)["index"] != 0.0 ||
		items[0].(map[string]any)["url"] != "https://cdn.example.com/keripik.jpg" {
		t.Errorf("content.media = %v, want media[0], the photo", items)
	}
	text := content["text"].(string)
	for _, want := range []string{"Keripik Singkong Pedas", "25.000", "wa.me/6281234567890"} {
		if !strings.Contains(text, want) {
			t.Errorf("composed text %q lacks %q", text, want)
		}
	}
	if b.wakes.Load() != 1 {
		t.Fatalf("WakeFunc called %d times, want 1", b.wakes.Load())
	}

	got := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+m["id"].(string), key, nil), http.StatusOK)
	if got["id"] != m["id"] || len(got["deliveries"].([]any)) != 1 {
		t.Fatalf("GET post = %v", got)
	}
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/posts/post_nope", key, nil), http.StatusNotFound, "not_found")
}

func TestCreatePostDefaults(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	// Caption only, no product, no media, no scheduled_at: publish now.
	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, map[string]any{
		"caption": "Promo hari ini!", "targets": []any{map[string]any{"account_id": acc, "caption": "Khusus Facebook"}},
		"language": "en",
	}), http.StatusCreated)
	if m["scheduled_at"] != b.now.Format(time.RFC3339) {
		t.Fatalf("scheduled_at = %v, want now %s", m["scheduled_at"], b.now.Format(time.RFC3339))
	}
	if m["caption"] != "Promo hari ini!" || m["product"] != nil {
		t.Fatalf("post = %v", m)
	}
	text := m["deliveries"].([]any)[0].(map[string]any)["content"].(map[string]any)["text"].(string)
	if !strings.Contains(text, "Khusus Facebook") {
		t.Fatalf("target caption override not used: %q", text)
	}
	// A time a few minutes in the past is taken (clock skew).
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, map[string]any{
		"caption": "x", "targets": []any{map[string]any{"account_id": acc}},
		"scheduled_at": b.now.Add(-4 * time.Minute).Format(time.RFC3339),
	}), http.StatusCreated)
}

func TestCreatePostValidation(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	other, otherKey := b.workspace("Toko Lain")
	fb := b.account(ws, key, serentak.Facebook, "111")
	fb2 := b.account(ws, key, serentak.Facebook, "222")
	ig := b.account(ws, key, serentak.Instagram, "333")
	stale := b.account(ws, key, serentak.Facebook, "444")
	if err := b.store.MarkAccountNeedsReauth(t.Context(), ws, stale, "token expired"); err != nil {
		t.Fatal(err)
	}
	foreign := b.account(other, otherKey, serentak.Facebook, "555")

	tests := []struct {
		name   string
		edit   func(m map[string]any)
		fields []string
	}{
		{"no targets", func(m map[string]any) { m["targets"] = []any{} }, []string{"targets"}},
		{"too many targets", func(m map[string]any) {
			var ts []any
			for i := 0; i < 21; i++ {
				ts = append(ts, map[string]any{"account_id": fmt.Sprintf("acc_%d", i)})
			}
			m["targets"] = ts
		}, []string{"targets"}},
		{"unknown account", func(m map[string]any) { m["targets"] = []any{map[string]any{"account_id": "acc_nope"}} }, []string{"targets[0].account_id"}},
		{"other workspace's account", func(m map[string]any) {
			m["targets"] = []any{map[string]any{"account_id": fb}, map[string]any{"account_id": foreign}}
		}, []string{"targets[1].account_id"}},
		{"duplicate account", func(m map[string]any) {
			m["targets"] = []any{map[string]any{"account_id": fb}, map[string]any{"account_id": fb}}
		}, []string{"targets[1].account_id"}},
		{"empty account id", func(m map[string]any) { m["targets"] = []any{map[string]any{"account_id": ""}} }, []string{"targets[0].account_id"}},
		{"needs reauth", func(m map[string]any) { m["targets"] = []any{map[string]any{"account_id": stale}} }, []string{"targets[0].account_id"}},
		{"unsupported platform", func(m map[string]any) {
			m["targets"] = []any{map[string]any{"account_id": fb}, map[string]any{"account_id": ig}}
		}, []string{"targets[1].account_id"}},
		{"empty target caption", func(m map[string]any) {
			m["targets"] = []any{map[string]any{"account_id": fb, "caption": " "}}
		}, []string{"targets[0].caption"}},
		{"no caption no product", func(m map[string]any) { delete(m, "product") }, []string{"caption"}},
		{"empty caption", func(m map[string]any) { m["caption"] = "" }, []string{"caption"}},
		{"product without name", func(m map[string]any) { m["product"].(map[string]any)["name"] = "" }, []string{"product.name"}},
		{"long product name", func(m map[string]any) { m["product"].(map[string]any)["name"] = strings.Repeat("k", 201) }, []string{"product.name"}},
		{"negative price", func(m map[string]any) {
			m["product"].(map[string]any)["price"] = map[string]any{"amount": -1, "currency": "IDR"}
		}, []string{"product.price.amount"}},
		{"price without amount", func(m map[string]any) {
			m["product"].(map[string]any)["price"] = map[string]any{"currency": "IDR"}
		}, []string{"product.price.amount"}},
		{"bad currency", func(m map[string]any) {
			m["product"].(map[string]any)["price"] = map[string]any{"amount": 1, "currency": "idr"}
		}, []string{"product.price.currency"}},
		{"relative product url", func(m map[string]any) { m["product"].(map[string]any)["url"] = "toko.example.com/keripik" }, []string{"product.url"}},
		{"wa.me number too short", func(m map[string]any) { m["product"].(map[string]any)["url"] = "wa.me/62812" }, []string{"product.url"}},
		{"WhatsApp number with letters", func(m map[string]any) { m["product"].(map[string]any)["whatsapp"] = "0852-KUE-ENAK" }, []string{"product.whatsapp"}},
		{"WhatsApp number too long", func(m map[string]any) { m["product"].(map[string]any)["whatsapp"] = "+62 852 1234 5678 9012" }, []string{"product.whatsapp"}},
		{"IDR price with decimals", func(m map[string]any) {
			m["product"].(map[string]any)["price"] = map[string]any{"amount": 25000.5, "currency": "IDR"}
		}, []string{"product.price.amount"}},
		{"IDR compare-at price with decimals", func(m map[string]any) {
			m["product"].(map[string]any)["compare_at_price"] = map[string]any{"amount": 31250.5, "currency": "IDR"}
		}, []string{"product.compare_at_price.amount"}},
		{"javascript product url", func(m map[string]any) { m["product"].(map[string]any)["url"] = "javascript:alert(1)" }, []string{"product.url"}},
		{"long hashtag", func(m map[string]any) { m["hashtags"] = []string{strings.Repeat("h", 101)} }, []string{"hashtags[0]"}},
		{"too many hashtags", func(m map[string]any) {
			var hs []string
			for i := 0; i < 101; i++ {
				hs = append(hs, fmt.Sprintf("h%d", i))
			}
			m["hashtags"] = hs
		}, []string{"hashtags"}},
		{"too many media", func(m map[string]any) {
			var ms []any
			for i := 0; i < 36; i++ {
				ms = append(ms, map[string]any{"url": "https://cdn.example.com/a.jpg"})
			}
			m["media"] = ms
		}, []string{"media"}},
		{"media with url and id", func(m map[string]any) {
			m["media"] = []any{map[string]any{"url": "https://cdn.example.com/a.jpg", "id": "med_1"}}
		}, []string{"media[0]"}},
		{"media with neither", func(m map[string]any) { m["media"] = []any{map[string]any{}} }, []string{"media[0]"}},
		{"unknown media id", func(m map[string]any) { m["media"] = []any{map[string]any{"id": "med_nope"}} }, []string{"media[0].id"}},
		{"ftp media", func(m map[string]any) { m["media"] = []any{map[string]any{"url": "ftp://cdn.example.com/a.jpg"}} }, []string{"media[0].url"}},
		{"kind unknown", func(m map[string]any) {
			m["media"] = []any{map[string]any{"url": "https://cdn.example.com/image?id=5"}}
		}, []string{"media[0].type"}},
		{"bad type", func(m map[string]any) {
			m["media"] = []any{map[string]any{"url": "https://cdn.example.com/a", "type": "gif"}}
		}, []string{"media[0].type"}},
		{"resolves private", func(m map[string]any) { m["media"] = []any{map[string]any{"url": "https://internal.example/a.jpg"}} }, []string{"media[0].url"}},
		{"scheduled in the past", func(m map[string]any) { m["scheduled_at"] = b.now.Add(-6 * time.Minute).Format(time.RFC3339) }, []string{"scheduled_at"}},
		{"scheduled too far", func(m map[string]any) { m["scheduled_at"] = b.now.AddDate(1, 0, 1).Format(time.RFC3339) }, []string{"scheduled_at"}},
		{"scheduled without offset", func(m map[string]any) { m["scheduled_at"] = "2030-01-01T10:00:00" }, []string{"scheduled_at"}},
		{"scheduled as a number", func(m map[string]any) { m["scheduled_at"] = 1767225600 }, []string{"scheduled_at"}},
		{"scheduled_at typo", func(m map[string]any) { m["sheduled_at"] = "2030-01-01T10:00:00Z" }, []string{"sheduled_at"}},
		{"nested unknown field", func(m map[string]any) {
			m["media"] = []any{map[string]any{"url": "https://cdn.example.com/a.jpg"}, map[string]any{"url": "https://cdn.example.com/b.jpg", "kind": "image"}}
		}, []string{"media[1].kind"}},
		{"price as a string", func(m map[string]any) {
			m["product"].(map[string]any)["price"] = map[string]any{"amount": "25000", "currency": "IDR"}
		}, []string{"product.price.amount"}},
		{"bad language", func(m map[string]any) { m["language"] = "fr" }, []string{"language"}},
		{"many at once", func(m map[string]any) {
			m["language"] = "fr"
			m["scheduled_at"] = "soon"
			m["targets"] = []any{map[string]any{"account_id": "acc_nope"}, map[string]any{"account_id": ig}}
		}, []string{"language", "scheduled_at", "targets[0].account_id", "targets[1].account_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := postBody(fb, fb2)
			tt.edit(body)
			r := b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body, "Idempotency-Key", "k-"+tt.name)
			b.expectError(r, http.StatusUnprocessableEntity, "validation_failed", tt.fields...)
		})
	}
	// Nothing was stored by any of them, nor queued.
	list := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts", key, nil), http.StatusOK)
	if n := len(list["data"].([]any)); n != 0 {
		t.Fatalf("%d posts stored by rejected requests", n)
	}
	if b.wakes.Load() != 0 {
		t.Fatalf("WakeFunc called %d times for rejected posts", b.wakes.Load())
	}
}

func TestCreatePostPlatformRules(t *testing.T) {
	b := setup(t, func(c *api.Config) {
		c.Publishers = map[serentak.Platform]bool{serentak.Facebook: true, serentak.YouTube: true}
	})
	ws, key := b.workspace("Toko Budi")
	fb := b.account(ws, key, serentak.Facebook, "111")
	yt := b.account(ws, key, serentak.YouTube, "UC123")
	body := postBody(fb, yt)
	body["targets"] = []any{
		map[string]any{"account_id": fb},
		map[string]any{"account_id": yt, "title": strings.Repeat("Judul panjang ", 10)},
	}
	r := b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body)
	m := b.expectError(r, http.StatusUnprocessableEntity, "validation_failed", "targets[1].media", "targets[1].title")
	for _, d := range m["error"].(map[string]any)["details"].([]any) {
		if msg := d.(map[string]any)["message"].(string); !strings.Contains(msg, "targets[1]") {
			t.Errorf("detail %v does not name the target", d)
		}
	}
	list := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts", key, nil), http.StatusOK)
	if n := len(list["data"].([]any)); n != 0 {
		t.Fatalf("%d posts stored after a platform rule failed", n)
	}
}

// privateURLs are URLs on loopback, private and link-local addresses, in
// every spelling safeurl refuses: media URLs and webhook endpoints alike
// (TestWebhookURLs).
var privateURLs = []string{
	"http://127.0.0.1/a.jpg", "http://10.0.0.1/a.jpg", "http://169.254.169.254/a.jpg",
	"http://[::1]/a.jpg", "http://localhost/a.jpg", "http://localhost:8080/a.mp4",
	// Loopback in the other spellings the fetcher (and every URL
	// parser) reads as loopback (safeurl.HostIP).
	"http://2130706433/a.jpg", "http://0x7f000001/a.jpg", "http://0177.0.0.1/a.jpg", "http://127.1/a.jpg",
	"http://0/a.jpg", "http://0.0.0.0/a.jpg", "http://[::127.0.0.1]/a.jpg", "http://[::ffff:127.0.0.1]/a.jpg",
	// A name that resolves to a private address (the tests' resolver).
	"https://internal.example/a.jpg",
}

func TestPrivateMediaURLs(t *testing.T) {
	urls := privateURLs
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	for _, u := range urls {
		body := postBody(acc)
		body["media"] = []any{map[string]any{"url": u}}
		r := b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body)
		m := b.expectError(r, http.StatusUnprocessableEntity, "validation_failed", "media[0].url")
		if code := m["error"].(map[string]any)["details"].([]any)[0].(map[string]any)["code"]; code != "private_address" {
			t.Errorf("%s: detail code %v, want private_address", u, code)
		}
		// The product's order link is checked alike: the platforms fetch it
		// for the link preview.
		body = postBody(acc)
		body["product"].(map[string]any)["url"] = u
		r = b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body)
		m = b.expectError(r, http.StatusUnprocessableEntity, "validation_failed", "product.url")
		if code := m["error"].(map[string]any)["details"].([]any)[0].(map[string]any)["code"]; code != "private_address" {
			t.Errorf("product url %s: detail code %v, want private_address", u, code)
		}
	}
	// A host that ends in a number but is no address is not a URL.
	body := postBody(acc)
	body["media"] = []any{map[string]any{"url": "http://1.2.3.4.5/a.jpg"}}
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed", "media[0].url")
	// A host that does not resolve is left to the platform.
	body = postBody(acc)
	body["media"] = []any{map[string]any{"url": "https://unresolvable.example/a.jpg"}}
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)

	allow := setup(t, func(c *api.Config) { c.MediaAllowPrivate = true })
	ws, key = allow.workspace("Toko Budi")
	acc = allow.account(ws, key, serentak.Facebook, "111")
	for _, u := range urls {
		body := postBody(acc)
		body["media"] = []any{map[string]any{"url": u}}
		body["product"].(map[string]any)["url"] = u
		allow.expect(allow.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusCreated)
	}
}

func TestIdempotentCreate(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	path := "/v1/workspaces/" + ws + "/posts"
	first := b.expect(b.do("POST", path, key, postBody(acc), "Idempotency-Key", "order-42"), http.StatusCreated)

	// The same body, other whitespace: the first post again, 200.
	again := b.do("POST", path, key, " \n"+mustJSON(t, postBody(acc))+"\n", "Idempotency-Key", "order-42")
	if m := b.expect(again, http.StatusOK); m["id"] != first["id"] {
		t.Fatalf("replay gave post %v, want %v", m["id"], first["id"])
	}
	other := postBody(acc)
	other["caption"] = "something else"
	b.expectError(b.do("POST", path, key, other, "Idempotency-Key", "order-42"), http.StatusConflict, "conflict")

	list := b.expect(b.do("GET", path, key, nil), http.StatusOK)
	if n := len(list["data"].([]any)); n != 1 {
		t.Fatalf("%d posts stored, want exactly 1", n)
	}
	if b.wakes.Load() != 1 {
		t.Fatalf("WakeFunc called %d times, want 1 (replays make nothing new)", b.wakes.Load())
	}
	// Without a key, the same body makes a second post.
	b.expect(b.do("POST", path, key, postBody(acc)), http.StatusCreated)
}

func TestCancelAndReschedule(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	path := "/v1/workspaces/" + ws + "/posts"
	body := postBody(acc)
	body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
	id := b.expect(b.do("POST", path, key, body), http.StatusCreated)["id"].(string)

	later := b.now.Add(3 * time.Hour).In(time.FixedZone("WITA", 8*3600))
	m := b.expect(b.do("PATCH", path+"/"+id, key, map[string]any{"scheduled_at": later.Format(time.RFC3339)}), http.StatusOK)
	want := later.UTC().Format(time.RFC3339)
	if m["scheduled_at"] != want || m["deliveries"].([]any)[0].(map[string]any)["scheduled_at"] != want {
		t.Fatalf("rescheduled post = %v, want %s", m, want)
	}
	if b.wakes.Load() != 2 {
		t.Fatalf("WakeFunc called %d times, want 2", b.wakes.Load())
	}
	b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
	b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{"scheduled_at": b.now.Add(-time.Hour).Format(time.RFC3339)}),
		http.StatusUnprocessableEntity, "validation_failed", "scheduled_at")
	b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{"scheduled_at": "2030-01-01T00:00:00Z", "status": "x"}),
		http.StatusUnprocessableEntity, "validation_failed", "status")
	b.expectError(b.do("PATCH", path+"/post_nope", key, map[string]any{"scheduled_at": later.Format(time.RFC3339)}),
		http.StatusNotFound, "not_found")

	m = b.expect(b.do("POST", path+"/"+id+"/cancel", key, nil), http.StatusOK)
	if m["status"] != "canceled" || m["deliveries"].([]any)[0].(map[string]any)["status"] != "canceled" {
		t.Fatalf("canceled post = %v", m)
	}
	// Nothing left to reschedule.
	b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{"scheduled_at": later.Format(time.RFC3339)}), http.StatusConflict, "conflict")
	b.expectError(b.do("POST", path+"/post_nope/cancel", key, nil), http.StatusNotFound, "not_found")
}

func TestListPosts(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	path := "/v1/workspaces/" + ws + "/posts"
	var ids []string
	for i := 0; i < 5; i++ {
		body := postBody(acc)
		body["scheduled_at"] = b.now.Add(time.Duration(i+1) * time.Hour).Format(time.RFC3339)
		ids = append(ids, b.expect(b.do("POST", path, key, body), http.StatusCreated)["id"].(string))
	}
	b.expect(b.do("POST", path+"/"+ids[0]+"/cancel", key, nil), http.StatusOK)

	// Newest scheduled first, two per page.
	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		q := path + "?limit=2"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		m := b.expect(b.do("GET", q, key, nil), http.StatusOK)
		checkKeys(t, "page", m, "data", "next_cursor")
		for _, p := range m["data"].([]any) {
			got = append(got, p.(map[string]any)["id"].(string))
		}
		if m["next_cursor"] == nil {
			break
		}
		cursor = m["next_cursor"].(string)
	}
	want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("pages = %v, want %v", got, want)
	}

	m := b.expect(b.do("GET", path+"?status=canceled", key, nil), http.StatusOK)
	if data := m["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != ids[0] || m["next_cursor"] != nil {
		t.Fatalf("canceled posts = %v", m)
	}
	b.expectError(b.do("GET", path+"?status=done", key, nil), http.StatusUnprocessableEntity, "validation_failed", "status")
	for _, l := range []string{"0", "101", "x", "-1"} {
		b.expectError(b.do("GET", path+"?limit="+l, key, nil), http.StatusUnprocessableEntity, "validation_failed", "limit")
	}
	b.expectError(b.do("GET", path+"?cursor=%25%25bad", key, nil), http.StatusUnprocessableEntity, "validation_failed", "cursor")
}

func TestIdempotentReplayAfterScheduledTime(t *testing.T) {
	clock := testkit.NewClock(time.Now())
	b := setup(t, func(c *api.Config) {
		c.Now = clock.Now
	})
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	body := postBody(acc)
	body["scheduled_at"] = clock.Now().Add(time.Minute).Format(time.RFC3339)
	path := "/v1/workspaces/" + ws + "/posts"
	first := b.expect(b.do("POST", path, key, body, "Idempotency-Key", "k1"), http.StatusCreated)

	// Ten minutes later the body no longer validates (scheduled_at is
	// past), but a replay must still answer the first post.
	clock.Advance(10 * time.Minute)
	if m := b.expect(b.do("POST", path, key, body, "Idempotency-Key", "k1"), http.StatusOK); m["id"] != first["id"] {
		t.Fatalf("replay = %v, want post %v", m["id"], first["id"])
	}
	body["caption"] = "changed"
	b.expectError(b.do("POST", path, key, body, "Idempotency-Key", "k1"), http.StatusConflict, "conflict")
	// Without the key, the same body is judged afresh.
	b.expectError(b.do("POST", path, key, body), http.StatusUnprocessableEntity, "validation_failed", "scheduled_at")
}

// TestPostAfterPublishing drives deliveries through the store as a worker
// would and checks what the API then shows.
func TestPostAfterPublishing(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	a1 := b.account(ws, key, serentak.Facebook, "111")
	a2 := b.account(ws, key, serentak.Facebook, "222")
	m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, postBody(a1, a2)), http.StatusCreated)
	id := m["id"].(string)
	ds := m["deliveries"].([]any)
	ctx := t.Context()
	claim := func(i int) serentak.Claim {
		c, ok, err := b.store.ClaimDelivery(ctx, ds[i].(map[string]any)["id"].(string), 1, time.Now().Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("claim delivery %d: %v %v", i, ok, err)
		}
		return c
	}
	published := time.Date(2026, 5, 1, 3, 4, 5, 0, time.UTC)
	if err := b.store.CompleteDelivery(ctx, claim(0), serentak.Result{ExternalID: "111_999", Permalink: "https://www.facebook.com/111_999", PublishedAt: published}); err != nil {
		t.Fatal(err)
	}
	if err := b.store.FailDelivery(ctx, claim(1), serentak.DeliveryError{Code: "rejected", Message: "(#368) blocked", Retryable: false}); err != nil {
		t.Fatal(err)
	}

	m = b.expect(b.do("GET", "/v1/workspaces/"+ws+"/posts/"+id, key, nil), http.StatusOK)
	if m["status"] != "partially_published" {
		t.Fatalf("post status %v, want partially_published", m["status"])
	}
	byID := map[string]map[string]any{}
	for _, d := range m["deliveries"].([]any) {
		byID[d.(map[string]any)["account_id"].(string)] = d.(map[string]any)
	}
	ok, failed := byID[a1], byID[a2]
	if ok["status"] != "published" || ok["external_id"] != "111_999" || ok["permalink"] != "https://www.facebook.com/111_999" ||
		ok["published_at"] != "2026-05-01T03:04:05Z" || ok["attempts"] != 1.0 || ok["error"] != nil {
		t.Fatalf("published delivery = %v", ok)
	}
	e, _ := failed["error"].(map[string]any)
	if failed["status"] != "failed" || e == nil || e["code"] != "rejected" || e["message"] != "(#368) blocked" || e["retryable"] != false {
		t.Fatalf("failed delivery = %v", failed)
	}
	checkKeys(t, "delivery error", e, "code", "message", "retryable")
	// Nothing is left to cancel or reschedule.
	b.expectError(b.do("PATCH", "/v1/workspaces/"+ws+"/posts/"+id, key, map[string]any{"scheduled_at": b.now.Add(time.Hour).Format(time.RFC3339)}),
		http.StatusConflict, "conflict")
	if m := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts/"+id+"/cancel", key, nil), http.StatusOK); m["status"] != "partially_published" {
		t.Fatalf("cancel changed a finished post: %v", m["status"])
	}
}

// TestPriceAmounts: amounts are bounded (compose.MaxPriceMinorUnits) and
// read exactly: a Rupiah amount past 2^53 is refused rather than rounded,
// and the largest accepted one comes back digit for digit.
func TestPriceAmounts(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	fb := b.account(ws, key, serentak.Facebook, "111")
	for _, tt := range []struct {
		amount, currency string
		field            string // the field at fault; "" when accepted
		stored           string // the amount as answered
	}{
		{"25000", "IDR", "", "25000"},
		{"1000000000000000", "IDR", "", "1000000000000000"},
		{"9007199254740993", "IDR", "product.price.amount", ""},
		{"1e308", "IDR", "product.price.amount", ""},
		{"1e400", "IDR", "product.price.amount", ""},
		{"25000.5", "IDR", "product.price.amount", ""},
		{`"25000"`, "IDR", "product.price.amount", ""},
		{"4.50", "USD", "", "4.5"},
		{"4.505", "USD", "product.price.amount", ""},
	} {
		body := postBody(fb)
		body["product"].(map[string]any)["price"] = map[string]any{"amount": json.RawMessage(tt.amount), "currency": tt.currency}
		r := b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body)
		if tt.field != "" {
			b.expectError(r, http.StatusUnprocessableEntity, "validation_failed", tt.field)
			continue
		}
		b.expect(r, http.StatusCreated)
		if want := `"price":{"amount":` + tt.stored + `,"currency":"` + tt.currency + `"}`; !strings.Contains(string(r.body), want) {
			t.Errorf("amount %s: answer lacks %s: %s", tt.amount, want, r.body)
		}
	}
	// The compare-at price is read the same way.
	body := postBody(fb)
	body["product"].(map[string]any)["compare_at_price"] = map[string]any{"amount": json.RawMessage("1e308"), "currency": "IDR"}
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body), http.StatusUnprocessableEntity, "validation_failed", "product.compare_at_price.amount")
}
