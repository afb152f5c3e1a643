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
}
