package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

// webhook creates an endpoint of ws receiving every event; its answer.
func (b *bundle) webhook(ws, key string) map[string]any {
	b.t.Helper()
	return b.expect(b.do("POST", "/v1/workspaces/"+ws+"/webhooks", key, map[string]any{"url": "https://cdn.example.com/hooks"}), http.StatusCreated)
}

// webhookAttempt queues a test event for the endpoint and records one
// failed attempt at it, as the sender would; the attempt's ID.
func (b *bundle) webhookAttempt(ws, key, hook string) string {
	b.t.Helper()
	msg := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/webhooks/"+hook+"/test", key, nil), http.StatusAccepted)
	ctx, now := context.Background(), time.Now()
	m, _, ok, err := b.store.ClaimMessage(ctx, msg["id"].(string), now, now.Add(time.Minute))
	if err != nil || !ok {
		b.t.Fatalf("ClaimMessage = %v, %v", ok, err)
	}
	retry := now.Add(5 * time.Second)
	m.Attempts, m.Status, m.NextAttemptAt, m.Body = m.Attempts+1, serentak.MessagePending, retry, []byte(`{}`)
	a := serentak.Attempt{ID: serentak.NewID(serentak.PrefixAttempt), StatusCode: 503, Duration: 42 * time.Millisecond, At: now, NextRetryAt: &retry}
	if err := b.store.RecordAttempt(ctx, m, a); err != nil {
		b.t.Fatal(err)
	}
	return a.ID
}

func TestWebhookEndpoints(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	path := "/v1/workspaces/" + ws + "/webhooks"

	created := b.expect(b.do("POST", path, key, map[string]any{
		"url": "https://cdn.example.com/hooks", "events": []string{"post.failed", "delivery.failed", "post.failed"}, "description": " orders app ",
	}), http.StatusCreated)
	id := created["id"].(string)
	secret, _ := created["secret"].(string)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if !strings.HasPrefix(secret, "whsec_") || err != nil || len(raw) < 24 {
		t.Fatalf("secret %q: want whsec_ and the base64 of 24 or more bytes (%v)", secret, err)
	}
	if ev := created["events"].([]any); len(ev) != 2 || created["description"] != "orders app" || created["disabled"] != false ||
		created["disabled_at"] != nil || created["failing_since"] != nil {
		t.Errorf("created: %v", created)
	}
	// The secret is never shown again, nor logged.
	got := b.expect(b.do("GET", path+"/"+id, key, nil), http.StatusOK)
	if _, ok := got["secret"]; ok || got["url"] != "https://cdn.example.com/hooks" {
		t.Errorf("GET: %v", got)
	}
	list := b.expect(b.do("GET", path, key, nil), http.StatusOK)["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != id || list[0].(map[string]any)["secret"] != nil {
		t.Errorf("list: %v", list)
	}
	if strings.Contains(b.logs.String(), secret) {
		t.Error("the secret is in the log")
	}

	// PATCH: events emptied (all), disabled, then enabled.
	got = b.expect(b.do("PATCH", path+"/"+id, key, map[string]any{"events": []string{}, "disabled": true}), http.StatusOK)
	if len(got["events"].([]any)) != 0 || got["disabled"] != true || got["disabled_at"] == nil || got["disabled_reason"] != "disabled by request" {
		t.Errorf("disabled: %v", got)
	}
	got = b.expect(b.do("PATCH", path+"/"+id, key, map[string]any{"disabled": false}), http.StatusOK)
	if got["disabled"] != false || got["disabled_at"] != nil || got["disabled_reason"] != nil || got["url"] != "https://cdn.example.com/hooks" {
		t.Errorf("enabled: %v", got)
	}

	// Rotation: a new secret, shown once; the old one signs for a day.
	rotated := b.expect(b.do("POST", path+"/"+id+"/rotate-secret", key, nil), http.StatusOK)
	if s, _ := rotated["secret"].(string); !strings.HasPrefix(s, "whsec_") || s == secret {
		t.Errorf("rotated secret %q", s)
	}
	// (The store keeps its own clock: the real one here.)
	if until, _ := time.Parse(time.RFC3339Nano, rotated["previous_secret_expires_at"].(string)); until.Sub(time.Now().Add(serentak.WebhookRotationOverlap)).Abs() > time.Minute {
		t.Errorf("previous secret expires at %v, want a day from now", rotated["previous_secret_expires_at"])
	}

	// Audited.
	entries, _, err := b.store.FindAudit(context.Background(), ws, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if strings.HasPrefix(e.Action, "webhook.") {
			actions = append(actions, e.Action)
		}
	}
	if want := "webhook.rotate_secret webhook.update webhook.update webhook.create"; strings.Join(actions, " ") != want {
		t.Errorf("audit: %v, want %s", actions, want)
	}

	b.expect(b.do("DELETE", path+"/"+id, key, nil), http.StatusNoContent)
	b.expectError(b.do("GET", path+"/"+id, key, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("GET", path+"/wh_nonsense", key, nil), http.StatusNotFound, "not_found")
}

func TestWebhookValidation(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	path := "/v1/workspaces/" + ws + "/webhooks"
	for _, u := range []string{"ftp://cdn.example.com/hooks", "cdn.example.com/hooks", "https://", "mailto:a@b.c"} {
		b.expectError(b.do("POST", path, key, map[string]any{"url": u}), http.StatusUnprocessableEntity, "validation_failed", "url")
	}
	b.expectError(b.do("POST", path, key, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed", "url")
	b.expectError(b.do("POST", path, key, map[string]any{"url": "https://cdn.example.com/hooks", "events": []string{"post.published", "post.exploded"}}),
		http.StatusUnprocessableEntity, "validation_failed", "events")
	b.expectError(b.do("POST", path, key, map[string]any{"url": "https://cdn.example.com/hooks", "secret": "whsec_mine"}),
		http.StatusUnprocessableEntity, "validation_failed", "secret")
	id := b.webhook(ws, key)["id"].(string)
	b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{"url": "http://10.1.2.3/hooks"}), http.StatusUnprocessableEntity, "validation_failed", "url")
	b.expectError(b.do("PATCH", path+"/"+id, key, map[string]any{"events": []string{"nope"}}), http.StatusUnprocessableEntity, "validation_failed", "events")
}

// Webhook URLs on private addresses are refused in every spelling media
// URLs are, unless SERENTAK_WEBHOOK_ALLOW_PRIVATE.
func TestWebhookURLs(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	for _, u := range privateURLs {
		m := b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/webhooks", key, map[string]any{"url": u}), http.StatusUnprocessableEntity, "validation_failed", "url")
		if code := m["error"].(map[string]any)["details"].([]any)[0].(map[string]any)["code"]; code != "private_address" {
			t.Errorf("%s: detail code %v, want private_address", u, code)
		}
	}
	// The media setting does not open webhooks, nor the other way round.
	media := setup(t, func(c *api.Config) { c.MediaAllowPrivate = true })
	ws, key = media.workspace("Toko Budi")
	media.expectError(media.do("POST", "/v1/workspaces/"+ws+"/webhooks", key, map[string]any{"url": "http://127.0.0.1:9000/hooks"}), http.StatusUnprocessableEntity, "validation_failed", "url")

	allow := setup(t, func(c *api.Config) { c.WebhookAllowPrivate = true })
	ws, key = allow.workspace("Toko Budi")
	for _, u := range privateURLs {
		allow.expect(allow.do("POST", "/v1/workspaces/"+ws+"/webhooks", key, map[string]any{"url": u}), http.StatusCreated)
	}
}

func TestWebhookAttemptLogAndRetry(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	hook := b.webhook(ws, key)["id"].(string)
	first := b.webhookAttempt(ws, key, hook)
	second := b.webhookAttempt(ws, key, hook)
	path := "/v1/workspaces/" + ws + "/webhooks/" + hook + "/deliveries"

	page := b.expect(b.do("GET", path+"?limit=1", key, nil), http.StatusOK)
	data := page["data"].([]any)
	if len(data) != 1 || page["next_cursor"] == nil {
		t.Fatalf("first page: %v", page)
	}
	a := data[0].(map[string]any)
	if a["id"] != second || a["event"] != "webhook.test" || a["status_code"] != float64(503) || a["duration_ms"] != float64(42) ||
		a["next_retry_at"] == nil || a["attempted_at"] == nil || a["error"] != nil || !strings.HasPrefix(a["message_id"].(string), "msg_") {
		t.Errorf("attempt: %v", a)
	}
	page = b.expect(b.do("GET", path+"?limit=1&cursor="+page["next_cursor"].(string), key, nil), http.StatusOK)
	if data := page["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != first || page["next_cursor"] != nil {
		t.Errorf("second page: %v", page)
	}
	b.expectError(b.do("GET", path+"?cursor=nonsense", key, nil), http.StatusUnprocessableEntity, "validation_failed", "cursor")

	// A manual retry: the message is due at once, whatever it was.
	m := b.expect(b.do("POST", path+"/"+first+"/retry", key, nil), http.StatusAccepted)
	if m["status"] != "pending" || m["event"] != "webhook.test" || m["id"] == a["message_id"] || m["id"] == nil {
		t.Errorf("retry: %v", m)
	}
	due, err := b.store.DueMessages(context.Background(), time.Now(), 10)
	if err != nil || len(due) != 1 || due[0].ID != m["id"] { // the second waits for its retry
		t.Errorf("due after the retry: %+v, %v", due, err)
	}
	b.expectError(b.do("POST", path+"/wha_nonsense/retry", key, nil), http.StatusNotFound, "not_found")
	// Another endpoint's attempt is not this one's.
	other := b.webhook(ws, key)["id"].(string)
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/webhooks/"+other+"/deliveries/"+first+"/retry", key, nil), http.StatusNotFound, "not_found")
}

// EventData renders what GET answers for each kind of subject.
func TestEventData(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	post := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, postBody(acc)), http.StatusCreated)
	deliveries := post["deliveries"].([]any)
	dlv := deliveries[0].(map[string]any)
	ctx := context.Background()
	render := func(eventType, subject string) map[string]any {
		t.Helper()
		raw, err := api.EventData(ctx, b.store, serentak.Message{WorkspaceID: ws, EndpointID: "wh_x", EventType: eventType, SubjectID: subject})
		if err != nil {
			t.Fatalf("EventData(%s): %v", eventType, err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// A delivery failed: its data carries the platform's error.
	c, ok, err := b.store.ClaimDelivery(ctx, dlv["id"].(string), 1, time.Now().Add(time.Minute))
	if err != nil || !ok {
		t.Fatalf("ClaimDelivery = %v, %v", ok, err)
	}
	if err := b.store.FailDelivery(ctx, c, serentak.DeliveryError{Code: "rejected", Message: "The aspect ratio is not supported."}); err != nil {
		t.Fatal(err)
	}
	d := render(serentak.EventDeliveryFailed, dlv["id"].(string))
	if d["post_id"] != post["id"] || d["id"] != dlv["id"] || d["status"] != "failed" || d["content"] == nil {
		t.Errorf("delivery data: %v", d)
	}
	if e, _ := d["error"].(map[string]any); e["code"] != "rejected" || e["message"] != "The aspect ratio is not supported." {
		t.Errorf("delivery data's error: %v", d["error"])
	}
	if p := render(serentak.EventPostPublished, post["id"].(string)); p["id"] != post["id"] || len(p["deliveries"].([]any)) != len(deliveries) {
		t.Errorf("post data: %v", p)
	}
	if a := render(serentak.EventAccountNeedsReauth, acc); a["id"] != acc || a["platform"] != "facebook" || a["access_token"] != nil {
		t.Errorf("account data: %v", a)
	}
	if w := render(serentak.EventWebhookTest, "wh_x"); w["webhook_id"] != "wh_x" {
		t.Errorf("test data: %v", w)
	}
	if g := render(serentak.EventPostFailed, "post_gone"); g["id"] != "post_gone" || g["deleted"] != true {
		t.Errorf("data of a subject gone: %v", g)
	}
}
