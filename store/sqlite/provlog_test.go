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

// TestLogIndex checks the merge of chunk keys into log_keys: entries are
// found by user and by request id before their chunk's keys are merged (by
// the chunk's keys column) and after (by log_keys), once each; the merge
// moves log_index.through to the newest chunk; pruning takes merged keys
// with their chunks.
func TestLogIndex(t *testing.T) {
	ctx := t.Context()
	db := openInternal(t)
	old := time.Now().Add(-48 * time.Hour).UTC()
	entry := func(at time.Time, req, id, ext, name string) *roster.LogEntry {
		return &roster.LogEntry{TenantID: "t1", Time: at, RequestID: req, Method: "POST", Route: "POST /scim/v2/Users",
			Action: "create", ResourceType: "User", ResourceID: id, ExternalID: ext, Name: name, Status: 201}
	}
	// The first write after opening merges at once, later ones wait.
	if err := db.AppendLog(ctx, []*roster.LogEntry{entry(old, "client-req-1", "u1", "x1", "Ada@contoso.com")}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	timed := roster.NewRequestID(now) // no key: found by its time
	if err := db.AppendLog(ctx, []*roster.LogEntry{
		entry(now, "client-req-2", "u2", "x2", "grace@contoso.com"),
		entry(now, timed, "u1", "", ""),
	}); err != nil {
		t.Fatal(err)
	}
	state := func() (through, newest, keys int64) {
		t.Helper()
		err := db.logw.QueryRowContext(ctx, `SELECT (SELECT through FROM log_index), (SELECT max(id) FROM log_chunks),
			(SELECT count(*) FROM log_keys)`).Scan(&through, &newest, &keys)
		if err != nil {
			t.Fatal(err)
		}
		return through, newest, keys
	}
	check := func(stage string) {
		t.Helper()
		for _, tc := range []struct {
			q    roster.LogQuery
			want []string // request ids, newest first
		}{
			{roster.LogQuery{TenantID: "t1", User: "u1"}, []string{timed, "client-req-1"}},
			{roster.LogQuery{TenantID: "t1", RequestID: timed}, []string{timed}},
			{roster.LogQuery{TenantID: "t1", User: "ada@CONTOSO.com"}, []string{"client-req-1"}},
			{roster.LogQuery{TenantID: "t1", User: "x2"}, []string{"client-req-2"}},
			{roster.LogQuery{TenantID: "t1", RequestID: "client-req-2"}, []string{"client-req-2"}},
			{roster.LogQuery{RequestID: "client-req-1"}, []string{"client-req-1"}},
		} {
			got, err := db.Log(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range got {
				ids = append(ids, e.RequestID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("%s: %+v: got %v; want %v", stage, tc.q, ids, tc.want)
			}
		}
	}
	through, newest, keys := state()
	if through >= newest {
		t.Fatalf("before the merge: through %d, newest chunk %d; want the second chunk unmerged", through, newest)
	}
	check("unmerged")
	if err := db.IndexLog(ctx); err != nil {
		t.Fatal(err)
	}
	through, newest, merged := state()
	if through != newest || merged <= keys {
		t.Fatalf("after the merge: through %d, newest %d, keys %d then %d; want through the newest and more keys", through, newest, keys, merged)
	}
	check("merged")
	n, err := db.PruneLog(ctx, time.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneLog = %d, %v; want the old entry", n, err)
	}
	var left int
	if err := db.logw.QueryRowContext(ctx, `SELECT count(*) FROM log_keys WHERE key IN ('q:client-req-1', 'x:x1', 'n:ada@contoso.com')`).Scan(&left); err != nil || left != 0 {
		t.Errorf("keys of the pruned chunk left: %d (%v)", left, err)
	}
	if got, err := db.Log(ctx, roster.LogQuery{TenantID: "t1", User: "u1"}); err != nil || len(got) != 1 {
		t.Errorf("user u1 after pruning: %d entries (%v); want 1", len(got), err)
	}
}
