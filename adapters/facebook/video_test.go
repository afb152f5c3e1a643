package facebook_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/adaptertest"
	"github.com/serentak/serentak/adapters/facebook"
	"github.com/serentak/serentak/adapters/facebook/fakegraph"
	"github.com/serentak/serentak/testkit"
)

// A video is published only once Facebook reports it processed and
// published; until then Publish answers Pending with a retry hint.
func TestVideoPublishedOnceProcessed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.SetVideoProcessing(3, "")
	content := serentak.Content{Text: "Watch", Media: []serentak.MediaRef{b.video()}}
	for i := range 3 {
		_, err := b.pub.Publish(context.Background(), b.request(content))
		pe := adaptertest.PublishErr(t, err)
		if pe.Kind != serentak.Pending || pe.RetryAfter <= 0 {
			t.Fatalf("attempt %d = %v, want Pending with a retry hint while Facebook processes", i+1, err)
		}
	}
	res, err := b.pub.Publish(context.Background(), b.request(content))
	if err != nil || len(res.Warnings) != 0 {
		t.Fatalf("after processing: %+v, %v", res, err)
	}
	if n := b.fake.CountCalls("POST", "videos"); n != 1 {
		t.Errorf("%d POST /videos, want 1", n)
	}
}

func TestVideoProcessingError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.SetVideoProcessing(1, "The video file you selected is in a format that we don't support.")
	content := serentak.Content{Text: "Broken", Media: []serentak.MediaRef{b.video()}}
	_, err := b.settle(t, content)
	if pe := adaptertest.PublishErr(t, err); pe.Kind != serentak.Rejected || !strings.Contains(pe.Message, "format that we don't support") {
		t.Fatalf("= %v, want Rejected with Facebook's reason", err)
	}
}

// A video still processing an hour after it was sent is reported
// published, with a warning saying so.
func TestVideoStillProcessingWarns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	clk := testkit.NewClock(b.now)
	b.pub = facebook.New(facebook.Config{BaseURL: b.fake.URL, Now: clk.Now})
	b.fake.SetVideoProcessing(1000, "")
	content := serentak.Content{Text: "Long", Media: []serentak.MediaRef{b.video()}}
	_, err := b.pub.Publish(context.Background(), b.request(content))
	if k := kindOf(t, err); k != serentak.Pending {
		t.Fatalf("first attempt: %v", err)
	}
	clk.Advance(61 * time.Minute)
	res, err := b.pub.Publish(context.Background(), b.request(content))
	if err != nil || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), "still processing") {
		t.Fatalf("after an hour: %+v, %v; want published with a warning", res, err)
	}
	// The saved result keeps its warning.
	again, err := b.pub.Publish(context.Background(), b.request(content))
	if err != nil || len(again.Warnings) != 1 {
		t.Fatalf("repeat: %+v, %v", again, err)
	}
}

// videoBytes is a video bigger than three of the fake's chunks.
var videoBytes = func() []byte {
	b := make([]byte, 2*fakegraph.DefaultChunkSize+90_000)
	copy(b, "\x00\x00\x00\x18ftypmp42")
	for i := 16; i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	return b
}()

// chunkedRequest is a video upload Facebook cannot fetch (no public URL):
// it goes up in chunks.
func (b *bundle) chunkedRequest() serentak.PublishRequest {
	req := b.request(serentak.Content{Text: "Big video", Title: "Dapur", Media: []serentak.MediaRef{
		{ID: "med_v", Kind: serentak.MediaVideo, ContentType: "video/mp4", Size: int64(len(videoBytes))}}})
	req.MediaURLFunc = nil
	req.OpenMediaFunc = func(context.Context, serentak.MediaRef) (io.ReadCloser, int64, error) {
		return io.NopCloser(bytes.NewReader(videoBytes)), int64(len(videoBytes)), nil
	}
	return req
}

func (b *bundle) settleReq(t *testing.T, req func() serentak.PublishRequest) (serentak.Result, error) {
	t.Helper()
	for range 10 {
		res, err := b.pub.Publish(context.Background(), req())
		var pe *serentak.PublishError
		if !errors.As(err, &pe) || pe.Kind != serentak.Pending {
			return res, err
		}
	}
	t.Fatal("still Pending after 10 attempts")
	return serentak.Result{}, nil
}

func assertOneUploadedVideo(t *testing.T, b *bundle, res serentak.Result) {
	t.Helper()
	posts := b.fake.Posts(pageID)
	if len(posts) != 1 || posts[0].Kind != fakegraph.KindVideo || res.ExternalID != posts[0].VideoID || posts[0].Title != "Dapur" {
		t.Fatalf("posts = %+v, result %+v; want one video", posts, res)
	}
	got, ok := b.fake.VideoBytes(posts[0].VideoID)
	if !ok || !bytes.Equal(got, videoBytes) {
		t.Fatalf("the fake assembled %d bytes (resumable: %v), want the %d bytes of the video", len(got), ok, len(videoBytes))
	}
}

func TestChunkedUpload(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res, err := b.settleReq(t, b.chunkedRequest)
	if err != nil {
		t.Fatal(err)
	}
	assertOneUploadedVideo(t, b, res)
	// start, three chunks, finish.
	if n := b.fake.CountCalls("POST", "videos"); n != 5 {
		t.Errorf("%d POST /videos, want 5", n)
	}
}

// The worker dies right after a chunk was acknowledged and checkpointed:
// the next attempt resumes in the same session at the acknowledged offset.
func TestChunkedUploadResumesAfterCrash(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, die := context.WithCancel(context.Background())
	b.store.SetAfter(func(cp serentak.Checkpoint) {
		if cp["upload_start_offset"] == "262144" {
			die()
		}
	})
	req := b.chunkedRequest()
	if _, err := b.pub.Publish(ctx, req); err == nil {
		t.Fatal("the dying attempt succeeded")
	}
	if cp := b.store.Checkpoint(); cp["upload_session_id"] == "" || cp["upload_start_offset"] != "262144" {
		t.Fatalf("checkpoint after the crash = %v", cp)
	}
	b.store.SetAfter(nil)
	res, err := b.settleReq(t, b.chunkedRequest)
	if err != nil {
		t.Fatal(err)
	}
	assertOneUploadedVideo(t, b, res)
	// start, chunk 1, then chunks 2 and 3 and finish: nothing sent twice.
	if n := b.fake.CountCalls("POST", "videos"); n != 5 {
		t.Errorf("%d POST /videos, want 5", n)
	}
}

// A chunk the server took whose answer was lost is resent at the old
// offset; the server refuses it naming the offset it expects, and the
// upload goes on from there.
func TestChunkedUploadLostAcknowledgement(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var n atomic.Int32
	b.fake.Inject(func(r *http.Request) *fakegraph.Fault {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/videos") && n.Add(1) == 3 {
			f := fakegraph.Drop()
			return &f
		}
		return nil
	})
	_, err := b.pub.Publish(context.Background(), b.chunkedRequest())
	if k := kindOf(t, err); k != serentak.Transient {
		t.Fatalf("lost chunk answer: %v, want Transient", err)
	}
	res, err := b.settleReq(t, b.chunkedRequest)
	if err != nil {
		t.Fatal(err)
	}
	assertOneUploadedVideo(t, b, res)
	// start, chunk 1, chunk 2 (answer lost), chunk 2 again (refused with
	// the offset the server expects), chunk 3, finish.
	if n := b.fake.CountCalls("POST", "videos"); n != 6 {
		t.Errorf("%d POST /videos, want 6", n)
	}
}

// A lost answer to finish: the video's status shows it was finished, so
// it is not finished twice, and there is one video.
func TestChunkedUploadLostFinish(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var n atomic.Int32
	b.fake.Inject(func(r *http.Request) *fakegraph.Fault {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/videos") && n.Add(1) == 5 {
			f := fakegraph.Drop()
			return &f
		}
		return nil
	})
	_, err := b.pub.Publish(context.Background(), b.chunkedRequest())
	if k := kindOf(t, err); k != serentak.Unknown {
		t.Fatalf("lost finish answer: %v, want Unknown", err)
	}
	res, err := b.settleReq(t, b.chunkedRequest)
	if err != nil {
		t.Fatal(err)
	}
	assertOneUploadedVideo(t, b, res)
	if n := b.fake.CountCalls("POST", "videos"); n != 5 {
		t.Errorf("%d POST /videos, want 5 (finish not sent again)", n)
	}
}

func TestFirstComment(t *testing.T) {
	t.Parallel()
	content := serentak.Content{Text: "Sambal baru", Options: serentak.Options{FirstComment: "Order: wa.me/6285212345678"}}
	t.Run("posted once", func(t *testing.T) {
		b := setup(t)
		res, err := b.pub.Publish(context.Background(), b.request(content))
		if err != nil {
			t.Fatal(err)
		}
		cs := b.fake.Comments(res.ExternalID)
		if len(cs) != 1 || cs[0].Message != content.Options.FirstComment || cs[0].FromID != pageID {
			t.Fatalf("comments = %+v", cs)
		}
		if _, err := b.pub.Publish(context.Background(), b.request(content)); err != nil {
			t.Fatal(err)
		}
		if n := len(b.fake.Comments(res.ExternalID)); n != 1 {
			t.Fatalf("a repeat made %d comments", n)
		}
	})
	t.Run("answer lost", func(t *testing.T) {
		b := setup(t)
		b.fake.Inject(func(r *http.Request) *fakegraph.Fault {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/comments") && len(b.fake.CommentsAll()) == 0 {
				f := fakegraph.Drop()
				return &f
			}
			return nil
		})
		if _, err := b.pub.Publish(context.Background(), b.request(content)); err == nil {
			t.Fatal("a lost comment answer went unnoticed")
		}
		res, err := b.pub.Publish(context.Background(), b.request(content))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(b.fake.Comments(res.ExternalID)); n != 1 {
			t.Fatalf("%d comments after the retry, want 1", n)
		}
		if posts := b.fake.Posts(pageID); len(posts) != 1 {
			t.Fatalf("%d posts", len(posts))
		}
	})
	t.Run("permission missing", func(t *testing.T) {
		b := setup(t)
		b.fake.DenyPermission(pageToken, "pages_manage_engagement")
		res, err := b.pub.Publish(context.Background(), b.request(content))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), "pages_manage_engagement") {
			t.Fatalf("warnings = %q, want the missing permission named", res.Warnings)
		}
		if n := len(b.fake.Comments(res.ExternalID)); n != 0 {
			t.Fatalf("%d comments", n)
		}
		again, err := b.pub.Publish(context.Background(), b.request(content))
		if err != nil || len(again.Warnings) != 1 {
			t.Fatalf("repeat: %+v, %v", again, err)
		}
	})
}
