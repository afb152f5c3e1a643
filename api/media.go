package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/media"
)

// multipartSlack is room for the multipart framing around the file.
const multipartSlack = 1 << 20

// uploadMedia streams the "file" part of a multipart body to blob storage:
// never the whole file in memory, type sniffed from its first bytes (never
// from its name or declared type), stored byte for byte.
func (s *Server) uploadMedia(c echo.Context) error {
	r := c.Request()
	mt, params, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return serentak.Errorf(serentak.ECodeBadRequest, `send the file as multipart/form-data in the field "file"`)
	}
	// The body may take long to arrive; it is cut off only when it stops
	// (idleReader), not by the server's ReadTimeout.
	rc := http.NewResponseController(c.Response())
	slow := &idleReader{ctx: r.Context(), r: r.Body, rc: rc, idle: s.cfg.UploadIdleTimeout, answer: s.cfg.WriteTimeout}
	body := http.MaxBytesReader(c.Response(), io.NopCloser(slow), s.cfg.MediaMaxBytes+multipartSlack)
	mr := multipart.NewReader(requestReader{body}, params["boundary"])
	var part *multipart.Part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return serentak.Invalid("no file", fieldError("file", "required", `send the file in the multipart field "file"`))
		}
		if err != nil {
			// Framing errors (textproto, "multipart: …") are the client's.
			return s.uploadError(&requestError{err})
		}
		if p.FormName() == "file" {
			part = p
			break
		}
		// Other fields are ignored, but read through to the next part.
		if _, err := io.Copy(io.Discard, p); err != nil {
			return s.uploadError(err)
		}
	}
	defer part.Close()

	head := make([]byte, media.SniffLen)
	n, err := io.ReadFull(part, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return s.uploadError(err)
	}
	head = head[:n]
	if n == 0 {
		return serentak.Invalid("the file is empty", fieldError("file", "required", "the file is empty"))
	}
	ct, kind, ok := media.Sniff(head)
	if !ok {
		return serentak.Invalid("the file is not an image or video the platforms take",
			fieldError("file", "unsupported_type", "the file's bytes look like %s; send %s", ct, media.AcceptedTypes))
	}

	ctx := r.Context()
	m := serentak.Media{
		ID: serentak.NewID(serentak.PrefixMedia), WorkspaceID: workspaceID(c),
		ContentType: ct, Kind: kind, CreatedAt: s.now().UTC(),
	}
	m.StorageKey = m.ID // the public URL names the media ID; the bytes are found by it
	size, err := s.cfg.Blobs.Put(ctx, m.StorageKey, io.MultiReader(bytes.NewReader(head), part), s.cfg.MediaMaxBytes)
	if err != nil {
		return s.uploadError(err)
	}
	m.Size = size
	// Storing may have taken long (a bucket): the answer gets its own time.
	_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	m.Inspection, err = s.inspectBlob(ctx, m.StorageKey, size, ct)
	if err == nil {
		err = s.cfg.Store.CreateMedia(ctx, m)
	}
	if err != nil {
		if derr := s.cfg.Blobs.Delete(ctx, m.StorageKey); derr != nil {
			s.log.Warn("removing the bytes of a failed upload", "request_id", requestID(c), "media", m.ID, "error", derr.Error())
		}
		return refusedMedia(err)
	}
	setAuditTarget(c, m.ID)
	return c.JSON(http.StatusCreated, viewMedia(m))
}

// inspectBlob reads the stored file's headers (media.Inspect): a few
// kilobytes, never the whole file.
func (s *Server) inspectBlob(ctx context.Context, key string, size int64, contentType string) (serentak.Inspection, error) {
	rc, _, _, err := s.cfg.Blobs.Open(ctx, key)
	if err != nil {
		return serentak.Inspection{}, err
	}
	defer rc.Close()
	return media.Inspect(media.ReaderAt(rc), size, contentType)
}

// refusedMedia turns what inspection refuses into a 422 on "file": a file
// that is not what its first bytes promise (media.ErrUnreadable), an image
// of more pixels than any platform takes (media.ErrTooManyPixels). Other
// errors pass.
func refusedMedia(err error) error {
	switch {
	case errors.Is(err, media.ErrUnreadable):
		return serentak.Invalid("the file cannot be read as what it looks like",
			fieldError("file", "unreadable", "%s; upload the whole, original file", err.Error()))
	case errors.Is(err, media.ErrTooManyPixels):
		return serentak.Invalid("the image is larger than any platform takes",
			fieldError("file", "too_large", "%s", err.Error()))
	}
	return err
}

// isRefusedMedia reports whether inspection refused the file itself.
func isRefusedMedia(err error) bool {
	return errors.Is(err, media.ErrUnreadable) || errors.Is(err, media.ErrTooManyPixels)
}

// mediaRef is how a post refers to an upload: kind, type, size and what
// inspection found, copied so composing and publishing need no lookup.
func mediaRef(m serentak.Media) serentak.MediaRef {
	return serentak.MediaRef{ID: m.ID, Kind: m.Kind, ContentType: m.ContentType, Size: m.Size, Inspection: m.Inspection}
}

// deleteMedia removes an upload: its record, then its bytes. Signed links
// already handed out stop working.
func (s *Server) deleteMedia(c echo.Context) error {
	ctx := c.Request().Context()
	m, err := s.cfg.Store.DeleteMedia(ctx, workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	// The record is gone, so nothing serves these bytes any more; nor the
	// thumbnail the link-in-bio page may have made of them.
	for _, k := range []string{m.StorageKey, media.ThumbnailKey(m.StorageKey)} {
		if err := s.cfg.Blobs.Delete(ctx, k); err != nil {
			s.log.Warn("removing the bytes of deleted media", "request_id", requestID(c), "media", m.ID, "key", k, "error", err.Error())
		}
	}
	return c.NoContent(http.StatusNoContent)
}

// uploadError tells an oversized or malformed upload (our answer: 413 or
// 400) from a failure of ours (500). Every error from reading the request
// is the client's: NextPart's framing errors have no exported type, so the
// request body's reads are marked instead (requestReader).
func (s *Server) uploadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.Is(err, blob.ErrTooLarge) || errors.As(err, &tooLarge) {
		return serentak.Errorf(serentak.ECodePayloadTooLarge, "the file is larger than %d bytes", s.cfg.MediaMaxBytes)
	}
	var rerr *requestError
	if errors.As(err, &rerr) || errors.Is(err, io.ErrUnexpectedEOF) { // cut short: the body ended inside the file
		return serentak.Errorf(serentak.ECodeBadRequest, "the multipart body is malformed or cut short")
	}
	return err
}

// requestError is an error reading the request: the client's fault.
type requestError struct{ err error }

func (e *requestError) Error() string { return "reading the request: " + e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

// requestReader marks every read error of r as a requestError.
type requestReader struct{ r io.Reader }

func (rr requestReader) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if err != nil && err != io.EOF {
		err = &requestError{err}
	}
	return n, err
}

// listMedia pages through the workspace's media library, newest first.
func (s *Server) listMedia(c echo.Context) error {
	q := c.QueryParams()
	if err := storableQuery(q); err != nil {
		return err
	}
	cursor, limit, err := pageQuery(q, serentak.PrefixMedia)
	if err != nil {
		return err
	}
	items, next, err := s.cfg.Store.FindMedia(c.Request().Context(), workspaceID(c), cursor, limit)
	if err != nil {
		return err
	}
	out := mediaListView{Data: make([]mediaView, 0, len(items)), NextCursor: stringPtr(next)}
	for _, m := range items {
		out.Data = append(out.Data, viewMedia(m))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getMedia(c echo.Context) error {
	m, err := s.cfg.Store.FindMediaByID(c.Request().Context(), workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewMedia(m))
}

// publicMedia serves an uploaded file to a platform that pulls it, on a
// signed, expiring link (media.Signer). Anything wrong is a plain 404, so
// the route tells nothing about which media exist. Range requests work
// (http.ServeContent), which video fetchers rely on.
func (s *Server) publicMedia(c echo.Context) error {
	id := c.Param("id")
	q := c.QueryParams()
	if s.cfg.Signer == nil || !serentak.HasPrefix(id, serentak.PrefixMedia) || !blob.ValidKey(id) ||
		!s.cfg.Signer.Verify(id, q.Get("exp"), q.Get("sig"), s.now()) {
		return serentak.NotFound("media")
	}
	rc, _, modTime, err := s.cfg.Blobs.Open(c.Request().Context(), id)
	if errors.Is(err, blob.ErrNotFound) {
		return serentak.NotFound("media")
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	// The type was sniffed at upload; sniffing the same bytes again gives
	// the same answer without a database lookup on this public route.
	head := make([]byte, media.SniffLen)
	n, err := io.ReadFull(rc, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	if _, err := rc.Seek(0, io.SeekStart); err != nil {
		return err
	}
	ct, _, _ := media.Sniff(head[:n])
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=300")
	return s.serveContent(c, "media "+id, modTime, rc)
}

// serveContent answers the bytes of rs with http.ServeContent (ranges,
// HEAD, If-Modified-Since), the headers set before; its error answers are
// the JSON error body. what names the bytes in an error of ours.
func (s *Server) serveContent(c echo.Context, what string, modTime time.Time, rs io.ReadSeeker) error {
	w := &mediaWriter{Response: c.Response(), rc: http.NewResponseController(c.Response()), timeout: s.cfg.WriteTimeout}
	http.ServeContent(w, c.Request(), "", modTime, rs)
	switch w.failed {
	case 0:
		return nil
	case http.StatusRequestedRangeNotSatisfiable: // Content-Range says the size
		return serentak.Errorf(codeRangeNotSatisfiable, "the range asked for is not in this file")
	case http.StatusPreconditionFailed:
		return serentak.Errorf(codePreconditionFailed, "the file does not match If-Match or If-Unmodified-Since")
	}
	return fmt.Errorf("serving %s: status %d", what, w.failed)
}

// mediaWriter is what http.ServeContent writes public media to. It moves
// the write deadline on before every write: a platform pulling a large
// video at any pace gets all of it, and one that stops reading for the
// timeout is cut off (see HTTPServer). And it keeps ServeContent's own
// error answers (plain text, by http.Error) from being written: the
// handler answers them with the JSON error body instead.
type mediaWriter struct {
	*echo.Response
	rc      *http.ResponseController
	timeout time.Duration
	failed  int // the error status ServeContent answered, if any
}

func (w *mediaWriter) WriteHeader(code int) {
	if code >= 400 {
		w.failed = code
		return
	}
	w.Response.WriteHeader(code)
}

func (w *mediaWriter) Write(p []byte) (int, error) {
	if w.failed != 0 {
		return len(p), nil // http.Error's text
	}
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	return w.Response.Write(p)
}
