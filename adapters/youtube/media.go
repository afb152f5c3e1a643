package youtube

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/serentak/serentak"
)

// mediaReader streams the video from req.OpenMediaFunc, keeping count of
// its position so an upload can resume at any byte.
type mediaReader struct {
	a    *attempt
	m    serentak.MediaRef
	body io.ReadCloser
	size int64
	pos  int64
	eof  bool  // the stream ended
	err  error // a read failed: the media store's fault, not YouTube's
}

// openAt opens the media and positions it at offset.
func (a *attempt) openAt(ctx context.Context, m serentak.MediaRef, offset int64) (*mediaReader, error) {
	r := &mediaReader{a: a, m: m}
	if err := r.seek(ctx, offset); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// seek reopens the media at offset: seeking when the stream can, reading
// and discarding otherwise.
func (r *mediaReader) seek(ctx context.Context, offset int64) error {
	r.Close()
	open := r.a.req.OpenMediaFunc
	if open == nil {
		return serentak.NewPublishError(serentak.Rejected, "no_media_source",
			"this Serentak server cannot read media for YouTube uploads (no media source configured for publishing)")
	}
	body, size, err := open(ctx, r.m)
	if err != nil {
		var pe *serentak.PublishError
		if errors.As(err, &pe) {
			return err
		}
		if serentak.ErrorCode(err) == serentak.ECodeNotFound {
			return &serentak.PublishError{Kind: serentak.Rejected, Code: "media_missing", Err: err,
				Message: fmt.Sprintf("the video %s is no longer stored (%v); upload it again", r.m.ID, err)}
		}
		return &serentak.PublishError{Kind: serentak.Transient, Code: "media_unavailable", Err: err,
			Message: fmt.Sprintf("could not read the video %s%s (%v)", r.m.ID, r.m.URL, err)}
	}
	if size < 0 {
		size = r.m.Size
	}
	r.body, r.pos, r.eof, r.err = body, 0, false, nil
	if size <= 0 {
		return serentak.NewPublishError(serentak.Rejected, "media_size_unknown",
			"the video's size is unknown; YouTube's upload needs it, so upload the video file to Serentak")
	}
	if r.size != 0 && size != r.size {
		return serentak.NewPublishError(serentak.Rejected, "media_changed",
			"the video changed size from %d to %d bytes during the upload", r.size, size)
	}
	r.size = size
	if offset == 0 {
		return nil
	}
	if s, ok := body.(io.Seeker); ok {
		if _, err := s.Seek(offset, io.SeekStart); err == nil {
			r.pos = offset
			return nil
		}
	}
	n, err := io.CopyN(io.Discard, body, offset)
	r.pos = n
	if err != nil {
		return &serentak.PublishError{Kind: serentak.Transient, Code: "media_unavailable", Err: err,
			Message: fmt.Sprintf("could not skip to byte %d of the video to resume its upload (%v)", offset, err)}
	}
	return nil
}

// Read reads the stream, recording where it stands and why it stopped.
func (r *mediaReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	r.pos += int64(n)
	switch {
	case errors.Is(err, io.EOF):
		r.eof = true
	case err != nil:
		r.err = &serentak.PublishError{Kind: serentak.Transient, Code: "media_unavailable", Err: err,
			Message: fmt.Sprintf("reading the video failed at byte %d (%v); the upload resumes from what YouTube holds", r.pos, err)}
	}
	return n, err
}

// Close closes the current stream, if any.
func (r *mediaReader) Close() error {
	if r.body == nil {
		return nil
	}
	err := r.body.Close()
	r.body = nil
	return err
}
