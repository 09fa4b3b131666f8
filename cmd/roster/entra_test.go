package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// TestEntraProvisioning replays, over HTTP against the real server, the request
// sequence Microsoft documents for Entra ID's SCIM validation and provisioning:
// Test Connection, lookup then create, PATCH updates in Entra's forms,
// deactivation, groups with excludedAttributes=members lookups, member batches,
// the membership check and deletes.
func TestEntraProvisioning(t *testing.T) { forEachStore(t, testEntraProvisioning) }

func testEntraProvisioning(t *testing.T, db string) {
	s := startServer(t, db)

	// Test Connection: a random userName, the feature flag in the Tenant URL.
	r := s.do(t, "GET", "/Users?aadOptscim062020&filter="+q(`userName eq "e0b2a7f4-4a8d-4c8a-9a55-0d3b51a2b9c1"`), "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 || len(get(r.body, "Resources").([]any)) != 0 {
		t.Fatalf("test connection: want an empty list, got %s", r.raw)
	}
	if str(r.body, "schemas", 0) != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
		t.Errorf("list schemas = %v", get(r.body, "schemas"))
	}

	// Lookup, then create.
	s.do(t, "GET", "/Users?filter="+q(`userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"`), "").want(t, 200)
	r = s.do(t, "POST", "/Users", fixture(t, "create-user.json")).want(t, 201)
	uid := str(r.body, "id")
	if uid == "" || r.header.Get("Location") != s.base+"/Users/"+uid || str(r.body, "meta", "location") != s.base+"/Users/"+uid {
		t.Fatalf("create: id %q, Location %q, meta.location %q", uid, r.header.Get("Location"), str(r.body, "meta", "location"))
	}
	for _, k := range []string{"resourceType", "created", "lastModified", "version"} {
		if str(r.body, "meta", k) == "" {
			t.Errorf("create: meta.%s missing: %s", k, r.raw)
		}
	}
	if r.header.Get("ETag") != str(r.body, "meta", "version") {
		t.Errorf("ETag %q != meta.version %q", r.header.Get("ETag"), str(r.body, "meta", "version"))
	}
	s.do(t, "POST", "/Users", fixture(t, "create-user.json")).wantError(t, 409, "uniqueness")

	// Reads: by id, by userName in another case, by externalId.
	r = s.do(t, "GET", "/Users/"+uid, "").want(t, 200)
	if str(r.body, "userName") != "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1" ||
		str(r.body, "emails", 0, "value") != "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com" ||
		str(r.body, "name", "givenName") != "givenName" || get(r.body, "active") != true {
		t.Fatalf("get user: %s", r.raw)
	}
	for _, f := range []string{
		`userName eq "TEST_USER_AB6490EE-1E48-479E-A20B-2D77186B5DD1"`,
		`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`,
		`emails.value co "fd0ea19b"`,
	} {
		r = s.do(t, "GET", "/Users?filter="+q(f), "").want(t, 200)
		if get(r.body, "totalResults") != 1.0 || str(r.body, "Resources", 0, "id") != uid {
			t.Errorf("filter %s: %s", f, r.raw)
		}
	}

	// PATCH in Entra's forms.
	r = s.do(t, "PATCH", "/Users/"+uid, fixture(t, "patch-user-multivalued.json")).want(t, 200)
	if str(r.body, "emails", 0, "value") != "updatedEmail@microsoft.com" || str(r.body, "name", "familyName") != "updatedFamilyName" {
		t.Fatalf("patch multi-valued: %s", r.raw)
	}
	r = s.do(t, "PATCH", "/Users/"+uid, fixture(t, "patch-user-singlevalued.json")).want(t, 200)
	if str(r.body, "userName") != "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com" {
		t.Fatalf("patch userName: %s", r.raw)
	}
	mgr := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"manager@contoso.com","active":true}`).want(t, 201)
	mid := str(mgr.body, "id")
	r = s.do(t, "PATCH", "/Users/"+uid, fixture(t, "patch-user-entra-forms.json", "manager", mid)).want(t, 200)
	ent := "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	if str(r.body, ent, "manager", "value") != mid || str(r.body, ent, "department") != "Finance" ||
		str(r.body, "displayName") != "Ada Lovelace" || str(r.body, "title") != "Analyst" || get(r.body, "active") != true ||
		str(r.body, "phoneNumbers", 0, "value") != "+1 555 0100" {
		t.Fatalf("patch entra forms: %s", r.raw)
	}
	r = s.do(t, "PATCH", "/Users/"+uid, fixture(t, "patch-user-remove-manager.json")).want(t, 200)
	if get(r.body, ent, "manager") != nil || str(r.body, ent, "department") != "Finance" {
		t.Fatalf("remove manager: %s", r.raw)
	}

	// Groups: lookup by displayName without members, create, rename.
	s.do(t, "GET", "/Groups?excludedAttributes=members&filter="+q(`displayName eq "displayName"`), "").want(t, 200)
	r = s.do(t, "POST", "/Groups", fixture(t, "create-group.json")).want(t, 201)
	gid := str(r.body, "id")
	r = s.do(t, "GET", "/Groups/"+gid+"?excludedAttributes=members", "").want(t, 200)
	if str(r.body, "displayName") != "displayName" || get(r.body, "members") != nil {
		t.Fatalf("get group: %s", r.raw)
	}
	s.do(t, "PATCH", "/Groups/"+gid, fixture(t, "patch-group-displayname.json")).want(t, 204)

	// Members: one, then a batch; Entra's membership check.
	s.do(t, "PATCH", "/Groups/"+gid, fixture(t, "patch-group-add-member.json", "member", uid)).want(t, 204)
	check := "/Groups?excludedAttributes=members&filter=" + q(`id eq "`+gid+`" and members[value eq "`+uid+`"]`)
	r = s.do(t, "GET", check, "").want(t, 200)
	if get(r.body, "totalResults") != 1.0 || get(r.body, "Resources", 0, "members") != nil {
		t.Fatalf("membership check after add: %s", r.raw)
	}
	var batch []string
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		r := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+n+`@contoso.com"}`).want(t, 201)
		batch = append(batch, `{"value":"`+str(r.body, "id")+`"}`)
	}
	s.do(t, "PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[`+strings.Join(batch, ",")+`]}]}`).want(t, 204)
	r = s.do(t, "GET", "/Groups/"+gid, "").want(t, 200)
	if n := len(get(r.body, "members").([]any)); n != 6 {
		t.Fatalf("members after batch = %d, want 6: %s", n, r.raw)
	}
	if str(r.body, "displayName") != "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName" {
		t.Errorf("group displayName: %s", r.raw)
	}
	r = s.do(t, "GET", "/Users/"+uid, "").want(t, 200)
	if str(r.body, "groups", 0, "value") != gid {
		t.Errorf("user groups: %s", r.raw)
	}
	s.do(t, "PATCH", "/Groups/"+gid, fixture(t, "patch-group-remove-member.json", "member", uid)).want(t, 204)
	r = s.do(t, "GET", check, "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("membership check after remove: %s", r.raw)
	}
	s.do(t, "PATCH", "/Groups/"+gid, fixture(t, "patch-group-add-member.json", "member", uid)).want(t, 204)

	// Deactivate: the user stays readable.
	r = s.do(t, "PATCH", "/Users/"+uid, fixture(t, "patch-user-disable.json")).want(t, 200)
	if get(r.body, "active") != false {
		t.Fatalf("disable: %s", r.raw)
	}
	r = s.do(t, "GET", "/Users/"+uid, "").want(t, 200)
	if get(r.body, "active") != false {
		t.Fatalf("get after disable: %s", r.raw)
	}

	// Delete: the user and its memberships go; the group stays.
	s.do(t, "DELETE", "/Users/"+uid, "").want(t, 204)
	s.do(t, "GET", "/Users/"+uid, "").wantError(t, 404, "")
	r = s.do(t, "GET", check, "").want(t, 200)
	if get(r.body, "totalResults") != 0.0 {
		t.Fatalf("membership of a deleted user: %s", r.raw)
	}
	s.do(t, "DELETE", "/Groups/"+gid, "").want(t, 204)
	s.do(t, "GET", "/Groups/"+gid, "").wantError(t, 404, "")

	// Every change left its event, in order, in the outbox.
	want := "user.created user.updated user.updated user.updated user.updated group.created group.updated " +
		"group.members_added group.members_added group.members_removed group.members_added user.deactivated user.deleted group.deleted"
	if got := outboxTypes(t, s, uid, gid); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}

// TestAuth checks the 401 answers an IdP admin sees in Entra's provisioning log.
func TestAuth(t *testing.T) { forEachStore(t, testAuth) }

func testAuth(t *testing.T, db string) {
	s := startServer(t, db)
	path := "/Users?filter=" + q(`userName eq "x"`)
	tests := []struct {
		name, auth, detail string
	}{
		{"none", "", "no credential"},
		{"unknown", "Bearer rst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "unknown token"},
		{"not a roster token", "Bearer abc", "unknown token"},
		{"leading whitespace", "Bearer  " + s.token, "whitespace"},
		{"basic with wrong tenant", basic("other", s.token), "tenant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.doAs(t, tt.auth, "GET", path, "").wantError(t, 401, "")
			if !strings.Contains(str(r.body, "detail"), tt.detail) {
				t.Errorf("detail = %q, want it to mention %q", str(r.body, "detail"), tt.detail)
			}
		})
	}
	s.doAs(t, basic("default", s.token), "GET", path, "").want(t, 200)

	// A token whose expiry has passed.
	st := s.openStore(t)
	tenant, err := st.Tenant(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	secret, prefix, hash := roster.NewTokenSecret()
	if err := st.CreateToken(context.Background(), &roster.Token{TenantID: tenant.ID, Prefix: prefix, Hash: hash, Expires: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	r := s.doAs(t, "Bearer "+secret, "GET", path, "").wantError(t, 401, "")
	if !strings.Contains(str(r.body, "detail"), "expired") {
		t.Errorf("expired token detail = %q", str(r.body, "detail"))
	}
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "http://x", nil)
	req.SetBasicAuth(user, pass)
	return req.Header.Get("Authorization")
}

// outboxTypes stops s and returns the types of the outbox's events of the
// resources ids, in order, separated by spaces.
func outboxTypes(t *testing.T, s *testServer, ids ...string) string {
	t.Helper()
	s.stop()
	events, err := s.openStore(t).Events(context.Background(), roster.EventQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range events {
		if slices.Contains(ids, e.ResourceID) {
			types = append(types, e.Type)
		}
	}
	return strings.Join(types, " ")
}
