package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak/internal/fakestack"
	"github.com/serentak/serentak/internal/servetest"
	"github.com/serentak/serentak/media/mediatest"
)

// startFake runs the fake with args until the test ends and returns what
// it printed when it started.
func startFake(t *testing.T, args ...string) (banner string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, w); w.Close() }()
	var b strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
			break
		}
	}
	stop = sync.OnceValue(func() error {
		cancel()
		go io.Copy(io.Discard, r) // an error message, if any
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Error("the fake did not stop within 10s of being told to")
			return nil
		}
	})
	t.Cleanup(func() { stop() })
	return b.String(), stop
}

// printedEnv reads the settings of the command the banner prints: its
// "    NAME=value \" lines.
func printedEnv(t *testing.T, banner string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, line := range strings.Split(banner, "\n") {
		line, ok := strings.CutSuffix(strings.TrimSpace(line), " \\")
		if k, v, isSetting := strings.Cut(line, "="); ok && isSetting && strings.HasPrefix(k, "SERENTAK_") {
			env[k] = v
		}
	}
	if !strings.Contains(banner, "\\\n    go run ./cmd/serentak serve\n") {
		t.Errorf("the printed command does not end in go run ./cmd/serentak serve:\n%s", banner)
	}
	return env
}

// freeAddr is a loopback address nothing listens on (for a server that
// must know its address before it starts).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The fake prints the settings of every platform and the Page's id and
// token; the printed token publishes at the printed address; it stops
// when told.
func TestFakeServesThePrintedPage(t *testing.T) {
	banner, stop := startFake(t, "-addr", "127.0.0.1:0")
	env := printedEnv(t, banner)
	url := env["SERENTAK_FACEBOOK_API_URL"]
	if url == "" {
		t.Fatalf("no SERENTAK_FACEBOOK_API_URL= printed:\n%s", banner)
	}
	if want := fakestack.EnvFor(url, fakestack.DefaultPublicURL); fmt.Sprint(env) != fmt.Sprint(want) {
		t.Errorf("printed settings\n%v\nwant\n%v", env, want)
	}
	if want := `eval "$(go run ./cmd/serentak-fake -env -addr ` + strings.TrimPrefix(url, "http://") + `)"`; !strings.Contains(banner, want) {
		t.Errorf("output lacks %q, the -env line for this address:\n%s", want, banner)
	}
	for _, want := range []string{"external_id   1029384756", "access_token  EAAB-demo-page-token", `Page "Dapur Bu Sari"`, "@dapurbusari", "dapurbusari (\"Dapur Bu Sari\")"} {
		if !strings.Contains(banner, want) {
			t.Errorf("output lacks %q:\n%s", want, banner)
		}
	}
	req, _ := http.NewRequest("POST", url+"/v25.0/1029384756/feed?message=Halo", nil)
	req.Header.Set("Authorization", "OAuth EAAB-demo-page-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("posting with the printed token: %d, want 200", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Errorf("stopped with %v, want nil", err)
	}
}

// -env prints export lines a shell can eval, with the settings the
// banner prints, and exits without listening.
func TestEnvFlagPrintsExports(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-env", "-public-url", "http://127.0.0.1:8080"}, &out); err != nil {
		t.Fatal(err)
	}
	want := fakestack.EnvFor("http://"+defaultAddr, "http://127.0.0.1:8080")
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		k, v, _ := strings.Cut(kv, "=")
		if !ok || len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' {
			t.Fatalf("line %q is not export NAME='value'", line)
		}
		got[k] = v[1 : len(v)-1]
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("-env printed\n%v\nwant\n%v", got, want)
	}
	if got["SERENTAK_TIKTOK_API_URL"] != "http://127.0.0.1:8090/tiktok" || got["SERENTAK_PUBLIC_URL"] != "http://127.0.0.1:8080" {
		t.Errorf("-env: TikTok at %q, public URL %q", got["SERENTAK_TIKTOK_API_URL"], got["SERENTAK_PUBLIC_URL"])
	}
}

// The README's tour starts serve with this address without looking.
func TestDefaultAddressIsTheTours(t *testing.T) {
	if defaultAddr != "127.0.0.1:8090" {
		t.Errorf("default address %s; the README tour uses 127.0.0.1:8090", defaultAddr)
	}
}

func TestBusyAddressSaysWhatToDo(t *testing.T) {
	banner, _ := startFake(t, "-addr", "127.0.0.1:0")
	addr := strings.TrimPrefix(printedEnv(t, banner)["SERENTAK_FACEBOOK_API_URL"], "http://")
	if addr == "" {
		t.Fatalf("the first fake printed no address:\n%s", banner)
	}
	err := run(context.Background(), []string{"-addr", addr}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-addr") {
		t.Errorf("a second fake on %s: %v, want an error suggesting -addr", addr, err)
	}
}

// serentak is `serentak serve` in-process with the settings the fake
// printed.
type serentak struct {
	t    *testing.T
	base string
}

const adminKey = "test-operator-key"

func startSerentak(t *testing.T, addr string, printed map[string]string) *serentak {
	t.Helper()
	env := map[string]string{
		"SERENTAK_ADDR":           addr,
		"SERENTAK_ADMIN_KEY":      adminKey,
		"SERENTAK_SECRET_KEY":     "test-secret-key",
		"SERENTAK_SCHEDULER_TICK": "50ms",
	}
	for k, v := range printed {
		env[k] = v
	}
	return &serentak{t: t, base: servetest.Start(t, env)}
}

// call makes an API request and decodes the JSON answer.
func (s *serentak) call(method, path, key string, body any) (int, map[string]any) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	return do(s.t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// The whole promise: with only what serentak-fake printed, a workspace
// connects one account on each of the four platforms through the real
// OAuth flow (connect → the fake login → the callback), and one product
// video post goes out to all four. A platform left unfaked fails here:
// its login, its token exchange or its publishing would reach nothing.
func TestConnectFourAndPublishToAll(t *testing.T) {
	appAddr := freeAddr(t)
	banner, _ := startFake(t, "-addr", "127.0.0.1:0", "-public-url", "http://"+appAddr)
	printed := printedEnv(t, banner)
	fake := printed["SERENTAK_FACEBOOK_API_URL"]
	s := startSerentak(t, appAddr, printed)

	code, out := s.call("POST", "/v1/workspaces", adminKey, map[string]any{"name": "Dapur Bu Sari", "timezone": "Asia/Jakarta"})
	if code != 201 {
		t.Fatalf("create workspace: %d %v", code, out)
	}
	ws, key := out["id"].(string), out["api_key"].(string)

	want := map[string]string{"facebook": "Dapur Bu Sari", "instagram": "dapurbusari", "youtube": "Dapur Bu Sari", "tiktok": "Dapur Bu Sari"}
	accounts := map[string]string{} // platform → account ID
	for _, p := range []string{"facebook", "instagram", "youtube", "tiktok"} {
		code, out := s.call("GET", "/v1/workspaces/"+ws+"/accounts/connect/"+p, key, nil)
		authorize, _ := out["authorize_url"].(string)
		if code != 200 || !strings.HasPrefix(authorize, fake+"/") {
			t.Fatalf("connect %s: %d %v; want an authorize_url at the fake %s", p, code, out, fake)
		}
		// The browser: the login redirects to the callback, which answers
		// the accounts it connected.
		req, _ := http.NewRequest("GET", authorize, nil)
		code, out = do(t, req)
		data, _ := out["data"].([]any)
		if code != 200 || len(data) != 1 {
			t.Fatalf("%s login and callback: %d %v, want one account", p, code, out)
		}
		acc := data[0].(map[string]any)
		if acc["platform"] != p || acc["name"] != want[p] || acc["status"] != "active" {
			t.Errorf("%s connected %v, want %q active", p, acc, want[p])
		}
		accounts[p] = acc["id"].(string)
	}
	code, out = s.call("GET", "/v1/workspaces/"+ws+"/accounts", key, nil)
	if list, _ := out["data"].([]any); code != 200 || len(list) != 4 {
		t.Fatalf("accounts: %d %v, want the four connected", code, out)
	} else {
		for _, a := range list {
			if a := a.(map[string]any); a["status"] != "active" {
				t.Errorf("account %v is %v, want active", a["platform"], a["status"])
			}
		}
	}

	// A product video, uploaded as a phone would, posted to all four.
	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 15 * time.Second, FPS: 30, DataSize: 1 << 20}.Bytes()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "keripik.mp4")
	fw.Write(video)
	mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/v1/workspaces/"+ws+"/media", &form)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	code, med := do(t, req)
	if code != 201 {
		t.Fatalf("upload: %d %v", code, med)
	}
	code, post := s.call("POST", "/v1/workspaces/"+ws+"/posts", key, map[string]any{
		"product": map[string]any{"name": "Keripik Singkong Pedas", "price": map[string]any{"amount": 25000, "currency": "IDR"},
			"description": "Renyah, pedas, tanpa pengawet.", "url": "https://wa.me/6281234567890"},
		"media": []map[string]any{{"id": med["id"]}},
		"targets": []map[string]any{{"account_id": accounts["facebook"]}, {"account_id": accounts["instagram"]},
			{"account_id": accounts["youtube"]}, {"account_id": accounts["tiktok"], "options": map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE"}}},
		"scheduled_at": time.Now().Add(time.Second).Format(time.RFC3339Nano),
	})
	if code != 201 {
		t.Fatalf("create post: %d %v", code, post)
	}
	created := time.Now()
	deadline := created.Add(2 * time.Minute)
	for {
		code, post = s.call("GET", "/v1/workspaces/"+ws+"/posts/"+post["id"].(string), key, nil)
		if code != 200 {
			t.Fatalf("get post: %d %v", code, post)
		}
		if st := post["status"]; st != "scheduled" && st != "publishing" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("post still %v after 2 minutes: %v", post["status"], post)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("post %v %v after it was made (due 1 s after)", post["status"], time.Since(created).Round(100*time.Millisecond))
	published := map[string]bool{}
	for _, d := range post["deliveries"].([]any) {
		d := d.(map[string]any)
		t.Logf("%v: %v at %v", d["platform"], d["status"], d["published_at"])
		if d["status"] == "published" {
			published[d["platform"].(string)] = true
		} else {
			t.Errorf("%v delivery ended %v: %v", d["platform"], d["status"], d)
		}
	}
	if len(published) != 4 || post["status"] != "published" {
		t.Errorf("post %v, published on %v; want published on all four", post["status"], published)
	}
}
