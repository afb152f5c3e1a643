package api_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/media/mediatest"
)

// go test ./api -run '^$' -bench BigUpload -benchtime 1x -bigupload 2147483648
var bigUpload = flag.Int64("bigupload", 64<<20, "bytes of frame data in the video BenchmarkBigUpload sends (2147483648 for the 2 GB run)")

// heapWatch samples the heap while an upload runs; HeapInuse growth over
// the start is what the upload holds in memory.
type heapWatch struct {
	base, alloc0 uint64
	peak         uint64
	stop, done   chan struct{}
}

func watchHeap() *heapWatch {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w := &heapWatch{base: ms.HeapInuse, alloc0: ms.TotalAlloc, peak: ms.HeapInuse, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				w.peak = max(w.peak, ms.HeapInuse)
			}
		}
	}()
	return w
}

// end returns the peak heap growth and the bytes allocated meanwhile.
func (w *heapWatch) end() (peakGrowth, allocated uint64) {
	close(w.stop)
	<-w.done
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return w.peak - min(w.base, w.peak), ms.TotalAlloc - w.alloc0
}

// bigServer is an API on a real HTTP server taking uploads of any size.
type bigServer struct {
	url, ws, key string
	// The server's own client: other tests' servers closing call
	// CloseIdleConnections on http.DefaultTransport.
	http *http.Client
}

func newBigServer(tb testing.TB) *bigServer {
	tb.Helper()
	blobs := &blob.Disk{Dir: tb.TempDir()}
	srv := httptest.NewServer(api.New(api.Config{
		Store: storetest.New(tb), Blobs: blobs, AdminKey: adminKey,
		Publishers:    map[serentak.Platform]bool{serentak.YouTube: true},
		MediaMaxBytes: 8 << 30, UploadMaxBytes: 8 << 30,
	}).Handler())
	tb.Cleanup(srv.Close)
	s := &bigServer{url: srv.URL, http: srv.Client()}
	req, _ := http.NewRequest("POST", srv.URL+"/v1/workspaces", strings.NewReader(`{"name":"Toko Video"}`))
	req.Header.Set("Authorization", "Bearer "+adminKey)
	req.Header.Set("Content-Type", "application/json")
	var ws struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	if err := s.doJSON(req, http.StatusCreated, &ws); err != nil {
		tb.Fatal(err)
	}
	s.ws, s.key = ws.ID, ws.APIKey
	return s
}

// multipart streams the movie as a multipart upload.
func (s *bigServer) multipart(m mediatest.Movie) (map[string]any, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", "video.mp4")
		if err == nil {
			_, err = io.Copy(part, m.Reader())
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", s.url+"/v1/workspaces/"+s.ws+"/media", pr)
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var out map[string]any
	return out, s.doJSON(req, http.StatusCreated, &out)
}

// resumable sends the movie in chunks through the resumable upload.
func (s *bigServer) resumable(m mediatest.Movie, chunk int64) (map[string]any, error) {
	size := m.Size()
	req, _ := http.NewRequest("POST", s.url+"/v1/workspaces/"+s.ws+"/uploads", nil)
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	var up struct {
		ID string `json:"id"`
	}
	if err := s.doJSON(req, http.StatusCreated, &up); err != nil {
		return nil, err
	}
	var out map[string]any
	for off := int64(0); off < size; off += chunk {
		n := min(chunk, size-off)
		req, _ := http.NewRequest("PATCH", s.url+"/v1/workspaces/"+s.ws+"/uploads/"+up.ID, io.NewSectionReader(m.ReaderAt(), off, n))
		req.ContentLength = n
		req.Header.Set("Authorization", "Bearer "+s.key)
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
		want := http.StatusNoContent
		if off+n == size {
			want = http.StatusOK
		}
		if err := s.doJSON(req, want, &out); err != nil {
			return nil, fmt.Errorf("chunk at %d: %w", off, err)
		}
	}
	return out["media"].(map[string]any), nil
}

func (s *bigServer) doJSON(req *http.Request, want int, out any) error {
	res, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("%s %s = %d, want %d: %s", req.Method, req.URL.Path, res.StatusCode, want, raw)
	}
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}

var uploadMemoryMu sync.Mutex // one measured upload at a time

// A video is streamed to storage, never held: the heap grows by far less
// than the file, through both ways in.
func TestLargeUploadIsNotHeldInMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 2 × 96 MiB to disk")
	}
	uploadMemoryMu.Lock()
	defer uploadMemoryMu.Unlock()
	s := newBigServer(t)
	m := mediatest.Movie{Width: 1080, Height: 1920, Duration: 10 * time.Minute, FPS: 30, AudioCodec: "mp4a", MoovLast: true, DataSize: 96 << 20}
	const limit = 24 << 20 // a quarter of the file
	for _, way := range []string{"multipart", "resumable"} {
		w := watchHeap()
		var med map[string]any
		var err error
		if way == "multipart" {
			med, err = s.multipart(m)
		} else {
			med, err = s.resumable(m, 32<<20)
		}
		peak, _ := w.end()
		if err != nil {
			t.Fatalf("%s: %v", way, err)
		}
		if med["size"] != float64(m.Size()) || med["duration_ms"] != 600000.0 {
			t.Fatalf("%s: media = %v", way, med)
		}
		t.Logf("%s upload of %d MiB: heap grew by at most %.1f MiB", way, m.Size()>>20, float64(peak)/(1<<20))
		if peak > limit {
			t.Errorf("%s upload of %d MiB grew the heap by %d MiB; the file is being held", way, m.Size()>>20, peak>>20)
		}
	}
}

// BenchmarkBigUpload reports the peak heap growth and the bytes allocated
// while one video of -bigupload bytes is uploaded through the API (a real
// HTTP server, SQLite, the disk store).
func BenchmarkBigUpload(b *testing.B) {
	for _, way := range []string{"multipart", "resumable"} {
		b.Run(way, func(b *testing.B) {
			uploadMemoryMu.Lock()
			defer uploadMemoryMu.Unlock()
			s := newBigServer(b)
			m := mediatest.Movie{Width: 1080, Height: 1920, Duration: 10 * time.Minute, FPS: 30, AudioCodec: "mp4a", MoovLast: true, DataSize: *bigUpload}
			b.SetBytes(m.Size())
			var peak, alloc uint64
			for b.Loop() {
				w := watchHeap()
				var err error
				if way == "multipart" {
					_, err = s.multipart(m)
				} else {
					_, err = s.resumable(m, 256<<20)
				}
				p, a := w.end()
				if err != nil {
					b.Fatal(err)
				}
				peak, alloc = max(peak, p), max(alloc, a)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(alloc)/(1<<20), "alloc-MiB/op")
			b.ReportMetric(float64(m.Size())/(1<<20), "file-MiB")
		})
	}
}
