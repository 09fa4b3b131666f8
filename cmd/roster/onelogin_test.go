package main

import (
	"slices"
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

// TestOneLoginEnterpriseDirectory replays OneLogin's Enterprise User Schema
// template, whose department and manager are under the SCIM 1.0 enterprise
// extension, against a tenant whose directory is onelogin: Roster reads them
// as the SCIM 2.0 enterprise extension, on create and on the update that
// sends the whole template again. A tenant of another directory, or of none,
// still refuses the 1.0 extension by name.
func TestOneLoginEnterpriseDirectory(t *testing.T) { forEachStore(t, testOneLoginEnterpriseDirectory) }

func testOneLoginEnterpriseDirectory(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	const ext2 = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

	// No directory chosen: refused as before, naming the extension.
	r := s.do(t, "POST", "/Users", onelogin(t, "create-user-enterprise.json")).wantError(t, 400, "invalidSyntax")
	if !strings.Contains(str(r.body, "detail"), "urn:scim:schemas:extension:enterprise:1.0") {
		t.Errorf("directory unset: refusal does not name the 1.0 extension: %s", r.raw)
	}

	s.cli(t, "tenant", "update", "default", "--directory", "onelogin")
	// The manager first, who has no manager: an empty managerId.
	r = s.do(t, "POST", "/Users", onelogin(t, "create-user-enterprise.json")).want(t, 201)
	mid := str(r.body, "id")
	if str(r.body, ext2, "department") != "West Area Computing" || str(r.body, "emails", 0, "value") != "dorothy.vaughan@example.org" ||
		get(r.body, ext2, "manager") != nil || strings.Contains(r.raw, "enterprise:1.0") {
		t.Fatalf("directory onelogin: create without a manager: %s", r.raw)
	}
	body := onelogin(t, "create-user-enterprise-manager.json", "manager", mid)
	r = s.do(t, "POST", "/Users", body).want(t, 201)
	uid := str(r.body, "id")
	if str(r.body, ext2, "department") != "West Area Computing" || str(r.body, ext2, "manager", "value") != mid ||
		str(r.body, "title") != "Aerospace Engineer" || strings.Contains(r.raw, "enterprise:1.0") || strings.Contains(r.raw, "managerId") {
		t.Fatalf("directory onelogin: create with a manager: %s", r.raw)
	}
	if schemas := get(r.body, "schemas").([]any); !slices.Contains(schemas, any(ext2)) {
		t.Errorf("schemas %v lack %s", schemas, ext2)
	}
	r = s.do(t, "GET", "/Users?filter="+q(ext2+`:manager.value eq "`+mid+`"`), "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 || str(r.body, "Resources", 0, "id") != uid {
		t.Errorf("the manager's reports: %s", r.raw)
	}
	// Updates send the whole template again, as a PUT.
	r = s.do(t, "PUT", "/Users/"+uid, strings.Replace(body, "West Area Computing", "Engineering", 1)).want(t, 200)
	if str(r.body, ext2, "department") != "Engineering" || str(r.body, ext2, "manager", "value") != mid {
		t.Fatalf("directory onelogin: update: %s", r.raw)
	}
	// Both extensions at once are refused, neither preferred.
	both := strings.Replace(body, `"title"`, `"`+ext2+`": {"department": "Other"}, "title"`, 1)
	both = strings.Replace(both, "mary.jackson", "mary.both", 1)
	s.do(t, "POST", "/Users", both).wantError(t, 400, "invalidSyntax")

	// Another directory reads the 1.0 extension as unknown again.
	s.cli(t, "tenant", "update", "default", "--directory", "okta")
	r = s.do(t, "POST", "/Users", onelogin(t, "create-user-enterprise-manager.json", "manager", mid)).wantError(t, 400, "invalidSyntax")
	if !strings.Contains(str(r.body, "detail"), "urn:scim:schemas:extension:enterprise:1.0") {
		t.Errorf("directory okta: refusal does not name the 1.0 extension: %s", r.raw)
	}

	want := "user.created user.created user.updated"
	if got := outboxTypes(t, s, mid, uid); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}
