package media_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"testing"

	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/media/mediatest"
)

// halves is a w×h picture whose top half is black and bottom half white:
// which way a thumbnail of it is turned can be seen.
func halves(w, h int) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := h / 2; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetGray(x, y, color.Gray{Y: 255})
		}
	}
	return img
}

// TestThumbnail: a large photo becomes a JPEG of at most 176 px on the
// long side, upright as its EXIF orientation says; a tiny image is kept as
// it is; HEIC has none.
func TestThumbnail(t *testing.T) {
	t.Parallel()
	decode := func(t *testing.T, data []byte) image.Image {
		t.Helper()
		img, format, err := image.Decode(bytes.NewReader(data))
		if err != nil || format != "jpeg" {
			t.Fatalf("the thumbnail does not decode as a JPEG: %s %v", format, err)
		}
		return img
	}
	light := func(img image.Image, x, y int) bool {
		g := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
		return g.Y > 128
	}
	tests := []struct {
		name        string
		orientation int
		w, h        int
		// where the stored top (black) half is shown
		darkLeft, darkRight, darkTop bool
	}{
		{"landscape", 0, 176, 132, false, false, true},
		{"a phone's portrait (EXIF 6)", 6, 132, 176, false, true, false},
		{"turned the other way (EXIF 8)", 8, 132, 176, true, false, false},
		{"upside down (EXIF 3)", 3, 176, 132, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := mediatest.JPEGOf(halves(800, 600), tt.orientation)
			data, ct, err := media.Thumbnail(bytes.NewReader(src), int64(len(src)), "image/jpeg")
			if err != nil || ct != "image/jpeg" {
				t.Fatalf("Thumbnail: %q %v", ct, err)
			}
			img := decode(t, data)
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Fatalf("the thumbnail is %d×%d, want %d×%d", b.Dx(), b.Dy(), tt.w, tt.h)
			}
			w, h := tt.w, tt.h
			left, right, top, bottom := !light(img, 5, h/2), !light(img, w-6, h/2), !light(img, w/2, 5), !light(img, w/2, h-6)
			switch {
			case tt.darkLeft && !(left && !right), tt.darkRight && !(right && !left),
				tt.darkTop && !(top && !bottom), !tt.darkLeft && !tt.darkRight && !tt.darkTop && !(bottom && !top):
				t.Errorf("the dark half is not where EXIF %d shows it: left %v right %v top %v bottom %v", tt.orientation, left, right, top, bottom)
			}
		})
	}

	t.Run("a phone photo shrinks by far", func(t *testing.T) {
		t.Parallel()
		src := mediatest.JPEG(1600, 1200, 6)
		data, _, err := media.Thumbnail(bytes.NewReader(src), int64(len(src)), "image/jpeg")
		if err != nil {
			t.Fatal(err)
		}
		if b := decode(t, data).Bounds(); b.Dx() != 132 || b.Dy() != 176 || len(data) > len(src)/10 {
			t.Errorf("%d bytes of %d×%d from %d bytes", len(data), b.Dx(), b.Dy(), len(src))
		}
	})
	t.Run("a tiny image is its own thumbnail", func(t *testing.T) {
		t.Parallel()
		src := mediatest.PNG(40, 30)
		data, ct, err := media.Thumbnail(bytes.NewReader(src), int64(len(src)), "image/png")
		if err != nil || ct != "image/png" || !bytes.Equal(data, src) {
			t.Errorf("Thumbnail of a 40×30 PNG: %q %v, same bytes %v", ct, err, bytes.Equal(data, src))
		}
	})
	t.Run("HEIC has none", func(t *testing.T) {
		t.Parallel()
		src := []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
		if _, _, err := media.Thumbnail(bytes.NewReader(src), int64(len(src)), "image/heic"); !errors.Is(err, media.ErrNoThumbnail) {
			t.Errorf("Thumbnail of HEIC: %v, want ErrNoThumbnail", err)
		}
	})
}
