package provlog

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/term"
)

// Row is a log entry as `roster log --json` and the app API show it.
type Row struct {
	ID           int64           `json:"id"`
	Tenant       string          `json:"tenant"`
	Time         time.Time       `json:"time"`
	LatencyMS    float64         `json:"latency_ms"`
	RequestID    string          `json:"request_id"`
	Method       string          `json:"method"`
	Route        string          `json:"route"`
	Query        string          `json:"query,omitempty"`
	Action       string          `json:"action"`
	ResourceType string          `json:"resource_type,omitempty"`
	ResourceID   string          `json:"resource_id,omitempty"`
	ExternalID   string          `json:"external_id,omitempty"`
	Name         string          `json:"name,omitempty"`
	Status       int             `json:"status"`
	ScimType     string          `json:"scim_type,omitempty"`
	Reason       string          `json:"reason,omitempty"`
	Explanation  string          `json:"explanation,omitempty"`
	WhatToDo     string          `json:"what_to_do,omitempty"`
	TokenPrefix  string          `json:"token_prefix,omitempty"`
	TokenName    string          `json:"token_name,omitempty"`
	Changes      json.RawMessage `json:"changes,omitempty"`
	Request      string          `json:"request,omitempty"`
	Response     string          `json:"response,omitempty"`
}

// Actions are what Roster derives a row's action from: the SCIM operation
// (refined for lookups, Entra's Test Connection, deactivations and member
// changes), sign-in, an OAuth client's token request, and the aggregate of
// refused requests.
var Actions = []string{"create", "update", "replace", "deactivate", "reactivate", "delete", "lookup", "test-connection",
	"members-add", "members-remove", "get", "list", "search", "discovery", "bulk", "sign-in", "sign-in-test", "userinfo", "token", "repeated"}

// NewRow returns the shown form of e, with its reason explained.
func NewRow(e *roster.LogEntry) Row {
	r := Row{ID: e.ID, Tenant: e.TenantID, Time: e.Time.UTC(), LatencyMS: float64(e.Latency.Microseconds()) / 1000,
		RequestID: e.RequestID, Method: e.Method, Route: e.Route, Query: e.Query, Action: e.Action,
		ResourceType: e.ResourceType, ResourceID: e.ResourceID, ExternalID: e.ExternalID, Name: e.Name,
		Status: e.Status, ScimType: e.ScimType, Reason: e.Reason, TokenPrefix: e.TokenPrefix, TokenName: e.TokenName,
		Changes: e.Changes, Request: e.Request, Response: e.Response}
	if x, ok := Explain(e.Reason); ok {
		r.Explanation, r.WhatToDo = x.Explanation, x.Action
	}
	return r
}

// ForTerminal returns r with the control characters a terminal acts on (C0
// but tab and newline, DEL, C1, and bytes that are not UTF-8, which some
// terminals read as C1) taken out of its text: what a client sent, logged as
// sent, must not move the cursor, recolour or retitle the terminal of whoever
// reads the log.
func (r Row) ForTerminal() Row {
	for _, p := range []*string{&r.Tenant, &r.RequestID, &r.Method, &r.Route, &r.Query, &r.Action, &r.ResourceType,
		&r.ResourceID, &r.ExternalID, &r.Name, &r.ScimType, &r.Reason, &r.TokenPrefix, &r.TokenName, &r.Request, &r.Response} {
		*p = term.Clean(*p)
	}
	if len(r.Changes) > 0 {
		r.Changes = json.RawMessage(term.Clean(string(r.Changes)))
	}
	return r
}

// The formats rows are exported in.
const (
	CSV    = "csv"    // a header line, then a line per row; bodies left out
	NDJSON = "ndjson" // a JSON object per line (Row's fields), bodies included
)

// ContentType is the media type of an export in format.
func ContentType(format string) string {
	if format == CSV {
		return "text/csv; charset=utf-8"
	}
	return "application/x-ndjson"
}

// csvHeader names the columns of CSV.
var csvHeader = []string{"id", "tenant", "time", "latency_ms", "request_id", "method", "route", "query", "action",
	"resource_type", "resource_id", "external_id", "name", "status", "scim_type", "reason", "explanation",
	"token_prefix", "token_name", "changes"}

// Writer writes rows one at a time in an export format, so that an export of
// any length is written as it is read, never held whole. `roster log`, the
// app API and the console's exports write through it.
type Writer struct {
	csv  *csv.Writer
	json *json.Encoder
}

// NewWriter returns a Writer of format (CSV or NDJSON) to w; a CSV export
// starts with its header line. An unknown format is EINVALID.
func NewWriter(w io.Writer, format string) (*Writer, error) {
	switch format {
	case CSV:
		cw := csv.NewWriter(w)
		cw.Write(csvHeader) // buffered: its error is Flush's
		return &Writer{csv: cw}, nil
	case NDJSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return &Writer{json: enc}, nil
	}
	return nil, roster.Errorf(roster.EINVALID, "format: want %s or %s, got %q", CSV, NDJSON, format)
}

// Write writes r.
func (x *Writer) Write(r Row) error {
	if x.json != nil {
		return x.json.Encode(r)
	}
	rec := []string{strconv.FormatInt(r.ID, 10), r.Tenant, r.Time.Format(time.RFC3339Nano),
		strconv.FormatFloat(r.LatencyMS, 'f', 3, 64), r.RequestID, r.Method, r.Route, r.Query, r.Action,
		r.ResourceType, r.ResourceID, r.ExternalID, r.Name, strconv.Itoa(r.Status), r.ScimType, r.Reason,
		r.Explanation, r.TokenPrefix, r.TokenName, string(r.Changes)}
	for i, c := range rec {
		rec[i] = inert(c)
	}
	return x.csv.Write(rec)
}

// inert keeps a spreadsheet from reading a cell as a formula: a cell an IdP
// or a client chose (a userName, an externalId, a query) that starts with
// =, +, -, @, a tab or a carriage return gets a leading apostrophe, as
// OWASP's advice on CSV injection has it. Numbers are written by Roster and
// never start so, except a negative one, which Roster does not write.
func inert(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// Flush writes what the Writer holds and returns the first error of any
// write; call it once the rows are written.
func (x *Writer) Flush() error {
	if x.json != nil {
		return nil
	}
	x.csv.Flush()
	return x.csv.Error()
}

// ParseStatus reads a status condition as `roster log --status` takes it:
// "4xx" is a class (exact 0), "409" a status (and its class). Anything else
// is EINVALID.
func ParseStatus(s string) (class, exact int, err error) {
	switch {
	case s == "":
		return 0, 0, nil
	case len(s) == 3 && strings.HasSuffix(strings.ToLower(s), "xx") && s[0] >= '1' && s[0] <= '5':
		return int(s[0] - '0'), 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, 0, roster.Errorf(roster.EINVALID, "want a class such as 4xx or a status such as 409, got %q", s)
	}
	return n / 100, n, nil
}
