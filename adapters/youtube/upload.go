package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/serentak/serentak"
)

// The resumable upload (docs/platforms/youtube.md#resumable-upload), made
// crash-safe.
//
//  1. Start a session (POST …/videos?uploadType=resumable). It makes
//     nothing visible: a session nobody finishes just expires, so a lost
//     answer here costs an orphan session, never a duplicate video. Its URI
//     is saved to the checkpoint before the first byte is sent; if that
//     save fails, no byte is sent.
//  2. Send the bytes in chunks (PUT {session}, Content-Range a-b/N). Each
//     incomplete answer, 308 with Range, says where to go on. Only a chunk
//     carrying the last byte can make the video, so cpFinalSent is saved
//     before such a chunk is sent.
//  3. A later attempt with a saved session asks it first (PUT, bytes */N):
//     308 means resume from its Range; 200/201 means the upload completed
//     (perhaps the answer was lost) and carries the video, which is taken,
//     never uploaded again.
//  4. A session that answers 404/410 has expired. It can have made a video
//     only if its last byte was sent and the session never since said it
//     was incomplete (cpFinalSent). Without that mark no video can exist,
//     and a new session starts from byte 0. With it, a video may exist and
//     YouTube offers no way to ask the dead session, so the delivery fails
//     with a message saying to check the channel: a person decides rather
//     than risk a duplicate.
//
// The video is streamed from req.OpenMediaFunc and never held in memory:
// a chunk is a LimitReader over the stream, and resuming at byte N reopens
// the media and seeks (or reads and discards) to N.

// maxAnswer caps what we read of an answer.
const maxAnswer = 1 << 20

// maxReopen bounds how often one attempt reopens the media because
// YouTube kept less than was sent.
const maxReopen = 4

// videoResource is the part of a video resource we read.
type videoResource struct {
	ID      string `json:"id"`
	Snippet struct {
		ChannelID string `json:"channelId"`
	} `json:"snippet"`
	Status struct {
		UploadStatus    string `json:"uploadStatus"`
		PrivacyStatus   string `json:"privacyStatus"`
		PublishAt       string `json:"publishAt"`
		FailureReason   string `json:"failureReason"`
		RejectionReason string `json:"rejectionReason"`
	} `json:"status"`
	ProcessingDetails *struct {
		ProcessingStatus        string `json:"processingStatus"`
		ProcessingFailureReason string `json:"processingFailureReason"`
	} `json:"processingDetails"`
}

// upload runs the protocol to the end; on success a.cp holds the video.
func (a *attempt) upload(ctx context.Context, m serentak.MediaRef) error {
	var offset int64
	uri := a.cp[cpSession]
	if uri != "" {
		size, _ := strconv.ParseInt(a.cp[cpSize], 10, 64)
		st, err := a.query(ctx, uri, size)
		if err != nil {
			return err
		}
		switch {
		case st.video != nil:
			return a.recordVideo(ctx, st.video)
		case st.gone && a.cp[cpFinalSent] != "":
			return serentak.NewPublishError(serentak.Rejected, "session_expired",
				"the YouTube upload session (started %s) expired after its last bytes were sent, and YouTube's answer never arrived: the video may or may not be on the channel. Check the channel's uploads and publish again only if it is missing",
				a.cp[cpSessionAt])
		case st.gone:
			// No chunk with the last byte was ever sent, so no video
			// can exist: start over.
			for _, k := range []string{cpSession, cpSessionAt, cpSize, cpPublishAt, cpReceived} {
				delete(a.cp, k)
			}
			if err := a.save(ctx); err != nil {
				return saveFailed(err)
			}
			uri = ""
		default:
			offset = st.next
			// The session is alive and incomplete, so it has made no
			// video, whatever a lost final chunk did.
			delete(a.cp, cpFinalSent)
		}
	}

	src, err := a.openAt(ctx, m, offset)
	if err != nil {
		return err
	}
	defer func() { src.Close() }()
	if uri != "" && strconv.FormatInt(src.size, 10) != a.cp[cpSize] {
		return serentak.NewPublishError(serentak.Rejected, "media_changed",
			"the video is now %d bytes but its upload began with %s; the media changed during publishing", src.size, a.cp[cpSize])
	}
	if uri == "" {
		if uri, err = a.startSession(ctx, m, src.size); err != nil {
			return err
		}
	}
	return a.sendChunks(ctx, uri, src, m)
}

// startSession starts a resumable upload and saves its URI.
func (a *attempt) startSession(ctx context.Context, m serentak.MediaRef, size int64) (string, error) {
	md, err := a.metadata()
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(md)
	if err != nil {
		return "", fmt.Errorf("youtube: encoding the video metadata: %w", err)
	}
	channel := a.req.Account.ExternalID
	if held, err := a.takeQuota(ctx, channel); err != nil {
		return "", err
	} else if held != "" {
		return "", a.heldError(held)
	}

	u := a.base + "/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
	req, err := a.newRequest(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("X-Upload-Content-Length", strconv.FormatInt(size, 10))
	req.Header.Set("X-Upload-Content-Type", uploadType(m))
	status, header, answer, err := a.do(req)
	if err != nil {
		// No session URI came back, so no byte can be sent to it: at
		// worst an orphan session expires unused.
		return "", &serentak.PublishError{Kind: serentak.Transient, Err: netErr(err), Message: fmt.Sprintf(
			"could not start the YouTube upload (%v); nothing was uploaded", netErr(err))}
	}
	if status/100 != 2 {
		pe := a.classify(status, answer, header)
		switch {
		case quotaReasons[pe.Code]:
			a.spendQuota(ctx, a.now().Add(pe.RetryAfter))
		case pe.Code == "uploadLimitExceeded":
			a.holds.hold(channel, a.now().Add(pe.RetryAfter))
		}
		return "", pe
	}
	loc, err := url.Parse(header.Get("Location"))
	if err != nil || header.Get("Location") == "" {
		return "", serentak.NewPublishError(serentak.Transient, "no_session",
			"YouTube accepted the upload but gave no session URI (Location); nothing was uploaded")
	}
	uri := req.URL.ResolveReference(loc).String()

	// Saved before any byte: from here on, every attempt uses this
	// session and no other.
	a.cp[cpSession] = uri
	a.cp[cpSessionAt] = a.now().UTC().Format(time.RFC3339Nano)
	a.cp[cpSize] = strconv.FormatInt(size, 10)
	if md.Status.PublishAt != "" {
		a.cp[cpPublishAt] = md.Status.PublishAt
	}
	delete(a.cp, cpReceived)
	delete(a.cp, cpFinalSent)
	if err := a.save(ctx); err != nil {
		return "", saveFailed(err)
	}
	return uri, nil
}

// heldError says why the quota count holds an upload until the next
// quota day.
func (a *attempt) heldError(held string) *serentak.PublishError {
	wait := a.untilQuotaReset()
	var why string
	switch held {
	case heldProject:
		why = "YouTube said today that this Google Cloud project's upload quota is used up (quotaExceeded)"
	case heldChannel:
		why = "YouTube said today that the channel reached its daily upload limit (uploadLimitExceeded)"
	default:
		why = fmt.Sprintf("this install's Google Cloud project has used its %d YouTube uploads of the quota day (SERENTAK_YOUTUBE_DAILY_UPLOADS), shared by every channel, or YouTube said its quota is used up", a.limit)
	}
	return &serentak.PublishError{Kind: serentak.RateLimited, Code: "daily_upload_budget", RetryAfter: wait,
		Message: fmt.Sprintf("%s; the upload waits for the next quota day, which starts at midnight Pacific time (retrying in %s).", why, roundWait(wait))}
}

// sessionState is what a status query learned.
type sessionState struct {
	next  int64          // the first byte the session lacks
	video *videoResource // the upload completed
	gone  bool           // 404/410: the session expired
}

// query asks a session how much it holds.
func (a *attempt) query(ctx context.Context, uri string, size int64) (sessionState, error) {
	if size <= 0 {
		return sessionState{}, serentak.NewPublishError(serentak.Rejected, "bad_checkpoint",
			"the upload checkpoint has a session but no size; the checkpoint is damaged")
	}
	req, err := a.newRequest(ctx, http.MethodPut, uri, http.NoBody)
	if err != nil {
		return sessionState{}, err
	}
	req.ContentLength = 0
	req.Header.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
	status, header, answer, err := a.do(req)
	if err != nil {
		return sessionState{}, &serentak.PublishError{Kind: serentak.Transient, Err: netErr(err), Message: fmt.Sprintf(
			"could not ask YouTube how much of the upload arrived (%v); the next attempt asks again", netErr(err))}
	}
	return a.sessionAnswer(status, header, answer, size)
}

// sessionAnswer reads a session's answer to a chunk or a status query.
func (a *attempt) sessionAnswer(status int, header http.Header, answer []byte, size int64) (sessionState, error) {
	switch {
	case status == http.StatusPermanentRedirect: // 308 Resume Incomplete
		next, err := rangeEnd(header.Get("Range"), size)
		if err != nil {
			return sessionState{}, serentak.NewPublishError(serentak.Transient, "bad_range",
				"YouTube's upload answer could not be read (%v); the next attempt asks again", err)
		}
		return sessionState{next: next}, nil
	case status == http.StatusOK || status == http.StatusCreated:
		var v videoResource
		if err := json.Unmarshal(answer, &v); err != nil || v.ID == "" {
			// The session keeps its final answer; ask it again later.
			return sessionState{}, serentak.NewPublishError(serentak.Transient, "no_video_id",
				"YouTube finished the upload but its answer carried no video ID; the next attempt asks the session again")
		}
		return sessionState{video: &v}, nil
	case status == http.StatusNotFound || status == http.StatusGone:
		return sessionState{gone: true}, nil
	}
	return sessionState{}, a.classify(status, answer, header)
}

// rangeEnd reads "Range: bytes=0-N" and returns N+1, the next byte to
// send; no header means nothing arrived.
func rangeEnd(h string, size int64) (int64, error) {
	if h == "" {
		return 0, nil
	}
	spec, ok := strings.CutPrefix(h, "bytes=")
	first, last, ok2 := strings.Cut(spec, "-")
	end, err := strconv.ParseInt(last, 10, 64)
	if !ok || !ok2 || first != "0" || err != nil || end < 0 || end >= size {
		return 0, fmt.Errorf("Range %q is not bytes=0-N within %d bytes", h, size)
	}
	return end + 1, nil
}

// sendChunks sends the bytes from src's position until the session
// completes.
func (a *attempt) sendChunks(ctx context.Context, uri string, src *mediaReader, m serentak.MediaRef) error {
	size, reopened := src.size, 0
	for {
		offset := src.pos
		if offset >= size {
			return serentak.NewPublishError(serentak.Transient, "upload_unfinished",
				"YouTube has all %d bytes but has not said the upload is complete; the next attempt asks the session again", size)
		}
		n := min(a.chunk, size-offset)
		final := offset+n == size
		if final {
			a.cp[cpFinalSent] = "1"
			if err := a.save(ctx); err != nil {
				return saveFailed(err)
			}
		}
		status, header, answer, err := a.putChunk(ctx, uri, src, offset, n, size, m)
		if err != nil {
			return err
		}
		st, err := a.sessionAnswer(status, header, answer, size)
		switch {
		case err != nil:
			return err
		case st.video != nil:
			return a.recordVideo(ctx, st.video)
		case st.gone:
			// The session expired under us. It cannot have made a video:
			// this attempt began by finding it incomplete, and it
			// refused this very chunk. Start over next time.
			for _, k := range []string{cpSession, cpSessionAt, cpSize, cpPublishAt, cpReceived, cpFinalSent} {
				delete(a.cp, k)
			}
			if err := a.save(ctx); err != nil {
				return saveFailed(err)
			}
			return serentak.NewPublishError(serentak.Transient, "session_expired",
				"the YouTube upload session expired during the upload; the next attempt starts a new one")
		}
		// 308: the session is incomplete, so it made no video.
		delete(a.cp, cpFinalSent)
		a.cp[cpReceived] = strconv.FormatInt(st.next, 10)
		// Saving also extends the worker's lease through a long upload.
		if err := a.save(ctx); err != nil {
			return saveFailed(err)
		}
		if st.next != src.pos {
			// YouTube kept less than was sent (or, oddly, more):
			// continue from where it stands.
			if reopened++; reopened > maxReopen {
				return serentak.NewPublishError(serentak.Transient, "upload_stalled",
					"YouTube kept acknowledging fewer bytes than were sent (at byte %d of %d); the next attempt resumes from there", st.next, size)
			}
			if err := src.seek(ctx, st.next); err != nil {
				return err
			}
		}
	}
}

// putChunk sends n bytes of src, at offset, to the session.
func (a *attempt) putChunk(ctx context.Context, uri string, src *mediaReader, offset, n, size int64, m serentak.MediaRef) (int, http.Header, []byte, error) {
	before := src.pos
	body := &chunkBody{r: io.LimitReader(src, n)}
	req, err := a.newRequest(ctx, http.MethodPut, uri, body)
	if err != nil {
		return 0, nil, nil, err
	}
	// A body net/http cannot rewind is never resent by it on a broken
	// connection; the session's status query decides what happens next.
	req.ContentLength = n
	req.Header.Set("Content-Type", uploadType(m))
	req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", offset, offset+n-1, size))
	status, header, answer, err := a.do(req)
	// net/http may still be writing the body after Do returns (an answer
	// that came early, a broken connection); cut it off from src first.
	body.detach()
	if err != nil {
		if src.err != nil {
			return 0, nil, nil, src.err
		}
		if src.eof && src.pos-before < n {
			return 0, nil, nil, serentak.NewPublishError(serentak.Rejected, "media_truncated",
				"the video's bytes ended at %d, before its size of %d bytes; upload the video again", src.pos, size)
		}
		kind, may := serentak.Transient, ""
		if offset+n == size {
			// The last byte may have arrived and made the video.
			kind, may = serentak.Unknown, " The video may exist;"
		}
		return 0, nil, nil, &serentak.PublishError{Kind: kind, Code: "upload_interrupted", Err: netErr(err), Message: fmt.Sprintf(
			"the connection to YouTube broke while sending bytes %d-%d of %d (%v).%s the next attempt asks the upload session what arrived and resumes from there",
			offset, offset+n-1, size, netErr(err), may)}
	}
	return status, header, answer, nil
}

// recordVideo saves the video YouTube made. The video exists either way,
// so a failed save does not fail the publish: the session still answers
// with the video if a later attempt must ask.
func (a *attempt) recordVideo(ctx context.Context, v *videoResource) error {
	a.cp[cpVideoID] = v.ID
	a.cp[cpUploadedAt] = a.now().UTC().Format(time.RFC3339Nano)
	a.cp[cpPrivacy] = v.Status.PrivacyStatus
	if v.Status.PublishAt != "" {
		a.cp[cpPublishAt] = v.Status.PublishAt
	}
	delete(a.cp, cpFinalSent)
	_ = a.save(ctx)
	return nil
}

// uploadType is the media type sent for the video: YouTube takes video/*
// or application/octet-stream.
func uploadType(m serentak.MediaRef) string {
	if mt, _, err := mime.ParseMediaType(m.ContentType); err == nil && strings.HasPrefix(mt, "video/") {
		return mt
	}
	return "application/octet-stream"
}

// newRequest builds a request with the access token in the Authorization
// header, never in the URL. The token goes only to the API's own host: a
// session URI is YouTube's to choose, and its upload_id authorizes the
// upload by itself, so one pointing elsewhere gets the bytes, not the
// token.
func (a *attempt) newRequest(ctx context.Context, method, u string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &serentak.PublishError{Kind: serentak.Rejected, Err: err,
			Message: fmt.Sprintf("could not build the YouTube request (%v); check SERENTAK_YOUTUBE_API_URL", netErr(err))}
	}
	if req.URL.Host == a.baseHost {
		req.Header.Set("Authorization", "Bearer "+a.req.Account.Token.AccessToken)
	}
	// Never an Idempotency-Key header: net/http would then treat the POST
	// as idempotent and might resend it on a broken connection.
	return req, nil
}

func (a *attempt) do(req *http.Request) (int, http.Header, []byte, error) {
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, resp.Header, b, nil
}

// chunkBody is one chunk's request body. Once detached it reads nothing
// more, so the media stream is the attempt's alone again even if net/http's
// writer goroutine outlives the request.
type chunkBody struct {
	mu       sync.Mutex
	r        io.Reader
	detached bool
}

var errDetached = errors.New("youtube: chunk body read after its request ended")

func (c *chunkBody) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.detached {
		return 0, errDetached
	}
	return c.r.Read(p)
}

func (c *chunkBody) detach() {
	c.mu.Lock()
	c.detached = true
	c.mu.Unlock()
}
