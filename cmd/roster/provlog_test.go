package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// logRows runs roster log with args and --json and decodes its lines, waiting
// until at least n rows are there (the log is written in the background).
func (s *testServer) logRows(t *testing.T, n int, args ...string) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := s.cli(t, append([]string{"log", "--json"}, args...)...)
		var rows []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			var row map[string]any
			if err := json.Unmarshal([]byte(line), &row); err != nil {
				t.Fatalf("roster log --json printed %q: %v", line, err)
			}
			rows = append(rows, row)
		}
		if len(rows) >= n || time.Now().After(deadline) {
			return rows
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestProvisioningLog drives Entra-shaped requests and reads them back with
// roster log, as an IdP admin matching Entra's provisioning log would.
func TestProvisioningLog(t *testing.T) { forEachStore(t, testProvisioningLog) }

func testProvisioningLog(t *testing.T, db string) {
	s := startServer(t, db)

	// Test Connection: a lookup of a random GUID.
	s.do(t, "GET", "/Users?filter="+q(`userName eq "2f8d0a3c-5a1b-4c7e-9d2f-0b6e1a9c3d4e"`), "").want(t, 200)
	// A rejected request: its row has the status, scimType, reason and request id.
	bad := s.do(t, "GET", "/Users?filter="+q(`userName eq`), "").wantError(t, 400, "invalidFilter")
	reqID := bad.header.Get("X-Request-Id")
	if reqID == "" || !strings.Contains(str(bad.body, "detail"), reqID) {
		t.Fatalf("response request id %q, detail %q", reqID, str(bad.body, "detail"))
	}
	rows := s.logRows(t, 1, "--request", reqID)
	if len(rows) != 1 || rows[0]["status"] != 400.0 || rows[0]["scim_type"] != "invalidFilter" || rows[0]["reason"] != "filter_invalid" ||
		rows[0]["explanation"] == nil || rows[0]["action"] != "list" || rows[0]["token_prefix"] != s.token[:12] {
		t.Fatalf("row of the rejected request: %v", rows)
	}

	// Create, update, deactivate: the timeline, oldest first, with changes.
	r := s.do(t, "POST", "/Users", entraUser(t, "ada@contoso.com", "ext-ada")).want(t, 201)
	id := str(r.body, "id")
	s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Countess"}]}`).want(t, 200)
	s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200)
	// A duplicate create: rolled back, logged, and the detail names the holder.
	dup := s.do(t, "POST", "/Users", entraUser(t, "ADA@contoso.com", "ext-other")).wantError(t, 409, "uniqueness")
	if !strings.Contains(str(dup.body, "detail"), id) || !strings.Contains(str(dup.body, "detail"), "ext-ada") {
		t.Errorf("conflict detail does not name the holder: %s", str(dup.body, "detail"))
	}
	timeline := s.logRows(t, 4, "--user", "ada@contoso.com")
	var actions []string
	for _, row := range timeline {
		actions = append(actions, fmt.Sprint(row["action"], " ", row["status"]))
	}
	if strings.Join(actions, ", ") != "create 201, update 200, deactivate 200, create 409" {
		t.Fatalf("timeline of ada: %v", actions)
	}
	create := timeline[0]
	if create["resource_id"] != id || create["external_id"] != "ext-ada" || create["name"] != "ada@contoso.com" ||
		get(create, "changes", "userName", "new") != "ada@contoso.com" {
		t.Errorf("create row: %v", create)
	}
	if get(timeline[1], "changes", "title", "new") != "Countess" || get(timeline[2], "changes", "active", "old") != true {
		t.Errorf("update rows' changes: %v / %v", timeline[1]["changes"], timeline[2]["changes"])
	}
	if timeline[3]["reason"] != "username_taken" || timeline[3]["external_id"] != "ext-other" {
		t.Errorf("conflict row: %v", timeline[3])
	}
	// The same timeline by id and by externalId.
	if byID := s.logRows(t, 3, "--user", id); len(byID) != 3 {
		t.Errorf("timeline by id: %d rows, want 3", len(byID))
	}

	// A group PATCH naming an unknown member is rolled back, and still has its row.
	g := s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales"}`).want(t, 201)
	s.do(t, "PATCH", "/Groups/"+str(g.body, "id"), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"`+id+`"},{"value":"nobody"}]}]}`).wantError(t, 400, "invalidValue")
	rows = s.logRows(t, 1, "--action", "members-add")
	if len(rows) != 1 || rows[0]["reason"] != "member_unknown" || rows[0]["status"] != 400.0 {
		t.Errorf("members-add row: %v", rows)
	}
	if rows := s.logRows(t, 1, "--action", "test-connection"); len(rows) != 1 {
		t.Errorf("no test-connection row")
	}
	// A pasted token with a space in it: refused, and logged under its tenant.
	s.doAs(t, "Bearer "+s.token[:20]+" "+s.token[20:], "GET", "/Users", "").wantError(t, 401, "")
	if rows := s.logRows(t, 1, "--tenant", "default", "--status", "401"); len(rows) != 1 || rows[0]["reason"] != "token_whitespace" {
		t.Errorf("401 rows of the tenant: %v", rows)
	}
	// Status classes, the table, CSV and the app API.
	if rows := s.logRows(t, 4, "--status", "4xx"); len(rows) != 4 {
		t.Errorf("4xx rows: %d, want 4", len(rows))
	}
	// Failures, a method and a reason, an upper bound in time.
	if rows := s.logRows(t, 4, "--failed"); len(rows) != 4 {
		t.Errorf("failed rows: %d, want 4", len(rows))
	}
	if rows := s.logRows(t, 1, "--method", "patch", "--reason", "member_unknown"); len(rows) != 1 || rows[0]["action"] != "members-add" {
		t.Errorf("PATCH rows with member_unknown: %v", rows)
	}
	if rows := s.logRows(t, 0, "--until", "1h"); len(rows) != 0 {
		t.Errorf("rows older than an hour: %v", rows)
	}
	table := s.cli(t, "log", "--tenant", "default", "--user", id)
	if !strings.Contains(table, "deactivate") || !strings.Contains(table, "TIME") {
		t.Errorf("log table:\n%s", table)
	}
	if csv := s.cli(t, "log", "--format", "csv", "--limit", "3"); strings.Count(csv, "\n") != 4 {
		t.Errorf("csv:\n%s", csv)
	}
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	page := s.app(t, key, "/provisioning-log?status=4xx&limit=2").want(t, 200)
	if data, _ := page.body["data"].([]any); len(data) != 2 || str(page.body, "next_cursor") == "" {
		t.Errorf("app API log page: %s", page.raw)
	}
	if st := s.cli(t, "log", "--pruner-status"); !strings.Contains(st, "deleted 0 rows") {
		t.Errorf("pruner status: %s", st)
	}
	// The log's work and the pruner's last run are metrics too.
	res, err := http.Get(s.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	for _, name := range []string{"roster_provisioning_log_written_total", "roster_provisioning_log_dropped_total 0",
		"roster_provisioning_log_pruner_last_run_timestamp_seconds", "roster_outbox_last_seq", "roster_webhook_backlog_events 0"} {
		if !strings.Contains(string(text), "\n"+name) {
			t.Errorf("/metrics has no %s", name)
		}
	}
}

// entraUser is Entra ID's create body with the given userName and externalId.
func entraUser(t *testing.T, userName, externalID string) string {
	t.Helper()
	b := fixture(t, "create-user.json")
	b = strings.Replace(b, "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1", userName, 1)
	return strings.Replace(b, "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", externalID, 1)
}

// TestProvisioningLogNUL: a request refused for a NUL in its body or path
// still has its row, on PostgreSQL too, which stores no NUL in text.
func TestProvisioningLogNUL(t *testing.T) { forEachStore(t, testProvisioningLogNUL) }

func testProvisioningLogNUL(t *testing.T, db string) {
	s := startServer(t, db)
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada\u0000@contoso.com","externalId":"ext\u0000"}`},
		{"GET", "/Users/nul%00id", ""},
		{"DELETE", "/Users/nul%00id", ""},
	} {
		r := s.do(t, req.method, req.path, req.body).wantError(t, 400, "invalidValue")
		id := r.header.Get("X-Request-Id")
		rows := s.logRows(t, 1, "--request", id)
		if len(rows) != 1 || rows[0]["status"] != 400.0 {
			t.Errorf("%s %s: rows of request %s = %v, want one with status 400", req.method, req.path, id, rows)
		}
	}
}

// TestProvisioningLogBadRow sends, among a tenant's requests, requests anyone
// can send whose path holds a NUL byte and invalid UTF-8: every row is kept,
// none refused by the store.
func TestProvisioningLogBadRow(t *testing.T) { forEachStore(t, testProvisioningLogBadRow) }

func testProvisioningLogBadRow(t *testing.T, db string) {
	s := startServer(t, db)
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { s.send("GET", "/Users?count=1&startIndex="+strconv.Itoa(i+1), "Bearer "+s.token, "") })
	}
	wg.Go(func() { s.send("GET", "/Users/%00", "", "") })
	wg.Go(func() { s.send("GET", "/Users/a%ffb", "Bearer rst_x", "") })
	wg.Wait()
	rows := s.logRows(t, n+2)
	var lists, refused int
	for _, row := range rows {
		switch {
		case row["action"] == "list" && row["status"] == 200.0:
			lists++
		case row["status"] == 401.0:
			refused++
		}
	}
	t.Logf("rows kept: %d of %d (%d of the tenant's %d)", len(rows), n+2, lists, n)
	if lists != n || refused != 2 {
		t.Errorf("the tenant's rows kept: %d of %d, the refused requests' %d of 2: rows %v", lists, n, refused, rows)
	}
	fams := s.scrape(t)
	if v, _ := value(fams, "roster_provisioning_log_refused_total"); v != 0 {
		t.Errorf("roster_provisioning_log_refused_total = %v, want 0", v)
	}
}

// TestLogPrintsNoControls logs requests whose path and token carry terminal
// escapes (ESC, BEL, the C1 CSI, a lone 0x9b byte): roster log prints none of
// them, in any format.
func TestLogPrintsNoControls(t *testing.T) { forEachStore(t, testLogPrintsNoControls) }

func testLogPrintsNoControls(t *testing.T, db string) {
	s := startServer(t, db)
	s.send("GET", "/Users/%1b%5b31mred%1b%5d0%3btitle%07%c2%9b2J%9b", "", "")
	s.send("GET", "/Users/x%0d%0aforged%09row", "Token x", "") // another reason: not aggregated with the first
	if rows := s.logRows(t, 2); len(rows) < 2 {
		t.Fatalf("%d rows logged, want 2", len(rows))
	}
	for _, format := range []string{"table", "csv", "json"} {
		out := s.cli(t, "log", "--format", format)
		if i := strings.IndexFunc(out, func(c rune) bool {
			return c != '\t' && c != '\n' && (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c == 0xfffd)
		}); i >= 0 {
			t.Errorf("roster log --format %s printed a control character at %d: %q", format, i, out)
		}
		if !strings.Contains(out, "red") || !strings.Contains(out, "forged") {
			t.Errorf("roster log --format %s lost the printable text: %q", format, out)
		}
	}
}

// TestLogAggregatesRefusals floods the server with requests without a valid
// credential from one address (401s, then 429s): each reason makes one row
// and, once the interval is over (here: at shutdown), one "repeated" row with
// the count of the others, while another address's refusal and the tenant's
// requests have rows of their own.
func TestLogAggregatesRefusals(t *testing.T) { forEachStore(t, testLogAggregatesRefusals) }

func testLogAggregatesRefusals(t *testing.T, db string) {
	s := startServerWith(t, db, "--trust-proxy")
	const flood = 200
	for i := range flood {
		if r := s.send("GET", "/Users/%00"+strconv.Itoa(i), "", "198.51.100.7"); r.status != 401 && r.status != 429 {
			t.Fatalf("flood request %d: %d %s", i, r.status, r.raw)
		}
	}
	s.send("GET", "/Users", "", "203.0.113.9")
	s.send("GET", "/Users", "Bearer "+s.token, "203.0.113.9")
	s.logRows(t, 3)
	s.stop() // ends the interval: the flood's counts are written
	rows := s.logRows(t, 4, "--limit", "1000")
	var floodRows, counted, others int
	for _, row := range rows {
		if row["route"] != "GET /scim/v2/Users/{id}" {
			others++
			continue
		}
		floodRows++
		if row["action"] != "repeated" {
			counted++
			continue
		}
		var n struct {
			Repeated int    `json:"repeated"`
			Address  string `json:"address"`
		}
		if err := json.Unmarshal([]byte(str(row, "response")), &n); err != nil || n.Address != "198.51.100.7" {
			t.Errorf("repeated row's response: %v %s", err, str(row, "response"))
		}
		counted += n.Repeated
	}
	t.Logf("%d refused requests from one address: %d rows standing for %d; %d other rows", flood, floodRows, counted, others)
	if floodRows > 4 || counted != flood || others != 2 {
		t.Errorf("%d refused requests from one address: %d rows standing for %d, want at most 4 (two reasons) standing for all; %d other rows, want 2",
			flood, floodRows, counted, others)
	}
}

// TestMisroutedTenantURL: requests to a Tenant URL pasted without /scim/v2
// are answered 404 and logged under their tenant with the reason saying so.
func TestMisroutedTenantURL(t *testing.T) { forEachStore(t, testMisroutedTenantURL) }

func testMisroutedTenantURL(t *testing.T, db string) {
	s := startServer(t, db)
	root := &testServer{base: strings.TrimSuffix(s.base, "/scim/v2"), token: s.token}
	r := root.do(t, "GET", "/Users?filter="+q(`userName eq "2f8d0a3c-5a1b-4c7e-9d2f-0b6e1a9c3d4e"`), "").wantError(t, 404, "")
	if !strings.Contains(str(r.body, "detail"), "/scim/v2") {
		t.Errorf("detail %q does not say the URL lacks /scim/v2", str(r.body, "detail"))
	}
	if rows := s.logRows(t, 1, "--tenant", "default", "--reason", "url_without_prefix"); len(rows) != 1 || rows[0]["route"] != "/Users" {
		t.Errorf("rows of the misrouted request: %v", rows)
	}
}

// TestLogTenantColumn reads the log of every tenant: the table names each
// row's tenant ("-" for a request no tenant was found for); read for one
// tenant, it has no such column.
func TestLogTenantColumn(t *testing.T) {
	s := startServer(t, sqliteDB(t))
	s.cli(t, "tenant", "create", "acme")
	acme := &testServer{base: s.base, token: strings.TrimSpace(s.cli(t, "token", "create", "--tenant", "acme")), db: s.db}
	s.do(t, "GET", "/Users", "").want(t, 200)
	acme.do(t, "GET", "/Users", "").want(t, 200)
	s.doAs(t, "Bearer rst_wrong", "GET", "/Users", "").wantError(t, 401, "")
	s.logRows(t, 3)

	lines := strings.Split(strings.TrimSpace(s.cli(t, "log")), "\n")
	if head := strings.Fields(lines[0]); len(head) < 2 || head[1] != "TENANT" {
		t.Fatalf("roster log's header: %q, want TIME TENANT …", lines[0])
	}
	seen := map[string]bool{}
	for _, line := range lines[1:] {
		if f := strings.Fields(line); len(f) > 2 && strings.HasPrefix(f[0], "20") {
			seen[f[2]] = true // TIME is two fields: date and time
		}
	}
	for _, want := range []string{"default", "acme", "-"} {
		if !seen[want] {
			t.Errorf("roster log's TENANT column has %v, want %q among them:\n%s", seen, want, strings.Join(lines, "\n"))
		}
	}
	if head := s.cli(t, "log", "--tenant", "acme"); strings.Contains(strings.SplitN(head, "\n", 2)[0], "TENANT") {
		t.Errorf("roster log --tenant acme has a TENANT column:\n%s", head)
	}
}
