package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

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

// cliBoth runs one roster command and returns its stdout and stderr.
func (s *testServer) cliBoth(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	args = append(args, "--db", s.db)
	if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("roster %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// waitRecomputed waits until roster policy get says the recomputation of
// version is done, and returns what it said.
func (s *testServer) waitRecomputed(t *testing.T, version string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, info := s.cliBoth(t, "policy", "get", "--tenant", "default")
		if strings.Contains(info, "recompute of policy version "+version+": done at") {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("policy version %s not recomputed:\n%s", version, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPolicyReachesExistingUsers sets a policy on a tenant with users: policy
// set --dry-run says what it would do and stores nothing; policy set stores it,
// and the server recomputes every user's entitlements, which the SCIM API and
// the app API then show, with a user.updated event for each user that changed.
func TestPolicyReachesExistingUsers(t *testing.T) { forEachStore(t, testPolicyReachesExistingUsers) }

func testPolicyReachesExistingUsers(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	withRoles := func(name, roles string) string {
		return strings.Replace(plainUser(name), `{`, `{"roles":[`+roles+`],`, 1)
	}
	ids := map[string]string{}
	for name, roles := range map[string]string{
		"ada": `{"value":"Admin"},{"value":"active"}`, "bob": `{"value":"User"}`, "cy": ``,
	} {
		ids[name] = str(s.do(t, "POST", "/Users", withRoles(name+"@contoso.com", roles)).want(t, 201).body, "id")
	}
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	before := len(get(s.app(t, key, "/events?types=user.updated").want(t, 200).body, "data").([]any))

	f := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(f, []byte(rolesOnly), 0o600); err != nil {
		t.Fatal(err)
	}
	out := s.cli(t, "policy", "set", "--tenant", "default", "--dry-run", f)
	for _, want := range []string{"dry run, nothing stored", "existing users: 3; entitlements change for 3 (2 lose access to the app); 0 would fail",
		"changes: bob@contoso.com: active true → false; accessRole \"\" → \"User\"; roles [User] → []"} {
		if !strings.Contains(out, want) {
			t.Errorf("policy set --dry-run lacks %q:\n%s", want, out)
		}
	}
	out = s.cli(t, "policy", "set", "--tenant", "default", "--dry-run", filepath.Join("..", "..", "policy", "example.json"))
	if !strings.Contains(out, "3 would fail a check") || !strings.Contains(out, "fails:   ada@contoso.com: name.givenName is required") {
		t.Errorf("policy set --dry-run of the example policy does not name the users it refuses:\n%s", out)
	}
	if _, info := s.cliBoth(t, "policy", "get", "--tenant", "default"); !strings.Contains(info, "has no policy") {
		t.Errorf("policy set --dry-run stored the policy: %s", info)
	}
	if a := get(s.do(t, "GET", "/Users/"+ids["bob"], "").want(t, 200).body, policy.URN); get(a, "active") != true {
		t.Errorf("policy set --dry-run changed bob: %v", a)
	}

	out = s.cli(t, "policy", "set", "--tenant", "default", f)
	if !strings.Contains(out, "policy version 1") || !strings.Contains(out, "entitlements change for 3 (2 lose access") {
		t.Errorf("policy set:\n%s", out)
	}
	if info := s.waitRecomputed(t, "1"); !strings.Contains(info, "3 users, 3 changed") {
		t.Errorf("policy get: %s", info)
	}
	fams := s.scrape(t)
	users, _ := value(fams, "roster_policy_recompute_users_total")
	changed, _ := value(fams, "roster_policy_recompute_changed_total")
	pending, ok := value(fams, "roster_policy_recompute_pending_users")
	if users != 3 || changed != 3 || pending != 0 || !ok {
		t.Errorf("metrics: %v users recomputed, %v changed, %v pending; want 3, 3, 0", users, changed, pending)
	}
	for name, want := range map[string]map[string]any{
		"ada": {"active": true, "accessRole": "Admin"}, "bob": {"active": false, "accessRole": "User"}, "cy": {"active": false},
	} {
		a := get(s.do(t, "GET", "/Users/"+ids[name], "").want(t, 200).body, policy.URN).(map[string]any)
		if a["active"] != want["active"] || a["accessRole"] != want["accessRole"] || a["roles"] != nil {
			t.Errorf("%s after the recompute: %v, want %v", name, a, want)
		}
		app := s.app(t, key, "/users/"+ids[name]).want(t, 200)
		if get(app.body, "app", "active") != want["active"] {
			t.Errorf("app API, %s after the recompute: %s", name, app.raw)
		}
	}
	events := get(s.app(t, key, "/events?types=user.updated").want(t, 200).body, "data").([]any)
	if n := len(events) - before; n != 3 {
		t.Errorf("%d user.updated events from the recompute, want 3", n)
	}

	// The same rules again: recomputed, nothing changes, no event.
	s.setPolicy(t, rolesOnly)
	if info := s.waitRecomputed(t, "2"); !strings.Contains(info, "3 users, 0 changed") {
		t.Errorf("policy get after the same rules: %s", info)
	}
	if n := len(get(s.app(t, key, "/events?types=user.updated").want(t, 200).body, "data").([]any)); n != len(events) {
		t.Errorf("a recompute that changed nothing appended %d events", n-len(events))
	}
}

// TestAccessEndsWithDeactivationAndPolicy signs two people in through Entra
// ID, then takes their access away as an IdP and an operator do: a policy
// that Bob's stored attributes break does not stop Entra's deactivation of
// him, and a policy whose roles leave Ada inactive in the app ends her
// session once her entitlements are recomputed.
func TestAccessEndsWithDeactivationAndPolicy(t *testing.T) {
	forEachStore(t, testAccessEndsWithDeactivationAndPolicy)
}

func testAccessEndsWithDeactivationAndPolicy(t *testing.T, db string) {
	ctx := context.Background()
	setup := startSignIn(t, db)
	s, env, issuer, entra := setup.s, setup.env, setup.issuer, setup.entra
	out := cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	app := newHostApp(t, issuer, lastValue(t, out, "client_id"), lastValue(t, out, "client_secret"), "http://127.0.0.1:1/cb")
	tokens := map[string]string{}
	ids := map[string]string{}
	for i, name := range []string{"ada", "bob"} {
		upn := name + "@contoso.com"
		ids[name] = str(s.do(t, "POST", "/Users", vendorUser(t, upn, upn, "f-x")).want(t, 201).body, "id")
		entra.setAccount(entraAccount{sub: fmt.Sprintf("subject-%d", i), oid: "ext-" + upn, upn: upn, email: upn, name: name})
		pkce := oauth2.GenerateVerifier()
		q := app.signIn(t, newBrowser(t), entra, issuer, pkce, "n", "tenant", "default")
		tok, _, _ := app.redeem(ctx, t, q.Get("code"), pkce)
		if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusOK {
			t.Fatalf("%s's userinfo = %d, want 200", name, status)
		}
		tokens[name] = tok.AccessToken
	}

	// Both are Premium; the new policy allows Standard only. Entra's
	// deactivation of Bob still goes through, and his token stops working.
	example := string(policy.Example())
	s.setPolicy(t, strings.Replace(example, `["Premium", "Standard"]`, `["Standard"]`, 1))
	s.waitRecomputed(t, "2")
	s.do(t, "PATCH", "/Users/"+ids["bob"], patchMsg+`{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200)
	if status := userinfo(t, issuer, tokens["bob"]); status != http.StatusUnauthorized {
		t.Errorf("Bob's userinfo after his deactivation = %d, want 401", status)
	}
	if status := userinfo(t, issuer, tokens["ada"]); status != http.StatusOK {
		t.Errorf("Ada's userinfo = %d, want 200", status)
	}

	// The app's "active" role is renamed: nobody holds it, Ada is out.
	s.setPolicy(t, strings.Replace(example, `{ "value": "active", "effect": "active" }`, `{ "value": "active_v2", "effect": "active" }`, 1))
	s.waitRecomputed(t, "3")
	if status := userinfo(t, issuer, tokens["ada"]); status != http.StatusUnauthorized {
		t.Errorf("Ada's userinfo after the recompute = %d, want 401", status)
	}
	if a := get(s.do(t, "GET", "/Users/"+ids["ada"], "").want(t, 200).body, policy.URN); get(a, "active") != false {
		t.Errorf("Ada after the recompute: %v", a)
	}
}
