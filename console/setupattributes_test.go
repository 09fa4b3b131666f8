package console

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/policy"
)

// textarea returns the text of the answer's textarea id, unescaped, or "".
func (a answer) textarea(id string) string {
	i := strings.Index(a.body, `<textarea id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := a.body[i:]
	start, end := strings.IndexByte(rest, '>'), strings.Index(rest, "</textarea>")
	if start < 0 || end < start {
		return ""
	}
	return html.UnescapeString(rest[start+1 : end])
}

// TestSetupAttributes: the page renders the session's tenant's policy as
// Entra's settings, with Entra's default mappings; its dry run applies that
// policy to the document pasted, pre-filled with a sample the policy accepts,
// shows the entitlements or the refusal, and stores nothing.
func TestSetupAttributes(t *testing.T) { forEachStore(t, testSetupAttributes) }

func testSetupAttributes(t *testing.T, db store) {
	f := newFixture(t, db) // acme's policy in force is fixturePolicy2
	if _, err := f.svc.CreateTenant(cliCtx, "globex", "Globex"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetPolicy(cliCtx, "globex", policy.Example(), admin.PolicySet{}); err != nil {
		t.Fatal(err)
	}
	audit := func() int {
		rows, err := f.db.Audit(cliCtx, roster.AuditQuery{Tenant: "acme", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	c := f.customer(t, roster.SetupScopeSCIM)
	path := admin.SetupPath + "/attributes"

	// acme's roles, not globex's; Entra's default mappings whatever the policy.
	a := c.get(path).want(t, http.StatusOK)
	if got := strings.Count(a.body, `data-testid="app-role"`); got != 3 || strings.Contains(a.body, "EnterpriseAdmin") {
		t.Errorf("%d app roles, or globex's roles shown; want acme's 3", got)
	}
	if got := a.testid("app-role-value"); got != "User" {
		t.Errorf("first app role %q, want User", got)
	}
	if got := a.testid("roles-expression"); got != "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])" {
		t.Errorf("roles expression %q", got)
	}
	if got := strings.Count(a.body, `data-testid="default-mapping"`); got != 11 || !strings.Contains(a.body, "<code>userPrincipalName</code>") {
		t.Errorf("%d default mappings of users, want 11 beginning with userPrincipalName", got)
	}
	if a.testid("no-custom-attributes") == "" || a.testid("no-allowed-values") == "" {
		t.Error("acme's policy has no extension nor allowed values, yet the page lists some")
	}
	if a.link("next-step") != admin.SetupPath+"/status?idp=entra" {
		t.Errorf("next step %q, want the status (the link has no sign-in)", a.link("next-step"))
	}

	// The dry run of the sample: what acme's policy gives it; nothing stored.
	before := audit()
	sample := a.textarea("user")
	if !strings.Contains(sample, `"userName": "ada.lovelace@example.com"`) || !strings.Contains(sample, `"value": "standard_license"`) {
		t.Fatalf("the dry run is not pre-filled with the policy's sample:\n%s", sample)
	}
	a = c.setupPost(path+"/try", url.Values{"user": {sample}}).want(t, http.StatusOK)
	for id, want := range map[string]string{"trial-active": "yes", "trial-access-role": "Admin", "trial-licenses": "standard"} {
		if got := a.testid(id); got != want {
			t.Errorf("trial of the sample: %s %q, want %q", id, got, want)
		}
	}
	if a.textarea("user") != sample || a.testid("trial-stored-nothing") == "" {
		t.Error("the document tried is not kept, or the answer does not say nothing was stored")
	}
	if _, err := f.svc.TryPolicyWith(cliCtx, "acme", admin.PolicyTry{UserRef: "ada.lovelace@example.com"}); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("after a dry run, finding its user: %v, want ENOTFOUND", err)
	}
	if n := audit(); n != before {
		t.Errorf("a dry run wrote %d audit rows", n-before)
	}

	// Under the example policy: its extensions, userType values and refusals.
	if _, err := f.svc.SetPolicy(cliCtx, "acme", policy.Example(), admin.PolicySet{}); err != nil {
		t.Fatal(err)
	}
	a = c.get(path).want(t, http.StatusOK)
	if got := a.testid("custom-attribute-name"); got != "urn:ietf:params:scim:schemas:extension:2.0:CustomExtensionName:folders" {
		t.Errorf("first custom attribute %q", got)
	}
	if got := a.testid("custom-attribute-expression"); got != `Split([extensionAttribute1], &#34;,&#34;)` {
		t.Errorf("its expression %q", got)
	}
	if got := a.testid("allowed-userType"); got != "Premium, Standard" {
		t.Errorf("userType values %q, want Premium, Standard", got)
	}
	if got := a.testid("required"); got != "name.givenName" {
		t.Errorf("first required attribute %q", got)
	}
	a = c.setupPost(path+"/try", url.Values{"user": {a.textarea("user")}}).want(t, http.StatusOK)
	if got := a.testid("trial-access-role"); got != "EnterpriseAdmin" || !strings.Contains(a.testid("trial-warnings"), `folder &#34;example&#34;`) {
		t.Errorf("trial of the example's sample: access role %q, warnings %q", got, a.testid("trial-warnings"))
	}
	gold := strings.Replace(a.textarea("user"), `"userType": "Premium"`, `"userType": "Gold"`, 1)
	a = c.setupPost(path+"/try", url.Values{"user": {gold}}).want(t, http.StatusOK)
	if a.testid("trial-refusal") == "" || !strings.Contains(html.UnescapeString(a.body), `userType "Gold" is not allowed`) {
		t.Errorf("a userType not allowed: %q, want the refusal", a.testid("trial-refusal"))
	}

	// Problems of the document are at its field, the document kept as typed.
	for _, tt := range []struct{ name, user, want string }{
		{"nothing", "  ", "Paste a person's document"},
		{"not JSON", "{userName: ada}", "not a JSON object"},
		{"not an object", `["ada"]`, "not a JSON object"},
	} {
		a := c.setupPost(path+"/try", url.Values{"user": {tt.user}}).want(t, http.StatusUnprocessableEntity)
		if got := html.UnescapeString(a.testid("user-error")); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want it to say %q", tt.name, got, tt.want)
		}
		if !strings.Contains(a.body, `aria-describedby="user-hint user-error" aria-invalid="true">`+html.EscapeString(tt.user)+`</textarea>`) {
			t.Errorf("%s: the field is not marked invalid, pointing at the error, with the document as typed", tt.name)
		}
	}

	// A link without provisioning may not see the page nor try.
	sso := f.customer(t, roster.SetupScopeSSO)
	if a := sso.get(path); a.status != http.StatusForbidden {
		t.Errorf("a sign-in link's GET: %d, want 403", a.status)
	}
	if a := sso.setupPost(path+"/try", url.Values{"user": {sample}}); a.status != http.StatusForbidden {
		t.Errorf("a sign-in link's dry run: %d, want 403", a.status)
	}
}

// TestSetupAttributesOtherIdP: for another provider than Entra the page says
// that the names on the right hold there too; for Google, that it sends no one.
func TestSetupAttributesOtherIdP(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	c := f.customer(t)
	if a := c.get(admin.SetupPath+"/attributes?idp=entra").want(t, http.StatusOK); a.testid("idp-note") != "" {
		t.Error("Entra's page has a note for another provider")
	}
	if got := c.get(admin.SetupPath+"/attributes?idp=okta").want(t, http.StatusOK).testid("idp-note"); !strings.Contains(got, "in Okta, map") {
		t.Errorf("Okta's note %q", got)
	}
	if got := c.get(admin.SetupPath+"/attributes?idp=google").want(t, http.StatusOK).testid("idp-note"); !strings.Contains(got, "cannot send people") {
		t.Errorf("Google's note %q", got)
	}
}
