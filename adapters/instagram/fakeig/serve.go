package fakeig

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Instagram's documented limits the fake enforces
// (docs/platforms/instagram.md#limits).
const (
	maxCaption  = 2200
	maxHashtags = 30
	maxMentions = 20
	// A carousel is 2 to 10 item containers, images and videos mixed in
	// any order, each made with is_carousel_item=true: IG User Media
	// reference, "Creating", children
	// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media),
	// and carousels of "multiple images and videos" since the Graph API
	// changelog of March 15, 2022
	// (https://developers.facebook.com/docs/graph-api/changelog/non-versioned-changes/mar-15-2022).
	minChildren = 2
	maxChildren = 10
)

// graphErr is an error answer in the Graph's shape.
type graphErr struct {
	status  int
	code    int
	subcode int
	message string
}

func errf(code, subcode int, format string, args ...any) *graphErr {
	return &graphErr{status: http.StatusBadRequest, code: code, subcode: subcode, message: fmt.Sprintf(format, args...)}
}

func notFound(method, id string) *graphErr {
	return errf(100, 33, "Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", strings.ToLower(method), id)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if fakeplatform.IsSampleMedia(r) {
		fakeplatform.ServeSampleMedia(w, r)
		return
	}
	if !s.Wait(r.Context()) {
		return
	}
	at := s.now()
	_, id, edge, _ := splitPath(r.URL.Path)
	call := Call{Method: r.Method, Path: r.URL.Path, ID: id, Edge: edge, At: at}

	s.mu.Lock()
	s.traceN++
	// Instagram's Business Use Case rate limiting reports in
	// X-Business-Use-Case-Usage.
	usage := fakeplatform.GraphUsage{ID: id, Type: "instagram", N: s.traceN, TracePrefix: "FakeIG"}
	s.mu.Unlock()

	fakeplatform.ServeGraph(w, r, fakeplatform.GraphExchange{
		Usage: usage, Fault: s.FaultFor(r), TraceID: "FakeIGTrace", Wording: defaultMessage, MaxBody: maxBody,
		Handle: func(w http.ResponseWriter) { s.handle(w, r) },
		Record: func(status int, faulted bool) {
			call.Status, call.Fault = status, faulted
			s.Record(call)
		},
	})
}

func writeFault(w http.ResponseWriter, f Fault) int {
	return f.Write(w, "FakeIGTrace", defaultMessage)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	v, e := s.route(r)
	if e != nil {
		writeFault(w, Fault{Status: e.status, Code: e.code, Subcode: e.subcode, Message: e.message})
		return
	}
	fakeplatform.WriteJSON(w, http.StatusOK, v)
}

var versionRE = regexp.MustCompile(`^v\d+\.\d+$`)

func (s *Server) route(r *http.Request) (any, *graphErr) {
	version, id, edge, ok := splitPath(r.URL.Path)
	if !ok || !versionRE.MatchString(version) {
		return nil, errf(100, 0, "Unknown path components: %s (the path must be /vNN.N/{id} or /vNN.N/{id}/{edge})", r.URL.Path)
	}
	p, err := parseParams(r)
	if err != nil {
		return nil, errf(100, 0, "(#100) %v", err)
	}
	tok := token(r, p)
	if tok == "" {
		return nil, errf(190, 0, "An active access token must be used to query information about the current user.")
	}
	s.mu.Lock()
	ti, known := s.tokens[tok]
	expired := s.expired[tok]
	s.mu.Unlock()
	user := ti.user
	switch {
	case expired:
		return nil, errf(190, 463, "%s", defaultMessage(190, 463))
	case !known:
		return nil, errf(190, 0, "%s", defaultMessage(190, 0))
	case ti.login != s.host:
		// Each login's tokens are served by its own host only (the
		// "Host URL" row of every Instagram Platform reference's
		// Requirements, e.g.
		// https://developers.facebook.com/documentation/instagram-platform/reference):
		// graph.facebook.com cannot parse an Instagram User token, and
		// graph.instagram.com does not take a Facebook one.
		return nil, errf(190, 0, "%s", defaultMessage(190, 0))
	}
	if id == "me" {
		// /me is the token's own account (Instagram Login: "GET /me",
		// https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login/get-started).
		id = user
	}
	if edge == "" {
		if r.Method != http.MethodGet {
			return nil, notFound(r.Method, id)
		}
		return s.getNode(id, user, p)
	}
	if edge == "comments" {
		return s.comments(r.Method, id, ti, p)
	}
	if edge == "insights" && id != user {
		return s.mediaInsights(r.Method, id, ti, p)
	}
	// Edges belong to the IG user; a token for another account cannot
	// see this one.
	if id != user {
		return nil, notFound(r.Method, id)
	}
	switch r.Method + " " + edge {
	case "POST media":
		return s.createContainer(r, user, p)
	case "POST media_publish":
		return s.publish(user, p)
	case "GET content_publishing_limit":
		return s.publishingLimit(user, p)
	case "GET media":
		return s.listMedia(user, p)
	}
	return nil, errf(100, 0, "Unknown path components: /%s", edge)
}

var (
	hashtagRE = regexp.MustCompile(`#[\p{L}\p{N}_]+`)
	// A mention starts a word; the @ of an e-mail address does not count.
	mentionRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.])@[\p{L}\p{N}_.]+`)
)

func checkCaption(c string) *graphErr {
	if n := utf8.RuneCountInString(c); n > maxCaption {
		return errf(36004, 2207010, "The caption is too long: %d characters, at most %d", n, maxCaption)
	}
	if n := len(hashtagRE.FindAllString(c, -1)); n > maxHashtags {
		return errf(100, 0, "(#100) The caption has %d hashtags; at most %d are allowed", n, maxHashtags)
	}
	if n := len(mentionRE.FindAllString(c, -1)); n > maxMentions {
		return errf(100, 2207040, "%s (%d)", defaultMessage(100, 2207040), n)
	}
	return nil
}

// createContainer is POST /{ig-user-id}/media.
func (s *Server) createContainer(r *http.Request, user string, p params) (any, *graphErr) {
	if err := checkAllowed(p, "image_url", "video_url", "media_type", "caption", "is_carousel_item", "children",
		"share_to_feed", "cover_url", "thumb_offset", "collaborators", "user_tags", "location_id", "product_tags",
		"alt_text", "audio_name", "trial_params", "is_ai_generated", "is_paid_partnership", "branded_content_sponsor_ids",
		"upload_type"); err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	if p.has("upload_type") {
		return nil, errf(100, 0, "(#100) upload_type=resumable is not supported by this fake; send image_url or video_url")
	}
	item, err := parseBool(p, "is_carousel_item")
	if err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	mt, imageURL, videoURL := p["media_type"], p["image_url"], p["video_url"]
	c := &Container{UserID: user, MediaType: mt, ImageURL: imageURL, VideoURL: videoURL, Caption: p["caption"], IsCarouselItem: item}
	// share_to_feed is "Reels only": true shows the reel in the Feed and
	// the Reels tab, false in the Reels tab only (IG User Media reference,
	// "Creating", parameters and the Reels request:
	// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media).
	// What Instagram does with it on another container is undocumented;
	// the fake refuses it, so an adapter sending it elsewhere fails here.
	if p.has("share_to_feed") {
		v, err := parseBool(p, "share_to_feed")
		if err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		if mt != "REELS" {
			return nil, errf(100, 0, "(#100) The parameter share_to_feed is only for media_type REELS")
		}
		c.ShareToFeed = &v
	}

	if p.has("caption") {
		if item {
			return nil, errf(100, 0, "(#100) The parameter caption is not supported for carousel items")
		}
		if e := checkCaption(c.Caption); e != nil {
			return nil, e
		}
	}
	needImage := func() *graphErr {
		if imageURL == "" || videoURL != "" {
			return errf(100, 0, "(#100) The parameter image_url is required (and video_url is not allowed) for an image")
		}
		return nil
	}
	needVideo := func() *graphErr {
		if videoURL == "" || imageURL != "" {
			return errf(100, 0, "(#100) The parameter video_url is required (and image_url is not allowed) for media_type %s", mt)
		}
		return nil
	}
	var e *graphErr
	switch mt {
	case "":
		if videoURL != "" {
			e = errf(100, 0, "(#100) The media type VIDEO is no longer supported for feed videos; use media_type=REELS (or VIDEO with is_carousel_item=true)")
		} else {
			e = needImage()
		}
	case "IMAGE":
		if !item {
			e = errf(100, 0, "(#100) media_type IMAGE is only for carousel items; omit media_type for a single image")
		} else {
			e = needImage()
		}
	case "VIDEO":
		if !item {
			e = errf(100, 0, "(#100) The media type VIDEO is only supported for carousel items; use media_type=REELS")
		} else {
			e = needVideo()
		}
	case "REELS":
		if item {
			e = errf(100, 0, "(#100) Reels cannot be carousel items")
		} else {
			e = needVideo()
		}
	case "STORIES":
		if item {
			e = errf(100, 0, "(#100) Stories cannot be carousel items")
		} else if (imageURL == "") == (videoURL == "") {
			e = errf(100, 0, "(#100) A story needs exactly one of image_url and video_url")
		}
	case "CAROUSEL":
		switch {
		case item:
			e = errf(100, 0, "(#100) A carousel cannot be a carousel item")
		case imageURL != "" || videoURL != "":
			e = errf(100, 0, "(#100) A carousel container takes children, not image_url or video_url")
		case !p.has("children"):
			e = errf(100, 0, "(#100) The parameter children is required for media_type CAROUSEL")
		}
	default:
		e = errf(100, 0, "(#100) Param media_type must be one of {IMAGE, VIDEO, REELS, STORIES, CAROUSEL}, got %q", mt)
	}
	if e != nil {
		return nil, e
	}
	if p.has("children") && mt != "CAROUSEL" {
		return nil, errf(100, 0, "(#100) The parameter children is only for media_type CAROUSEL")
	}

	if imageURL != "" {
		if e := s.fetchImage(r.Context(), imageURL); e != nil {
			return nil, e
		}
	}
	videoProblem := ""
	if videoURL != "" {
		videoProblem = s.probeVideo(r.Context(), videoURL)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.now()
	if mt == "CAROUSEL" {
		children, e := s.checkChildrenLocked(user, p["children"])
		if e != nil {
			return nil, e
		}
		c.Children = children
	}
	c.ID = s.newIDLocked()
	c.CreatedAt = at
	c.StatusCode = StatusInProgress
	if s.processingReads == 0 {
		c.StatusCode = StatusFinished
	}
	if videoProblem != "" {
		// Instagram answers with an ID and reports the problem as the
		// container's status once processing ends.
		c.Status = videoProblem
	}
	for _, ch := range c.Children {
		s.containers[ch].Parent = c.ID
	}
	s.containers[c.ID] = c
	s.order = append(s.order, c.ID)
	if c.StatusCode == StatusFinished && c.Status != "" {
		c.StatusCode = StatusError
	}
	return map[string]any{"id": c.ID}, nil
}

// checkChildrenLocked validates a carousel's children: 2–10 distinct
// FINISHED carousel-item containers of this user not used by another
// carousel. It accepts a comma-separated list or a JSON array.
func (s *Server) checkChildrenLocked(user, raw string) ([]string, *graphErr) {
	var ids []string
	if strings.HasPrefix(strings.TrimSpace(raw), "[") {
		if err := json.Unmarshal([]byte(raw), &ids); err != nil {
			return nil, errf(100, 0, "(#100) Param children must be a list of container IDs")
		}
	} else {
		for _, id := range strings.Split(raw, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) < minChildren || len(ids) > maxChildren {
		return nil, errf(100, 2207028, "%s (%d given, %d to %d allowed)", defaultMessage(100, 2207028), len(ids), minChildren, maxChildren)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		c := s.containers[id]
		if c == nil || c.UserID != user {
			return nil, errf(100, 0, "(#100) Param children: %s is not a media container of this account", id)
		}
		s.expireLocked(c)
		switch {
		case seen[id]:
			return nil, errf(100, 0, "(#100) Param children: %s is listed twice", id)
		case !c.IsCarouselItem:
			return nil, errf(100, 0, "(#100) Param children: container %s was not made with is_carousel_item=true", id)
		case c.Parent != "":
			return nil, errf(100, 0, "(#100) Param children: container %s already belongs to carousel %s", id, c.Parent)
		case c.StatusCode == StatusExpired:
			return nil, errf(-2, 2207020, "%s (container %s)", defaultMessage(-2, 2207020), id)
		case c.StatusCode == StatusError:
			return nil, errf(100, 0, "(#100) Param children: container %s failed processing (status %s)", id, c.Status)
		case c.StatusCode != StatusFinished:
			return nil, errf(9007, 2207027, "%s (child %s is %s)", defaultMessage(9007, 2207027), id, c.StatusCode)
		}
		seen[id] = true
	}
	return ids, nil
}

// publish is POST /{ig-user-id}/media_publish.
func (s *Server) publish(user string, p params) (any, *graphErr) {
	if err := checkAllowed(p, "creation_id"); err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	id := p["creation_id"]
	if id == "" {
		return nil, errf(100, 0, "(#100) The parameter creation_id is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.containers[id]
	if c == nil || c.UserID != user {
		return nil, errf(100, 0, "(#100) Param creation_id %s is not a media container of this account", id)
	}
	s.expireLocked(c)
	at := s.now()
	switch {
	case c.IsCarouselItem:
		return nil, errf(100, 0, "(#100) Container %s is a carousel item; publish the carousel container", id)
	case c.StatusCode == StatusPublished:
		// Not documented by Meta; the fake refuses loudly so a
		// second publication of one container can never pass a test.
		return nil, errf(100, 0, "(#100) The media container %s has already been published as media %s", id, c.MediaID)
	case c.StatusCode == StatusExpired:
		return nil, errf(-2, 2207020, "%s", defaultMessage(-2, 2207020))
	case c.StatusCode == StatusError:
		sub, _ := strconv.Atoi(c.Status)
		return nil, errf(100, sub, "(#100) Container %s failed processing and cannot be published", id)
	case c.StatusCode != StatusFinished:
		return nil, errf(9007, 2207027, "%s", defaultMessage(9007, 2207027))
	case s.quotaUsageLocked(user, at.Add(-s.quotaWindow)) >= s.quotaTotal:
		return nil, errf(9, 2207042, "%s", defaultMessage(9, 2207042))
	}
	mediaType, product := "IMAGE", "FEED"
	switch c.MediaType {
	case "REELS":
		mediaType, product = "VIDEO", "REELS"
	case "CAROUSEL":
		mediaType = "CAROUSEL_ALBUM"
	case "STORIES":
		product = "STORY"
		if c.VideoURL != "" {
			mediaType = "VIDEO"
		}
	}
	m := s.newMediaLocked(user, mediaType, product, c.Caption, at)
	m.ContainerID, m.ViaAPI = c.ID, true
	m.Items = append([]string(nil), c.Children...)
	c.StatusCode, c.MediaID = StatusPublished, m.ID
	return map[string]any{"id": m.ID}, nil
}

// publishingLimit is GET /{ig-user-id}/content_publishing_limit.
func (s *Server) publishingLimit(user string, p params) (any, *graphErr) {
	if err := checkAllowed(p, "fields", "since"); err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	fields, err := fieldList(p, []string{"quota_usage", "config"}, []string{"quota_usage"}, "ContentPublishingLimit")
	if err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	since := now.Add(-s.quotaWindow)
	if raw := p["since"]; raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		t := time.Unix(n, 0)
		if err != nil || t.Before(since) || t.After(now) {
			return nil, errf(100, 0, "(#100) Param since must be a UNIX timestamp within the last %s", s.quotaWindow)
		}
		since = t
	}
	item := map[string]any{}
	for _, f := range fields {
		switch f {
		case "quota_usage":
			item[f] = s.quotaUsageLocked(user, since)
		case "config":
			item[f] = map[string]int{"quota_total": s.quotaTotal, "quota_duration": int(s.quotaWindow / time.Second)}
		}
	}
	return map[string]any{"data": []any{item}}, nil
}

// graphTime is the Graph API's timestamp layout.
const graphTime = "2006-01-02T15:04:05-0700"

var mediaFields = []string{"id", "caption", "media_type", "media_product_type", "timestamp", "permalink", "shortcode", "username", "is_shared_to_feed"}

func mediaNode(m *Media, fields []string) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		switch f {
		case "id":
			out[f] = m.ID
		case "caption":
			if m.Caption != "" {
				out[f] = m.Caption
			}
		case "media_type":
			out[f] = m.MediaType
		case "media_product_type":
			out[f] = m.ProductType
		case "timestamp":
			out[f] = m.PublishedAt.UTC().Format(graphTime)
		case "permalink":
			out[f] = m.Permalink
		case "shortcode":
			out[f] = m.Shortcode
		case "username":
			out[f] = "user" + m.UserID
		case "is_shared_to_feed":
			out[f] = true
		}
	}
	return out
}

// listMedia is GET /{ig-user-id}/media: published media, newest first.
func (s *Server) listMedia(user string, p params) (any, *graphErr) {
	if err := checkAllowed(p, "fields", "limit", "since", "until", "after", "before"); err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	fields, err := fieldList(p, mediaFields, []string{"id"}, "IGMedia")
	if err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	limit := 25
	if raw := p["limit"]; raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return nil, errf(100, 0, "(#100) Param limit must be a positive integer")
		}
		limit = min(n, 100)
	}
	var since, until time.Time
	for k, t := range map[string]*time.Time{"since": &since, "until": &until} {
		if raw := p[k]; raw != "" {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return nil, errf(100, 0, "(#100) Param %s must be a UNIX timestamp", k)
			}
			*t = time.Unix(n, 0)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	data := []map[string]any{}
	for _, m := range s.mediaListLocked(user) {
		ts := m.PublishedAt.Truncate(time.Second)
		if (!since.IsZero() && ts.Before(since)) || (!until.IsZero() && ts.After(until)) {
			continue
		}
		if len(data) == limit {
			break
		}
		data = append(data, mediaNode(m, fields))
	}
	return map[string]any{"data": data}, nil
}

// getNode is GET /{id}: the user, a container or a media.
func (s *Server) getNode(id, user string, p params) (any, *graphErr) {
	if err := checkAllowed(p, "fields"); err != nil {
		return nil, errf(100, 0, "%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == user {
		fields, err := fieldList(p, []string{"id", "username", "name", "user_id"}, []string{"id"}, "IGUser")
		if err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		out := map[string]any{}
		for _, f := range fields {
			out[f] = map[string]string{"id": id, "user_id": id, "username": "user" + id, "name": "User " + id}[f]
		}
		return out, nil
	}
	if c := s.containers[id]; c != nil && c.UserID == user {
		fields, err := fieldList(p, []string{"id", "status_code", "status", "copyright_check_status"}, []string{"id"}, "ShadowIGMediaBuilder")
		if err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		s.readContainerLocked(c)
		out := map[string]any{}
		for _, f := range fields {
			switch f {
			case "id":
				out[f] = c.ID
			case "status_code":
				out[f] = c.StatusCode
			case "status":
				out[f] = containerStatusText(c)
			case "copyright_check_status":
				out[f] = map[string]any{"status": "completed", "matches_found": false}
			}
		}
		return out, nil
	}
	for _, m := range s.published {
		if m.ID == id && m.UserID == user {
			fields, err := fieldList(p, mediaFields, []string{"id"}, "IGMedia")
			if err != nil {
				return nil, errf(100, 0, "%v", err)
			}
			return mediaNode(m, fields), nil
		}
	}
	return nil, notFound(http.MethodGet, id)
}

// readContainerLocked counts a read and moves processing along:
// IN_PROGRESS for the first processingReads reads, then FINISHED (or
// ERROR, when the video was found wanting).
func (s *Server) readContainerLocked(c *Container) {
	s.expireLocked(c)
	c.StatusReads++
	if c.StatusCode != StatusInProgress || c.StatusReads <= s.processingReads {
		return
	}
	c.StatusCode = StatusFinished
	if c.Status != "" {
		c.StatusCode = StatusError
	}
}

func containerStatusText(c *Container) string {
	switch c.StatusCode {
	case StatusError:
		// status is text carrying the subcode, not the bare number (IG
		// Container reference, field status:
		// https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-container):
		// a client must parse the number out of it.
		return "Error: " + c.Status
	case StatusFinished:
		return "Finished: Media has been uploaded and it is ready to be published."
	case StatusInProgress:
		return "In Progress: Media is still being processed."
	case StatusExpired:
		return "Expired: The media container was not published within 24 hours."
	case StatusPublished:
		return "Published: Media has been published."
	}
	return ""
}

// comments is POST and GET /{ig-media-id}/comments (Comments reference,
// https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-media/comments):
// the token needs the login's comments permission ("Requirements":
// instagram_business_manage_comments with Instagram Login,
// instagram_manage_comments with Facebook Login), the media must be the
// token's account's, and POST takes the required message.
func (s *Server) comments(method, mediaID string, ti tokenInfo, p params) (any, *graphErr) {
	perm := PermCommentsInstagramLogin
	if ti.login == LoginFacebook {
		perm = PermCommentsFacebookLogin
	}
	if ti.perms != nil && !ti.perms[perm] {
		return nil, errf(10, 0, "(#10) Application does not have permission for this action (%s is required)", perm)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var m *Media
	for _, x := range s.published {
		if x.ID == mediaID && x.UserID == ti.user {
			m = x
		}
	}
	if m == nil {
		return nil, notFound(method, mediaID)
	}
	switch method {
	case http.MethodPost:
		if err := checkAllowed(p, "message"); err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		if strings.TrimSpace(p["message"]) == "" {
			return nil, errf(100, 0, "(#100) The parameter message is required")
		}
		c := Comment{ID: s.newIDLocked(), MediaID: m.ID, Message: p["message"], At: s.now()}
		m.Comments = append(m.Comments, c)
		return map[string]any{"id": c.ID}, nil
	case http.MethodGet:
		if err := checkAllowed(p, "fields", "limit", "after", "before"); err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		fields, err := fieldList(p, []string{"id", "text", "timestamp", "username"}, []string{"id", "text", "timestamp"}, "IGComment")
		if err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		data := []map[string]any{}
		for _, c := range m.Comments {
			out := map[string]any{}
			for _, f := range fields {
				switch f {
				case "id":
					out[f] = c.ID
				case "text":
					out[f] = c.Message
				case "timestamp":
					out[f] = c.At.UTC().Format(graphTime)
				case "username":
					out[f] = "user" + m.UserID
				}
			}
			data = append(data, out)
		}
		return map[string]any{"data": data}, nil
	}
	return nil, notFound(method, mediaID)
}
