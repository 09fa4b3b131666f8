package console

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// TestSetupApp: a plain HTTP client reads how to create the application in
// each identity provider, the exact menus of each, Google's refusal said
// plainly; every link keeps the provider, and the next step is the first the
// link's scopes allow.
func TestSetupApp(t *testing.T) { forEachStore(t, testSetupApp) }

func testSetupApp(t *testing.T, db store) {
	f := newFixture(t, db)
	c := f.customer(t) // every scope
	tests := []struct {
		idp, name, next string
		want            []string
	}{
		{"entra", "Microsoft Entra ID", "/provisioning", []string{"https://entra.microsoft.com", "Entra ID</strong> › <strong>Enterprise apps",
			"+ New application", "+ Create your own application", "Integrate any other application you don't find in the gallery (Non-gallery)",
			"Users and groups", "not from <strong>App registrations"}},
		{"okta", "Okta", "/provisioning", []string{"Applications</strong> › <strong>Applications", "Create App Integration", "SAML 2.0",
			"App Settings", "choose <strong>SCIM", "Assignments", "/setup/sign-in?idp=okta"}},
		{"onelogin", "OneLogin", "/provisioning", []string{"Add App", "SCIM Provisioner with SAML (SCIM v2 Enterprise)", "SCIM Username", "Configuration"}},
		{"jumpcloud", "JumpCloud", "/provisioning", []string{"SSO Applications", "+ Add New Application", "Custom Application",
			"Export users to this app (Identity Management)", "Identity Management</strong> tab", "User Groups"}},
		{"google", "Google Workspace", "/sign-in", []string{"Add custom SAML app", "another identity provider that speaks SCIM"}},
		{"other", "Another SCIM client", "/provisioning", []string{"SCIM 2.0", "Authorization: Bearer", "<code>acme</code> as the user name", "<code>userName</code>", "<code>displayName</code>"}},
	}
	for _, tt := range tests {
		t.Run(tt.idp, func(t *testing.T) {
			a := c.get(admin.SetupPath+"/app?idp="+tt.idp).want(t, http.StatusOK)
			if got := a.testid("idp-name"); got != tt.name {
				t.Errorf("the page names %q, want %q", got, tt.name)
			}
			if !strings.Contains(a.body, `data-testid="app-steps"`) {
				t.Error("the page has no steps")
			}
			text := html.UnescapeString(a.body)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("the steps do not say %q", w)
				}
			}
			if got, want := a.link("next-step"), admin.SetupPath+tt.next+"?idp="+tt.idp; got != want {
				t.Errorf("next step %q, want %q", got, want)
			}
			for _, step := range []string{"/app", "/provisioning", "/attributes", "/sign-in", "/status"} {
				if !strings.Contains(a.body, `href="`+admin.SetupPath+step+`?idp=`+tt.idp+`"`) {
					t.Errorf("the steps' link to %s does not keep the identity provider", step)
				}
			}
		})
	}
	a := c.get(admin.SetupPath+"/app?idp=google").want(t, http.StatusOK)
	if got := a.testid("google-no-provisioning"); !strings.Contains(got, "cannot keep your people up to date") || !strings.Contains(got, "catalogue") {
		t.Errorf("Google's page does not say plainly that it cannot provision: %q", got)
	}
	if a := c.get(admin.SetupPath+"/app?idp=nonsense").want(t, http.StatusOK); a.testid("idp-name") != "Microsoft Entra ID" {
		t.Errorf("an unknown identity provider shows %q, want Entra ID's steps", a.testid("idp-name"))
	}

	// A link without sign-in: Okta's SAML fields take placeholders, and no
	// step links to sign-in. A link for sign-in alone goes on to it.
	scim := f.customer(t, roster.SetupScopeSCIM)
	a = scim.get(admin.SetupPath+"/app?idp=okta").want(t, http.StatusOK)
	if strings.Contains(a.body, "/sign-in") || !strings.Contains(a.body, "https://example.invalid/saml/acs") {
		t.Error("a link without sign-in: Okta's steps point to the sign-in step, or give no placeholders")
	}
	sso := f.customer(t, roster.SetupScopeSSO)
	if got := sso.get(admin.SetupPath+"/app?idp=entra").want(t, http.StatusOK).link("next-step"); got != admin.SetupPath+"/sign-in?idp=entra" {
		t.Errorf("a sign-in link's next step is %q, want the sign-in step", got)
	}
	log := f.customer(t, roster.SetupScopeLog)
	if got := log.get(admin.SetupPath+"/app?idp=google").want(t, http.StatusOK).link("next-step"); got != admin.SetupPath+"/status?idp=google" {
		t.Errorf("a log link's next step from Google is %q, want the status", got)
	}
}
