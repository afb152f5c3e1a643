package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/media/mediatest"
)

// The HTTP server's timeouts, on a real server (api.Server.HTTPServer)
// with short durations.
const (
	testReadTimeout  = 300 * time.Millisecond
	testWriteTimeout = 300 * time.Millisecond
	testIdleTimeout  = 300 * time.Millisecond
)

// timedServer runs the API's own http.Server on a loopback port with the
// test timeouts; b.srv stays for the helpers, u is the timed server's URL.
func timedServer(t *testing.T) (b *bundle, u string) {
	t.Helper()
	var srv *api.Server
	b = setup(t, func(c *api.Config) {
		c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = testReadTimeout, testWriteTimeout, testIdleTimeout
		c.UploadIdleTimeout = testReadTimeout
		srv = api.New(*c)
	})
	hs := srv.HTTPServer("127.0.0.1:0")
	ln, err := net.Listen("tcp", hs.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(api.Listener(ln))
	t.Cleanup(func() { hs.Close() })
	return b, "http://" + ln.Addr().String()
}

// dial opens a raw connection to the server at u, closed when the test
// ends.
func dial(t *testing.T, u string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// closedWithin reads conn until it is closed and fails the test when that
// takes longer than d; it returns what was read.
func closedWithin(t *testing.T, conn net.Conn, d time.Duration) []byte {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(d))
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server still holds the connection after %v; read so far: %q", d, got)
	}
	return got
}

// A client that sends its body a byte at a time is cut off after the read
// timeout, with the JSON error body if an answer can still be written.
func TestSlowBodyIsCutOff(t *testing.T) {
	_, u := timedServer(t)
	// Before the dial: net/http starts the read deadline's clock when it
	// begins reading a request, right after accepting the connection, not
	// at its first byte (a clock taken after the dial lost a few
	// milliseconds on a loaded machine: "cut off after 294ms").
	start := time.Now()
	conn := dial(t, u)
	fmt.Fprintf(conn, "POST /v1/workspaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", adminKey)
	go func() { // 1000 bytes at 50 ms each would take 50 s
		for i := 0; i < 1000; i++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	got := closedWithin(t, conn, 5*time.Second)
	if d := time.Since(start); d < testReadTimeout {
		t.Fatalf("cut off after %v, before the read timeout", d)
	}
	if len(got) > 0 && !bytes.Contains(got, []byte(`"error":{`)) {
		t.Fatalf("the answer is not the JSON error body: %q", got)
	}
}

// An idle keep-alive connection is closed after the idle timeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	_, u := timedServer(t)
	conn := dial(t, u)
	fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("healthz: %d, close %v; want 200 on a kept-alive connection", res.StatusCode, res.Close)
	}
	start := time.Now()
	closedWithin(t, conn, 5*time.Second)
	// The server's idle clock starts when it has written the answer, a
	// little before start: only a close well before the timeout is wrong.
	if d := time.Since(start); d < testIdleTimeout/2 {
		t.Fatalf("closed after %v, well before the idle timeout", d)
	}
}

// trickle is a body that sends n bytes of data in chunks, one every
// pause: it takes longer than the read timeout in all, but never stalls
// as long.
type trickle struct {
	data  []byte
	chunk int
	pause time.Duration
}

func (tr *trickle) Read(p []byte) (int, error) {
	if len(tr.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(tr.pause)
	n := copy(p[:min(len(p), tr.chunk)], tr.data)
	tr.data = tr.data[n:]
	return n, nil
}

// Uploads take as long as they need while bytes keep coming: the upload
// routes extend the read deadline per read, both ways in.
func TestSlowUploadsStillWork(t *testing.T) {
	b, u := timedServer(t)
	ws, key := b.workspace("Toko Budi")
	img := mediatest.PNG(64, 64)
	send := func(method, path string, body []byte, want int, headers ...string) {
		t.Helper()
		tr := &trickle{data: body, chunk: len(body)/8 + 1, pause: testReadTimeout / 3}
		req, _ := http.NewRequest(method, u+path, tr)
		req.ContentLength = int64(len(body))
		req.Header.Set("Authorization", "Bearer "+key)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, raw)
		}
		if d := time.Since(start); d < 2*testReadTimeout {
			t.Fatalf("%s %s took %v: not longer than the read timeout, so it proves nothing", method, path, d)
		}
	}
	body, ct := multipartFile(t, "file", "a.png", "image/png", img)
	send("POST", "/v1/workspaces/"+ws+"/media", body, http.StatusCreated, "Content-Type", ct)

	id := b.createUpload(ws, key, len(img))
	send("PATCH", "/v1/workspaces/"+ws+"/uploads/"+id, img, http.StatusOK,
		"Content-Type", "application/offset+octet-stream", "Upload-Offset", "0", "Tus-Resumable", "1.0.0")
}

// A platform pulling a large video from the public media route gets it
// whole at any pace that keeps reading, long past the write timeout; one
// that stops reading is cut off.
func TestPublicMediaOutlastsTheWriteTimeout(t *testing.T) {
	b, u := timedServer(t)
	const size = 32 << 20 // more than loopback's socket buffers hold
	id := serentak.NewID(serentak.PrefixMedia)
	if _, err := b.blobs.Put(context.Background(), id, bytes.NewReader(make([]byte, size)), size); err != nil {
		t.Fatal(err)
	}
	link := b.signer.URL(id, b.now)
	link = u + link[strings.Index(link, "/public/"):]

	get := func(pause time.Duration) (int64, error) {
		res, err := http.Get(link)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Length") != strconv.Itoa(size) {
			return 0, fmt.Errorf("status %d, length %s", res.StatusCode, res.Header.Get("Content-Length"))
		}
		time.Sleep(pause)
		var n int64
		buf := make([]byte, 1<<20)
		for {
			// A slow reader: a MiB every 25 ms is 800 ms in all.
			m, err := io.ReadFull(res.Body, buf)
			n += int64(m)
			if err == io.EOF || err == io.ErrUnexpectedEOF && n == size {
				return n, nil
			}
			if err != nil {
				return n, err
			}
			time.Sleep(25 * time.Millisecond)
		}
	}
	start := time.Now()
	if n, err := get(0); err != nil || n != size {
		t.Fatalf("a slow but steady reader got %d of %d bytes: %v", n, size, err)
	}
	if d := time.Since(start); d < 2*testWriteTimeout {
		t.Fatalf("the download took %v: not longer than the write timeout, so it proves nothing", d)
	}
	if n, err := get(4 * testWriteTimeout); err == nil && n == size {
		t.Fatalf("a reader that stalled for %v still got the whole file", 4*testWriteTimeout)
	}
}

// TestErrorAnswersAreJSON: every error answer of ours carries the JSON
// error body, those that net/http writes from inside a handler included
// (http.ServeContent's 416 and 412 on the public media route), and so do
// requests with header bytes net/http lets through (obs-text).
//
// A request net/http cannot parse (a control character in a header, a
// malformed request line, no Host) is answered by net/http itself, before
// any handler runs; served on api.Listener, that answer carries the JSON
// error body too, also after an answered request on the same connection.
func TestErrorAnswersAreJSON(t *testing.T) {
	b, u := timedServer(t)
	ws, key := b.workspace("Toko Budi")
	id := b.expect(b.upload(ws, key, "a.png", "image/png", pngBytes), http.StatusCreated)["id"].(string)
	path := strings.TrimPrefix(b.signer.URL(id, b.now), b.srv.URL)

	r := b.do("GET", path, "", nil, "Range", fmt.Sprintf("bytes=%d-", len(pngBytes)+10))
	b.expectError(r, http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable")
	if r.header.Get("Content-Range") != fmt.Sprintf("bytes */%d", len(pngBytes)) {
		t.Errorf("416 without Content-Range: %v", r.header)
	}
	b.expectError(b.do("GET", path, "", nil, "If-Match", `"other"`), http.StatusPreconditionFailed, "precondition_failed")
	b.expectError(b.do("GET", "/v1/workspaces/"+ws, "", nil, "Authorization", "Bearer \xff\xfe"), http.StatusUnauthorized, "unauthorized")

	for _, tt := range []struct{ name, before, request string }{
		{"control character in a header", "", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n"},
		{"no Host", "", "GET /healthz HTTP/1.1\r\n\r\n"},
		{"malformed request line", "", "GET\r\n\r\n"},
		{"after an answered request", "GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x7fb\r\n\r\n"},
	} {
		conn := dial(t, u)
		fmt.Fprint(conn, tt.before+tt.request)
		got := string(closedWithin(t, conn, 5*time.Second))
		last := got[strings.LastIndex(got, "HTTP/1.1 "):]
		head, body, _ := strings.Cut(last, "\r\n\r\n")
		if !strings.HasPrefix(head, "HTTP/1.1 400 Bad Request") || !strings.Contains(head, "Content-Type: application/json") ||
			!strings.Contains(head, "Connection: close") {
			t.Errorf("%s: answer %q, want a 400 with a JSON body", tt.name, last)
			continue
		}
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != "bad_request" || e.Error.Message == "" {
			t.Errorf("%s: body %q (%v), want the error body with code bad_request", tt.name, body, err)
		}
	}
	if strings.Contains(b.logs.String(), `"path":"/healthz"`) {
		t.Fatal("a handler ran for a request net/http refused")
	}
}
