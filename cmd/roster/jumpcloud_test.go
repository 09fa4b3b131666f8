package main

import (
	"testing"
)

// jumpcloud reads testdata/jumpcloud/NAME with {{key}} placeholders replaced.
func jumpcloud(t *testing.T, name string, kv ...string) string {
	t.Helper()
	return fixtureOf(t, "jumpcloud", name, kv...)
}

// TestJumpCloudProvisioning replays, over HTTP against the real server, what
// JumpCloud documents for a custom SCIM integration: Test Connection's test
// user and test group, created and deleted again; a user bound to the
// application, created with the attributes of JumpCloud's mapping table; the
// takeover of a group that already exists under the user group's name; and
// the deletion of a managed group.
func TestJumpCloudProvisioning(t *testing.T) { forEachStore(t, testJumpCloudProvisioning) }

func testJumpCloudProvisioning(t *testing.T, db string) {
	s := startServer(t, db)

	// Test Connection: a test user with the Test User Email, a test group,
	// then both deleted.
	r := s.do(t, "POST", "/Users", jumpcloud(t, "create-user.json",
		"userName", "it-check@example.org", "givenName", "Test", "familyName", "User")).want(t, 201)
	testUser := str(r.body, "id")
	if testUser == "" || str(r.body, "userName") != "it-check@example.org" || get(r.body, "active") != true ||
		str(r.body, "name", "givenName") != "Test" || str(r.body, "name", "familyName") != "User" {
		t.Fatalf("test connection, test user: %s", r.raw)
	}
	r = s.do(t, "POST", "/Groups", jumpcloud(t, "create-group.json", "displayName", "JumpCloud Test Group")).want(t, 201)
	testGroup := str(r.body, "id")
	if testGroup == "" || str(r.body, "displayName") != "JumpCloud Test Group" || get(r.body, "members") != nil {
		t.Fatalf("test connection, test group: %s", r.raw)
	}
	s.do(t, "DELETE", "/Users/"+testUser, "").want(t, 204)
	s.do(t, "DELETE", "/Groups/"+testGroup, "").want(t, 204)
	s.do(t, "GET", "/Users/"+testUser, "").wantError(t, 404, "")
	s.do(t, "GET", "/Groups/"+testGroup, "").wantError(t, 404, "")
	// Test Connection can be run again: the test user's userName is free.
	r = s.do(t, "POST", "/Users", jumpcloud(t, "create-user.json",
		"userName", "it-check@example.org", "givenName", "Test", "familyName", "User")).want(t, 201)
	s.do(t, "DELETE", "/Users/"+str(r.body, "id"), "").want(t, 204)

	// A user bound to the application: JumpCloud's username, firstname and lastname.
	r = s.do(t, "POST", "/Users", jumpcloud(t, "create-user.json",
		"userName", "mary.jackson@example.org", "givenName", "Mary", "familyName", "Jackson")).want(t, 201)
	uid := str(r.body, "id")
	if uid == "" || r.header.Get("Location") != s.base+"/Users/"+uid || get(r.body, "active") != true ||
		str(r.body, "name", "familyName") != "Jackson" {
		t.Fatalf("create: %s", r.raw)
	}
	s.do(t, "POST", "/Users", jumpcloud(t, "create-user.json",
		"userName", "mary.jackson@example.org", "givenName", "Mary", "familyName", "Jackson")).wantError(t, 409, "uniqueness")

	// A group that exists before JumpCloud manages it: found by its name,
	// then JumpCloud's from then on.
	r = s.do(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Wind Tunnel"}`).want(t, 201)
	gid := str(r.body, "id")
	r = s.do(t, "GET", "/Groups?filter="+q(`displayName eq "Wind Tunnel"`), "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 || str(r.body, "Resources", 0, "id") != gid {
		t.Fatalf("takeover by name: %s", r.raw)
	}
	s.do(t, "POST", "/Groups", jumpcloud(t, "create-group.json", "displayName", "Wind Tunnel")).wantError(t, 409, "uniqueness")

	// A managed group deleted in JumpCloud is deleted in Roster.
	s.do(t, "DELETE", "/Groups/"+gid, "").want(t, 204)
	r = s.do(t, "GET", "/Groups?filter="+q(`displayName eq "Wind Tunnel"`), "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("lookup after the group's deletion: %s", r.raw)
	}

	want := "user.created group.created user.deleted group.deleted user.created group.created group.deleted"
	if got := outboxTypes(t, s, testUser, testGroup, uid, gid); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}
