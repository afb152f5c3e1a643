package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/media/mediatest"
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
	return mediatest.Movie{QuickTime: true, Width: 1920, Height: 1080, Rotate90: true, Duration: 12 * time.Second, FPS: 30,
		VideoCodec: "hvc1", AudioCodec: "mp4a", MoovLast: true, DataSize: 3000}.Bytes()
}

func TestUploadMedia(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")

	// PNG bytes named .jpg and declared JPEG: the bytes decide.
	m := b.expect(b.upload(ws, key, "keripik.jpg", "image/jpeg", pngBytes), http.StatusCreated)
	checkKeys(t, "media", m, "id", "content_type", "size", "kind", "created_at", "width", "height")
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
	// Inspected from the boxes: a phone's portrait video, turned.
	want := map[string]any{"width": 1080.0, "height": 1920.0, "duration_ms": 12000.0, "video_codec": "hevc", "audio_codec": "aac", "frame_rate": 30.0}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("MOV upload %s = %v, want %v", k, m[k], v)
		}
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

func TestDeleteMedia(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	id := b.expect(b.upload(ws, key, "a.png", "image/png", pngBytes), http.StatusCreated)["id"].(string)
	link := strings.TrimPrefix(b.signer.URL(id, b.now), b.srv.URL)
	if r := b.do("GET", link, "", nil); r.status != http.StatusOK {
		t.Fatalf("GET signed link = %d", r.status)
	}

	b.expect(b.do("DELETE", "/v1/workspaces/"+ws+"/media/"+id, key, nil), http.StatusNoContent)
	b.expectError(b.do("GET", "/v1/workspaces/"+ws+"/media/"+id, key, nil), http.StatusNotFound, "not_found")
	b.expectError(b.do("GET", link, "", nil), http.StatusNotFound, "not_found") // the signed link is dead
	if _, err := os.Stat(filepath.Join(b.blobs.Dir, id)); !os.IsNotExist(err) {
		t.Fatalf("the bytes of deleted media are still on disk: %v", err)
	}
	b.expectError(b.do("DELETE", "/v1/workspaces/"+ws+"/media/"+id, key, nil), http.StatusNotFound, "not_found")

	// Media of a post not yet published stays until the post is canceled.
	used := b.expect(b.upload(ws, key, "a.png", "image/png", pngBytes), http.StatusCreated)["id"].(string)
	acc := b.account(ws, key, serentak.Facebook, "111")
	post := postBody(acc)
	post["media"] = []any{map[string]any{"id": used}}
	post["scheduled_at"] = b.now.Add(time.Hour).Format(time.RFC3339)
	postID := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post), http.StatusCreated)["id"].(string)
	b.expectError(b.do("DELETE", "/v1/workspaces/"+ws+"/media/"+used, key, nil), http.StatusConflict, "conflict")
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts/"+postID+"/cancel", key, nil), http.StatusOK)
	b.expect(b.do("DELETE", "/v1/workspaces/"+ws+"/media/"+used, key, nil), http.StatusNoContent)
}

// A file whose first bytes promise a format the rest does not keep is
// refused at upload, not at publish time.
func TestUploadRefusesUnreadableFiles(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	movie := mediatest.Movie{Width: 640, Height: 360, Duration: 5 * time.Second, FPS: 30, MoovLast: true, DataSize: 5000}.Bytes()
	b.expectError(b.upload(ws, key, "clip.mp4", "video/mp4", movie[:5100]), http.StatusUnprocessableEntity, "validation_failed", "file")
	jpg := mediatest.JPEG(100, 100, 0)
	b.expectError(b.upload(ws, key, "a.jpg", "image/jpeg", jpg[:3]), http.StatusUnprocessableEntity, "validation_failed", "file")
	if entries, _ := os.ReadDir(b.blobs.Dir); len(entries) != 0 {
		t.Fatalf("bytes of refused files were kept: %v", entries)
	}
}

// TestUploadRefusesHugeImages: a PNG that declares 30000×30000 pixels in
// a few hundred bytes is refused (media.MaxImagePixels), by both ways of
// uploading, and nothing of it is kept.
func TestUploadRefusesHugeImages(t *testing.T) {
	b := setup(t)
	ws, key := b.workspace("Toko Budi")
	huge := mediatest.PNGHeader(30000, 30000)
	m := b.expectError(b.upload(ws, key, "a.png", "image/png", huge), http.StatusUnprocessableEntity, "validation_failed", "file")
	if msg := fmt.Sprint(m["error"].(map[string]any)["details"]); !strings.Contains(msg, "30000×30000") || !strings.Contains(msg, "megapixels") {
		t.Errorf("the refusal does not say why: %s", msg)
	}
	if entries, _ := os.ReadDir(b.blobs.Dir); len(entries) != 0 {
		t.Fatalf("bytes of a refused image were kept: %v", entries)
	}

	id := b.createUpload(ws, key, len(huge))
	b.expectError(b.patchUpload(ws, key, id, 0, huge), http.StatusUnprocessableEntity, "validation_failed", "file")
	b.expect(b.do("HEAD", "/v1/workspaces/"+ws+"/uploads/"+id, key, nil), http.StatusNotFound)

	// An ordinary image still passes.
	b.expect(b.upload(ws, key, "a.png", "image/png", mediatest.PNGHeader(4000, 3000)), http.StatusCreated)
}

// Uploads carry what inspection found into the post, and each target's
// rules are checked against it when the post is created.
func TestPostChecksInspectedMedia(t *testing.T) {
	b := setup(t, func(c *api.Config) {
		c.Publishers = map[serentak.Platform]bool{serentak.Facebook: true, serentak.Instagram: true, serentak.TikTok: true, serentak.YouTube: true}
	})
	ws, key := b.workspace("Toko Budi")
	ig := b.account(ws, key, serentak.Instagram, "ig-1")
	tt := b.account(ws, key, serentak.TikTok, "tt-1")
	yt := b.account(ws, key, serentak.YouTube, "yt-1")
	upload := func(name string, data []byte) string {
		t.Helper()
		return b.expect(b.upload(ws, key, name, "application/octet-stream", data), http.StatusCreated)["id"].(string)
	}
	post := func(media string, accounts ...string) map[string]any {
		p := postBody(accounts...)
		p["media"] = []any{map[string]any{"id": media}}
		for _, target := range p["targets"].([]any) {
			if target := target.(map[string]any); target["account_id"] == tt {
				target["options"] = map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE"}
			}
		}
		return p
	}
	message := func(r response) string {
		t.Helper()
		d := b.expectError(r, http.StatusUnprocessableEntity, "validation_failed", "targets[0].media[0]")["error"].(map[string]any)["details"].([]any)
		return d[0].(map[string]any)["message"].(string)
	}

	png := upload("keripik.jpg", mediatest.PNG(100, 100))
	if got, want := message(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post(png, ig))),
		"targets[0] (Instagram): Instagram needs JPEG images; media[0] is image/png"; got != want {
		t.Errorf("Instagram PNG: %q, want %q", got, want)
	}
	tall := upload("tall.jpg", mediatest.JPEG(100, 300, 0))
	if got, want := message(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post(tall, ig))),
		"targets[0] (Instagram): Instagram takes images with an aspect ratio from 4:5 (portrait) to 1.91:1 (landscape); media[0] is 100×300 (0.33:1): crop it"; got != want {
		t.Errorf("Instagram tall: %q, want %q", got, want)
	}
	// A phone's portrait photo stored landscape with EXIF orientation 6.
	portrait := upload("p.jpg", mediatest.JPEG(120, 100, 6))
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post(portrait, ig)), http.StatusCreated)

	long := upload("long.mov", mediatest.Movie{QuickTime: true, Width: 1080, Height: 1920, Duration: 12 * time.Minute, FPS: 30, DataSize: 1000}.Bytes())
	if got, want := message(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post(long, tt))),
		"targets[0] (TikTok): TikTok takes videos of at most 10 min; media[0] is 12 min"; got != want {
		t.Errorf("TikTok 12 min: %q, want %q", got, want)
	}
	// The same video is fine for Instagram and YouTube; the post names
	// only the target it fails for.
	mixed := b.expectError(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post(long, ig, tt, yt)),
		http.StatusUnprocessableEntity, "validation_failed", "targets[1].media[0]")
	if got := mixed["error"].(map[string]any)["details"].([]any)[0].(map[string]any)["message"].(string); !strings.HasPrefix(got, "targets[1] (TikTok): ") {
		t.Errorf("mixed targets: %q", got)
	}
	slow := upload("slow.mp4", mediatest.Movie{Width: 1080, Height: 1920, Duration: 30 * time.Second, FPS: 15, DataSize: 1000}.Bytes())
	if got, want := message(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post(slow, ig))),
		"targets[0] (Instagram): Instagram takes videos of 23 to 60 frames per second; media[0] has 15"; got != want {
		t.Errorf("Instagram 15 fps: %q, want %q", got, want)
	}
	good := upload("good.mp4", mediatest.Movie{Width: 1080, Height: 1920, Duration: 30 * time.Second, FPS: 30, AudioCodec: "mp4a", DataSize: 1000}.Bytes())
	p := b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post(good, ig, tt, yt)), http.StatusCreated)
	stored, err := b.store.FindPostByID(context.Background(), ws, p["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if in := stored.Deliveries[0].Content.Media[0].Inspection; in.DurationMS != 30000 || in.FrameRate != 30 || in.Width != 1080 {
		t.Errorf("delivery media inspection = %+v", in)
	}
}
