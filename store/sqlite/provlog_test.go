package sqlite

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rosterhq/roster"
)

// TestLogChunk checks that entries appended to a chunk read back as they
// were, bodies with line breaks, quotes and invalid UTF-8 included, and that
// chunks written as plain JSON lines (bodies inside rq and rs) still read.
func TestLogChunk(t *testing.T) {
	at := time.Date(2026, 11, 28, 20, 1, 2, 345678901, time.UTC)
	entries := []*roster.LogEntry{
		{ID: 1, Time: at, RequestID: "r1", Method: "GET", Route: "GET /scim/v2/Users", Action: "lookup", Status: 200, Response: `{"totalResults":0}`},
		{ID: 2, TenantID: "t", Time: at, Latency: 1234 * time.Microsecond, RequestID: "r\"2\\", Method: "PATCH",
			Route: "PATCH /scim/v2/Users/{id}", Query: "a=<b>&c", Action: "update", ResourceType: "User", ResourceID: "u1",
			ExternalID: "x\u2028y", Name: "ada\x01\tß", Status: 409, ScimType: "uniqueness", Reason: "username_taken",
			TokenPrefix: "rst_ab", TokenName: "prod", Changes: json.RawMessage(`{"title":{"old":null,"new":"Dr"}}`),
			Request: "{\"a\":\n 1}\n\n", Response: "line1\nline2\xff"},
		{ID: 3, Time: at, Changes: json.RawMessage(`{"a":1}`), Request: "only a request"},
		{ID: 4, Time: at, Response: "\n"},
		{ID: 5, Time: at},
	}
	var data []byte
	for _, e := range entries {
		data = appendLogLine(data, e)
	}
	old, _ := json.Marshal(logLine{ID: 6, Time: at, Method: "POST", Request: "{\"x\":\"y\"}", Response: "a\nb"})
	data = append(append(data, old...), '\n')
	got, err := decodeChunk(data)
	if err != nil {
		t.Fatal(err)
	}
	want := append(entries, &roster.LogEntry{ID: 6, Time: at, Method: "POST", Request: "{\"x\":\"y\"}", Response: "a\nb"})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("chunk read back (-want +got):\n%s", diff)
	}
	if _, err := decodeChunk(data[:len(data)-len(old)-10]); err == nil {
		t.Errorf("a truncated chunk decodes without error")
	}
}

// TestLogKeysRequestID checks which request ids get a key: not those that
// carry their request's time (found by that time instead), but those a client
// chose and those whose time is far from the request's.
func TestLogKeysRequestID(t *testing.T) {
	at := time.Date(2026, 11, 28, 20, 1, 2, 0, time.UTC)
	for _, tc := range []struct {
		id    string
		keyed bool
	}{
		{roster.NewRequestID(at), false},
		{roster.NewRequestID(at.Add(-time.Second)), false},
		{roster.NewRequestID(at.Add(-time.Hour)), true},
		{roster.NewRequestID(at.Add(time.Hour)), true},
		{"client-chosen-id.42", true},
		{strings.ToUpper(roster.NewRequestID(at)), true},
	} {
		keys := logKeys(&roster.LogEntry{Time: at, RequestID: tc.id, ResourceID: "u1"})
		if got := slices.Contains(keys, "q:"+tc.id); got != tc.keyed {
			t.Errorf("logKeys(request %s) = %v; want the request key %v", tc.id, keys, tc.keyed)
		}
		if !slices.Contains(keys, "r:u1") {
			t.Errorf("logKeys(request %s) = %v; want r:u1", tc.id, keys)
		}
	}
}
