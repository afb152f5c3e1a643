package api

import (
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDoc is the hand-written OpenAPI 3 description of every route; a
// test keeps it and the router in step, and checks every answer of the
// API's tests against it.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPIFor returns the document with publicURL as its server, so clients
// generated from a running install point at it.
func openAPIFor(publicURL string) []byte {
	if publicURL == "" {
		return openAPIDoc
	}
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		return openAPIDoc // the tests load the document; this cannot happen in a build that passed them
	}
	doc["servers"] = []any{map[string]any{"url": publicURL}}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return openAPIDoc
	}
	return out
}

func (s *Server) serveOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.openAPI)
}
