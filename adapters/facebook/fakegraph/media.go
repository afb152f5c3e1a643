package fakegraph

import "net/http"

// mediaPrefix is where the fake serves sample media. It is outside the
// /vNN.N/ space, so no Graph route can collide with it.
const mediaPrefix = "/fake-media/"

// Sample files with real signatures, so content sniffing sees real types.
var (
	samplePNG = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 256)...)
	sampleMP4 = append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 256)...)
)

// SampleImageURL is a PNG the fake serves itself, for tests and benchmarks
// that need a fetchable photo and no media server of their own.
func (s *Server) SampleImageURL() string { return s.URL + mediaPrefix + "image.png" }

// SampleVideoURL is an MP4 the fake serves itself.
func (s *Server) SampleVideoURL() string { return s.URL + mediaPrefix + "video.mp4" }

// serveMedia answers sample-media requests; it is not a Graph route and is
// not logged in Calls.
func serveMedia(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case mediaPrefix + "image.png":
		w.Header().Set("Content-Type", "image/png")
		w.Write(samplePNG)
	case mediaPrefix + "video.mp4":
		w.Header().Set("Content-Type", "video/mp4")
		w.Write(sampleMP4)
	default:
		http.NotFound(w, r)
	}
}
