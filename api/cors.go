package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Browser apps on other origins (SERENTAK_CORS_ORIGINS). The REST API
// authenticates with a bearer key, never a cookie, so what a listed
// origin gains is only the right to send that header and read the
// answers; the origins are exact (scheme, host and port), checked by
// config.Load.
//
// "*" in the list admits every origin without credentials
// (Access-Control-Allow-Origin: *): enough for a bearer key, which a
// browser sends whatever the credentials mode. A listed origin is echoed
// back with Access-Control-Allow-Credentials: true. A browser refuses
// credentials with "*", so credentials are only ever allowed to the
// listed origins. An origin neither listed nor admitted by "*" gets no
// CORS header at all: its browser keeps the answers from it.
const (
	corsAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE"
	// What clients send: the key, JSON and CSV bodies, idempotent
	// creates, their own request IDs, and the resumable upload protocol.
	corsAllowHeaders = "Authorization, Content-Type, Idempotency-Key, X-Request-ID, Tus-Resumable, Upload-Length, Upload-Offset"
	// What clients read beyond the CORS-safelisted headers: where a
	// created upload lives, the rate limit and when to retry, the request
	// ID to quote in a report, and an upload's progress.
	corsExposeHeaders = "Location, RateLimit, RateLimit-Policy, Retry-After, X-Request-ID, Tus-Resumable, Upload-Offset, Upload-Length"
	// corsMaxAge is how long a browser may keep a preflight's answer:
	// Chromium caps it at two hours, so more buys nothing.
	corsMaxAge = 2 * 60 * 60
)

// cors holds the origins allowed; nil allows none.
type cors struct {
	listed map[string]bool // exact origins, lower case: with credentials
	any    bool            // "*": every other origin, without credentials
}

func newCORS(origins []string) *cors {
	if len(origins) == 0 {
		return nil
	}
	c := &cors{listed: map[string]bool{}}
	for _, o := range origins {
		if o == "*" {
			c.any = true
			continue
		}
		c.listed[strings.ToLower(o)] = true
	}
	return c
}

// corsMiddleware runs before routing (Echo's Pre), so a preflight is
// answered whatever route it asks about, and 404s and errors carry the
// headers too (a browser app must read our error bodies).
func (s *Server) corsMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.cors == nil {
			return next(c)
		}
		h := c.Response().Header()
		// Answers differ by Origin: a cache must keep them apart.
		h.Add(echo.HeaderVary, echo.HeaderOrigin)
		req := c.Request()
		origin := req.Header.Get(echo.HeaderOrigin)
		credentials := origin != "" && s.cors.listed[strings.ToLower(origin)]
		allow := origin
		switch {
		case origin == "":
			return next(c)
		case credentials:
		case s.cors.any:
			allow = "*"
		default:
			return next(c) // not allowed: no CORS header
		}
		h.Set(echo.HeaderAccessControlAllowOrigin, allow)
		if credentials {
			h.Set(echo.HeaderAccessControlAllowCredentials, "true")
		}
		if req.Method == http.MethodOptions && req.Header.Get(echo.HeaderAccessControlRequestMethod) != "" {
			h.Set(echo.HeaderAccessControlAllowMethods, corsAllowMethods)
			h.Set(echo.HeaderAccessControlAllowHeaders, corsAllowHeaders)
			h.Set(echo.HeaderAccessControlMaxAge, strconv.Itoa(corsMaxAge))
			return c.NoContent(http.StatusNoContent)
		}
		h.Set(echo.HeaderAccessControlExposeHeaders, corsExposeHeaders)
		return next(c)
	}
}
