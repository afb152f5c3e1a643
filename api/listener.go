package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/serentak/serentak"
)

// Listener wraps the API's listener so that what net/http answers on its
// own, before any handler runs, carries the JSON error body too.
//
// A request net/http cannot parse (a control character in a header, a
// malformed request line, a missing Host, headers over the limit, an
// unknown transfer coding) is answered by http.Server itself with a
// plain-text body, written straight to the connection in one write, and
// the connection is closed; Go has no hook for it. Those writes are
// recognised by their exact form — a status line followed by net/http's
// fixed error headers, and no Date header, which every answer that went
// through a handler has — and rewritten with the same status and the
// API's error body. Every other write passes through untouched.
func Listener(ln net.Listener) net.Listener { return jsonErrorListener{ln} }

type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c}, nil
}

// jsonErrorConn looks at every write, not only a connection's first: a
// request net/http cannot parse may follow answered ones on a keep-alive
// connection. Only a write that starts with an error status line is
// searched further.
type jsonErrorConn struct{ net.Conn }

// netHTTPErrorHeaders are the headers net/http writes before its own
// plain-text error bodies (net/http/server.go, conn.serve).
const netHTTPErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	if out, ok := rewriteNetHTTPError(p); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// rewriteNetHTTPError turns one of net/http's own error answers into the
// same status with the API's error body; ok is false for anything else.
func rewriteNetHTTPError(p []byte) (out []byte, ok bool) {
	if !bytes.HasPrefix(p, []byte("HTTP/1.1 4")) && !bytes.HasPrefix(p, []byte("HTTP/1.1 5")) {
		return nil, false
	}
	head, text, found := bytes.Cut(p, []byte(netHTTPErrorHeaders))
	if !found || !bytes.HasPrefix(head, []byte("HTTP/1.1 ")) || len(head) < len("HTTP/1.1 400") ||
		bytes.Contains(head, []byte("\r\n")) {
		return nil, false // not a bare status line before the fixed headers
	}
	status, err := strconv.Atoi(string(head[len("HTTP/1.1 ") : len("HTTP/1.1 ")+3]))
	if err != nil || status < 400 || status > 599 {
		return nil, false
	}
	code := serentak.ECodeBadRequest
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		code = "request_header_fields_too_large"
	case http.StatusNotImplemented:
		code = "not_implemented"
	}
	// text is net/http's own wording ("400 Bad Request: missing required
	// Host header"); it never echoes the request's bytes.
	msg := "the request could not be read as HTTP: " + string(text)
	body, _ := json.Marshal(errorBody{Error: errorObject{Code: string(code), Message: msg, Details: []serentak.FieldError{}}})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body), true
}
