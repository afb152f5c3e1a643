package media_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/media/mediatest"
)

func TestInspect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		ct    string
		bytes []byte
		want  serentak.Inspection
	}{
		{"jpeg", "image/jpeg", mediatest.JPEG(40, 30, 0), serentak.Inspection{Width: 40, Height: 30}},
		{"jpeg portrait by EXIF orientation 6", "image/jpeg", mediatest.JPEG(40, 30, 6), serentak.Inspection{Width: 30, Height: 40}},
		{"jpeg EXIF orientation 3 keeps the sides", "image/jpeg", mediatest.JPEG(40, 30, 3), serentak.Inspection{Width: 40, Height: 30}},
		{"png", "image/png", mediatest.PNG(17, 9), serentak.Inspection{Width: 17, Height: 9}},
		{"mp4", "video/mp4", mediatest.Movie{Width: 1080, Height: 1920, Duration: 12 * time.Second, FPS: 30, AudioCodec: "mp4a", DataSize: 1000}.Bytes(),
			serentak.Inspection{Width: 1080, Height: 1920, DurationMS: 12000, VideoCodec: "h264", AudioCodec: "aac", FrameRate: 30}},
		{"mov from a phone: rotated, moov last, hevc", "video/quicktime", mediatest.Movie{QuickTime: true, Width: 1920, Height: 1080, Rotate90: true,
			Duration: 61500 * time.Millisecond, FPS: 29.97, VideoCodec: "hvc1", AudioCodec: "mp4a", MoovLast: true, DataSize: 5000}.Bytes(),
			serentak.Inspection{Width: 1080, Height: 1920, DurationMS: 61500, VideoCodec: "hevc", AudioCodec: "aac", FrameRate: 29.97}},
		{"64-bit times, no audio", "video/mp4", mediatest.Movie{Width: 640, Height: 360, Duration: 15 * time.Minute, FPS: 24, Version1: true}.Bytes(),
			serentak.Inspection{Width: 640, Height: 360, DurationMS: 900000, VideoCodec: "h264", FrameRate: 24}},
		{"webm is not inspected", "video/webm", []byte("\x1a\x45\xdf\xa3 whatever"), serentak.Inspection{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := media.Inspect(bytes.NewReader(tt.bytes), int64(len(tt.bytes)), tt.ct)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Inspect (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInspectRefusesBrokenFiles(t *testing.T) {
	t.Parallel()
	movie := mediatest.Movie{Width: 640, Height: 360, Duration: 5 * time.Second, FPS: 30, MoovLast: true, DataSize: 4000}.Bytes()
	jpg := mediatest.JPEG(40, 30, 0)
	tests := []struct {
		name  string
		ct    string
		bytes []byte
	}{
		{"movie cut before its moov", "video/mp4", movie[:3000]},
		{"movie without moov", "video/mp4", movie[:32]},
		{"box larger than the file", "video/mp4", append([]byte{0xff, 0xff, 0xff, 0xff}, movie[4:100]...)},
		{"jpeg header only", "image/jpeg", jpg[:4]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := media.Inspect(bytes.NewReader(tt.bytes), int64(len(tt.bytes)), tt.ct)
			if !errors.Is(err, media.ErrUnreadable) {
				t.Fatalf("Inspect = %v, want ErrUnreadable", err)
			}
		})
	}
}

// countingReaderAt counts the bytes Inspect reads.
type countingReaderAt struct {
	r    io.ReaderAt
	read int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read += int64(n)
	return n, err
}

// A 2 GB movie is inspected by reading its box headers and index only.
func TestInspectReadsOnlyHeaders(t *testing.T) {
	t.Parallel()
	m := mediatest.Movie{Width: 1080, Height: 1920, Duration: 10 * time.Minute, FPS: 60, AudioCodec: "mp4a", MoovLast: true, DataSize: 2 << 30}
	cr := &countingReaderAt{r: m.ReaderAt()} // frame data generated on read: no 2 GB anywhere
	got, err := media.Inspect(cr, m.Size(), "video/mp4")
	if err != nil {
		t.Fatal(err)
	}
	if got.DurationMS != 600000 || got.FrameRate != 60 || got.Width != 1080 {
		t.Errorf("Inspect = %+v", got)
	}
	if cr.read > 16<<10 {
		t.Errorf("Inspect read %d bytes of a 2 GB movie; want a few kilobytes", cr.read)
	}
}

// TestInspectRefusesHugeImages: an image is checked by its header, so a
// 30000×30000 PNG of 100 KB would pass as any other; its pixel count is
// bounded (media.MaxImagePixels) in every format Inspect reads.
func TestInspectRefusesHugeImages(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		w, h int
		ok   bool
	}{
		{30000, 30000, false},
		{8001, 8000, false},
		{1, 64_000_001, false},
		{8000, 8000, true}, // exactly the bound
		{8064, 6048, true}, // a 48 MP phone photo
	} {
		b := mediatest.PNGHeader(tt.w, tt.h)
		info, err := media.Inspect(bytes.NewReader(b), int64(len(b)), "image/png")
		switch {
		case tt.ok && err != nil:
			t.Errorf("%d×%d: %v", tt.w, tt.h, err)
		case tt.ok && (info.Width != tt.w || info.Height != tt.h):
			t.Errorf("%d×%d: inspected as %d×%d", tt.w, tt.h, info.Width, info.Height)
		case !tt.ok && !errors.Is(err, media.ErrTooManyPixels):
			t.Errorf("%d×%d: Inspect = %v, want ErrTooManyPixels", tt.w, tt.h, err)
		case !tt.ok && !strings.Contains(err.Error(), fmt.Sprintf("%d×%d", tt.w, tt.h)):
			t.Errorf("%d×%d: the error does not say the size: %v", tt.w, tt.h, err)
		}
	}
}
