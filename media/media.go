// Package media knows what an uploaded file is (sniffed from its bytes,
// never from its name), what kind a media URL points at, and how to make
// the signed public links platforms pull uploaded media from.
package media

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"path"
	"strings"

	"github.com/serentak/serentak"
)

// SniffLen is how many leading bytes Sniff looks at.
const SniffLen = 512

// Accepted lists the content types the platforms take, with their kind.
var accepted = map[string]serentak.MediaKind{
	"image/jpeg":      serentak.MediaImage,
	"image/png":       serentak.MediaImage,
	"image/gif":       serentak.MediaImage,
	"image/webp":      serentak.MediaImage,
	"image/heic":      serentak.MediaImage,
	"video/mp4":       serentak.MediaVideo,
	"video/quicktime": serentak.MediaVideo,
	"video/webm":      serentak.MediaVideo,
}

// AcceptedTypes is the human list of what Sniff accepts, for messages.
const AcceptedTypes = "JPEG, PNG, GIF, WebP or HEIC images, MP4, MOV or WebM videos"

// KindOfType returns the kind of a content type the platforms take
// ("image/jpeg" → image); ok is false for any other type. A post's media
// item may name its type this way when its URL cannot be read.
func KindOfType(contentType string) (kind serentak.MediaKind, ok bool) {
	kind, ok = accepted[contentType]
	return kind, ok
}

// Sniff tells the content type and kind of a file from its first bytes
// (up to SniffLen). ok is false for anything the platforms do not take.
func Sniff(head []byte) (contentType string, kind serentak.MediaKind, ok bool) {
	ct := isoMediaType(head)
	if ct == "" {
		ct, _, _ = strings.Cut(http.DetectContentType(head), ";")
	}
	kind, ok = accepted[ct]
	if !ok {
		return ct, "", false
	}
	return ct, kind, true
}

// isoMediaType reads an ISO base media file's "ftyp" box (MP4, MOV, HEIC
// all start with one) and returns the type its brands name, or "" when
// head is not such a file. net/http's sniffer knows only MP4 brands.
func isoMediaType(head []byte) string {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return ""
	}
	size := int(binary.BigEndian.Uint32(head[:4]))
	if size < 16 || size > len(head) {
		size = min(len(head), max(size, 12))
	}
	brands := [][]byte{head[8:12]}
	for i := 16; i+4 <= size; i += 4 { // skip minor_version at 12..16
		brands = append(brands, head[i:i+4])
	}
	for _, b := range brands {
		switch string(b) {
		case "qt  ":
			return "video/quicktime"
		case "heic", "heix", "heim", "heis", "mif1", "msf1":
			return "image/heic"
		}
	}
	for _, b := range brands {
		switch {
		case bytes.HasPrefix(b, []byte("mp4")), bytes.HasPrefix(b, []byte("iso")),
			bytes.Equal(b, []byte("avc1")), bytes.Equal(b, []byte("M4V ")), bytes.Equal(b, []byte("dash")):
			return "video/mp4"
		}
	}
	return ""
}

// KindFromPath guesses a media URL's kind from its path's extension.
func KindFromPath(p string) (serentak.MediaKind, bool) {
	switch strings.ToLower(path.Ext(p)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic":
		return serentak.MediaImage, true
	case ".mp4", ".mov", ".m4v", ".webm":
		return serentak.MediaVideo, true
	}
	return "", false
}
