package sqlite

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rosterhq/roster"
)

// TestLogLine checks that the hand-written encoding of a log line reads back
// as encoding/json's encoding of the same entry does.
func TestLogLine(t *testing.T) {
	at := time.Date(2026, 11, 28, 20, 1, 2, 345678901, time.FixedZone("x", 3600))
	entries := []*roster.LogEntry{
		{ID: 1, Time: at, RequestID: "r1", Method: "GET", Route: "GET /scim/v2/Users", Action: "lookup", Status: 200},
		{ID: 2, TenantID: "t", Time: at, Latency: 1234567 * time.Nanosecond, RequestID: "r\"2\\", Method: "PATCH",
			Route: "PATCH /scim/v2/Users/{id}", Query: "a=<b>&c", Action: "update", ResourceType: "User", ResourceID: "u1",
			ExternalID: "x\u2028y", Name: "ada\x01\tß\xff", Status: 409, ScimType: "uniqueness", Reason: "username_taken",
			TokenPrefix: "rst_ab", TokenName: "prod", Changes: json.RawMessage(`{"title":{"old":null,"new":"Dr"}}`),
			Request: "{\"a\":\n 1}", Response: "line1\nline2"},
		{ID: 3, Time: at, Changes: json.RawMessage("{\n\"a\": 1\n}")},
	}
	for _, e := range entries {
		got := appendLogLine(nil, e)
		if bytes.Count(got, []byte{'\n'}) != 1 || got[len(got)-1] != '\n' {
			t.Fatalf("entry %d: not one line: %q", e.ID, got)
		}
		want, err := json.Marshal(logLine{ID: e.ID, TenantID: e.TenantID, Time: e.Time.UTC(), LatencyUS: e.Latency.Microseconds(),
			RequestID: e.RequestID, Method: e.Method, Route: e.Route, Query: e.Query, Action: e.Action,
			ResourceType: e.ResourceType, ResourceID: e.ResourceID, ExternalID: e.ExternalID, Name: e.Name,
			Status: e.Status, ScimType: e.ScimType, Reason: e.Reason, TokenPrefix: e.TokenPrefix, TokenName: e.TokenName,
			Changes: e.Changes, Request: e.Request, Response: e.Response})
		if err != nil {
			t.Fatal(err)
		}
		var a, b logLine
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("entry %d: %v: %s", e.ID, err, got)
		}
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		var ca, cb any
		json.Unmarshal(a.Changes, &ca)
		json.Unmarshal(b.Changes, &cb)
		a.Changes, b.Changes = nil, nil
		if diff := cmp.Diff(b, a); diff != "" || !cmp.Equal(ca, cb) {
			t.Errorf("entry %d (-encoding/json +appendLogLine):\n%s changes %v vs %v", e.ID, diff, cb, ca)
		}
		if !bytes.Equal(bytes.TrimSuffix(got, []byte{'\n'}), want) && e.ID != 3 {
			t.Errorf("entry %d: bytes differ:\n got %s\nwant %s", e.ID, got, want)
		}
	}
}
