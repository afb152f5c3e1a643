package fakegraph

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Graph limits the fake enforces.
const (
	maxPhotoBytes   = 4 << 20 // subcode 1366046: photos must be under 4 MB
	minScheduleLead = 10 * time.Minute
	maxScheduleLead = 30 * 24 * time.Hour
)

// graphErr is an error answer in the Graph's shape.
type graphErr struct {
	status  int
	code    int
	subcode int
	typ     string
	message string
	// data is error_data, which some errors carry (the offsets a
	// resumable upload expects).
	data map[string]any
}

func errf(code, subcode int, format string, args ...any) *graphErr {
	return &graphErr{status: http.StatusBadRequest, code: code, subcode: subcode, message: fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if fakeplatform.IsSampleMedia(r) {
		fakeplatform.ServeSampleMedia(w, r)
		return
	}
	// The request is stamped when it arrives: that is when the platform
	// was called, which is what "never before its time" is about.
	at := s.now()
	if !s.Wait(r.Context()) {
		return
	}
	_, pageID, edge := splitPath(r.URL.Path)
	call := Call{Method: r.Method, Path: r.URL.Path, At: at}
	if edge != "" {
		call.PageID, call.Edge = pageID, edge
	}

	s.mu.Lock()
	s.usageN++
	usage := fakeplatform.GraphUsage{ID: call.PageID, Type: "pages", N: s.usageN, AppUsage: true, TracePrefix: "Fake"}
	s.mu.Unlock()

	fakeplatform.ServeGraph(w, r, fakeplatform.GraphExchange{
		Usage: usage, Fault: s.FaultFor(r), TraceID: "FakeTrace", Wording: defaultMessage, MaxBody: maxBody,
		Handle: func(w http.ResponseWriter) { s.handle(w, r, at) },
		Record: func(status int, faulted bool) {
			call.Status, call.Fault = status, faulted
			s.Record(call)
		},
	})
}

func writeFault(w http.ResponseWriter, f Fault) int {
	return f.Write(w, "FakeTrace", defaultMessage)
}

func writeGraphErr(w http.ResponseWriter, e *graphErr) {
	if e.data != nil {
		fakeplatform.WriteJSON(w, e.status, map[string]any{"error": map[string]any{
			"message": e.message, "type": "OAuthException", "code": e.code, "error_subcode": e.subcode,
			"error_data": e.data, "fbtrace_id": "FakeTrace"}})
		return
	}
	f := Fault{Status: e.status, Code: e.code, Subcode: e.subcode, Type: e.typ, Message: e.message}
	writeFault(w, f)
}

// handle routes one request and answers it.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, at time.Time) {
	v, err := s.route(r, at)
	if err != nil {
		writeGraphErr(w, err)
		return
	}
	fakeplatform.WriteJSON(w, http.StatusOK, v)
}

func (s *Server) route(r *http.Request, at time.Time) (any, *graphErr) {
	version, id, edge := splitPath(r.URL.Path)
	if !versionRE.MatchString(version) {
		return nil, errf(100, 0, "Unknown path components: %s (the path must start with a version such as /v25.0/)", r.URL.Path)
	}
	p, perr := parseParams(r)
	if perr != nil {
		return nil, errf(100, 0, "(#100) %v", perr)
	}
	tok := token(r, p)
	if tok == "" {
		return nil, errf(190, 0, "An active access token must be used to query information about the current user.")
	}
	s.mu.Lock()
	tokenPage, ok := s.tokens[tok]
	pageKnown := s.pages[id]
	revoked := s.revoked[tok]
	s.mu.Unlock()
	if revoked {
		return nil, errf(190, 460, "%s", defaultMessage(190, 460))
	}
	if !ok {
		return nil, errf(190, 0, "Invalid OAuth access token - Cannot parse access token")
	}
	if id == "" {
		return nil, errf(100, 0, "Unknown path components: %s", r.URL.Path)
	}
	if edge == "comments" {
		return s.serveComments(r, id, tok, tokenPage, p, at)
	}
	if edge == "insights" {
		return s.serveInsights(r, id, tok, tokenPage, p)
	}
	if edge == "" {
		if r.Method != http.MethodGet {
			return nil, errf(100, 33, "Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", strings.ToLower(r.Method), id)
		}
		return s.getObject(id, tokenPage, p)
	}
	if !pageKnown {
		return nil, errf(100, 33, "Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", strings.ToLower(r.Method), id)
	}
	if tokenPage != id {
		e := errf(200, 0, "(#200) The user hasn't authorized the application to perform this action")
		e.status = http.StatusForbidden
		return nil, e
	}
	// Publishing on a Page needs pages_manage_posts (Pages API, Posts,
	// "Requirements": https://developers.facebook.com/docs/pages-api/posts;
	// Video API, Publishing, "Publishing on Pages").
	if r.Method == http.MethodPost {
		if e := s.requirePermission(tok, "pages_manage_posts"); e != nil {
			return nil, e
		}
	}
	switch r.Method + " " + edge {
	case "POST feed":
		return s.postFeed(id, p, at)
	case "POST photos":
		return s.postPhotos(r, id, p, at)
	case "POST videos":
		return s.postVideos(r, id, p, at)
	case "GET feed", "GET published_posts":
		return s.list(id, p, "")
	case "GET videos":
		return s.list(id, p, KindVideo)
	}
	return nil, errf(100, 0, "Unknown path components: /%s", edge)
}

// schedule checks published and scheduled_publish_time: an unpublished
// post needs a time in [now+10m, now+30d]; a published one must have none.
// requireTime is false for photo and video uploads, which may be
// unpublished without a schedule.
func schedule(p params, at time.Time, requireTime bool) (published bool, when time.Time, e *graphErr) {
	published, err := parseBool(p, "published", true)
	if err != nil {
		return false, time.Time{}, errf(100, 0, "(#100) %v", err)
	}
	raw := p.get("scheduled_publish_time")
	if published {
		if raw != "" {
			return false, time.Time{}, errf(100, 0, "(#100) You cannot specify a scheduled publish time on a published post")
		}
		return true, time.Time{}, nil
	}
	if raw == "" {
		if requireTime {
			return false, time.Time{}, errf(100, 0, "(#100) Unpublished posts must have a scheduled_publish_time")
		}
		return false, time.Time{}, nil
	}
	t, err := parseTime(raw)
	if err != nil {
		return false, time.Time{}, errf(100, 0, "(#100) param scheduled_publish_time: %v", err)
	}
	if t.Before(at.Add(minScheduleLead)) || t.After(at.Add(maxScheduleLead)) {
		return false, time.Time{}, errf(100, 0, "(#100) The specified scheduled publish time is invalid: it must be between 10 minutes and 30 days from the time of the API request")
	}
	return false, t, nil
}

func checkURL(name, raw string) *graphErr {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errf(100, 0, "(#100) %s should represent a valid URL", name)
	}
	return nil
}

func (s *Server) postFeed(pageID string, p params, at time.Time) (any, *graphErr) {
	message, link := p.get("message"), p.get("link")
	if message == "" && link == "" && !p.hasAttached {
		return nil, errf(100, 0, "(#100) Missing message or attachment")
	}
	if link != "" {
		if e := checkURL("link", link); e != nil {
			return nil, e
		}
	}
	_, when, e := schedule(p, at, true)
	if e != nil {
		return nil, e
	}
	fields, err := fieldList(p, postFields, []string{"id"}, "Post")
	if err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A multi-photo post attaches photos uploaded with published=false,
	// each once (Pages API, posts, "Publish a Photo", multi-photo:
	// https://developers.facebook.com/docs/pages-api/posts; Page feed,
	// attached_media: https://developers.facebook.com/docs/graph-api/reference/page/feed/).
	// A video is its own post on the videos edge, never an attachment
	// (https://developers.facebook.com/docs/video-api/guides/publishing).
	for i, id := range p.attached {
		ph := s.photos[id]
		switch {
		case ph == nil || ph.pageID != pageID:
			return nil, errf(100, 0, "(#100) param attached_media[%d] has an invalid media_fbid %q", i, id)
		case ph.published:
			return nil, errf(100, 1366051, "(#100) attached_media[%d]: photo %s is already published", i, id)
		case ph.usedBy != "":
			return nil, errf(100, 1366051, "(#100) attached_media[%d]: photo %s is already attached to post %s", i, id, ph.usedBy)
		}
		for _, other := range p.attached[:i] {
			if other == id {
				return nil, errf(100, 0, "(#100) attached_media[%d]: photo %s is attached twice", i, id)
			}
		}
	}
	post := &Post{
		ID: pageID + "_" + s.newIDLocked(), PageID: pageID, Message: message, Link: link,
		CreatedAt: at, ScheduledFor: when, Kind: KindStatus,
	}
	if p.hasAttached {
		post.Kind = KindPhotos
		post.PhotoIDs = append([]string(nil), p.attached...)
		for _, id := range p.attached {
			s.photos[id].usedBy = post.ID
		}
	}
	s.posts = append(s.posts, post)
	return postNode(post, fields), nil
}

func (s *Server) postPhotos(r *http.Request, pageID string, p params, at time.Time) (any, *graphErr) {
	u := p.get("url")
	if u == "" {
		return nil, errf(100, 0, "(#100) Missing parameter url: this fake accepts photos by url only")
	}
	if e := checkURL("url", u); e != nil {
		return nil, e
	}
	published, when, e := schedule(p, at, false)
	if e != nil {
		return nil, e
	}
	if e := s.fetchImage(r, u); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ph := &photo{id: s.newIDLocked(), pageID: pageID, url: u, caption: p.get("caption"), published: published, createdAt: at}
	s.photos[ph.id] = ph
	if !published && when.IsZero() {
		return map[string]any{"id": ph.id}, nil
	}
	post := &Post{
		ID: pageID + "_" + s.newIDLocked(), PageID: pageID, Message: ph.caption,
		PhotoIDs: []string{ph.id}, CreatedAt: at, ScheduledFor: when, Kind: KindPhoto,
	}
	ph.usedBy = post.ID
	s.posts = append(s.posts, post)
	return map[string]any{"id": ph.id, "post_id": post.ID}, nil
}

func (s *Server) postVideos(r *http.Request, pageID string, p params, at time.Time) (any, *graphErr) {
	if p.has("upload_phase") {
		return s.uploadPhase(pageID, p, at)
	}
	u := p.get("file_url")
	if u == "" {
		return nil, errf(100, 0, "(#100) Missing parameter file_url: this fake accepts videos by file_url only")
	}
	if e := checkURL("file_url", u); e != nil {
		return nil, e
	}
	_, when, e := schedule(p, at, false)
	if e != nil {
		return nil, e
	}
	if e := s.fetchVideo(r, u); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.newVideoLocked(pageID)
	s.posts = append(s.posts, &Post{
		ID: v.id, PageID: pageID, Message: p.get("description"), Title: p.get("title"),
		VideoID: v.id, CreatedAt: at, ScheduledFor: when, Kind: KindVideo,
	})
	return map[string]any{"id": v.id}, nil
}

// fetchImage downloads the photo as Facebook would and checks it is a JPEG
// or PNG under 4 MB, by its Content-Type and by its bytes.
func (s *Server) fetchImage(r *http.Request, u string) *graphErr {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u, nil)
	if err != nil {
		return errf(100, 2069019, "(#100) url should represent a valid URL")
	}
	resp, err := s.media.Do(req)
	if err != nil {
		return errf(100, 2069019, "(#100) The photo at url could not be downloaded")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errf(100, 2069019, "(#100) The photo at url could not be downloaded (HTTP %d)", resp.StatusCode)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "image/jpeg" && ct != "image/png" {
		return errf(100, 1366046, "(#100) Photos should be smaller than 4 MB and saved as JPG or PNG (got Content-Type %q)", ct)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPhotoBytes+1))
	if err != nil {
		return errf(100, 2069019, "(#100) The photo at url could not be downloaded")
	}
	if len(b) > maxPhotoBytes {
		return errf(100, 1366046, "(#100) Photos should be smaller than 4 MB and saved as JPG or PNG")
	}
	if sniffed := http.DetectContentType(b); sniffed != ct {
		return errf(100, 2069019, "(#100) Invalid file: the photo's bytes are %s, not %s", sniffed, ct)
	}
	return nil
}

// fetchVideo checks the first bytes of the video are reachable and served
// as a video.
func (s *Server) fetchVideo(r *http.Request, u string) *graphErr {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u, nil)
	if err != nil {
		return errf(100, 0, "(#100) file_url should represent a valid URL")
	}
	req.Header.Set("Range", "bytes=0-1023")
	resp, err := s.media.Do(req)
	if err != nil {
		return errf(100, 0, "(#100) The video at file_url could not be downloaded")
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		return errf(100, 0, "(#100) The video at file_url could not be downloaded (HTTP %d)", resp.StatusCode)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); !strings.HasPrefix(ct, "video/") {
		return errf(100, 0, "(#100) The file at file_url is not a video (Content-Type %q)", ct)
	}
	return nil
}

var (
	postFields  = []string{"id", "message", "created_time", "updated_time", "permalink_url", "is_published", "link"}
	videoFields = []string{"id", "description", "title", "created_time", "updated_time", "permalink_url", "status", "published"}
	photoFields = []string{"id", "name", "created_time", "link"}
	pageFields  = []string{"id", "name"}
)

func postPermalink(p *Post) string {
	if p.Kind == KindVideo {
		// The Graph gives videos a path, not a URL.
		return "/" + p.PageID + "/videos/" + p.VideoID + "/"
	}
	return "https://www.facebook.com/" + p.PageID + "/posts/" + strings.TrimPrefix(p.ID, p.PageID+"_")
}

func postNode(p *Post, fields []string) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		switch f {
		case "id":
			out["id"] = p.ID
		case "message", "description":
			if p.Message != "" {
				out[f] = p.Message
			}
		case "title":
			if p.Title != "" {
				out[f] = p.Title
			}
		case "created_time", "updated_time":
			out[f] = p.CreatedAt.UTC().Format(graphTime)
		case "permalink_url":
			out[f] = postPermalink(p)
		case "is_published", "published":
			out[f] = p.ScheduledFor.IsZero()
		case "link":
			if p.Link != "" {
				out[f] = p.Link
			}
		}
	}
	return out
}

func (s *Server) list(pageID string, p params, kind Kind) (any, *graphErr) {
	allowed, def, node := postFields, []string{"created_time", "message", "id"}, "Post"
	if kind == KindVideo {
		allowed, def, node = videoFields, []string{"description", "updated_time", "id"}, "Video"
	}
	fields, err := fieldList(p, allowed, def, node)
	if err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	var since, until time.Time
	if raw := p.get("since"); raw != "" {
		if since, err = parseTime(raw); err != nil {
			return nil, errf(100, 0, "(#100) param since: %v", err)
		}
	}
	if raw := p.get("until"); raw != "" {
		if until, err = parseTime(raw); err != nil {
			return nil, errf(100, 0, "(#100) param until: %v", err)
		}
	}
	limit := 25
	if raw := p.get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return nil, errf(100, 0, "(#100) param limit must be a positive integer")
		}
		limit = min(n, 100)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	data := []map[string]any{}
	for _, post := range s.listLocked(pageID, kind) {
		// created_time has whole seconds, and so do the bounds.
		ct := post.CreatedAt.Truncate(time.Second)
		if (!since.IsZero() && ct.Before(since)) || (!until.IsZero() && ct.After(until)) {
			continue
		}
		if len(data) == limit {
			break
		}
		data = append(data, postNode(post, fields))
	}
	return map[string]any{"data": data}, nil
}

func (s *Server) getObject(id, tokenPage string, p params) (any, *graphErr) {
	notFound := errf(100, 33, "Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == tokenPage {
		fields, err := fieldList(p, pageFields, []string{"name", "id"}, "Page")
		if err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		out := map[string]any{}
		for _, f := range fields {
			out[f] = map[string]string{"id": id, "name": "Page " + id}[f]
		}
		return out, nil
	}
	if ph := s.photos[id]; ph != nil && ph.pageID == tokenPage {
		fields, err := fieldList(p, photoFields, []string{"created_time", "name", "id"}, "Photo")
		if err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		out := map[string]any{}
		for _, f := range fields {
			switch f {
			case "id":
				out[f] = ph.id
			case "name":
				if ph.caption != "" {
					out[f] = ph.caption
				}
			case "created_time":
				out[f] = ph.createdAt.UTC().Format(graphTime)
			case "link":
				out[f] = "https://www.facebook.com/photo.php?fbid=" + ph.id
			}
		}
		return out, nil
	}
	if v := s.videos[id]; v != nil && v.pageID == tokenPage && v.session != "" && !v.finished {
		// A resumable upload not finished yet: the video exists, its
		// status says how far the upload got.
		fields, err := fieldList(p, []string{"id", "status"}, []string{"id"}, "Video")
		if err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		out := map[string]any{"id": v.id}
		if slices.Contains(fields, "status") {
			out["status"] = s.videoStatusLocked(v)
		}
		return out, nil
	}
	for _, post := range s.posts {
		if post.ID != id || post.PageID != tokenPage {
			continue
		}
		if post.Kind == KindVideo {
			fields, err := fieldList(p, videoFields, []string{"description", "updated_time", "id"}, "Video")
			if err != nil {
				return nil, errf(100, 0, "%v", err)
			}
			out := postNode(post, fields)
			for _, f := range fields {
				if f == "status" {
					// Processing, then ready (or error): what a poller
					// sees (video.go).
					out["status"] = s.videoStatusLocked(s.videos[post.VideoID])
				}
			}
			return out, nil
		}
		fields, err := fieldList(p, postFields, []string{"created_time", "message", "id"}, "Post")
		if err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		return postNode(post, fields), nil
	}
	return nil, notFound
}
