package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/internal/fakestack"
	"github.com/serentak/serentak/testkit"
)

// The "done when", end to end through serve (its HTTP server,
// scheduler, worker and the Facebook fake): a post published with a
// tracked link; a person's click on {public URL}/o/{code} is counted on
// that delivery and a preview robot's (WhatsApp, facebookexternalhit) is
// not; the last count is written when serve stops.
func TestPublishedTrackedLinkCounted(t *testing.T) {
	addr := freeAddr(t)
	stack, err := fakestack.Start(fakestack.Config{PublicURL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	dir := t.TempDir()
	env := map[string]string{
		"SERENTAK_ADDR":           addr,
		"SERENTAK_DATA_DIR":       dir,
		"SERENTAK_DATABASE_URL":   filepath.Join(dir, "serentak.db"),
		"SERENTAK_ADMIN_KEY":      "test-operator-key",
		"SERENTAK_SECRET_KEY":     "test-secret-key",
		"SERENTAK_SCHEDULER_TICK": "50ms",
		"SERENTAK_CONFIG":         os.DevNull,
	}
	for k, v := range stack.Env() {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a := New(cfg, Serve, &testkit.Buffer{})
	listening := make(chan string, 1)
	a.Listening = listening
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer a.Close()
	running := true
	defer func() {
		if running {
			cancel()
			<-done
		}
	}()
	select {
	case <-listening:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the API did not listen within 30s")
	}
	base := "http://" + addr
	call := func(method, path, key string, body any) (int, map[string]any) {
		t.Helper()
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, r)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		return do(t, req)
	}
	code, out := call("POST", "/v1/workspaces", "test-operator-key", map[string]any{"name": "Dapur Bu Sari"})
	if code != 201 {
		t.Fatalf("create workspace: %d %v", code, out)
	}
	ws, key := out["id"].(string), out["api_key"].(string)
	if code, out = call("PATCH", "/v1/workspaces/"+ws, key, map[string]any{"tracked_links": true}); code != 200 || out["tracked_links"] != true {
		t.Fatalf("tracked_links on: %d %v", code, out)
	}
	code, out = call("GET", "/v1/workspaces/"+ws+"/accounts/connect/facebook", key, nil)
	req, _ := http.NewRequest("GET", out["authorize_url"].(string), nil)
	code, out = do(t, req)
	data, _ := out["data"].([]any)
	if code != 200 || len(data) != 1 {
		t.Fatalf("facebook login and callback: %d %v", code, out)
	}
	account := data[0].(map[string]any)["id"].(string)
	code, post := call("POST", "/v1/workspaces/"+ws+"/posts", key, map[string]any{
		"product": map[string]any{"name": "Keripik Singkong Pedas", "price": map[string]any{"amount": 25000, "currency": "IDR"},
			"url": "https://wa.me/6281234567890"},
		"targets":      []map[string]any{{"account_id": account}},
		"scheduled_at": time.Now().Add(time.Second).Format(time.RFC3339Nano),
	})
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	postID := post["id"].(string)
	testkit.WaitFor(t, time.Minute, "the post to be published", func() bool {
		code, post = call("GET", "/v1/workspaces/"+ws+"/posts/"+postID, key, nil)
		st := post["status"]
		return code != 200 || (st != "scheduled" && st != "publishing")
	})
	if post["status"] != "published" {
		t.Fatalf("post %v, want published: %v", post["status"], post)
	}
	d := post["deliveries"].([]any)[0].(map[string]any)
	text := d["content"].(map[string]any)["text"].(string)
	found := regexp.MustCompile(regexp.QuoteMeta(base) + `/o/([0-9a-z]{7})`).FindStringSubmatch(text)
	if found == nil {
		t.Fatalf("the published text carries no tracked link:\n%s", text)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, ua := range []string{
		"Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
		"WhatsApp/2.24.21.88 A",
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
	} {
		req, _ := http.NewRequest("GET", found[0], nil)
		req.Header.Set("User-Agent", ua)
		res, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "https://wa.me/6281234567890?text=") || !strings.Contains(loc, "%28kode%20FB-") {
			t.Fatalf("%s: %d to %q, want 302 to the chat with the reference", ua, res.StatusCode, loc)
		}
	}
	cancel() // serve stops: the clicks still in memory are written
	if err := <-done; err != nil {
		t.Fatalf("Run after stop: %v", err)
	}
	running = false
	l, err := a.store.FindTrackedLink(context.Background(), found[1])
	if err != nil {
		t.Fatal(err)
	}
	if l.Clicks != 1 {
		t.Errorf("clicks on the published delivery = %d, want 1 (the phone's; the robots' not)", l.Clicks)
	}
}
