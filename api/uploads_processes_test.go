package api_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/blob/s3test"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/media/mediatest"
	"github.com/serentak/serentak/testkit"
)

// Three API processes share one database and one upload directory, behind
// a round-robin balancer with no sticky sessions: a resumable upload in
// five chunks lands each chunk on another process than the one before and
// becomes media a post can use, byte for byte, on disk or in an S3 bucket
// (the fake of blob/s3test). The same chunk sent at once to two processes
// is taken by one; the other answers 409 with the offset to resume from.
func TestResumableUploadAcrossProcesses(t *testing.T) {
	t.Run("disk", func(t *testing.T) {
		// Uploads nil: each process makes its own, beside the shared blobs.
		b := setup(t)
		uploadAcrossProcesses(t, b, b.blobs, func() *media.Uploads { return nil })
	})
	t.Run("s3", func(t *testing.T) {
		_, srv := s3test.New(t)
		cfg, err := blob.ParseS3URL(s3test.URL(srv, "serentak"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Transport = srv.Client().Transport
		bucket, err := blob.NewS3(cfg)
		if err != nil {
			t.Fatal(err)
		}
		shared := t.TempDir() // SERENTAK_UPLOADS_DIR, one volume every process mounts
		uploads := func() *media.Uploads { return &media.Uploads{Dir: shared, MaxBytes: 1 << 30} }
		b := setup(t, func(c *api.Config) { c.Blobs, c.Uploads = bucket, uploads() })
		uploadAcrossProcesses(t, b, bucket, uploads)
	})
}

func uploadAcrossProcesses(t *testing.T, b *bundle, blobs blob.Store, uploads func() *media.Uploads) {
	ws, key := b.workspace("Toko Budi")
	acc := b.account(ws, key, serentak.Facebook, "111")
	servers := []*api.Server{b.server}
	for range 2 {
		// Each api.Server is a process of its own: its own media.Uploads
		// on the shared directory, its own locks.
		servers = append(servers, api.New(api.Config{Store: b.store, Blobs: blobs, Uploads: uploads(), Signer: b.signer, AdminKey: adminKey,
			Publishers: map[serentak.Platform]bool{serentak.Facebook: true}, AuthFailureLimit: -1,
			Now: func() time.Time { return b.now }}))
	}
	// The balancer deals chunks (PATCH) round robin on a count of their
	// own, so the other requests between them do not decide where they go.
	var mu sync.Mutex
	var next, nextChunk int
	var chunkTakenBy []int
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := &next
		if r.Method == http.MethodPatch {
			n = &nextChunk
		}
		i := *n % len(servers)
		*n++
		if r.Method == http.MethodPatch {
			chunkTakenBy = append(chunkTakenBy, i)
		}
		mu.Unlock()
		servers[i].Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(lb.Close)
	b.srv = lb

	video := mediatest.Movie{Width: 1080, Height: 1920, Duration: 20 * time.Second, FPS: 30, AudioCodec: "mp4a", MoovLast: true, DataSize: 300_000}.Bytes()
	chunk := (len(video) + 4) / 5
	id := b.createUpload(ws, key, len(video))

	var final map[string]any
	for i := range 5 {
		from, to := i*chunk, min((i+1)*chunk, len(video))
		if i == 2 {
			sameChunkTwice(t, b, servers, ws, key, id, int64(from), video[from:to])
		} else {
			r := b.patchUpload(ws, key, id, int64(from), video[from:to])
			if to < len(video) {
				if r.status != http.StatusNoContent || r.header.Get("Upload-Offset") != strconv.Itoa(to) {
					t.Fatalf("chunk %d: %d, Upload-Offset %q: %s", i+1, r.status, r.header.Get("Upload-Offset"), r.body)
				}
			} else {
				final = b.expect(r, http.StatusOK)
			}
		}
		// Every process sees the same offset.
		for range len(servers) {
			if got := b.offset(ws, key, id); got != int64(to) {
				t.Fatalf("after chunk %d a process says offset %d, want %d", i+1, got, to)
			}
		}
	}
	mu.Lock()
	t.Logf("chunks 1, 2, 4 and 5 taken by processes %v; chunk 3 by processes 1 and 2 at once", chunkTakenBy)
	for i := 1; i < len(chunkTakenBy); i++ {
		if chunkTakenBy[i] == chunkTakenBy[i-1] {
			t.Fatalf("two chunks in a row on process %d: %v", chunkTakenBy[i], chunkTakenBy)
		}
	}
	mu.Unlock()
	med, _ := final["media"].(map[string]any)
	if final["status"] != "complete" || med == nil {
		t.Fatalf("last chunk's answer = %v", final)
	}
	mediaID := med["id"].(string)
	rc, _, _, err := blobs.Open(context.Background(), mediaID)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sha256.Sum256(stored), sha256.Sum256(video); got != want {
		t.Fatalf("stored media sha256 %x, uploaded %x", got, want)
	}
	// Any process answers the finished upload, and a post takes the media.
	for range len(servers) {
		if got := b.expect(b.do("GET", "/v1/workspaces/"+ws+"/uploads/"+id, key, nil), http.StatusOK); got["media_id"] != mediaID {
			t.Fatalf("GET finished upload = %v", got)
		}
	}
	post := postBody(acc)
	post["media"] = []any{map[string]any{"id": mediaID}}
	b.expect(b.do("POST", "/v1/workspaces/"+ws+"/posts", key, post), http.StatusCreated)
}

// sameChunkTwice sends data at offset to processes 1 and 2 at once, each
// body held open half-way until the first half has reached the disk, and
// checks one takes it (204) and the other answers 409 with the new offset.
func sameChunkTwice(t *testing.T, b *bundle, servers []*api.Server, ws, key, id string, offset int64, data []byte) {
	t.Helper()
	type result struct {
		status int
		offset string
		body   []byte
	}
	results := make([]result, 2)
	writers := make([]*io.PipeWriter, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		srv := httptest.NewServer(servers[i+1].Handler())
		t.Cleanup(srv.Close)
		pr, pw := io.Pipe()
		writers[i] = pw
		req, _ := http.NewRequest("PATCH", srv.URL+"/v1/workspaces/"+ws+"/uploads/"+id, pr)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Errorf("PATCH to process %d: %v", i+1, err)
				pr.CloseWithError(err)
				return
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			results[i] = result{res.StatusCode, res.Header.Get("Upload-Offset"), body}
		}()
	}
	half := len(data) / 2
	var sent sync.WaitGroup
	for _, w := range writers {
		sent.Add(1)
		go func() { defer sent.Done(); w.Write(data[:half]) }()
	}
	// One process has written the first half; the other has its request
	// in hand too (it is waiting for the upload, or, were there no lock
	// across processes, writing the same bytes).
	b.waitOffset(ws, key, id, offset+int64(half))
	time.Sleep(200 * time.Millisecond)
	sent.Wait()
	for _, w := range writers {
		sent.Add(1)
		go func() { defer sent.Done(); w.Write(data[half:]); w.Close() }()
	}
	sent.Wait()
	wg.Wait()
	end := strconv.FormatInt(offset+int64(len(data)), 10)
	var took, refused int
	for i, r := range results {
		t.Logf("the same chunk to process %d: %d, Upload-Offset %q", i+1, r.status, r.offset)
		switch {
		case r.status == http.StatusNoContent && r.offset == end:
			took++
		case r.status == http.StatusConflict && r.offset == end:
			refused++
			checkErrorShape(t, r.body, "conflict")
		default:
			t.Errorf("process %d answered %d, Upload-Offset %q: %s", i+1, r.status, r.offset, r.body)
		}
	}
	if took != 1 || refused != 1 {
		t.Fatalf("the same chunk at once to two processes: %d took it, %d refused; want 1 and 1", took, refused)
	}
	testkit.WaitFor(t, time.Second, "offset after the doubled chunk", func() bool { return strconv.FormatInt(b.offset(ws, key, id), 10) == end })
}
