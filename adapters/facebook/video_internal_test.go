package facebook

import (
	"context"
	"io"
	"testing"

	"github.com/serentak/serentak"
)

// Videos over 1 GB, or with no URL Facebook could fetch, go up in chunks;
// others by file_url (docs/platforms/facebook.md#videos).
func TestChunkedChoice(t *testing.T) {
	open := func(context.Context, serentak.MediaRef) (io.ReadCloser, int64, error) { return nil, 0, nil }
	urlFunc := func(serentak.MediaRef) (string, error) { return "https://media/x", nil }
	tests := []struct {
		name string
		m    serentak.MediaRef
		req  serentak.PublishRequest
		want bool
	}{
		{"URL, small", serentak.MediaRef{URL: "https://cdn/v.mp4", Size: 10 << 20}, serentak.PublishRequest{OpenMediaFunc: open}, false},
		{"URL, over 1 GB", serentak.MediaRef{URL: "https://cdn/v.mp4", Size: 1<<30 + 1}, serentak.PublishRequest{OpenMediaFunc: open}, true},
		{"URL, exactly 1 GB", serentak.MediaRef{URL: "https://cdn/v.mp4", Size: 1 << 30}, serentak.PublishRequest{OpenMediaFunc: open}, false},
		{"upload with a public URL", serentak.MediaRef{ID: "med_1", Size: 10 << 20}, serentak.PublishRequest{OpenMediaFunc: open, MediaURLFunc: urlFunc}, false},
		{"upload without a public URL", serentak.MediaRef{ID: "med_1", Size: 10 << 20}, serentak.PublishRequest{OpenMediaFunc: open}, true},
		{"upload whose public URL is localhost", serentak.MediaRef{ID: "med_1"}, serentak.PublishRequest{OpenMediaFunc: open,
			MediaURLFunc: func(serentak.MediaRef) (string, error) { return "http://localhost:8080/v1/media/x", nil }}, true},
		{"upload whose public URL is private", serentak.MediaRef{ID: "med_1"}, serentak.PublishRequest{OpenMediaFunc: open,
			MediaURLFunc: func(serentak.MediaRef) (string, error) { return "http://10.0.0.5/v1/media/x", nil }}, true},
		{"upload whose public URL fails", serentak.MediaRef{ID: "med_1"}, serentak.PublishRequest{OpenMediaFunc: open,
			MediaURLFunc: func(serentak.MediaRef) (string, error) { return "", io.EOF }}, true},
		{"no way to read the bytes", serentak.MediaRef{URL: "https://cdn/v.mp4", Size: 2 << 30}, serentak.PublishRequest{}, false},
	}
	for _, tc := range tests {
		if got := chunked(tc.m, tc.req); got != tc.want {
			t.Errorf("%s: chunked = %v, want %v", tc.name, got, tc.want)
		}
	}
}
