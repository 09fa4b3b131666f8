package provlog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// TestWriter writes the same rows in both export formats: CSV has its header
// and one record per row (bodies left out, text with commas, quotes and line
// breaks kept), NDJSON one object per line with the bodies and the reason
// explained; an unknown format is refused.
func TestWriter(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	rows := []Row{
		NewRow(&roster.LogEntry{ID: 1, TenantID: "t1", Time: at, Method: "POST", Action: "create", Status: 201,
			Name: "ada, \"the first\"\nprogrammer", Request: `{"userName":"ada"}`}),
		NewRow(&roster.LogEntry{ID: 2, TenantID: "t1", Time: at, Method: "POST", Action: "create", Status: 409,
			Reason: "username_taken", Response: `{"detail":"<taken>"}`}),
	}
	var b bytes.Buffer
	x, err := NewWriter(&b, CSV)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := x.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Flush(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 3 || strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("CSV: %d records, %v", len(recs), err)
	}
	if recs[1][12] != rows[0].Name || recs[2][15] != "username_taken" || !strings.Contains(recs[2][16], "userName") {
		t.Errorf("CSV records: %q", recs[1:])
	}
	if strings.Contains(strings.Join(recs[1], ""), `"userName":"ada"`) {
		t.Error("CSV holds a body")
	}
	for _, name := range []string{"=HYPERLINK(\"http://evil.example\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"} {
		var b bytes.Buffer
		x, _ := NewWriter(&b, CSV)
		x.Write(Row{Name: name})
		x.Flush()
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil || recs[1][12] != "'"+name {
			t.Errorf("CSV cell of name %q: %q (%v), want it quoted as text", name, recs[1][12], err)
		}
	}

	b.Reset()
	if x, err = NewWriter(&b, NDJSON); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		x.Write(r)
	}
	if err := x.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], `<taken>`) {
		t.Fatalf("NDJSON:\n%s", b.String())
	}
	var got Row
	if err := json.Unmarshal([]byte(lines[1]), &got); err != nil || got.Reason != "username_taken" || got.WhatToDo == "" || got.Response != rows[1].Response {
		t.Errorf("NDJSON line %s: %+v, %v", lines[1], got, err)
	}

	if _, err := NewWriter(&b, "xml"); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("NewWriter(xml) = %v, want EINVALID", err)
	}
}

func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		s            string
		class, exact int
		ok           bool
	}{
		{"", 0, 0, true},
		{"4xx", 4, 0, true},
		{"5XX", 5, 0, true},
		{"409", 4, 409, true},
		{"6xx", 0, 0, false},
		{"99", 0, 0, false},
		{"600", 0, 0, false},
		{"4x", 0, 0, false},
		{"abc", 0, 0, false},
	} {
		class, exact, err := ParseStatus(tc.s)
		if class != tc.class || exact != tc.exact || (err == nil) != tc.ok {
			t.Errorf("ParseStatus(%q) = %d, %d, %v; want %d, %d, ok %v", tc.s, class, exact, err, tc.class, tc.exact, tc.ok)
		}
		if err != nil && roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("ParseStatus(%q): error code %s", tc.s, roster.ErrorCode(err))
		}
	}
}
