package api_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
)

// multipartFile builds a multipart body with data in field (named
// filename, declared as declaredType) and returns it with its Content-Type.
func multipartFile(t *testing.T, field, filename, declaredType string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("note", "ignored"); err != nil {
		t.Fatal(err)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	h.Set("Content-Type", declaredType)
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func (b *bundle) upload(ws, key, filename, declaredType string, data []byte) response {
	b.t.Helper()
	body, ct := multipartFile(b.t, "file", filename, declaredType, data)
	return b.do("POST", "/v1/workspaces/"+ws+"/media", key, body, "Content-Type", ct)
}

func movBytes() []byte {
	b := make([]byte, 4, 64)
	binary.BigEndian.PutUint32(b, 20)
	b = append(b, "ftypqt  \x00\x00\x02\x00qt  "...)
	return append(b, bytes.Repeat([]byte{0}, 100)...)
}

func TestUploadMedia(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")

	// PNG bytes named .jpg and declared JPEG: the bytes decide.
	m := b.expect(b.upload(ws, key, "keripik.jpg", "image/jpeg", pngBytes), http.StatusCreated)
	checkKeys(t, "media", m, "id", "content_type", "size", "kind", "created_at")
	if !strings.HasPrefix(m["id"].(string), "med_") || m["content_type"] != "image/png" || m["kind"] != "image" ||
		m["size"] != float64(len(pngBytes)) {
		t.Fatalf("media = %v", m)
	}
	id := m["id"].(string)
	got := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/media/"+id, key, nil), http.StatusOK)
	if got["id"] != id || got["content_type"] != "image/png" {
		t.Fatalf("GET media = %v", got)
	}
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/media/med_nope", key, nil), http.StatusNotFound, "not_found")

	m = b.expect(b.upload(ws, key, "clip.mp4", "video/mp4", movBytes()), http.StatusCreated)
	if m["content_type"] != "video/quicktime" || m["kind"] != "video" {
		t.Fatalf("MOV upload = %v", m)
	}

	// A text file named .png is refused.
	r := b.upload(ws, key, "photo.png", "image/png", []byte("just some text, not a picture"))
	b.expectError(r, http.StatusUnprocessableEntity, "validation_failed", "file")
	b.expectError(b.upload(ws, key, "empty.png", "image/png", nil), http.StatusUnprocessableEntity, "validation_failed", "file")

	body, bodyType := multipartFile(t, "upload", "a.png", "image/png", pngBytes)
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/media", key, body, "Content-Type", bodyType), http.StatusUnprocessableEntity, "validation_failed", "file")
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/media", key, pngBytes, "Content-Type", "image/png"), http.StatusBadRequest, "bad_request")
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/media", key, []byte("--x\r\nbroken"), "Content-Type", "multipart/form-data; boundary=x"),
		http.StatusBadRequest, "bad_request")

	// A body cut short inside the file.
	full, ct := multipartFile(t, "file", "a.png", "image/png", pngBytes)
	cut := full[:bytes.Index(full, pngBytes)+1500]
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/media", key, cut, "Content-Type", ct), http.StatusBadRequest, "bad_request")

	// Used in a post by ID: kind and type come from the upload.
	acc := b.account(ws, key, serentak.Facebook, "111")
	post := postBody(acc)
	post["media"] = []any{map[string]any{"id": id}}
	pm := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post), http.StatusCreated)
	ref := pm["media"].([]any)[0].(map[string]any)
	if ref["id"] != id || ref["kind"] != "image" || ref["content_type"] != "image/png" {
		t.Fatalf("post media = %v", ref)
	}
	post["media"] = []any{map[string]any{"id": id, "type": "video"}}
	b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post), http.StatusUnprocessableEntity, "validation_failed", "media[0].type")
}

func TestUploadTooLarge(t *testing.T) {
	b := setup(t, func(c *api.Config) { c.MediaMaxBytes = 1000 })
	ws, key := b.workspace("Toko Budi")
	b.expectError(b.upload(ws, key, "big.png", "image/png", pngBytes), http.StatusRequestEntityTooLarge, "payload_too_large")
	entries, err := os.ReadDir(b.blobs.Dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("bytes of a refused upload were kept: %v", entries)
	}
	b.expect(b.upload(ws, key, "small.png", "image/png", pngBytes[:1000]), http.StatusCreated)
}

func TestPublicMedia(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	id := b.expect(b.upload(ws, key, "keripik.jpg", "image/jpeg", pngBytes), http.StatusCreated)["id"].(string)
	link := b.signer.URL(id, b.now)
	path := strings.TrimPrefix(link, b.srv.URL)

	r := b.do("GET", path, "", nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" ||
		r.header.Get("Content-Length") != fmt.Sprint(len(pngBytes)) || !bytes.Equal(r.body, pngBytes) {
		t.Fatalf("GET %s = %d %v (%d bytes)", path, r.status, r.header, len(r.body))
	}
	r = b.do("GET", path, "", nil, "Range", "bytes=0-9")
	if r.status != http.StatusPartialContent || !bytes.Equal(r.body, pngBytes[:10]) ||
		r.header.Get("Content-Range") != fmt.Sprintf("bytes 0-9/%d", len(pngBytes)) {
		t.Fatalf("Range GET = %d %v %q", r.status, r.header, r.body)
	}

	r = b.do("HEAD", path, "", nil)
	if r.status != http.StatusOK || r.header.Get("Content-Length") != fmt.Sprint(len(pngBytes)) || len(r.body) != 0 {
		t.Fatalf("HEAD %s = %d %v", path, r.status, r.header)
	}

	bad := []string{
		"/public/media/" + id,                                                    // unsigned
		strings.Replace(path, "sig=", "sig=x", 1),                                // forged
		strings.Replace(path, id, id+"0", 1),                                     // another ID
		strings.TrimPrefix(b.signer.URL(id, b.now.Add(-2*time.Hour)), b.srv.URL), // expired
		strings.TrimPrefix(b.signer.URL("med_missing", b.now), b.srv.URL),        // signed, no bytes
		strings.TrimPrefix(b.signer.URL("..", b.now), b.srv.URL),
	}
	for _, p := range bad {
		r := b.do("GET", p, "", nil)
		if r.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, r.status)
			continue
		}
		checkErrorShape(t, r.body, "not_found")
	}
}
