package provlog

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rosterhq/roster"
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
		*p = stripControls(*p)
	}
	if len(r.Changes) > 0 {
		r.Changes = json.RawMessage(stripControls(string(r.Changes)))
	}
	return r
}

func stripControls(s string) string {
	if !strings.ContainsFunc(s, isControl) && utf8.ValidString(s) {
		return s
	}
	return strings.Map(func(c rune) rune {
		if isControl(c) || c == utf8.RuneError {
			return -1
		}
		return c
	}, s)
}

func isControl(c rune) bool {
	return c != '\t' && c != '\n' && (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0)
}

// csvHeader names the columns of WriteCSV.
var csvHeader = []string{"id", "tenant", "time", "latency_ms", "request_id", "method", "route", "query", "action",
	"resource_type", "resource_id", "external_id", "name", "status", "scim_type", "reason", "explanation",
	"token_prefix", "token_name", "changes"}

// WriteCSV writes rows as CSV with a header line (bodies left out).
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, r := range rows {
		cw.Write([]string{strconv.FormatInt(r.ID, 10), r.Tenant, r.Time.Format(time.RFC3339Nano),
			strconv.FormatFloat(r.LatencyMS, 'f', 3, 64), r.RequestID, r.Method, r.Route, r.Query, r.Action,
			r.ResourceType, r.ResourceID, r.ExternalID, r.Name, strconv.Itoa(r.Status), r.ScimType, r.Reason,
			r.Explanation, r.TokenPrefix, r.TokenName, string(r.Changes)})
	}
	cw.Flush()
	return cw.Error()
}
