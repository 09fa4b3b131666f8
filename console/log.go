package console

import (
	"bytes"
	"encoding/json"
	"html/template"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/provlog"
)

// maxExport bounds the rows of an export: its limit= may ask for fewer.
const maxExport = 100000

// exportBatch is how many rows an export reads from the store at a time.
const exportBatch = 1000

// logMethods are the HTTP methods the log page filters by.
var logMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// formTimes are the layouts a time of the filter form is read in, UTC: a
// datetime-local field's, with and without seconds, and RFC 3339.
var formTimes = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339}

// logFilter is the log page's filter form as sent: the conditions of
// `roster log`, each a query parameter.
type logFilter struct {
	Outcome, Status, Method, Action, Reason, User, Request, Since, Until string
	// Errors holds the message of each refused field, by its name.
	Errors map[string]string
}

func readLogFilter(v url.Values) logFilter {
	get := func(k string) string { return trimSearch(v.Get(k)) }
	return logFilter{Outcome: get("outcome"), Status: get("status"), Method: get("method"), Action: get("action"),
		Reason: get("reason"), User: get("user"), Request: get("request"), Since: get("since"), Until: get("until")}
}

// query returns the store query of f's conditions in the tenant, noting in
// f.Errors each field it refuses. With a user it is the user's timeline,
// oldest first, as `roster log --user` reads.
func (f *logFilter) query(tenantID string) roster.LogQuery {
	q := roster.LogQuery{TenantID: tenantID, Method: f.Method, Action: f.Action, Reason: f.Reason, User: f.User,
		RequestID: f.Request, Failed: f.Outcome == "failed", Oldest: f.User != ""}
	refuse := func(field, message string) {
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		f.Errors[field] = message
	}
	if f.Outcome != "" && f.Outcome != "failed" {
		refuse("outcome", "Choose any outcome or failures only.")
	}
	var err error
	if q.StatusClass, q.Status, err = provlog.ParseStatus(f.Status); err != nil {
		refuse("status", "Status: "+err.Error()+".")
	}
	if f.Method != "" && !slices.Contains(logMethods, f.Method) {
		refuse("method", "Choose a method of the list.")
	}
	if f.Action != "" && !slices.Contains(provlog.Actions, f.Action) {
		refuse("action", "Choose an action of the list.")
	}
	if _, ok := provlog.Explain(f.Reason); f.Reason != "" && !ok {
		refuse("reason", "Choose a reason of the list.")
	}
	for _, b := range []struct {
		field, value string
		t            *time.Time
	}{{"since", f.Since, &q.Since}, {"until", f.Until, &q.Until}} {
		if *b.t, err = parseFormTime(b.value); err != nil {
			refuse(b.field, "Give a date and time such as 2026-05-01T12:00 (UTC).")
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		refuse("until", "Until must be later than since.")
	}
	return q
}

// err is f's refusal as one EINVALID error, its messages in the form's order.
func (f *logFilter) err() error {
	var messages []string
	for _, field := range []string{"outcome", "status", "method", "action", "reason", "since", "until"} {
		if m, ok := f.Errors[field]; ok {
			messages = append(messages, m)
		}
	}
	return roster.Errorf(roster.EINVALID, "%s", strings.Join(messages, " "))
}

// parseFormTime reads a time of the filter form; "" is the zero time.
func parseFormTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	var err error
	for _, layout := range formTimes {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// logRow is a row as the log's pages show it.
type logRow struct{ provlog.Row }

// At is the row's time to the second, UTC.
func (r logRow) At() string { return r.Time.Format("2006-01-02 15:04:05") }

// Who is what the row's resource is found by in the timeline: its id, else
// its externalId, else its name ("" for none).
func (r logRow) Who() string {
	switch {
	case r.ResourceID != "":
		return r.ResourceID
	case r.ExternalID != "":
		return r.ExternalID
	}
	return r.Name
}

// Label is how the row names its resource: its name, else its externalId,
// else its id.
func (r logRow) Label() string {
	switch {
	case r.Name != "":
		return r.Name
	case r.ExternalID != "":
		return r.ExternalID
	}
	return r.ResourceID
}

// Failed reports whether the request failed.
func (r logRow) Failed() bool { return r.Status >= 400 }

// logView is the log page.
type logView struct {
	Filter logFilter
	Rows   []logRow
	// Next is the URL of the next page, "" on the last one; CSV and NDJSON
	// export the rows of the same filters.
	Next, CSV, NDJSON template.URL
	Methods, Actions  []string
	Reasons           []provlog.Reason
	MaxExport         int
}

// handleLog shows the tenant's provisioning log a page at a time, newest
// first (a user's timeline oldest first), by the filters of `roster log`.
func (s *Server) handleLog(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	v := logView{Filter: readLogFilter(r.URL.Query()), Methods: logMethods, Actions: provlog.Actions, Reasons: provlog.Reasons,
		MaxExport: maxExport}
	q := v.Filter.query(t.ID)
	v.CSV, v.NDJSON = s.exportURL(r, t, provlog.CSV), s.exportURL(r, t, provlog.NDJSON)
	p := page{Title: "Provisioning log", Tenant: t, Tab: "log", Data: &v}
	if v.Filter.Errors != nil {
		return s.render(w, r, http.StatusUnprocessableEntity, "log", p)
	}
	if v.Rows, v.Next, err = s.logPage(r, q); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "log", p)
}

// logPage reads the page of log rows of q that r asks for (its before= or,
// for a timeline read oldest first, after= key), and the URL of the next.
func (s *Server) logPage(r *http.Request, q roster.LogQuery) ([]logRow, template.URL, error) {
	key := "before"
	if q.Oldest {
		key = "after"
	}
	if err := setPageKey(&q, r.URL.Query().Get(key)); err != nil {
		return nil, "", err
	}
	q.Limit = pageSize + 1
	es, err := s.store.Log(r.Context(), q)
	if err != nil {
		return nil, "", err
	}
	var next template.URL
	if len(es) > pageSize {
		es = es[:pageSize]
		next = nextPage(r, key, strconv.FormatInt(es[len(es)-1].ID, 10))
	}
	rows := make([]logRow, 0, len(es))
	for _, e := range es {
		rows = append(rows, logRow{provlog.NewRow(e)})
	}
	return rows, next, nil
}

// setPageKey sets q's paging key from a page's before= or after= value.
func setPageKey(q *roster.LogQuery, key string) error {
	if key == "" {
		return nil
	}
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil || id <= 0 {
		return roster.Errorf(roster.EINVALID, "This page's link is broken: %q is not a row of the log.", key)
	}
	if q.Oldest {
		q.After = id
	} else {
		q.Before = id
	}
	return nil
}

// exportURL is the URL of the export in format of r's filters, from the first row.
func (s *Server) exportURL(r *http.Request, t *roster.Tenant, format string) template.URL {
	q := r.URL.Query()
	q.Del("before")
	q.Del("after")
	u := s.tenantPath(t, "/log."+format)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return template.URL(u)
}

// logEntryView is one row of the log, in full.
type logEntryView struct {
	Row logRow
	// Changes are the attributes the request changed, or nil when the row's
	// changes are not an object of them (shown as stored).
	Changes           []change
	Request, Response string
	// Timeline is the URL of the resource's timeline ("" for no resource).
	Timeline template.URL
}

// change is an attribute a request changed, its values as JSON.
type change struct{ Attr, Old, New string }

// handleLogEntry shows one row: its request and response bodies as stored
// (redacted when written), and its reason with the catalog's explanation.
func (s *Server) handleLogEntry(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("entry"), 10, 64)
	if err != nil || id <= 0 || id == math.MaxInt64 {
		return roster.Errorf(roster.ENOTFOUND, "The log of %s has no row %q.", t.Name, r.PathValue("entry"))
	}
	// The tenant's newest row up to id: the row, unless it is not the tenant's.
	es, err := s.store.Log(r.Context(), roster.LogQuery{TenantID: t.ID, Before: id + 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(es) == 0 || es[0].ID != id {
		return roster.Errorf(roster.ENOTFOUND, "The log of %s has no row %d (rows are kept for the log's retention).", t.Name, id)
	}
	v := logEntryView{Row: logRow{provlog.NewRow(es[0])}, Changes: changesOf(es[0].Changes),
		Request: indentJSON(es[0].Request), Response: indentJSON(es[0].Response)}
	if who := v.Row.Who(); who != "" {
		v.Timeline = template.URL(s.tenantPath(t, "/log") + "?" + url.Values{"user": {who}}.Encode())
	}
	title := "Request " + v.Row.RequestID
	return s.render(w, r, http.StatusOK, "logentry", page{Title: title, Tenant: t, Tab: "log", Data: v})
}

// changesOf reads a row's changes, {"attr": {"old": …, "new": …}, …}, by
// attribute name; an entry of another shape (_notApplied) is its New.
func changesOf(raw json.RawMessage) []change {
	var byAttr map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &byAttr) != nil {
		return nil
	}
	var out []change
	for attr, v := range byAttr {
		var on struct{ Old, New json.RawMessage }
		if json.Unmarshal(v, &on) != nil || on.Old == nil && on.New == nil {
			out = append(out, change{Attr: attr, New: string(v)})
			continue
		}
		out = append(out, change{Attr: attr, Old: string(on.Old), New: string(on.New)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Attr < out[j].Attr })
	return out
}

// indentJSON returns a body indented when it is JSON, else as it is.
func indentJSON(body string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(body), "", "  ") != nil {
		return body
	}
	return b.String()
}

func (s *Server) handleLogCSV(w http.ResponseWriter, r *http.Request) error {
	return s.exportLog(w, r, provlog.CSV)
}

func (s *Server) handleLogNDJSON(w http.ResponseWriter, r *http.Request) error {
	return s.exportLog(w, r, provlog.NDJSON)
}

// exportLog writes the rows of the log page's filters as a file in format,
// at most limit= of them (maxExport), read from the store a batch at a time
// and written as they are read.
func (s *Server) exportLog(w http.ResponseWriter, r *http.Request, format string) error {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	f := readLogFilter(r.URL.Query())
	q := f.query(t.ID)
	if f.Errors != nil {
		return f.err()
	}
	limit := maxExport
	if l := r.URL.Query().Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > maxExport {
			return roster.Errorf(roster.EINVALID, "An export has 1 to %d rows; limit %q is not one of them.", maxExport, l)
		}
	}
	q.Limit = min(exportBatch, limit)
	es, err := s.store.Log(r.Context(), q) // before the answer starts, so that a failure is an error page
	if err != nil {
		return err
	}
	name := "roster-log-" + t.Name + "-" + s.opts.Now().UTC().Format("20060102-150405") + "." + format
	w.Header().Set("Content-Type", provlog.ContentType(format))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	x, _ := provlog.NewWriter(w, format) // format is one of the two
	rc := http.NewResponseController(w)
	for n := 0; ; {
		for _, e := range es {
			if x.Write(provlog.NewRow(e)) != nil {
				return nil // the client went away
			}
		}
		n += len(es)
		if len(es) < q.Limit || n >= limit {
			break
		}
		if q.Oldest {
			q.After = es[len(es)-1].ID
		} else {
			q.Before = es[len(es)-1].ID
		}
		q.Limit = min(exportBatch, limit-n)
		// Each batch has its own time to reach the client: a large export over
		// a slow link outlasts the server's write timeout.
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if es, err = s.store.Log(r.Context(), q); err != nil {
			// The file has begun: end the answer unfinished, so that the client
			// does not take what it has for the whole export.
			s.opts.Logger.ErrorContext(r.Context(), "console: log export", "tenant", t.Name, "rows", n, "err", err)
			panic(http.ErrAbortHandler)
		}
	}
	_ = x.Flush() // an error: the client went away
	return nil
}
