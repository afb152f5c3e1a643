package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/blob"
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
