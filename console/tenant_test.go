package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

func TestTenants(t *testing.T) { forEachStore(t, testTenants) }

func testTenants(t *testing.T, db store) {
	f := newFixture(t, db)
	ada := f.signIn(t, adminEmail)

	a := ada.post(Prefix+"/tenants", url.Values{"name": {"Fabrikam Inc"}, "display_name": {"Fabrikam"}}).want(t, http.StatusUnprocessableEntity)
	if got := a.testid("tenant-error"); !strings.Contains(got, "Fabrikam Inc") {
		t.Errorf("a bad name says %q", got)
	}
	if !strings.Contains(a.body, `value="Fabrikam Inc"`) {
		t.Error("the refused form lost what was typed")
	}
	a = ada.post(Prefix+"/tenants", url.Values{"name": {"acme"}}).want(t, http.StatusUnprocessableEntity)
	if got := a.testid("tenant-error"); got == "" {
		t.Error("a taken name is refused without a word")
	}
	a = ada.post(Prefix+"/tenants", url.Values{"name": {"fabrikam"}, "display_name": {"Fabrikam Inc"}}).want(t, http.StatusSeeOther)
	if loc := a.header.Get("Location"); loc != Prefix+"/tenants/fabrikam?created=1" {
		t.Fatalf("created tenant: to %q", loc)
	}
	page := ada.get(Prefix+"/tenants/fabrikam?created=1").want(t, http.StatusOK)
	if got, want := page.testid("tenant-url"), f.srv.URL+"/scim/v2"; got != want {
		t.Errorf("Tenant URL %q, want %q", got, want)
	}
	if got := page.testid("tenant-directory"); !strings.HasPrefix(got, "Directory: not chosen") {
		t.Errorf("a new tenant's directory: %q", got)
	}
	fab, err := f.db.Tenant(cliCtx, "fabrikam")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.UpdateTenantSettings(cliCtx, fab.ID, roster.TenantSettings{Directory: roster.DirectoryOneLogin}); err != nil {
		t.Fatal(err)
	}
	if got := ada.get(Prefix + "/tenants/fabrikam").testid("tenant-directory"); !strings.HasPrefix(got, "Directory: <strong>OneLogin") {
		t.Errorf("the directory after choosing onelogin: %q", got)
	}

	// A token is shown once, on the answer to its creation; the store keeps its hash.
	a = ada.post(Prefix+"/tenants/fabrikam/tokens", url.Values{"name": {"Entra"}, "days": {"90"}}).want(t, http.StatusOK)
	secret := a.testid("secret-token")
	if !strings.HasPrefix(secret, "rst_") {
		t.Fatalf("new token page shows %q", secret)
	}
	if strings.Contains(ada.get(Prefix+"/tenants/fabrikam").body, secret) {
		t.Error("the token's secret is shown again")
	}
	_, toks, err := f.svc.Tokens(cliCtx, "fabrikam")
	if err != nil || len(toks) != 1 || !toks[0].Matches(secret) || toks[0].Expires.IsZero() {
		t.Fatalf("tokens = %v, %v", toks, err)
	}
	ada.post(Prefix+"/tenants/fabrikam/tokens", url.Values{"days": {"-1"}}).want(t, http.StatusUnprocessableEntity)

	// A token is revoked only through its own tenant.
	ada.post(Prefix+"/tenants/acme/tokens/"+toks[0].ID+"/revoke", nil).want(t, http.StatusNotFound)
	ada.post(Prefix+"/tenants/fabrikam/tokens/"+toks[0].ID+"/revoke", nil).want(t, http.StatusSeeOther)
	if got := ada.get(Prefix + "/tenants/fabrikam").testid("token-status"); !strings.HasPrefix(got, "revoked") {
		t.Errorf("revoked token's status %q", got)
	}

	ada.post(Prefix+"/tenants/fabrikam/disable", nil).want(t, http.StatusSeeOther)
	if got := ada.get(Prefix + "/tenants/fabrikam").testid("tenant-state"); got != "disabled" {
		t.Errorf("after disable, state %q", got)
	}
	ada.post(Prefix+"/tenants/fabrikam/enable", nil).want(t, http.StatusSeeOther)
	if tn, _ := f.svc.Tenant(cliCtx, "fabrikam"); tn.Disabled {
		t.Error("enable left the tenant disabled")
	}

	ada.post(Prefix+"/tenants/fabrikam/delete", url.Values{"confirm": {"fabrikan"}}).want(t, http.StatusUnprocessableEntity)
	ada.post(Prefix+"/tenants/fabrikam/delete", url.Values{"confirm": {"fabrikam"}}).want(t, http.StatusSeeOther)
	if _, err := f.svc.Tenant(cliCtx, "fabrikam"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("after delete: %v", err)
	}
	ada.get(Prefix+"/tenants/fabrikam").want(t, http.StatusNotFound)

	// Every change is in the audit trail under the operator's name, and no secret is.
	rows, err := f.db.Audit(cliCtx, roster.AuditQuery{Tenant: "fabrikam", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range rows {
		actions = append(actions, e.Action)
		if e.Actor != "operator:"+adminEmail || e.Source != "127.0.0.1" {
			t.Errorf("%s by %s from %q", e.Action, e.Actor, e.Source)
		}
		if strings.Contains(string(e.Before)+string(e.After), secret[4:]) {
			t.Errorf("%s holds the token's secret", e.Action)
		}
	}
	if got := strings.Join(actions, " "); got != "tenant.delete tenant.enable tenant.disable token.revoke token.create tenant.create" {
		t.Errorf("audit trail: %s", got)
	}
}

// TestTenantsPaged: the tenants page shows 50 at a time, with a link to the
// next page, and finds tenants by name or display name.
func TestTenantsPaged(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	for i := range 60 {
		if _, err := f.svc.CreateTenant(cliCtx, fmt.Sprintf("t%03d", i), fmt.Sprintf("Customer %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	vic := f.signIn(t, viewerEmail)
	first := vic.get(Prefix+"/").want(t, http.StatusOK)
	if n := strings.Count(first.body, `data-testid="tenant-row"`); n != pageSize {
		t.Errorf("first page has %d rows, want %d", n, pageSize)
	}
	href := first.link("next-page")
	second := vic.get(href).want(t, http.StatusOK)
	if n := strings.Count(second.body, `data-testid="tenant-row"`); n != 61-pageSize {
		t.Errorf("second page (%s) has %d rows, want %d", href, n, 61-pageSize)
	}
	if strings.Contains(second.body, `data-testid="next-page"`) {
		t.Error("the last page links to a next one")
	}
	found := vic.get(Prefix+"/?q=customer+42").want(t, http.StatusOK)
	if n := strings.Count(found.body, `data-testid="tenant-row"`); n != 1 || !strings.Contains(found.body, "t042") {
		t.Errorf("search by display name found %d rows", n)
	}
	if strings.Contains(first.body, `action="/console/tenants"`) {
		t.Error("a viewer is shown the create form")
	}
}
