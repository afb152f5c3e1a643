package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// Codes of our own beyond the ones in package serentak.
const (
	codeForbidden        = "forbidden"          // 403: beyond the caller's role (Server.need), or a workspace key creating a workspace
	codeMethodNotAllowed = "method_not_allowed" // 405
	// Of the public media route, whose byte ranges and conditions are
	// http.ServeContent's.
	codePreconditionFailed  = "precondition_failed"   // 412
	codeRangeNotSatisfiable = "range_not_satisfiable" // 416
)

// statusOf maps application error codes to HTTP statuses. This is the one
// place in the program where that happens.
var statusOf = map[string]int{
	serentak.ECodeBadRequest:      http.StatusBadRequest,
	serentak.ECodeUnauthorized:    http.StatusUnauthorized,
	codeForbidden:                 http.StatusForbidden,
	serentak.ECodeNotFound:        http.StatusNotFound,
	codeMethodNotAllowed:          http.StatusMethodNotAllowed,
	serentak.ECodeConflict:        http.StatusConflict,
	codePreconditionFailed:        http.StatusPreconditionFailed,
	codeRangeNotSatisfiable:       http.StatusRequestedRangeNotSatisfiable,
	serentak.ECodePayloadTooLarge: http.StatusRequestEntityTooLarge,
	serentak.ECodeValidation:      http.StatusUnprocessableEntity,
	serentak.ECodeRateLimited:     http.StatusTooManyRequests,
	serentak.ECodeInternal:        http.StatusInternalServerError,
	serentak.ECodeUnavailable:     http.StatusServiceUnavailable,
}

// errorBody is the API's one error shape (docs/api.md#errors). Details is
// always present ([] when there are none) so clients can range over it
// unconditionally.
type errorBody struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Code    string                `json:"code"`
	Message string                `json:"message"`
	Details []serentak.FieldError `json:"details"`
}

// toAppError turns any error a handler or Echo returns into an
// application error. internal is true when the original must be logged
// because the client sees only "internal error".
func toAppError(err error) (e *serentak.Error, internal bool) {
	var app *serentak.Error
	if errors.As(err, &app) {
		if _, ok := statusOf[app.Code]; !ok || app.Code == serentak.ECodeInternal {
			return serentak.Errorf(serentak.ECodeInternal, "internal error"), true
		}
		return app, false
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return serentak.Errorf(serentak.ECodePayloadTooLarge, "the request body is larger than %d bytes", tooLarge.Limit), false
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return serentak.Errorf(serentak.ECodeNotFound, "no such route"), false
		case http.StatusMethodNotAllowed:
			return serentak.Errorf(codeMethodNotAllowed, "this route does not take that method"), false
		case http.StatusRequestEntityTooLarge:
			return serentak.Errorf(serentak.ECodePayloadTooLarge, "the request body is too large"), false
		case http.StatusUnauthorized:
			return serentak.Errorf(serentak.ECodeUnauthorized, "missing or invalid API key"), false
		case http.StatusTooManyRequests:
			return serentak.Errorf(serentak.ECodeRateLimited, "too many requests; slow down"), false
		}
		if he.Code >= 400 && he.Code < 500 {
			return serentak.Errorf(serentak.ECodeBadRequest, "bad request"), false
		}
	}
	return serentak.Errorf(serentak.ECodeInternal, "internal error"), true
}

// handleError is Echo's HTTPErrorHandler: every error answer goes through
// it, Echo's own 404/405/413 included.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.log.Error("error after the response started", "request_id", requestID(c), "error", err.Error())
		return
	}
	app, internal := toAppError(err)
	if internal {
		// The access log carries it too; this line is the one with the
		// cause, kept apart so it can be alerted on.
		s.log.Error("internal error", "request_id", requestID(c), "method", c.Request().Method,
			"path", logPath(c), "error", err.Error())
	}
	status := statusOf[app.Code]
	if app.Code == serentak.ECodeRateLimited && c.Response().Header().Get("Retry-After") == "" {
		c.Response().Header().Set("Retry-After", "1") // unless the refusal knows better
	}
	details := app.Details
	if details == nil {
		details = []serentak.FieldError{}
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if werr := c.JSON(status, errorBody{errorObject{Code: app.Code, Message: app.Message, Details: details}}); werr != nil {
		s.log.Warn("writing an error response failed", "request_id", requestID(c), "error", werr.Error())
	}
}

// fieldError builds one detail.
func fieldError(field, code, format string, args ...any) serentak.FieldError {
	return serentak.FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}
