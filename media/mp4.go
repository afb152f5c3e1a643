package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/serentak/serentak"
)

// An MP4 or MOV file is a tree of boxes (ISO/IEC 14496-12; QuickTime calls
// them atoms). Everything the platforms' rules ask about sits in the small
// "moov" box; the frames sit in "mdat", which may be gigabytes and which
// this reader never reads, only steps over. Each read is of a box header or
// of one small leaf box, so inspecting a 2 GB video reads a few kilobytes.

// Limits against hostile files: a real file has a few hundred boxes and a
// nesting depth under 10.
const (
	maxBoxes    = 10000
	maxBoxDepth = 12
	maxLeafRead = 4096 // bytes read of one leaf box; every field we need is near its start
)

// errNoMoov: the file has no "moov" box (cut short, or not a movie).
var errNoMoov = errors.New(`no "moov" box (the file is cut short or is not a finished movie)`)

type box struct {
	typ        string
	start, end int64 // of the payload, after the header
}

// boxReader walks boxes through an io.ReaderAt.
type boxReader struct {
	r     io.ReaderAt
	boxes int
}

// children lists the boxes inside [start, end).
func (br *boxReader) children(start, end int64) ([]box, error) {
	var out []box
	for off := start; off+8 <= end; {
		br.boxes++
		if br.boxes > maxBoxes {
			return nil, fmt.Errorf("more than %d boxes", maxBoxes)
		}
		var h [16]byte
		if _, err := br.r.ReadAt(h[:8], off); err != nil {
			return nil, fmt.Errorf("box header at %d: %w", off, err)
		}
		size := int64(binary.BigEndian.Uint32(h[:4]))
		typ := string(h[4:8])
		hdr := int64(8)
		switch size {
		case 0: // extends to the end of the enclosing box (or the file)
			size = end - off
		case 1: // 64-bit size follows
			if _, err := br.r.ReadAt(h[8:16], off+8); err != nil {
				return nil, fmt.Errorf("box %q size at %d: %w", typ, off, err)
			}
			u := binary.BigEndian.Uint64(h[8:16])
			if u > uint64(end-off) {
				return nil, fmt.Errorf("box %q at %d claims %d bytes, past the end of its parent (the file is cut short?)", typ, off, u)
			}
			size, hdr = int64(u), 16
		}
		if size < hdr || size > end-off {
			return nil, fmt.Errorf("box %q at %d claims %d bytes, past the end of its parent (the file is cut short?)", typ, off, size)
		}
		out = append(out, box{typ: typ, start: off + hdr, end: off + size})
		off += size
	}
	return out, nil
}

// leaf reads up to maxLeafRead bytes of a leaf box's payload.
func (br *boxReader) leaf(b box) ([]byte, error) {
	n := min(b.end-b.start, maxLeafRead)
	buf := make([]byte, n)
	if _, err := br.r.ReadAt(buf, b.start); err != nil && !(errors.Is(err, io.EOF) && n == 0) {
		return nil, fmt.Errorf("box %q: %w", b.typ, err)
	}
	return buf, nil
}

// track is what one "trak" box says.
type track struct {
	handler       string // "vide", "soun", …
	codec         string // sample entry four-character code
	width, height int    // display size from tkhd, rotation applied
	entryW        int    // coded size from the sample entry
	entryH        int
	timescale     uint32
	duration      uint64 // in timescale units
	samples       uint64
}

// inspectMP4 reads duration, display size, codecs and frame rate from an
// MP4/MOV file of the given size.
func inspectMP4(r io.ReaderAt, size int64) (serentak.Inspection, error) {
	br := &boxReader{r: r}
	top, err := br.children(0, size)
	if err != nil {
		return serentak.Inspection{}, err
	}
	var moov *box
	for i := range top {
		if top[i].typ == "moov" {
			moov = &top[i]
			break
		}
	}
	if moov == nil {
		return serentak.Inspection{}, errNoMoov
	}
	kids, err := br.children(moov.start, moov.end)
	if err != nil {
		return serentak.Inspection{}, err
	}
	var info serentak.Inspection
	var movieScale uint32
	var movieDur uint64
	var video, audio *track
	for _, k := range kids {
		switch k.typ {
		case "mvhd":
			p, err := br.leaf(k)
			if err != nil {
				return info, err
			}
			movieScale, movieDur = timing(p)
		case "trak":
			t, err := br.track(k)
			if err != nil {
				return info, err
			}
			switch {
			case t.handler == "vide" && video == nil:
				video = &t
			case t.handler == "soun" && audio == nil:
				audio = &t
			}
		}
	}
	if movieScale > 0 {
		info.DurationMS = int64(movieDur * 1000 / uint64(movieScale))
	}
	if video != nil {
		info.VideoCodec = codecName(video.codec)
		info.Width, info.Height = video.width, video.height
		if info.Width == 0 || info.Height == 0 {
			info.Width, info.Height = video.entryW, video.entryH
		}
		if video.timescale > 0 && video.duration > 0 && video.samples > 0 {
			secs := float64(video.duration) / float64(video.timescale)
			info.FrameRate = float64(int(float64(video.samples)/secs*100+0.5)) / 100
			if info.DurationMS == 0 {
				info.DurationMS = int64(secs * 1000)
			}
		}
	}
	if audio != nil {
		info.AudioCodec = codecName(audio.codec)
	}
	return info, nil
}

// track reads one "trak": tkhd, mdia/mdhd, mdia/hdlr, mdia/minf/stbl/{stsd,stsz,stts}.
func (br *boxReader) track(trak box) (track, error) {
	var t track
	err := br.walk(trak, 0, func(b box) error {
		switch b.typ {
		case "tkhd", "mdhd", "hdlr", "stsd", "stsz", "stts":
		default:
			return nil
		}
		p, err := br.leaf(b)
		if err != nil {
			return err
		}
		switch b.typ {
		case "tkhd":
			t.width, t.height = displaySize(p)
		case "mdhd":
			t.timescale, t.duration = timing(p)
		case "hdlr":
			if len(p) >= 12 {
				t.handler = string(p[8:12])
			}
		case "stsd":
			// version/flags, entry_count, then the first sample entry:
			// size, format, 6 reserved, data_reference_index; a visual
			// entry then has 16 bytes of pre_defined/reserved, width, height.
			if len(p) >= 16 {
				t.codec = string(p[12:16])
			}
			if len(p) >= 8+8+8+16+4 {
				e := p[8:]
				t.entryW = int(binary.BigEndian.Uint16(e[32:34]))
				t.entryH = int(binary.BigEndian.Uint16(e[34:36]))
			}
		case "stsz":
			if len(p) >= 12 && t.samples == 0 {
				t.samples = uint64(binary.BigEndian.Uint32(p[8:12]))
			}
		case "stts":
			// Used only when stsz is missing: sum the first entries read.
			if len(p) >= 8 && t.samples == 0 {
				n := int(binary.BigEndian.Uint32(p[4:8]))
				for i := 0; i < n && 8+8*i+8 <= len(p); i++ {
					t.samples += uint64(binary.BigEndian.Uint32(p[8+8*i:]))
				}
			}
		}
		return nil
	})
	return t, err
}

// walk calls fn for every box below parent, depth first, entering only the
// containers on the way to the boxes a track needs.
func (br *boxReader) walk(parent box, depth int, fn func(box) error) error {
	if depth > maxBoxDepth {
		return fmt.Errorf("boxes nested deeper than %d", maxBoxDepth)
	}
	kids, err := br.children(parent.start, parent.end)
	if err != nil {
		return err
	}
	for _, k := range kids {
		switch k.typ {
		case "mdia", "minf", "stbl":
			if err := br.walk(k, depth+1, fn); err != nil {
				return err
			}
		default:
			if err := fn(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// timing reads timescale and duration from an mvhd or mdhd payload
// (version 0: 32-bit times; version 1: 64-bit).
func timing(p []byte) (scale uint32, dur uint64) {
	if len(p) < 4 {
		return 0, 0
	}
	if p[0] == 1 {
		if len(p) < 32 {
			return 0, 0
		}
		return binary.BigEndian.Uint32(p[20:24]), binary.BigEndian.Uint64(p[24:32])
	}
	if len(p) < 20 {
		return 0, 0
	}
	scale, dur = binary.BigEndian.Uint32(p[12:16]), uint64(binary.BigEndian.Uint32(p[16:20]))
	if dur == 0xFFFFFFFF { // "unknown" in version 0
		dur = 0
	}
	return scale, dur
}

// displaySize reads a tkhd's width and height (16.16 fixed point) and
// swaps them when the matrix turns the picture by 90 or 270 degrees, as
// phones do for portrait video recorded by a landscape sensor.
func displaySize(p []byte) (w, h int) {
	matrixAt := 40 // version 0: 4 vf + 4+4 times + 4 id + 4 reserved + 4 duration + 8 reserved + 2+2+2+2
	if len(p) > 0 && p[0] == 1 {
		matrixAt = 52 // 64-bit creation, modification and duration
	}
	if len(p) < matrixAt+36+8 {
		return 0, 0
	}
	m := p[matrixAt : matrixAt+36]
	a := int32(binary.BigEndian.Uint32(m[0:4]))
	d := int32(binary.BigEndian.Uint32(m[16:20]))
	w = int(binary.BigEndian.Uint32(p[matrixAt+36:]) >> 16)
	h = int(binary.BigEndian.Uint32(p[matrixAt+40:]) >> 16)
	if a == 0 && d == 0 {
		w, h = h, w
	}
	return w, h
}

// codecName turns a sample entry code into the short names of Inspection.
func codecName(fourcc string) string {
	switch fourcc {
	case "avc1", "avc2", "avc3", "avc4":
		return "h264"
	case "hvc1", "hev1":
		return "hevc"
	case "vp08":
		return "vp8"
	case "vp09":
		return "vp9"
	case "av01":
		return "av1"
	case "mp4v":
		return "mpeg4"
	case "apch", "apcn", "apcs", "apco", "ap4h", "ap4x":
		return "prores"
	case "mp4a":
		return "aac"
	case "Opus":
		return "opus"
	case "ac-3":
		return "ac3"
	case "ec-3":
		return "eac3"
	case ".mp3":
		return "mp3"
	}
	return strings.ToLower(strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, fourcc)))
}
