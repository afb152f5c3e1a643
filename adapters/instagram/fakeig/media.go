package fakeig

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Instagram's media limits (docs/platforms/instagram.md#limits).
const (
	maxImageBytes = 8 << 20
	// maxVideoProbe is how much of a video the fake reads to check it.
	maxVideoProbe = 64 << 10
)

// SampleJPEGURL is a JPEG the fake serves itself, for tests and benchmarks
// that need a fetchable image and no media server of their own.
func (s *Server) SampleJPEGURL() string {
	return s.URL + fakeplatform.MediaPrefix + fakeplatform.SampleJPEGName
}

// SamplePNGURL is a PNG, which Instagram refuses.
func (s *Server) SamplePNGURL() string {
	return s.URL + fakeplatform.MediaPrefix + fakeplatform.SamplePNGName
}

// SampleVideoURL is an MP4 the fake serves itself.
func (s *Server) SampleVideoURL() string {
	return s.URL + fakeplatform.MediaPrefix + fakeplatform.SampleMP4Name
}

func validURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// fetchImage downloads image_url as Instagram does: it must answer 200
// with a JPEG (by its bytes; MPO and the like are refused too) of at most
// 8 MiB.
func (s *Server) fetchImage(ctx context.Context, u string) *graphErr {
	if !validURL(u) {
		return errf(9004, 2207052, "The media could not be fetched from this uri: %s", u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return errf(9004, 2207052, "The media could not be fetched from this uri: %s", u)
	}
	resp, err := s.media.Do(req)
	if err != nil {
		return errf(9004, 2207052, "The media could not be fetched from this uri: %s", u)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errf(9004, 2207052, "The media could not be fetched from this uri: %s (HTTP %d)", u, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxImageBytes+1))
	if err != nil {
		return errf(9004, 2207052, "The media could not be fetched from this uri: %s", u)
	}
	if len(b) > maxImageBytes {
		return errf(36000, 2207004, "%s", defaultMessage(36000, 2207004))
	}
	if http.DetectContentType(b) != "image/jpeg" {
		return errf(36001, 2207005, "%s", defaultMessage(36001, 2207005))
	}
	return nil
}

// probeVideo downloads the start of video_url. Instagram fetches videos
// while the container is processing, so a problem here does not fail the
// request: it becomes the container's ERROR status (a subcode), returned
// here as a string; "" means the video looks right.
func (s *Server) probeVideo(ctx context.Context, u string) string {
	if !validURL(u) {
		return "2207052"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "2207052"
	}
	resp, err := s.media.Do(req)
	if err != nil {
		return "2207052"
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		return "2207052"
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxVideoProbe))
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	// MP4 and MOV both start with a box whose type is at bytes 4–8.
	if (ct != "video/mp4" && ct != "video/quicktime") || len(b) < 8 || !bytes.Equal(b[4:8], []byte("ftyp")) {
		return "2207026"
	}
	return ""
}
