package provlog_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/testdb"
	"github.com/rosterhq/roster/provlog"
	"github.com/rosterhq/roster/store/postgres"
	"github.com/rosterhq/roster/store/sqlite"
)

// stores opens a real store of each kind for the recorder to write to.
func stores(t *testing.T) map[string]roster.LogStore {
	t.Helper()
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, testdb.SQLitePath(t), sqlite.Options{Clock: testdb.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	out := map[string]roster.LogStore{"sqlite": lite}
	if os.Getenv(testdb.PostgresEnv) == "" {
		t.Logf("PostgreSQL half skipped: %s is not set", testdb.PostgresEnv)
	} else {
		pg, err := postgres.Open(ctx, testdb.Postgres(t), postgres.Options{Clock: testdb.Clock()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		out["postgres"] = pg
	}
	return out
}

// drain writes what r holds, as Run does when its context ends.
func drain(r *provlog.Recorder) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.Run(ctx)
}

func entry(i int) *roster.LogEntry {
	return &roster.LogEntry{Time: time.Date(2026, 5, 1, 12, 0, i, 0, time.UTC), RequestID: "req", Method: "POST",
		Route: "POST /scim/v2/Users", Action: "create", Status: 201}
}

// TestRecorderBytes bounds the queue by the bytes of the bodies waiting.
func TestRecorderBytes(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			r := provlog.New(store, provlog.Options{MaxBytes: 1 << 20})
			body := []byte(strings.Repeat("x", 400<<10))
			for i := range 3 {
				r.Record(entry(i), body, nil)
			}
			if r.Dropped() != 1 {
				t.Errorf("three bodies of 400 KiB under a bound of 1 MiB: %d dropped, want 1", r.Dropped())
			}
			drain(r)
			r.Record(entry(3), body, nil) // the queue's bytes were written
			drain(r)
			if r.Written() != 3 || r.Dropped() != 1 {
				t.Errorf("written %d, dropped %d; want 3 and 1", r.Written(), r.Dropped())
			}
		})
	}
}

// TestRecorderBadRow writes a batch holding one row the store refuses: the
// others are kept, the bad one counted.
func TestRecorderBadRow(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			r := provlog.New(store, provlog.Options{})
			const n = 50
			for i := range n {
				e := entry(i)
				if i == n/2 {
					e.Changes = json.RawMessage(`{"not json`) // refused by PostgreSQL's jsonb
				}
				r.Record(e, nil, nil)
			}
			drain(r)
			got, err := store.Log(context.Background(), roster.LogQuery{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: rows kept %d of %d, refused %d", name, len(got), n, r.Refused())
			if len(got) < n-1 || int64(len(got)) != r.Written() || r.Written()+r.Refused() != n {
				t.Errorf("rows kept %d of %d (written %d, refused %d); want at least %d and every row counted", len(got), n, r.Written(), r.Refused(), n-1)
			}
		})
	}
}

// TestRecorderRefusals aggregates refusals per key and interval: the first of
// an interval is a row, the others one "repeated" row when the interval is over.
func TestRecorderRefusals(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			r := provlog.New(store, provlog.Options{RefusalInterval: time.Minute})
			refusal := func(sec int, addr string) {
				e := entry(sec)
				e.Status, e.Reason, e.Action = 401, "token_unknown", "list"
				r.RecordRefusal(addr, e, nil, []byte(`{"status":"401"}`))
			}
			for sec := range 30 {
				refusal(sec, "198.51.100.7")
			}
			refusal(5, "203.0.113.9")
			refusal(61, "198.51.100.7") // a new interval: the last one's count is written
			drain(r)
			got, err := store.Log(context.Background(), roster.LogQuery{Limit: 1000, Oldest: true})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range got {
				actions = append(actions, e.Action)
				if e.Action == "repeated" && e.Response != `{"address":"198.51.100.7","repeated":29,"since":"2026-05-01T12:00:00Z"}` {
					t.Errorf("repeated row's response = %s", e.Response)
				}
			}
			if strings.Join(actions, ",") != "list,list,repeated,list" {
				t.Errorf("rows %v; want the first of each address, the count of the first interval, the next interval's first", actions)
			}
		})
	}
}
