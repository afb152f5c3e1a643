package chaos

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
)

// TestUploadKills sends SIGKILL to every worker while a YouTube chunk (one
// in the middle of the video, and one carrying its last byte) or a TikTok
// upload PUT is in flight, and restarts them: the delivery is taken
// over after its lease and resumes from its stored session (YouTube's
// upload session URI, TikTok's publish_id and upload_url), asking the
// platform what it already holds. Each post must become exactly one video
// on each platform, counted from the fakes' own records.
//
// The kill is made to land mid-call by the fake itself: a rule holds the
// matching request, before the fake reads its body, until the workers are
// dead; then the fake goes on with whatever the dead connection still
// delivers (all of the chunk, part of it, or nothing), as a real server
// would.
func TestUploadKills(t *testing.T) {
	t.Parallel()
	c := newCluster(t, options{workers: 2, schedulers: 1, latency: 20 * time.Millisecond})
	k := newMidCallKiller(map[string]int{"YouTube chunk": size(1, 3), "YouTube final chunk": size(1, 3), "TikTok upload": size(1, 3)})
	c.yt.Inject(func(r fakeyoutube.Request) *fakeyoutube.Fault {
		switch {
		case fakeyoutube.FinalChunk(r):
			k.hold("YouTube final chunk")
		case r.Route == fakeyoutube.RouteChunk:
			k.hold("YouTube chunk")
		}
		return nil
	})
	c.tt.Inject(func(r *http.Request) *faketiktok.Fault {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, faketiktok.PathUpload) {
			k.hold("TikTok upload")
		}
		return nil
	})

	// A video of two YouTube chunks (the adapter sends 8 MiB at a time),
	// so that a session is killed half sent, and one TikTok chunk.
	video := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 9<<20)...)
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, "video.mp4", time.Time{}, bytes.NewReader(video))
	}))
	t.Cleanup(media.Close)
	upload := shape{name: "yt+tt-video", yt: true, tt: true, media: func(*cluster) []map[string]any {
		return []map[string]any{{"url": media.URL + "/video.mp4"}}
	}}

	tn := c.setup()
	n := size(3, 8)
	spread := time.Duration(n) * 500 * time.Millisecond
	l, last := tn.schedule(t, c, "upload", n, []shape{upload}, time.Now().Add(2*time.Second), spread)

	// Kill the workers for every held call, until none is wanted or the
	// posts should long be out.
	deadline := last.Add(30 * time.Second)
	for !k.satisfied() && time.Now().Before(deadline) {
		select {
		case h := <-k.hits:
			if k.stale(h) {
				close(h.done) // its worker died in an earlier kill
				continue
			}
			names := c.names("worker")
			sort.Strings(names)
			for _, name := range names {
				c.kill(name)
			}
			k.killed()
			close(h.done)
			for _, name := range names {
				c.start(name)
			}
		case <-time.After(100 * time.Millisecond):
		}
	}
	k.release()
	tn.await(t, l, last.Add(90*time.Second))
	c.checkAlive()
	r := tn.report(t, c, "upload kills", l)
	r.check(t)
	// A session start or init whose answer a kill cut off leaves an orphan
	// (no bytes, no video), so these may exceed the posts; the videos
	// counted above may not.
	t.Logf("SIGKILLs mid-call: %v (%d kill rounds); %d posts: YouTube %d session starts, %d status queries; TikTok %d inits, %d upload PUTs; %d takeovers by the stranded sweep",
		k.counts(), k.rounds(), n, c.yt.CountCalls(fakeyoutube.RouteStart), c.yt.CountCalls(fakeyoutube.RouteStatus),
		c.tt.CountCalls(http.MethodPost, faketiktok.PathVideoInit), c.tt.CountCalls(http.MethodPut, faketiktok.PathUpload),
		c.grepLogs(`"msg":"stranded delivery`))
	// Resumed, not started again: every session or publish that received
	// bytes went on to hold the whole video.
	for _, ss := range c.yt.Sessions() {
		if ss.Received > 0 && ss.VideoID == "" {
			t.Errorf("YouTube session %s was left with %d of %d bytes: an upload started again instead of resuming", ss.ID, ss.Received, ss.Total)
		}
	}
	for _, p := range c.tt.Publishes(ttOpenID) {
		if p.Received > 0 && p.Received < p.VideoSize {
			t.Errorf("TikTok publish %s was left with %d of %d bytes: an upload started again instead of resuming", p.ID, p.Received, p.VideoSize)
		}
	}
	for name, left := range k.wanted() {
		if left > 0 {
			t.Errorf("no worker was killed during a %s", name)
		}
	}
}

// midCallKiller coordinates kills with the fakes' handlers: hold blocks a
// platform call until the test has killed every worker.
type midCallKiller struct {
	hits chan hit

	mu     sync.Mutex
	left   map[string]int // kills still wanted, by call
	hitN   map[string]int // calls a kill landed in
	gen    int            // kill rounds done
	closed chan struct{}  // closed by release: hold stops holding
}

// hit is one held call, raised in kill round gen.
type hit struct {
	name string
	gen  int
	done chan struct{}
}

func newMidCallKiller(want map[string]int) *midCallKiller {
	return &midCallKiller{hits: make(chan hit), left: want, hitN: map[string]int{}, closed: make(chan struct{})}
}

// hold runs in the fake's handler: while a kill is wanted for this call, it
// has the test kill the workers and returns once they are dead.
func (k *midCallKiller) hold(name string) {
	k.mu.Lock()
	if k.left[name] <= 0 {
		k.mu.Unlock()
		return
	}
	k.left[name]--
	k.hitN[name]++
	h := hit{name: name, gen: k.gen, done: make(chan struct{})}
	k.mu.Unlock()
	select {
	case k.hits <- h:
	case <-k.closed:
		return
	}
	select {
	case <-h.done:
	case <-k.closed:
	}
}

// stale reports whether the workers were killed since h was raised: its
// own worker is dead already.
func (k *midCallKiller) stale(h hit) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return h.gen < k.gen
}

func (k *midCallKiller) killed() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.gen++
}

// release lets every held call go on.
func (k *midCallKiller) release() { close(k.closed) }

func (k *midCallKiller) satisfied() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, n := range k.left {
		if n > 0 {
			return false
		}
	}
	return true
}

func (k *midCallKiller) wanted() map[string]int {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[string]int{}
	for name, n := range k.left {
		out[name] = n
	}
	return out
}

func (k *midCallKiller) counts() map[string]int {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[string]int{}
	for name, n := range k.hitN {
		out[name] = n
	}
	return out
}

func (k *midCallKiller) rounds() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.gen
}
