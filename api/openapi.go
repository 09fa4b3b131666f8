package api

import (
	_ "embed"
	"net/http"
	"slices"
)

// openAPI is the contract of the app API, kept by hand beside the handlers.
// The tests of cmd/roster validate every request they send and every answer
// they get against it, so that it cannot drift from what the server does.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document of the app API, as
// GET /api/v1/openapi.json serves it.
func OpenAPI() []byte {
	return slices.Clone(openAPI)
}

// openAPIDocument serves GET /openapi.json, which takes no API key: a client
// generator reads it before it has one.
func (s *Server) openAPIDocument(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPI) // the client may have gone
}
