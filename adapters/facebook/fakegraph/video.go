package fakegraph

import (
	"strconv"
	"time"
)

// Videos: the Page videos edge's resumable upload and the video status a
// poller reads.
//
// Resumable upload (Video API, Publishing, "Resumable Upload":
// https://developers.facebook.com/docs/video-api/guides/publishing; the
// version of the guide that documents the upload phases on the Page's own
// /videos edge with the Page access token — the current version sends the
// bytes through the Resumable Upload API, /{app-id}/uploads, with a User
// token instead; docs/platforms/facebook.md#videos):
//
//	POST {page}/videos upload_phase=start file_size=N
//	  → {"video_id","upload_session_id","start_offset":"0","end_offset":"C"}
//	POST {page}/videos upload_phase=transfer upload_session_id start_offset
//	     video_file_chunk=<bytes start_offset..end_offset>
//	  → {"start_offset":"C","end_offset":"2C"}   (equal when every byte is in)
//	POST {page}/videos upload_phase=finish upload_session_id title description
//	  → {"success":true}
//
// The server names each chunk's range; a transfer whose start_offset is not
// the one the server expects is refused with 1363037 and the expected
// offsets in error_data *(practice: the subcode and error_data are what
// open-source uploaders handle; Meta's guide only says to send the offsets
// the last answer gave)*.
//
// Video status (Video Status reference,
// https://developers.facebook.com/docs/graph-api/reference/video-status;
// Reels publishing, "Get upload session status",
// https://developers.facebook.com/docs/video-api/guides/reels-publishing):
// GET {video-id}?fields=status answers video_status (processing, ready,
// error…) and the uploading_phase, processing_phase and publishing_phase
// objects, each with a status of not_started, in_progress, complete or
// error.

// DefaultChunkSize is the chunk size the fake names in its offsets.
const DefaultChunkSize = 256 << 10

// offsetMismatch is the subcode of a transfer sent at the wrong offset.
const offsetMismatch = 1363037

// WithChunkSize sets the chunk size the fake asks for (under 1 MiB: the
// fake reads no larger body).
func WithChunkSize(n int64) Option { return func(s *Server) { s.chunkSize = n } }

// SetVideoProcessing sets how many status reads each video made from now
// on answers as still processing, and, when failMessage is not empty, that
// its processing then fails with that message instead of completing. The
// default is 0: a video is ready at its first status read, so suites that
// are not about processing (chaos, benchmarks) see no Pending.
func (s *Server) SetVideoProcessing(reads int, failMessage string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.processingReads, s.processingFail = reads, failMessage
}

// VideoBytes returns the bytes a resumable upload assembled for a video,
// and whether the video was uploaded that way.
func (s *Server) VideoBytes(videoID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.videos[videoID]
	if v == nil || v.session == "" {
		return nil, false
	}
	return append([]byte(nil), v.data...), true
}

// newVideoLocked registers a video of the page.
func (s *Server) newVideoLocked(pageID string) *video {
	v := &video{id: s.newIDLocked(), pageID: pageID, processingReads: s.processingReads, processingFail: s.processingFail}
	s.videos[v.id] = v
	return v
}

// uploadPhase serves POST {page}/videos with an upload_phase.
func (s *Server) uploadPhase(pageID string, p params, at time.Time) (any, *graphErr) {
	switch p.get("upload_phase") {
	case "start":
		size, err := strconv.ParseInt(p.get("file_size"), 10, 64)
		if err != nil || size <= 0 {
			return nil, errf(100, 0, "(#100) param file_size must be a positive integer")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		v := s.newVideoLocked(pageID)
		v.session, v.size = s.newIDLocked(), size
		s.sessions[v.session] = v
		return map[string]any{"video_id": v.id, "upload_session_id": v.session,
			"start_offset": "0", "end_offset": strconv.FormatInt(min(s.chunkSize, size), 10)}, nil
	case "transfer":
		s.mu.Lock()
		defer s.mu.Unlock()
		v, e := s.sessionLocked(pageID, p)
		if e != nil {
			return nil, e
		}
		if v.finished {
			return nil, errf(100, 0, "(#100) upload session %s is already finished", v.session)
		}
		start, err := strconv.ParseInt(p.get("start_offset"), 10, 64)
		end := min(v.next+s.chunkSize, v.size)
		if err != nil || start != v.next {
			e := errf(100, offsetMismatch, "(#100) Start offset mismatch: the chunk must start at %d", v.next)
			e.data = map[string]any{"start_offset": strconv.FormatInt(v.next, 10), "end_offset": strconv.FormatInt(end, 10)}
			return nil, e
		}
		chunk, ok := p.files["video_file_chunk"]
		if !ok {
			return nil, errf(100, 0, "(#100) param video_file_chunk is required: the chunk's bytes as a multipart file")
		}
		if int64(len(chunk)) != end-start {
			return nil, errf(100, 0, "(#100) the chunk has %d bytes; bytes %d to %d (%d) were asked for", len(chunk), start, end, end-start)
		}
		v.data = append(v.data, chunk...)
		v.next = end
		next := min(v.next+s.chunkSize, v.size)
		return map[string]any{"start_offset": strconv.FormatInt(v.next, 10), "end_offset": strconv.FormatInt(next, 10)}, nil
	case "finish":
		s.mu.Lock()
		defer s.mu.Unlock()
		v, e := s.sessionLocked(pageID, p)
		if e != nil {
			return nil, e
		}
		if v.next != v.size {
			return nil, errf(100, 0, "(#100) upload session %s has %d of %d bytes; transfer the rest before finishing", v.session, v.next, v.size)
		}
		if v.finished {
			return nil, errf(100, 0, "(#100) upload session %s is already finished", v.session)
		}
		_, when, e := schedule(p, at, false)
		if e != nil {
			return nil, e
		}
		v.finished = true
		s.posts = append(s.posts, &Post{
			ID: v.id, PageID: pageID, Message: p.get("description"), Title: p.get("title"),
			VideoID: v.id, CreatedAt: at, ScheduledFor: when, Kind: KindVideo,
		})
		return map[string]any{"success": true}, nil
	}
	return nil, errf(100, 0, "(#100) param upload_phase must be one of start, transfer, finish")
}

func (s *Server) sessionLocked(pageID string, p params) (*video, *graphErr) {
	v := s.sessions[p.get("upload_session_id")]
	if v == nil || v.pageID != pageID {
		return nil, errf(100, 0, "(#100) param upload_session_id: no such upload session for this Page")
	}
	return v, nil
}

// videoStatus is the status object of a video, one read further along.
func (s *Server) videoStatusLocked(v *video) map[string]any {
	phase := func(st string) map[string]any { return map[string]any{"status": st} }
	if v.session != "" && !v.finished {
		up := "in_progress"
		if v.next == v.size {
			up = "complete"
		}
		return map[string]any{"video_status": "upload_complete", "uploading_phase": phase(up),
			"processing_phase": phase("not_started"), "publishing_phase": phase("not_started")}
	}
	v.statusReads++
	if v.statusReads <= v.processingReads {
		return map[string]any{"video_status": "processing", "uploading_phase": phase("complete"),
			"processing_phase": phase("in_progress"), "publishing_phase": phase("not_started")}
	}
	if v.processingFail != "" {
		failed := phase("error")
		failed["errors"] = []map[string]any{{"code": 1363008, "message": v.processingFail}}
		return map[string]any{"video_status": "error", "uploading_phase": phase("complete"),
			"processing_phase": failed, "publishing_phase": phase("not_started")}
	}
	pub := phase("complete")
	pub["publish_status"] = "published"
	return map[string]any{"video_status": "ready", "uploading_phase": phase("complete"),
		"processing_phase": phase("complete"), "publishing_phase": pub}
}
