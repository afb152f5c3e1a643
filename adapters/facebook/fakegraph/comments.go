package fakegraph

import (
	"net/http"
	"strings"
	"time"
)

// Comments and permissions.
//
// A Page comments on its own post with the Page token and the
// pages_manage_engagement permission (Pages API, Comments and @mentions,
// "Permissions" and "Comments":
// https://developers.facebook.com/documentation/pages-api/comments-mentions;
// the /{object-id}/comments edge:
// https://developers.facebook.com/docs/graph-api/reference/object/comments).
// The guide also lists pages_read_user_engagement, which is no permission
// (docs/platforms/facebook.md#first-comment); the fake asks for none such.
//
//	POST {object-id}/comments message   → {"id":"{object-id}_{n}"}
//	GET  {object-id}/comments fields=id,message,from,created_time; limit
//
// A permission missing is refused with code 200 naming it, as the Graph
// API does ("(#200) Requires pages_manage_engagement permission to manage
// the object").

// Comment is a comment the fake accepted.
type Comment struct {
	ID       string
	ObjectID string // the post or video commented on
	FromID   string // the Page that commented
	Message  string
	At       time.Time
}

// DenyPermission takes permissions away from a token, as when the person
// switched them off at login or removed them later.
func (s *Server) DenyPermission(token string, perms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denied[token] == nil {
		s.denied[token] = map[string]bool{}
	}
	for _, p := range perms {
		s.denied[token][p] = true
	}
}

// Comments returns copies of the comments on an object, oldest first.
func (s *Server) Comments(objectID string) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments[objectID] {
		out = append(out, *c)
	}
	return out
}

func (s *Server) requirePermission(tok, perm string) *graphErr {
	s.mu.Lock()
	denied := s.denied[tok][perm]
	s.mu.Unlock()
	if !denied {
		return nil
	}
	e := errf(200, 0, "(#200) Requires %s permission to manage the object", perm)
	e.status = http.StatusForbidden
	return e
}

// serveComments serves the comments edge of a post or video of the token's Page.
func (s *Server) serveComments(r *http.Request, objectID, tok, tokenPage string, p params, at time.Time) (any, *graphErr) {
	notFound := errf(100, 33, "Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", strings.ToLower(r.Method), objectID)
	s.mu.Lock()
	known := false
	for _, post := range s.posts {
		if post.ID == objectID && post.PageID == tokenPage && post.ScheduledFor.IsZero() {
			known = true
		}
	}
	s.mu.Unlock()
	if !known {
		return nil, notFound
	}
	switch r.Method {
	case http.MethodPost:
		if e := s.requirePermission(tok, "pages_manage_engagement"); e != nil {
			return nil, e
		}
		msg := p.get("message")
		if strings.TrimSpace(msg) == "" {
			return nil, errf(100, 0, "(#100) Missing message or attachment")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		c := &Comment{ID: objectID + "_" + s.newIDLocked(), ObjectID: objectID, FromID: tokenPage, Message: msg, At: at}
		s.comments[objectID] = append(s.comments[objectID], c)
		return map[string]any{"id": c.ID}, nil
	case http.MethodGet:
		fields, err := fieldList(p, []string{"id", "message", "from", "created_time"}, []string{"created_time", "message", "id"}, "Comment")
		if err != nil {
			return nil, errf(100, 0, "%v", err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		data := []map[string]any{}
		for _, c := range s.comments[objectID] {
			out := map[string]any{}
			for _, f := range fields {
				switch f {
				case "id":
					out[f] = c.ID
				case "message":
					out[f] = c.Message
				case "from":
					out[f] = map[string]string{"id": c.FromID, "name": "Page " + c.FromID}
				case "created_time":
					out[f] = c.At.UTC().Format(graphTime)
				}
			}
			data = append(data, out)
		}
		return map[string]any{"data": data}, nil
	}
	return nil, notFound
}

// CommentsAll returns copies of every comment on every object.
func (s *Server) CommentsAll() []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, cs := range s.comments {
		for _, c := range cs {
			out = append(out, *c)
		}
	}
	return out
}
