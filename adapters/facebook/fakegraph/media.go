package fakegraph

import "github.com/serentak/serentak/adapters/fakeplatform"

// SampleImageURL is a PNG the fake serves itself, for tests and benchmarks
// that need a fetchable photo and no media server of their own.
func (s *Server) SampleImageURL() string {
	return s.URL + fakeplatform.MediaPrefix + fakeplatform.SamplePNGName
}

// SampleVideoURL is an MP4 the fake serves itself.
func (s *Server) SampleVideoURL() string {
	return s.URL + fakeplatform.MediaPrefix + fakeplatform.SampleMP4Name
}
