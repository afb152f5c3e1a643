package tiktok

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

const (
	maxVideoSize = 4 << 30
	// uploadURLLife is how long an upload_url works; uploadMargin keeps a
	// resumed upload from starting on a link about to expire.
	uploadURLLife = time.Hour
	uploadMargin  = 5 * time.Minute
	// maxResyncs bounds how often one attempt follows TikTok's progress
	// after a 416.
	maxResyncs = 2
)

// chunkPlan is a FILE_UPLOAD's source_info.
type chunkPlan struct {
	size, chunk int64
	count       int
}

// planChunks follows the media transfer guide: total_chunk_count =
// floor(video_size / chunk_size), the final chunk absorbing the trailing
// bytes (so it is less than two chunks, at most 128 MB); a video no larger
// than one chunk goes whole; at most 1000 chunks.
func planChunks(size, chunk int64) chunkPlan {
	if size <= chunk {
		return chunkPlan{size: size, chunk: size, count: 1}
	}
	if size/chunk > maxChunkCount {
		chunk = (size + maxChunkCount - 1) / maxChunkCount
	}
	return chunkPlan{size: size, chunk: chunk, count: int(size / chunk)}
}

// chunkLen is the length of chunk i (0-based).
func (p chunkPlan) chunkLen(i int) int64 {
	if i == p.count-1 {
		return p.size - int64(p.count-1)*p.chunk
	}
	return p.chunk
}

// videoFile is an open video and how far it has been read.
type videoFile struct {
	rc   io.ReadCloser
	size int64
	pos  int64
	temp string // a spooled copy to remove on Close
}

func (f *videoFile) Read(b []byte) (int, error) {
	n, err := f.rc.Read(b)
	f.pos += int64(n)
	return n, err
}

func (f *videoFile) Close() error {
	err := f.rc.Close()
	if f.temp != "" {
		os.Remove(f.temp)
	}
	return err
}

// openVideo opens the video's bytes. When their size is unknown they are
// spooled to a temporary file first: the init must state it exactly.
func (a *attempt) openVideo(ctx context.Context, m serentak.MediaRef) (*videoFile, error) {
	if a.req.OpenMediaFunc == nil {
		return nil, serentak.NewPublishError(serentak.Rejected, "", "the video's bytes cannot be read for the upload to TikTok")
	}
	rc, size, err := a.req.OpenMediaFunc(ctx, m)
	if err != nil {
		return nil, &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: fmt.Sprintf("could not read the video for the upload to TikTok: %v", err)}
	}
	f := &videoFile{rc: rc, size: size}
	if size < 0 {
		if f, err = spool(rc); err != nil {
			return nil, &serentak.PublishError{Kind: serentak.Transient, Err: err,
				Message: fmt.Sprintf("could not buffer the video for the upload to TikTok: %v", err)}
		}
	}
	switch {
	case f.size == 0:
		f.Close()
		return nil, serentak.NewPublishError(serentak.Rejected, "", "the video file is empty")
	case f.size > maxVideoSize:
		f.Close()
		return nil, serentak.NewPublishError(serentak.Rejected, "", "the video is %d bytes; TikTok takes videos of at most 4 GB", f.size)
	}
	return f, nil
}

func spool(rc io.ReadCloser) (*videoFile, error) {
	defer rc.Close()
	tmp, err := os.CreateTemp("", "serentak-tiktok-*")
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(tmp, io.LimitReader(rc, maxVideoSize+1))
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return &videoFile{rc: tmp, size: n, temp: tmp.Name()}, nil
}

// seekTo positions f at off: forward by reading, backward by reopening.
func (a *attempt) seekTo(ctx context.Context, m serentak.MediaRef, f *videoFile, off int64) error {
	if s, ok := f.rc.(io.Seeker); ok {
		if _, err := s.Seek(off, io.SeekStart); err != nil {
			return err
		}
		f.pos = off
		return nil
	}
	if off < f.pos {
		rc, _, err := a.req.OpenMediaFunc(ctx, m)
		if err != nil {
			return err
		}
		f.rc.Close()
		f.rc, f.pos = rc, 0
	}
	_, err := io.CopyN(io.Discard, f, off-f.pos)
	return err
}

// resumeUpload carries on an upload an earlier attempt began.
func (a *attempt) resumeUpload(ctx context.Context) (serentak.Result, error) {
	initAt, _ := time.Parse(time.RFC3339Nano, a.cp[cpInitAt])
	size := a.cpInt(cpVideoSize)
	if a.now().Sub(initAt) >= uploadURLLife-uploadMargin {
		// The link is (nearly) dead. If TikTok got every byte anyway (a
		// final chunk whose answer was lost), the post is processing;
		// otherwise it can never complete, and a fresh start is safe.
		st, err := a.status(ctx)
		if err != nil {
			return serentak.Result{}, err
		}
		if st.UploadedBytes >= size || (st.Status != statusProcessingUpload && st.Status != "") {
			a.cp[cpUploaded] = "1"
			_ = a.save(ctx)
			return a.handleStatus(ctx, st)
		}
		a.forget()
		if err := a.save(ctx); err != nil {
			return serentak.Result{}, saveFailed(err)
		}
		return a.start(ctx)
	}
	m := a.req.Content.Media[0]
	f, err := a.openVideo(ctx, m)
	if err != nil {
		return serentak.Result{}, err
	}
	defer f.Close()
	if f.size != size {
		a.forget()
		_ = a.save(ctx)
		return serentak.Result{}, serentak.NewPublishError(serentak.Transient, "",
			"the video is now %d bytes but the upload to TikTok was started for %d; the next attempt starts again", f.size, size)
	}
	if err := a.upload(ctx, m, f); err != nil {
		return serentak.Result{}, err
	}
	return serentak.Result{}, a.submitted()
}

// upload PUTs the chunks from cp[chunks_done] on, in order, saving the
// progress after each.
func (a *attempt) upload(ctx context.Context, m serentak.MediaRef, f *videoFile) error {
	plan := chunkPlan{size: a.cpInt(cpVideoSize), chunk: a.cpInt(cpChunkSize), count: int(a.cpInt(cpChunks))}
	if plan.size != f.size || plan.chunk <= 0 || plan.count <= 0 {
		a.forget()
		_ = a.save(ctx)
		return serentak.NewPublishError(serentak.Transient, "", "the saved upload plan does not fit the video; the next attempt starts again")
	}
	ct, err := videoType(m)
	if err != nil {
		return err
	}
	done := int(a.cpInt(cpChunksDone))
	resyncs := 0
	for done < plan.count {
		first := int64(done) * plan.chunk
		if err := a.seekTo(ctx, m, f, first); err != nil {
			return &serentak.PublishError{Kind: serentak.Transient, Err: err,
				Message: fmt.Sprintf("could not read the video at byte %d: %v", first, err)}
		}
		n := plan.chunkLen(done)
		ans, err := a.put(ctx, a.cp[cpUploadURL], io.LimitReader(f, n), ct, first, n, plan.size)
		if err != nil {
			return &serentak.PublishError{Kind: serentak.Transient, Err: err, Message: fmt.Sprintf(
				"the upload of chunk %d of %d to TikTok was interrupted (%v); the next attempt resumes from it", done+1, plan.count, err)}
		}
		switch {
		case ans.status == http.StatusCreated || ans.status == http.StatusPartialContent:
			done++
			a.setInt(cpChunksDone, int64(done))
			if ans.status == http.StatusCreated || done == plan.count {
				a.cp[cpUploaded] = "1"
			}
			// Each save also extends the worker's lease; one that fails
			// (the database is down, or another worker has taken the
			// delivery over) stops the upload. The next attempt resends
			// this chunk, and TikTok answers 416 with its real progress.
			if err := a.save(ctx); err != nil {
				return saveFailed(err)
			}
			if a.cp[cpUploaded] == "1" {
				return nil
			}
		case ans.status == http.StatusRequestedRangeNotSatisfiable:
			got, ok := uploadedBytes(ans.header)
			if !ok {
				st, err := a.status(ctx)
				if err != nil {
					return err
				}
				got = st.UploadedBytes
			}
			if got >= plan.size {
				a.cp[cpUploaded] = "1"
				_ = a.save(ctx)
				return nil
			}
			if got%plan.chunk != 0 || resyncs >= maxResyncs {
				a.forget()
				_ = a.save(ctx)
				return serentak.NewPublishError(serentak.Transient, "http_416",
					"TikTok's upload progress (%d bytes) does not fit the chunks sent; the unfinished upload cannot be posted, so the next attempt starts again", got)
			}
			resyncs++
			done = int(got / plan.chunk)
			a.setInt(cpChunksDone, int64(done))
			if err := a.save(ctx); err != nil {
				return saveFailed(err)
			}
		case ans.status == http.StatusForbidden || ans.status == http.StatusNotFound:
			// An unfinished upload whose link is gone can never be
			// posted: starting again is safe.
			a.forget()
			_ = a.save(ctx)
			return serentak.NewPublishError(serentak.Transient, "http_"+strconv.Itoa(ans.status),
				"TikTok's upload link expired or was dropped before the upload finished (HTTP %d); the unfinished upload cannot be posted, so the next attempt starts again", ans.status)
		case ans.status >= 500:
			return serentak.NewPublishError(serentak.Transient, "http_"+strconv.Itoa(ans.status),
				"TikTok failed to take chunk %d of %d (HTTP %d); the next attempt sends it again", done+1, plan.count, ans.status)
		default:
			return serentak.NewPublishError(serentak.Rejected, "http_"+strconv.Itoa(ans.status),
				"TikTok refused chunk %d of %d of the upload (HTTP %d: %s)", done+1, plan.count, ans.status, strings.TrimSpace(string(ans.body)))
		}
	}
	return nil
}

// put sends one chunk. The upload_url carries its own upload_token; the
// bearer token is not sent to the upload host.
func (a *attempt) put(ctx context.Context, uploadURL string, body io.Reader, ct string, first, n, total int64) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, uploadURL, body)
	if err != nil {
		return answer{}, fmt.Errorf("building the upload request: %w", netError(err))
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, first+n-1, total))
	return a.do(req)
}

// uploadedBytes reads the progress TikTok reports in Content-Range:
// "bytes 0-{last}/{total}".
func uploadedBytes(h http.Header) (int64, bool) {
	v, ok := strings.CutPrefix(h.Get("Content-Range"), "bytes 0-")
	if !ok {
		return 0, false
	}
	last, _, ok := strings.Cut(v, "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(last, 10, 64)
	if err != nil {
		return 0, false
	}
	return n + 1, true
}

// videoType is the upload's Content-Type: one of the three TikTok takes.
func videoType(m serentak.MediaRef) (string, error) {
	switch ct := strings.ToLower(strings.TrimSpace(strings.Split(m.ContentType, ";")[0])); ct {
	case "":
		return "video/mp4", nil
	case "video/mp4", "video/quicktime", "video/webm":
		return ct, nil
	default:
		return "", serentak.NewPublishError(serentak.Rejected, "", "TikTok takes MP4, MOV or WebM videos, not %s", ct)
	}
}

// uploadToken is the secret part of an upload_url, for redaction.
func uploadToken(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Query().Get("upload_token")
}
