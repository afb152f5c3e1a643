package youtube_test

import (
	"context"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/youtube"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
)

// TestStreamsWithoutHoldingTheVideo uploads 64 MiB made up on the fly and
// checks that the whole process (adapter, net/http and the fake together)
// allocates a small fraction of that: the video is streamed, never held.
// Not parallel, so other tests' allocations do not count.
func TestStreamsWithoutHoldingTheVideo(t *testing.T) {
	const size = 64 << 20
	b := setup(t, options{cfg: youtube.Config{ChunkSize: 1 << 20}, size: size})
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := b.publish(t); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("uploading %d MiB allocated %.1f MiB in all", size>>20, float64(alloc)/(1<<20))
	if alloc > size/8 {
		t.Errorf("uploading %d MiB allocated %.1f MiB; the video is not being streamed", size>>20, float64(alloc)/(1<<20))
	}
	b.oneVideo(t)
}

// block is a fast source of video bytes for the benchmark: a random block
// of prime length, repeated.
type block struct {
	data      []byte
	pos, size int64
}

func (r *block) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.size-r.pos)]
	n := 0
	for n < len(p) {
		n += copy(p[n:], r.data[(r.pos+int64(n))%int64(len(r.data)):])
	}
	r.pos += int64(n)
	return n, nil
}

func (r *block) Close() error { return nil }

// BenchmarkUpload measures upload throughput through the adapter to the
// fake (MB/s) and the process's peak heap while uploading a 200 MB video,
// which must stay flat rather than grow with the file:
//
//	go test -run '^$' -bench Upload -benchtime 3x ./adapters/youtube/
func BenchmarkUpload(b *testing.B) {
	const size = 200 << 20
	data := make([]byte, 1_000_003)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, chunk := range []int64{youtube.DefaultChunkSize, 32 << 20} {
		b.Run("chunk="+strconv.FormatInt(chunk>>20, 10)+"MiB", func(b *testing.B) {
			fake := fakeyoutube.New()
			defer fake.Close()
			fake.AddAccessToken(channelID, accessToken, time.Now().Add(24*time.Hour))
			pub, err := youtube.New(youtube.Config{BaseURL: fake.URL, ChunkSize: chunk, DailyUploads: -1})
			if err != nil {
				b.Fatal(err)
			}
			open := func(context.Context, serentak.MediaRef) (io.ReadCloser, int64, error) {
				return &block{data: data, size: size}, size, nil
			}

			var peak atomic.Uint64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				var ms runtime.MemStats
				t := time.NewTicker(5 * time.Millisecond)
				defer t.Stop()
				for {
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > peak.Load() {
						peak.Store(ms.HeapInuse)
					}
					select {
					case <-stop:
						return
					case <-t.C:
					}
				}
			})
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)

			b.SetBytes(size)
			b.ResetTimer()
			for range b.N {
				req := serentak.PublishRequest{
					Account: serentak.Account{ExternalID: channelID, Token: serentak.Token{AccessToken: accessToken}},
					Content: serentak.Content{Title: "Benchmark", Text: "bytes",
						Media: []serentak.MediaRef{{ID: "med_b", Kind: serentak.MediaVideo, ContentType: "video/mp4"}}},
					OpenMediaFunc: open,
				}
				if _, err := pub.Publish(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(base.HeapInuse)/(1<<20), "base-heap-MiB")
		})
	}
}
