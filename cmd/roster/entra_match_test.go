package main

import (
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
