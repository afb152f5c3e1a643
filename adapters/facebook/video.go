package facebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Videos (docs/platforms/facebook.md#videos).
//
// A video is sent one of two ways:
//
//   - by URL: POST /{page-id}/videos file_url=…, Facebook fetches it;
//   - in chunks, when it is over 1 GB or Facebook cannot fetch it (an
//     upload with no public URL): the resumable upload of the Page's
//     videos edge, upload_phase=start (file_size) → transfer
//     (upload_session_id, start_offset, video_file_chunk) until the server
//     names no more bytes → finish (title, description). Video API,
//     Publishing, "Resumable Upload"
//     (https://developers.facebook.com/docs/video-api/guides/publishing).
//     That version of the guide makes every phase with the Page access
//     token; the current version uploads through the Resumable Upload API
//     (/{app-id}/uploads) with a User access token, which Serentak does not
//     keep (connecting keeps Page tokens only), so the Page-token form is
//     the one used.
//
// Every chunk the server acknowledges is checkpointed (the session, the
// video ID, the next start_offset), so a worker that dies mid-upload
// resumes at the acknowledged offset in the same session: one video, never
// a second. If the server got a chunk whose acknowledgement was lost, it
// refuses the resent chunk with 1363037 and the offsets it expects, and the
// upload goes on from there.
//
// A video is published only when Facebook says so: after the call that
// makes it public, GET /{video-id}?fields=status is read (Video Status
// reference, https://developers.facebook.com/docs/graph-api/reference/video-status)
// and Publish answers Pending, with a growing retry hint, while
// video_status is processing or the publishing phase is not complete.
// processing_phase or video_status "error" fails the delivery with
// Facebook's reason. A video still processing maxVideoProcessing after it
// was sent is reported published with a warning (Result.Warnings): it is
// on the Page, and Facebook finishes it on its own.

// Video checkpoint keys.
const (
	// cpVideoID is the video's ID once the call that makes it public
	// succeeded (file_url POST or finish); cpVideoAt is when.
	cpVideoID = "video_id"
	cpVideoAt = "video_at"
	// A resumable upload's session, its video's ID, and the next byte
	// range the server asked for.
	cpUploadSession = "upload_session_id"
	cpUploadVideo   = "upload_video_id"
	cpUploadStart   = "upload_start_offset"
	cpUploadEnd     = "upload_end_offset"
)

// Steps of a resumable upload; stepFinish makes the video public.
const (
	stepUploadStart = "video_upload_start"
	stepTransfer    = "video_transfer"
	stepFinish      = "video_finish"
)

const (
	// chunkedAbove is the size above which a video is always uploaded in
	// chunks (the rule: file_url is for videos up to 1 GB).
	chunkedAbove = 1 << 30
	// maxVideoProcessing is how long a sent video may process before it
	// is reported published with a warning.
	maxVideoProcessing = time.Hour
	// Status checks back off from firstVideoPoll to maxVideoPoll.
	firstVideoPoll = 5 * time.Second
	maxVideoPoll   = time.Minute
)

// chunked says whether a video goes up in chunks: over 1 GB, or without a
// URL Facebook could fetch — an upload whose public link is missing
// (SERENTAK_PUBLIC_URL not set) or points at a loopback or private
// address — while its bytes can be read.
func chunked(m serentak.MediaRef, req serentak.PublishRequest) bool {
	if req.OpenMediaFunc == nil {
		return false
	}
	if m.Size > chunkedAbove {
		return true
	}
	if m.URL != "" {
		return false
	}
	if req.MediaURLFunc == nil {
		return true
	}
	u, err := req.MediaURLFunc(m)
	return err != nil || !publiclyReachable(u)
}

// publiclyReachable says whether a URL could be fetched from the internet
// as far as its text tells: not localhost, not a loopback, private,
// link-local or unspecified address. Names are not resolved.
func publiclyReachable(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())
	}
	return true
}

func (a *attempt) publishVideo(ctx context.Context) (serentak.Result, error) {
	if a.CP[cpVideoID] != "" {
		return a.awaitVideo(ctx)
	}
	m := a.Req.Content.Media[0]
	if chunked(m, a.Req) || a.CP[cpUploadSession] != "" {
		return a.uploadVideo(ctx, m)
	}
	u, err := a.MediaURL(m)
	if err != nil {
		return serentak.Result{}, err
	}
	body := map[string]any{"file_url": u, "description": a.Req.Content.Text}
	if a.Req.Content.Title != "" {
		body["title"] = a.Req.Content.Title
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.post(ctx, stepVideo, true, a.page+"/videos", "", body, &out); err != nil {
		return serentak.Result{}, err
	}
	if out.ID == "" {
		return serentak.Result{}, serentak.NewPublishError(serentak.Unknown, "",
			"Facebook accepted the video but returned no ID; the next attempt looks it up")
	}
	if err := a.videoSent(ctx, out.ID, a.Now()); err != nil {
		return serentak.Result{}, err
	}
	return a.awaitVideo(ctx)
}

// videoSent records that the video is on its way to the Page.
func (a *attempt) videoSent(ctx context.Context, id string, at time.Time) error {
	a.CP[cpVideoID] = id
	a.CP[cpVideoAt] = at.UTC().Format(time.RFC3339Nano)
	if err := a.Save(ctx); err != nil {
		// The video exists; without the record the next attempt finds
		// it by reconciling.
		return &serentak.PublishError{Kind: serentak.Unknown, Err: err,
			Message: fmt.Sprintf("Facebook accepted the video %s but the checkpoint could not be saved (%v); the next attempt looks it up", id, err)}
	}
	return nil
}

// phase is one phase object of a video's status.
type phase struct {
	Status string `json:"status"`
	Errors []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// videoStatus is GET /{video-id}?fields=status,permalink_url.
type videoStatus struct {
	Permalink string `json:"permalink_url"`
	Status    struct {
		VideoStatus string `json:"video_status"`
		Uploading   *phase `json:"uploading_phase"`
		Processing  *phase `json:"processing_phase"`
		Publishing  *phase `json:"publishing_phase"`
	} `json:"status"`
}

// awaitVideo checks the sent video once: Pending while Facebook processes
// it, Rejected if processing failed, the result once it is published.
func (a *attempt) awaitVideo(ctx context.Context) (serentak.Result, error) {
	id := a.CP[cpVideoID]
	sent, err := time.Parse(time.RFC3339Nano, a.CP[cpVideoAt])
	if err != nil {
		sent = a.Now()
	}
	since := a.Now().Sub(sent)
	wait := min(maxVideoPoll, max(firstVideoPoll, since/4))
	pending := func(format string, args ...any) error {
		return &serentak.PublishError{Kind: serentak.Pending, Code: "processing", RetryAfter: wait, Message: fmt.Sprintf(format, args...)}
	}
	var st videoStatus
	if err := a.Get(ctx, id, url.Values{"fields": {"status,permalink_url"}}, &st); err != nil {
		// A throttled read waits as Facebook says; a refused one (the
		// token) is the account's problem; only a failed read is a
		// processing check to try again.
		var pe *serentak.PublishError
		if errors.As(err, &pe) && pe.Kind != serentak.Transient {
			return serentak.Result{}, err
		}
		return serentak.Result{}, pending("Facebook has the video %s; reading its processing status failed (%v) and is tried again", id, err)
	}
	s := st.Status
	for _, p := range []*phase{s.Uploading, s.Processing, s.Publishing} {
		if p != nil && p.Status == "error" {
			return serentak.Result{}, videoFailed(id, p)
		}
	}
	if s.VideoStatus == "error" {
		return serentak.Result{}, videoFailed(id, s.Processing)
	}
	published := s.VideoStatus == "ready" && (s.Publishing == nil || s.Publishing.Status == "complete")
	if published {
		return a.finish(ctx, id, st.Permalink)
	}
	if since >= maxVideoProcessing {
		a.warn(serentak.WarnFacebookVideoProcessing, "after", maxVideoProcessing.String(), "status", strconv.Quote(s.VideoStatus))
		return a.finish(ctx, id, st.Permalink)
	}
	return serentak.Result{}, pending("Facebook is processing the video %s (video_status %q); it is checked again", id, s.VideoStatus)
}

func videoFailed(id string, p *phase) *serentak.PublishError {
	why := "Facebook could not process the video"
	code := "video_error"
	if p != nil && len(p.Errors) > 0 {
		why = "Facebook could not process the video: " + p.Errors[0].Message
		code += "/" + strconv.Itoa(p.Errors[0].Code)
	}
	return serentak.NewPublishError(serentak.Rejected, code, "%s (video %s); export it again (MP4, H.264, AAC) and post again", why, id)
}

// uploadVideo runs (or resumes) the resumable upload of the Page's videos
// edge, then waits for processing.
func (a *attempt) uploadVideo(ctx context.Context, m serentak.MediaRef) (serentak.Result, error) {
	// A lost answer to finish: the video's own status says whether it
	// happened (finish is the only call that starts processing).
	if a.CP[cpStep] == stepFinish {
		var st videoStatus
		if err := a.Get(ctx, a.CP[cpUploadVideo], url.Values{"fields": {"status"}}, &st); err != nil {
			return serentak.Result{}, err
		}
		if p := st.Status.Processing; p != nil && p.Status != "" && p.Status != "not_started" {
			if err := a.videoSent(ctx, a.CP[cpUploadVideo], a.Now()); err != nil {
				return serentak.Result{}, err
			}
			return a.awaitVideo(ctx)
		}
	}
	body, size, err := a.Req.OpenMediaFunc(ctx, m)
	if err != nil {
		return serentak.Result{}, &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: fmt.Sprintf("could not read the video to upload it to Facebook: %v", err)}
	}
	defer body.Close()
	if size < 0 {
		size = m.Size
	}
	if size <= 0 {
		return serentak.Result{}, serentak.NewPublishError(serentak.Rejected, "", "the video's size is not known, and Facebook's chunked upload needs it")
	}
	if a.CP[cpUploadSession] == "" {
		// A session no one uses is invisible: not a final step.
		var out struct {
			VideoID   string `json:"video_id"`
			SessionID string `json:"upload_session_id"`
			Start     string `json:"start_offset"`
			End       string `json:"end_offset"`
		}
		q := map[string]any{"upload_phase": "start", "file_size": strconv.FormatInt(size, 10)}
		if err := a.post(ctx, stepUploadStart, false, a.page+"/videos", "", q, &out); err != nil {
			return serentak.Result{}, err
		}
		if out.SessionID == "" || out.VideoID == "" {
			return serentak.Result{}, serentak.NewPublishError(serentak.Transient, "", "Facebook started no upload session for the video")
		}
		a.CP[cpUploadSession], a.CP[cpUploadVideo] = out.SessionID, out.VideoID
		a.CP[cpUploadStart], a.CP[cpUploadEnd] = out.Start, out.End
		if err := a.Save(ctx); err != nil {
			return serentak.Result{}, a.SaveFailed(err)
		}
	}
	var read int64 // bytes of body consumed
	for {
		start, err1 := strconv.ParseInt(a.CP[cpUploadStart], 10, 64)
		end, err2 := strconv.ParseInt(a.CP[cpUploadEnd], 10, 64)
		if err1 != nil || err2 != nil || start < read || end < start || end > size {
			return serentak.Result{}, serentak.NewPublishError(serentak.Transient, "",
				"Facebook asked for video bytes %q to %q of %d, which cannot be sent", a.CP[cpUploadStart], a.CP[cpUploadEnd], size)
		}
		if start == end {
			break
		}
		// Skip what the server already has, then read the asked range.
		if _, err := io.CopyN(io.Discard, body, start-read); err != nil {
			return serentak.Result{}, readFailed(err)
		}
		chunk := make([]byte, end-start)
		if _, err := io.ReadFull(body, chunk); err != nil {
			return serentak.Result{}, readFailed(err)
		}
		read = end
		next, err := a.transfer(ctx, start, chunk)
		if err != nil {
			var mismatch *offsetError
			if !errors.As(err, &mismatch) {
				return serentak.Result{}, err
			}
			// The server has more (or less) than the checkpoint said: go
			// on from where it says. Reading backwards needs a new read.
			if mismatch.start < read {
				a.CP[cpUploadStart], a.CP[cpUploadEnd] = strconv.FormatInt(mismatch.start, 10), strconv.FormatInt(mismatch.end, 10)
				if err := a.Save(ctx); err != nil {
					return serentak.Result{}, a.SaveFailed(err)
				}
				return serentak.Result{}, &serentak.PublishError{Kind: serentak.Transient, Err: err,
					Message: fmt.Sprintf("Facebook asks for the video again from byte %d; the next attempt resumes there", mismatch.start)}
			}
			next = *mismatch
		}
		a.CP[cpUploadStart], a.CP[cpUploadEnd] = strconv.FormatInt(next.start, 10), strconv.FormatInt(next.end, 10)
		if err := a.Save(ctx); err != nil {
			// The chunk is in; the next attempt resends it and the server
			// names the right offset.
			return serentak.Result{}, a.SaveFailed(err)
		}
	}
	fields := map[string]any{"upload_phase": "finish", "upload_session_id": a.CP[cpUploadSession], "description": a.Req.Content.Text}
	if a.Req.Content.Title != "" {
		fields["title"] = a.Req.Content.Title
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := a.post(ctx, stepFinish, true, a.page+"/videos", "", fields, &out); err != nil {
		return serentak.Result{}, err
	}
	if !out.Success {
		return serentak.Result{}, serentak.NewPublishError(serentak.Unknown, "", "Facebook answered the video's finish without success; the next attempt reads the video's status")
	}
	if err := a.videoSent(ctx, a.CP[cpUploadVideo], a.Now()); err != nil {
		return serentak.Result{}, err
	}
	return a.awaitVideo(ctx)
}

func readFailed(err error) error {
	return &serentak.PublishError{Kind: serentak.Transient, Err: err,
		Message: fmt.Sprintf("could not read the video while uploading it to Facebook: %v", err)}
}

// offsetError is a transfer refused because the server expects another
// byte range (subcode 1363037 with error_data), or the range the next
// transfer must send.
type offsetError struct{ start, end int64 }

func (e *offsetError) Error() string {
	return fmt.Sprintf("Facebook expects video bytes %d to %d", e.start, e.end)
}

// transfer sends one chunk as multipart (video_file_chunk is a file part)
// and returns the next range the server asks for.
func (a *attempt) transfer(ctx context.Context, start int64, chunk []byte) (offsetError, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range map[string]string{"upload_phase": "transfer", "upload_session_id": a.CP[cpUploadSession], "start_offset": strconv.FormatInt(start, 10)} {
		if err := w.WriteField(k, v); err != nil {
			return offsetError{}, err
		}
	}
	part, err := w.CreateFormFile("video_file_chunk", "chunk")
	if err != nil {
		return offsetError{}, err
	}
	part.Write(chunk)
	if err := w.Close(); err != nil {
		return offsetError{}, err
	}
	var out struct {
		Start string `json:"start_offset"`
		End   string `json:"end_offset"`
	}
	// A chunk is not public and the server checks its offset: resending
	// it is safe, so it is not a final step.
	if err := a.Step(ctx, graph.Call{Step: stepTransfer, Path: a.page + "/videos", ContentType: w.FormDataContentType(), Body: b.Bytes()}, &out); err != nil {
		return offsetError{}, err
	}
	s, err1 := strconv.ParseInt(out.Start, 10, 64)
	e, err2 := strconv.ParseInt(out.End, 10, 64)
	if err1 != nil || err2 != nil {
		return offsetError{}, serentak.NewPublishError(serentak.Transient, "", "Facebook's answer to a video chunk named no next offsets")
	}
	return offsetError{s, e}, nil
}

// offsetsOf reads the offsets a 1363037 refusal carries in error_data.
func offsetsOf(body []byte) (*offsetError, bool) {
	var env struct {
		Error struct {
			Data json.RawMessage `json:"error_data"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || len(env.Error.Data) == 0 {
		return nil, false
	}
	// error_data comes as an object, or as a JSON string holding one.
	raw := env.Error.Data
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	var d struct {
		Start json.Number `json:"start_offset"`
		End   json.Number `json:"end_offset"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if dec.Decode(&d) != nil {
		return nil, false
	}
	start, err1 := strconv.ParseInt(d.Start.String(), 10, 64)
	end, err2 := strconv.ParseInt(d.End.String(), 10, 64)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	return &offsetError{start, end}, true
}
