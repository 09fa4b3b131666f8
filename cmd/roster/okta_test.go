package main

import (
	"strings"
	"testing"
)

// okta reads testdata/okta/NAME with {{key}} placeholders replaced.
func okta(t *testing.T, name string, kv ...string) string {
	t.Helper()
	return fixtureOf(t, "okta", name, kv...)
}

// TestOktaProvisioning replays, over HTTP against the real server, the request
// sequence Okta documents for a SCIM 2.0 app integration: Test Connector
// Configuration, the userName lookup before each create, the create, the
// full-object PUT updates (one without active), deactivation and reactivation
// by a PATCH without path, Group Push with members, member adds and removes by
// filter, the rename that echoes the group's id, and unlinking the group.
func TestOktaProvisioning(t *testing.T) { forEachStore(t, testOktaProvisioning) }

func testOktaProvisioning(t *testing.T, db string) {
	s := startServer(t, db)

	// Test Connector Configuration, then the app groups Okta caches.
	r := s.do(t, "GET", "/Users?startIndex=1&count=2", "").want(t, 200)
	if str(r.body, "schemas", 0) != "urn:ietf:params:scim:api:messages:2.0:ListResponse" ||
		get(r.body, "totalResults") != 0.0 || get(r.body, "startIndex") != 1.0 || get(r.body, "itemsPerPage") != 0.0 {
		t.Fatalf("test connection: want an empty list with integer paging fields, got %s", r.raw)
	}
	if res, ok := get(r.body, "Resources").([]any); !ok || len(res) != 0 {
		t.Fatalf("test connection: want Resources as an empty array, got %s", r.raw)
	}
	r = s.do(t, "GET", "/Groups?startIndex=1&count=100", "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("app groups: %s", r.raw)
	}

	// Push New Users: the lookup finds nothing, the create answers with
	// Roster's id, which Okta keeps as the user's externalId on its side.
	lookup := "/Users?filter=" + q(`userName eq "grace.hopper@example.org"`) + "&startIndex=1&count=100"
	r = s.do(t, "GET", lookup, "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("lookup before create: %s", r.raw)
	}
	r = s.do(t, "POST", "/Users", okta(t, "create-user.json")).want(t, 201)
	uid := str(r.body, "id")
	if uid == "" || r.header.Get("Location") != s.base+"/Users/"+uid || get(r.body, "active") != true ||
		str(r.body, "externalId") != "00u4qv9ewgTgQ5ZpD0h8" || str(r.body, "locale") != "en-US" || get(r.body, "password") != nil {
		t.Fatalf("create: %s", r.raw)
	}
	s.do(t, "POST", "/Users", okta(t, "create-user.json")).wantError(t, 409, "uniqueness")
	r = s.do(t, "GET", lookup, "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 || str(r.body, "Resources", 0, "id") != uid || get(r.body, "startIndex") != 1.0 {
		t.Fatalf("lookup after create: %s", r.raw)
	}

	// Push Profile Updates: Okta reads the user, then PUTs the whole object
	// back with its read-only id, groups and meta.
	s.do(t, "GET", "/Users/"+uid, "").want(t, 200)
	r = s.do(t, "PUT", "/Users/"+uid, okta(t, "replace-user.json", "id", uid)).want(t, 200)
	if str(r.body, "name", "middleName") != "Brewster" || get(r.body, "active") != true || str(r.body, "id") != uid ||
		str(r.body, "displayName") != "Grace Hopper" {
		t.Fatalf("put: %s", r.raw)
	}
	// A PUT that leaves active out keeps the user active...
	r = s.do(t, "PUT", "/Users/"+uid, okta(t, "replace-user-without-active.json", "id", uid)).want(t, 200)
	if get(r.body, "active") != true || str(r.body, "title") != "Rear Admiral" {
		t.Fatalf("put without active on an active user: %s", r.raw)
	}

	// Deactivation: a PATCH without path.
	r = s.do(t, "PATCH", "/Users/"+uid, okta(t, "patch-user-deactivate.json")).want(t, 200)
	if get(r.body, "active") != false {
		t.Fatalf("deactivate: %s", r.raw)
	}
	// ...and a deactivated one deactivated.
	r = s.do(t, "PUT", "/Users/"+uid, okta(t, "replace-user-without-active.json", "id", uid)).want(t, 200)
	if get(r.body, "active") != false {
		t.Fatalf("put without active on a deactivated user: %s", r.raw)
	}
	r = s.do(t, "GET", lookup, "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 || get(r.body, "Resources", 0, "active") != false {
		t.Fatalf("lookup of the deactivated user: %s", r.raw)
	}
	r = s.do(t, "PATCH", "/Users/"+uid, okta(t, "patch-user-reactivate.json")).want(t, 200)
	if get(r.body, "active") != true || str(r.body, "title") != "Rear Admiral" {
		t.Fatalf("reactivate: %s", r.raw)
	}

	// Two more assigned users, each looked up then created.
	ids := map[string]string{}
	for _, n := range []string{"ada", "edsger"} {
		name := n + "@example.org"
		s.do(t, "GET", "/Users?filter="+q(`userName eq "`+name+`"`)+"&startIndex=1&count=100", "").want(t, 200)
		r := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`",`+
			`"emails":[{"primary":true,"value":"`+name+`","type":"work"}],"groups":[],"active":true}`).want(t, 201)
		ids[n] = str(r.body, "id")
	}

	// Push Groups: the group with its assigned member, then membership changes.
	r = s.do(t, "POST", "/Groups", okta(t, "create-group.json", "member", uid)).want(t, 201)
	gid := str(r.body, "id")
	if gid == "" || str(r.body, "displayName") != "Compiler Team" || str(r.body, "members", 0, "value") != uid {
		t.Fatalf("push group: %s", r.raw)
	}
	s.do(t, "PATCH", "/Groups/"+gid, okta(t, "patch-group-add-member.json", "member", ids["ada"], "display", "ada@example.org")).want(t, 204)
	s.do(t, "PATCH", "/Groups/"+gid, okta(t, "patch-group-membership.json",
		"leaving", uid, "joining", ids["edsger"], "display", "edsger@example.org")).want(t, 204)
	r = s.do(t, "GET", "/Groups/"+gid, "").want(t, 200)
	if got := memberIDs(r.body); got != ids["ada"]+" "+ids["edsger"] {
		t.Fatalf("members after add and swap = %q, want ada and edsger: %s", got, r.raw)
	}
	s.do(t, "PATCH", "/Groups/"+gid, okta(t, "patch-group-remove-member.json", "member", ids["ada"])).want(t, 204)
	r = s.do(t, "GET", "/Groups/"+gid, "").want(t, 200)
	if got := memberIDs(r.body); got != ids["edsger"] {
		t.Fatalf("members after remove = %q, want edsger: %s", got, r.raw)
	}
	r = s.do(t, "GET", "/Users/"+uid, "").want(t, 200)
	if get(r.body, "groups") != nil {
		t.Errorf("groups of a user who left: %s", r.raw)
	}

	// The rename Okta sends with each membership update echoes the group's id:
	// accepted when it is this group's id, refused when it is another's.
	s.do(t, "PATCH", "/Groups/"+gid, okta(t, "patch-group-rename.json", "id", gid, "displayName", "Compilers")).want(t, 204)
	r = s.do(t, "GET", "/Groups/"+gid, "").want(t, 200)
	if str(r.body, "displayName") != "Compilers" || str(r.body, "id") != gid {
		t.Fatalf("rename: %s", r.raw)
	}
	s.do(t, "PATCH", "/Groups/"+gid, okta(t, "patch-group-rename.json", "id", ids["ada"], "displayName", "Hijack")).wantError(t, 400, "mutability")
	r = s.do(t, "GET", "/Groups?filter="+q(`displayName eq "Compilers"`)+"&startIndex=1&count=100", "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 || str(r.body, "Resources", 0, "id") != gid {
		t.Fatalf("group after the refused rename: %s", r.raw)
	}

	// Unlink pushed group, deleting it in the app.
	s.do(t, "DELETE", "/Groups/"+gid, "").want(t, 204)
	s.do(t, "GET", "/Groups/"+gid, "").wantError(t, 404, "")

	// Every change left its event, in order, in the outbox.
	want := "user.created user.updated user.updated user.deactivated user.updated user.reactivated " +
		"group.created group.members_added group.members_removed group.members_added group.members_removed group.updated group.deleted"
	if got := outboxTypes(t, s, uid, gid); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}

// memberIDs lists the member ids of a group document, in order, joined by spaces.
func memberIDs(doc map[string]any) string {
	members, _ := get(doc, "members").([]any)
	var ids []string
	for i := range members {
		ids = append(ids, str(members, i, "value"))
	}
	return strings.Join(ids, " ")
}
