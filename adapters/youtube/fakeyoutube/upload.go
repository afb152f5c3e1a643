package fakeyoutube

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits the fake enforces (docs/platforms/youtube.md#limits).
const (
	maxTitleChars       = 100
	maxDescriptionBytes = 5000
	maxTagsChars        = 500
	maxMetadataBytes    = 64 << 10
)

// assignableCategories are the categories videoCategories.list gives as
// assignable for regionCode=US.
var assignableCategories = map[string]bool{
	"1": true, "2": true, "10": true, "15": true, "17": true, "19": true, "20": true, "22": true,
	"23": true, "24": true, "25": true, "26": true, "27": true, "28": true, "29": true,
}

// insertParts are the parts videos.insert accepts.
var insertParts = map[string]bool{
	"snippet": true, "status": true, "contentDetails": true, "recordingDetails": true, "localizations": true,
}

// metadata is the JSON body of a session start. Unknown fields are refused,
// as Google refuses them ("Invalid JSON payload received. Unknown name").
type metadata struct {
	Snippet *struct {
		Title                string   `json:"title"`
		Description          string   `json:"description"`
		Tags                 []string `json:"tags"`
		CategoryID           string   `json:"categoryId"`
		DefaultLanguage      string   `json:"defaultLanguage"`
		DefaultAudioLanguage string   `json:"defaultAudioLanguage"`
	} `json:"snippet"`
	Status *struct {
		PrivacyStatus           string `json:"privacyStatus"`
		PublishAt               string `json:"publishAt"`
		SelfDeclaredMadeForKids *bool  `json:"selfDeclaredMadeForKids"`
		ContainsSyntheticMedia  *bool  `json:"containsSyntheticMedia"`
		Embeddable              *bool  `json:"embeddable"`
		License                 string `json:"license"`
		PublicStatsViewable     *bool  `json:"publicStatsViewable"`
	} `json:"status"`
}

// start begins a resumable upload session.
func (s *Server) start(r *http.Request, at time.Time) (answer, *gErr) {
	channel, e := s.bearer(r, at)
	if e != nil {
		return answer{}, e
	}
	// Every call costs quota, valid or not; a spent bucket refuses all.
	// The bucket is the project's (this server is one project), whichever
	// channel's token made the call: "Projects that enable the YouTube
	// Data API have a default quota allocation of … 100 videos.insert
	// calls" (https://developers.google.com/youtube/v3/determine_quota_cost,
	// the introduction; https://developers.google.com/youtube/v3/guides/quota_and_compliance_audits).
	s.mu.Lock()
	s.rollQuotaLocked()
	if s.quotaUsed >= s.uploadQuota {
		s.mu.Unlock()
		return answer{}, errf("quotaExceeded", "")
	}
	s.quotaUsed++
	over := s.channelLimit > 0 && s.chanUsed[channel] >= s.channelLimit
	s.mu.Unlock()
	if over {
		return answer{}, errf("uploadLimitExceeded", "")
	}

	q := r.URL.Query()
	if q.Get("uploadType") != "resumable" {
		return answer{}, errf("badRequest", "fake: uploadType must be resumable (got %q)", q.Get("uploadType"))
	}
	parts := map[string]bool{}
	for _, p := range strings.Split(q.Get("part"), ",") {
		if !insertParts[p] {
			return answer{}, errf("invalidParameter", "fake: part %q is not a part videos.insert accepts", p)
		}
		parts[p] = true
	}
	if !parts["snippet"] {
		return answer{}, errf("invalidParameter", "fake: part must include snippet: a video needs a title")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return answer{}, errf("badRequest", "fake: the metadata must be sent as application/json (got %q)", r.Header.Get("Content-Type"))
	}
	total, err := strconv.ParseInt(r.Header.Get("X-Upload-Content-Length"), 10, 64)
	if err != nil || total <= 0 {
		return answer{}, errf("badRequest", "fake: X-Upload-Content-Length must give the video's size in bytes (got %q)", r.Header.Get("X-Upload-Content-Length"))
	}
	ctype := r.Header.Get("X-Upload-Content-Type")
	if mt, _, err := mime.ParseMediaType(ctype); err != nil || !(strings.HasPrefix(mt, "video/") || mt == "application/octet-stream") {
		return answer{}, errf("badRequest", "fake: X-Upload-Content-Type must be video/* or application/octet-stream (got %q)", ctype)
	}

	raw, err := io.ReadAll(io.LimitReader(r.Body, maxMetadataBytes+1))
	if err != nil || len(raw) > maxMetadataBytes {
		return answer{}, errf("badRequest", "fake: the metadata could not be read or is over %d bytes", maxMetadataBytes)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return answer{}, errf("badRequest", "Invalid JSON payload received. %v", err)
	}
	for k := range top {
		if !parts[k] {
			return answer{}, errf("invalidParameter", "fake: the body sets %q but part does not include it", k)
		}
	}
	var m metadata
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return answer{}, errf("badRequest", "Invalid JSON payload received. %v", err)
	}
	if e := validate(m, at); e != nil {
		return answer{}, e
	}

	s.mu.Lock()
	s.nextN++
	id := fmt.Sprintf("up-%06d-%s", s.nextN, randHex(6))
	ss := &session{Session: Session{ID: id, ChannelID: channel, Total: total, ContentType: ctype, CreatedAt: at}, meta: m}
	ss.hashState = marshalHash(sha256.New())
	s.sessions[id] = ss
	s.mu.Unlock()

	h := http.Header{}
	h.Set("Location", s.URL+uploadPath+"?uploadType=resumable&upload_id="+id+"&part="+q.Get("part"))
	h.Set("X-GUploader-UploadID", id)
	return answer{status: http.StatusOK, header: h}, nil
}

// validate applies videos.insert's rules for snippet and status.
func validate(m metadata, at time.Time) *gErr {
	sn := m.Snippet
	if sn == nil {
		return errf("invalidTitle", "The request metadata specifies an invalid or empty video title. (snippet is missing)")
	}
	if n := utf8.RuneCountInString(sn.Title); n == 0 || n > maxTitleChars || strings.ContainsAny(sn.Title, "<>") || !utf8.ValidString(sn.Title) {
		return errf("invalidTitle", "The request metadata specifies an invalid or empty video title. (%d characters; 1 to %d, no < or >)", n, maxTitleChars)
	}
	if len(sn.Description) > maxDescriptionBytes || strings.ContainsAny(sn.Description, "<>") || !utf8.ValidString(sn.Description) {
		return errf("invalidDescription", "The request metadata specifies an invalid video description. (%d bytes; at most %d, no < or >)", len(sn.Description), maxDescriptionBytes)
	}
	if n := TagsLength(sn.Tags); n > maxTagsChars {
		return errf("invalidTags", "The request metadata specifies invalid video keywords. (%d characters counted; at most %d)", n, maxTagsChars)
	}
	if !assignableCategories[sn.CategoryID] {
		return errf("invalidCategoryId", "")
	}
	st := m.Status
	if st == nil || st.PrivacyStatus == "" {
		return errf("invalidVideoMetadata", "fake: status.privacyStatus must be set (the API's default is undocumented)")
	}
	switch st.PrivacyStatus {
	case "public", "private", "unlisted":
	default:
		return errf("invalidVideoMetadata", "fake: status.privacyStatus %q is not public, private or unlisted", st.PrivacyStatus)
	}
	if st.SelfDeclaredMadeForKids == nil {
		return errf("invalidVideoMetadata", "fake: status.selfDeclaredMadeForKids must be sent explicitly")
	}
	if st.PublishAt != "" {
		t, err := time.Parse(time.RFC3339, st.PublishAt)
		switch {
		case err != nil:
			return errf("invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time. (%q is not ISO 8601)", st.PublishAt)
		case st.PrivacyStatus != "private":
			return errf("invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time. (publishAt needs privacyStatus private, not %q)", st.PrivacyStatus)
		case !t.After(at):
			return errf("invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time. (%s is not in the future)", st.PublishAt)
		}
	}
	return nil
}

// TagsLength counts tags the way YouTube does for its 500-character limit:
// the commas between tags count, and a tag with a space counts as if
// quoted.
func TagsLength(tags []string) int {
	n := 0
	for i, t := range tags {
		if i > 0 {
			n++
		}
		n += utf8.RuneCountInString(t)
		if strings.Contains(t, " ") {
			n += 2
		}
	}
	return n
}

// contentRange is a parsed Content-Range: bytes first-last/total, or
// bytes */total for a status query.
type contentRange struct {
	query       bool
	first, last int64
	total       int64
}

func parseContentRange(h string) (contentRange, error) {
	spec, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return contentRange{}, fmt.Errorf("Content-Range %q does not start with \"bytes \"", h)
	}
	rng, tot, ok := strings.Cut(spec, "/")
	if !ok {
		return contentRange{}, fmt.Errorf("Content-Range %q has no total", h)
	}
	total, err := strconv.ParseInt(tot, 10, 64)
	if err != nil || total <= 0 {
		return contentRange{}, fmt.Errorf("Content-Range %q: the total must be the size in bytes", h)
	}
	if rng == "*" {
		return contentRange{query: true, total: total}, nil
	}
	a, b, ok := strings.Cut(rng, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || first < 0 || last < first || last >= total {
		return contentRange{}, fmt.Errorf("Content-Range %q is not a range inside 0-%d", h, total-1)
	}
	return contentRange{first: first, last: last, total: total}, nil
}

// put answers a chunk or a status query on a session.
func (s *Server) put(r *http.Request, at time.Time, cut int64) (answer, int64, *gErr) {
	id := r.URL.Query().Get("upload_id")
	s.mu.Lock()
	ss := s.sessions[id]
	if ss != nil && !ss.Expired && at.Sub(ss.CreatedAt) >= s.sessionTTL {
		ss.Expired = true
	}
	s.mu.Unlock()
	if ss == nil || ss.Expired {
		return answer{}, 0, errf("notFound", "fake: no upload session %q (unknown or expired); start a new one", id)
	}
	cr, err := parseContentRange(r.Header.Get("Content-Range"))
	if err != nil {
		return answer{}, 0, errf("badRequest", "fake: %v", err)
	}
	if cr.total != ss.Total {
		return answer{}, 0, errf("badRequest", "fake: Content-Range total %d is not the X-Upload-Content-Length %d given at session start", cr.total, ss.Total)
	}
	if cr.query {
		if r.ContentLength != 0 {
			return answer{}, 0, errf("badRequest", "fake: a status query (bytes */N) must have an empty body")
		}
		return s.progress(ss), 0, nil
	}

	s.mu.Lock()
	done, received, busy := ss.done, ss.Received, ss.busy
	s.mu.Unlock()
	if done != nil {
		// The upload finished; its final answer stands, and no second
		// video is made.
		return s.progress(ss), 0, nil
	}
	if busy {
		return answer{}, 0, errf("backendError", "fake: another request is still writing to upload session %q", id)
	}
	n := cr.last - cr.first + 1
	final := cr.last == cr.total-1
	switch {
	case cr.first != received:
		return answer{}, 0, errf("badRequest", "fake: chunk starts at byte %d but the session has %d bytes; ask with bytes */%d and resume from there", cr.first, received, ss.Total)
	case r.ContentLength != n:
		return answer{}, 0, errf("badRequest", "fake: Content-Length %d does not match Content-Range %s (%d bytes)", r.ContentLength, r.Header.Get("Content-Range"), n)
	case !final && n%ChunkAlign != 0:
		return answer{}, 0, errf("badRequest", "fake: a non-final chunk must be a multiple of 262144 bytes (256 KiB); got %d", n)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != mediaType(ss.ContentType) {
		return answer{}, 0, errf("badRequest", "fake: chunk Content-Type %q is not the X-Upload-Content-Type %q", r.Header.Get("Content-Type"), ss.ContentType)
	}

	s.mu.Lock()
	if ss.busy || ss.Received != cr.first {
		s.mu.Unlock()
		return answer{}, 0, errf("backendError", "fake: another request is writing to upload session %q", id)
	}
	ss.busy = true
	s.mu.Unlock()
	read, complete := s.receive(ss, r.Body, cr.first, n, cut)
	if !complete {
		// A cut connection: nobody hears this answer.
		return answer{}, read, errf("badRequest", "fake: the chunk was cut after %d of %d bytes", read, n)
	}
	if final {
		s.complete(ss, at)
	}
	return s.progress(ss), read, nil
}

// receive reads a chunk into the session's hash. It keeps everything when
// the whole chunk arrives, and otherwise only what was received rounded
// down to 256 KiB, as the status query will then report.
func (s *Server) receive(ss *session, body io.Reader, first, n, cut int64) (read int64, complete bool) {
	h := sha256.New()
	unmarshalHash(h, ss.hashState)
	limit := n
	if cut > 0 && cut < n {
		limit = cut
	}
	// Remember the hash at the last 256 KiB boundary passed; first is a
	// boundary because every earlier chunk was a multiple of 256 KiB.
	keptAt, keptState := first, ss.hashState
	buf := make([]byte, 32<<10)
	for read < limit {
		want := min(int64(len(buf)), limit-read, ChunkAlign-(first+read)%ChunkAlign)
		m, err := io.ReadFull(body, buf[:want])
		h.Write(buf[:m])
		read += int64(m)
		if (first+read)%ChunkAlign == 0 {
			keptAt, keptState = first+read, marshalHash(h)
		}
		if err != nil {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss.busy = false
	if read == n {
		ss.Received, ss.hashState = first+n, marshalHash(h)
		return read, true
	}
	ss.Received, ss.hashState = keptAt, keptState
	return read, false
}

// complete turns a fully received session into a video.
func (s *Server) complete(ss *session, at time.Time) {
	h := sha256.New()
	s.mu.Lock()
	defer s.mu.Unlock()
	unmarshalHash(h, ss.hashState)
	s.nextN++
	sn, st := ss.meta.Snippet, ss.meta.Status
	v := &video{Video: Video{
		ID:               fmt.Sprintf("fake%07d", s.nextN),
		ChannelID:        ss.ChannelID,
		SessionID:        ss.ID,
		Title:            sn.Title,
		Description:      sn.Description,
		Tags:             append([]string(nil), sn.Tags...),
		CategoryID:       sn.CategoryID,
		PrivacyStatus:    st.PrivacyStatus,
		RequestedPrivacy: st.PrivacyStatus,
		PublishAt:        st.PublishAt,
		MadeForKids:      *st.SelfDeclaredMadeForKids,
		ContentType:      ss.ContentType,
		Size:             ss.Total,
		SHA256:           hex.EncodeToString(h.Sum(nil)),
		CreatedAt:        at,
	}, procReads: s.processingReads}
	if s.unaudited {
		v.PrivacyStatus = "private"
	}
	s.videos = append(s.videos, v)
	s.byID[v.ID] = v
	ss.done, ss.VideoID = v, v.ID
	s.rollQuotaLocked()
	s.chanUsed[ss.ChannelID]++
}

// progress is the session's answer: the video when complete, else 308 with
// the range received (no Range header when nothing has been).
func (s *Server) progress(ss *session) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss.done != nil {
		return answer{status: http.StatusCreated, body: resource(ss.done, []string{"snippet", "status"}, true)}
	}
	h := http.Header{}
	if ss.Received > 0 {
		h.Set("Range", "bytes=0-"+strconv.FormatInt(ss.Received-1, 10))
	}
	return answer{status: http.StatusPermanentRedirect, header: h}
}

func mediaType(ct string) string {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt
}

func marshalHash(h hash.Hash) []byte {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("fakeyoutube: sha256 state: " + err.Error())
	}
	return b
}

func unmarshalHash(h hash.Hash, state []byte) {
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		panic("fakeyoutube: sha256 state: " + err.Error())
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // cannot fail (Go 1.24 and later)
	return hex.EncodeToString(b)
}
