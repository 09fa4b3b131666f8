package console

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

func TestSetupLinks(t *testing.T) { forEachStore(t, testSetupLinks) }

// testSetupLinks makes a setup link on a tenant's connection page: its URL
// is shown once, on the answer, and works; refused forms say why at the
// field; the tenant's links are listed with their state, and revoked only
// through their own tenant. Each change is an audit row by the operator,
// never holding the link's secret.
func testSetupLinks(t *testing.T, db store) {
	f := newFixture(t, db)
	ada := f.signIn(t, adminEmail)
	page := Prefix + "/tenants/acme"

	a := ada.get(page).want(t, http.StatusOK)
	if n := strings.Count(a.body, `data-testid="setup-link-row"`); n != 1 || a.testid("setup-link-status") != "live" {
		t.Errorf("the fixture's link: %d rows, status %q", n, a.testid("setup-link-status"))
	}
	for _, scope := range roster.DefaultSetupScopes {
		if !strings.Contains(a.body, `value="`+scope+`" checked`) {
			t.Errorf("scope %s is not ticked at first", scope)
		}
	}
	if !strings.Contains(a.body, `value="held">`) {
		t.Error("the held scope is not offered unticked at first")
	}
	if !strings.Contains(a.body, `<option value="3" selected>`) {
		t.Error("the form does not start at 3 days")
	}

	a = ada.post(page+"/setup-links", url.Values{"scope": {"scim", "sso"}, "days": {"7"}}).want(t, http.StatusOK)
	link := html.UnescapeString(a.testid("setup-url"))
	u, err := url.Parse(link)
	if err != nil || u.Path != admin.SetupPath || !strings.HasPrefix(link, f.srv.URL+"/setup?link=rsl_") {
		t.Fatalf("the new link is %q", link)
	}
	secret := u.Query().Get("link")
	if !strings.Contains(a.body, `data-copy="setup-url"`) {
		t.Error("the link has no copy button")
	}
	if again := ada.get(page); strings.Contains(again.body, secret) || again.testid("setup-url") != "" {
		t.Error("the link is shown again")
	}
	if landing := f.anonymous(t).get(admin.SetupPath + "?" + u.RawQuery); landing.status != http.StatusOK || !strings.Contains(landing.body, "Acme Corporation") {
		t.Errorf("the link does not open: %d", landing.status)
	}
	_, links, err := f.svc.SetupLinks(cliCtx, "acme")
	if err != nil || len(links) != 2 || strings.Join(links[0].Scopes, ",") != "scim,sso" || links[0].CreatedBy != "operator:"+adminEmail {
		t.Fatalf("links %v, %v", links, err)
	}
	a = ada.get(page)
	if a.testid("setup-link-scopes") != "scim, sso" || !strings.Contains(a.body, "operator:"+adminEmail) {
		t.Errorf("the new link's row: %q", a.testid("setup-link-scopes"))
	}

	// Refused forms say why, keeping what was chosen.
	a = ada.post(page+"/setup-links", url.Values{"days": {"7"}}).want(t, http.StatusUnprocessableEntity)
	if a.testid("setup-link-error") == "" || !strings.Contains(a.body, `<fieldset aria-describedby="setup-link-error">`) || !strings.Contains(a.body, `<option value="7" selected>`) {
		t.Errorf("no scope: %q", a.testid("setup-link-error"))
	}
	ada.post(page+"/setup-links", url.Values{"scope": {"log"}, "days": {"0"}}).want(t, http.StatusUnprocessableEntity)
	a = ada.post(page+"/setup-links", url.Values{"scope": {"log"}, "days": {"31"}}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(a.testid("setup-link-error"), "30 days") || !strings.Contains(a.body, `value="log" checked`) || strings.Contains(a.body, `value="scim" checked`) {
		t.Errorf("31 days: %q", a.testid("setup-link-error"))
	}

	// Revoked through its own tenant only.
	globex, err := f.svc.CreateTenant(cliCtx, "globex", "")
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := f.svc.CreateSetupLink(cliCtx, globex.Name, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	ada.post(page+"/setup-links/"+other.ID+"/revoke", nil).want(t, http.StatusNotFound)
	a = ada.post(page+"/setup-links/"+links[0].ID+"/revoke", nil).want(t, http.StatusSeeOther)
	if loc := a.header.Get("Location"); loc != page+"#setup-links" {
		t.Errorf("after revoking: to %q", loc)
	}
	if a := ada.get(page); !strings.HasPrefix(a.testid("setup-link-status"), "revoked ") || strings.Count(a.body, "Revoke setup link") != 1 {
		t.Errorf("after revoking: %q", a.testid("setup-link-status"))
	}
	if a := f.anonymous(t).get(admin.SetupPath + "?" + u.RawQuery); a.status != http.StatusGone {
		t.Errorf("a revoked link opens: %d", a.status)
	}

	rows, err := f.db.Audit(cliCtx, roster.AuditQuery{Tenant: "acme", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range rows {
		if strings.Contains(string(e.Before)+string(e.After), secret) {
			t.Errorf("%s holds the link's secret", e.Action)
		}
		if e.Actor == "operator:"+adminEmail && strings.HasPrefix(e.Action, "setup_link.") {
			actions = append(actions, e.Action)
		}
	}
	if got := strings.Join(actions, " "); got != "setup_link.revoke setup_link.create" {
		t.Errorf("audit trail: %s", got)
	}
}

// TestSetupLinksViewer: a viewer sees a tenant's setup links, and no form.
func TestSetupLinksViewer(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	a := f.signIn(t, viewerEmail).get(Prefix+"/tenants/acme").want(t, http.StatusOK)
	if a.testid("setup-link-status") != "live" || strings.Contains(a.body, "/setup-links") {
		t.Errorf("a viewer sees %q, or a form", a.testid("setup-link-status"))
	}
}
