// Package server is Roster's SCIM 2.0 HTTP API (RFC 7644): Users, Groups,
// searches and the discovery endpoints, for any number of tenants, each chosen by
// the credential a request presents.
//
// Handlers are straight lines: the auth middleware puts the tenant in the
// context; a handler reads the path and query, decodes a bounded body, validates
// it through the scim/* packages, calls the store and writes one response. Every
// failure is written by writeError, which maps roster error codes to statuses.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/jsonenc"
	"github.com/rosterhq/roster/scim/schema"
)

// Options configure a Server. Zero values take the defaults below.
type Options struct {
	// BaseURL is the public URL of the SCIM root, e.g. "https://id.example.com/scim/v2".
	// Empty: derived from each request's Host (and X-Forwarded-Proto).
	BaseURL string
	// MaxBodyBytes bounds request bodies (default 1 MiB).
	MaxBodyBytes int64
	// MaxOperations bounds the operations of one PATCH (default 1000).
	MaxOperations int
	// BulkMaxOperations and BulkMaxPayload bound a Bulk request: its
	// operations (default 1000) and its body (default 1 MiB), as
	// /ServiceProviderConfig advertises them (RFC 7644 §3.7.4). Each
	// operation's data is bounded by MaxBodyBytes as well, as if sent alone.
	BulkMaxOperations int
	BulkMaxPayload    int64
	// DefaultCount and MaxCount are the page sizes of list responses (default 100, 1000).
	DefaultCount, MaxCount int
	// MaxFilterLength bounds the text of a filter (default 4096 bytes).
	MaxFilterLength int
	// Limits admit requests; the zero value admits all.
	Limits Limits
	// Metrics counts operations and refusals; nil counts nothing.
	Metrics Metrics
	// ConfigRefresh is how long a tenant's policy and folders are used before
	// the store is asked whether they changed (default 1s); negative: ask on
	// every request.
	ConfigRefresh time.Duration
	// TokenCache is how long a token found in the store is trusted before it
	// is read again (default 1s): a revoked token stops working within it.
	// Negative: read the store on every request.
	TokenCache time.Duration
	// AccessTokenTTL is how long an access token of the client credentials
	// grant lives (default 1 hour).
	AccessTokenTTL time.Duration
	// Log receives a provisioning log row for every request; nil records none.
	Log    LogRecorder
	Logger *slog.Logger
	Clock  roster.Clock
}

// Server serves the SCIM API of every tenant in one store.
type Server struct {
	store   roster.Store
	log     *slog.Logger
	clock   roster.Clock
	limits  Limits
	metrics Metrics
	logs    LogRecorder
	opts    Options
	configs configs
	tokens  tokenCache
	// bulk routes the operations of Bulk requests: the API's own routes,
	// each admitted as an operation of the Bulk request it is part of.
	bulk *http.ServeMux

	// used collects when tokens were last used; Flush writes it in one batch.
	mu   sync.Mutex
	used map[string]time.Time
}

// New returns a Server over store.
func New(store roster.Store, opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxOperations <= 0 {
		opts.MaxOperations = 1000
	}
	if opts.BulkMaxOperations <= 0 {
		opts.BulkMaxOperations = 1000
	}
	if opts.BulkMaxPayload <= 0 {
		opts.BulkMaxPayload = 1 << 20
	}
	if opts.DefaultCount <= 0 {
		opts.DefaultCount = 100
	}
	if opts.MaxCount <= 0 {
		opts.MaxCount = 1000
	}
	if opts.MaxFilterLength <= 0 {
		opts.MaxFilterLength = 4096
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Limits.Wait <= 0 {
		opts.Limits.Wait = time.Second
	}
	if opts.ConfigRefresh == 0 {
		opts.ConfigRefresh = time.Second
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.TokenCache == 0 {
		opts.TokenCache = time.Second
	}
	if opts.Metrics == nil {
		opts.Metrics = noMetrics{}
	}
	s := &Server{
		tokens:  tokenCache{age: opts.TokenCache},
		store:   store,
		log:     opts.Logger,
		clock:   opts.Clock,
		limits:  opts.Limits,
		metrics: opts.Metrics,
		logs:    opts.Log,
		opts:    opts,
		used:    map[string]time.Time{},
		bulk:    http.NewServeMux(),
	}
	s.routes(s.bulk, s.bulkOperation)
	return s
}

// Prefix is the path the SCIM API is served under.
const Prefix = "/scim/v2"

// Handler returns the SCIM API; mount it at Prefix+"/" as it is. Its route
// patterns include Prefix, so that the pattern a request matched (r.Pattern,
// which metrics and logs report) is the whole route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux, s.api)
	return mux
}

// routes lists every route of the SCIM API, with the resource type and action
// each is counted as; api wraps each handler as one operation.
func (s *Server) routes(mux *http.ServeMux, api func(resource, action string, h http.HandlerFunc) http.Handler) {
	const p = Prefix
	mux.Handle("GET "+p+"/ServiceProviderConfig", api("ServiceProviderConfig", "discovery", s.handleServiceProviderConfig))
	mux.Handle("GET "+p+"/Schemas", api("Schema", "discovery", s.handleSchemaList))
	mux.Handle("GET "+p+"/Schemas/{id}", api("Schema", "discovery", s.handleSchemaGet))
	mux.Handle("GET "+p+"/ResourceTypes", api("ResourceType", "discovery", s.handleResourceTypeList))
	mux.Handle("GET "+p+"/ResourceTypes/{id}", api("ResourceType", "discovery", s.handleResourceTypeGet))

	mux.Handle("POST "+p+"/Users", api(userType, "create", s.handleUserCreate))
	mux.Handle("GET "+p+"/Users", api(userType, "list", s.listing(s.queryParams, s.listUsers)))
	mux.Handle("POST "+p+"/Users/.search", api(userType, "search", s.listing(s.bodyParams, s.listUsers)))
	mux.Handle("GET "+p+"/Users/{id}", api(userType, "get", s.handleUserGet))
	mux.Handle("PUT "+p+"/Users/{id}", api(userType, "replace", s.handleUserReplace))
	mux.Handle("PATCH "+p+"/Users/{id}", api(userType, "patch", s.handleUserPatch))
	mux.Handle("DELETE "+p+"/Users/{id}", api(userType, "delete", s.handleUserDelete))

	mux.Handle("POST "+p+"/Groups", api(groupType, "create", s.handleGroupCreate))
	mux.Handle("GET "+p+"/Groups", api(groupType, "list", s.listing(s.queryParams, s.listGroups)))
	mux.Handle("POST "+p+"/Groups/.search", api(groupType, "search", s.listing(s.bodyParams, s.listGroups)))
	mux.Handle("GET "+p+"/Groups/{id}", api(groupType, "get", s.handleGroupGet))
	mux.Handle("PUT "+p+"/Groups/{id}", api(groupType, "replace", s.handleGroupReplace))
	mux.Handle("PATCH "+p+"/Groups/{id}", api(groupType, "patch", s.handleGroupPatch))
	mux.Handle("DELETE "+p+"/Groups/{id}", api(groupType, "delete", s.handleGroupDelete))

	mux.Handle("POST "+p+"/Bulk", api("Bulk", "bulk", s.handleBulk))
	mux.Handle("POST "+p+"/.search", api("All", "search", s.handleRootSearch))
	mux.Handle(p+"/", api("", "", s.handleNotFound))
}

// Run flushes token usage every interval until ctx ends, then once more.
func (s *Server) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			logError(s.log, "flush token usage", s.Flush(context.WithoutCancel(ctx)))
			return
		case <-t.C:
			logError(s.log, "flush token usage", s.Flush(ctx))
		}
	}
}

// Flush writes the collected token usage times to the store.
func (s *Server) Flush(ctx context.Context) error {
	s.mu.Lock()
	used := s.used
	s.used = map[string]time.Time{}
	s.mu.Unlock()
	if len(used) == 0 {
		return nil
	}
	return s.store.TouchTokens(ctx, used)
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, roster.Errorf(roster.ENOTFOUND, "no SCIM endpoint %s %s", r.Method, r.URL.Path))
}

// MisroutedPaths are where an IdP sends its requests when its Tenant URL
// lacks Prefix ("https://id.example.com" or ".../scim"): the resource
// endpoints at the root, and whatever is under /scim/ but Prefix.
var MisroutedPaths = []string{"/Users", "/Users/", "/Groups", "/Groups/", "/Bulk", "/ServiceProviderConfig", "/Schemas", "/Schemas/",
	"/ResourceTypes", "/ResourceTypes/", "/scim/"}

// Misrouted answers the requests of MisroutedPaths: 404, authenticated and
// logged like the API's own, with the reason url_without_prefix, so that
// the tenant's log (and its setup page) says what to fix in the IdP.
// Mount it at each of MisroutedPaths.
func (s *Server) Misrouted() http.Handler {
	return s.api("", "", func(w http.ResponseWriter, r *http.Request) {
		err := roster.Errorf(roster.ENOTFOUND, "no SCIM endpoint %s %s: the SCIM base URL (Entra's Tenant URL) ends with %s", r.Method, r.URL.Path, Prefix)
		err.Reason = "url_without_prefix"
		s.writeError(w, r, err)
	})
}

// contentType is the media type of every SCIM response (RFC 7644 §3.1).
const contentType = "application/scim+json"

// bodies holds response buffers for reuse; larger ones are let go.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBody = 64 << 10

// writeJSON writes v as the response body with status: documents (maps,
// slices, strings, numbers) through jsonenc, a ListResponse by its own
// appendJSON, anything else as encoding/json writes it.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	buf := bodies.Get().(*[]byte)
	var b []byte
	var err error
	if a, ok := v.(interface{ appendJSON([]byte) ([]byte, error) }); ok {
		b, err = a.appendJSON((*buf)[:0])
	} else {
		b, err = jsonenc.AppendValue((*buf)[:0], v)
	}
	if err != nil {
		s.log.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		b = append(b[:0], `{"schemas":["`+schema.ErrorURN+`"],"status":"500","detail":"internal error"}`...)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
	if cap(b) <= maxPooledBody {
		*buf = b
		bodies.Put(buf)
	}
}

// writeResource writes a resource document with its ETag (and Location on 201).
func (s *Server) writeResource(w http.ResponseWriter, status int, doc map[string]any, version int64, location string) {
	w.Header().Set("ETag", etag(version))
	if status == http.StatusCreated {
		w.Header().Set("Location", location)
	}
	s.writeJSON(w, status, doc)
}

// etag renders a version as a weak entity tag (RFC 7644 §3.14).
func etag(version int64) string {
	return `W/"` + strconv.FormatInt(version, 10) + `"`
}

// ifMatch returns the version an If-Match header requires: 0 when there is none
// (or "*"), -1 when it names no version Roster could have issued, so that the
// store answers EPRECONDITION.
func ifMatch(r *http.Request) int64 {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0
	}
	v, ok := parseETag(h)
	if !ok {
		return -1
	}
	return v
}

// answeredNotModified answers 304 with the current version's ETag, and
// reports true, when If-None-Match names that version.
func answeredNotModified(w http.ResponseWriter, r *http.Request, version int64) bool {
	if !notModified(r, version) {
		return false
	}
	w.Header().Set("ETag", etag(version))
	w.WriteHeader(http.StatusNotModified)
	return true
}

// notModified reports whether If-None-Match names the current version.
func notModified(r *http.Request, version int64) bool {
	h := r.Header.Get("If-None-Match")
	if h == "" {
		return false
	}
	for _, t := range strings.Split(h, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		if v, ok := parseETag(t); ok && v == version {
			return true
		}
	}
	return false
}

// parseETag reads W/"n" or "n".
func parseETag(t string) (int64, bool) {
	t = strings.TrimPrefix(t, "W/")
	if len(t) < 2 || t[0] != '"' || t[len(t)-1] != '"' {
		return 0, false
	}
	v, err := strconv.ParseInt(t[1:len(t)-1], 10, 64)
	if err != nil || v <= 0 {
		return 0, false
	}
	return v, true
}
