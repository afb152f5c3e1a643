package fakeplatform

import (
	"net/http"
	"strings"
)

// MediaPrefix is where a fake serves sample media. It is outside every
// platform's API paths, so no route can collide with it.
const MediaPrefix = "/fake-media/"

// Sample files with real signatures, so content sniffing sees real types.
var (
	sampleJPEG = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01"), make([]byte, 256)...)
	samplePNG  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 256)...)
	sampleMP4  = append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 256)...)
)

// Sample file names under MediaPrefix.
const (
	SampleJPEGName = "image.jpg"
	SamplePNGName  = "image.png"
	SampleMP4Name  = "video.mp4"
)

// IsSampleMedia says whether r asks for sample media.
func IsSampleMedia(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, MediaPrefix) }

// ServeSampleMedia answers a request for sample media. It is not a
// platform route and a fake does not log it.
func ServeSampleMedia(w http.ResponseWriter, r *http.Request) {
	var ct string
	var body []byte
	switch strings.TrimPrefix(r.URL.Path, MediaPrefix) {
	case SampleJPEGName:
		ct, body = "image/jpeg", sampleJPEG
	case SamplePNGName:
		ct, body = "image/png", samplePNG
	case SampleMP4Name:
		ct, body = "video/mp4", sampleMP4
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Write(body)
}
