package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

// berlinWorkspace is a workspace in Europe/Berlin with a Facebook account.
func berlinWorkspace(b *bundle) (ws, key, acc string) {
	b.t.Helper()
	m := b.expect(b.do("POST", "/v1/workspaces", adminKey, map[string]any{"name": "Café Berlin", "timezone": "Europe/Berlin"}), http.StatusCreated)
	ws, key = m["id"].(string), m["api_key"].(string)
	return ws, key, b.account(ws, key, serentak.Facebook, "111")
}

func stringsOf(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// Slots are wall-clock times in the workspace's zone: on the night
// Berlin springs forward (28 March 2027) a 02:30 slot, a time that does
// not exist, is read with the offset before the change: 03:30 CEST.
func TestQueueSlotsAcrossSpringForward(t *testing.T) {
	b := setup(t)
	b.now = time.Date(2027, 3, 26, 12, 0, 0, 0, time.UTC) // Friday
	ws, key, _ := berlinWorkspace(b)
	path := "/v1/workspaces/" + ws + "/queue"

	m := b.expect(b.do("GET", path, key, nil), http.StatusOK)
	checkKeys(t, "queue", m, "timezone", "slots", "next")
	if len(m["slots"].([]any)) != 0 || len(m["next"].([]any)) != 0 {
		t.Fatalf("a new workspace's queue: %v", m)
	}
	m = b.expect(b.do("PUT", path, key, map[string]any{"slots": []any{
		map[string]any{"day": "mon", "time": "09:00"},
		map[string]any{"day": "SUN", "time": "02:30"},
		map[string]any{"day": "mon", "time": "09:00"}, // merged
	}}), http.StatusOK)
	wantSlots := []any{map[string]any{"day": "sun", "time": "02:30"}, map[string]any{"day": "mon", "time": "09:00"}}
	if diff := cmp.Diff(wantSlots, m["slots"]); diff != "" {
		t.Errorf("slots (-want +got):\n%s", diff)
	}
	next := stringsOf(m["next"])
	want := []string{"2027-03-28T01:30:00Z", "2027-03-29T07:00:00Z", "2027-04-04T00:30:00Z", "2027-04-05T07:00:00Z"}
	if len(next) != 10 || !cmp.Equal(want, next[:4]) {
		t.Errorf("next free slots: %v, want 10 starting %v", next, want)
	}
	if got := b.expect(b.do("GET", path, key, nil), http.StatusOK); !cmp.Equal(m, got) {
		t.Errorf("GET = %v, want the PUT's answer %v", got, m)
	}
}

func TestQueueRefusesBadSlots(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	path := "/v1/workspaces/" + ws + "/queue"
	b.expectError(b.do("PUT", path, key, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed", "slots")
	b.expectError(b.do("PUT", path, key, map[string]any{"slots": []any{
		map[string]any{"day": "monday", "time": "09:00"},
		map[string]any{"day": "tue", "time": "9:00"},
		map[string]any{"day": "wed", "time": "24:00"},
	}}), http.StatusUnprocessableEntity, "validation_failed", "slots[0].day", "slots[1].time", "slots[2].time")
	many := []any{}
	for i := range 101 {
		many = append(many, map[string]any{"day": "mon", "time": time.Date(0, 1, 1, 0, i, 0, 0, time.UTC).Format("15:04")})
	}
	b.expectError(b.do("PUT", path, key, map[string]any{"slots": many}), http.StatusUnprocessableEntity, "validation_failed", "slots")
	// Nothing was changed by a refused PUT.
	if m := b.expect(b.do("GET", path, key, nil), http.StatusOK); len(m["slots"].([]any)) != 0 {
		t.Errorf("slots after refused PUTs: %v", m["slots"])
	}
}

func TestQueuedPosts(t *testing.T) {
	b := setup(t)
	b.now = time.Date(2027, 3, 26, 12, 0, 0, 0, time.UTC)
	ws, key, acc := berlinWorkspace(b)
	posts := "/v1/workspaces/" + ws + "/posts"
	queued := postBody(acc)
	queued["queue"] = true

	b.expectError(b.do("POST", posts, key, queued), http.StatusUnprocessableEntity, "validation_failed", "queue")
	b.expect(b.do("PUT", "/v1/workspaces/"+ws+"/queue", key, map[string]any{"slots": []any{
		map[string]any{"day": "sun", "time": "02:30"}, map[string]any{"day": "mon", "time": "09:00"},
	}}), http.StatusOK)
	both := postBody(acc)
	both["queue"] = true
	both["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
	b.expectError(b.do("POST", posts, key, both), http.StatusUnprocessableEntity, "validation_failed", "queue")

	first := b.expect(b.do("POST", posts, key, queued), http.StatusCreated)
	second := b.expect(b.do("POST", posts, key, queued, "Idempotency-Key", "second"), http.StatusCreated)
	if first["scheduled_at"] != "2027-03-28T01:30:00Z" || second["scheduled_at"] != "2027-03-29T07:00:00Z" {
		t.Fatalf("queued posts at %v and %v", first["scheduled_at"], second["scheduled_at"])
	}
	if d := first["deliveries"].([]any)[0].(map[string]any); d["scheduled_at"] != first["scheduled_at"] || d["status"] != "scheduled" {
		t.Errorf("the queued post's delivery: %v", d)
	}
	// A replay answers the same post; it takes no second slot.
	if again := b.expect(b.do("POST", posts, key, queued, "Idempotency-Key", "second"), http.StatusOK); again["id"] != second["id"] {
		t.Errorf("replay: %v, want %v", again["id"], second["id"])
	}
	// A canceled post frees its slot for the next queued post.
	b.expect(b.do("POST", posts+"/"+first["id"].(string)+"/cancel", key, nil), http.StatusOK)
	third := b.expect(b.do("POST", posts, key, queued), http.StatusCreated)
	if third["scheduled_at"] != "2027-03-28T01:30:00Z" {
		t.Errorf("after a cancel the next queued post is at %v, want the freed slot", third["scheduled_at"])
	}
	fourth := b.expect(b.do("POST", posts, key, queued), http.StatusCreated)
	if fourth["scheduled_at"] != "2027-04-04T00:30:00Z" {
		t.Errorf("fourth queued post at %v", fourth["scheduled_at"])
	}
}

// An editor's queued post waits for approval, and holds its slot while
// it waits.
func TestQueuedPostWaitsForApproval(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	b.expect(b.do("PUT", "/v1/workspaces/"+w.ws+"/queue", w.owner, map[string]any{"slots": []any{map[string]any{"day": "mon", "time": "09:00"}}}), http.StatusOK)
	body := postBody(w.acc)
	body["queue"] = true
	p := b.expect(b.do("POST", "/v1/workspaces/"+w.ws+"/posts", w.editor, body), http.StatusCreated)
	if p["status"] != "pending_approval" || deliveryStatus(p) != "pending_approval" {
		t.Fatalf("editor's queued post: %v, delivery %v", p["status"], deliveryStatus(p))
	}
	q := b.expect(b.do("GET", "/v1/workspaces/"+w.ws+"/queue", w.editor, nil), http.StatusOK)
	if next := stringsOf(q["next"]); next[0] == p["scheduled_at"] {
		t.Errorf("the held post's slot %v is still offered as free", p["scheduled_at"])
	}
}

// A monthly repeat from 31 January keeps to the month's last day and to
// 09:00 Berlin time across the change to summer time.
func TestRepeatMonthly(t *testing.T) {
	b := setup(t)
	b.now = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	ws, key, acc := berlinWorkspace(b)
	posts := "/v1/workspaces/" + ws + "/posts"
	body := postBody(acc)
	body["scheduled_at"] = "2027-01-31T09:00:00+01:00"
	body["repeat"] = map[string]any{"every": "month", "count": 4}
	m := b.expect(b.do("POST", posts, key, body, "Idempotency-Key", "monthly"), http.StatusCreated)
	ids := stringsOf(m["repeat"].(map[string]any)["post_ids"])
	if len(ids) != 4 || ids[0] != m["id"] {
		t.Fatalf("repeat.post_ids = %v, first %v", ids, m["id"])
	}
	want := []string{"2027-01-31T08:00:00Z", "2027-02-28T08:00:00Z", "2027-03-31T07:00:00Z", "2027-04-30T07:00:00Z"}
	var deliveries []string
	for i, id := range ids {
		p := b.expect(b.do("GET", posts+"/"+id, key, nil), http.StatusOK)
		if p["scheduled_at"] != want[i] || p["status"] != "scheduled" {
			t.Errorf("post %d: %v at %v, want scheduled at %s", i, p["status"], p["scheduled_at"], want[i])
		}
		deliveries = append(deliveries, p["deliveries"].([]any)[0].(map[string]any)["id"].(string))
	}
	if deliveries[0] == deliveries[1] {
		t.Errorf("posts share a delivery: %v", deliveries)
	}
	// Each is its own post: canceling one leaves the others.
	b.expect(b.do("POST", posts+"/"+ids[1]+"/cancel", key, nil), http.StatusOK)
	if p := b.expect(b.do("GET", posts+"/"+ids[2], key, nil), http.StatusOK); p["status"] != "scheduled" {
		t.Errorf("another post of the series is %v", p["status"])
	}
	// A replay answers the same series.
	again := b.expect(b.do("POST", posts, key, body, "Idempotency-Key", "monthly"), http.StatusOK)
	if got := stringsOf(again["repeat"].(map[string]any)["post_ids"]); !cmp.Equal(ids, got) {
		t.Errorf("replay post_ids %v, want %v", got, ids)
	}
	list := b.expect(b.do("GET", posts+"?limit=100", key, nil), http.StatusOK)
	if n := len(list["data"].([]any)); n != 4 {
		t.Errorf("%d posts stored, want 4", n)
	}
}

func TestRepeatRefusesBadInput(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	posts := "/v1/workspaces/" + ws + "/posts"
	for _, tc := range []struct {
		repeat any
		queue  bool
		fields []string
	}{
		{map[string]any{"every": "year", "count": 3}, false, []string{"repeat.every"}},
		{map[string]any{"every": "day", "count": 1}, false, []string{"repeat.count"}},
		{map[string]any{"every": "week", "count": 53}, false, []string{"repeat.count"}},
		{map[string]any{"every": "day"}, false, []string{"repeat.count"}},
		{map[string]any{"count": 2}, false, []string{"repeat.every"}},
		{map[string]any{"every": "day", "count": 2}, true, []string{"queue", "repeat"}},
	} {
		body := postBody(acc)
		body["repeat"] = tc.repeat
		if tc.queue {
			body["queue"] = true
		}
		b.expectError(b.do("POST", posts, key, body), http.StatusUnprocessableEntity, "validation_failed", tc.fields...)
	}
	if list := b.expect(b.do("GET", posts, key, nil), http.StatusOK); len(list["data"].([]any)) != 0 {
		t.Errorf("refused repeats stored posts: %v", list["data"])
	}
}

// An editor's repeat waits for approval, every post of it.
func TestRepeatWaitsForApproval(t *testing.T) {
	b := setup(t)
	w := newApprovalWorkspace(t, b)
	body := postBody(w.acc)
	body["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
	body["repeat"] = map[string]any{"every": "day", "count": 3}
	m := b.expect(b.do("POST", "/v1/workspaces/"+w.ws+"/posts", w.editor, body), http.StatusCreated)
	for _, id := range stringsOf(m["repeat"].(map[string]any)["post_ids"]) {
		p := b.expect(b.do("GET", "/v1/workspaces/"+w.ws+"/posts/"+id, w.editor, nil), http.StatusOK)
		if p["status"] != "pending_approval" {
			t.Errorf("post %s of an editor's repeat is %v", id, p["status"])
		}
	}
}

// Twenty posts queued through the API at once get twenty different slots,
// the first twenty free ones (on PostgreSQL when
// SERENTAK_TEST_DATABASE_URL is set, the requests really run at once).
func TestConcurrentQueuedPostsGetDistinctSlots(t *testing.T) {
	b := setup(t)
	ws, key, acc := berlinWorkspace(b)
	q := b.expect(b.do("PUT", "/v1/workspaces/"+ws+"/queue", key, map[string]any{"slots": []any{
		map[string]any{"day": "mon", "time": "09:00"}, map[string]any{"day": "tue", "time": "09:00"},
		map[string]any{"day": "wed", "time": "09:00"}, map[string]any{"day": "thu", "time": "09:00"},
	}}), http.StatusOK)
	free := stringsOf(q["next"]) // the first 10
	body := postBody(acc)
	body["queue"] = true
	const n = 20
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := b.do("POST", "/v1/workspaces/"+ws+"/posts", key, body)
			if r.status != http.StatusCreated {
				t.Errorf("queued post %d: %d %s", i, r.status, r.body)
				return
			}
			var p struct {
				ScheduledAt string `json:"scheduled_at"`
			}
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Errorf("queued post %d: %v", i, err)
			}
			got[i] = p.ScheduledAt
		})
	}
	wg.Wait()
	slices.Sort(got)
	if got = slices.Compact(got); len(got) != n {
		t.Fatalf("%d different slots for %d posts: %v", len(got), n, got)
	}
	if !cmp.Equal(free, got[:10]) {
		t.Errorf("the first ten slots taken %v, want the ten that were free %v", got[:10], free)
	}
}
