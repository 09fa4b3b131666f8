package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster/client"
)

// appSend sends a write to the app API with an API key and checks the
// exchange against the API's OpenAPI document.
func (s *testServer) appSend(t *testing.T, key, method, path, body string) appResponse {
	t.Helper()
	root := strings.TrimSuffix(s.base, "/scim/v2")
	req, err := http.NewRequest(method, root+"/api/v1"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkContract(t, req, res, raw)
	r := appResponse{status: res.StatusCode, raw: string(raw)}
	if err := json.Unmarshal([]byte(r.raw), &r.body); err != nil {
		t.Fatalf("%s %s: not JSON: %v\n%s", method, path, err, r.raw)
	}
	return r
}

// events returns the resource ids of the default tenant's events of type typ.
func (s *testServer) eventIDs(t *testing.T, key, typ string) []string {
	t.Helper()
	var ids []string
	data, _ := s.app(t, key, "/events?types="+typ).want(t, 200).body["data"].([]any)
	for _, e := range data {
		ids = append(ids, str(e, "resource", "id"))
	}
	return ids
}

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// TestAppCreatedUserAdopted creates users the host app already had through
// the app API and has Entra ID's create sequence find them: a lookup by
// userName, then a POST of the same userName (or a PATCH), adopts the user
// with user.adopted and never makes a twin. A read key is refused on the
// write routes.
func TestAppCreatedUserAdopted(t *testing.T) { forEachStore(t, testAppCreatedUserAdopted) }

func testAppCreatedUserAdopted(t *testing.T, db string) {
	s := startServer(t, db)
	read := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	write := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--scope", "write"))
	if out := s.cli(t, "apikey", "list"); !strings.Contains(out, "write") || !strings.Contains(out, "read") {
		t.Errorf("apikey list lacks the scopes:\n%s", out)
	}
	const adaBody = `{"userName":"ada@contoso.com","externalId":"x-ada","name":{"givenName":"Ada","familyName":"Lovelace"},
		"emails":[{"value":"ada@contoso.com","type":"work","primary":true}]}`

	if r := s.appSend(t, read, "POST", "/users", adaBody); r.status != 403 || str(r.body, "error", "code") != "forbidden" {
		t.Fatalf("POST /users with a read key: %d %s, want 403 forbidden", r.status, r.raw)
	}
	if r := s.appSend(t, read, "PATCH", "/users/x", `{"department":"Sales"}`); r.status != 403 {
		t.Fatalf("PATCH /users/x with a read key: %d %s, want 403", r.status, r.raw)
	}
	s.appSend(t, write, "POST", "/users", `{"emails":[{"value":"x@contoso.com"}]}`).want(t, 400)
	a := s.appSend(t, write, "POST", "/users", adaBody).want(t, 201)
	ada := str(a.body, "id")
	if a.body["awaiting_adoption"] != true || str(a.body, "emails", 0, "value") != "ada@contoso.com" {
		t.Fatalf("app-created user: %s", a.raw)
	}
	s.appSend(t, write, "POST", "/users", adaBody).want(t, 409)

	// Entra: lookup by userName, then a POST of the same userName adopts it.
	lookup := "/Users?filter=" + url.QueryEscape(`userName eq "ada@contoso.com"`)
	if r := s.do(t, "GET", lookup, "").want(t, 200); get(r.body, "totalResults") != float64(1) || str(r.body, "Resources", 0, "id") != ada {
		t.Fatalf("Entra's lookup of the app-created user: %s", r.raw)
	}
	r := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Ada@Contoso.com",
		"externalId":"e-ada","displayName":"Ada Lovelace","active":true}`).want(t, 201)
	if str(r.body, "id") != ada || str(r.body, "externalId") != "e-ada" {
		t.Fatalf("Entra's POST over the app-created user: %s, want user %s adopted", r.raw, ada)
	}
	// Adopted, the user is the IdP's: a second POST is a twin, refused.
	s.do(t, "POST", "/Users", `{"userName":"ada@contoso.com"}`).want(t, 409)

	// Entra: lookup, then PATCH.
	bob := str(s.appSend(t, write, "POST", "/users", `{"userName":"bob@contoso.com"}`).want(t, 201).body, "id")
	s.do(t, "PATCH", "/Users/"+bob, patchMsg+`{"op":"Replace","path":"displayName","value":"Bob"}]}`).want(t, 200)
	if u := s.app(t, read, "/users/"+bob).want(t, 200); u.body["awaiting_adoption"] != nil || str(u.body, "display_name") != "Bob" {
		t.Errorf("user adopted by a PATCH: %s", u.raw)
	}

	// Entra's own create request, replayed byte for byte after its lookup.
	const entraName = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"
	carl := str(s.appSend(t, write, "POST", "/users", `{"userName":"`+entraName+`"}`).want(t, 201).body, "id")
	s.do(t, "GET", "/Users?filter="+url.QueryEscape(`userName eq "`+entraName+`"`), "").want(t, 200)
	if r := s.do(t, "POST", "/Users", fixture(t, "create-user.json")).want(t, 201); str(r.body, "id") != carl ||
		r.header.Get("Location") != s.base+"/Users/"+carl || str(r.body, "name", "familyName") != "familyName" {
		t.Fatalf("Entra's create over the app-created user: %s, want user %s adopted", r.raw, carl)
	}
	s.do(t, "POST", "/Users", fixture(t, "create-user.json")).wantError(t, 409, "uniqueness")

	if ids := s.eventIDs(t, read, "user.adopted"); len(ids) != 3 || ids[0] != ada || ids[1] != bob || ids[2] != carl {
		t.Errorf("user.adopted events for %v, want [%s %s %s]", ids, ada, bob, carl)
	}
	if all := s.do(t, "GET", "/Users", "").want(t, 200); get(all.body, "totalResults") != float64(3) {
		t.Errorf("users after adoption: %v, want 3 (no twin)", get(all.body, "totalResults"))
	}
	if rows := s.logRows(t, 2, "--tenant", "default", "--action", "adopt"); len(rows) != 2 || rows[1]["resource_id"] != ada {
		t.Errorf("log rows of the adopting POST: %v", rows)
	}
}

// TestUserImport imports the users the app already had from CSV and NDJSON:
// a second run changes nothing, and refused lines are named with why.
func TestUserImport(t *testing.T) { forEachStore(t, testUserImport) }

func testUserImport(t *testing.T, db string) {
	s := startServer(t, db)
	dir := t.TempDir()
	csvFile := filepath.Join(dir, "users.csv")
	write(t, csvFile, "userName,email,givenName,familyName\n"+
		"ada@contoso.com,ada@contoso.com,Ada,Lovelace\n"+
		",nobody@contoso.com,No,Body\n"+
		"bob@contoso.com,bob@contoso.com,Bob,\n")
	out := s.cli(t, "user", "import", "--tenant", "default", csvFile)
	if !strings.Contains(out, "2 created, 0 already present, 1 refused") || !strings.Contains(out, "line 3:") {
		t.Fatalf("first import:\n%s", out)
	}
	out = s.cli(t, "user", "import", "--tenant", "default", csvFile)
	if !strings.Contains(out, "0 created, 2 already present, 1 refused") {
		t.Fatalf("second import:\n%s", out)
	}
	nd := filepath.Join(dir, "users.ndjson")
	write(t, nd, `{"userName":"carl@contoso.com","externalId":"x-carl"}`+"\n"+
		`{"userName":"ada@contoso.com"}`+"\n\n"+
		`{"userName":`+"\n"+
		`{"userName":"dan@contoso.com","nickName":7}`+"\n")
	out = s.cli(t, "user", "import", "--tenant", "default", nd)
	if !strings.Contains(out, "1 created, 1 already present, 2 refused") || !strings.Contains(out, "line 4:") || !strings.Contains(out, "line 5:") {
		t.Fatalf("NDJSON import:\n%s", out)
	}
	if all := s.do(t, "GET", "/Users", "").want(t, 200); get(all.body, "totalResults") != float64(3) {
		t.Errorf("users after the imports: %v, want 3", get(all.body, "totalResults"))
	}
	r := s.do(t, "GET", "/Users?filter="+url.QueryEscape(`userName eq "ada@contoso.com"`), "").want(t, 200)
	if str(r.body, "Resources", 0, "name", "familyName") != "Lovelace" || str(r.body, "Resources", 0, "emails", 0, "value") != "ada@contoso.com" {
		t.Errorf("imported user: %s", r.raw)
	}
	if d := s.auditActions(t); strings.Count(d, "user.import") != 3 {
		t.Errorf("audit trail: want 3 user.import rows:\n%s", d)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAttributeOwnership sets who writes which attribute: title is taken at
// create only, department is the app's, nickName is ignored. Each ignored
// write is logged with its reason, the IdP's values are kept and shown to
// SCIM, and the drift report lists what differs with both values.
func TestAttributeOwnership(t *testing.T) { forEachStore(t, testAttributeOwnership) }

func testAttributeOwnership(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	read := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	write := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--scope", "write"))
	s.setPolicy(t, `{"format":1,"attributes":{"title":"create-only","department":"app","nickName":"ignore"}}`)

	created := s.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+enterpriseURN+`"],
		"userName":"ada@contoso.com","title":"Engineer","nickName":"Ada","`+enterpriseURN+`":{"department":"Eng"}}`).want(t, 201)
	ada := str(created.body, "id")
	if str(created.body, "nickName") != "Ada" || str(created.body, enterpriseURN, "department") != "Eng" {
		t.Errorf("SCIM shows the IdP what it sent: %s", created.raw)
	}
	u := s.app(t, read, "/users/"+ada).want(t, 200)
	if str(u.body, "scim", "title") != "Engineer" || get(u.body, "scim", "nickName") != nil || get(u.body, "scim", enterpriseURN) != nil ||
		str(u.body, "idp", "nickName") != "Ada" || str(u.body, "idp", enterpriseURN+":department") != "Eng" {
		t.Fatalf("the app's user after the IdP's create: %s", u.raw)
	}
	rows := s.logRows(t, 1, "--tenant", "default", "--reason", "attribute_ignored")
	if len(rows) != 1 || !strings.Contains(jsonOf(rows[0]["changes"]), `"ignored":"attribute_app_owned"`) {
		t.Errorf("log of the create: %v", rows)
	}

	// Later IdP writes of title are ignored; the app's department stays.
	s.do(t, "PATCH", "/Users/"+ada, patchMsg+`{"op":"Replace","path":"title","value":"Manager"}]}`).want(t, 200)
	s.appSend(t, write, "PATCH", "/users/"+ada, `{"title":"CTO"}`).want(t, 400)
	s.appSend(t, write, "PATCH", "/users/"+ada, `{"department":"Sales"}`).want(t, 200)
	r := s.do(t, "PATCH", "/Users/"+ada, patchMsg+`{"op":"Replace","path":"`+enterpriseURN+`:department","value":"Ops"}]}`).want(t, 200)
	if str(r.body, "title") != "Manager" || str(r.body, enterpriseURN, "department") != "Ops" {
		t.Errorf("SCIM shows the IdP its last values: %s", r.raw)
	}
	u = s.app(t, read, "/users/"+ada).want(t, 200)
	if str(u.body, "scim", "title") != "Engineer" || str(u.body, "scim", enterpriseURN, "department") != "Sales" {
		t.Fatalf("the app's user after the IdP's updates: %s", u.raw)
	}
	for _, reason := range []string{"attribute_create_only", "attribute_app_owned"} {
		if rows := s.logRows(t, 1, "--tenant", "default", "--reason", reason, "--action", "update"); len(rows) != 1 {
			t.Errorf("log rows with reason %s: %v", reason, rows)
		}
	}

	// The drift report lists both attributes with both values.
	d := s.app(t, read, "/drift").want(t, 200)
	got := jsonOf(d.body["data"])
	for _, want := range []string{
		`{"app":"Engineer","attribute":"title","idp":"Manager","mode":"create-only","user_id":"` + ada + `","user_name":"ada@contoso.com"}`,
		`{"app":"Sales","attribute":"` + enterpriseURN + `:department","idp":"Ops","mode":"app","user_id":"` + ada + `","user_name":"ada@contoso.com"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("drift report lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "nickName") {
		t.Errorf("drift report lists an ignored attribute:\n%s", got)
	}
	if out := s.cli(t, "drift", "--tenant", "default"); !strings.Contains(out, `"Engineer"`) || !strings.Contains(out, `"Manager"`) {
		t.Errorf("roster drift:\n%s", out)
	}

	// The IdP sends the app's value: no drift for it any more.
	s.do(t, "PATCH", "/Users/"+ada, patchMsg+`{"op":"Replace","path":"`+enterpriseURN+`:department","value":"Sales"}]}`).want(t, 200)
	if got := jsonOf(s.app(t, read, "/drift").want(t, 200).body["data"]); strings.Contains(got, "department") {
		t.Errorf("drift after the IdP agreed: %s", got)
	}
}

// TestAllowAndCreateOnlySync keeps only the attributes the policy allows, and
// with "sync": "create-only" acknowledges the IdP's updates and deletes
// without applying them, logging why.
func TestAllowAndCreateOnlySync(t *testing.T) { forEachStore(t, testAllowAndCreateOnlySync) }

func testAllowAndCreateOnlySync(t *testing.T, db string) {
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	read := strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default"))
	s.setPolicy(t, `{"format":1,"allow":["name","emails","active"]}`)
	ada := str(s.do(t, "POST", "/Users", `{"userName":"ada@contoso.com","title":"Engineer","name":{"givenName":"Ada"},"active":true}`).want(t, 201).body, "id")
	u := s.app(t, read, "/users/"+ada).want(t, 200)
	if get(u.body, "scim", "title") != nil || str(u.body, "scim", "name", "givenName") != "Ada" || str(u.body, "user_name") != "ada@contoso.com" {
		t.Errorf("allow kept: %s", u.raw)
	}
	if rows := s.logRows(t, 1, "--tenant", "default", "--reason", "attribute_not_allowed"); len(rows) != 1 {
		t.Errorf("log rows of the attribute not allowed: %v", rows)
	}

	s.setPolicy(t, `{"format":1,"sync":"create-only"}`)
	s.do(t, "PATCH", "/Users/"+ada, patchMsg+`{"op":"Replace","path":"displayName","value":"Ada L."},{"op":"Replace","path":"active","value":false}]}`).want(t, 200)
	s.do(t, "DELETE", "/Users/"+ada, "").want(t, 204)
	u = s.app(t, read, "/users/"+ada).want(t, 200)
	if get(u.body, "scim", "displayName") != nil || u.body["active"] != true || u.body["retired"] != nil ||
		str(u.body, "idp", "displayName") != "Ada L." || u.body["idp"].(map[string]any)["active"] != false {
		t.Errorf("user after ignored updates and delete: %s", u.raw)
	}
	if rows := s.logRows(t, 2, "--tenant", "default", "--reason", "sync_create_only"); len(rows) != 2 {
		t.Errorf("log rows with reason sync_create_only: %v", rows)
	}
	s.do(t, "GET", "/Users/"+ada, "").want(t, 200)
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestClientWrites creates a user, writes its app-owned attribute and reads
// the drift report through the Go client, every exchange checked against the
// OpenAPI document.
func TestClientWrites(t *testing.T) {
	s := startServerEnv(t, sqliteDB(t), map[string]string{"ROSTER_POLICY_REFRESH": "0s"})
	s.setPolicy(t, `{"format":1,"attributes":{"department":"app"}}`)
	c := client.New(strings.TrimSuffix(s.base, "/scim/v2"), strings.TrimSpace(s.cli(t, "apikey", "create", "--tenant", "default", "--scope", "write")))
	oas, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	c.HTTP = &http.Client{Transport: oas.Transport(nil)}
	ctx := context.Background()
	u, err := c.CreateUser(ctx, "", map[string]any{"userName": "ada@contoso.com", "emails": []any{map[string]any{"value": "ada@contoso.com"}}})
	if err != nil || !u.AwaitingAdoption {
		t.Fatalf("CreateUser = %+v, %v; want a user awaiting adoption", u, err)
	}
	s.do(t, "PATCH", "/Users/"+u.ID, patchMsg+`{"op":"Add","path":"`+enterpriseURN+`:department","value":"Eng"}]}`).want(t, 200)
	if u, err = c.SetAttributes(ctx, "", u.ID, map[string]any{"department": "Sales"}); err != nil || u.AwaitingAdoption {
		t.Fatalf("SetAttributes = %+v, %v", u, err)
	}
	var got []client.Drift
	for d, err := range c.Drift(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d)
	}
	if len(got) != 1 || got[0].App != "Sales" || got[0].IdP != "Eng" || got[0].Mode != "app" {
		t.Errorf("drift = %+v, want department Sales in the app, Eng from the IdP", got)
	}
	var e *client.Error
	if _, err := c.SetAttributes(ctx, "", u.ID, map[string]any{"title": "CTO"}); !errors.As(err, &e) || e.Status != 400 {
		t.Errorf("SetAttributes(title) = %v, want 400", err)
	}
}
