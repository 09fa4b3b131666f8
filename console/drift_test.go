package console

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/scim/server"
)

// enterpriseDepartment is the path of the enterprise extension's department.
const enterpriseDepartment = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"

// TestDriftPage: with the department the app's under the tenant's policy,
// users the IdP creates through SCIM with one department and the app moves
// to another are listed on the drift page with both values, 50 users a
// page, each linked to its user page, which lists its drift too; before any
// drift the page explains what drift is.
func TestDriftPage(t *testing.T) { forEachStore(t, testDriftPage) }

func testDriftPage(t *testing.T, db store) {
	ctx := context.Background()
	f := newFixture(t, db)
	vic := f.signIn(t, viewerEmail)
	drift := Prefix + "/tenants/acme/drift"

	a := vic.get(drift).want(t, http.StatusOK)
	if none := a.testid("drift-none"); !strings.Contains(none, "No drift") || !strings.Contains(none, "docs/safety.md") {
		t.Errorf("drift page without drift: %q, want it to explain drift and name its documentation", none)
	}
	if strings.Contains(a.body, `data-testid="drift-row"`) || a.link("next-page") != "" {
		t.Errorf("drift page without drift lists rows or a next page")
	}

	if _, err := f.svc.SetPolicy(cliCtx, "acme", []byte(`{"format":1,"attributes":{"department":"app"}}`), admin.PolicySet{}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := f.svc.CreateToken(cliCtx, "acme", "Entra drift", 0)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(server.Prefix+"/", server.New(db, server.Options{ConfigRefresh: -1, TokenCache: -1}).Handler())
	scim := httptest.NewServer(mux)
	t.Cleanup(scim.Close)

	const users = pageSize + 1
	want := map[string]bool{}
	for i := range users {
		name := fmt.Sprintf("drift%02d@acme.example", i)
		id := createSCIMUser(t, scim.URL, secret, name, "Eng")
		if _, err := f.svc.WriteAppAttributes(ctx, f.tenant.ID, id, map[string]any{"department": "Sales"}, 0); err != nil {
			t.Fatal(err)
		}
		want[name] = true
	}

	first := vic.get(drift).want(t, http.StatusOK)
	if n := strings.Count(first.body, `data-testid="drift-row"`); n != pageSize {
		t.Fatalf("first drift page: %d rows, want %d", n, pageSize)
	}
	if got := [...]string{first.testid("drift-attribute"), first.testid("drift-mode"), html.UnescapeString(first.testid("drift-app")),
		html.UnescapeString(first.testid("drift-idp"))}; got != [...]string{enterpriseDepartment, "app", `"Sales"`, `"Eng"`} {
		t.Errorf("first drift row: %q", got)
	}
	second := vic.get(first.link("next-page")).want(t, http.StatusOK)
	if n := strings.Count(second.body, `data-testid="drift-row"`); n != 1 || second.link("next-page") != "" {
		t.Errorf("second drift page: %d rows, next page %q; want 1 row, the last page", n, second.link("next-page"))
	}
	seen := map[string]bool{}
	for _, p := range []answer{first, second} {
		for _, name := range driftUsers(p) {
			if seen[name] {
				t.Errorf("%s listed twice", name)
			}
			seen[name] = true
		}
	}
	if len(seen) != len(want) {
		t.Errorf("drift pages list %d users, want %d", len(seen), len(want))
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("drift pages lack %s", name)
		}
	}

	user := vic.get(second.link("drift-user")).want(t, http.StatusOK)
	if got := [...]string{user.testid("user-drift-attribute"), html.UnescapeString(user.testid("user-drift-app")),
		html.UnescapeString(user.testid("user-drift-idp"))}; got != [...]string{enterpriseDepartment, `"Sales"`, `"Eng"`} {
		t.Errorf("drifted user's page: %q", got)
	}
	if a := vic.get(Prefix+"/tenants/acme/users/"+f.params["user"]).want(t, http.StatusOK); strings.Contains(a.body, `data-testid="user-drift"`) {
		t.Errorf("the page of a user without drift shows drift")
	}
}

// driftUserName reads the user names of a drift page's rows.
var driftUserName = regexp.MustCompile(`data-testid="drift-user">([^<]*)<`)

func driftUsers(a answer) []string {
	var names []string
	for _, m := range driftUserName.FindAllStringSubmatch(a.body, -1) {
		names = append(names, html.UnescapeString(m[1]))
	}
	return names
}

// createSCIMUser creates a user with a department through the SCIM server
// at base, as an IdP does, and returns its id.
func createSCIMUser(t *testing.T, base, secret, userName, department string) string {
	t.Helper()
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"userName":%q,"active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":%q}}`, userName, department)
	req, _ := http.NewRequest("POST", base+server.Prefix+"/Users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var created struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&created); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /Users %s: %d, %v", userName, res.StatusCode, err)
	}
	return created.ID
}

// addDrift gives the fixture's user a drifted attribute, for the pages'
// screenshots: the policy gives the app the department, which the app holds
// as Sales and the IdP last sent as Eng.
func (f *fixture) addDrift(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	doc := strings.Replace(fixturePolicy2, `{"format":1,`, `{"format":1,"attributes":{"department":"app"},`, 1)
	if _, err := f.svc.SetPolicy(cliCtx, "acme", []byte(doc), admin.PolicySet{}); err != nil {
		t.Fatal(err)
	}
	u, err := f.db.User(ctx, f.tenant.ID, f.params["user"])
	if err != nil {
		t.Fatal(err)
	}
	ext, _ := strings.CutSuffix(enterpriseDepartment, ":department")
	u.Doc["schemas"] = []any{"urn:ietf:params:scim:schemas:core:2.0:User", ext}
	u.Doc[ext] = map[string]any{"department": "Sales"}
	u.IdP = map[string]any{enterpriseDepartment: "Eng"}
	if err := f.db.ReplaceUser(ctx, f.tenant.ID, u, u.Version); err != nil {
		t.Fatal(err)
	}
	if d, err := f.svc.UserDrift(ctx, f.tenant.ID, u); err != nil || len(d) != 1 {
		t.Fatalf("the fixture user's drift: %+v, %v; want the department", d, err)
	}
}
