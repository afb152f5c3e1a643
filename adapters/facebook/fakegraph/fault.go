package fakegraph

import (
	"net/http"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Fault is an answer the fake gives instead of doing the work, or, with
// Drop, after doing it.
type Fault = fakeplatform.GraphFault

// Rule decides whether a request gets a fault; nil means no fault. Rules
// must not read the request body. Inject adds one; ClearFaults removes
// them all.
type Rule func(r *http.Request) *Fault

// FailNext makes the next n POST requests to the page's edges (feed,
// photos, videos) answer with f. Reads are not affected.
func (s *Server) FailNext(pageID string, n int, f Fault) {
	s.FailNextWhere(n, f, func(r *http.Request) bool {
		_, page, edge := splitPath(r.URL.Path)
		return r.Method == http.MethodPost && page == pageID && edge != ""
	})
}

// GraphError is a fault with the code and subcode and the real API's
// wording.
func GraphError(code, subcode int) Fault { return Fault{Code: code, Subcode: subcode} }

// TokenExpired is 190/463, "Session has expired".
func TokenExpired() Fault { return Fault{Code: 190, Subcode: 463} }

// RateLimited is code 4 with estimated_time_to_regain_access in minutes.
func RateLimited(minutes int) Fault {
	return Fault{Code: 4, IsTransient: true, RegainAccessMinutes: minutes}
}

// PostingTooFast is 368/1390008, Facebook's soft block.
func PostingTooFast() Fault { return Fault{Code: 368, Subcode: 1390008} }

// Duplicate is 506, "Duplicate status message".
func Duplicate() Fault { return Fault{Code: 506} }

// ServerError is HTTP 500 with code 2, "Service temporarily unavailable".
func ServerError() Fault { return Fault{Code: 2, IsTransient: true} }

// HangUp closes the connection without doing the work or answering.
func HangUp() Fault { return Fault{HangUp: true} }

// Drop accepts the request, records its post, and hangs up without
// answering.
func Drop() Fault { return Fault{Drop: true} }

// defaultMessage is the real API's wording for a code, as documented or
// commonly seen.
func defaultMessage(code, subcode int) string {
	switch code {
	case 1:
		return "An unknown error occurred"
	case 2:
		return "An unexpected error has occurred. Please retry your request later."
	case 4:
		return "(#4) Application request limit reached"
	case 10:
		return "(#10) Application does not have permission for this action"
	case 17:
		return "(#17) User request limit reached"
	case 32:
		return "(#32) Page request limit reached"
	case 100:
		return "(#100) Invalid parameter"
	case 102:
		return "Session key invalid or no longer valid"
	case 190:
		switch subcode {
		case 460:
			return "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."
		case 463:
			return "Error validating access token: Session has expired."
		}
		return "Invalid OAuth access token - Cannot parse access token"
	case 200:
		return "(#200) The user hasn't authorized the application to perform this action"
	case 341:
		return "(#341) Application limit reached"
	case 368:
		return "It looks like you were misusing this feature by going too fast. You've been temporarily blocked from using it."
	case 506:
		return "(#506) Duplicate status message"
	case 613:
		return "(#613) Calls to this api have exceeded the rate limit."
	case 80001:
		return "(#80001) There have been too many calls to this Page account. Wait a bit and try again."
	case 1609005:
		return "Error Posting Link"
	}
	return "An unknown error has occurred."
}
