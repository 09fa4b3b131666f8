package console

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/browsertest"
)

// TestSignInPageBrowser opens the sign-in page in chromium with a
// certificate credential and with a SAML connection, checks each with
// axe-core, and copies the redirect URI and the certificate with their
// buttons.
func TestSignInPageBrowser(t *testing.T) {
	browsertest.Chromium(t)
	f := newFixture(t, openSQLite(t))
	dir := screenshotDir(t)
	if _, _, err := f.svc.SetOIDCSignIn(cliCtx, "acme", admin.OIDCSignIn{Issuer: "https://login.microsoftonline.com/" + testDirectory,
		ClientID: "0f7c2b1e-app", GenerateCertificate: true}); err != nil {
		t.Fatal(err)
	}
	tab := signInBrowser(t, f, adminEmail)
	browsertest.GrantClipboard(t, tab.ctx, f.srv.URL)
	tab.open(Prefix + "/tenants/acme/sign-in")
	tab.check("tenants-tenant-sign-in-certificate", dir)
	for id, want := range map[string]string{
		"redirect-uri":    f.srv.URL + "/sso/acme/oidc/callback",
		"certificate-pem": "-----BEGIN CERTIFICATE-----",
	} {
		browsertest.Do(t, tab.ctx, "copy "+id, chromedp.Click(chromedp.CSS(`button[data-copy="`+id+`"]`)))
		copied := browsertest.Run(t, tab.ctx, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
		if !strings.HasPrefix(copied, want) {
			t.Errorf("copied %q for %s, want %q…", copied, id, want)
		}
	}

	if _, _, err := f.svc.SetSAMLSignIn(cliCtx, "acme", admin.SAMLSignIn{Metadata: idpMetadata(t, "https://sts.windows.net/"+testDirectory+"/")}); err != nil {
		t.Fatal(err)
	}
	tab.open(Prefix + "/tenants/acme/sign-in")
	tab.check("tenants-tenant-sign-in-saml", dir)
}
