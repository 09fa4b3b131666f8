package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/httpx"
	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/provlog"
	"github.com/rosterhq/roster/scim/filter"
)

// LogRecorder takes the provisioning log's rows with the raw request and
// response bodies; provlog.Recorder is one. The rows of requests refused
// before authentication go to RecordRefusal with their source address, which
// may aggregate them: anyone can send those.
type LogRecorder interface {
	Record(e *roster.LogEntry, request, response []byte)
	RecordRefusal(addr string, e *roster.LogEntry, request, response []byte)
}

// logWriter keeps the status and the start of the body of a response.
type logWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	keep   int // how much of the body to keep: what provlog.Finish may store, and a byte to tell it was cut
}

func (w *logWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if room := w.keep - w.body.Len(); room > 0 {
		w.body.Write(b[:min(len(b), room)])
	}
	return w.ResponseWriter.Write(b)
}

func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// record completes the request's log row from its response and hands it
// over. What costs CPU (redacting bodies, reading the resource's identity
// out of JSON) is left to the recorder's own goroutine: see provlog.Finish.
func (s *Server) record(r *http.Request, op *operation, w *logWriter) {
	e := op.entry
	e.Latency = s.clock().Sub(e.Time)
	e.RequestID = httpx.RequestID(r.Context())
	e.Status = w.status
	if e.Status == 0 {
		e.Status = http.StatusOK
	}
	if op.err != nil {
		e.Reason = provlog.ReasonOf(op.err)
		e.ScimType = errorStatus[op.code].scimType
		if e.Reason == "token_whitespace" && e.TenantID == "" {
			e.TenantID = s.whitespaceTenant(r)
		}
	}
	if e.ResourceID == "" {
		e.ResourceID = r.PathValue("id")
	}
	if e.Action == "list" || e.Action == "search" {
		lookup(e, op.filter, w.body.Bytes())
	}
	if e.Action == "list" && op.filter == nil && oktaTest(r) {
		e.Action = "test-connection"
	}
	// The response buffer is the writer's own; the request body is not reused.
	var ref *refusal
	if e.TenantID == "" && (op.code == roster.EUNAUTHORIZED || errors.As(op.err, &ref)) {
		s.logs.RecordRefusal(httpx.ClientAddr(r, s.limits.TrustProxy), e, op.reqBody, w.body.Bytes())
		return
	}
	s.logs.Record(e, op.reqBody, w.body.Bytes())
}

// whitespaceTenant finds the tenant of a token sent with whitespace around
// it, for the log only: the request stays refused.
func (s *Server) whitespaceTenant(r *http.Request) string {
	_, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok, err := s.token(r.Context(), strings.Join(strings.Fields(rest), ""))
	if err != nil {
		return ""
	}
	notePrefix(r.Context(), tok.Prefix)
	return tok.TenantID
}

// uuidText matches the random GUIDs Entra ID's Test Connection looks up.
var uuidText = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// oktaTest reports whether r is Okta's Test Connector Configuration: the
// first two users, `GET /Users?startIndex=1&count=2`, and nothing else.
func oktaTest(r *http.Request) bool {
	q := r.URL.Query()
	return strings.HasSuffix(r.URL.Path, "/Users") && len(q) == 2 && q.Get("startIndex") == "1" && q.Get("count") == "2"
}

// lookup refines a list's action from its filter: a lookup by userName,
// externalId or id, or Entra ID's Test Connection (a random GUID as userName,
// found nowhere).
func lookup(e *roster.LogEntry, f filter.Expr, res []byte) {
	c, ok := filterTerm(f)
	if !ok {
		return
	}
	e.Action = "lookup"
	switch strings.ToLower(c.Attr.Name) {
	case "username", "displayname":
		e.Name = c.Value.Text
		if uuidText.MatchString(c.Value.Text) && bytes.Contains(res, []byte(`"totalResults":0`)) {
			e.Action = "test-connection"
		}
	case "externalid":
		e.ExternalID = c.Value.Text
	case "id":
		e.ResourceID = c.Value.Text
	}
}

// filterTerm returns the equality term of a filter that is just "attr eq value",
// or the first term of Entra's membership check `id eq "G" and members[…]`.
func filterTerm(x filter.Expr) (*filter.Compare, bool) {
	if l, ok := x.(*filter.Logical); ok {
		x = l.Left
	}
	c, ok := x.(*filter.Compare)
	if !ok || c.Op != filter.Eq || c.Value.Kind != filter.KindString {
		return nil, false
	}
	return c, true
}

// noteChange records on the request's row the attributes a write changed,
// old and new, and whether it deactivated or reactivated a user.
func noteChange(r *http.Request, old, new map[string]any, wasActive, isActive *bool) {
	op := opOf(r.Context())
	if op == nil {
		return
	}
	op.entry.ExternalID, _ = new["externalId"].(string)
	if n, ok := new["userName"].(string); ok {
		op.entry.Name = n
	} else {
		op.entry.Name, _ = new["displayName"].(string)
	}
	changes := map[string]map[string]any{}
	for k, ov := range roster.Changed(old, new) {
		changes[k] = map[string]any{"old": ov, "new": new[k]}
	}
	for i, path := range op.ignored.Ignored {
		changes[path] = map[string]any{"ignored": op.ignored.Reasons[i], "sent": op.ignored.IdP[path]}
	}
	if b, err := json.Marshal(changes); err == nil {
		op.entry.Changes = b
	}
	if wasActive != nil && isActive != nil && *wasActive != *isActive {
		op.entry.Action = map[bool]string{true: "reactivate", false: "deactivate"}[*isActive]
	}
}

// noteWarnings records on the request's row that the write went through with
// warnings; the first one's catalog code becomes the row's reason.
func noteWarnings(r *http.Request, warnings []string) {
	if op := opOf(r.Context()); op != nil && len(warnings) > 0 && op.entry.Reason == "" {
		op.entry.Reason = "folder_kept"
	}
}

// noteIgnored records on the request's row what the write sent that the
// tenant's policy did not take: the first reason becomes the row's, and each
// value, with its reason, joins the row's changes as {"ignored": reason,
// "sent": value}.
func noteIgnored(r *http.Request, t policy.Taken) {
	op := opOf(r.Context())
	if op == nil || len(t.Reasons) == 0 {
		return
	}
	if op.entry.Reason == "" {
		op.entry.Reason = t.Reasons[0]
	}
	op.ignored = t
}

// noteCreated records on the request's row the id a create gave the resource.
func noteCreated(r *http.Request, id string) {
	if op := opOf(r.Context()); op != nil {
		op.entry.ResourceID = id
	}
}

// noteAction replaces the request's derived action.
func noteAction(r *http.Request, action string) {
	if op := opOf(r.Context()); op != nil {
		op.entry.Action = action
	}
}

// noteMemberChanges names a group PATCH by its member batches: members-add or
// members-remove when it only adds or only removes members.
func noteMemberChanges(r *http.Request, changes []roster.MemberChange, docToo bool) {
	if docToo || len(changes) == 0 {
		return
	}
	add, remove := false, false
	for _, c := range changes {
		switch c.Op {
		case roster.MembersAdd:
			add = true
		default:
			remove = true
		}
	}
	switch {
	case add && !remove:
		noteAction(r, "members-add")
	case remove && !add:
		noteAction(r, "members-remove")
	}
}
