package fakeyoutube

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Paths the fake serves.
const (
	uploadPath = "/upload/youtube/v3/videos"
	listPath   = "/youtube/v3/videos"
	tokenPath  = "/token"
)

// gErr is an error answer in Google's JSON shape.
type gErr struct {
	status  int
	reason  string
	message string
}

// errf makes a Google error with the reason's usual status and a message
// saying exactly what was wrong (the real API is terser; tests read these).
func errf(reason, format string, args ...any) *gErr {
	d, ok := reasonDefaults[reason]
	status := http.StatusBadRequest
	if ok {
		status = d.status
	}
	msg := d.message
	if format != "" {
		msg = fmt.Sprintf(format, args...)
	}
	return &gErr{status: status, reason: reason, message: msg}
}

// answer is what a route produced: a status, headers, and a JSON body (or
// none).
type answer struct {
	status int
	header http.Header
	body   any
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !s.Wait(r.Context()) {
		return
	}
	at := s.now()
	req := describe(r)
	call := Call{Route: req.Route, Method: r.Method, Path: r.URL.Path, ContentRange: r.Header.Get("Content-Range"), At: at}
	fault := s.FaultFor(req)

	// The answer is made in a recorder and logged before it is sent, so a
	// client that has its answer also finds its call in the log.
	rec := httptest.NewRecorder()
	hangUp := false
	switch {
	case fault != nil && fault.CutAfter > 0 && req.Route == RouteChunk:
		call.Bytes = s.handle(rec, r, req, at, fault.CutAfter)
		call.Fault, hangUp = true, true
	case fault != nil && fault.Drop:
		call.Bytes = s.handle(rec, r, req, at, 0)
		call.Fault, hangUp = true, true
	case fault != nil && (fault.HangUp || fault.CutAfter > 0):
		call.Fault, hangUp = true, true
	case fault != nil:
		call.Fault = true
		call.Status = writeFault(rec, *fault)
	default:
		call.Bytes = s.handle(rec, r, req, at, 0)
		call.Status = rec.Code
	}
	s.Record(call)
	fakeplatform.Answer(w, rec, hangUp)
}

// describe names a request's route for rules and the log.
func describe(r *http.Request) Request {
	req := Request{Method: r.Method, Header: r.Header, Query: r.URL.Query()}
	switch {
	case r.URL.Path == tokenPath:
		req.Route = RouteToken
	case r.URL.Path == "/revoke":
		req.Route = RouteRevoke
	case r.URL.Path == listPath:
		req.Route = RouteList
	case r.URL.Path == uploadPath && r.Method == http.MethodPut:
		req.SessionID = req.Query.Get("upload_id")
		cr, err := parseContentRange(r.Header.Get("Content-Range"))
		if err == nil && cr.query {
			req.Route = RouteStatus
		} else {
			req.Route = RouteChunk
			req.Final = err == nil && cr.last == cr.total-1
		}
	case r.URL.Path == uploadPath:
		req.Route = RouteStart
	}
	return req
}

// handle routes one request and answers it; it returns the body bytes a
// chunk read. cut > 0 stops a chunk after that many bytes.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, req Request, at time.Time, cut int64) int64 {
	var (
		a    answer
		e    *gErr
		read int64
	)
	switch {
	case req.Route == RouteToken:
		s.tokens.ServeToken(w, r, App{ClientID: s.clientID, ClientSecret: s.clientSecret, AccessTTL: TokenLifetime}, at)
		return 0
	case req.Route == RouteRevoke:
		s.revoke(w, r, at)
		return 0
	case req.Route == RouteStart && r.Method == http.MethodPost:
		a, e = s.start(r, at)
	case req.Route == RouteChunk || req.Route == RouteStatus:
		a, read, e = s.put(r, at, cut)
	case req.Route == RouteList && r.Method == http.MethodGet:
		a, e = s.list(r, at)
	default:
		e = errf("notFound", "fake: no route for %s %s", r.Method, r.URL.Path)
	}
	if e != nil {
		writeGErr(w, e)
		return read
	}
	for k, vs := range a.header {
		w.Header()[k] = vs
	}
	if a.body == nil {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(a.status)
		return read
	}
	writeJSON(w, a.status, a.body)
	return read
}

// bearer returns the channel of a valid "Authorization: Bearer" token.
func (s *Server) bearer(r *http.Request, at time.Time) (string, *gErr) {
	g, e := s.bearerGrant(r, at)
	return g.ChannelID, e
}

// bearerGrant returns the grant of a valid "Authorization: Bearer" token.
func (s *Server) bearerGrant(r *http.Request, at time.Time) (Grant, *gErr) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		e := errf("required", "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		e.status = http.StatusUnauthorized
		return Grant{}, e
	}
	g, ok := s.tokens.Access(tok, at)
	if !ok {
		return Grant{}, errf("authError", "")
	}
	return g, nil
}

func writeFault(w http.ResponseWriter, f Fault) int {
	e := errf(or(f.Reason, "backendError"), "%s", f.Message)
	if f.Message == "" {
		e.message = reasonDefaults[e.reason].message
	}
	if f.Status != 0 {
		e.status = f.Status
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
	}
	if f.RawBody != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(e.status)
		io.WriteString(w, f.RawBody)
		return e.status
	}
	writeGErrDomain(w, e, f.Domain)
	return e.status
}

func writeGErr(w http.ResponseWriter, e *gErr) { writeGErrDomain(w, e, "") }

func writeGErrDomain(w http.ResponseWriter, e *gErr, domain string) {
	if domain == "" {
		domain = or(reasonDefaults[e.reason].domain, "global")
	}
	writeJSON(w, e.status, map[string]any{"error": map[string]any{
		"code":    e.status,
		"message": e.message,
		"errors":  []map[string]string{{"message": e.message, "domain": domain, "reason": e.reason}},
		"status":  grpcStatus(e.status),
	}})
}

// grpcStatus is the "status" newer Google answers add.
func grpcStatus(status int) string {
	switch status {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 503:
		return "UNAVAILABLE"
	}
	return "INTERNAL"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":500,"message":"fake: cannot encode answer"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(b)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sortSessions(ss []Session) {
	sort.Slice(ss, func(i, j int) bool {
		if !ss[i].CreatedAt.Equal(ss[j].CreatedAt) {
			return ss[i].CreatedAt.Before(ss[j].CreatedAt)
		}
		return ss[i].ID < ss[j].ID
	})
}

// rollQuotaLocked starts a new quota day at midnight Pacific time.
func (s *Server) rollQuotaLocked() {
	day := s.now().In(s.pacific).Format(time.DateOnly)
	if day != s.quotaDay {
		s.quotaDay, s.quotaUsed = day, 0
		clear(s.chanUsed)
	}
}
