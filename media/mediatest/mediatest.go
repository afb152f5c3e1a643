// Package mediatest makes small, real media files for tests: JPEG and PNG
// images of a chosen size (with an EXIF orientation), and MP4/MOV movies
// whose boxes say a chosen duration, size, codecs and frame rate, streamed
// so a test can upload gigabytes without holding them.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"time"
)

// JPEG encodes a w×h JPEG of noise. orientation 1–8 adds an EXIF APP1 segment with
// that orientation (6 is a phone's portrait photo); 0 adds none.
func JPEG(w, h, orientation int) []byte { return JPEGOf(picture(w, h), orientation) }

// JPEGOf encodes img as a JPEG, with an EXIF orientation as JPEG does: a
// test that must see which way a picture is turned draws its own.
func JPEGOf(img image.Image, orientation int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 50}); err != nil {
		panic(err)
	}
	b := buf.Bytes()
	if orientation == 0 {
		return b
	}
	// TIFF, big-endian, IFD0 at 8 with one entry: 0x0112 SHORT 1 value.
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(orientation), 0, 0, 0, 0, 0, 0, 0, 0}
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := append([]byte{0xFF, 0xE1, 0, 0}, seg...)
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{0xFF, 0xD8}, app1...)
	return append(out, b[2:]...)
}

// PNG encodes a w×h PNG of noise (about w×h bytes).
func PNG(w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, picture(w, h)); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// PNGHeader is a PNG that declares w×h pixels but holds no image data: a
// header, a comment that makes it 1 KB (more than sniffing reads) and the
// end. Inspection reads only the header, so it stands for a huge image
// (a 30000×30000 PNG compresses to about 100 KB) without making one.
func PNGHeader(w, h int) []byte {
	chunk := func(typ string, data []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, typ...)
		c = append(c, data...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit gray, deflate, no filter method, no interlace
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("tEXt", append([]byte("Comment\x00"), bytes.Repeat([]byte("x"), 1000)...))...)
	return append(out, chunk("IEND", nil)...)
}

// Scene is a w×h colour picture made up somewhat like a photo: a broad
// gradient, objects (blocks of about a twelfth of the width, each its own
// colour) and a sensor's grain. Unlike noise, it does not shrink to a flat
// grey, so a thumbnail of it weighs about what a photo's does.
func Scene(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	block := max(1, w/12)
	x32 := uint32(2463534242)
	next := func() uint32 {
		x32 ^= x32 << 13
		x32 ^= x32 >> 17
		x32 ^= x32 << 5
		return x32
	}
	cols := (w + block - 1) / block
	tiles := make([][3]int, cols*((h+block-1)/block))
	for i := range tiles {
		r := next()
		tiles[i] = [3]int{int(r & 0x7f), int(r >> 8 & 0x7f), int(r >> 16 & 0x7f)}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := tiles[(y/block)*cols+x/block]
			grain := int(next()&0x1f) - 16
			i := img.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				v := t[c] + 96*(x+y)/(w+h) + grain
				img.Pix[i+c] = byte(min(255, max(0, v)))
			}
			img.Pix[i+3] = 255
		}
	}
	return img
}

// picture is a gray image of noise, so its encoded size is realistic
// (a few bytes per pixel) rather than a few hundred bytes for any size.
func picture(w, h int) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	x := uint32(2463534242)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	return img
}

// Movie describes an MP4 (or MOV) file; its frame data are zero bytes.
type Movie struct {
	QuickTime  bool          // "qt  " brand (MOV) instead of "isom" (MP4)
	Width      int           // coded width
	Height     int           // coded height
	Rotate90   bool          // a phone's portrait video: landscape frames, turned by the matrix
	Duration   time.Duration // of the movie and of each track
	FPS        float64       // frames per second of the video track
	VideoCodec string        // sample entry code; "" means "avc1"
	AudioCodec string        // sample entry code of an audio track; "" means none
	MoovLast   bool          // the index after the frames, as cameras write it
	Version1   bool          // 64-bit times in mvhd/tkhd/mdhd
	DataSize   int64         // bytes of frame data in "mdat"
}

// Bytes returns the whole file; keep DataSize small.
func (m Movie) Bytes() []byte {
	b, err := io.ReadAll(m.Reader())
	if err != nil {
		panic(err)
	}
	return b
}

// Size is the file's length in bytes.
func (m Movie) Size() int64 {
	return int64(len(m.ftyp())+len(m.moov())) + m.mdatHeaderLen() + m.DataSize
}

// Reader streams the file; the frame data are generated as they are read,
// so a 2 GB movie costs no memory.
func (m Movie) Reader() io.Reader {
	return io.NewSectionReader(m.ReaderAt(), 0, m.Size())
}

// ReaderAt reads the file at any offset, frame data generated as zeros.
func (m Movie) ReaderAt() io.ReaderAt {
	head := m.ftyp()
	if m.MoovLast {
		return segments{head, m.mdatHeader(), int64Zeros(m.DataSize), m.moov()}
	}
	return segments{head, m.moov(), m.mdatHeader(), int64Zeros(m.DataSize)}
}

// int64Zeros is a run of zero bytes in segments.
type int64Zeros int64

// segments is a file made of byte slices and runs of zeros.
type segments []any

func (s segments) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	var start int64
	for _, seg := range s {
		var l int64
		switch v := seg.(type) {
		case []byte:
			l = int64(len(v))
		case int64Zeros:
			l = int64(v)
		}
		for n < len(p) && off+int64(n) < start+l {
			o := off + int64(n) - start
			if o < 0 {
				break
			}
			switch v := seg.(type) {
			case []byte:
				n += copy(p[n:], v[o:])
			case int64Zeros:
				k := min(int64(len(p)-n), l-o)
				clear(p[n : n+int(k)])
				n += int(k)
			}
		}
		start += l
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m Movie) ftyp() []byte {
	if m.QuickTime {
		return box("ftyp", []byte("qt  "), u32(0x200), []byte("qt  "))
	}
	return box("ftyp", []byte("isom"), u32(0x200), []byte("isomiso2avc1mp41"))
}

func (m Movie) mdatHeaderLen() int64 { return 16 }

// mdatHeader always uses the 64-bit size form, so any DataSize fits.
func (m Movie) mdatHeader() []byte {
	h := append(u32(1), []byte("mdat")...)
	return append(h, u64(uint64(16+m.DataSize))...)
}

const movieScale, mediaScale = 1000, 90000

func (m Movie) moov() []byte {
	secs := m.Duration.Seconds()
	kids := [][]byte{box("mvhd", m.times(movieScale, uint64(math.Round(secs*movieScale))), make([]byte, 80))}
	vcodec := m.VideoCodec
	if vcodec == "" {
		vcodec = "avc1"
	}
	frames := uint32(math.Round(m.FPS * secs))
	kids = append(kids, m.trak("vide", vcodec, frames))
	if m.AudioCodec != "" {
		kids = append(kids, m.trak("soun", m.AudioCodec, uint32(math.Round(secs*44100/1024))))
	}
	return box("moov", kids...)
}

// times is the start of an mvhd/mdhd payload: version, flags, times, scale, duration.
func (m Movie) times(scale uint32, dur uint64) []byte {
	if m.Version1 {
		return cat([]byte{1, 0, 0, 0}, u64(0), u64(0), u32(scale), u64(dur))
	}
	return cat([]byte{0, 0, 0, 0}, u32(0), u32(0), u32(scale), u32(uint32(dur)))
}

func (m Movie) trak(handler, codec string, samples uint32) []byte {
	secs := m.Duration.Seconds()
	w, h := uint32(m.Width), uint32(m.Height)
	if handler != "vide" {
		w, h = 0, 0
	}
	matrix := cat(u32(0x10000), u32(0), u32(0), u32(0), u32(0x10000), u32(0), u32(0), u32(0), u32(0x40000000))
	if m.Rotate90 && handler == "vide" {
		matrix = cat(u32(0), u32(0x10000), u32(0), u32(0xFFFF0000), u32(0), u32(0), u32(0), u32(0), u32(0x40000000))
	}
	var tkhd []byte
	if m.Version1 {
		tkhd = cat([]byte{1, 0, 0, 3}, u64(0), u64(0), u32(1), u32(0), u64(uint64(secs*movieScale)), make([]byte, 8), make([]byte, 8), matrix, u32(w<<16), u32(h<<16))
	} else {
		tkhd = cat([]byte{0, 0, 0, 3}, u32(0), u32(0), u32(1), u32(0), u32(uint32(secs*movieScale)), make([]byte, 8), make([]byte, 8), matrix, u32(w<<16), u32(h<<16))
	}
	mdhd := cat(m.times(mediaScale, uint64(math.Round(secs*mediaScale))), make([]byte, 4))
	hdlr := cat(u32(0), u32(0), []byte(handler), make([]byte, 12), []byte("handler\x00"))
	entry := cat(make([]byte, 6), []byte{0, 1}, make([]byte, 16), u16(uint16(m.Width)), u16(uint16(m.Height)), make([]byte, 50))
	stsd := cat(u32(0), u32(1), box(codec, entry))
	delta := uint32(0)
	if samples > 0 {
		delta = uint32(secs * mediaScale / float64(samples))
	}
	stts := cat(u32(0), u32(1), u32(samples), u32(delta))
	stsz := cat(u32(0), u32(0), u32(samples)) // sizes table left out: nothing reads it
	stbl := box("stbl", box("stsd", stsd), box("stts", stts), box("stsz", stsz))
	minf := box("minf", stbl)
	mdia := box("mdia", box("mdhd", mdhd), box("hdlr", hdlr), minf)
	return box("trak", box("tkhd", tkhd), mdia)
}

func box(typ string, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat(u32(uint32(8+len(p))), []byte(typ), p)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
