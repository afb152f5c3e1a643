package blob

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeS3 is the least of S3 that S3 uses (single and multipart PUT, GET
// with ranges, HEAD, DELETE), path style, in memory. It checks what every
// request must carry — a SigV4 Authorization for our access key and
// region, a payload hash — and records each request, so the tests assert
// how requests are shaped. It does not verify signatures: this is not a
// test of minio-go, and no real S3 or MinIO can run here.
type fakeS3 struct {
	t       *testing.T
	mu      sync.Mutex
	objects map[string][]byte
	parts   map[string]map[int][]byte // uploadId → part number → bytes
	log     []string                  // "METHOD /path?query-keys"
	aborted int
}

func newFakeS3(t *testing.T) (*fakeS3, *httptest.Server) {
	f := &fakeS3{t: t, objects: map[string][]byte{}, parts: map[string]map[int][]byte{}}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) {
		return
	}
	body, err := f.body(r) // before the lock: minio may send parts at once
	q := r.URL.Query()
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// Served outside the lock: a reader may leave a response unread.
		f.mu.Lock()
		f.log = append(f.log, r.Method+" "+r.URL.Path)
		_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		obj, ok := f.objects[key]
		f.mu.Unlock()
		if !ok {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			if r.Method == http.MethodGet {
				fmt.Fprintf(w, `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>%s</Key></Error>`, key)
			}
			return
		}
		w.Header().Set("ETag", `"whole"`)
		http.ServeContent(w, r, "", time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), bytes.NewReader(obj))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	f.log = append(f.log, r.Method+" "+r.URL.Path+"?"+strings.Join(keys, "&"))

	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != "media-bucket" {
		f.t.Errorf("%s %s: bucket %q, want media-bucket, path style", r.Method, r.URL, bucket)
	}
	if err != nil {
		f.t.Errorf("%s %s: %v", r.Method, r.URL, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		id := fmt.Sprintf("upload-%d", len(f.parts)+1)
		f.parts[id] = map[int][]byte{}
		fmt.Fprintf(w, `<InitiateMultipartUploadResult><Bucket>%s</Bucket><Key>%s</Key><UploadId>%s</UploadId></InitiateMultipartUploadResult>`, bucket, key, id)
	case r.Method == http.MethodPut && q.Has("uploadId"):
		n, _ := strconv.Atoi(q.Get("partNumber"))
		f.parts[q.Get("uploadId")][n] = body
		w.Header().Set("ETag", fmt.Sprintf(`"part-%d"`, n))
	case r.Method == http.MethodPost && q.Has("uploadId"):
		parts := f.parts[q.Get("uploadId")]
		var all []byte
		for i := 1; i <= len(parts); i++ {
			all = append(all, parts[i]...)
		}
		f.objects[key] = all
		delete(f.parts, q.Get("uploadId"))
		fmt.Fprintf(w, `<CompleteMultipartUploadResult><Bucket>%s</Bucket><Key>%s</Key><ETag>"whole"</ETag></CompleteMultipartUploadResult>`, bucket, key)
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		delete(f.parts, q.Get("uploadId"))
		f.aborted++
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPut:
		f.objects[key] = body
		w.Header().Set("ETag", `"single"`)
	case r.Method == http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		f.t.Errorf("unexpected %s %s", r.Method, r.URL)
		http.Error(w, "unexpected", http.StatusNotImplemented)
	}
}

// authorized checks the SigV4 shape of a request.
func (f *fakeS3) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKFAKE/") || !strings.Contains(auth, "/eu-test-1/s3/aws4_request") ||
		r.Header.Get("X-Amz-Content-Sha256") == "" || r.Header.Get("X-Amz-Date") == "" {
		f.t.Errorf("%s %s: not a SigV4 request for AKFAKE in eu-test-1: Authorization %q", r.Method, r.URL, auth)
		http.Error(w, "forbidden", http.StatusForbidden)
		return false
	}
	return true
}

// body reads a request body, decoding aws-chunked (streaming signature)
// bodies.
func (f *fakeS3) body(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return raw, nil
	}
	var out []byte
	br := bufio.NewReader(bytes.NewReader(raw))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("aws-chunked body: %w", err)
		}
		sizeHex, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("aws-chunked size %q: %w", line, err)
		}
		if n == 0 {
			return out, nil
		}
		chunk := make([]byte, n+2)
		if _, err := io.ReadFull(br, chunk); err != nil {
			return nil, err
		}
		out = append(out, chunk[:n]...)
	}
}

func (f *fakeS3) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func newTestS3(t *testing.T, partSize uint64) (*S3, *fakeS3) {
	f, srv := newFakeS3(t)
	u, _ := url.Parse(srv.URL)
	cfg, err := ParseS3URL("s3://AKFAKE:secret%2Fkey@" + u.Host + "/media-bucket/serentak?region=eu-test-1")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Transport = srv.Client().Transport
	cfg.PartSize = partSize
	s, err := NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, f
}

func TestParseS3URL(t *testing.T) {
	tests := []struct {
		raw  string
		want S3Config
		err  bool
	}{
		{raw: "s3://AK:SK@minio:9000/media", want: S3Config{Endpoint: "minio:9000", Bucket: "media", AccessKey: "AK", SecretKey: "SK"}},
		{raw: "http://AK:S%2FK@127.0.0.1:9000/media/serentak/?region=id-jkt-1", want: S3Config{Endpoint: "127.0.0.1:9000", Bucket: "media",
			AccessKey: "AK", SecretKey: "S/K", Region: "id-jkt-1", Insecure: true, Prefix: "serentak/"}},
		{raw: "https://AK:SK@s3.ap-southeast-3.amazonaws.com/toko?virtual_host=true&region=ap-southeast-3", want: S3Config{
			Endpoint: "s3.ap-southeast-3.amazonaws.com", Bucket: "toko", AccessKey: "AK", SecretKey: "SK", Region: "ap-southeast-3", VirtualHost: true}},
		{raw: "s3://minio:9000/media", err: true},         // no credentials
		{raw: "s3://AK:SK@minio:9000/", err: true},        // no bucket
		{raw: "ftp://AK:SK@minio/media", err: true},       // scheme
		{raw: "s3://AK:SK@m/b?insecure=maybe", err: true}, // not a bool
	}
	for _, tt := range tests {
		got, err := ParseS3URL(tt.raw)
		if (err != nil) != tt.err {
			t.Errorf("ParseS3URL(%q) error = %v, want error %v", tt.raw, err, tt.err)
			continue
		}
		if !tt.err && got != tt.want {
			t.Errorf("ParseS3URL(%q) = %+v\nwant %+v", tt.raw, got, tt.want)
		}
	}
}

func TestS3PutOpenDelete(t *testing.T) {
	ctx := context.Background()
	s, f := newTestS3(t, 5<<20)
	// 12 MiB of unknown length: streamed in 5 MiB parts under the prefix.
	data := bytes.Repeat([]byte("0123456789abcdef"), 12<<16)
	n, err := s.Put(ctx, "med_video", bytes.NewReader(data), 64<<20)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Put = %d, %v", n, err)
	}
	want := []string{
		"POST /media-bucket/serentak/med_video?uploads",
		"PUT /media-bucket/serentak/med_video?partNumber&uploadId",
		"PUT /media-bucket/serentak/med_video?partNumber&uploadId",
		"PUT /media-bucket/serentak/med_video?partNumber&uploadId",
		"POST /media-bucket/serentak/med_video?uploadId",
	}
	if got := f.requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	rc, size, mod, err := s.Open(ctx, "med_video")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if size != int64(len(data)) || !mod.Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("Open: size %d, modified %v", size, mod)
	}
	// Seek and read: a ranged GET, as public links with Range and
	// media.Inspect do.
	if _, err := rc.Seek(1<<20, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if _, err := io.ReadFull(rc, buf); err != nil || !bytes.Equal(buf, data[1<<20:1<<20+16]) {
		t.Fatalf("read after seek = %q, %v", buf, err)
	}

	if err := s.Delete(ctx, "med_video"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Open(ctx, "med_video"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "med_never"); err != nil {
		t.Fatalf("Delete of a missing key = %v", err)
	}
	if _, err := s.Put(ctx, "../escape", bytes.NewReader(data), 1<<30); err == nil {
		t.Fatal("Put accepted a key with a slash")
	}
}

func TestS3PutTooLargeAborts(t *testing.T) {
	s, f := newTestS3(t, 5<<20)
	data := bytes.Repeat([]byte{1}, 7<<20)
	if _, err := s.Put(context.Background(), "med_big", bytes.NewReader(data), 6<<20); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put over the limit = %v, want ErrTooLarge", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.objects) != 0 || len(f.parts) != 0 || f.aborted != 1 {
		t.Fatalf("after a refused Put: %d objects, %d open uploads, %d aborted; want 0, 0, 1", len(f.objects), len(f.parts), f.aborted)
	}
}

// A finished resumable upload is a file of known length: one PUT, no
// multipart round trips, when it fits one part.
func TestS3PutFile(t *testing.T) {
	s, f := newTestS3(t, 5<<20)
	path := filepath.Join(t.TempDir(), "upload.part")
	data := bytes.Repeat([]byte("x"), 100_000)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if n, err := s.Put(context.Background(), "med_file", file, 1<<20); err != nil || n != int64(len(data)) {
		t.Fatalf("Put(file) = %d, %v", n, err)
	}
	if got := f.requests(); len(got) != 1 || got[0] != "PUT /media-bucket/serentak/med_file?" {
		t.Fatalf("requests = %v, want one PUT", got)
	}
	if !bytes.Equal(f.objects["serentak/med_file"], data) {
		t.Fatal("stored bytes differ")
	}
}
