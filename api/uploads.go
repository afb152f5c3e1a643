package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/blob"
	"github.com/serentak/serentak/media"
)

// Resumable uploads, for large videos from phones on networks that drop.
// The protocol is the core of tus 1.0 (tus.io) with its creation and
// termination extensions, so the tus clients for iOS, Android and the web
// work when given the bearer key as a header:
//
//	POST   …/uploads              Upload-Length: N (or JSON {"size": N}) → 201, Location
//	HEAD   …/uploads/{id}         → Upload-Offset: bytes received so far
//	PATCH  …/uploads/{id}         Upload-Offset: k, Content-Type: application/offset+octet-stream,
//	                              the next bytes → 204 with the new Upload-Offset; the
//	                              request that completes the file answers 200 with the media
//	GET    …/uploads/{id}         → the upload as JSON, with its media once finished
//	DELETE …/uploads/{id}         → 204
//
// Differences from tus, on purpose: the completing PATCH answers 200 with a
// JSON body (tus clients accept any 2xx) so the client learns the media ID
// without another request; errors have our JSON error body; there is no
// OPTIONS discovery.
//
// The bytes are sniffed as soon as the first 512 have arrived, inspected
// and moved into blob storage when the last one has; until then nothing is
// media: GET …/media/{id} and posts cannot see it.

const (
	tusVersion       = "1.0.0"
	tusContentType   = "application/offset+octet-stream"
	hdrTusResumable  = "Tus-Resumable"
	hdrUploadOffset  = "Upload-Offset"
	hdrUploadLength  = "Upload-Length"
	uploadStatusRecv = "receiving"
	uploadStatusDone = "complete"
)

// Defaults of the resumable upload settings.
const (
	DefaultUploadMaxBytes    = 4 << 30 // TikTok's cap, the largest a platform we serve takes in one file
	DefaultUploadIdleTimeout = 60 * time.Second
)

type uploadView struct {
	ID          string     `json:"id"`
	Size        int64      `json:"size"`
	Offset      int64      `json:"offset"`
	Status      string     `json:"status"`
	ContentType *string    `json:"content_type"`
	MediaID     *string    `json:"media_id"`
	Media       *mediaView `json:"media,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
}

func viewUpload(up media.Upload, m *serentak.Media) uploadView {
	v := uploadView{ID: up.ID, Size: up.Size, Offset: up.Offset, Status: uploadStatusRecv,
		ContentType: stringPtr(up.ContentType), MediaID: stringPtr(up.MediaID),
		CreatedAt: up.CreatedAt.UTC(), ExpiresAt: up.ExpiresAt.UTC()}
	if up.MediaID != "" {
		v.Status = uploadStatusDone
	}
	if m != nil {
		mv := viewMedia(*m)
		v.Media = &mv
	}
	return v
}

// uploads returns the staging area, or an error when resumable uploads
// are not set up (Config.Uploads nil and a blob store that is not a disk).
func (s *Server) uploads() (*media.Uploads, error) {
	if s.cfg.Uploads == nil {
		return nil, serentak.Errorf(serentak.ECodeNotFound, "resumable uploads are not configured on this server; use POST …/media")
	}
	return s.cfg.Uploads, nil
}

// defaultUploads keeps resumable uploads beside the blobs of a disk store,
// in a directory no blob key can name (keys never start with a dot), on
// the same file system, so finishing an upload is a rename.
func defaultUploads(cfg Config, now func() time.Time) *media.Uploads {
	d, ok := cfg.Blobs.(*blob.Disk)
	if !ok {
		return nil
	}
	return &media.Uploads{Dir: d.Dir + string(os.PathSeparator) + ".uploads", MaxBytes: cfg.UploadMaxBytes, Now: now}
}

func tusHeaders(c echo.Context) {
	c.Response().Header().Set(hdrTusResumable, tusVersion)
}

type createUploadRequest struct {
	Size *int64 `json:"size"`
}

func (s *Server) createUpload(c echo.Context) error {
	tusHeaders(c)
	ups, err := s.uploads()
	if err != nil {
		return err
	}
	var size int64
	if raw := c.Request().Header.Get(hdrUploadLength); raw != "" {
		size, err = strconv.ParseInt(raw, 10, 64)
		if err != nil || size <= 0 {
			return serentak.Invalid("invalid Upload-Length", fieldError("Upload-Length", "invalid", "must be the file's size in bytes, a whole number above 0"))
		}
	} else {
		var req createUploadRequest
		if c.Request().ContentLength != 0 {
			if _, err := s.readJSON(c, &req); err != nil {
				return err
			}
		}
		if req.Size == nil || *req.Size <= 0 {
			return serentak.Invalid("the file's size is required",
				fieldError("size", "required", `give the file's size in bytes: the header Upload-Length or the JSON body {"size": …}`))
		}
		size = *req.Size
	}
	up, err := ups.Create(workspaceID(c), size)
	if err != nil {
		return s.uploadErr(c, err)
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/workspaces/"+workspaceID(c)+"/uploads/"+up.ID)
	c.Response().Header().Set(hdrUploadOffset, "0")
	return c.JSON(http.StatusCreated, viewUpload(up, nil))
}

// headUpload answers the offset a client resumes from.
func (s *Server) headUpload(c echo.Context) error {
	tusHeaders(c)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	ups, err := s.uploads()
	if err != nil {
		return err
	}
	up, err := ups.Find(workspaceID(c), c.Param("id"))
	if err != nil {
		return s.uploadErr(c, err)
	}
	h := c.Response().Header()
	h.Set(hdrUploadOffset, strconv.FormatInt(up.Offset, 10))
	h.Set(hdrUploadLength, strconv.FormatInt(up.Size, 10))
	return c.NoContent(http.StatusOK)
}

func (s *Server) getUpload(c echo.Context) error {
	tusHeaders(c)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	ups, err := s.uploads()
	if err != nil {
		return err
	}
	up, err := ups.Find(workspaceID(c), c.Param("id"))
	if err != nil {
		return s.uploadErr(c, err)
	}
	return s.answerUpload(c, http.StatusOK, up)
}

// answerUpload answers an upload with its media, when finished.
func (s *Server) answerUpload(c echo.Context, status int, up media.Upload) error {
	c.Response().Header().Set(hdrUploadOffset, strconv.FormatInt(up.Offset, 10))
	var m *serentak.Media
	if up.MediaID != "" {
		found, err := s.cfg.Store.FindMediaByID(c.Request().Context(), workspaceID(c), up.MediaID)
		switch {
		case err == nil:
			m = &found
		case serentak.ErrorCode(err) != serentak.ECodeNotFound: // deleted since: the upload still says its ID
			return err
		}
	}
	return c.JSON(status, viewUpload(up, m))
}

// patchUpload appends the request body at Upload-Offset. Bytes are kept as
// they arrive: when the connection drops, the client asks HEAD for the
// offset and sends the rest.
func (s *Server) patchUpload(c echo.Context) error {
	tusHeaders(c)
	ups, err := s.uploads()
	if err != nil {
		return err
	}
	r := c.Request()
	if ct, _, _ := strings.Cut(r.Header.Get(echo.HeaderContentType), ";"); strings.TrimSpace(ct) != tusContentType {
		return serentak.Errorf(serentak.ECodeBadRequest, "send the bytes with Content-Type: %s", tusContentType)
	}
	offset, err := strconv.ParseInt(r.Header.Get(hdrUploadOffset), 10, 64)
	if err != nil || offset < 0 {
		return serentak.Errorf(serentak.ECodeBadRequest, "send the header Upload-Offset: the number of bytes already uploaded (HEAD tells it)")
	}

	// A later request for this upload (the phone reconnected) stops this
	// one: the context ends and the pending read returns at once.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	rc := http.NewResponseController(c.Response())
	stop := func() {
		cancel()
		_ = rc.SetReadDeadline(time.Now())
	}
	body := &idleReader{ctx: ctx, r: r.Body, rc: rc, idle: s.cfg.UploadIdleTimeout, answer: s.cfg.WriteTimeout}
	ws, id := workspaceID(c), c.Param("id")
	up, err := ups.Write(ctx, ws, id, offset, body, stop)
	if err != nil {
		return s.uploadErr(c, err)
	}
	if up.Offset < up.Size {
		c.Response().Header().Set(hdrUploadOffset, strconv.FormatInt(up.Offset, 10))
		return c.NoContent(http.StatusNoContent)
	}
	// Finishing must not be stopped half-way by a client's retry; it
	// runs on the request's own context.
	up, err = ups.Finish(r.Context(), ws, id, func(path string, up media.Upload) (string, error) {
		return s.storeUpload(r.Context(), path, up)
	})
	// Storing may have taken long (a bucket): the answer gets its own time.
	_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	if err != nil {
		if isRefusedMedia(err) {
			if derr := ups.Delete(r.Context(), ws, id); derr != nil {
				s.log.Warn("removing an unreadable upload", "request_id", requestID(c), "upload", id, "error", derr.Error())
			}
		}
		return s.uploadErr(c, err)
	}
	setAuditTarget(c, up.MediaID) // its last bytes made the media
	return s.answerUpload(c, http.StatusOK, up)
}

// storeUpload inspects a complete upload, moves its bytes into blob
// storage and records the media; it returns the media ID.
func (s *Server) storeUpload(ctx context.Context, path string, up media.Upload) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	info, err := media.Inspect(f, up.Size, up.ContentType)
	f.Close()
	if err != nil {
		return "", err
	}
	m := serentak.Media{
		ID: serentak.NewID(serentak.PrefixMedia), WorkspaceID: up.WorkspaceID,
		ContentType: up.ContentType, Kind: up.Kind, Size: up.Size, Inspection: info,
		CreatedAt: s.now().UTC(),
	}
	m.StorageKey = m.ID
	if mv, ok := s.cfg.Blobs.(blob.FileMover); ok {
		_, err = mv.MoveFile(ctx, m.StorageKey, path)
	} else {
		f, err = os.Open(path)
		if err != nil {
			return "", err
		}
		_, err = s.cfg.Blobs.Put(ctx, m.StorageKey, f, up.Size)
		f.Close()
	}
	if err != nil {
		return "", err
	}
	if err := s.cfg.Store.CreateMedia(ctx, m); err != nil {
		if derr := s.cfg.Blobs.Delete(ctx, m.StorageKey); derr != nil {
			s.log.Warn("removing the bytes of a failed upload", "media", m.ID, "error", derr.Error())
		}
		return "", err
	}
	return m.ID, nil
}

func (s *Server) deleteUpload(c echo.Context) error {
	tusHeaders(c)
	ups, err := s.uploads()
	if err != nil {
		return err
	}
	if err := ups.Delete(c.Request().Context(), workspaceID(c), c.Param("id")); err != nil {
		return s.uploadErr(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// uploadErr turns media.Uploads errors into API errors. A conflict over
// the offset carries the offset to resume from, as a header too.
func (s *Server) uploadErr(c echo.Context, err error) error {
	var offErr *media.OffsetError
	var typeErr *media.TypeError
	switch {
	case errors.Is(err, media.ErrUploadNotFound):
		return serentak.NotFound("upload")
	case errors.As(err, &offErr):
		c.Response().Header().Set(hdrUploadOffset, strconv.FormatInt(offErr.Want, 10))
		return serentak.Errorf(serentak.ECodeConflict, "%s", offErr.Error())
	case errors.Is(err, media.ErrUploadBusy):
		return serentak.Errorf(serentak.ECodeConflict, "another request is still writing this upload; retry in a few seconds")
	case errors.Is(err, media.ErrTooManyUploads):
		return serentak.Errorf(serentak.ECodeConflict, "%s", err.Error())
	case errors.Is(err, media.ErrUploadTooLarge):
		return serentak.Errorf(serentak.ECodePayloadTooLarge, "%s", err.Error())
	case errors.As(err, &typeErr):
		return serentak.Invalid("the file is not an image or video the platforms take; the upload was removed",
			fieldError("file", "unsupported_type", "%s", typeErr.Error()))
	case isRefusedMedia(err):
		return refusedMedia(err)
	case errors.Is(err, media.ErrInterrupted):
		// The client is usually gone; if not, it resumes from the offset.
		return serentak.Errorf(serentak.ECodeBadRequest, "the request body ended early; the bytes received are kept: ask HEAD for the offset and resume")
	case errors.Is(err, media.ErrIncomplete):
		return serentak.Errorf(serentak.ECodeConflict, "%s", err.Error())
	}
	return err
}

// idleReader gives each read of a request body a deadline, so a
// connection that went silent (a phone that lost its network without
// closing it) frees the upload after idle rather than never, while one
// that keeps sending may take as long as the file needs: the server's
// ReadTimeout would cut off any large upload. The write deadline moves
// along, so the answer still has answer to be written after the last
// byte. After setting the deadline it checks ctx: a stop (cancel, then a
// deadline of now) that came in between is not overwritten unseen.
type idleReader struct {
	ctx    context.Context
	r      io.Reader
	rc     *http.ResponseController
	idle   time.Duration
	answer time.Duration
}

func (ir *idleReader) Read(p []byte) (int, error) {
	if ir.idle > 0 {
		// Not every writer supports deadlines (a test recorder): then
		// there is no idle limit.
		now := time.Now()
		_ = ir.rc.SetReadDeadline(now.Add(ir.idle))
		_ = ir.rc.SetWriteDeadline(now.Add(ir.idle + ir.answer))
	}
	if err := ir.ctx.Err(); err != nil {
		return 0, err
	}
	return ir.r.Read(p)
}
