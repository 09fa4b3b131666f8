package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/schema"
)

// A Bulk request (RFC 7644 §3.7) carries operations on Users and Groups. Each
// is served as the request it stands for, through the API's own routes and
// handlers (Server.bulk), admitted as part of the Bulk request by admitBulk:
// it is validated, checked against the tenant's policy, written with its
// event, counted and given its provisioning log row exactly as when sent
// alone, and it takes its own request from the tenant's bucket. Operations
// run in order, each atomic; a bulkId names a resource a POST created earlier
// in the same request.

// bulkIDPrefix starts a value that references a bulkId (RFC 7644 §3.7.2).
const bulkIDPrefix = "bulkId:"

// bulkRequest is the body of a Bulk request.
type bulkRequest struct {
	Schemas      []string        `json:"schemas"`
	FailOnErrors int             `json:"failOnErrors"`
	Operations   []bulkOperation `json:"Operations"`
}

// bulkOperation is one operation of a Bulk request.
type bulkOperation struct {
	Method  string          `json:"method"`
	BulkID  string          `json:"bulkId"`
	Version string          `json:"version"`
	Path    string          `json:"path"`
	Data    json.RawMessage `json:"data"`
}

// bulkResponse is the answer to a Bulk request.
type bulkResponse struct {
	Schemas    []string     `json:"schemas"`
	Operations []bulkResult `json:"Operations"`
}

// bulkResult is the outcome of one operation: its status as a string, and
// on failure the SCIM error it was answered with.
type bulkResult struct {
	Method   string          `json:"method"`
	BulkID   string          `json:"bulkId,omitempty"`
	Version  string          `json:"version,omitempty"`
	Location string          `json:"location,omitempty"`
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response,omitempty"`
}

func (s *Server) handleBulk(w http.ResponseWriter, r *http.Request) {
	req, err := s.readBulk(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	plan, err := planBulk(req.Operations)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, bulkResponse{
		Schemas:    []string{schema.BulkResponseURN},
		Operations: s.runBulk(r, plan, req.FailOnErrors),
	})
}

// readBulk reads and checks a BulkRequest. More operations than
// BulkMaxOperations is ETOOLARGE (413, RFC 7644 §3.7.4), as is a body over
// BulkMaxPayload, which admit refuses before the handler runs.
func (s *Server) readBulk(r *http.Request) (bulkRequest, error) {
	var req bulkRequest
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.opts.BulkMaxPayload))
	if err != nil {
		return req, err
	}
	if err := decodeJSON(body, &req); err != nil {
		return req, err
	}
	if !slices.ContainsFunc(req.Schemas, func(u string) bool { return strings.EqualFold(u, schema.BulkRequestURN) }) {
		return req, roster.Errorf(roster.EINVALIDSYNTAX, "the body is not a BulkRequest: its schemas must hold %s", schema.BulkRequestURN)
	}
	switch n := len(req.Operations); {
	case n == 0:
		return req, roster.Errorf(roster.EINVALID, "the BulkRequest has no Operations")
	case n > s.opts.BulkMaxOperations:
		return req, roster.Errorf(roster.ETOOLARGE, "the BulkRequest has %d operations, more than maxOperations (%d)", n, s.opts.BulkMaxOperations)
	}
	if req.FailOnErrors < 0 {
		return req, roster.Errorf(roster.EINVALID, "failOnErrors %d: want a positive number of errors, or none", req.FailOnErrors)
	}
	return req, nil
}

// runBulk runs the plan's steps in order and returns their results. With
// failOnErrors above 0 it stops once that many failed: the rest are not run
// and not listed (RFC 7644 §3.7.3).
func (s *Server) runBulk(r *http.Request, p *bulkPlan, failOnErrors int) []bulkResult {
	base := s.baseURL(r)
	results := make([]bulkResult, 0, len(p.steps))
	failed := 0
	for i := range p.steps {
		if r.Context().Err() != nil {
			break
		}
		res, ok := s.runStep(r, p, i, base)
		results = append(results, res)
		if !ok {
			failed++
			if failOnErrors > 0 && failed >= failOnErrors {
				break
			}
		}
	}
	return results
}

// runStep serves step i as the request it stands for and returns its
// result and whether it succeeded. A step refused before it runs (a malformed operation, a bulkId
// that cannot be resolved) is served too, by an operation that answers its
// refusal, so that it is counted and logged like any other.
func (s *Server) runStep(r *http.Request, p *bulkPlan, i int, base string) (bulkResult, bool) {
	st := &p.steps[i]
	path, data, err := st.path, st.op.Data, st.err
	if err == nil {
		path, data, err = p.resolve(i)
	}
	if err != nil {
		path, data = st.path, st.op.Data
	}
	req := s.stepRequest(r, st, path, data, err)
	var h http.Handler = s.bulk
	if err != nil {
		req.Pattern = st.pattern
		h = s.bulkOperation(st.resourceType, st.action, nil)
	}
	rec := &bulkRecorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	return p.result(i, rec, base+path)
}

// stepRequest returns the request a step stands for, in the context of the
// Bulk request r (its tenant, credential and request id). A step refused
// before it runs carries its refusal.
func (s *Server) stepRequest(r *http.Request, st *bulkStep, path string, data []byte, refuse error) *http.Request {
	call := &bulkCall{tenantID: tenantOf(r.Context()), refuse: refuse}
	if op := opOf(r.Context()); op != nil {
		call.tokenPrefix, call.tokenName = op.entry.TokenPrefix, op.entry.TokenName
	}
	ctx := context.WithValue(r.Context(), bulkKey, call)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(data)) // cannot fail
	req.Method = st.method
	req.URL = &url.URL{Path: Prefix + path}
	req.Host, req.RemoteAddr, req.TLS = r.Host, r.RemoteAddr, r.TLS
	req.Header.Set("Content-Type", contentType)
	for _, h := range []string{"X-Forwarded-Proto", "X-Forwarded-For"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	if st.op.Version != "" {
		req.Header.Set("If-Match", st.op.Version)
	}
	return req
}

// bulkCall is what the operations of a Bulk request take from it.
type bulkCall struct {
	tenantID               string
	tokenPrefix, tokenName string
	refuse                 error // why the operation is refused before it runs
}

const bulkKey ctxKey = 3

// bulkOperation returns h as an operation of a Bulk request (see operation).
func (s *Server) bulkOperation(resource, action string, h http.HandlerFunc) http.Handler {
	return s.operation(resource, action, s.admitBulk, h)
}

// admitBulk admits an operation of a Bulk request to the Bulk request's
// tenant, under its credential: the operation's data is bounded by
// MaxBodyBytes and takes a request from the tenant's bucket, as if sent
// alone. The Bulk request holds the in-flight slot.
func (s *Server) admitBulk(w http.ResponseWriter, r *http.Request) (string, func(), error) {
	call, ok := r.Context().Value(bulkKey).(*bulkCall)
	if !ok {
		panic("server: an operation of a Bulk request served outside one")
	}
	op := opOf(r.Context())
	op.entry.TenantID, op.entry.TokenPrefix, op.entry.TokenName = call.tenantID, call.tokenPrefix, call.tokenName
	if call.refuse != nil {
		return "", nil, call.refuse
	}
	if err := s.readAhead(w, r, s.opts.MaxBodyBytes); err != nil {
		return "", nil, err
	}
	if err := s.tenantBucket(r.Context(), call.tenantID); err != nil {
		return "", nil, err
	}
	return call.tenantID, func() {}, nil
}

// bulkRecorder keeps the response of one operation.
type bulkRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bulkRecorder) Header() http.Header { return w.header }

func (w *bulkRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *bulkRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// result returns step i's result from its response, and whether it
// succeeded. A POST that succeeded records the id its bulkId now names.
func (p *bulkPlan) result(i int, rec *bulkRecorder, location string) (bulkResult, bool) {
	st := &p.steps[i]
	res := bulkResult{Method: st.method, BulkID: st.op.BulkID, Status: strconv.Itoa(max(rec.status, http.StatusOK))}
	if rec.status >= http.StatusMultipleChoices {
		if st.method != http.MethodPost {
			res.Location = location
		}
		res.Response = bytes.Clone(rec.body.Bytes())
		return res, false
	}
	res.Version = rec.header.Get("ETag")
	res.Location = location
	if st.method == http.MethodPost {
		res.Location = rec.header.Get("Location")
		p.created[st.op.BulkID] = res.Location[strings.LastIndexByte(res.Location, '/')+1:]
	}
	return res, true
}

// bulkPlan is a Bulk request's operations as Roster runs them.
type bulkPlan struct {
	steps   []bulkStep
	defined map[string]int    // bulkId → the step whose POST has it
	created map[string]string // bulkId → the id of the resource its POST created
}

// bulkStep is one operation, read.
type bulkStep struct {
	op           bulkOperation
	method       string   // upper case
	resource     string   // "Users" or "Groups"
	id           string   // the resource's id in the path, maybe a bulkId reference; "" for POST
	path         string   // the path as sent, from its resource on
	resourceType string   // User or Group, as counted and logged
	action       string   // create, replace, patch or delete, as counted and logged
	pattern      string   // the route the operation takes
	doc          any      // the data, decoded, when it references bulkIds
	refs         []string // the bulkIds the path and data reference
	err          error    // why the operation is refused before it runs
}

// planBulk reads the operations. An operation that cannot run is refused
// alone, when its turn comes; the whole request is refused only when two
// POSTs share a bulkId, since then references to it mean nothing. Operations
// that reference each other's bulkIds in a circle are refused with
// ECIRCULAR: RFC 7644 §3.7.1 lets a server stop there (409).
func planBulk(ops []bulkOperation) (*bulkPlan, error) {
	p := &bulkPlan{steps: make([]bulkStep, len(ops)), defined: map[string]int{}, created: map[string]string{}}
	for i, op := range ops {
		p.steps[i] = readStep(op)
		if op.BulkID == "" || p.steps[i].method != http.MethodPost {
			continue
		}
		if j, dup := p.defined[op.BulkID]; dup {
			return nil, roster.Errorf(roster.EINVALID, "operations %d and %d have the same bulkId %q: a bulkId names one new resource", j+1, i+1, op.BulkID)
		}
		p.defined[op.BulkID] = i
	}
	for i, c := range p.circular() {
		if c && p.steps[i].err == nil {
			p.steps[i].err = &roster.Error{Code: roster.ECIRCULAR, Detail: "the operation is part of a circle of bulkId references (" +
				strings.Join(p.steps[i].refs, ", ") + "): Roster does not resolve circular references; create the resources first and reference them in a later operation"}
		}
	}
	return p, nil
}

// resources maps the endpoints a Bulk operation may name to their resource types.
var resources = map[string]string{"Users": userType, "Groups": groupType}

// actions maps a Bulk operation's method to its action, as routes names it.
var actions = map[string]string{http.MethodPost: "create", http.MethodPut: "replace", http.MethodPatch: "patch", http.MethodDelete: "delete"}

// readStep reads one operation: its method, its path (/Users or /Groups for
// a POST, /Users/{id} or /Groups/{id} otherwise) and the bulkIds it
// references. What is wrong with it becomes its err.
func readStep(op bulkOperation) bulkStep {
	st := bulkStep{op: op, method: strings.ToUpper(op.Method), path: "/" + strings.TrimPrefix(op.Path, "/")}
	st.resource, st.id, _ = strings.Cut(strings.TrimPrefix(st.path, "/"), "/")
	st.resourceType, st.action = resources[st.resource], actions[st.method]
	if st.resourceType != "" && st.action != "" {
		st.pattern = st.method + " " + Prefix + "/" + st.resource
		if st.method != http.MethodPost {
			st.pattern += "/{id}"
		}
	}
	switch {
	case st.action == "":
		st.err = roster.Errorf(roster.EINVALID, "method %q: a Bulk operation is POST, PUT, PATCH or DELETE", op.Method)
	case st.resourceType == "":
		st.err = roster.Errorf(roster.EINVALID, "path %q: a Bulk operation acts on /Users or /Groups", op.Path)
	case st.method == http.MethodPost && (st.id != "" || strings.HasSuffix(st.path, "/")):
		st.err = roster.Errorf(roster.EINVALID, "path %q: a POST names the endpoint, /Users or /Groups", op.Path)
	case st.method != http.MethodPost && (st.id == "" || st.id == "." || st.id == ".." || strings.Contains(st.id, "/")):
		st.err = roster.Errorf(roster.EINVALID, "path %q: a %s names one resource, /%s/{id}", op.Path, st.method, st.resource)
	case st.method == http.MethodPost && op.BulkID == "":
		st.err = roster.Errorf(roster.EINVALID, "a POST needs a bulkId (RFC 7644 §3.7)")
	case st.method != http.MethodDelete && len(op.Data) == 0:
		st.err = roster.Errorf(roster.EINVALID, "a %s needs data", st.method)
	}
	if st.err == nil {
		st.err = st.readRefs()
	}
	return st
}

// readRefs collects the bulkIds the step's path and data reference.
func (st *bulkStep) readRefs() error {
	seen := map[string]bool{}
	add := func(v string) {
		if b, ok := strings.CutPrefix(v, bulkIDPrefix); ok && !seen[b] {
			seen[b] = true
			st.refs = append(st.refs, b)
		}
	}
	add(st.id)
	if !bytes.Contains(st.op.Data, []byte(bulkIDPrefix)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(st.op.Data))
	dec.UseNumber()
	if err := dec.Decode(&st.doc); err != nil {
		return roster.Errorf(roster.EINVALIDSYNTAX, "the data is not valid JSON: %s", err.Error())
	}
	walkStrings(st.doc, func(v string) string { add(v); return v })
	return nil
}

// walkStrings replaces every string value in v (not keys) by f's answer.
func walkStrings(v any, f func(string) string) any {
	switch v := v.(type) {
	case string:
		return f(v)
	case map[string]any:
		for k, e := range v {
			v[k] = walkStrings(e, f)
		}
	case []any:
		for i, e := range v {
			v[i] = walkStrings(e, f)
		}
	}
	return v
}

// resolve returns step i's path and data with each bulkId reference
// replaced by the id of the resource an earlier POST created for it (RFC
// 7644 §3.7.2). A bulkId no earlier step created is EINVALID: operations run
// in the order sent.
func (p *bulkPlan) resolve(i int) (path string, data []byte, err error) {
	st := &p.steps[i]
	ids := make(map[string]string, len(st.refs))
	for _, b := range st.refs {
		j, ok := p.defined[b]
		switch {
		case !ok:
			return "", nil, unresolved("%s%s names no POST of this request", bulkIDPrefix, b)
		case j >= i:
			return "", nil, unresolved("%s%s is created by operation %d, after this one: operations run in the order sent", bulkIDPrefix, b, j+1)
		case p.created[b] == "":
			return "", nil, unresolved("%s%s was not created: operation %d failed", bulkIDPrefix, b, j+1)
		}
		ids[bulkIDPrefix+b] = p.created[b]
	}
	path, data = st.path, st.op.Data
	if id, ok := ids[st.id]; ok {
		path = "/" + st.resource + "/" + id
	}
	if st.doc != nil {
		doc := walkStrings(st.doc, func(v string) string { return cmp.Or(ids[v], v) })
		if data, err = json.Marshal(doc); err != nil {
			return "", nil, err
		}
	}
	return path, data, nil
}

// unresolved is the error of a bulkId reference that cannot be resolved.
func unresolved(format string, args ...any) error {
	e := roster.Errorf(roster.EINVALID, format, args...)
	e.Reason = "bulk_unresolved"
	return e
}

// circular reports which steps are on a circle of references, step i
// referencing step j when i references the bulkId of j's POST: the strongly
// connected components of more than one step (Tarjan's algorithm), and the
// steps that reference their own bulkId.
func (p *bulkPlan) circular() []bool {
	n := len(p.steps)
	on, index, low, stacked := make([]bool, n), make([]int, n), make([]int, n), make([]bool, n)
	var stack []int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		next++
		index[v], low[v] = next, next
		stack, stacked[v] = append(stack, v), true
		for _, b := range p.steps[v].refs {
			w, ok := p.defined[b]
			switch {
			case !ok:
			case w == v:
				on[v] = true
			case index[w] == 0:
				visit(w)
				low[v] = min(low[v], low[w])
			case stacked[w]:
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		top := len(stack) - 1
		for stack[top] != v {
			top--
		}
		for _, w := range stack[top:] {
			stacked[w] = false
			on[w] = on[w] || len(stack)-top > 1
		}
		stack = stack[:top]
	}
	for v := range p.steps {
		if index[v] == 0 && len(p.steps[v].refs) > 0 {
			visit(v)
		}
	}
	return on
}
