// Package s3test is a fake S3-compatible server for tests of blob.S3 and
// of what stores media through it: no real S3 or MinIO runs in tests.
package s3test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is the least of S3 that blob.S3 uses (single and multipart PUT, GET
// with ranges, HEAD, DELETE), path style, in memory. It checks what every
// request must carry — a SigV4 Authorization for our access key and
// region, a payload hash — and records each request, so the tests assert
// how requests are shaped. It does not verify signatures: this is not a
// test of minio-go, and no real S3 or MinIO can run here.
type Server struct {
	t       testing.TB
	mu      sync.Mutex
	objects map[string][]byte
	parts   map[string]map[int][]byte // uploadId → part number → bytes
	log     []string                  // "METHOD /path?query-keys"
	aborted int
}

// New starts the fake for the test t (TLS; use the server's client transport).
func New(t testing.TB) (*Server, *httptest.Server) {
	f := &Server{t: t, objects: map[string][]byte{}, parts: map[string]map[int][]byte{}}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	if bucket != Bucket {
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
func (f *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
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
func (f *Server) body(r *http.Request) ([]byte, error) {
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

// Requests lists every request so far, "METHOD /path?sorted-query-keys".
func (f *Server) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// URL is an SERENTAK_MEDIA_S3_URL for the fake (blob.ParseS3URL), with the
// credentials and region it checks and keys under prefix.
func URL(srv *httptest.Server, prefix string) string {
	u, _ := url.Parse(srv.URL)
	return "s3://" + AccessKey + ":secret%2Fkey@" + u.Host + "/" + Bucket + "/" + prefix + "?region=" + Region
}

// The bucket, access key and region every request must name.
const (
	Bucket    = "media-bucket"
	AccessKey = "AKFAKE"
	Region    = "eu-test-1"
)

// Object returns the bytes stored under the object name (prefix and key).
func (f *Server) Object(name string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[name]
	return b, ok
}

// Counts says how many objects are stored, how many multipart uploads are
// open and how many were aborted.
func (f *Server) Counts() (objects, open, aborted int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.objects), len(f.parts), f.aborted
}
