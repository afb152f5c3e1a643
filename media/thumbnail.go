package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"

	"golang.org/x/image/draw"
)

// ThumbnailSide is the long side of a thumbnail, in pixels: twice the
// 88 CSS pixels the link-in-bio page draws a product's photo at, for the
// 2x screens of most phones. Thumbnails are kept under ThumbnailKey, so a
// new side must come with a new key (and the page with a new URL).
const ThumbnailSide = 176

// thumbnailQuality is the JPEG quality of a thumbnail: at 176 px the
// difference from 90 cannot be seen, and the file is about half.
const thumbnailQuality = 80

// keepTinyBytes: an image already no larger than ThumbnailSide and of at
// most this many bytes is its own thumbnail, in its own format: encoding
// it again would gain little and could lose its transparency.
const keepTinyBytes = 32 << 10

// ErrNoThumbnail: the format is one Thumbnail cannot decode (HEIC, a
// video). The caller shows no picture rather than the original.
var ErrNoThumbnail = errors.New("no thumbnail can be made of this type")

// HasThumbnail reports whether Thumbnail can make one of an upload of
// this type: the images Go decodes (not HEIC).
func HasThumbnail(contentType string) bool {
	switch contentType {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	}
	return false
}

// ThumbnailKey is the blob key a thumbnail of the bytes under key is kept
// under, beside them. Whoever deletes the bytes deletes it too.
func ThumbnailKey(key string) string { return key + ".thumb176" }

// Thumbnail makes a small picture of an uploaded image (JPEG, PNG, GIF or
// WebP, read through r, which holds size bytes): at most ThumbnailSide
// pixels on the long side, turned upright by its EXIF orientation as a
// phone shows it, transparency laid on white, as a JPEG. An image already
// that small and light is returned as it is, with its own type. It
// decodes the whole image, so the caller bounds how many run at once.
func Thumbnail(r io.ReaderAt, size int64, contentType string) (data []byte, thumbType string, err error) {
	if !HasThumbnail(contentType) {
		return nil, "", fmt.Errorf("%w: %s", ErrNoThumbnail, contentType)
	}
	info, err := Inspect(r, size, contentType) // refuses what upload refuses (too many pixels)
	if err != nil {
		return nil, "", err
	}
	orientation := 0
	if contentType == "image/jpeg" {
		orientation = jpegOrientation(io.NewSectionReader(r, 0, size))
	}
	if max(info.Width, info.Height) <= ThumbnailSide && size <= keepTinyBytes && orientation <= 1 {
		kept := make([]byte, size)
		if _, err := r.ReadAt(kept, 0); err != nil && err != io.EOF {
			return nil, "", fmt.Errorf("reading the image: %w", err)
		}
		return kept, contentType, nil
	}
	src, _, err := image.Decode(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, "", fmt.Errorf("%w: decoding the image: %v", ErrUnreadable, err)
	}
	// Scaled as stored, turned afterwards: turning 176 px is cheaper than
	// turning 12 megapixels, and the long side stays the long side.
	sb := src.Bounds()
	w, h := sb.Dx(), sb.Dy()
	if long := max(w, h); long > ThumbnailSide {
		w = max(1, (w*ThumbnailSide+long/2)/long)
		h = max(1, (h*ThumbnailSide+long/2)/long)
	}
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(small, small.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	// Catmull-Rom widens its kernel when it shrinks, so a 4000 px photo
	// averages every pixel rather than sampling a few (no moiré).
	draw.CatmullRom.Scale(small, small.Bounds(), src, sb, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, upright(small, orientation), &jpeg.Options{Quality: thumbnailQuality}); err != nil {
		return nil, "", fmt.Errorf("encoding the thumbnail: %w", err)
	}
	return buf.Bytes(), "image/jpeg", nil
}

// upright turns and flips m as EXIF orientation o (2–8) says the picture
// is to be shown; 0 and 1 leave it as it is.
func upright(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	ow, oh := w, h
	if o >= 5 { // 5–8 turn by a quarter: the sides swap
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			var sx, sy int // the stored pixel shown at (x, y)
			switch o {
			case 2: // mirrored
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored upside down
				sx, sy = x, h-1-y
			case 5: // mirrored, turned a quarter left
				sx, sy = y, x
			case 6: // turned a quarter left: shown a quarter right (a phone's portrait)
				sx, sy = y, h-1-x
			case 7: // mirrored, turned a quarter right
				sx, sy = w-1-y, h-1-x
			case 8: // turned a quarter right: shown a quarter left
				sx, sy = w-1-y, x
			}
			i, j := out.PixOffset(x, y), m.PixOffset(sx, sy)
			copy(out.Pix[i:i+4], m.Pix[j:j+4])
		}
	}
	return out
}
