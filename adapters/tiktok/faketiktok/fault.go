package faketiktok

import (
	"net/http"
	"strings"
)

// Fault is an answer the fake gives instead of doing the work, or, with
// Drop, after doing it.
type Fault struct {
	// Status is the HTTP status; 0 picks the documented one for Code.
	Status  int
	Code    string // error.code, e.g. "rate_limit_exceeded"
	Message string // default: a wording of Code
	// RawBody, when set, is sent as-is with Content-Type text/html: what a
	// proxy or load balancer answers with.
	RawBody string
	// Drop makes the fake do the work (the publish is created, the chunk
	// stored) and then close the connection without answering: the
	// "outcome unknown" case.
	Drop bool
	// HangUp closes the connection without doing the work.
	HangUp bool
}

// Rule decides whether a request gets a fault; nil means no fault. Rules
// must not read the request body.
type Rule func(r *http.Request) *Fault

// FailNext makes the next n requests whose path starts with prefix answer
// with f.
func (s *Server) FailNext(prefix string, n int, f Fault) {
	s.FailNextWhere(n, f, func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, prefix) })
}

// APIError is a fault with an error code at its documented HTTP status.
func APIError(code string) Fault { return Fault{Code: code} }

// Drop does the work and hangs up without answering.
func Drop() Fault { return Fault{Drop: true} }

// HangUp closes the connection without doing the work or answering.
func HangUp() Fault { return Fault{HangUp: true} }

// ServerError is HTTP 500 internal_error.
func ServerError() Fault { return Fault{Code: "internal_error"} }

// statusFor is the documented HTTP status of an error code.
func statusFor(code string) int {
	switch code {
	case "ok":
		return http.StatusOK
	case "access_token_invalid", "scope_not_authorized":
		return http.StatusUnauthorized
	case "rate_limit_exceeded":
		return http.StatusTooManyRequests
	case "spam_risk_too_many_posts", "spam_risk_user_banned_from_posting", "reached_active_user_cap",
		"unaudited_client_can_only_post_to_private_accounts", "url_ownership_unverified",
		"privacy_level_option_mismatch", "spam_risk_too_many_pending_share":
		return http.StatusForbidden
	case "internal_error":
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// defaultMessage is a wording of each code, close to the docs'.
func defaultMessage(code string) string {
	switch code {
	case "access_token_invalid":
		return "The access token is invalid or not found in the request."
	case "scope_not_authorized":
		return "The user did not authorize the scope required for completing this request."
	case "rate_limit_exceeded":
		return "The API rate limit was exceeded. Please try again later."
	case "spam_risk_too_many_posts":
		return "The daily post cap from the API is reached for the current user."
	case "spam_risk_user_banned_from_posting":
		return "The user is banned from making new posts."
	case "reached_active_user_cap":
		return "The daily quota for active publishing users from your client is reached."
	case "unaudited_client_can_only_post_to_private_accounts":
		return "Unaudited clients can only post to a private account."
	case "url_ownership_unverified":
		return "To use a URL as the media source, the developer must verify ownership of the URL prefix or domain."
	case "privacy_level_option_mismatch":
		return "privacy_level is not one of the privacy_level_options returned by creator_info."
	case "spam_risk_too_many_pending_share":
		return "The daily upload cap from the API is reached for the current user (5 pending shares)."
	case "internal_error":
		return "Something went wrong on TikTok's side; please retry."
	}
	return "The request parameters are invalid."
}
