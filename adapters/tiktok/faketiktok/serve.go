package faketiktok

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Routes.
const (
	PathToken       = "/v2/oauth/token/"
	PathRevoke      = "/v2/oauth/revoke/"
	PathCreatorInfo = "/v2/post/publish/creator_info/query/"
	PathVideoInit   = "/v2/post/publish/video/init/"
	PathInboxInit   = "/v2/post/publish/inbox/video/init/"
	PathContentInit = "/v2/post/publish/content/init/"
	PathStatus      = "/v2/post/publish/status/fetch/"
	// PathVideoQuery is the Display API's video query (videos.go).
	PathVideoQuery = "/v2/video/query/"
	// PathUpload is where the fake's upload_url points: its own host, as
	// the real one points at open-upload.tiktokapis.com.
	PathUpload = "/upload/"
)

// limits are the documented per-user-token, per-minute limits.
var limits = map[string]int{
	PathVideoInit:   6,
	PathInboxInit:   6,
	PathContentInit: 6,
	PathCreatorInfo: 20,
	PathStatus:      30,
	// 600 a minute (Rate Limits,
	// https://developers.tiktok.com/docs/en/tiktok-api-v2-rate-limit;
	// counted per user here, a stricter reading of a per-app limit only
	// when one user fills it).
	PathVideoQuery: 600,
}

// maxBody caps a JSON request body.
const maxBody = 1 << 20

// apiErr is an error answer in the envelope.
type apiErr struct {
	status  int
	code    string
	message string
}

func errf(code, format string, args ...any) *apiErr {
	return &apiErr{status: statusFor(code), code: code, message: fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !s.Wait(r.Context()) {
		return
	}
	at := s.now()
	fault := s.FaultFor(r)

	// The answer is made in a recorder and logged before it is sent, so a
	// client that has its answer also finds its call in the log.
	rec := httptest.NewRecorder()
	call := Call{Method: r.Method, Path: r.URL.Path, At: at}
	hangUp := false
	switch {
	case fault != nil && fault.Drop:
		s.handle(rec, r, at)
		call.Fault, hangUp = true, true
	case fault != nil && fault.HangUp:
		io.Copy(io.Discard, io.LimitReader(r.Body, 256<<20))
		call.Fault, hangUp = true, true
	case fault != nil:
		call.Fault = true
		writeFault(rec, *fault)
	default:
		s.handle(rec, r, at)
	}
	if !hangUp {
		call.Status = rec.Code
		call.Code = answerCode(rec.Body.Bytes())
	}
	s.Record(call)
	fakeplatform.Answer(w, rec, hangUp)
}

// answerCode reads error.code of an envelope, or error of an OAuth answer.
func answerCode(b []byte) string {
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(b, &env) != nil || len(env.Error) == 0 {
		return ""
	}
	var e struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(env.Error, &e) == nil {
		return e.Code
	}
	var oauth string
	json.Unmarshal(env.Error, &oauth)
	return oauth
}

func writeFault(w http.ResponseWriter, f Fault) {
	status := f.Status
	if status == 0 {
		status = statusFor(f.Code)
	}
	if f.RawBody != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, f.RawBody)
		return
	}
	msg := f.Message
	if msg == "" {
		msg = defaultMessage(f.Code)
	}
	writeEnvelope(w, status, nil, f.Code, msg)
}

func writeEnvelope(w http.ResponseWriter, status int, data any, code, message string) {
	if data == nil {
		data = struct{}{}
	}
	b, err := json.Marshal(map[string]any{
		"data":  data,
		"error": map[string]string{"code": code, "message": message, "log_id": logID()},
	})
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"data":{},"error":{"code":"internal_error","message":"fake: cannot encode answer","log_id":"x"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(b)
}

// logID is a TikTok-looking log_id; uniqueness is all that matters.
func logID() string {
	return "2026" + strconv.FormatInt(time.Now().UnixNano(), 16)
}

// handle routes one request and answers it.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, at time.Time) {
	switch {
	case r.URL.Path == PathToken:
		s.tokens.ServeToken(w, r, App{ClientKey: s.clientKey, ClientSecret: s.clientSecret, AccessTTL: s.accessTTL, RefreshTTL: s.refreshTTL}, at)
		return
	case r.URL.Path == PathRevoke:
		s.revoke(w, r)
		return
	case r.URL.Path == PathUpload:
		s.upload(w, r, at)
		return
	}
	if _, ok := limits[r.URL.Path]; !ok {
		writeEnvelope(w, http.StatusNotFound, nil, "invalid_params", "unknown path "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		writeEnvelope(w, http.StatusMethodNotAllowed, nil, "invalid_params", r.Method+" is not allowed; use POST")
		return
	}
	u, e := s.authenticate(r, at)
	if e == nil {
		e = s.limit(u.OpenID, r.URL.Path, at)
	}
	var data any
	if e == nil {
		switch r.URL.Path {
		case PathCreatorInfo:
			data, e = s.creatorInfo(r, u)
		case PathVideoInit:
			data, e = s.videoInit(r, u, at, false)
		case PathInboxInit:
			data, e = s.videoInit(r, u, at, true)
		case PathContentInit:
			data, e = s.contentInit(r, u, at)
		case PathStatus:
			data, e = s.status(r, u, at)
		case PathVideoQuery:
			data, e = s.videoQuery(r, u, at)
		}
	}
	if e != nil {
		writeEnvelope(w, e.status, nil, e.code, e.message)
		return
	}
	writeEnvelope(w, http.StatusOK, data, "ok", "")
}

// authenticate checks the bearer token and returns a copy of its user.
func (s *Server) authenticate(r *http.Request, at time.Time) (User, *apiErr) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return User{}, errf("access_token_invalid", "The access token is invalid or not found in the request: send Authorization: Bearer {token}.")
	}
	g, ok := s.tokens.Access(tok, at)
	if !ok {
		return User{}, errf("access_token_invalid", "The access token is invalid or has expired.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[g.OpenID]
	if u == nil {
		return User{}, errf("access_token_invalid", "The access token's user no longer exists.")
	}
	c := u.User
	c.PrivacyOptions = append([]string(nil), u.PrivacyOptions...)
	return c, nil
}

// limit counts the request against the user's per-minute limit for the
// path.
func (s *Server) limit(openID, path string, at time.Time) *apiErr {
	if s.noLimits {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := openID + " " + path
	var recent []time.Time
	for _, t := range s.hits[key] {
		if at.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= limits[path] {
		s.hits[key] = recent
		return errf("rate_limit_exceeded", "The API rate limit was exceeded: at most %d requests per minute per user to %s.", limits[path], path)
	}
	s.hits[key] = append(recent, at)
	return nil
}

// decodeJSON reads a JSON body strictly: the right Content-Type, one
// object, no unknown fields.
func decodeJSON(r *http.Request, v any) *apiErr {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return errf("invalid_params", "Content-Type must be application/json; charset=UTF-8, not %q", ct)
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errf("invalid_params", "the request body is not valid: %v", err)
	}
	if dec.More() {
		return errf("invalid_params", "the request body has more than one JSON value")
	}
	return nil
}
