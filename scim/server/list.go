package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/jsonenc"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/patch"
	"github.com/rosterhq/roster/scim/schema"
)

// listParams are the query parameters of a list or search request (RFC 7644 §3.4.2).
type listParams struct {
	Filter     string
	SortBy     string
	SortOrder  string
	StartIndex int
	Count      int
	Attributes []string
	Excluded   []string
	// Cursor is set when the request pages by cursor (RFC 9865): "" for the
	// first page, else the nextCursor of the previous one.
	Cursor *string
	// indexed is set when the request named startIndex, counted when it
	// named count.
	indexed, counted bool
}

// whole reports whether p asks for whole resources: no attributes and no
// excludedAttributes.
func (p listParams) whole() bool { return len(p.Attributes) == 0 && len(p.Excluded) == 0 }

// searchRequest is the body of POST .search (RFC 7644 §3.4.3).
type searchRequest struct {
	Schemas            []string `json:"schemas"`
	Attributes         []string `json:"attributes"`
	ExcludedAttributes []string `json:"excludedAttributes"`
	Filter             string   `json:"filter"`
	SortBy             string   `json:"sortBy"`
	SortOrder          string   `json:"sortOrder"`
	StartIndex         *int     `json:"startIndex"`
	Count              *int     `json:"count"`
	Cursor             *string  `json:"cursor"`
}

// listResponse is the RFC 7644 §3.4.2 ListResponse.
type listResponse struct {
	TotalResults int // not written for cursor pages
	StartIndex   int // index pages only
	Cursor       bool
	NextCursor   string // RFC 9865: absent on the last page
	Resources    []map[string]any
}

// appendJSON appends the response: schemas, totalResults and startIndex (index
// pages), itemsPerPage, nextCursor (when another page follows), Resources.
func (res *listResponse) appendJSON(b []byte) ([]byte, error) {
	b = res.appendHead(b, len(res.Resources))
	for i, d := range res.Resources {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = jsonenc.AppendValue(b, d); err != nil {
			return b, err
		}
	}
	return append(b, "]}"...), nil
}

// appendHead appends the response up to its open Resources array, which is
// to hold n resources.
func (res *listResponse) appendHead(b []byte, n int) []byte {
	b = append(b, `{"schemas":["`+schema.ListResponseURN+`"]`...)
	if !res.Cursor {
		b = append(b, `,"totalResults":`...)
		b = strconv.AppendInt(b, int64(res.TotalResults), 10)
		if res.StartIndex != 0 {
			b = append(b, `,"startIndex":`...)
			b = strconv.AppendInt(b, int64(res.StartIndex), 10)
		}
	}
	b = append(b, `,"itemsPerPage":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	if res.NextCursor != "" {
		b = append(b, `,"nextCursor":`...)
		b = jsonenc.AppendString(b, res.NextCursor)
	}
	return append(b, `,"Resources":[`...)
}

// listing returns the handler of a list (GET, parameters in the query) or a
// search (POST .search, parameters in the body): read the parameters, then list.
func (s *Server) listing(params func(*http.Request) (listParams, error), list func(http.ResponseWriter, *http.Request, listParams)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := params(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		list(w, r, p)
	}
}

// readResource reads the query parameters and the JSON object body of a POST or PUT.
func (s *Server) readResource(r *http.Request) (listParams, map[string]any, error) {
	p, err := s.queryParams(r)
	if err != nil {
		return p, nil, err
	}
	var in map[string]any
	err = s.decode(r, &in)
	return p, in, err
}

// queryParams reads list parameters from the URL query. Unknown parameters (such as
// Entra's aadOptscim062020 feature flag) are ignored. Names are case-insensitive.
func (s *Server) queryParams(r *http.Request) (listParams, error) {
	q := r.URL.Query()
	p := listParams{StartIndex: 1}
	for k, vs := range q {
		if len(vs) == 0 {
			continue
		}
		v := vs[0]
		var err error
		switch strings.ToLower(k) {
		case "filter":
			p.Filter = v
		case "sortby":
			p.SortBy = v
		case "sortorder":
			p.SortOrder = v
		case "startindex":
			p.StartIndex, err = intParam(k, v)
			p.indexed = true
		case "cursor":
			p.Cursor = &v
		case "count":
			p.Count, err = intParam(k, v)
			p.counted = true
		case "attributes":
			p.Attributes = attrList(v)
		case "excludedattributes":
			p.Excluded = attrList(v)
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// bodyParams reads list parameters from a .search body.
func (s *Server) bodyParams(r *http.Request) (listParams, error) {
	var req searchRequest
	if err := s.decode(r, &req); err != nil {
		return listParams{}, err
	}
	p := listParams{
		Filter: req.Filter, SortBy: req.SortBy, SortOrder: req.SortOrder,
		Attributes: req.Attributes, Excluded: req.ExcludedAttributes,
		StartIndex: 1,
	}
	if req.StartIndex != nil {
		p.StartIndex, p.indexed = *req.StartIndex, true
	}
	p.Cursor = req.Cursor
	if req.Count != nil {
		p.Count, p.counted = *req.Count, true
	}
	return p, nil
}

func intParam(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, roster.Errorf(roster.EINVALID, "%s must be an integer, got %q", name, v)
	}
	return n, nil
}

// attrList splits a comma-separated attributes parameter.
func attrList(v string) []string {
	var out []string
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// query turns list parameters into a store query for resourceType.
func (s *Server) query(r *http.Request, resourceType string, p listParams) (roster.Query, error) {
	q := roster.Query{
		StartIndex: p.StartIndex,
		Count:      p.Count,
		Resolve:    s.resolver(r, resourceType),
		Canonical:  s.canonical(r, resourceType),
	}
	// RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count is 0.
	q.StartIndex = max(q.StartIndex, 1)
	switch {
	case !p.counted:
		q.Count = s.opts.DefaultCount
	case q.Count < 0:
		q.Count = 0
	case q.Count > s.opts.MaxCount:
		q.Count = s.opts.MaxCount
	}
	if p.Filter != "" {
		if len(p.Filter) > s.opts.MaxFilterLength {
			return q, roster.Errorf(roster.EINVALIDFILTER, "the filter is %d bytes, longer than the limit of %d bytes", len(p.Filter), s.opts.MaxFilterLength)
		}
		f, err := filter.Parse(p.Filter)
		if err != nil {
			return q, err
		}
		if a, ok := derived(f); ok {
			return q, roster.Errorf(roster.EINVALIDFILTER, "%s is derived by the tenant's policy, not stored as sent: it cannot be filtered on", a)
		}
		q.Filter = f
		if op := opOf(r.Context()); op != nil {
			op.filter = f
		}
	}
	if p.SortBy != "" {
		a, err := filter.ParseAttrPath(p.SortBy)
		if err != nil {
			return q, roster.Errorf(roster.EINVALID, "sortBy: %s", err.Error())
		}
		q.SortBy = a
	}
	switch strings.ToLower(p.SortOrder) {
	case "", "ascending":
	case "descending":
		q.SortDesc = true
	default:
		return q, roster.Errorf(roster.EINVALID, "sortOrder must be \"ascending\" or \"descending\", got %q", p.SortOrder)
	}
	q.WithoutMembers = resourceType == groupType && !wantsMembers(p)
	if p.Cursor != nil {
		return cursorQuery(q, p)
	}
	return q, nil
}

// cursorQuery turns q into a page of cursor pagination (RFC 9865), in
// creation order; every page costs the same however deep it is.
func cursorQuery(q roster.Query, p listParams) (roster.Query, error) {
	if p.indexed {
		return q, roster.Errorf(roster.EINVALID, "startIndex and cursor cannot be used together: page by one or the other")
	}
	if p.SortBy != "" || q.SortDesc {
		return q, roster.Errorf(roster.EINVALID, "sortBy cannot be used with cursor pagination: cursor pages are in creation order")
	}
	return roster.CursorPage(q, *p.Cursor, q.Count)
}

// wantsMembers reports whether a projection includes group members.
func wantsMembers(p listParams) bool {
	for _, a := range p.Excluded {
		if ap, err := filter.ParseAttrPath(a); err == nil && ap.Sub == "" && isMembers(a) {
			return false // members excluded whole, not one sub-attribute
		}
	}
	if len(p.Attributes) == 0 {
		return true
	}
	for _, a := range p.Attributes {
		if isMembers(a) {
			return true
		}
	}
	return false
}

func isMembers(a string) bool {
	ap, err := filter.ParseAttrPath(a)
	if err != nil {
		return false
	}
	return strings.EqualFold(ap.Name, "members") && (ap.URN == "" || strings.EqualFold(ap.URN, schema.GroupURN))
}

// writeList writes one page of resources as a ListResponse. A cursor page
// (q.Cursor) has read one resource more than it shows when another page
// follows; cursor(i) is then the nextCursor after resource i.
func (s *Server) writeList(w http.ResponseWriter, q roster.Query, total int, docs []map[string]any, cursor func(i int) string) {
	res, n := pageOf(q, total, len(docs), cursor)
	res.Resources = docs[:n]
	s.writeJSON(w, http.StatusOK, res)
}

// pageOf returns the ListResponse of a page of n resources read for q, without
// its resources, and how many of them it shows (see writeList).
func pageOf(q roster.Query, total, n int, cursor func(i int) string) (*listResponse, int) {
	res := &listResponse{Cursor: q.Cursor, TotalResults: total, StartIndex: q.StartIndex}
	if q.Cursor {
		if page := max(q.Count-1, 0); n > page {
			n = page
			if page > 0 {
				res.NextCursor = cursor(page - 1)
			}
		}
	}
	return res, n
}

// decode reads a JSON request body of at most MaxBodyBytes into v. The body
// is one JSON value with nothing but white space after it, and no string or
// key in it holds NUL, which PostgreSQL cannot store and SQLite would keep
// beside the same text without it.
func (s *Server) decode(r *http.Request, v any) error {
	body, err := s.readBody(r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// decodeJSON decodes body, one JSON value without NUL characters, into v.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return roster.Errorf(roster.EINVALIDSYNTAX, "the body is not valid JSON: %s", err.Error())
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(body[end:], " \t\r\n"); len(rest) > 0 {
		return roster.Errorf(roster.EINVALIDSYNTAX, "the body holds more than one JSON value: %d more bytes follow the first at offset %d", len(rest), len(body)-len(rest))
	}
	return noNUL(body)
}

// noNUL refuses a JSON body with NUL (\u0000) in a string or key.
func noNUL(body []byte) error {
	if i := jsonenc.IndexNUL(body); i >= 0 {
		return roster.Errorf(roster.EINVALID, "the body holds a NUL character (\\u0000) at offset %d: no value or attribute name may hold one", i)
	}
	return nil
}

// readBody reads a request body of at most MaxBodyBytes.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(nil, r.Body, s.opts.MaxBodyBytes))
}

// readPatch reads the query parameters and the PatchOp body of a PATCH.
func (s *Server) readPatch(r *http.Request) (listParams, []patch.Operation, error) {
	p, err := s.queryParams(r)
	if err != nil {
		return p, nil, err
	}
	body, err := s.readBody(r)
	if err != nil {
		return p, nil, err
	}
	ops, err := patch.Decode(body, s.opts.MaxOperations)
	if err != nil {
		return p, nil, err
	}
	return p, ops, noNUL(body)
}
