package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// bulkMsg starts a BulkRequest; close it with "]}".
const bulkMsg = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[`

// bulkOps returns the operations of a BulkResponse.
func bulkOps(t *testing.T, r response) []any {
	t.Helper()
	if s := str(r.body, "schemas", 0); s != "urn:ietf:params:scim:api:messages:2.0:BulkResponse" {
		t.Fatalf("not a BulkResponse: %s", r.raw)
	}
	ops, _ := get(r.body, "Operations").([]any)
	return ops
}

// statuses returns the status of each operation of a BulkResponse.
func statuses(ops []any) string {
	var out []string
	for _, op := range ops {
		out = append(out, str(op, "status"))
	}
	return strings.Join(out, " ")
}

// idOf returns the id a Location ends with.
func idOf(location string) string {
	return location[strings.LastIndexByte(location, '/')+1:]
}

// TestBulk sends Bulk requests (RFC 7644 §3.7) over HTTP: users, then a group
// with them as members and a PATCH of one of them, all named by bulkId; each
// operation has its own provisioning log row and event. Circular and
// unresolvable references are refused, failOnErrors stops the request, and
// the limits /ServiceProviderConfig advertises are enforced with 413.
func TestBulk(t *testing.T) { forEachStore(t, testBulk) }

func testBulk(t *testing.T, db string) {
	s := startServerWith(t, db, "--bulk-max-operations", "6", "--bulk-max-payload", "4096")
	spc := s.do(t, "GET", "/ServiceProviderConfig", "").want(t, 200)
	if get(spc.body, "bulk", "supported") != true || get(spc.body, "bulk", "maxOperations") != 6.0 || get(spc.body, "bulk", "maxPayloadSize") != 4096.0 {
		t.Errorf("bulk in /ServiceProviderConfig: %v", get(spc.body, "bulk"))
	}

	r := s.do(t, "POST", "/Bulk", bulkMsg+`
		{"method":"POST","path":"/Users","bulkId":"ada","data":{"userName":"ada@contoso.com","externalId":"x-ada"}},
		{"method":"POST","path":"/Users","bulkId":"bob","data":{"userName":"bob@contoso.com"}},
		{"method":"POST","path":"/Groups","bulkId":"team","data":{"displayName":"Team","members":[{"value":"bulkId:ada"},{"value":"bulkId:bob"}]}},
		{"method":"PATCH","path":"/Users/bulkId:ada","data":`+patchMsg+`{"op":"replace","path":"displayName","value":"Ada L."}]}}]}`).want(t, 200)
	ops := bulkOps(t, r)
	if statuses(ops) != "201 201 201 200" {
		t.Fatalf("statuses = %q, want 201 201 201 200: %s", statuses(ops), r.raw)
	}
	ada, bob, team := idOf(str(ops[0], "location")), idOf(str(ops[1], "location")), idOf(str(ops[2], "location"))
	if str(ops[0], "bulkId") != "ada" || str(ops[2], "method") != "POST" || !strings.HasPrefix(str(ops[2], "version"), `W/"`) ||
		str(ops[3], "location") != s.base+"/Users/"+ada {
		t.Errorf("results: %s", r.raw)
	}
	g := s.do(t, "GET", "/Groups/"+team, "").want(t, 200)
	members := []string{str(g.body, "members", 0, "value"), str(g.body, "members", 1, "value")}
	slices.Sort(members)
	want := []string{ada, bob}
	slices.Sort(want)
	if !slices.Equal(members, want) || get(g.body, "members", 2) != nil {
		t.Errorf("members of Team = %v, want %v", get(g.body, "members"), want)
	}
	if u := s.do(t, "GET", "/Users/"+ada, "").want(t, 200); str(u.body, "displayName") != "Ada L." || str(u.body, "groups", 0, "value") != team {
		t.Errorf("ada after the Bulk request: %s", u.raw)
	}

	// Each operation has its provisioning log row under the request's id, and its event.
	rows := s.logRows(t, 5, "--request", r.header.Get("X-Request-Id"))
	var actions []string
	for _, row := range rows {
		actions = append(actions, fmt.Sprint(row["action"], " ", row["status"], " ", str(row, "resource_id")))
	}
	slices.Sort(actions)
	wantRows := []string{"bulk 200 ", "create 201 " + ada, "create 201 " + bob, "create 201 " + team, "update 200 " + ada}
	slices.Sort(wantRows)
	if !slices.Equal(actions, wantRows) {
		t.Errorf("log rows of the Bulk request:\n%v\nwant\n%v", actions, wantRows)
	}
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	ev := s.app(t, key, "/events?types=user.created,group.created,user.updated").want(t, 200)
	if got := strings.Join(eventTypes(ev), " "); got != "user.created user.created group.created user.updated" {
		t.Errorf("events = %q", got)
	}

	// Circular references are refused (409), as are a reference to no POST,
	// one to a later POST, and a stale version; the other operations go on.
	r = s.do(t, "POST", "/Bulk", bulkMsg+`
		{"method":"POST","path":"/Groups","bulkId":"a","data":{"displayName":"A","members":[{"value":"bulkId:b","type":"Group"}]}},
		{"method":"POST","path":"/Groups","bulkId":"b","data":{"displayName":"B","members":[{"value":"bulkId:a","type":"Group"}]}},
		{"method":"PATCH","path":"/Users/bulkId:nobody","data":`+patchMsg+`{"op":"replace","path":"title","value":"x"}]}},
		{"method":"DELETE","path":"/Users/bulkId:later"},
		{"method":"POST","path":"/Users","bulkId":"later","data":{"userName":"later@contoso.com"}},
		{"method":"DELETE","path":"/Users/`+bob+`","version":"W/\"99\""}]}`).want(t, 200)
	ops = bulkOps(t, r)
	if statuses(ops) != "409 409 400 400 201 412" {
		t.Fatalf("statuses = %q, want 409 409 400 400 201 412: %s", statuses(ops), r.raw)
	}
	for i, scimType := range []string{"invalidValue", "invalidValue", "invalidValue", "invalidValue"} {
		if got := str(ops[i], "response", "scimType"); got != scimType || str(ops[i], "response", "status") != str(ops[i], "status") {
			t.Errorf("operation %d: response %v, want scimType %s", i+1, get(ops[i], "response"), scimType)
		}
	}
	if d := str(ops[0], "response", "detail"); !strings.Contains(d, "circle") {
		t.Errorf("circular detail = %q", d)
	}
	for _, name := range []string{"A", "B"} {
		if l := s.do(t, "GET", "/Groups?filter="+q(`displayName eq "`+name+`"`), "").want(t, 200); get(l.body, "totalResults") != 0.0 {
			t.Errorf("group %s was created: %s", name, l.raw)
		}
	}
	s.do(t, "GET", "/Users/"+bob, "").want(t, 200)
	if rows := s.logRows(t, 1, "--reason", "bulk_circular"); len(rows) != 2 || rows[0]["status"] != 409.0 {
		t.Errorf("rows of the circular operations: %v", rows)
	}

	// failOnErrors: the first error stops the request; the rest is neither applied nor listed.
	r = s.do(t, "POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,"Operations":[
		{"method":"POST","path":"/Users","bulkId":"carol","data":{"userName":"carol@contoso.com"}},
		{"method":"POST","path":"/Users","bulkId":"twin","data":{"userName":"ADA@contoso.com"}},
		{"method":"POST","path":"/Users","bulkId":"dave","data":{"userName":"dave@contoso.com"}}]}`).want(t, 200)
	ops = bulkOps(t, r)
	if statuses(ops) != "201 409" || str(ops[1], "response", "scimType") != "uniqueness" || str(ops[1], "location") != "" {
		t.Fatalf("with failOnErrors 1: %s", r.raw)
	}
	for name, want := range map[string]float64{"carol@contoso.com": 1, "dave@contoso.com": 0} {
		if l := s.do(t, "GET", "/Users?filter="+q(`userName eq "`+name+`"`), "").want(t, 200); get(l.body, "totalResults") != want {
			t.Errorf("%s: %v users, want %v", name, get(l.body, "totalResults"), want)
		}
	}

	// Past maxOperations or maxPayloadSize: 413 with a SCIM error, and nothing applied.
	op := `{"method":"POST","path":"/Users","bulkId":"e%d","data":{"userName":"e%d@contoso.com"}}`
	var seven []string
	for i := range 7 {
		seven = append(seven, fmt.Sprintf(op, i, i))
	}
	r = s.do(t, "POST", "/Bulk", bulkMsg+strings.Join(seven, ",")+"]}").wantError(t, 413, "")
	if !strings.Contains(str(r.body, "detail"), "maxOperations (6)") {
		t.Errorf("detail = %q", str(r.body, "detail"))
	}
	big := fmt.Sprintf(`{"method":"POST","path":"/Users","bulkId":"big","data":{"userName":"big@contoso.com","title":%q}}`, strings.Repeat("x", 4096))
	s.do(t, "POST", "/Bulk", bulkMsg+big+"]}").wantError(t, 413, "")
	for _, name := range []string{"e0@contoso.com", "big@contoso.com"} {
		if l := s.do(t, "GET", "/Users?filter="+q(`userName eq "`+name+`"`), "").want(t, 200); get(l.body, "totalResults") != 0.0 {
			t.Errorf("%s was created by a refused Bulk request", name)
		}
	}
}
