package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const userBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"grace@example.com","active":true}`

// TestBadInput: every malformed request is a 4xx with a SCIM error body, and changes nothing.
func TestBadInput(t *testing.T) { forEachStore(t, testBadInput) }

func testBadInput(t *testing.T, db string) {
	s := startServer(t, db)
	r := s.do(t, "POST", "/Users", userBody).want(t, 201)
	id := str(r.body, "id")
	version := str(r.body, "meta", "version")
	var ops []string
	for i := 0; i < 1001; i++ {
		ops = append(ops, `{"op":"replace","path":"displayName","value":"x"}`)
	}
	tooMany := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`
	fresh := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"fresh@example.com"}`
	big := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		scimType                 string
	}{
		{"not json", "POST", "/Users", `{"userName":`, 400, "invalidSyntax"},
		{"array body", "POST", "/Users", `[]`, 400, "invalidSyntax"},
		{"no userName", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`, 400, "invalidValue"},
		{"wrong type", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"z","active":"maybe"}`, 400, "invalidValue"},
		{"too large", "POST", "/Users", big, 413, ""},
		{"bad filter", "GET", "/Users?filter=" + q(`userName eq`), "", 400, "invalidFilter"},
		{"unbalanced filter", "GET", "/Users?filter=" + q(`(userName eq "a"`), "", 400, "invalidFilter"},
		{"bad startIndex", "GET", "/Users?startIndex=abc", "", 400, "invalidValue"},
		{"bad sortOrder", "GET", "/Users?sortBy=userName&sortOrder=up", "", 400, "invalidValue"},
		{"patch not json", "PATCH", "/Users/" + id, `{`, 400, "invalidSyntax"},
		{"patch bad op", "PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"move","path":"userName","value":"a"}]}`, 400, "invalidSyntax"},
		{"patch bad value filter", "PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails[type eq","value":"a"}]}`, 400, "invalidFilter"},
		{"patch bad path", "PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name..x","value":"a"}]}`, 400, "invalidPath"},
		{"patch remove without path", "PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove"}]}`, 400, "noTarget"},
		{"patch readOnly id", "PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"id","value":"x"}]}`, 400, "mutability"},
		{"patch atomic", "PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"changed"},{"op":"replace","path":"active","value":"perhaps"}]}`, 400, "invalidValue"},
		{"patch too many operations", "PATCH", "/Users/" + id, tooMany, 400, "tooMany"},
		{"bytes after the body", "POST", "/Users", fresh + "}", 400, "invalidSyntax"},
		{"bracket after the body", "POST", "/Users", fresh + "]", 400, "invalidSyntax"},
		{"value after the body", "POST", "/Users", fresh + ` "x"`, 400, "invalidSyntax"},
		{"bytes after a put body", "PUT", "/Users/" + id, userBody + "}", 400, "invalidSyntax"},
		{"bytes after a patch body", "PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"x"}]}}`, 400, "invalidSyntax"},
		{"bytes after a search body", "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}}`, 400, "invalidSyntax"},
		{"NUL in a value", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"grace@example.com\u0000"}`, 400, "invalidValue"},
		{"NUL in a nested value", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"nul@example.com","emails":[{"value":"a\u0000@example.com"}]}`, 400, "invalidValue"},
		{"NUL in a key", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"nul@example.com","display\u0000Name":"x"}`, 400, "invalidValue"},
		{"NUL in a put value", "PUT", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"grace@example.com","displayName":"\u0000"}`, 400, "invalidValue"},
		{"NUL in a patch value", "PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"a\u0000"}]}`, 400, "invalidValue"},
		{"NUL in a search filter", "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"a\u0000\""}`, 400, "invalidValue"},
		{"NUL in a path id", "GET", "/Users/" + id + "%00", "", 400, "invalidValue"},
		{"NUL in a put path id", "PUT", "/Users/" + id + "%00", userBody, 400, "invalidValue"},
		{"NUL in a filter", "GET", "/Users?filter=" + q(`userName eq "grace@example.com`) + "%00" + q(`"`), "", 400, "invalidFilter"},
		{"NUL in a filter word", "GET", "/Users?filter=" + q(`userName`) + "%00" + q(` pr`), "", 400, "invalidFilter"},
		{"escaped NUL in a filter", "GET", "/Users?filter=" + q(`userName eq "grace\u0000"`), "", 400, "invalidFilter"},
		{"year 0 in a filter", "GET", "/Users?filter=" + q(`meta.lastModified gt "0000-01-01T00:00:00Z"`), "", 400, "invalidFilter"},
		{"year 0 in UTC in a filter", "GET", "/Users?filter=" + q(`meta.created lt "0001-01-01T00:30:00+01:00"`), "", 400, "invalidFilter"},
		{"offset out of range in a filter", "GET", "/Users?filter=" + q(`meta.lastModified gt "2020-01-01T00:00:00+99:00"`), "", 400, "invalidFilter"},
		{"offset past 14:59 in a filter", "GET", "/Users?filter=" + q(`meta.lastModified gt "2020-01-01T00:00:00+15:00"`), "", 400, "invalidFilter"},
		{"year past 9999 in a filter", "GET", "/Users?filter=" + q(`meta.created lt "9999-12-31T23:30:00-01:00"`), "", 400, "invalidFilter"},
		{"over-long filter", "GET", "/Users?filter=" + q(`userName eq "`+strings.Repeat("x", 100<<10)+`"`), "", 400, "invalidFilter"},
		{"NUL in sortBy", "GET", "/Users?sortBy=user%00Name", "", 400, "invalidValue"},
		{"NUL in a sortBy extension", "GET", "/Users?sortBy=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:depart%00ment", "", 400, "invalidValue"},
		{"NUL in a cursor", "GET", "/Users?cursor=ab%00", "", 400, "invalidCursor"},
		{"put stale", "PUT", "/Users/" + id, userBody, 412, ""},
		{"unknown user", "GET", "/Users/nope", "", 404, ""},
		{"unknown endpoint", "GET", "/Things", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.status == 412 {
				hdr = []string{"If-Match", `W/"999"`}
			}
			s.do(t, tt.method, tt.path, tt.body, hdr...).wantError(t, tt.status, tt.scimType)
		})
	}
	r = s.do(t, "GET", "/Users?filter="+q(`userName eq "`+strings.Repeat("x", 100<<10)+`"`), "").wantError(t, 400, "invalidFilter")
	if d := str(r.body, "detail"); !strings.Contains(d, "102414 bytes") || !strings.Contains(d, "limit of 4096 bytes") {
		t.Errorf("over-long filter: detail %q does not give the length and the limit", d)
	}
	r = s.do(t, "GET", "/Users/"+id, "").want(t, 200)
	if str(r.body, "meta", "version") != version || get(r.body, "displayName") != nil {
		t.Fatalf("bad input changed the user: %s", r.raw)
	}
	r = s.do(t, "GET", "/Users", "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 {
		t.Fatalf("bad input created users: %s", r.raw)
	}
}

// TestControlCharacters: control characters other than NUL, escaped as JSON
// asks, are stored and found as sent on both stores.
func TestControlCharacters(t *testing.T) { forEachStore(t, testControlCharacters) }

func testControlCharacters(t *testing.T, db string) {
	s := startServer(t, db)
	r := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ctl\u0001@example.com","displayName":"a\tb\u001f"}`).want(t, 201)
	if str(r.body, "displayName") != "a\tb\x1f" {
		t.Fatalf("displayName = %q, want %q", str(r.body, "displayName"), "a\tb\x1f")
	}
	r = s.do(t, "GET", "/Users?filter="+q(`userName eq "ctl\u0001@example.com" and displayName eq "a\tb\u001f"`), "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 {
		t.Fatalf("filter on control characters: %s", r.raw)
	}
}

// TestVersions: meta.version is a weak ETag; If-Match guards writes, If-None-Match saves reads.
func TestVersions(t *testing.T) { forEachStore(t, testVersions) }

func testVersions(t *testing.T, db string) {
	s := startServer(t, db)
	r := s.do(t, "POST", "/Users", userBody).want(t, 201)
	id, v1 := str(r.body, "id"), r.header.Get("ETag")
	if !strings.HasPrefix(v1, `W/"`) {
		t.Fatalf("ETag %q is not weak", v1)
	}
	s.do(t, "GET", "/Users/"+id, "", "If-None-Match", v1).want(t, 304)
	r = s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Grace"}]}`, "If-Match", v1).want(t, 200)
	v2 := r.header.Get("ETag")
	if v2 == v1 {
		t.Fatalf("version did not change: %s", v2)
	}
	s.do(t, "GET", "/Users/"+id, "", "If-None-Match", v1).want(t, 200)
	s.do(t, "PUT", "/Users/"+id, userBody, "If-Match", v1).wantError(t, 412, "")
	s.do(t, "DELETE", "/Users/"+id, "", "If-Match", v1).wantError(t, 412, "")
	s.do(t, "PUT", "/Users/"+id, userBody, "If-Match", v2).want(t, 200)
}

// TestListing: paging, sorting and projection.
func TestListing(t *testing.T) { forEachStore(t, testListing) }

func testListing(t *testing.T, db string) {
	s := startServer(t, db)
	for _, n := range []string{"carol", "alice", "bob", "dave", "erin"} {
		s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+n+`","displayName":"`+strings.ToUpper(n)+`","emails":[{"value":"`+n+`@example.com","type":"work","primary":true}]}`).want(t, 201)
	}
	r := s.do(t, "GET", "/Users?sortBy=userName&startIndex=2&count=2&attributes=userName", "").want(t, 200)
	if get(r.body, "totalResults") != 5.0 || get(r.body, "itemsPerPage") != 2.0 || get(r.body, "startIndex") != 2.0 {
		t.Fatalf("page: %s", r.raw)
	}
	if str(r.body, "Resources", 0, "userName") != "bob" || str(r.body, "Resources", 1, "userName") != "carol" {
		t.Fatalf("sorted page: %s", r.raw)
	}
	if get(r.body, "Resources", 0, "emails") != nil || str(r.body, "Resources", 0, "id") == "" {
		t.Errorf("attributes=userName must keep id and drop emails: %s", r.raw)
	}
	r = s.do(t, "GET", "/Users?sortBy=userName&sortOrder=descending&count=1&excludedAttributes=emails", "").want(t, 200)
	if str(r.body, "Resources", 0, "userName") != "erin" || get(r.body, "Resources", 0, "emails") != nil {
		t.Fatalf("descending, excluded: %s", r.raw)
	}
	r = s.do(t, "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"emails[type eq \"work\" and value sw \"d\"]","attributes":["displayName"]}`).want(t, 200)
	if get(r.body, "totalResults") != 1.0 || str(r.body, "Resources", 0, "displayName") != "DAVE" {
		t.Fatalf(".search: %s", r.raw)
	}
	r = s.do(t, "PATCH", "/Users/"+str(r.body, "Resources", 0, "id"), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Research"}]}`).want(t, 200)
	r = s.do(t, "GET", "/Users?filter="+q(`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT eq "research"`), "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 || str(r.body, "Resources", 0, "userName") != "dave" {
		t.Fatalf("filter on an extension attribute in another case: %s", r.raw)
	}
	r = s.do(t, "GET", "/Users?count=0", "").want(t, 200)
	if get(r.body, "totalResults") != 5.0 || len(get(r.body, "Resources").([]any)) != 0 {
		t.Fatalf("count=0: %s", r.raw)
	}
	// RFC 7644 §3.4.2.4: a negative count is 0, a startIndex below 1 is 1.
	s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Staff"}`).want(t, 201)
	for _, tc := range []struct {
		path  string
		total float64
	}{{"/Users?count=-1", 5}, {"/Users?count=-1000&startIndex=2", 5}, {"/Groups?count=-1", 1}} {
		r = s.do(t, "GET", tc.path, "").want(t, 200)
		if get(r.body, "totalResults") != tc.total || len(get(r.body, "Resources").([]any)) != 0 {
			t.Errorf("GET %s: want totalResults %v and no Resources: %s", tc.path, tc.total, r.raw)
		}
	}
	r = s.do(t, "GET", "/Users?cursor=&count=-1", "").want(t, 200)
	if len(get(r.body, "Resources").([]any)) != 0 {
		t.Errorf("cursor page of count -1: want no Resources: %s", r.raw)
	}
	r = s.do(t, "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":-1}`).want(t, 200)
	if get(r.body, "totalResults") != 5.0 || len(get(r.body, "Resources").([]any)) != 0 {
		t.Errorf(".search count -1: want totalResults and no Resources: %s", r.raw)
	}
	for _, path := range []string{"/Users?sortBy=userName&startIndex=0&count=1", "/Users?sortBy=userName&startIndex=-3&count=1"} {
		r = s.do(t, "GET", path, "").want(t, 200)
		if get(r.body, "startIndex") != 1.0 || str(r.body, "Resources", 0, "userName") != "alice" {
			t.Errorf("GET %s: want the first page from 1: %s", path, r.raw)
		}
	}
}

// TestDiscovery: the discovery endpoints describe what the server does.
func TestDiscovery(t *testing.T) {
	s := startServer(t, sqliteDB(t))
	r := s.do(t, "GET", "/ServiceProviderConfig", "").want(t, 200)
	if get(r.body, "patch", "supported") != true || get(r.body, "filter", "supported") != true || get(r.body, "bulk", "supported") != true ||
		get(r.body, "bulk", "maxOperations") != 1000.0 || get(r.body, "bulk", "maxPayloadSize") != float64(1<<20) {
		t.Fatalf("ServiceProviderConfig: %s", r.raw)
	}
	r = s.do(t, "GET", "/Schemas", "").want(t, 200)
	ids := map[string]bool{}
	for _, sc := range get(r.body, "Resources").([]any) {
		ids[str(sc, "id")] = true
	}
	for _, id := range []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"} {
		if !ids[id] {
			t.Errorf("/Schemas lacks %s", id)
		}
		s.do(t, "GET", "/Schemas/"+id, "").want(t, 200)
	}
	r = s.do(t, "GET", "/ResourceTypes/User", "").want(t, 200)
	if str(r.body, "endpoint") != "/Users" || str(r.body, "schemaExtensions", 0, "schema") != "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" {
		t.Fatalf("ResourceTypes/User: %s", r.raw)
	}
	s.do(t, "GET", "/ResourceTypes/Nope", "").wantError(t, 404, "")
}

// TestCursorPagination pages through users by cursor (RFC 9865): every user
// once, in creation order, also while users are created meanwhile; bad
// cursors and mixing with startIndex or sortBy are refused.
func TestCursorPagination(t *testing.T) { forEachStore(t, testCursorPagination) }

func testCursorPagination(t *testing.T, db string) {
	s := startServer(t, db)
	var want []string
	for i := range 25 {
		r := s.do(t, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"c%02d@example.com"}`, i)).want(t, 201)
		want = append(want, str(r.body, "id"))
	}
	var got []string
	cursor, pages := "", 0
	for {
		r := s.do(t, "GET", "/Users?count=10&attributes=userName&cursor="+cursor, "").want(t, 200)
		pages++
		if r.body["totalResults"] != nil || r.body["startIndex"] != nil {
			t.Errorf("a cursor page counts: %s", r.raw)
		}
		res, _ := r.body["Resources"].([]any)
		for _, u := range res {
			got = append(got, str(u, "id"))
		}
		if pages == 1 {
			// A user created while paging comes last, not twice nor never.
			late := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"late@example.com"}`).want(t, 201)
			want = append(want, str(late.body, "id"))
		}
		next := str(r.body, "nextCursor")
		if next == "" {
			break
		}
		if pages > 10 {
			t.Fatal("too many pages")
		}
		cursor = next
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || pages != 3 {
		t.Fatalf("%d pages gave %d users, want the %d in creation order", pages, len(got), len(want))
	}
	// A filter narrows the pages; .search takes the cursor in its body.
	r := s.do(t, "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName sw \"c1\"","cursor":"","count":5}`).want(t, 200)
	if res, _ := r.body["Resources"].([]any); len(res) != 5 || str(r.body, "nextCursor") == "" {
		t.Errorf("search page: %s", r.raw)
	}
	s.do(t, "GET", "/Users?cursor=bm9wZQ", "").wantError(t, 400, "invalidCursor")
	s.do(t, "GET", "/Users?cursor=&startIndex=2", "").wantError(t, 400, "invalidValue")
	s.do(t, "GET", "/Users?cursor=&sortBy=userName", "").wantError(t, 400, "invalidValue")
	cfg := s.do(t, "GET", "/ServiceProviderConfig", "").want(t, 200)
	if get(cfg.body, "pagination", "cursor") != true || get(cfg.body, "pagination", "index") != true {
		t.Errorf("ServiceProviderConfig pagination: %v", cfg.body["pagination"])
	}
}

// TestGroupStream checks that a group GET, whose members are streamed from
// the store, is the same document the list renders whole.
func TestGroupStream(t *testing.T) { forEachStore(t, testGroupStream) }

func testGroupStream(t *testing.T, db string) {
	s := startServer(t, db)
	var members []string
	for i := range 3 {
		r := s.do(t, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"s%d@example.com","displayName":"S %d"}`, i, i)).want(t, 201)
		members = append(members, fmt.Sprintf(`{"value":%q}`, str(r.body, "id")))
	}
	sub := s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sub"}`).want(t, 201)
	members = append(members, fmt.Sprintf(`{"value":%q}`, str(sub.body, "id")))
	g := s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"All","externalId":"x","members":[`+strings.Join(members, ",")+`]}`).want(t, 201)
	id := str(g.body, "id")

	got := s.do(t, "GET", "/Groups/"+id, "").want(t, 200)
	if got.header.Get("ETag") == "" {
		t.Error("streamed group without ETag")
	}
	list := s.do(t, "GET", "/Groups?filter="+q(`id eq "`+id+`"`), "").want(t, 200)
	want := get(list.body, "Resources", 0)
	if diff := cmp.Diff(want, any(got.body)); diff != "" {
		t.Errorf("streamed group differs from the listed one (-list +stream):\n%s", diff)
	}
	if ms, _ := got.body["members"].([]any); len(ms) != 4 {
		t.Errorf("streamed members: %v", got.body["members"])
	}
	// No members: no members attribute, and valid JSON.
	empty := s.do(t, "GET", "/Groups/"+str(sub.body, "id"), "").want(t, 200)
	if _, ok := empty.body["members"]; ok || str(empty.body, "displayName") != "Sub" {
		t.Errorf("empty group: %s", empty.raw)
	}
}
