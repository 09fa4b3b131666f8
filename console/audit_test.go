package console

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
)

func TestAudit(t *testing.T) { forEachStore(t, testAudit) }

// testAudit: the audit trail shows every operator action newest first, who
// did it from where, on what, and the settings before and after; of one
// tenant with ?tenant=, a deleted one's too.
func testAudit(t *testing.T, db store) {
	f := newFixture(t, db)
	ada := f.signIn(t, adminEmail)
	ada.post(Prefix+"/tenants/acme/disable", nil).want(t, http.StatusSeeOther)
	if _, err := f.svc.CreateTenant(cliCtx, "gone", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DeleteTenant(cliCtx, "gone", "gone"); err != nil {
		t.Fatal(err)
	}

	vic := f.signIn(t, viewerEmail)
	all := vic.get(Prefix+"/audit").want(t, http.StatusOK)
	if got := actions(all); got != "operator.sign_in tenant.delete tenant.create tenant.disable operator.sign_in client.create apikey.create signin.set webhook.add token.create policy.set policy.set tenant.create operator.create operator.create" {
		t.Errorf("audit trail: %s", got)
	}
	a := vic.get(Prefix+"/audit?tenant=acme").want(t, http.StatusOK)
	if got := actions(a); got != "tenant.disable apikey.create signin.set webhook.add token.create policy.set policy.set tenant.create" {
		t.Errorf("acme's audit trail: %s", got)
	}
	for id, want := range map[string]string{
		"audit-actor": "operator:" + adminEmail, "audit-source": "127.0.0.1", "audit-action": "tenant.disable", "tenant-name": "acme",
	} {
		if got := a.testid(id); got != want {
			t.Errorf("acme's newest entry: %s = %q, want %q", id, got, want)
		}
	}
	if got := html.UnescapeString(a.testid("audit-after")); !strings.Contains(got, `"disabled": true`) {
		t.Errorf("the disable's after: %q", got)
	}
	if got := html.UnescapeString(a.testid("audit-before")); !strings.Contains(got, `"name": "acme"`) || strings.Contains(got, "disabled") {
		t.Errorf("the disable's before: %q", got)
	}
	gone := vic.get(Prefix+"/audit?tenant=gone").want(t, http.StatusOK)
	if got := actions(gone); got != "tenant.delete tenant.create" {
		t.Errorf("a deleted tenant's audit trail: %s", got)
	}
	if strings.Contains(gone.body, `data-testid="tenant-name"`) {
		t.Error("a deleted tenant's audit trail shows the tenant's tabs")
	}
	if got := actions(vic.get(Prefix+"/audit?tenant=nobody").want(t, http.StatusOK)); got != "" {
		t.Errorf("an unknown tenant's audit trail: %s", got)
	}
	vic.get(Prefix+"/audit?before=x").want(t, http.StatusUnprocessableEntity)
}

// actions lists the actions of an audit page's rows, in order.
func actions(a answer) string {
	var out []string
	for rest := a.body; ; {
		i := strings.Index(rest, `data-testid="audit-action"`)
		if i < 0 {
			return strings.Join(out, " ")
		}
		rest = rest[i:]
		out = append(out, answer{body: rest}.testid("audit-action"))
		rest = rest[1:]
	}
}

// TestAuditPaged: the audit trail shows 50 entries at a time, the next page
// starting after the last one shown: 50 tenants created after the fixture's
// 10 entries, and a sign-in, fill a page and 11 rows.
func TestAuditPaged(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	for i := range 50 {
		if _, err := f.svc.CreateTenant(cliCtx, fmt.Sprintf("t%03d", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	vic := f.signIn(t, viewerEmail)
	first := vic.get(Prefix+"/audit").want(t, http.StatusOK)
	if n := strings.Count(first.body, `data-testid="audit-row"`); n != pageSize {
		t.Errorf("first page has %d rows, want %d", n, pageSize)
	}
	href := first.link("next-page")
	second := vic.get(href).want(t, http.StatusOK)
	if got := actions(second); got != "tenant.create client.create apikey.create signin.set webhook.add token.create policy.set policy.set tenant.create operator.create operator.create" {
		t.Errorf("second page (%s): %s", href, got)
	}
	if strings.Contains(second.body, `data-testid="next-page"`) {
		t.Error("the last page links to a next one")
	}
}
