package serentak

import (
	"errors"
	"fmt"
)

// Application error codes. The api package alone turns them into HTTP
// statuses; anything that is not an *Error is an internal error.
const (
	ECodeBadRequest      = "bad_request"       // 400
	ECodeUnauthorized    = "unauthorized"      // 401
	ECodeNotFound        = "not_found"         // 404
	ECodeConflict        = "conflict"          // 409
	ECodePayloadTooLarge = "payload_too_large" // 413
	ECodeValidation      = "validation_failed" // 422
	ECodeRateLimited     = "rate_limited"      // 429
	ECodeInternal        = "internal"          // 500
	ECodeUnavailable     = "unavailable"       // 503
)

// Error is an application error: a machine-readable code, one human
// sentence, and for validation errors the fields at fault.
type Error struct {
	Code    string
	Message string
	Details []FieldError
}

// FieldError names one field at fault, e.g. "targets[1].account_id".
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return e.Code + ": " + e.Message
	}
	return fmt.Sprintf("%s: %s (%s: %s)", e.Code, e.Message, e.Details[0].Field, e.Details[0].Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the error for a resource that does not exist in the caller's
// workspace. Resources of other workspaces are reported the same way, so IDs
// never reveal that they exist elsewhere.
func NotFound(what string) *Error {
	return &Error{Code: ECodeNotFound, Message: "no such " + what}
}

// Invalid returns a validation error naming the fields at fault.
func Invalid(message string, details ...FieldError) *Error {
	return &Error{Code: ECodeValidation, Message: message, Details: details}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// ECodeInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ECodeInternal
}
