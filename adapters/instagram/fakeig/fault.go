package fakeig

import (
	"net/http"
	"strings"

	"github.com/serentak/serentak/adapters/fakeplatform"
)

// Fault is an answer the fake gives instead of doing the work, or, with
// Drop, after doing it.
type Fault = fakeplatform.GraphFault

// Rule decides whether a request gets a fault; nil means no fault. Rules
// must not read the request body.
type Rule func(r *http.Request) *Fault

// FailNext makes the next n requests with the method (empty: any) to the
// edge ("media", "media_publish", "content_publishing_limit", or "" for
// node reads such as a container's status) answer with f.
func (s *Server) FailNext(method, edge string, n int, f Fault) {
	s.FailNextWhere(n, f, func(r *http.Request) bool {
		_, _, e, ok := splitPath(r.URL.Path)
		return (method == "" || r.Method == method) && ok && e == edge
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

// NotReady is 9007/2207027, "The media is not ready for publishing".
func NotReady() Fault { return Fault{Code: 9007, Subcode: 2207027} }

// QuotaReached is 9/2207042, the publishing quota.
func QuotaReached() Fault { return Fault{Code: 9, Subcode: 2207042} }

// NotFetchable is 9004/2207052, media that could not be fetched.
func NotFetchable() Fault { return Fault{Code: 9004, Subcode: 2207052} }

// ServerError is HTTP 500 with code 2, "Service temporarily unavailable".
func ServerError() Fault { return Fault{Code: 2, IsTransient: true} }

// HangUp closes the connection without doing the work or answering.
func HangUp() Fault { return Fault{HangUp: true} }

// Drop does the work and hangs up without answering.
func Drop() Fault { return Fault{Drop: true} }

// defaultMessage is the real API's wording for a code, as documented or
// commonly seen.
func defaultMessage(code, subcode int) string {
	switch subcode {
	case 2207003:
		return "It took too long to download the media."
	case 2207020:
		return "The media you are trying to access has expired. Please try again."
	case 2207027:
		return "The media is not ready for publishing, please wait for a moment"
	case 2207042:
		return "You reached maximum number of posts that is allowed to be published by Content Publishing API."
	case 2207052:
		return "The media could not be fetched from this uri"
	case 2207005:
		return "The image format is not supported. Supported formats are: JPEG"
	case 2207004:
		return "The image is too large to download. It should be less than 8 MiB."
	case 2207026:
		return "The video format is not supported. Please check spec for supported format"
	case 2207028:
		return "Carousel validation failed: too little or too many attachments"
	case 2207010:
		return "The caption is too long"
	case 2207040:
		return "Cannot use more than 20 tags per created media"
	case 2207051:
		return "We restrict certain activity to protect our community."
	}
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
	case 190:
		if subcode == 463 {
			return "Error validating access token: Session has expired."
		}
		return "Invalid OAuth access token - Cannot parse access token"
	case 200:
		return "(#200) The user hasn't authorized the application to perform this action"
	case 613:
		return "(#613) Calls to this api have exceeded the rate limit."
	case 9007:
		return "Media ID is not available"
	}
	return "An unknown error has occurred."
}

// splitPath splits /vNN.N/{id} or /vNN.N/{id}/{edge}.
func splitPath(path string) (version, id, edge string, ok bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch len(segs) {
	case 2:
		return segs[0], segs[1], "", segs[1] != ""
	case 3:
		return segs[0], segs[1], segs[2], segs[1] != "" && segs[2] != ""
	}
	return "", "", "", false
}
