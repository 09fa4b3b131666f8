package console

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// policyUser is a user of acme holding role, its entitlements those the
// fixture's policy in force (fixturePolicy2) derives, and a given name or not.
func policyUser(t *testing.T, f *fixture, userName, role string, givenName bool) *roster.User {
	t.Helper()
	u := &roster.User{UserName: userName, Active: true, Entitlements: roster.Entitlements{Active: true, AccessRole: role},
		Doc: map[string]any{"userName": userName, "active": true, "roles": []any{map[string]any{"value": role}}}}
	if givenName {
		u.Doc["name"] = map[string]any{"givenName": "Ada"}
	}
	if err := f.db.CreateUser(context.Background(), f.tenant.ID, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// policyVersion is acme's policy version in the store.
func policyVersion(t *testing.T, f *fixture) int64 {
	t.Helper()
	tp, err := f.svc.Policy(cliCtx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	return tp.Policy.Version
}

func TestPolicy(t *testing.T) { forEachStore(t, testPolicy) }

func testPolicy(t *testing.T, db store) {
	f := newFixture(t, db) // acme's policy is at version 2
	policyUser(t, f, "ann@acme.example", "Admin", true)
	bo := policyUser(t, f, "bo@acme.example", "User", false)
	ada := f.signIn(t, adminEmail)
	path := Prefix + "/tenants/acme/policy"

	a := ada.get(path).want(t, http.StatusOK)
	if got := a.testid("policy-version"); got != "2" {
		t.Errorf("version in force %q, want 2", got)
	}
	if !strings.Contains(a.body, `name="version" value="2"`) || !strings.Contains(a.body, html.EscapeString(`"standard_license"`)) {
		t.Error("the editor does not start from version 2's document")
	}

	// A document with an error is refused at the field, kept as typed;
	// nothing is checked against the users, tried or stored.
	bad := `{"format":1,"roles":[{"value":"x","effect":"licence"}]}`
	for _, action := range []string{path, path + "/preview", path + "/try"} {
		a := ada.post(action, url.Values{"doc": {bad}, "version": {"2"}, "ref": {"ann@acme.example"}}).want(t, http.StatusUnprocessableEntity)
		if got := a.testid("policy-error"); !strings.Contains(got, "roles[0].effect") || !strings.Contains(got, "licence") {
			t.Errorf("%s: the error says %q, want the path and the value", action, got)
		}
		if !strings.Contains(a.body, `aria-describedby="doc-hint doc-errors" aria-invalid="true">`+html.EscapeString(bad)+`</textarea>`) {
			t.Errorf("%s: the document's field is not marked invalid, pointing at its errors, with the document as typed", action)
		}
		if strings.Contains(a.body, `data-testid="policy-impact"`) || strings.Contains(a.body, `id="trial"`) {
			t.Errorf("%s: a document with an error was checked or tried", action)
		}
	}
	if v := policyVersion(t, f); v != 2 {
		t.Fatalf("after refusals, version %d", v)
	}

	// Check and preview says what the document does to the users (ann, bo and
	// the fixture's ada, who has no given name either), and stores nothing.
	good := `{"format":1,"roles":[{"value":"Admin","effect":"accessRole"}],"required":["name.givenName"]}`
	a = ada.post(path+"/preview", url.Values{"doc": {good}, "version": {"2"}}).want(t, http.StatusOK)
	for id, want := range map[string]string{"impact-users": "3", "impact-changed": "1", "impact-deactivated": "0", "impact-failing": "2"} {
		if got := a.testid(id); got != want {
			t.Errorf("preview: %s %q, want %q", id, got, want)
		}
	}
	if n := strings.Count(a.body, `data-testid="impact-example"`); n != 3 || !strings.Contains(a.body, "accessRole &#34;User&#34; → &#34;&#34;") {
		t.Errorf("preview: %d examples; want bo's change, and bo's and ada's failures", n)
	}
	if !strings.Contains(a.body, html.EscapeString(good)+`</textarea>`) || !strings.Contains(a.body, "A dry run") {
		t.Error("preview: the document is not kept, or the answer does not say nothing was stored")
	}
	if v := policyVersion(t, f); v != 2 {
		t.Fatalf("after a preview, version %d", v)
	}

	// Try applies the document being edited to an existing user or a document pasted.
	a = ada.post(path+"/try", url.Values{"doc": {good}, "version": {"2"}, "ref": {"BO@acme.example"}}).want(t, http.StatusOK)
	if got := a.testid("trial-refusal"); !strings.Contains(got, "name.givenName") {
		t.Errorf("try bo (no given name): %q, want a refusal naming name.givenName", got)
	}
	a = ada.post(path+"/try", url.Values{"doc": {good}, "version": {"2"}, "ref": {bo.ID}}).want(t, http.StatusOK)
	if got := a.testid("trial-refusal"); !strings.Contains(got, "name.givenName") {
		t.Errorf("try bo by id: %q, want a refusal naming name.givenName", got)
	}
	a = ada.post(path+"/try", url.Values{"doc": {good}, "version": {"2"}, "ref": {"ann@acme.example"}}).want(t, http.StatusOK)
	if got := a.testid("trial-access-role"); got != "Admin" {
		t.Errorf("try ada: access role %q, want Admin", got)
	}
	sent := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"cy@acme.example","roles":[{"value":"standard_license"}]}`
	a = ada.post(path+"/try", url.Values{"doc": {fixturePolicy2}, "version": {"2"}, "user": {sent}}).want(t, http.StatusOK)
	if got, role := a.testid("trial-licenses"), a.testid("trial-access-role"); got != "standard" || !strings.HasPrefix(role, "none") {
		t.Errorf("try a document: licenses %q, access role %q; want standard, none", got, role)
	}
	if !strings.Contains(a.body, html.EscapeString(sent)+`</textarea>`) {
		t.Error("try: the user's document is not kept")
	}
	for _, c := range []struct{ name, ref, user, want string }{
		{"an unknown user", "nobody", "", "nobody"},
		{"a document that is not JSON", "", "{userName: cy}", "not a JSON object"},
		{"no user", "", " ", "Paste a user"},
		{"two users", "ann@acme.example", sent, "not both"},
	} {
		a := ada.post(path+"/try", url.Values{"doc": {good}, "version": {"2"}, "ref": {c.ref}, "user": {c.user}}).want(t, http.StatusUnprocessableEntity)
		if got := a.testid("user-error"); !strings.Contains(got, c.want) {
			t.Errorf("try %s: %q, want it to say %q", c.name, got, c.want)
		}
		if !strings.Contains(a.body, `aria-describedby="ref-hint user-error" aria-invalid="true"`) || !strings.Contains(a.body, html.EscapeString(good)+`</textarea>`) {
			t.Errorf("try %s: the error is not at the field, or the document is lost", c.name)
		}
	}

	// Save stores the document over the version the editing started from,
	// and shows what it does.
	a = ada.post(path, url.Values{"doc": {good}, "version": {"2"}}).want(t, http.StatusOK)
	if got := a.testid("policy-version"); got != "3" || !strings.Contains(a.testid("flash"), "version 3") || a.testid("impact-changed") != "1" {
		t.Errorf("save: version %q, flash %q, changed %q", got, a.testid("flash"), a.testid("impact-changed"))
	}
	if !strings.Contains(a.body, `name="version" value="3"`) {
		t.Error("after a save, the editor does not go on from the version saved")
	}
	// A save over a version that is no longer in force is refused, saying so,
	// and the document kept; saving it again replaces the new version.
	a = ada.post(path, url.Values{"doc": {fixturePolicy1}, "version": {"2"}}).want(t, http.StatusConflict)
	if got := a.testid("policy-conflict"); !strings.Contains(got, "version 3") || !strings.Contains(got, "operator:"+adminEmail) {
		t.Errorf("conflict: %q", got)
	}
	if !strings.Contains(a.body, `<span class="del">-  &#34;required&#34;: [</span>`) || !strings.Contains(a.body, html.EscapeString(fixturePolicy1)+`</textarea>`) {
		t.Errorf("conflict: no diff against version 3, or the document is lost\n%s", a.body)
	}
	if v := policyVersion(t, f); v != 3 {
		t.Fatalf("after a conflict, version %d", v)
	}
	ada.post(path, url.Values{"doc": {fixturePolicy1}, "version": {"3"}}).want(t, http.StatusOK)

	// A version's page shows its changes from the one before.
	a = ada.get(path+"/versions/3").want(t, http.StatusOK)
	for _, line := range []string{`<span class="del">-      &#34;value&#34;: &#34;User&#34;,</span>`, `<span class="add">&#43;  &#34;required&#34;: [</span>`, `<span class="ctx">   &#34;format&#34;: 1,</span>`} {
		if !strings.Contains(a.body, line) {
			t.Errorf("version 3's diff lacks %s", line)
		}
	}
	if !strings.Contains(a.body, "/versions/3/rollback") {
		t.Error("version 3's page has no rollback form")
	}
	if strings.Contains(ada.get(path+"/versions/4").want(t, http.StatusOK).body, "/rollback") {
		t.Error("the page of the version in force offers to roll back to it")
	}
	ada.get(path+"/versions/9").want(t, http.StatusNotFound)
	ada.get(path+"/versions/x").want(t, http.StatusNotFound)

	// A rollback needs its confirmation.
	a = ada.post(path+"/versions/2/rollback", nil).want(t, http.StatusUnprocessableEntity)
	if a.testid("rollback-error") == "" || !strings.Contains(a.body, `aria-describedby="rollback-error" aria-invalid="true"`) {
		t.Error("an unconfirmed rollback is refused without a word at its field")
	}
	a = ada.post(path+"/versions/2/rollback", url.Values{"confirm": {"yes"}}).want(t, http.StatusSeeOther)
	if loc := a.header.Get("Location"); loc != path+"?rollback=2" {
		t.Fatalf("rollback: to %q", loc)
	}
	a = ada.get(path+"?rollback=2").want(t, http.StatusOK)
	if got := a.testid("flash"); !strings.Contains(got, "Version 5 holds the rules of version 2") || a.testid("policy-version") != "5" {
		t.Errorf("after the rollback: flash %q, version %q", got, a.testid("policy-version"))
	}
	if tp, err := f.svc.Policy(cliCtx, "acme"); err != nil || string(tp.Policy.Doc) != fixturePolicy2 {
		t.Errorf("after the rollback, the policy is %s, %v; want version 2's", tp.Policy.Doc, err)
	}

	// Every change is in the audit trail under the operator's name.
	rows, err := f.db.Audit(cliCtx, roster.AuditQuery{Tenant: "acme", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range rows {
		if e.Actor == "operator:"+adminEmail {
			actions = append(actions, e.Action)
		}
	}
	if got := strings.Join(actions, " "); got != "policy.rollback policy.set policy.set" {
		t.Errorf("the operator's audit rows: %s", got)
	}

	// A viewer reads the document and the versions, and is shown no form.
	vic := f.signIn(t, viewerEmail)
	a = vic.get(path).want(t, http.StatusOK)
	if strings.Contains(a.body, `name="doc"`) || !strings.Contains(a.testid("policy-doc"), html.EscapeString(`"standard_license"`)) {
		t.Error("a viewer is shown the editor, or not the document")
	}
	if strings.Contains(vic.get(path+"/versions/1").want(t, http.StatusOK).body, "/rollback") {
		t.Error("a viewer is shown the rollback form")
	}
}

// TestPolicyVersionsPaged: the versions show 50 at a time, newest first, with
// a link to the older ones.
func TestPolicyVersionsPaged(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	for i := range 55 {
		doc := fmt.Sprintf(`{"format":1,"roles":[{"value":"role-%d","effect":"accessRole"}]}`, i)
		if _, err := f.svc.SetPolicy(cliCtx, "acme", []byte(doc), admin.PolicySet{}); err != nil {
			t.Fatal(err)
		}
	}
	vic := f.signIn(t, viewerEmail)
	first := vic.get(Prefix+"/tenants/acme/policy").want(t, http.StatusOK)
	if n := strings.Count(first.body, `data-testid="policy-version-row"`); n != pageSize || !strings.Contains(first.body, ">Version 57</a>") {
		t.Errorf("first page has %d rows, want %d from version 57", n, pageSize)
	}
	href := first.link("next-page")
	second := vic.get(href).want(t, http.StatusOK)
	if n := strings.Count(second.body, `data-testid="policy-version-row"`); n != 57-pageSize || !strings.Contains(second.body, ">Version 7</a>") {
		t.Errorf("second page (%s) has %d rows, want %d from version 7", href, n, 57-pageSize)
	}
	if strings.Contains(second.body, `data-testid="next-page"`) {
		t.Error("the last page links to a next one")
	}
	vic.get(Prefix+"/tenants/acme/policy?before=x").want(t, http.StatusUnprocessableEntity)
}
