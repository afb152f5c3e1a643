package serentak

import "time"

// MediaKind is what a media item is, as far as the platforms care.
type MediaKind string

const (
	MediaImage MediaKind = "image"
	MediaVideo MediaKind = "video"
)

// Media is a file uploaded to Serentak (as opposed to a media URL given in a
// post, which Serentak never stores).
type Media struct {
	ID          string
	WorkspaceID string
	ContentType string // sniffed from the bytes
	Size        int64
	Kind        MediaKind
	// StorageKey names the bytes in the blob store.
	StorageKey string
	CreatedAt  time.Time
	Inspection
}

// Inspection is what was read from an uploaded file's own bytes (image
// header, MP4/MOV boxes) when it was stored, so each platform's rules can be
// checked when a post is created rather than failing at publish time. A zero
// field means "not known" (a format we do not inspect, or a container that
// does not say): checks that need it are skipped.
type Inspection struct {
	// Width and Height are display pixels (a phone video's rotation applied).
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// DurationMS is a video's length in milliseconds.
	DurationMS int64 `json:"duration_ms,omitempty"`
	// VideoCodec and AudioCodec are short names: "h264", "hevc", "vp9",
	// "av1", "aac", "opus", or the container's four-character code.
	VideoCodec string `json:"video_codec,omitempty"`
	AudioCodec string `json:"audio_codec,omitempty"`
	// FrameRate is the mean frames per second of the video track.
	FrameRate float64 `json:"frame_rate,omitempty"`
}

// MediaRef is one media item of a post: an uploaded file (ID) or a URL the
// platform can fetch. Kind and ContentType are resolved when the post is
// created, so publishing never has to guess.
type MediaRef struct {
	ID          string    `json:"id,omitempty"`
	URL         string    `json:"url,omitempty"`
	Kind        MediaKind `json:"kind"`
	ContentType string    `json:"content_type,omitempty"`
	Size        int64     `json:"size,omitempty"`
	// Inspection is copied from the upload; it is zero for a URL, which
	// Serentak does not fetch at creation.
	Inspection
}
