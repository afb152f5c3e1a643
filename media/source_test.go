package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/media/mediatest"
)

func TestSourceOpensUploads(t *testing.T) {
	ctx := context.Background()
	disk := &blob.Disk{Dir: t.TempDir()}
	if _, err := disk.Put(ctx, "med_1", strings.NewReader("video bytes"), 1<<20); err != nil {
		t.Fatal(err)
	}
	src := &Source{Blobs: disk}
	r, size, err := src.Open(ctx, serentak.MediaRef{ID: "med_1"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	if string(b) != "video bytes" || size != int64(len(b)) {
		t.Fatalf("Open = %q (size %d)", b, size)
	}
}

func TestSourceRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
	defer srv.Close()
	redirect := httptest.NewServer(http.RedirectHandler(srv.URL+"/x", http.StatusFound))
	defer redirect.Close()

	src := &Source{}
	for _, u := range []string{srv.URL + "/a.mp4", "http://localhost:1/a.mp4", "http://169.254.169.254/latest/meta-data"} {
		if _, _, err := src.Open(context.Background(), serentak.MediaRef{URL: u}); err == nil {
			t.Errorf("Open(%s) fetched a private address", u)
		}
	}
	// Every connection is checked when it is dialed, so neither a redirect
	// nor a DNS answer that changed after the up-front check gets through.
	resp, err := src.client().Get(redirect.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("the client connected to a loopback address")
	}
}

func TestSourceFetchesWhenPrivateAllowedAndEnforcesTheLimit(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush() // no Content-Length: the limit must hold while reading
		}
		w.Write(body)
	}))
	defer srv.Close()
	src := &Source{AllowPrivate: true, MaxBytes: 2000}
	r, size, err := src.Open(context.Background(), serentak.MediaRef{URL: srv.URL + "/v.mp4"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if len(got) != 1000 || size != 1000 {
		t.Fatalf("read %d bytes, size %d; want 1000", len(got), size)
	}

	small := &Source{AllowPrivate: true, MaxBytes: 500}
	if _, _, err := small.Open(context.Background(), serentak.MediaRef{URL: srv.URL + "/v.mp4"}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("declared size over the limit: %v, want ErrTooLarge", err)
	}
	r, _, err = small.Open(context.Background(), serentak.MediaRef{URL: srv.URL + "/chunked"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadAll(r); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("streamed past the limit: %v, want ErrTooLarge", err)
	}
}

// TestHeadTypesAURLFromItsBytes serves media from a real local HTTP server
// at addresses without extensions: Head types each from its first bytes,
// read with a range request, and never reads a whole file.
func TestHeadTypesAURLFromItsBytes(t *testing.T) {
	photo := mediatest.JPEG(1080, 1350, 1)
	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 20 * time.Second, FPS: 30, DataSize: 1 << 20}.Bytes()
	var ranges []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ranges = append(ranges, r.Header.Get("Range"))
		mu.Unlock()
		switch r.URL.Query().Get("id") {
		case "7":
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(photo)) // honours Range
		case "8":
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(video))
		case "9": // ignores Range and sends everything
			w.Header().Set("Content-Length", strconv.Itoa(len(video)))
			w.Write(video)
		case "10":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><html><body>Sign in to view this file</body></html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	src := &Source{AllowPrivate: true}
	ctx := context.Background()

	h, err := src.Head(ctx, srv.URL+"/p?id=7")
	if err != nil {
		t.Fatal(err)
	}
	if h.Kind != serentak.MediaImage || h.ContentType != "image/jpeg" || h.Size != int64(len(photo)) || h.Width != 1080 || h.Height != 1350 {
		t.Errorf("photo: %+v, want a 1080×1350 JPEG of %d bytes", h, len(photo))
	}
	h, err = src.Head(ctx, srv.URL+"/p?id=8")
	if err != nil {
		t.Fatal(err)
	}
	if h.Kind != serentak.MediaVideo || h.ContentType != "video/mp4" || h.Size != int64(len(video)) {
		t.Errorf("video: %+v, want an MP4 of %d bytes", h, len(video))
	}
	h, err = src.Head(ctx, srv.URL+"/p?id=9")
	if err != nil || h.Kind != serentak.MediaVideo || h.Size != int64(len(video)) {
		t.Errorf("a server ignoring Range: %+v, %v", h, err)
	}
	if _, err := src.Head(ctx, srv.URL+"/p?id=10"); !errors.Is(err, ErrNotMedia) {
		t.Errorf("a web page: %v, want ErrNotMedia", err)
	}
	if _, err := src.Head(ctx, srv.URL+"/p?id=11"); err == nil || errors.Is(err, ErrNotMedia) {
		t.Errorf("a 404: %v, want an error reading it", err)
	}
	for _, r := range ranges {
		if r != fmt.Sprintf("bytes=0-%d", HeadLen-1) {
			t.Errorf("Range %q, want the first %d bytes only", r, HeadLen)
		}
	}
	// Private addresses stay refused unless allowed
	// (SERENTAK_MEDIA_ALLOW_PRIVATE).
	if _, err := (&Source{}).Head(ctx, srv.URL+"/p?id=7"); err == nil {
		t.Error("Head read a loopback address without AllowPrivate")
	}
}

// TestHeadGivesUpQuickly: a post's creation waits for Head, so a media
// server that never answers costs HeadTimeout, not the client's patience.
func TestHeadGivesUpQuickly(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	_, err := (&Source{AllowPrivate: true, HeadTimeout: 100 * time.Millisecond}).Head(context.Background(), srv.URL+"/slow")
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("Head = %v after %v, want an error after about 100 ms", err, time.Since(start))
	}
}
