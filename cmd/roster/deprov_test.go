package main

import (
	"strings"
	"testing"

	"github.com/rosterhq/roster/policy"
)

const patchMsg = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`

// plainUser is a user as a tenant without a policy keeps it: no givenName.
func plainUser(userName string) string {
	return `{"userName":"` + userName + `","name":{"familyName":"Hopper"},"emails":[{"value":"` + userName + `","type":"work"}]}`
}

// TestDeactivationIsNeverRefused sets the example policy on a tenant whose
// users lack name.givenName, and deactivates them as Entra ID does: PATCH
// active "False" and PUT active false go through; a write that deactivates
// and breaks the policy elsewhere applies the deactivation alone and says so
// in the provisioning log; other writes are checked on what they change only.
func TestDeactivationIsNeverRefused(t *testing.T) { forEachStore(t, testDeactivationIsNeverRefused) }

func testDeactivationIsNeverRefused(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	ids := map[string]string{}
	for _, n := range []string{"patch", "put", "both", "other", "putboth"} {
		ids[n] = str(s.do(t, "POST", "/Users", plainUser(n+"@contoso.com")).want(t, 201).body, "id")
	}
	s.setPolicy(t, string(policy.Example()))

	// Entra's disable, exactly as it sends it.
	r := s.do(t, "PATCH", "/Users/"+ids["patch"], patchMsg+`{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200)
	if get(r.body, "active") != false || get(r.body, policy.URN, "active") != false {
		t.Errorf("PATCH active False: %s", r.raw)
	}
	r = s.do(t, "PUT", "/Users/"+ids["put"], strings.Replace(plainUser("put@contoso.com"), `{`, `{"active":false,`, 1)).want(t, 200)
	if get(r.body, "active") != false || get(r.body, policy.URN, "active") != false {
		t.Errorf("PUT active false: %s", r.raw)
	}

	// Checks apply to what a write changes.
	s.do(t, "PATCH", "/Users/"+ids["other"], patchMsg+`{"op":"Replace","path":"displayName","value":"Grace"}]}`).want(t, 200)
	r = s.do(t, "PATCH", "/Users/"+ids["other"], patchMsg+`{"op":"Remove","path":"name.familyName"}]}`).wantError(t, 400, "invalidValue")
	if d := str(r.body, "detail"); !strings.Contains(d, "name.familyName is required") {
		t.Errorf("removing a required attribute: %s", d)
	}
	r = s.do(t, "PATCH", "/Users/"+ids["other"], patchMsg+`{"op":"Replace","path":"userType","value":"Gold"}]}`).wantError(t, 400, "invalidValue")
	if d := str(r.body, "detail"); !strings.Contains(d, "Premium, Standard") {
		t.Errorf("an unallowed userType: %s", d)
	}

	// A deactivation with a refused attribute: the deactivation alone.
	r = s.do(t, "PATCH", "/Users/"+ids["both"], patchMsg+`{"op":"Replace","path":"userType","value":"Gold"},
		{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200)
	if get(r.body, "active") != false || get(r.body, "userType") != nil || get(r.body, policy.URN, "active") != false {
		t.Errorf("PATCH deactivating with an unallowed userType: %s", r.raw)
	}
	r = s.do(t, "PUT", "/Users/"+ids["putboth"], `{"userName":"putboth@contoso.com","active":false,"urn:acme:unregistered:2.0:User:badge":"B-1"}`).want(t, 200)
	if get(r.body, "active") != false || str(r.body, "emails", 0, "value") != "putboth@contoso.com" {
		t.Errorf("PUT deactivating with an unknown attribute and without the required ones: %s", r.raw)
	}
	rows := s.logRows(t, 4, "--tenant", "default", "--action", "deactivate")
	only := 0
	for _, row := range rows {
		if row["reason"] != "deactivated_only" {
			continue
		}
		only++
		if c, _ := row["changes"].(map[string]any); get(c, "active", "new") != false || str(c, "_notApplied", "detail") == "" {
			t.Errorf("log row of a deactivation alone: %v", row)
		}
	}
	if len(rows) != 4 || only != 2 {
		t.Errorf("want 4 deactivations, 2 of them alone: %v", rows)
	}

	// The app sees each deactivation.
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	a := s.app(t, key, "/events?types=user.deactivated").want(t, 200)
	if n := len(get(a.body, "data").([]any)); n != 4 {
		t.Errorf("%d user.deactivated events, want 4: %s", n, a.raw)
	}
}
