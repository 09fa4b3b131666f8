package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/policy"
)

const (
	customURN   = "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName"
	metadataURN = "urn:ietf:params:scim:schemas:extension:2.0:Metadata"
	ws1bURN     = "urn:ietf:params:scim:schemas:extension:ws1b:2.0:User"
	entURN      = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// startPolicyServer starts a server that reads policies on every request and
// sets the example policy on its default tenant.
func startPolicyServer(t *testing.T, db string) *testServer {
	t.Helper()
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	s.setPolicy(t, string(policy.Example()))
	return s
}

// setPolicy stores doc as the default tenant's policy with roster policy set.
func (s *testServer) setPolicy(t *testing.T, doc string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return s.cli(t, "policy", "set", "--tenant", "default", f)
}

// cliFails runs a command that must fail and returns its error.
func (s *testServer) cliFails(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	err := run(context.Background(), append(args, "--db", s.db), func(string) string { return "" }, &stdout, &stderr)
	if err == nil {
		t.Fatalf("roster %s succeeded:\n%s", strings.Join(args, " "), stdout.String())
	}
	return err.Error()
}

func vendorUser(t *testing.T, userName, email, folderID string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "policy", "user-vendor.json"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("{{userName}}", userName, "{{externalId}}", "ext-"+userName, "{{email}}", email, "{{folderID}}", folderID).Replace(string(b))
}

// TestPolicyVendorSetup provisions users as Entra does for a vendor whose policy
// is the example: roles drive active, license and access role; folders resolve
// by id or external id, unknown ones are kept and resolved later; metadata
// values become strings; userType, required attributes and the unique work
// email are enforced; and what Entra wrote reads back exactly.
func TestPolicyVendorSetup(t *testing.T) { forEachStore(t, testPolicyVendorSetup) }

func testPolicyVendorSetup(t *testing.T, db string) {
	s := startPolicyServer(t, db)
	s.cli(t, "folder", "create", "--tenant", "default", "--name", "Sales EU", "--external-id", "SALES-EU")
	legal := strings.Fields(s.cli(t, "folder", "create", "--tenant", "default", "--name", "Legal", "--id", "f-legal"))[0]

	// Discovery shows the tenant's extensions.
	r := s.do(t, "GET", "/Schemas", "").want(t, 200)
	var ids []string
	for _, sc := range get(r.body, "Resources").([]any) {
		ids = append(ids, str(sc, "id"))
	}
	for _, urn := range []string{customURN, metadataURN, ws1bURN, policy.URN} {
		if !slices.Contains(ids, urn) {
			t.Errorf("/Schemas lacks %s: %v", urn, ids)
		}
	}
	r = s.do(t, "GET", "/Schemas/"+customURN, "").want(t, 200)
	if str(r.body, "attributes", 0, "name") != "folders" || get(r.body, "attributes", 0, "multiValued") != true {
		t.Errorf("/Schemas/%s: %s", customURN, r.raw)
	}
	r = s.do(t, "GET", "/ResourceTypes/User", "").want(t, 200)
	var exts []string
	for _, e := range get(r.body, "schemaExtensions").([]any) {
		exts = append(exts, str(e, "schema"))
	}
	if !slices.Contains(exts, customURN) || !slices.Contains(exts, metadataURN) {
		t.Errorf("/ResourceTypes/User schemaExtensions: %v", exts)
	}

	r = s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "Ada@Contoso.com", legal)).want(t, 201)
	id := str(r.body, "id")
	app := get(r.body, policy.URN)
	if get(app, "active") != true || str(app, "accessRole") != "Admin" || str(app, "licenses", 0) != "standard" ||
		str(app, "roles", 0) != "contract_reviewer" || len(get(app, "roles").([]any)) != 1 {
		t.Errorf("entitlements: %v", app)
	}
	if str(app, "folders", 0, "value") == "" || str(app, "folders", 0, "externalId") != "SALES-EU" || str(app, "folders", 1, "value") != "f-legal" ||
		str(app, "unresolvedFolders", 0) != "not-yet" {
		t.Errorf("folders: %v", app)
	}
	if got := get(r.body, customURN, "folders"); len(got.([]any)) != 3 || str(r.body, customURN, "folders", 0) != "sales-eu" {
		t.Errorf("folders read back %v, want as sent", got)
	}
	if str(r.body, metadataURN, "costCode") != "CC-7" || str(r.body, metadataURN, "seats") != "3" || str(r.body, metadataURN, "trial") != "false" {
		t.Errorf("metadata: %v", get(r.body, metadataURN))
	}
	if str(r.body, "roles", 2, "value") != "Admin" || str(r.body, "roles", 2, "type") != "WindowsAzureActiveDirectoryRole" || get(r.body, "active") != true {
		t.Errorf("roles and active must read back as sent: %s", r.raw)
	}
	rows := s.logRows(t, 1, "--tenant", "default", "--action", "create")
	if len(rows) == 0 || rows[0]["reason"] != "folder_kept" {
		t.Errorf("the create with an unknown folder is not logged as folder_kept: %v", rows)
	}

	// The folder appears: the user's folder resolves without a write.
	s.cli(t, "folder", "create", "--tenant", "default", "--name", "Later", "--external-id", "not-yet")
	r = s.do(t, "GET", "/Users/"+id, "").want(t, 200)
	if get(r.body, policy.URN, "unresolvedFolders") != nil || len(get(r.body, policy.URN, "folders").([]any)) != 3 {
		t.Errorf("after the folder exists: %v", get(r.body, policy.URN))
	}

	// Entra removes the "active" role: SCIM active stays as Entra wrote it, the
	// app's state follows the role.
	r = s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"roles","value":[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"}]}]}`).want(t, 200)
	if get(r.body, "active") != true || get(r.body, policy.URN, "active") != false || get(r.body, policy.URN, "licenses") != nil {
		t.Errorf("after the active role went: active %v, app %v", get(r.body, "active"), get(r.body, policy.URN))
	}

	// PATCH by full path, as Entra sends an "Edit attribute list" attribute,
	// and PUT with the extension object but without its URN in schemas.
	r = s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"`+customURN+`:folders","value":["f-legal","SALES-EU"]},
		{"op":"Add","path":"`+metadataURN+`:seats","value":12}]}`).want(t, 200)
	if len(get(r.body, customURN, "folders").([]any)) != 2 || str(r.body, metadataURN, "seats") != "12" || get(r.body, policy.URN, "unresolvedFolders") != nil {
		t.Errorf("PATCH by full path: %s", r.raw)
	}
	put := strings.Replace(vendorUser(t, "ada@contoso.com", "Ada@Contoso.com", legal), `"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders": [`,
		`"urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName": {"folders": "f-legal"}, "ignored": [`, 1)
	put = strings.Replace(put, `"ignored": [`, `"urn:ietf:params:scim:schemas:extension:2.0:Metadata:region": [`, 1)
	r = s.do(t, "PUT", "/Users/"+id, put).want(t, 200)
	if str(r.body, customURN, "folders", 0) != "f-legal" || str(r.body, metadataURN, "region") == "" {
		t.Errorf("PUT with the extension object: %s", r.raw)
	}
	s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"roles","value":[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"Admin"}]}]}`).want(t, 200)

	// Filters reach the custom and open extensions.
	for _, f := range []string{customURN + `:folders eq "F-LEGAL"`, metadataURN + `:costCode eq "cc-7"`, `userType eq "Premium"`} {
		r = s.do(t, "GET", "/Users?filter="+q(f), "").want(t, 200)
		if get(r.body, "totalResults") != 1.0 {
			t.Errorf("filter %s: %s", f, r.raw)
		}
	}
	s.do(t, "GET", "/Users?filter="+q(policy.URN+`:active eq true`), "").wantError(t, 400, "invalidFilter")

	// Refusals, each naming the attribute.
	second := vendorUser(t, "grace@contoso.com", "grace@contoso.com", legal)
	r = s.do(t, "POST", "/Users", strings.Replace(second, `"Premium"`, `"Gold"`, 1)).wantError(t, 400, "invalidValue")
	if d := str(r.body, "detail"); !strings.Contains(d, "userType") || !strings.Contains(d, "Premium, Standard") {
		t.Errorf("userType refusal: %s", d)
	}
	r = s.do(t, "POST", "/Users", strings.Replace(second, `"familyName": "Lovelace", `, "", 1)).wantError(t, 400, "invalidValue")
	if d := str(r.body, "detail"); !strings.Contains(d, "name.familyName is required") {
		t.Errorf("required refusal: %s", d)
	}
	r = s.do(t, "POST", "/Users", strings.Replace(second, `"type": "work"`, `"type": "home"`, 1)).wantError(t, 400, "invalidValue")
	if d := str(r.body, "detail"); !strings.Contains(d, `emails[type eq \"work\"].value is required`) && !strings.Contains(d, `emails[type eq "work"].value is required`) {
		t.Errorf("work email refusal: %s", d)
	}
	r = s.do(t, "POST", "/Users", vendorUser(t, "ada2@contoso.com", "ADA@contoso.COM", legal)).wantError(t, 409, "uniqueness")
	if d := str(r.body, "detail"); !strings.Contains(d, id) || !strings.Contains(d, "ada@contoso.com") {
		t.Errorf("unique email refusal does not name the holder: %s", d)
	}
	r = s.do(t, "POST", "/Users", strings.ReplaceAll(second, entURN, "urn:acme:unregistered:2.0:User")).wantError(t, 400, "invalidSyntax")
	if d := str(r.body, "detail"); !strings.Contains(d, "urn:acme:unregistered:2.0:User") {
		t.Errorf("unknown extension refusal: %s", d)
	}
	s.do(t, "POST", "/Users", second).want(t, 201)
}

// TestPolicyCommands checks what scripts rely on: example is accepted by set
// unchanged, a bad policy changes nothing and names the field, get prints what
// is in force, test writes nothing, and a running server applies a new policy
// without a restart.
func TestPolicyCommands(t *testing.T) { forEachStore(t, testPolicyCommands) }

func testPolicyCommands(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	if out := s.cli(t, "policy", "get", "--tenant", "default"); !strings.Contains(out, `"format": 1`) {
		t.Errorf("policy get without a policy: %s", out)
	}
	// Without a policy, userType is free and the unknown extension refused.
	body := vendorUser(t, "ada@contoso.com", "ada@contoso.com", "x")
	s.do(t, "POST", "/Users", body).wantError(t, 400, "invalidSyntax")

	example := s.cli(t, "policy", "example")
	if out := s.setPolicy(t, example); !strings.Contains(out, "policy version 1") {
		t.Errorf("policy set: %s", out)
	}
	if got := s.cli(t, "policy", "get", "--tenant", "default"); !strings.Contains(got, "standard_license") {
		t.Errorf("policy get: %s", got)
	}
	bad := strings.Replace(example, `"effect": "license"`, `"effect": "licence"`, 1)
	f := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(f, []byte(bad), 0o600)
	if err := s.cliFails(t, "policy", "set", "--tenant", "default", f); !strings.Contains(err, "roles[1].effect") {
		t.Errorf("bad policy: %s", err)
	}
	if err := s.cliFails(t, "policy", "set", "--tenant", "default", "--if-version", "7", f); !strings.Contains(err, "roles[1].effect") {
		t.Errorf("bad policy with --if-version: %s", err)
	}
	if err := s.cliFails(t, "policy", "set", "--tenant", "default", "--if-version", "7", filepath.Join("..", "..", "policy", "example.json")); !strings.Contains(err, "version") {
		t.Errorf("stale --if-version: %s", err)
	}

	// policy test: a dry run that writes nothing.
	uf := filepath.Join(t.TempDir(), "user.json")
	os.WriteFile(uf, []byte(body), 0o600)
	out := s.cli(t, "policy", "test", "--tenant", "default", uf)
	if !strings.Contains(out, `"accessRole": "Admin"`) || !strings.Contains(out, `"licenses"`) || !strings.Contains(out, "not-yet") {
		t.Errorf("policy test:\n%s", out)
	}
	r := s.do(t, "GET", "/Users", "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Errorf("policy test wrote a user: %s", r.raw)
	}

	// The server applies the policy without a restart: the body is accepted now.
	r = s.do(t, "POST", "/Users", body).want(t, 201)
	id := str(r.body, "id")

	// Attributes of unregistered extensions, kept by choice.
	s.setPolicy(t, strings.Replace(example, `"unknownAttributes": "reject"`, `"unknownAttributes": "store"`, 1))
	r = s.do(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Add","path":"urn:acme:hr:2.0:User:badge","value":"B-12"}]}`).want(t, 200)
	if got := s.do(t, "GET", "/Users/"+id, "").want(t, 200).raw; !strings.Contains(got, "B-12") {
		t.Errorf("unknownAttributes store: %s", got)
	}

	// Deprovisioning: keep as deactivated.
	s.setPolicy(t, strings.Replace(example, `"deprovision": "delete"`, `"deprovision": "deactivate"`, 1))
	s.do(t, "DELETE", "/Users/"+id, "").want(t, 204)
	s.do(t, "GET", "/Users/"+id, "").wantError(t, 404, "")
	st := s.openStore(t)
	tn, err := st.Tenant(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	kept, _, err := st.Users(context.Background(), tn.ID, rosterQueryAll())
	if err != nil || len(kept) != 1 || kept[0].Retired.IsZero() || kept[0].Entitlements.Active {
		t.Fatalf("retired user: %v, %v", kept, err)
	}
	// The app still reads the retired user, and its events say what happened.
	key := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	a := s.app(t, key, "/users/"+id).want(t, 200)
	if get(a.body, "retired") == nil || get(a.body, "app", "active") != false || get(a.body, "app", "access_role") != "Admin" {
		t.Errorf("app API, retired user: %s", a.raw)
	}
	a = s.app(t, key, "/events?types=user.created,user.deleted").want(t, 200)
	evs := get(a.body, "data").([]any)
	last := evs[len(evs)-1]
	if str(evs[0], "type") != "user.created" || str(evs[0], "app", "access_role") != "Admin" ||
		str(last, "type") != "user.deleted" || get(last, "retired") != true {
		t.Errorf("events: %s", a.raw)
	}

	// Entra provisions the person again: the userName and work email are free.
	s.do(t, "POST", "/Users", body).want(t, 201)
}

// rosterQueryAll selects every user, retired ones too.
func rosterQueryAll() roster.Query {
	return roster.Query{StartIndex: 1, Count: 100, Retired: true}
}

// rolesOnly is the example policy's roles, without its other rules.
const rolesOnly = `{"format":1,"roles":[
	{"value":"active","effect":"active"},{"value":"standard_license","effect":"license","grant":"standard"},
	{"value":"ReadOnly","effect":"accessRole"},{"value":"User","effect":"accessRole"},
	{"value":"Admin","effect":"accessRole"},{"value":"EnterpriseAdmin","effect":"accessRole"}]}`

func entraRoles(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "scim", "patch", "testdata", "entra-roles", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEntraRoleForms replays, over HTTP, the request bodies Microsoft documents
// for its three role expressions, and checks the entitlements each leaves,
// with the roles reading back exactly as Entra wrote them.
func TestEntraRoleForms(t *testing.T) { forEachStore(t, testEntraRoleForms) }

func testEntraRoleForms(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	s.setPolicy(t, rolesOnly)
	app := func(r response) map[string]any { return get(r.body, policy.URN).(map[string]any) }

	// AppRoleAssignmentsComplex: POST with displayName, then PATCH Add of roles as JSON strings.
	r := s.do(t, "POST", "/Users", entraRoles(t, "complex-create.json")).want(t, 201)
	id := str(r.body, "id")
	if a := app(r); a["accessRole"] != "Admin" || a["active"] != false {
		t.Errorf("complex create: %v (no active role: not active in the app)", a)
	}
	r = s.do(t, "PATCH", "/Users/"+id, entraRoles(t, "complex-patch-add.json")).want(t, 200)
	roles := get(r.body, "roles").([]any)
	if len(roles) != 4 || !strings.HasPrefix(str(roles[2], "value"), `{"id":"06b07648`) {
		t.Errorf("complex PATCH Add: roles read back %v, want the two objects and the two JSON strings as sent", roles)
	}
	if a := app(r); a["accessRole"] != "Admin" || a["roles"] != nil {
		t.Errorf("complex PATCH Add: %v", a)
	}
	s.do(t, "DELETE", "/Users/"+id, "").want(t, 204)

	// AssertiveAppRoleAssignmentsComplex: POST, then replace removing Admin.
	r = s.do(t, "POST", "/Users", strings.Replace(entraRoles(t, "assertive-create.json"), `"value": "User"`, `"value": "Admin"`, 1)).want(t, 201)
	id = str(r.body, "id")
	if a := app(r); a["accessRole"] != "Admin" || str(a, "roles", 0) != "Test" {
		t.Errorf("assertive create: %v", a)
	}
	r = s.do(t, "PATCH", "/Users/"+id, entraRoles(t, "assertive-patch-replace.json")).want(t, 200)
	if a := app(r); a["accessRole"] != "User" || str(a, "roles", 0) != "Test" {
		t.Errorf("assertive replace: %v, want User now that Admin is gone", a)
	}
	if n := len(get(r.body, "roles").([]any)); n != 2 {
		t.Errorf("assertive replace left %d roles, want 2", n)
	}
	s.do(t, "DELETE", "/Users/"+id, "").want(t, 204)

	// SingleAppRoleAssignment: POST with one primary role, then the value path.
	r = s.do(t, "POST", "/Users", entraRoles(t, "single-create.json")).want(t, 201)
	id = str(r.body, "id")
	if a := app(r); a["accessRole"] != "Admin" {
		t.Errorf("single create: %v", a)
	}
	r = s.do(t, "PATCH", "/Users/"+id, strings.Replace(entraRoles(t, "single-patch-replace.json"), `"Admin"`, `"ReadOnly"`, 1)).want(t, 200)
	if a := app(r); a["accessRole"] != "ReadOnly" || len(get(r.body, "roles").([]any)) != 1 || get(r.body, "roles", 0, "primary") != true {
		t.Errorf("single replace: %v, roles %v", a, get(r.body, "roles"))
	}
	r = s.do(t, "PATCH", "/Users/"+id, entraRoles(t, "single-patch-add.json")).want(t, 200)
	if a := app(r); a["accessRole"] != "ReadOnly" || str(a, "roles", 0) != "25" {
		t.Errorf("single PATCH Add (role value 25 inside a JSON string): %v", a)
	}
	// A user created by the single form without roles gets its role by the value path.
	r = s.do(t, "POST", "/Users", `{"userName":"norole@contoso.com"}`).want(t, 201)
	r = s.do(t, "PATCH", "/Users/"+str(r.body, "id"), entraRoles(t, "single-patch-replace.json")).want(t, 200)
	if a := app(r); a["accessRole"] != "Admin" {
		t.Errorf("value path on a user without roles: %v", a)
	}

	// Roles assigned to an Entra group reach each member in its own roles:
	// adding the group's role to its members changes each member's effects.
	var members []string
	for _, n := range []string{"m1", "m2"} {
		members = append(members, str(s.do(t, "POST", "/Users", `{"userName":"`+n+`@contoso.com"}`).want(t, 201).body, "id"))
	}
	s.do(t, "POST", "/Groups", `{"displayName":"Licensed","members":[{"value":"`+members[0]+`"},{"value":"`+members[1]+`"}]}`).want(t, 201)
	for _, m := range members {
		r = s.do(t, "PATCH", "/Users/"+m, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"9b1c\",\"value\":\"standard_license\",\"displayName\":\"Standard license\"}"},{"value":"{\"id\":\"3e7d\",\"value\":\"active\",\"displayName\":\"Active\"}"}]}]}`).want(t, 200)
		if a := app(r); a["active"] != true || str(a, "licenses", 0) != "standard" {
			t.Errorf("member %s after its group's roles arrived: %v", m, a)
		}
	}
}

// TestPolicyHistory sets policies, lists their versions and rolls one back:
// history pages newest first naming who set each, rollback sets the old
// document as the next version and prints what changes, get --version prints
// any version, and each change is in the audit trail.
func TestPolicyHistory(t *testing.T) { forEachStore(t, testPolicyHistory) }

func testPolicyHistory(t *testing.T, db string) {
	s := &testServer{db: db} // the commands need no server
	s.cli(t, "tenant", "create", "acme")
	if out, info := s.cliBoth(t, "policy", "history", "--tenant", "acme"); out != "" || !strings.Contains(info, "has no policy") {
		t.Errorf("policy history without a policy: %q, %q", out, info)
	}
	docs := []string{rolesOnly, strings.Replace(rolesOnly, `"grant":"standard"`, `"grant":"premium"`, 1),
		strings.Replace(rolesOnly, `"grant":"standard"`, `"grant":"enterprise"`, 1)}
	for _, doc := range docs {
		f := filepath.Join(t.TempDir(), "policy.json")
		if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		s.cli(t, "policy", "set", "--tenant", "acme", f)
	}

	lines := strings.Split(strings.TrimSpace(s.cli(t, "policy", "history", "--tenant", "acme")), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "VERSION") {
		t.Fatalf("policy history: want a header and 3 versions:\n%s", strings.Join(lines, "\n"))
	}
	for i, want := range []string{"3", "2", "1"} {
		if f := strings.Fields(lines[i+1]); f[0] != want || !strings.HasPrefix(f[4], "cli:") {
			t.Errorf("policy history line %d: %q, want version %s set by cli:…", i+1, lines[i+1], want)
		}
	}
	out, info := s.cliBoth(t, "policy", "history", "--tenant", "acme", "--limit", "2")
	if n := strings.Count(out, "\n"); n != 3 || !strings.Contains(info, "--before 2") {
		t.Errorf("policy history --limit 2: %d lines, want 3\n%s%s", n, out, info)
	}
	if out := s.cli(t, "policy", "history", "--tenant", "acme", "--before", "2"); strings.Count(out, "\n") != 2 || !strings.HasPrefix(strings.Split(out, "\n")[1], "1 ") {
		t.Errorf("policy history --before 2: want version 1 alone\n%s", out)
	}

	out = s.cli(t, "policy", "rollback", "--tenant", "acme", "--version", "1")
	for _, want := range []string{"policy version 4 is version 1 again", "--- version 3\n+++ version 4\n@@ ",
		`-      "grant": "enterprise"` + "\n" + `+      "grant": "standard"` + "\n", "existing users: 0;"} {
		if !strings.Contains(out, want) {
			t.Errorf("policy rollback lacks %q:\n%s", want, out)
		}
	}
	got, info := s.cliBoth(t, "policy", "get", "--tenant", "acme")
	v1, _ := s.cliBoth(t, "policy", "get", "--tenant", "acme", "--version", "1")
	if !strings.Contains(info, "policy version 4") || got != v1 || !strings.Contains(got, `"grant": "standard"`) {
		t.Errorf("policy get after the rollback: %s%s, want version 4 holding version 1:\n%s", info, got, v1)
	}
	if got, info := s.cliBoth(t, "policy", "get", "--tenant", "acme", "--version", "3"); !strings.Contains(got, `"grant": "enterprise"`) ||
		!strings.Contains(info, "policy version 3, set ") || !strings.Contains(info, " by cli:") {
		t.Errorf("policy get --version 3: %s%s", info, got)
	}
	if out := s.cli(t, "policy", "rollback", "--tenant", "acme", "--version", "4"); !strings.Contains(out, "the rules are those of version 4 already") {
		t.Errorf("policy rollback to the policy in force:\n%s", out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--version", "9"}, "no policy version 9"},
		{[]string{"--version", "-1"}, "versions count from 1"},
		{nil, "--version is required"},
	} {
		if err := s.cliFails(t, append([]string{"policy", "rollback", "--tenant", "acme"}, c.args...)...); !strings.Contains(err, c.want) {
			t.Errorf("policy rollback %v: %s, want %q", c.args, err, c.want)
		}
	}
	if err := s.cliFails(t, "policy", "history", "--tenant", "nobody"); !strings.Contains(err, "nobody") {
		t.Errorf("policy history of an unknown tenant: %s", err)
	}

	audit := s.cli(t, "audit", "--tenant", "acme")
	if n := strings.Count(audit, "policy.set"); n != 3 {
		t.Errorf("audit: %d policy.set rows, want 3\n%s", n, audit)
	}
	if n := strings.Count(audit, "policy.rollback"); n != 2 || !strings.Contains(audit, `"rollback_of":1`) {
		t.Errorf("audit: %d policy.rollback rows, want 2, one of version 1\n%s", n, audit)
	}
}
