package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// TestSetupRoutesGuarded walks every route of the setup pages: without a
// setup session it answers 401 with a page saying how to go on; a state
// change from another origin or without the session's form token is refused
// with 403; an operator's console session is no setup session; every page
// renders for a customer whose link has every scope.
func TestSetupRoutesGuarded(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	anon := f.anonymous(t)
	ada := f.signIn(t, adminEmail)
	for _, rt := range New(f.svc, f.db, Options{}).setupRoutes() {
		if rt.access == public {
			continue
		}
		method, path := f.walkPath(t, rt.pattern)
		t.Run(rt.pattern, func(t *testing.T) {
			for who, b := range map[string]*browser{"no one": anon, "an operator": ada} {
				var a answer
				if method == "GET" {
					a = b.get(path)
				} else {
					a = b.postForm(path, url.Values{"csrf": {"x"}})
				}
				if a.status != http.StatusUnauthorized || a.testid("setup-ended") == "" {
					t.Errorf("as %s: %d, want 401 saying the session ended", who, a.status)
				}
			}
			c := f.customer(t)
			if method == "GET" {
				c.get(path).want(t, http.StatusOK)
				return
			}
			if a := c.postForm(path, url.Values{"csrf": {c.setupToken()}}, "Sec-Fetch-Site", "cross-site"); a.status != http.StatusForbidden {
				t.Errorf("cross-origin POST: %d, want 403", a.status)
			}
			if a := c.postForm(path, url.Values{"csrf": {"forged"}}); a.status != http.StatusForbidden {
				t.Errorf("POST with a wrong form token: %d, want 403", a.status)
			}
		})
	}
}

// TestSetupLink: a setup link's landing page redeems nothing; its button
// does, once; opening the link again elsewhere says it was used; the
// browser that redeemed it goes on; revoking it ends the session.
func TestSetupLink(t *testing.T) { forEachStore(t, testSetupLink) }

func testSetupLink(t *testing.T, db store) {
	f := newFixture(t, db)
	secret := f.setupLink(t, roster.SetupScopeSCIM)
	landing := admin.SetupPath + "?link=" + url.QueryEscape(secret)

	customer := f.anonymous(t)
	for range 2 { // a mail scanner's visit first: nothing is redeemed
		a := customer.get(landing).want(t, http.StatusOK)
		if !strings.Contains(a.body, "Acme Corporation") || a.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("landing page: %s", a.body)
		}
	}
	a := customer.postForm(admin.SetupPath+"/start", url.Values{"link": {secret}}).want(t, http.StatusSeeOther)
	cookie := a.header.Get("Set-Cookie")
	for _, attr := range []string{"roster_setup=", "HttpOnly", "SameSite=Lax", "Path=/setup;"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("setup cookie %q lacks %s", cookie, attr)
		}
	}
	home := customer.get(admin.SetupPath+"/").want(t, http.StatusOK)
	if !strings.Contains(home.body, `data-testid="directory-form"`) || !strings.Contains(home.body, "connect provisioning") || strings.Contains(home.body, "connect sign-in") {
		t.Errorf("home page of a scim link: %s", home.body)
	}
	if a := customer.get(landing); a.status != http.StatusSeeOther || a.header.Get("Location") != admin.SetupPath+"/" {
		t.Errorf("the redeeming browser opening its link again: %d %s, want 303 to the setup", a.status, a.header.Get("Location"))
	}

	other := f.anonymous(t)
	a = other.get(landing)
	if a.status != http.StatusGone || !strings.Contains(a.testid("link-problem"), "already used") || strings.Contains(a.body, `name="link"`) {
		t.Errorf("another browser opening a used link: %d %s", a.status, a.testid("link-problem"))
	}
	a = other.postForm(admin.SetupPath+"/start", url.Values{"link": {secret}})
	if a.status != http.StatusGone || other.setupToken() != "" {
		t.Errorf("redeeming a used link again: %d", a.status)
	}
	if a := other.get(admin.SetupPath + "?link=rsl_" + strings.Repeat("x", 43)); a.status != http.StatusNotFound || a.testid("link-problem") == "" {
		t.Errorf("an unknown link: %d", a.status)
	}

	_, links, err := f.svc.SetupLinks(cliCtx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeSetupLink(cliCtx, "acme", links[0].ID); err != nil {
		t.Fatal(err)
	}
	if a := customer.get(admin.SetupPath + "/"); a.status != http.StatusUnauthorized {
		t.Errorf("after the link was revoked: %d, want 401", a.status)
	}

	rows, err := f.db.Audit(cliCtx, roster.AuditQuery{Tenant: "acme", Limit: 5})
	if err != nil || rows[1].Action != "setup_link.redeem" || rows[1].Actor != "setup-link:"+links[0].ID {
		t.Errorf("audit: %v %v", rows[1], err)
	}
}

// TestSetupDirectory chooses the tenant's directory on the first setup page:
// before, the provisioning page shows Entra ID's fields and asks for the
// choice; the form saves it (audited under the link's name) and the
// provisioning page then shows Okta's fields without being told; a link
// without the scim scope has no form and cannot set it.
func TestSetupDirectory(t *testing.T) { forEachStore(t, testSetupDirectory) }

func testSetupDirectory(t *testing.T, db store) {
	f := newFixture(t, db)
	c, linkID := f.customerOf(t, "acme", roster.SetupScopeSCIM)
	const home, prov = admin.SetupPath + "/", admin.SetupPath + "/provisioning"

	a := c.get(home).want(t, http.StatusOK)
	if !strings.Contains(a.body, `data-testid="directory-form"`) || strings.Contains(a.body, " checked") {
		t.Fatalf("home page before a choice: no form, or a directory checked:\n%s", a.body)
	}
	a = c.get(prov).want(t, http.StatusOK)
	if a.testid("directory-hint") == "" || !strings.Contains(a.body, "Secret Token") || strings.Contains(a.body, "SCIM connector base URL") {
		t.Errorf("provisioning page before a choice: want Entra's fields and the hint:\n%s", a.body)
	}

	a = c.setupPost(admin.SetupPath+"/directory", url.Values{"directory": {"okta"}}).want(t, http.StatusSeeOther)
	if got := a.header.Get("Location"); got != home+"?done=directory" {
		t.Errorf("after saving: Location %q", got)
	}
	a = c.get(home+"?done=directory").want(t, http.StatusOK)
	if !strings.Contains(a.testid("flash"), "Okta provisions your people") || !strings.Contains(a.body, `value="okta" data-testid="directory-okta" checked`) ||
		a.link("idp-okta") != admin.SetupPath+"/app?idp=okta" {
		t.Errorf("home page after saving okta: flash %q\n%s", a.testid("flash"), a.body)
	}
	a = c.get(prov).want(t, http.StatusOK)
	for _, want := range []string{"SCIM connector base URL", "Unique identifier field for users", "userName", "Authentication Mode", "HTTP Header", "Okta never deletes people"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("provisioning page with okta chosen lacks %q", want)
		}
	}
	if a.testid("directory-hint") != "" || strings.Contains(a.body, "Secret Token") {
		t.Errorf("provisioning page with okta chosen still shows Entra's fields or the hint")
	}
	if tn, err := f.svc.Tenant(cliCtx, "acme"); err != nil || tn.Settings.Directory != roster.DirectoryOkta {
		t.Errorf("tenant after saving: %+v, %v", tn, err)
	}
	rows, err := f.db.Audit(cliCtx, roster.AuditQuery{Tenant: "acme", Limit: 1})
	if err != nil || len(rows) != 1 || rows[0].Action != "tenant.update" || rows[0].Actor != "setup-link:"+linkID ||
		!strings.Contains(strings.ReplaceAll(string(rows[0].After), " ", ""), `"directory":"okta"`) {
		t.Errorf("audit: %v, %v", rows, err)
	}

	// Refusals: no choice, a directory Roster does not know.
	for _, v := range []string{"", "google", "ping"} {
		a = c.setupPost(admin.SetupPath+"/directory", url.Values{"directory": {v}})
		if a.status != http.StatusUnprocessableEntity || a.testid("directory-error") == "" {
			t.Errorf("saving directory %q: %d %q, want 422 with the form's error", v, a.status, a.testid("directory-error"))
		}
	}

	// A link that may only connect sign-in: the providers' links, no form,
	// and the POST is refused, changing nothing.
	sso, _ := f.customerOf(t, "acme", roster.SetupScopeSSO)
	a = sso.get(home).want(t, http.StatusOK)
	if strings.Contains(a.body, `data-testid="directory-form"`) || a.link("idp-onelogin") != admin.SetupPath+"/app?idp=onelogin" {
		t.Errorf("home page of an sso link:\n%s", a.body)
	}
	if a := sso.setupPost(admin.SetupPath+"/directory", url.Values{"directory": {"onelogin"}}); a.status != http.StatusForbidden {
		t.Errorf("an sso link saving the directory: %d, want 403", a.status)
	}
	if tn, err := f.svc.Tenant(cliCtx, "acme"); err != nil || tn.Settings.Directory != roster.DirectoryOkta {
		t.Errorf("tenant after the sso link's refusal: %+v, %v", tn, err)
	}
}
