package faketiktok

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Documented limits (docs/platforms/tiktok.md#limits). Chunk sizes
// take the strict intersection of the decimal and binary readings of
// "5 MB" and "64 MB", as the adapter is told to.
const (
	MinChunkSize  = 5 * 1024 * 1024 // 5,242,880
	MaxChunkSize  = 64_000_000
	MaxFinalChunk = 128_000_000
	MaxChunkCount = 1000
	MaxVideoSize  = 4 << 30
	MaxVideoTitle = 2200 // UTF-16 code units
	MaxPhotoTitle = 90   // runes
	MaxPhotoDesc  = 4000 // runes
	// photo_images holds "up to 35 photo content URLs": Content Posting
	// API, Photo, "Source Info Object"
	// (https://developers.tiktok.com/doc/content-posting-api-reference-photo-post).
	MaxPhotos        = 35
	MaxPhotoBytes    = 20 << 20
	UploadURLLife    = time.Hour
	maxPendingShares = 5 // pending inbox shares per 24 h
)

// CheckChunks reports what is wrong with a FILE_UPLOAD source_info's chunk
// arithmetic, or "" when it is right: chunk_size between 5 and 64 MB
// (the whole file when it is under 5 MB), total_chunk_count ==
// floor(video_size / chunk_size), 1 to 1000 chunks, a final chunk of at
// most 128 MB.
func CheckChunks(size, chunk int64, count int) string {
	switch {
	case size <= 0:
		return "video_size must be positive"
	case size > MaxVideoSize:
		return fmt.Sprintf("video_size %d is over the 4 GB limit", size)
	case size < MinChunkSize && (chunk != size || count != 1):
		return fmt.Sprintf("a video under 5 MB (%d bytes) is uploaded whole: chunk_size must equal video_size and total_chunk_count must be 1", size)
	case size < MinChunkSize:
		return ""
	case chunk < MinChunkSize || chunk > MaxChunkSize:
		return fmt.Sprintf("chunk_size %d is outside 5 MB to 64 MB", chunk)
	case int64(count) != size/chunk:
		return fmt.Sprintf("total_chunk_count %d is not floor(video_size/chunk_size) = %d", count, size/chunk)
	case count < 1 || count > MaxChunkCount:
		return fmt.Sprintf("total_chunk_count %d is outside 1 to 1000", count)
	case size-int64(count-1)*chunk > MaxFinalChunk:
		return "the final chunk would exceed 128 MB"
	}
	return ""
}

func (s *Server) creatorInfo(r *http.Request, u User) (any, *apiErr) {
	// No body is sent; tolerate an empty JSON object.
	io.Copy(io.Discard, io.LimitReader(r.Body, maxBody))
	return map[string]any{
		"creator_avatar_url":          "https://p16.tiktokcdn.example/avatar/" + u.OpenID + ".jpeg",
		"creator_username":            u.Username,
		"creator_nickname":            u.Nickname,
		"privacy_level_options":       u.PrivacyOptions,
		"comment_disabled":            u.CommentDisabled,
		"duet_disabled":               u.DuetDisabled,
		"stitch_disabled":             u.StitchDisabled,
		"max_video_post_duration_sec": u.MaxVideoPostDurationSec,
	}, nil
}

type videoPostInfo struct {
	Title                 *string `json:"title"`
	PrivacyLevel          string  `json:"privacy_level"`
	DisableDuet           *bool   `json:"disable_duet"`
	DisableComment        *bool   `json:"disable_comment"`
	DisableStitch         *bool   `json:"disable_stitch"`
	VideoCoverTimestampMs *int64  `json:"video_cover_timestamp_ms"`
	BrandContentToggle    *bool   `json:"brand_content_toggle"`
	BrandOrganicToggle    *bool   `json:"brand_organic_toggle"`
	IsAIGC                *bool   `json:"is_aigc"`
}

type videoSourceInfo struct {
	Source          string `json:"source"`
	VideoSize       int64  `json:"video_size"`
	ChunkSize       int64  `json:"chunk_size"`
	TotalChunkCount int    `json:"total_chunk_count"`
	VideoURL        string `json:"video_url"`
}

func (s *Server) videoInit(r *http.Request, u User, at time.Time, inbox bool) (any, *apiErr) {
	var body struct {
		PostInfo   *videoPostInfo   `json:"post_info"`
		SourceInfo *videoSourceInfo `json:"source_info"`
	}
	if e := decodeJSON(r, &body); e != nil {
		return nil, e
	}
	p := &publish{Publish: Publish{OpenID: u.OpenID, Kind: "video", Inbox: inbox, CreatedAt: at}}
	switch {
	case inbox && body.PostInfo != nil:
		return nil, errf("invalid_params", "the inbox upload takes only source_info; post_info is not allowed")
	case !inbox && body.PostInfo == nil:
		return nil, errf("invalid_params", "post_info is required")
	case body.SourceInfo == nil:
		return nil, errf("invalid_params", "source_info is required")
	}
	if pi := body.PostInfo; pi != nil {
		if e := checkVideoPostInfo(pi, u); e != nil {
			return nil, e
		}
		p.PrivacyLevel = pi.PrivacyLevel
		if pi.Title != nil {
			p.Title = *pi.Title
		}
		p.DisableComment, p.DisableDuet, p.DisableStitch = deref(pi.DisableComment), deref(pi.DisableDuet), deref(pi.DisableStitch)
		p.BrandContentToggle, p.BrandOrganicToggle = deref(pi.BrandContentToggle), deref(pi.BrandOrganicToggle)
	}
	si := body.SourceInfo
	p.Source = si.Source
	switch si.Source {
	case "FILE_UPLOAD":
		if si.VideoURL != "" {
			return nil, errf("invalid_params", "video_url is for PULL_FROM_URL, not FILE_UPLOAD")
		}
		if msg := CheckChunks(si.VideoSize, si.ChunkSize, si.TotalChunkCount); msg != "" {
			return nil, errf("invalid_params", "source_info: %s", msg)
		}
		p.VideoSize, p.ChunkSize, p.ChunkCount = si.VideoSize, si.ChunkSize, si.TotalChunkCount
	case "PULL_FROM_URL":
		if si.VideoSize != 0 || si.ChunkSize != 0 || si.TotalChunkCount != 0 {
			return nil, errf("invalid_params", "video_size, chunk_size and total_chunk_count are for FILE_UPLOAD")
		}
		if e := s.checkPullURL("video_url", si.VideoURL); e != nil {
			return nil, e
		}
		p.VideoURL = si.VideoURL
	default:
		return nil, errf("invalid_params", "source_info.source must be FILE_UPLOAD or PULL_FROM_URL, not %q", si.Source)
	}
	restricted, e := s.checkAudit(u, inbox)
	if e != nil {
		return nil, e
	}
	p.Restricted = restricted

	s.mu.Lock()
	defer s.mu.Unlock()
	if inbox {
		if e := s.takePendingShareLocked(u.OpenID, at); e != nil {
			return nil, e
		}
	}
	n := s.newIDLocked()
	prefix := "v_pub_"
	if inbox {
		prefix = "v_inbox_"
	}
	if p.Source == "FILE_UPLOAD" {
		p.ID = prefix + "file~v2-1." + n
		p.uploadID, p.uploadToken = n, "tok"+n
		s.byUpload[n] = p
	} else {
		p.ID = prefix + "url~v2-1." + n
	}
	s.addLocked(p)
	out := map[string]any{"publish_id": p.ID}
	if p.Source == "FILE_UPLOAD" {
		out["upload_url"] = s.URL + PathUpload + "?upload_id=" + p.uploadID + "&upload_token=" + p.uploadToken
	}
	return out, nil
}

func checkVideoPostInfo(pi *videoPostInfo, u User) *apiErr {
	if pi.Title != nil && len(utf16.Encode([]rune(*pi.Title))) > MaxVideoTitle {
		return errf("invalid_params", "post_info.title is longer than %d UTF-16 runes", MaxVideoTitle)
	}
	if pi.BrandContentToggle == nil {
		return errf("invalid_params", "post_info.brand_content_toggle is required")
	}
	if v := pi.VideoCoverTimestampMs; v != nil && (*v < 0 || *v > 1<<31-1) {
		return errf("invalid_params", "post_info.video_cover_timestamp_ms must be an int32")
	}
	if e := checkPrivacy(pi.PrivacyLevel, u); e != nil {
		return e
	}
	// TikTok's sharing guidelines: an interaction the creator has turned
	// off cannot be turned on by the app.
	for _, c := range []struct {
		name     string
		creator  bool
		disabled *bool
	}{{"comment", u.CommentDisabled, pi.DisableComment}, {"duet", u.DuetDisabled, pi.DisableDuet}, {"stitch", u.StitchDisabled, pi.DisableStitch}} {
		if c.creator && !deref(c.disabled) {
			return errf("invalid_params", "the creator has %ss disabled; post_info.disable_%s must be true", c.name, c.name)
		}
	}
	return nil
}

func checkPrivacy(level string, u User) *apiErr {
	if level == "" {
		return errf("invalid_params", "post_info.privacy_level is required")
	}
	if !slices.Contains(u.PrivacyOptions, level) {
		return errf("privacy_level_option_mismatch", "privacy_level %s is not one of the creator's options %v", level, u.PrivacyOptions)
	}
	return nil
}

// checkAudit enforces TikTok's rule for clients it has not audited
// (Content sharing guidelines, "Direct Post API - Developer Guidelines",
// https://developers.tiktok.com/doc/content-sharing-guidelines/): every
// account posting through them must be private at the time of posting,
// whatever privacy_level the post asks; and what they post is restricted
// to SELF_ONLY viewing (restricted reports that). Drafts sent to the inbox
// are not direct posts.
func (s *Server) checkAudit(u User, inbox bool) (restricted bool, e *apiErr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.unaudited || inbox {
		return false, nil
	}
	if !u.PrivateAccount {
		return false, errf("unaudited_client_can_only_post_to_private_accounts", "%s", defaultMessage("unaudited_client_can_only_post_to_private_accounts"))
	}
	return true, nil
}

// checkPullURL enforces TikTok's PULL_FROM_URL rules
// (docs/platforms/tiktok.md#pull-from-url): https, a host name (not an
// IP), under a verified URL prefix or domain.
func (s *Server) checkPullURL(field, raw string) *apiErr {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" {
		return errf("invalid_params", "%s must be a URL", field)
	}
	insecure := s.insecurePull
	if u.Scheme != "https" && !(insecure && u.Scheme == "http") {
		return errf("invalid_params", "%s must be an https URL", field)
	}
	if net.ParseIP(u.Hostname()) != nil && !insecure {
		return errf("url_ownership_unverified", "%s has an IP host; only verified domains are allowed", field)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.verified {
		if strings.HasPrefix(raw, p) {
			return nil
		}
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range s.domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return nil
		}
	}
	return errf("url_ownership_unverified", "%s", defaultMessage("url_ownership_unverified"))
}

func (s *Server) takePendingShareLocked(openID string, at time.Time) *apiErr {
	u := s.users[openID]
	var recent []time.Time
	for _, t := range u.pendingShares {
		if at.Sub(t) < 24*time.Hour {
			recent = append(recent, t)
		}
	}
	if len(recent) >= maxPendingShares {
		u.pendingShares = recent
		return errf("spam_risk_too_many_pending_share", "%s", defaultMessage("spam_risk_too_many_pending_share"))
	}
	u.pendingShares = append(recent, at)
	return nil
}

func (s *Server) addLocked(p *publish) {
	if len(s.failNext) > 0 {
		p.failReason, s.failNext = s.failNext[0], s.failNext[1:]
	}
	s.publishes = append(s.publishes, p)
	s.byID[p.ID] = p
}

func (s *Server) contentInit(r *http.Request, u User, at time.Time) (any, *apiErr) {
	var body struct {
		PostInfo *struct {
			Title              *string `json:"title"`
			Description        *string `json:"description"`
			PrivacyLevel       string  `json:"privacy_level"`
			DisableComment     *bool   `json:"disable_comment"`
			AutoAddMusic       *bool   `json:"auto_add_music"`
			BrandContentToggle *bool   `json:"brand_content_toggle"`
			BrandOrganicToggle *bool   `json:"brand_organic_toggle"`
		} `json:"post_info"`
		SourceInfo *struct {
			Source          string   `json:"source"`
			PhotoCoverIndex *int     `json:"photo_cover_index"`
			PhotoImages     []string `json:"photo_images"`
		} `json:"source_info"`
		PostMode  string `json:"post_mode"`
		MediaType string `json:"media_type"`
	}
	if e := decodeJSON(r, &body); e != nil {
		return nil, e
	}
	pi, si := body.PostInfo, body.SourceInfo
	switch {
	case body.MediaType != "PHOTO":
		return nil, errf("invalid_params", "media_type must be PHOTO, not %q", body.MediaType)
	case body.PostMode != "DIRECT_POST" && body.PostMode != "MEDIA_UPLOAD":
		return nil, errf("invalid_params", "post_mode must be DIRECT_POST or MEDIA_UPLOAD, not %q", body.PostMode)
	case pi == nil || si == nil:
		return nil, errf("invalid_params", "post_info and source_info are required")
	case si.Source != "PULL_FROM_URL":
		return nil, errf("invalid_params", "photo posts take source PULL_FROM_URL only, not %q", si.Source)
	case len(si.PhotoImages) == 0 || len(si.PhotoImages) > MaxPhotos:
		return nil, errf("invalid_params", "photo_images must hold 1 to %d URLs, not %d", MaxPhotos, len(si.PhotoImages))
	case si.PhotoCoverIndex == nil || *si.PhotoCoverIndex < 0 || *si.PhotoCoverIndex >= len(si.PhotoImages):
		return nil, errf("invalid_params", "photo_cover_index must be a 0-based index into photo_images")
	case pi.Title != nil && utf8.RuneCountInString(*pi.Title) > MaxPhotoTitle:
		return nil, errf("invalid_params", "post_info.title is longer than %d runes", MaxPhotoTitle)
	case pi.Description != nil && utf8.RuneCountInString(*pi.Description) > MaxPhotoDesc:
		return nil, errf("invalid_params", "post_info.description is longer than %d runes", MaxPhotoDesc)
	}
	direct := body.PostMode == "DIRECT_POST"
	if direct {
		if e := checkPrivacy(pi.PrivacyLevel, u); e != nil {
			return nil, e
		}
		if u.CommentDisabled && !deref(pi.DisableComment) {
			return nil, errf("invalid_params", "the creator has comments disabled; post_info.disable_comment must be true")
		}
	} else if pi.PrivacyLevel != "" || pi.DisableComment != nil || pi.AutoAddMusic != nil {
		return nil, errf("invalid_params", "privacy_level, disable_comment and auto_add_music are for DIRECT_POST only")
	}
	for i, img := range si.PhotoImages {
		if e := s.checkPullURL("photo_images["+strconv.Itoa(i)+"]", img); e != nil {
			return nil, e
		}
	}
	restricted, e := s.checkAudit(u, !direct)
	if e != nil {
		return nil, e
	}

	p := &publish{Publish: Publish{OpenID: u.OpenID, Kind: "photo", Inbox: !direct, Source: "PULL_FROM_URL",
		PrivacyLevel: pi.PrivacyLevel, DisableComment: deref(pi.DisableComment), AutoAddMusic: deref(pi.AutoAddMusic),
		PhotoURLs: append([]string(nil), si.PhotoImages...), CoverIndex: *si.PhotoCoverIndex, CreatedAt: at,
		BrandContentToggle: deref(pi.BrandContentToggle), BrandOrganicToggle: deref(pi.BrandOrganicToggle),
		Restricted: restricted}}
	if pi.Title != nil {
		p.Title = *pi.Title
	}
	if pi.Description != nil {
		p.Description = *pi.Description
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !direct {
		if e := s.takePendingShareLocked(u.OpenID, at); e != nil {
			return nil, e
		}
	}
	mode := "pub"
	if !direct {
		mode = "inbox"
	}
	p.ID = "p_" + mode + "_url~v2." + s.newIDLocked()
	s.addLocked(p)
	return map[string]any{"publish_id": p.ID}, nil
}

// upload serves PUT {upload_url}: chunks in order, each exactly the size
// the init promised, with Content-Range matching the progress.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, at time.Time) {
	plain := func(status int, msg string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, msg)
	}
	if r.Method != http.MethodPut {
		plain(http.StatusMethodNotAllowed, "use PUT")
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	p := s.byUpload[q.Get("upload_id")]
	s.mu.Unlock()
	if p == nil || q.Get("upload_token") != p.uploadToken {
		plain(http.StatusNotFound, "no upload task for this upload_id and upload_token")
		return
	}
	if at.Sub(p.CreatedAt) >= UploadURLLife {
		plain(http.StatusForbidden, "the upload_url has expired (valid for 1 hour)")
		return
	}
	switch ct := r.Header.Get("Content-Type"); ct {
	case "video/mp4", "video/quicktime", "video/webm":
	default:
		plain(http.StatusBadRequest, fmt.Sprintf("Content-Type %q is not video/mp4, video/quicktime or video/webm", ct))
		return
	}
	first, last, total, ok := parseContentRange(r.Header.Get("Content-Range"))
	if !ok {
		plain(http.StatusBadRequest, "Content-Range must be \"bytes {first}-{last}/{total}\"")
		return
	}
	n := last - first + 1
	if r.ContentLength != n {
		plain(http.StatusBadRequest, fmt.Sprintf("Content-Length %d does not match Content-Range (%d bytes)", r.ContentLength, n))
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, n+1))
	if err != nil || int64(len(data)) != n {
		plain(http.StatusBadRequest, fmt.Sprintf("the body has %d bytes, Content-Range says %d", len(data), n))
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	progress := func() {
		if p.Received > 0 {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", p.Received-1, p.VideoSize))
		}
	}
	if total != p.VideoSize {
		plain(http.StatusBadRequest, fmt.Sprintf("Content-Range total %d is not the video_size %d given at init", total, p.VideoSize))
		return
	}
	if first != p.Received || p.ChunksReceived >= p.ChunkCount {
		progress()
		plain(http.StatusRequestedRangeNotSatisfiable, fmt.Sprintf("Content-Range starts at %d but %d bytes are uploaded", first, p.Received))
		return
	}
	want := p.ChunkSize
	if p.ChunksReceived == p.ChunkCount-1 {
		want = p.VideoSize - int64(p.ChunkCount-1)*p.ChunkSize
	}
	if n != want {
		plain(http.StatusBadRequest, fmt.Sprintf("chunk %d has %d bytes; it must have %d", p.ChunksReceived+1, n, want))
		return
	}
	p.data = append(p.data, data...)
	p.Received += n
	p.ChunksReceived++
	progress()
	if p.ChunksReceived == p.ChunkCount {
		p.mediaDone = true
		w.WriteHeader(http.StatusCreated)
		return
	}
	w.WriteHeader(http.StatusPartialContent)
}

func parseContentRange(h string) (first, last, total int64, ok bool) {
	rest, found := strings.CutPrefix(h, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	first, err1 = strconv.ParseInt(a, 10, 64)
	last, err2 = strconv.ParseInt(b, 10, 64)
	total, err3 = strconv.ParseInt(tot, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || first < 0 || last < first || last >= total {
		return 0, 0, 0, false
	}
	return first, last, total, true
}

// status serves status/fetch and walks the publish's state machine: in
// processing until its media is complete and then for processingReads
// more reads; then FAILED (injected, or a pull that failed),
// SEND_TO_USER_INBOX (inbox), or PUBLISH_COMPLETE.
func (s *Server) status(r *http.Request, u User, at time.Time) (any, *apiErr) {
	var body struct {
		PublishID string `json:"publish_id"`
	}
	if e := decodeJSON(r, &body); e != nil {
		return nil, e
	}
	s.mu.Lock()
	p := s.byID[body.PublishID]
	needFetch := p != nil && p.OpenID == u.OpenID && p.Source == "PULL_FROM_URL" && !p.mediaDone && p.pullErr == ""
	var urls []string
	if needFetch {
		urls = append(urls, p.PhotoURLs...)
		if p.VideoURL != "" {
			urls = append(urls, p.VideoURL)
		}
	}
	s.mu.Unlock()
	switch {
	case p == nil:
		return nil, errf("invalid_publish_id", "publish_id %q does not exist", body.PublishID)
	case p.OpenID != u.OpenID:
		return nil, errf("token_not_authorized_for_specified_publish_id", "this token's user did not make publish %s", body.PublishID)
	}
	var fetched int64
	var pullErr string
	if needFetch {
		// TikTok downloads on its own time; the fake does it on the first
		// read, outside the lock.
		fetched, pullErr = s.fetchAll(r, p.Kind, urls)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if needFetch && !p.mediaDone && p.pullErr == "" {
		p.Downloaded, p.pullErr, p.mediaDone = fetched, pullErr, pullErr == ""
	}
	processing := StatusProcessingUpload
	if p.Source == "PULL_FROM_URL" {
		processing = StatusProcessingDownload
	}
	switch {
	case p.Status == StatusFailed || p.Status == StatusPublishComplete || p.Status == StatusSendToUserInbox:
		// Terminal: it stays.
	case !p.mediaDone && p.pullErr == "":
		p.Status = processing
	case p.reads < s.processingReads:
		p.reads++
		p.Status = processing
	case p.failReason != "" || p.pullErr != "":
		p.Status, p.FailReason = StatusFailed, p.failReason
		if p.FailReason == "" {
			p.FailReason = p.pullErr
		}
	case p.Inbox:
		p.Status = StatusSendToUserInbox
	default:
		p.Status = StatusPublishComplete
		if p.PrivacyLevel == PublicToEveryone && !p.Restricted {
			// Public IDs are large int64s: a client that reads them as
			// float64 loses digits.
			p.PostID = "73456789012345" + fmt.Sprintf("%05d", s.nextID%100000)
			s.nextID++
		}
	}
	ids := []any{}
	if p.PostID != "" {
		ids = append(ids, jsonNumber(p.PostID))
	}
	return map[string]any{
		"status":                      p.Status,
		"fail_reason":                 p.FailReason,
		"publicaly_available_post_id": ids,
		"uploaded_bytes":              p.Received,
		"downloaded_bytes":            p.Downloaded,
	}, nil
}

// jsonNumber is a number written verbatim, so a large int64 keeps its
// digits.
type jsonNumber string

func (n jsonNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }

// fetchAll downloads pulled sources as TikTok would: no redirects, photos
// JPEG or WebP and at most 20 MB. It returns the bytes read and a
// fail_reason.
func (s *Server) fetchAll(r *http.Request, kind string, urls []string) (int64, string) {
	pullFailed := kind + "_pull_failed"
	var total int64
	for _, u := range urls {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u, nil)
		if err != nil {
			return total, pullFailed
		}
		resp, err := s.media.Do(req)
		if err != nil {
			return total, pullFailed
		}
		limit := int64(MaxVideoSize)
		if kind == "photo" {
			limit = MaxPhotoBytes
		}
		head := make([]byte, 16)
		hn, _ := io.ReadFull(resp.Body, head)
		rest, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, limit+1))
		resp.Body.Close()
		n := int64(hn) + rest
		total += n
		switch {
		case resp.StatusCode != http.StatusOK:
			return total, pullFailed
		case kind == "photo" && n > MaxPhotoBytes:
			return total, "picture_size_check_failed"
		case kind == "photo" && !isJPEGOrWebP(head[:hn]):
			return total, "file_format_check_failed"
		}
	}
	return total, ""
}

func isJPEGOrWebP(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) ||
		(len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")))
}

func deref(b *bool) bool { return b != nil && *b }
