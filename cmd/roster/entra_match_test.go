package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

// tagPolicy declares the custom extension of Microsoft's example schema, as
// the tutorial tells an app to.
const tagPolicy = `{"format":1,"extensions":[{"schema":"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User",
	"name":"CustomExtensionName","attributes":[{"name":"tag","type":"string"}]}]}`

// TestEntraManagerAsID replays Microsoft's example schema payload, whose
// enterprise manager is a plain id ("Manager": "123456"), and sends the
// manager as an id in PUT bodies too: the id becomes {"value": id} as it does
// in PATCH.
func TestEntraManagerAsID(t *testing.T) { forEachStore(t, testEntraManagerAsID) }

func testEntraManagerAsID(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	s.setPolicy(t, tagPolicy)

	// The payload as documented has a comma before "}": not JSON.
	s.do(t, "POST", "/Users", fixture(t, "schema-example-user.json")).wantError(t, 400, "invalidSyntax")

	r := s.do(t, "POST", "/Users", fixture(t, "schema-example-user-parsed.json")).want(t, 201)
	uid := str(r.body, "id")
	if uid == "48af03ac28ad4fb88478" || str(r.body, entURN, "manager", "value") != "123456" ||
		str(r.body, "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User", "tag") != "701984" {
		t.Fatalf("create: %s", r.raw)
	}
	r = s.do(t, "GET", "/Users/"+uid, "").want(t, 200)
	if str(r.body, entURN, "manager", "value") != "123456" {
		t.Fatalf("get: %s", r.raw)
	}

	mgr := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"manager@contoso.com"}`).want(t, 201)
	mid := str(mgr.body, "id")
	for _, body := range []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + entURN + `"],"userName":"bjensen@testuser.com",` +
			`"` + entURN + `":{"manager":"` + mid + `"}}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@testuser.com",` +
			`"` + entURN + `:manager":"` + mid + `"}`,
	} {
		r = s.do(t, "PUT", "/Users/"+uid, body).want(t, 200)
		if str(r.body, entURN, "manager", "value") != mid {
			t.Fatalf("replace with %s: %s", body, r.raw)
		}
		r = s.do(t, "GET", "/Users/"+uid, "").want(t, 200)
		if str(r.body, entURN, "manager", "value") != mid {
			t.Fatalf("get after replace: %s", r.raw)
		}
		s.do(t, "PUT", "/Users/"+uid, `{"userName":"bjensen@testuser.com","`+entURN+`":{"manager":"123456"}}`).want(t, 200)
	}

	// A manager that is neither an id nor an object is still refused.
	s.do(t, "PUT", "/Users/"+uid, `{"userName":"bjensen@testuser.com","`+entURN+`":{"manager":7}}`).wantError(t, 400, "invalidValue")
}

// TestEntraWorkEmailLookup sends the lookup Entra ID makes when mail is the
// matching attribute: emails[type eq "work"].value eq "x". It matches a user
// whose work address is x, in any case, and not one whose other address is x.
func TestEntraWorkEmailLookup(t *testing.T) { forEachStore(t, testEntraWorkEmailLookup) }

func testEntraWorkEmailLookup(t *testing.T, db string) {
	s := startServer(t, db)
	r := s.do(t, "POST", "/Users", fixture(t, "create-user.json")).want(t, 201)
	uid := str(r.body, "id")
	s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"home@contoso.com",
		"emails":[{"type":"home","value":"Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"},{"type":"work","value":"home@contoso.com"}]}`).want(t, 201)

	lookup := "/Users?filter=" + q(`emails[type eq "work"].value eq "TEST_USER_FD0EA19B-0777-472C-9F96-4F70D2226F2E@testuser.com"`)
	r = s.do(t, "GET", lookup, "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 || str(r.body, "Resources", 0, "id") != uid {
		t.Fatalf("lookup by work email: %s", r.raw)
	}
	r = s.do(t, "GET", "/Users?filter="+q(`emails[type eq "work"].value eq "nobody@contoso.com"`), "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("lookup of an unknown work email: %s", r.raw)
	}
	r = s.do(t, "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
		"filter":"emails[type eq \"work\"].value eq \"home@contoso.com\" and userName eq \"home@contoso.com\""}`).want(t, 200)
	if get(r.body, "totalResults") != 1.0 || str(r.body, "Resources", 0, "userName") != "home@contoso.com" {
		t.Fatalf("search by work email: %s", r.raw)
	}
	s.do(t, "GET", "/Users?filter="+q(`emails[type eq "work"].value`), "").wantError(t, 400, "invalidFilter")
	s.do(t, "GET", "/Users?filter="+q(`emails[type eq "work"].display eq "x"`), "").wantError(t, 400, "invalidFilter")
}

// TestEntraGroupNameUnique checks that a group holds its displayName in its
// tenant, as Entra ID needs to match groups by it: a second group of that name,
// in any case, is 409 uniqueness naming the holder on POST, PUT and a PATCH
// that renames; of concurrent creates one succeeds; a tenant whose policy
// turns groups.uniqueDisplayName off may have duplicates.
func TestEntraGroupNameUnique(t *testing.T) { forEachStore(t, testEntraGroupNameUnique) }

func testEntraGroupNameUnique(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	r := s.do(t, "POST", "/Groups", fixture(t, "create-group.json")).want(t, 201)
	gid := str(r.body, "id")
	taken := func(r response) {
		t.Helper()
		r.wantError(t, 409, "uniqueness")
		if !strings.Contains(str(r.body, "detail"), gid) {
			t.Errorf("conflict detail %q does not name the holder %s", str(r.body, "detail"), gid)
		}
	}
	taken(s.do(t, "POST", "/Groups", fixture(t, "create-group.json")))
	taken(s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"DISPLAYNAME"}`))
	for _, row := range s.logRows(t, 2, "--status", "409") {
		if row["reason"] != "group_name_taken" {
			t.Errorf("provisioning log row of a group name taken: %v", row)
		}
	}

	r = s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Other"}`).want(t, 201)
	other := str(r.body, "id")
	taken(s.do(t, "PUT", "/Groups/"+other, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"displayname"}`))
	taken(s.do(t, "PATCH", "/Groups/"+other, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"displayName","value":"DisplayName"}]}`))
	r = s.do(t, "GET", "/Groups/"+other, "").want(t, 200)
	if str(r.body, "displayName") != "Other" {
		t.Fatalf("group after refused renames: %s", r.raw)
	}
	// The holder may change its name's case, and an update that keeps the name is no conflict.
	s.do(t, "PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"displayName","value":"DisplayName"}]}`).want(t, 204)
	s.do(t, "PUT", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"DisplayName","externalId":"x"}`).want(t, 200)
	// Renamed away, the name is free again.
	s.do(t, "PATCH", "/Groups/"+gid, fixture(t, "patch-group-displayname.json")).want(t, 204)
	s.do(t, "PUT", "/Groups/"+other, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"displayName"}`).want(t, 200)

	// Concurrent creates of one name: one wins.
	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, err := newSCIMRequest(s, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Race"}`)
			if err != nil {
				return
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		})
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case 201:
			created++
		case 409:
		default:
			t.Errorf("concurrent create answered %d, want 201 or 409", c)
		}
	}
	if created != 1 {
		t.Errorf("%d of %d concurrent creates of one displayName succeeded, want 1: %v", created, n, codes)
	}

	// A tenant that needs duplicates turns the rule off.
	s.setPolicy(t, `{"format":1,"groups":{"uniqueDisplayName":false}}`)
	s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Race"}`).want(t, 201)
	r = s.do(t, "GET", "/Groups?excludedAttributes=members&filter="+q(`displayName eq "race"`), "").want(t, 200)
	if get(r.body, "totalResults") != 2.0 {
		t.Errorf("groups named Race: %s", r.raw)
	}
}
