// Package apitest holds the app API to its OpenAPI document in tests: every
// request a test sends and every answer it gets is checked against
// api/openapi.json with a maintained OpenAPI validator (kin-openapi), so that
// the document cannot drift from the server. Only tests import it: the
// server embeds and serves the document, and links no validator.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Contract is a loaded and validated OpenAPI document.
type Contract struct {
	doc    *openapi3.T
	router routers.Router
}

// Load parses doc and validates it as an OpenAPI 3.1 document: its structure,
// references, schemas, examples and defaults. The error names what is wrong.
func Load(doc []byte) (*Contract, error) {
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: load: %w", err)
	}
	if !t.IsOpenAPI31OrLater() || t.IsOpenAPI32OrLater() {
		return nil, fmt.Errorf("openapi: the document is OpenAPI %s, want 3.1", t.OpenAPI)
	}
	if err := t.Validate(loader.Context, openapi3.EnableExamplesValidation(), openapi3.EnableSchemaDefaultsValidation()); err != nil {
		return nil, fmt.Errorf("openapi: validate: %w", err)
	}
	router, err := gorillamux.NewRouter(t)
	if err != nil {
		return nil, fmt.Errorf("openapi: routes: %w", err)
	}
	return &Contract{doc: t, router: router}, nil
}

// Check checks one exchange with the app API: req as sent (its path starting
// with /api/v1), and the status, header and body of its answer.
//
//   - The route must be an operation of the document; a path it lacks may
//     only be answered 404.
//   - A request the document refuses (a parameter out of range, no API key)
//     may not be answered 2xx: the document may not be stricter than the server.
//   - The status must be one the operation lists, and the body must match the
//     schema of its media type. The error names the field that does not.
func (c *Contract) Check(req *http.Request, status int, header http.Header, body []byte) error {
	ctx := context.Background()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound && errors.Is(err, routers.ErrPathNotFound) {
			return nil
		}
		return fmt.Errorf("%s %s: not an operation of the document (answered %d): %w", req.Method, req.URL.Path, status, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearer, MultiError: true, SkipSettingDefaults: true},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && status/100 == 2 {
		return fmt.Errorf("%s %s: answered %d to a request the document refuses: %w", req.Method, req.URL, status, err)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("%s %s: the %d answer breaks the document: %w", req.Method, req.URL, status, err)
	}
	if err := c.checkItems(route, status, header, body); err != nil {
		return fmt.Errorf("%s %s: the %d answer breaks the document: %w", req.Method, req.URL, status, err)
	}
	return nil
}

// checkItems checks each line of a body of JSON lines (NDJSON) against the
// schema its media type names in x-item-schema: OpenAPI 3.1 has no word for
// the schema of a stream's items (3.2's itemSchema).
func (c *Contract) checkItems(route *routers.Route, status int, header http.Header, body []byte) error {
	res := route.Operation.Responses.Status(status)
	if res == nil || res.Value == nil {
		return nil
	}
	media := res.Value.Content.Get(header.Get("Content-Type"))
	if media == nil {
		return nil
	}
	ref, ok := media.Extensions["x-item-schema"].(string)
	if !ok {
		return nil
	}
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	schema := c.doc.Components.Schemas[name]
	if !ok || schema == nil || schema.Value == nil {
		return fmt.Errorf("x-item-schema %q names no schema of the document", ref)
	}
	for i, line := range bytes.Split(body, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			return fmt.Errorf("line %d is not JSON: %w", i+1, err)
		}
		if err := schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
			return fmt.Errorf("line %d doesn't match schema %q: %w", i+1, name, err)
		}
	}
	return nil
}

// bearer admits a request that carries a bearer credential; whether the
// server knows it is the server's to say.
func bearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme, secret, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if in.SecurityScheme.Type != "http" || !strings.EqualFold(scheme, in.SecurityScheme.Scheme) || secret == "" {
		return in.NewError(errors.New("no bearer credential"))
	}
	return nil
}

// Transport returns a RoundTripper that sends requests through next (the
// default transport when nil) and checks each exchange: an exchange that
// breaks the document is an error of the round trip.
func (c *Contract) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		res, err := next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		res.Body = io.NopCloser(bytes.NewReader(body))
		if err := c.Check(req, res.StatusCode, res.Header, body); err != nil {
			return nil, err
		}
		return res, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
