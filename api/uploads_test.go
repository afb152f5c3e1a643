package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/media/mediatest"
	"github.com/serentak/serentak/testkit"
)

func (b *bundle) createUpload(ws, key string, size int) string {
	b.t.Helper()
	r := b.do("POST", "/v1/workspaces/"+ws+"/uploads", key, nil, "Upload-Length", strconv.Itoa(size), "Tus-Resumable", "1.0.0")
	m := b.expect(r, http.StatusCreated)
	id := m["id"].(string)
	if loc := r.header.Get("Location"); loc != "/v1/workspaces/"+ws+"/uploads/"+id || r.header.Get("Tus-Resumable") != "1.0.0" {
		b.t.Fatalf("POST uploads: Location %q, Tus-Resumable %q", loc, r.header.Get("Tus-Resumable"))
	}
	return id
}

func (b *bundle) patchUpload(ws, key, id string, offset int64, data []byte) response {
	b.t.Helper()
	return b.do("PATCH", "/v1/workspaces/"+ws+"/uploads/"+id, key, data,
		"Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.FormatInt(offset, 10), "Tus-Resumable", "1.0.0")
}

// offset asks HEAD where to resume.
func (b *bundle) offset(ws, key, id string) int64 {
	b.t.Helper()
	r := b.do("HEAD", "/v1/workspaces/"+ws+"/uploads/"+id, key, nil)
	if r.status != http.StatusOK {
		b.t.Fatalf("HEAD upload = %d", r.status)
	}
	n, err := strconv.ParseInt(r.header.Get("Upload-Offset"), 10, 64)
	if err != nil {
		b.t.Fatalf("HEAD upload: Upload-Offset %q", r.header.Get("Upload-Offset"))
	}
	return n
}

// waitOffset polls HEAD until the server has want bytes. Each new offset
// is logged, so a failure shows where the upload stopped.
func (b *bundle) waitOffset(ws, key, id string, want int64) {
	b.t.Helper()
	last := int64(-1)
	testkit.WaitFor(b.t, 5*time.Second, fmt.Sprintf("upload offset %d", want), func() bool {
		got := b.offset(ws, key, id)
		if got != last {
			b.t.Logf("upload %s offset %d", id, got)
			last = got
		}
		return got == want
	})
}

// rawPatch starts a PATCH on a bare connection announcing total bytes and
// sends only data, as a phone that loses its network does. The caller
// closes the connection (a drop the server sees) or keeps it open (a dead
// connection the server has not noticed).
func (b *bundle) rawPatch(ws, key, id string, offset int64, total int, data []byte) net.Conn {
	b.t.Helper()
	u, _ := url.Parse(b.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "PATCH /v1/workspaces/%s/uploads/%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: %d\r\nContent-Length: %d\r\n\r\n",
		ws, id, u.Host, key, offset, total)
	if _, err := conn.Write(data); err != nil {
		b.t.Fatal(err)
	}
	return conn
}

func (b *bundle) storedBytes(id string) []byte {
	b.t.Helper()
	rc, _, _, err := b.blobs.Open(context.Background(), id)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		b.t.Fatal(err)
	}
	return got
}

func TestResumableUpload(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 20 * time.Second, FPS: 30, AudioCodec: "mp4a", MoovLast: true, DataSize: 300_000}.Bytes()
	id := b.createUpload(ws, key, len(video))
	if got := b.offset(ws, key, id); got != 0 {
		t.Fatalf("offset of a new upload = %d", got)
	}

	// First chunk arrives whole.
	r := b.patchUpload(ws, key, id, 0, video[:100_000])
	if r.status != http.StatusNoContent || r.header.Get("Upload-Offset") != "100000" {
		t.Fatalf("PATCH first chunk = %d, Upload-Offset %q: %s", r.status, r.header.Get("Upload-Offset"), r.body)
	}
	// Not media yet: the upload is receiving and a post cannot use it.
	up := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/uploads/"+id, key, nil), http.StatusOK)
	if up["status"] != "receiving" || up["media_id"] != nil || up["content_type"] != "video/mp4" || up["offset"] != 100000.0 {
		t.Fatalf("GET upload = %v", up)
	}
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/media/"+id, key, nil), http.StatusNotFound, "not_found")
	if entries, _ := os.ReadDir(b.blobs.Dir); len(entries) != 1 || entries[0].Name() != ".uploads" {
		t.Fatalf("blob directory holds %v while the upload is unfinished", entries)
	}

	// The second chunk breaks off after 77,777 of its 150,000 bytes.
	conn := b.rawPatch(ws, key, id, 100_000, 150_000, video[100_000:177_777])
	conn.Close()
	b.waitOffset(ws, key, id, 177_777) // every byte that arrived is kept

	// A chunk from a stale offset is refused with the right one.
	r = b.patchUpload(ws, key, id, 100_000, video[100_000:200_000])
	b.expectError(r, http.StatusConflict, "conflict")
	if r.header.Get("Upload-Offset") != "177777" {
		t.Fatalf("409 Upload-Offset = %q, want 177777", r.header.Get("Upload-Offset"))
	}

	// Resume from the server's offset; the last chunk makes it media.
	r = b.patchUpload(ws, key, id, 177_777, video[177_777:])
	done := b.expect(r, http.StatusOK)
	med, _ := done["media"].(map[string]any)
	if done["status"] != "complete" || med == nil || done["media_id"] != med["id"] || r.header.Get("Upload-Offset") != strconv.Itoa(len(video)) {
		t.Fatalf("last PATCH = %v", done)
	}
	if med["content_type"] != "video/mp4" || med["size"] != float64(len(video)) || med["duration_ms"] != 20000.0 ||
		med["width"] != 1080.0 || med["frame_rate"] != 30.0 || med["video_codec"] != "h264" {
		t.Fatalf("media = %v", med)
	}
	mediaID := med["id"].(string)
	if got := b.storedBytes(mediaID); !bytes.Equal(got, video) {
		t.Fatalf("stored %d bytes differ from the %d uploaded", len(got), len(video))
	}
	b.expect(b.do("GET", "/v1/workspaces/"+ws+"/media/"+mediaID, key, nil), http.StatusOK)

	// The last answer was lost: the same PATCH again, or GET, names the media.
	again := b.expect(b.patchUpload(ws, key, id, int64(len(video)), nil), http.StatusOK)
	if again["media_id"] != mediaID {
		t.Fatalf("repeated last PATCH = %v", again)
	}
	if got := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/uploads/"+id, key, nil), http.StatusOK); got["media_id"] != mediaID {
		t.Fatalf("GET finished upload = %v", got)
	}
	if entries, _ := os.ReadDir(filepath.Join(b.blobs.Dir, ".uploads", ws)); len(entries) != 1 {
		t.Fatalf("staging keeps %v after the upload finished; want only its record", entries)
	}

	// Deleting the upload keeps the media it became.
	b.expect(b.do("DELETE", "/v1/workspaces/"+ws+"/uploads/"+id, key, nil), http.StatusNoContent)
	b.expect(b.do("HEAD", "/v1/workspaces/"+ws+"/uploads/"+id, key, nil), http.StatusNotFound)
	b.expect(b.do("GET", "/v1/workspaces/"+ws+"/media/"+mediaID, key, nil), http.StatusOK)
}

// A phone whose network died leaves a request the server still waits on;
// its next request takes the upload over instead of waiting for a timeout.
func TestResumableUploadTakesOverADeadConnection(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	img := mediatest.JPEG(300, 300, 0)
	id := b.createUpload(ws, key, len(img))
	b.rawPatch(ws, key, id, 0, len(img), img[:1000]) // left open, silent
	b.waitOffset(ws, key, id, 1000)

	start := time.Now()
	m := b.expect(b.patchUpload(ws, key, id, 1000, img[1000:]), http.StatusOK)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("taking over took %v", took)
	}
	if m["status"] != "complete" {
		t.Fatalf("PATCH after takeover = %v", m)
	}
	if got := b.storedBytes(m["media_id"].(string)); !bytes.Equal(got, img) {
		t.Fatal("stored bytes differ from the uploaded image")
	}
}

func TestResumableUploadRefusals(t *testing.T) {
	b := setup(t, func(c *api.Config) { c.UploadMaxBytes = 1 << 20 })
	ws, key := b.workspace("Toko Budi")
	path := "/v1/workspaces/" + ws + "/uploads"

	{ // no size
		b.expectError(b.do("POST", path, key, nil), http.StatusUnprocessableEntity, "validation_failed", "size")
		b.expectError(b.do("POST", path, key, nil, "Upload-Length", "-5"), http.StatusUnprocessableEntity, "validation_failed", "Upload-Length")
	}
	{ // declared size over the limit
		b.expectError(b.do("POST", path, key, map[string]any{"size": 2 << 20}), http.StatusRequestEntityTooLarge, "payload_too_large")
	}
	{ // more bytes than declared
		id := b.createUpload(ws, key, 1000)
		b.expectError(b.patchUpload(ws, key, id, 0, pngBytes[:1001]), http.StatusRequestEntityTooLarge, "payload_too_large")
		if got := b.offset(ws, key, id); got != 0 {
			t.Fatalf("offset after an oversized chunk = %d, want 0 (the chunk taken back)", got)
		}
	}
	{ // not the upload content type
		id := b.createUpload(ws, key, len(pngBytes))
		r := b.do("PATCH", path+"/"+id, key, pngBytes, "Upload-Offset", "0")
		b.expectError(r, http.StatusBadRequest, "bad_request")
		r = b.do("PATCH", path+"/"+id, key, pngBytes, "Content-Type", "application/offset+octet-stream")
		b.expectError(r, http.StatusBadRequest, "bad_request")
	}
	{ // wrong magic bytes are refused at the first chunk
		text := bytes.Repeat([]byte("this is not a video, whatever the name says. "), 100)
		id := b.createUpload(ws, key, len(text))
		b.expectError(b.patchUpload(ws, key, id, 0, text[:600]), http.StatusUnprocessableEntity, "validation_failed", "file")
		b.expect(b.do("HEAD", path+"/"+id, key, nil), http.StatusNotFound)
	}
	{ // a movie without its index is refused at the end
		movie := mediatest.Movie{Width: 640, Height: 360, Duration: 5 * time.Second, FPS: 30, MoovLast: true, DataSize: 5000}.Bytes()
		cut := movie[:5100] // ftyp and frames; the moov never came
		id := b.createUpload(ws, key, len(cut))
		b.expectError(b.patchUpload(ws, key, id, 0, cut), http.StatusUnprocessableEntity, "validation_failed", "file")
		b.expect(b.do("HEAD", path+"/"+id, key, nil), http.StatusNotFound)
	}
	{ // unknown upload
		b.expectError(b.patchUpload(ws, key, "upl_nope", 0, pngBytes), http.StatusNotFound, "not_found")
		b.expectError(b.do("GET", path+"/../media", key, nil), http.StatusNotFound, "not_found")
	}
	{ // an upload ID is not a media ID
		id := b.createUpload(ws, key, len(pngBytes))
		acc := b.account(ws, key, serentak.Facebook, "111")
		post := postBody(acc)
		post["media"] = []any{map[string]any{"id": id}}
		b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post), http.StatusUnprocessableEntity, "validation_failed", "media[0].id")
	}
}

func TestResumableUploadExpires(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	id := b.createUpload(ws, key, len(pngBytes))
	b.expect(b.patchUpload(ws, key, id, 0, pngBytes[:600]), http.StatusNoContent)
	b.now = b.now.Add(25 * time.Hour) // only this goroutine reads the clock now
	b.expect(b.do("HEAD", "/v1/workspaces/"+ws+"/uploads/"+id, key, nil), http.StatusNotFound)
	b.createUpload(ws, key, 10) // sweeps the workspace's expired uploads
	if entries, _ := os.ReadDir(filepath.Join(b.blobs.Dir, ".uploads", ws)); len(entries) != 2 {
		t.Fatalf("staging holds %d files after the sweep, want the new upload's 2", len(entries))
	}
}
