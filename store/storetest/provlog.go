package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

func testProvisioningLog(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	entry := func(min int, action string, status int, id, ext, name string) *roster.LogEntry {
		return &roster.LogEntry{TenantID: tn.ID, Time: base.Add(time.Duration(min) * time.Minute), Latency: 1500 * time.Microsecond,
			RequestID: "req-" + action, Method: "POST", Route: "POST /scim/v2/Users", Action: action, ResourceType: "User",
			ResourceID: id, ExternalID: ext, Name: name, Status: status, TokenPrefix: "rst_abcdefgh", TokenName: "entra"}
	}
	es := []*roster.LogEntry{
		entry(0, "create", 201, "u1", "x1", "Ada@example.com"),
		entry(1, "update", 200, "u1", "x1", "ada@example.com"),
		entry(2, "create", 409, "", "x2", "ada@example.com"),
		entry(3, "deactivate", 200, "u1", "x1", "ada@example.com"),
		{TenantID: "", Time: base.Add(4 * time.Minute), RequestID: "req-401", Method: "GET", Route: "GET /scim/v2/Users", Action: "lookup", Status: 401, Reason: "token_unknown"},
	}
	es[0].Changes = json.RawMessage(`{"userName":{"old":null,"new":"Ada@example.com"}}`)
	es[2].ScimType, es[2].Reason = "uniqueness", "username_taken"
	// Appended as the recorder does, in batches (a store may prune a batch only
	// once all of it is old): the first two, then the rest.
	if err := s.AppendLog(ctx, es[:2]); err != nil {
		t.Fatalf("AppendLog = %v", err)
	}
	if err := s.AppendLog(ctx, es[2:]); err != nil {
		t.Fatalf("AppendLog = %v", err)
	}
	if es[0].ID == 0 || es[1].ID <= es[0].ID {
		t.Fatalf("AppendLog ids %d, %d: want increasing", es[0].ID, es[1].ID)
	}
	got, err := s.Log(ctx, roster.LogQuery{TenantID: tn.ID})
	if err != nil || len(got) != 4 || got[0].Action != "deactivate" {
		t.Fatalf("Log(tenant) = %d rows, %v; want 4, newest first", len(got), err)
	}
	first := got[3]
	if first.Latency != 1500*time.Microsecond || !first.Time.Equal(base) || first.TokenName != "entra" || !json.Valid(first.Changes) || !strings.Contains(string(first.Changes), "Ada@example.com") {
		t.Errorf("stored row: %+v", first)
	}
	// The per-user timeline: by id, externalId or userName (any case), oldest first.
	for _, who := range []string{"u1", "x1", "ADA@example.com"} {
		tl, err := s.Log(ctx, roster.LogQuery{TenantID: tn.ID, User: who, Oldest: true})
		if err != nil || len(tl) == 0 || tl[0].Action != "create" {
			t.Errorf("Log(user %s) = %d rows, %v", who, len(tl), err)
		}
	}
	if r, _ := s.Log(ctx, roster.LogQuery{TenantID: tn.ID, StatusClass: 4}); len(r) != 1 || r[0].Reason != "username_taken" {
		t.Errorf("Log(4xx) = %v", r)
	}
	if r, _ := s.Log(ctx, roster.LogQuery{TenantID: tn.ID, Action: "create"}); len(r) != 2 {
		t.Errorf("Log(action create) = %d rows, want 2", len(r))
	}
	if r, _ := s.Log(ctx, roster.LogQuery{RequestID: "req-401"}); len(r) != 1 || r[0].TenantID != "" {
		t.Errorf("Log(request id) = %v", r)
	}
	if r, _ := s.Log(ctx, roster.LogQuery{TenantID: tn.ID, Since: base.Add(2 * time.Minute)}); len(r) != 2 {
		t.Errorf("Log(since) = %d rows, want 2", len(r))
	}
	page, _ := s.Log(ctx, roster.LogQuery{TenantID: tn.ID, Limit: 2})
	next, _ := s.Log(ctx, roster.LogQuery{TenantID: tn.ID, Limit: 2, Before: page[1].ID})
	if len(page) != 2 || len(next) != 2 || next[0].ID >= page[1].ID {
		t.Errorf("paging: %v then %v", page, next)
	}
	// Pruning deletes old rows only.
	n, err := s.PruneLog(ctx, base.Add(90*time.Second))
	if err != nil || n != 2 {
		t.Fatalf("PruneLog = %d, %v; want 2", n, err)
	}
	if r, _ := s.Log(ctx, roster.LogQuery{Limit: 10}); len(r) != 3 {
		t.Errorf("after pruning: %d rows, want 3", len(r))
	}
	if at, _, err := s.LastRun(ctx, "log-pruner"); err != nil || !at.IsZero() {
		t.Errorf("LastRun before any = %v, %v", at, err)
	}
	for _, d := range []string{"pruned 2", "pruned 0"} {
		if err := s.RecordRun(ctx, "log-pruner", base, d); err != nil {
			t.Fatal(err)
		}
	}
	if at, detail, err := s.LastRun(ctx, "log-pruner"); err != nil || !at.Equal(base) || detail != "pruned 0" {
		t.Errorf("LastRun = %v, %q, %v", at, detail, err)
	}
}

// testLogFilters selects rows by method, exact status, failure, reason and a
// time bound, alone and together, in a tenant whose rows span several
// batches (each of them longer than a request lasts), beside another
// tenant's rows that match every condition.
func testLogFilters(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "globex")
	base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	const step = 5 * time.Minute
	kinds := []struct {
		method string
		status int
		reason string
	}{
		{"POST", 201, ""}, {"PATCH", 200, ""}, {"POST", 409, "username_taken"}, {"PATCH", 400, "value_invalid"},
		{"GET", 200, ""}, {"DELETE", 404, "not_found"}, {"PATCH", 200, "deactivated_only"}, {"GET", 503, "busy"},
	}
	for batch := range 5 {
		var es []*roster.LogEntry
		for i, k := range kinds {
			n := batch*len(kinds) + i
			for _, tenant := range []string{tn.ID, other.ID} {
				es = append(es, &roster.LogEntry{TenantID: tenant, Time: base.Add(time.Duration(n) * step),
					RequestID: fmt.Sprintf("req-%d", n), Method: k.method, Route: k.method + " /scim/v2/Users", Action: "update",
					Status: k.status, Reason: k.reason})
			}
		}
		if err := s.AppendLog(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	count := func(q roster.LogQuery) []*roster.LogEntry {
		t.Helper()
		q.TenantID = tn.ID
		if q.Limit == 0 {
			q.Limit = 1000
		}
		r, err := s.Log(ctx, q)
		if err != nil {
			t.Fatalf("Log(%+v) = %v", q, err)
		}
		for _, e := range r {
			if e.TenantID != tn.ID {
				t.Fatalf("Log(%+v) returned a row of another tenant", q)
			}
		}
		return r
	}
	for _, tc := range []struct {
		name string
		q    roster.LogQuery
		want int
	}{
		{"method", roster.LogQuery{Method: "PATCH"}, 15},
		{"status", roster.LogQuery{Status: 409}, 5},
		{"failed", roster.LogQuery{Failed: true}, 20},
		{"reason", roster.LogQuery{Reason: "deactivated_only"}, 5},
		{"until", roster.LogQuery{Until: base.Add(10 * step)}, 10},
		{"since and until", roster.LogQuery{Since: base.Add(8 * step), Until: base.Add(16 * step)}, 8},
		{"failed PATCH until", roster.LogQuery{Method: "PATCH", Failed: true, Until: base.Add(24 * step)}, 3},
		{"status class and reason", roster.LogQuery{StatusClass: 4, Reason: "not_found"}, 5},
		{"none", roster.LogQuery{Method: "PUT"}, 0},
	} {
		if got := count(tc.q); len(got) != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.name, len(got), tc.want)
		}
	}
	// Newest first, paged by key, the filters hold on every page.
	page := count(roster.LogQuery{Failed: true, Limit: 3})
	if len(page) != 3 {
		t.Fatalf("failures, 3 at a time: %d rows", len(page))
	}
	next := count(roster.LogQuery{Failed: true, Before: page[2].ID})
	if page[0].Status < 400 || !page[0].Time.Equal(base.Add(39*step)) || len(next) != 17 || next[0].ID >= page[2].ID {
		t.Errorf("failures paged: first %+v, then %d rows", page[0], len(next))
	}
	for _, e := range next {
		if e.Status < 400 {
			t.Errorf("failures paged: row %d has status %d", e.ID, e.Status)
		}
	}
}

// testLogRequestIDs finds rows by request id: ids Roster makes (they carry
// their request's time), among many rows of the same minutes and of other
// tenants; one of that form whose time is far from its request's; and one a
// client chose.
func testLogRequestIDs(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "globex")
	base := time.Now().UTC().Truncate(time.Second)
	far := roster.NewRequestID(base.Add(-48 * time.Hour))
	var want []string
	for batch := range 20 {
		var es []*roster.LogEntry
		for i := range 25 {
			at := base.Add(time.Duration(batch*25+i) * 100 * time.Millisecond)
			tenant := tn.ID
			if i%5 == 0 {
				tenant = other.ID
			}
			id := roster.NewRequestID(at)
			switch {
			case batch == 3 && i == 7:
				id = far
			case batch == 9 && i == 1:
				id = "client-chosen-id.42"
			}
			if i == 7 || i == 1 {
				want = append(want, id)
			}
			es = append(es, &roster.LogEntry{TenantID: tenant, Time: at, RequestID: id, Method: "GET",
				Route: "GET /scim/v2/Users/{id}", Action: "get", Status: 200})
		}
		if err := s.AppendLog(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range want {
		r, err := s.Log(ctx, roster.LogQuery{RequestID: id})
		if err != nil || len(r) != 1 || r[0].RequestID != id {
			t.Errorf("Log(request %s) = %v, %v; want its one row", id, r, err)
		}
		if r, err := s.Log(ctx, roster.LogQuery{TenantID: other.ID, RequestID: id}); err != nil || len(r) != 0 {
			t.Errorf("Log(request %s in the other tenant) = %v, %v; want none", id, r, err)
		}
	}
	if r, err := s.Log(ctx, roster.LogQuery{RequestID: roster.NewRequestID(base)}); err != nil || len(r) != 0 {
		t.Errorf("Log(an id never used) = %v, %v; want none", r, err)
	}
}

// testLogAnyText appends rows holding what an unauthenticated client may put
// in a request (a NUL byte, invalid UTF-8, \u0000 in JSON) beside an ordinary
// row: every row is stored, NUL and invalid bytes kept or replaced by U+FFFD.
func testLogAnyText(t *testing.T, s roster.Store) {
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	es := []*roster.LogEntry{
		{Time: at, RequestID: "req-ok", Method: "GET", Route: "GET /scim/v2/Users/{id}", Action: "get", Status: 401,
			Reason: "token_missing", ResourceID: "u1"},
		{Time: at, RequestID: "req-nul", Method: "GET", Route: "GET /scim/v2/Users/{id}", Action: "get", Status: 401,
			Reason: "token_missing", ResourceID: "a\x00b", Query: "filter=a\x00b", Request: "a\x00b", Response: "a\xffb"},
		{Time: at, RequestID: "req-json", Method: "PATCH", Route: "PATCH /scim/v2/Users/{id}", Action: "update", Status: 200,
			Name: "a\xc3b", Changes: json.RawMessage(`{"title":{"old":"\\u0000","new":"a\u0000b"}}`)},
	}
	if err := s.AppendLog(ctx, es); err != nil {
		t.Fatalf("AppendLog of rows with NUL and invalid UTF-8 = %v", err)
	}
	got, err := s.Log(ctx, roster.LogQuery{Oldest: true})
	if err != nil || len(got) != 3 {
		t.Fatalf("Log = %d rows, %v; want 3", len(got), err)
	}
	anyOf := func(got string, want ...string) bool { return slices.Contains(want, got) }
	if g := got[1]; !anyOf(g.ResourceID, "a\x00b", "a\uFFFDb") || !anyOf(g.Query, "filter=a\x00b", "filter=a\uFFFDb") ||
		!anyOf(g.Request, "a\x00b", "a\uFFFDb") || !anyOf(g.Response, "a\xffb", "a\uFFFDb") {
		t.Errorf("row with NUL: id %q query %q request %q response %q", g.ResourceID, g.Query, g.Request, g.Response)
	}
	var changes map[string]map[string]string
	if g := got[2]; !anyOf(g.Name, "a\xc3b", "a\uFFFDb") || json.Unmarshal(g.Changes, &changes) != nil ||
		changes["title"]["old"] != `\u0000` || !anyOf(changes["title"]["new"], "a\x00b", "a\uFFFDb") {
		t.Errorf("row with \\u0000 in its changes: name %q changes %s", g.Name, g.Changes)
	}
}

// testLogSources: the rows no tenant could be found for are selected alone,
// and by the prefixes of the tokens they were refused with, so that a
// tenant's pages find the refusals of its own tokens among them; the rows of
// SCIM requests are selected without those of sign-ins.
func testLogSources(t *testing.T, s roster.Store) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	row := func(min int, tenantID, prefix, reason string, status int) *roster.LogEntry {
		return &roster.LogEntry{TenantID: tenantID, Time: base.Add(time.Duration(min) * time.Minute), RequestID: fmt.Sprintf("req-%d", min),
			Method: "GET", Route: "GET /scim/v2/Users", Action: "list", Status: status, Reason: reason, TokenPrefix: prefix}
	}
	// Appended as the recorder writes them: a batch mixing the tenant's rows and refusals.
	es := []*roster.LogEntry{
		row(0, acme.ID, "rst_acme0001", "", 200),
		row(1, "", "rst_acme0001", "token_revoked", 401),
		row(2, "", "rst_other001", "token_unknown", 401),
		row(3, "", "", "token_missing", 401),
		row(4, acme.ID, "rst_acme0001", "rate_limited", 429),
		row(5, "", "rst_acme0002", "token_expired", 401),
		row(6, acme.ID, "", "signin_password_wrong", 401),
		row(7, acme.ID, "", "signin_ok", 200),
	}
	es[6].Action, es[7].Action = "sign-in", "userinfo"
	if err := s.AppendLog(ctx, es); err != nil {
		t.Fatal(err)
	}
	reqs := func(q roster.LogQuery) string {
		t.Helper()
		got, err := s.Log(ctx, q)
		if err != nil {
			t.Fatalf("Log(%+v) = %v", q, err)
		}
		var ids []string
		for _, e := range got {
			ids = append(ids, e.RequestID)
		}
		return strings.Join(ids, " ")
	}
	for _, tc := range []struct {
		name string
		q    roster.LogQuery
		want string
	}{
		{"unattributed", roster.LogQuery{Unattributed: true}, "req-5 req-3 req-2 req-1"},
		{"unattributed, by the tenant's prefixes", roster.LogQuery{Unattributed: true, TokenPrefixes: []string{"rst_acme0001", "rst_acme0002"}}, "req-5 req-1"},
		{"unattributed, by one prefix", roster.LogQuery{Unattributed: true, TokenPrefixes: []string{"rst_acme0001"}}, "req-1"},
		{"unattributed, oldest first, limited", roster.LogQuery{Unattributed: true, Oldest: true, Limit: 2}, "req-1 req-2"},
		{"the tenant's, by a prefix", roster.LogQuery{TenantID: acme.ID, TokenPrefixes: []string{"rst_acme0001"}}, "req-4 req-0"},
		{"a prefix no row has", roster.LogQuery{Unattributed: true, TokenPrefixes: []string{"rst_nothing1"}}, ""},
		{"the tenant's", roster.LogQuery{TenantID: acme.ID}, "req-7 req-6 req-4 req-0"},
		{"the tenant's SCIM requests", roster.LogQuery{TenantID: acme.ID, SCIM: true}, "req-4 req-0"},
		{"the tenant's failed SCIM requests", roster.LogQuery{TenantID: acme.ID, SCIM: true, Failed: true}, "req-4"},
	} {
		if got := reqs(tc.q); got != tc.want {
			t.Errorf("%s: Log = %q, want %q", tc.name, got, tc.want)
		}
		q := tc.q
		var matched []string
		for i := len(es) - 1; i >= 0; i-- {
			if q.Matches(es[i]) {
				matched = append(matched, es[i].RequestID)
			}
		}
		if want := strings.Join(matched, " "); !q.Oldest && q.Limit == 0 && want != tc.want {
			t.Errorf("%s: LogQuery.Matches selects %q, want %q", tc.name, want, tc.want)
		}
	}
}
