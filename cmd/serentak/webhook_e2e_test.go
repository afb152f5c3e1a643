package main

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/instagram/fakeig"
	"github.com/serentak/serentak/embedredis/redistest"
	"github.com/serentak/serentak/testkit"
	"github.com/serentak/serentak/webhook/webhooktest"
)

// hookEvent is one request a webhook receiver got, decoded.
type hookEvent struct {
	ID   string // the webhook-id header
	Type string
	Data map[string]any
	Body string
}

// hookEvents decodes what the receiver got so far, failing on a request
// whose signature the independent verifier refuses.
func hookEvents(t *testing.T, recv *webhooktest.Receiver) []hookEvent {
	t.Helper()
	var out []hookEvent
	for i, r := range recv.Requests() {
		if r.Verified != nil {
			t.Fatalf("request %d: the signature does not verify: %v\n%s", i, r.Verified, r.Body)
		}
		var body struct {
			Type      string         `json:"type"`
			Timestamp time.Time      `json:"timestamp"`
			Data      map[string]any `json:"data"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil || body.Type == "" || body.Timestamp.IsZero() || body.Data == nil {
			t.Fatalf("request %d: not a {type, timestamp, data} body (%v): %s", i, err, r.Body)
		}
		out = append(out, hookEvent{ID: r.Header.Get("Webhook-Id"), Type: body.Type, Data: body.Data, Body: string(r.Body)})
	}
	return out
}

// waitHook waits for an event of type typ about subject (data.id) and
// returns it.
func waitHook(t *testing.T, recv *webhooktest.Receiver, typ, subject string) hookEvent {
	t.Helper()
	var got hookEvent
	testkit.WaitFor(t, 30*time.Second, typ+" about "+subject, func() bool {
		for _, e := range hookEvents(t, recv) {
			if e.Type == typ && e.Data["id"] == subject {
				got = e
				return true
			}
		}
		return false
	})
	return got
}

// TestWebhooksEndToEnd runs `serentak serve` with a webhook endpoint made
// through the API and a real receiver on 127.0.0.1 that verifies every
// signature from the specification alone: a post that Facebook publishes
// and Instagram refuses for good tells delivery.published,
// delivery.failed (with Instagram's error) and post.partially_published,
// each once, each with the data GET answers; an editor's post tells
// post.pending_approval and post.approved; a test event is sent on
// request; the attempt log lists every send, and a manual retry sends one
// event again under the same webhook-id.
func TestWebhooksEndToEnd(t *testing.T) {
	// Before the system, so it closes after the system has stopped.
	recv := webhooktest.NewReceiver(t, "", time.Now)
	s := newSystem(t)
	if url := os.Getenv("SERENTAK_TEST_REDIS_URL"); url != "" {
		redistest.New(t) // empties the shared Redis for this test
		s.env["SERENTAK_REDIS_URL"] = url
	}
	s.env["SERENTAK_WEBHOOK_ALLOW_PRIVATE"] = "true"
	s.base = s.start("serve")
	ws, owner, fb := s.tour()
	code, out := s.call("POST", "/v1/workspaces/"+ws+"/accounts", owner, map[string]any{
		"platform": "instagram", "external_id": igUserID, "name": "tokobudi", "access_token": igToken,
	})
	if code != 201 {
		t.Fatalf("attach instagram: %d %v", code, out)
	}
	ig := out["id"].(string)

	code, hook := s.call("POST", "/v1/workspaces/"+ws+"/webhooks", owner, map[string]any{"url": recv.URL() + "/hooks", "description": "orders app"})
	if code != 201 {
		t.Fatalf("create webhook: %d %v", code, hook)
	}
	hookID, secret := hook["id"].(string), hook["secret"].(string)
	recv.SetSecrets(secret, "")
	wsPath := "/v1/workspaces/" + ws

	// Facebook publishes, Instagram refuses for good.
	s.ig.FailNext("POST", "media_publish", 1, fakeig.GraphError(100, 0))
	body := productPost(fb, time.Now().Add(time.Second))
	body["targets"] = []map[string]any{{"account_id": fb}, {"account_id": ig}}
	body["media"] = []map[string]any{{"url": s.ig.SampleJPEGURL()}}
	code, post := s.call("POST", wsPath+"/posts", owner, body)
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	postID := post["id"].(string)
	done := s.waitPost(ws, owner, postID, "published", "failed", "partially_published")
	if done["status"] != "partially_published" {
		t.Fatalf("post ended %v, want partially_published: %v", done["status"], done)
	}
	partial := waitHook(t, recv, "post.partially_published", postID)
	// The post as GET answers it once it has ended.
	if _, got := s.call("GET", wsPath+"/posts/"+postID, owner, nil); !reflect.DeepEqual(partial.Data, got) {
		t.Errorf("post.partially_published data:\n%v\nGET answers:\n%v", partial.Data, got)
	}
	var failedEvent hookEvent
	for _, d := range done["deliveries"].([]any) {
		d := d.(map[string]any)
		typ := "delivery.published"
		if d["platform"] == "instagram" {
			typ = "delivery.failed"
		}
		e := waitHook(t, recv, typ, d["id"].(string))
		want := map[string]any{"post_id": postID}
		for k, v := range d {
			want[k] = v
		}
		if !reflect.DeepEqual(e.Data, want) {
			t.Errorf("%s data:\n%v\nwant the delivery as GET answers it:\n%v", typ, e.Data, want)
		}
		if typ == "delivery.failed" {
			failedEvent = e
			if er, _ := e.Data["error"].(map[string]any); er == nil || er["message"] == "" || er["retryable"] != false {
				t.Errorf("delivery.failed without Instagram's error: %v", e.Data)
			}
		}
	}

	// An editor's post in a workspace requiring approval.
	if code, out := s.call("PATCH", wsPath, owner, map[string]any{"approval_required": true}); code != 200 {
		t.Fatalf("require approval: %d %v", code, out)
	}
	code, out = s.call("POST", wsPath+"/keys", owner, map[string]any{"name": "staff", "role": "editor"})
	if code != 201 {
		t.Fatalf("editor key: %d %v", code, out)
	}
	code, held := s.call("POST", wsPath+"/posts", out["api_key"].(string), productPost(fb, time.Now().Add(time.Second)))
	if code != 201 || held["status"] != "pending_approval" {
		t.Fatalf("editor's post: %d %v", code, held)
	}
	heldID := held["id"].(string)
	if e := waitHook(t, recv, "post.pending_approval", heldID); e.Data["status"] != "pending_approval" {
		t.Errorf("post.pending_approval data: %v", e.Data)
	}
	if code, out := s.call("POST", wsPath+"/posts/"+heldID+"/approve", owner, nil); code != 200 {
		t.Fatalf("approve: %d %v", code, out)
	}
	waitHook(t, recv, "post.approved", heldID)
	if done := s.waitPost(ws, owner, heldID, "published", "failed"); done["status"] != "published" {
		t.Fatalf("approved post ended %v: %v", done["status"], done)
	}
	published := waitHook(t, recv, "post.published", heldID)
	if _, got := s.call("GET", wsPath+"/posts/"+heldID, owner, nil); !reflect.DeepEqual(published.Data, got) {
		t.Errorf("post.published data:\n%v\nGET answers:\n%v", published.Data, got)
	}

	// A test event on request.
	code, msg := s.call("POST", wsPath+"/webhooks/"+hookID+"/test", owner, nil)
	if code != 202 {
		t.Fatalf("test webhook: %d %v", code, msg)
	}
	var test hookEvent
	testkit.WaitFor(t, 30*time.Second, "webhook.test", func() bool {
		for _, e := range hookEvents(t, recv) {
			if e.Type == "webhook.test" {
				test = e
				return true
			}
		}
		return false
	})
	if test.ID != msg["id"] || test.Data["webhook_id"] != hookID {
		t.Errorf("webhook.test %s with data %v; want webhook-id %v and the endpoint's ID", test.ID, test.Data, msg["id"])
	}

	// The attempt log lists every event sent, each answered 204 (the
	// receiver's answer), newest first.
	sent := hookEvents(t, recv)
	var attempts []map[string]any
	testkit.WaitFor(t, 30*time.Second, "every send in the attempt log", func() bool {
		code, out := s.call("GET", wsPath+"/webhooks/"+hookID+"/deliveries", owner, nil)
		if code != 200 {
			t.Fatalf("attempt log: %d %v", code, out)
		}
		attempts = nil
		for _, a := range out["data"].([]any) {
			attempts = append(attempts, a.(map[string]any))
		}
		return len(attempts) == len(sent)
	})
	logged := map[string]map[string]any{}
	for _, a := range attempts {
		logged[a["message_id"].(string)] = a
	}
	for _, e := range sent {
		a := logged[e.ID]
		if a == nil || a["event"] != e.Type || a["status_code"] != float64(204) || a["next_retry_at"] != nil {
			t.Errorf("the attempt log's entry for %s (%s): %v", e.ID, e.Type, a)
		}
	}

	// A manual retry sends delivery.failed's event again: same webhook-id,
	// same bytes.
	retryOf := logged[failedEvent.ID]["id"].(string)
	if code, out := s.call("POST", wsPath+"/webhooks/"+hookID+"/deliveries/"+retryOf+"/retry", owner, nil); code != 202 || out["id"] != failedEvent.ID {
		t.Fatalf("retry: %d %v", code, out)
	}
	testkit.WaitFor(t, 30*time.Second, "the retried event", func() bool { return len(hookEvents(t, recv)) == len(sent)+1 })
	again := hookEvents(t, recv)[len(sent)]
	if again.ID != failedEvent.ID || again.Body != failedEvent.Body {
		t.Errorf("the retry sent %s:\n%s\nwant %s again:\n%s", again.ID, again.Body, failedEvent.ID, failedEvent.Body)
	}

	// Each event once (the retry apart), under webhook-ids of its own.
	s.stopAll()
	count := map[string]int{}
	ids := map[string]string{}
	for _, e := range hookEvents(t, recv) {
		count[e.Type]++
		if typ, ok := ids[e.ID]; ok && e.ID != failedEvent.ID {
			t.Errorf("webhook-id %s sent for %s and %s", e.ID, typ, e.Type)
		}
		ids[e.ID] = e.Type
	}
	want := map[string]int{
		"delivery.published": 2, "delivery.failed": 2, "post.partially_published": 1,
		"post.pending_approval": 1, "post.approved": 1, "post.published": 1, "webhook.test": 1,
	}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("events received %v, want %v", count, want)
	}
}
