package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"

	_ "image/gif" // image.DecodeConfig formats
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/webp"

	"github.com/serentak/serentak"
)

// ErrUnreadable: the bytes start like a format we take but the rest cannot
// be read (a cut-short upload, a movie without its index). Platforms would
// refuse such a file at publish time, so it is refused at upload.
var ErrUnreadable = errors.New("the file cannot be read")

// MaxImagePixels bounds an image's pixel count: 64 megapixels (8000×8000).
//
// No platform we publish to shows more than a fraction of that: Facebook
// scales photos to 2048 px on the longer side, Instagram feed images to
// 1440 px wide, and TikTok photo posts take at most 1080p. What bounds the
// files they accept is bytes (Facebook 4 MB, Instagram 8 MB, TikTok 20 MB),
// and a real photo within those is well under 64 MP; the 48–50 MP of a
// phone's largest ordinary photo pass. Beyond it an image is refused
// whatever its bytes: a 30000×30000 PNG compresses to 100 KB, and a
// decoder (a platform's, or ours one day) needs 3.6 GB to open it.
const MaxImagePixels = 64_000_000

// ErrTooManyPixels: an image has more than MaxImagePixels pixels.
var ErrTooManyPixels = errors.New("the image has more pixels than any platform takes")

// Inspect reads, from a stored file's own bytes, what the platforms' rules
// ask about: image dimensions; video duration, dimensions, codecs and frame
// rate from the MP4/MOV boxes. It reads headers only — a few kilobytes even
// for a 2 GB video — through r, which must hold size bytes.
//
// An image of more than MaxImagePixels is refused with ErrTooManyPixels.
// Formats it does not inspect (HEIC, WebM) give a zero Inspection and no
// error: the checks that need a field skip it.
func Inspect(r io.ReaderAt, size int64, contentType string) (serentak.Inspection, error) {
	switch contentType {
	case "video/mp4", "video/quicktime":
		info, err := inspectMP4(r, size)
		if err != nil {
			return info, fmt.Errorf("%w: the video's MP4/MOV boxes: %v", ErrUnreadable, err)
		}
		return info, nil
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		cfg, _, err := image.DecodeConfig(bufio.NewReader(io.NewSectionReader(r, 0, size)))
		if err != nil {
			return serentak.Inspection{}, fmt.Errorf("%w: the image header: %v", ErrUnreadable, err)
		}
		if int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
			return serentak.Inspection{}, fmt.Errorf("%w: it is %d×%d pixels (%.0f megapixels), at most %d megapixels are taken; scale it down",
				ErrTooManyPixels, cfg.Width, cfg.Height, float64(cfg.Width)*float64(cfg.Height)/1e6, MaxImagePixels/1_000_000)
		}
		info := serentak.Inspection{Width: cfg.Width, Height: cfg.Height}
		if contentType == "image/jpeg" && exifRotated(io.NewSectionReader(r, 0, size)) {
			info.Width, info.Height = info.Height, info.Width
		}
		return info, nil
	}
	return serentak.Inspection{}, nil
}

// ReaderAt adapts a seekable reader (a blob) to io.ReaderAt for Inspect.
// It is not safe for concurrent use, which Inspect does not need.
func ReaderAt(rs io.ReadSeeker) io.ReaderAt {
	if ra, ok := rs.(io.ReaderAt); ok {
		return ra
	}
	return seekReaderAt{rs}
}

type seekReaderAt struct{ rs io.ReadSeeker }

func (s seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(s.rs, p)
}

// exifRotated reports whether a JPEG's EXIF orientation (5–8) turns the
// picture by 90 or 270 degrees, as phone cameras write portrait photos:
// the platforms show, and measure the aspect ratio of, the turned picture.
func exifRotated(r io.Reader) bool {
	o := jpegOrientation(r)
	return o >= 5 && o <= 8
}

// jpegOrientation is a JPEG's EXIF orientation (1–8), 0 when it has none.
// It looks at the APP1 segments before the image data, nothing more.
func jpegOrientation(r io.Reader) int {
	br := bufio.NewReader(io.LimitReader(r, 256<<10))
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return 0
	}
	for {
		var m [4]byte
		if _, err := io.ReadFull(br, m[:]); err != nil || m[0] != 0xFF {
			return 0
		}
		marker := m[1]
		n := int(binary.BigEndian.Uint16(m[2:4])) - 2
		if marker == 0xDA || n < 0 { // start of scan: no EXIF before the image data
			return 0
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(br, seg); err != nil {
			return 0
		}
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
	}
}

// exifOrientation reads tag 0x0112 of IFD0 from a TIFF structure.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	ifd := int(bo.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	n := int(bo.Uint16(t[ifd:]))
	for i := 0; i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			return int(bo.Uint16(t[e+8:]))
		}
	}
	return 0
}
