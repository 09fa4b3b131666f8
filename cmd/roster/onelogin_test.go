package main

import (
	"strings"
	"testing"
)

// onelogin reads testdata/onelogin/NAME with {{key}} placeholders replaced.
func onelogin(t *testing.T, name string, kv ...string) string {
	t.Helper()
	return fixtureOf(t, "onelogin", name, kv...)
}

// TestOneLoginProvisioning replays, over HTTP against the real server, the
// user requests OneLogin documents for its SCIM provisioning: the initial
// connection's lookup of a userName that does not exist, the lookup before the
// create, the create and the updates in OneLogin's Core User Schema template
// (SCIM 1.0 schema URN, no active), the Enterprise template, and the delete.
func TestOneLoginProvisioning(t *testing.T) { forEachStore(t, testOneLoginProvisioning) }

func testOneLoginProvisioning(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})

	// Enabling the API connection: a lookup OneLogin knows finds nothing.
	r := s.do(t, "GET", "/Users?filter="+q(`userName eq "onelogin-connection-check-7f3a9c"`), "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 || len(get(r.body, "Resources").([]any)) != 0 {
		t.Fatalf("initial connection: want an empty list, got %s", r.raw)
	}

	// A role grants the app: lookup by userName, then the create.
	lookup := "/Users?filter=" + q(`userName eq "katherine.johnson@example.org"`)
	r = s.do(t, "GET", lookup, "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("lookup before create: %s", r.raw)
	}
	r = s.do(t, "POST", "/Users", onelogin(t, "create-user-core.json")).want(t, 201)
	uid := str(r.body, "id")
	if uid == "" || str(r.body, "name", "formatted") != "Katherine Coleman" || get(r.body, "active") != true ||
		str(r.body, "schemas", 0) != "urn:ietf:params:scim:schemas:core:2.0:User" || strings.Contains(r.raw, "urn:scim:schemas:core:1.0") {
		t.Fatalf("create from the Core template: %s", r.raw)
	}
	r = s.do(t, "GET", "/Users/"+uid, "").want(t, 200)
	if str(r.body, "userName") != "katherine.johnson@example.org" {
		t.Fatalf("get by id: %s", r.raw)
	}

	// Updates are the whole template again, which names no active: the
	// user's status stays what it is.
	r = s.do(t, "PUT", "/Users/"+uid, onelogin(t, "replace-user-core.json")).want(t, 200)
	if str(r.body, "name", "familyName") != "Johnson" || get(r.body, "active") != true {
		t.Fatalf("update: %s", r.raw)
	}
	s.do(t, "PATCH", "/Users/"+uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`).want(t, 200)
	r = s.do(t, "PUT", "/Users/"+uid, onelogin(t, "replace-user-core.json")).want(t, 200)
	if get(r.body, "active") != false {
		t.Fatalf("update of a deactivated user reactivated it: %s", r.raw)
	}

	// The Enterprise template carries the SCIM 1.0 enterprise extension,
	// which the default policy refuses by name; a policy that ignores
	// unknown attributes takes the rest of it, emails given as one object.
	r = s.do(t, "POST", "/Users", onelogin(t, "create-user-enterprise.json")).wantError(t, 400, "invalidSyntax")
	if !strings.Contains(str(r.body, "detail"), "urn:scim:schemas:extension:enterprise:1.0") {
		t.Errorf("refusal of the 1.0 extension does not name it: %s", r.raw)
	}
	s.setPolicy(t, `{"format": 1, "unknownAttributes": "ignore"}`)
	r = s.do(t, "POST", "/Users", onelogin(t, "create-user-enterprise.json")).want(t, 201)
	eid := str(r.body, "id")
	if str(r.body, "emails", 0, "value") != "dorothy.vaughan@example.org" || str(r.body, "title") != "Section Head" ||
		strings.Contains(r.raw, "West Area Computing") {
		t.Fatalf("create from the Enterprise template with unknown attributes ignored: %s", r.raw)
	}

	// When users are deleted in OneLogin: Delete.
	s.do(t, "DELETE", "/Users/"+uid, "").want(t, 204)
	s.do(t, "GET", "/Users/"+uid, "").wantError(t, 404, "")
	r = s.do(t, "GET", lookup, "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("lookup after delete: %s", r.raw)
	}

	want := "user.created user.updated user.deactivated user.updated user.created user.deleted"
	if got := outboxTypes(t, s, uid, eid); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}
