package webapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// apiError is the API's error body (its "error" object) with the status.
// Pages show its message and put each detail beside its field.
type apiError struct {
	Status  int           `json:"-"`
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Details []fieldDetail `json:"details"`
}

type fieldDetail struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("API %d %s: %s", e.Status, e.Code, e.Message) }

// Field is the message about one field, or "".
func (e *apiError) Field(name string) string {
	for _, d := range e.Details {
		if d.Field == name || strings.HasPrefix(d.Field, name+".") || strings.HasPrefix(d.Field, name+"[") {
			return d.Message
		}
	}
	return ""
}

// call asks the API, in process, with the person's session: method on
// path (a /v1 path with its query), in as the JSON body (nil: none), the
// answer decoded into out (nil: ignored). An API error comes back as
// *apiError.
func (a *App) call(c echo.Context, method, path string, in, out any) error {
	return a.callAs(c, sessionToken(c), method, path, in, out)
}

// callAs is call with another bearer key (the operator's, for sign-up;
// none, for sign-in).
func (a *App) callAs(c echo.Context, bearer, method, path string, in, out any) error {
	if in == nil {
		return a.send(c, bearer, method, path, nil, out)
	}
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode the body of %s %s: %w", method, path, err)
	}
	return a.send(c, bearer, method, path, &rawBody{Type: "application/json", Body: bytes.NewReader(b)}, out)
}

// rawBody is a request body of any type (a CSV file for the import, a
// file streamed from a form).
type rawBody struct {
	Type string
	Body io.Reader
	// Header holds extra request headers (Idempotency-Key).
	Header map[string]string
}

// send is callAs with the body as it is: in nil sends none.
func (a *App) send(c echo.Context, bearer, method, path string, in *rawBody, out any) error {
	var body io.Reader = http.NoBody
	if in != nil {
		body = in.Body
	}
	req, err := a.apiRequest(c, method, path, body)
	if err != nil {
		return err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", in.Type)
		for k, v := range in.Header {
			req.Header.Set(k, v)
		}
	}
	return a.serveAPI(req, out)
}

// serveAPI asks the API req, in process, and decodes its answer into out
// (nil: ignored); an API error comes back as *apiError.
func (a *App) serveAPI(req *http.Request, out any) error {
	method, path := req.Method, req.URL.Path
	rec := newRecorder()
	a.cfg.API.ServeHTTP(rec, req)
	if rec.code >= 400 {
		var e struct {
			Error apiError `json:"error"`
		}
		if err := json.Unmarshal(rec.body.Bytes(), &e); err != nil || e.Error.Code == "" {
			return &apiError{Status: rec.code, Code: "internal", Message: http.StatusText(rec.code)}
		}
		e.Error.Status = rec.code
		return &e.Error
	}
	if out == nil || rec.code == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
		return fmt.Errorf("decode the answer to %s %s: %w", method, path, err)
	}
	return nil
}

// apiRequest is a request to the API made on behalf of c's: the same
// context, client address and headers that tell who asks (so sign-in
// throttling counts the person's address, and the API's log follows the
// request ID), none of the browser's cookies.
func (a *App) apiRequest(c echo.Context, method, path string, body io.Reader) (*http.Request, error) {
	from := c.Request()
	req, err := http.NewRequestWithContext(from.Context(), method, path, body)
	if err != nil {
		return nil, fmt.Errorf("make the request %s %s: %w", method, path, err)
	}
	req.RemoteAddr = from.RemoteAddr
	req.Host = from.Host
	for _, h := range []string{"User-Agent", "X-Forwarded-For", "X-Real-Ip", "X-Request-Id"} {
		if v := from.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	// The page's language, not the browser's header: the person's choice
	// (the language cookie) wins, and a browser that asks for neither
	// language gets Bahasa Indonesia pages, so the API's words in them
	// (warnings) must be asked for in the page's language too.
	req.Header.Set("Accept-Language", language(c))
	return req, nil
}

// recorder keeps an in-process answer of the API.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
	wrote  bool
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, code: http.StatusOK} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}

// proxy passes a request of the page's scripts to the API: /app/api/v1/…
// becomes /v1/… with the session's bearer token in place of the cookie.
// Writes need the CSRF header (X-CSRF-Token), which another site cannot
// set; the answer, JSON errors included, is the API's own.
func (a *App) proxy(c echo.Context) error {
	r := c.Request()
	path := strings.TrimPrefix(r.URL.Path, "/app/api")
	if !strings.HasPrefix(path, "/v1/") {
		return echo.ErrNotFound
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if !validCSRF(c, r.Header.Get(csrfHeader)) {
			return apiForbidden(c)
		}
	}
	out := r.Clone(r.Context())
	out.URL.Path, out.URL.RawPath = path, ""
	out.RequestURI = ""
	out.Header.Del("Cookie")
	out.Header.Del(csrfHeader)
	out.Header.Set("Authorization", "Bearer "+sessionToken(c))
	a.cfg.API.ServeHTTP(c.Response(), out)
	return nil
}

// apiForbidden answers a script's write without a valid CSRF token in
// the API's error shape.
func apiForbidden(c echo.Context) error {
	return c.JSON(http.StatusForbidden, map[string]any{"error": map[string]any{
		"code": "forbidden", "message": "this request lacks the page's CSRF token (X-CSRF-Token); reload the page and try again", "details": []any{}}})
}
