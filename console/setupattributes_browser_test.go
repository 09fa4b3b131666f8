package console

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/browsertest"
	"github.com/rosterhq/roster/policy"
)

// TestSetupAttributesBrowser runs the dry run of the attributes page in
// chromium, under the example policy, and checks each answer with axe-core:
// the sample tried, and a document that is not JSON.
func TestSetupAttributesBrowser(t *testing.T) {
	browsertest.Chromium(t)
	f := newFixture(t, openSQLite(t))
	if _, err := f.svc.SetPolicy(cliCtx, "acme", policy.Example(), admin.PolicySet{}); err != nil {
		t.Fatal(err)
	}
	dir := screenshotDir(t)
	tab := &browserTab{t: t, f: f, ctx: browsertest.New(t)}
	tab.open(admin.SetupPath + "?link=" + url.QueryEscape(f.setupLink(t)))
	browsertest.Do(t, tab.ctx, "start the setup",
		chromedp.Click(chromedp.CSS(`[data-testid="start-setup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="idps"]`)))

	tab.open(admin.SetupPath + "/attributes?idp=entra")
	browsertest.Do(t, tab.ctx, "try the sample",
		chromedp.Click(chromedp.CSS(`[data-testid="try-user"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="trial"]`)))
	tab.check("setup-attributes-try", dir)

	browsertest.Do(t, tab.ctx, "try a document that is not JSON",
		chromedp.SetValue(chromedp.ID("user"), "{userName: ada}"),
		chromedp.Click(chromedp.CSS(`[data-testid="try-user"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="user-error"]`)))
	invalid := browsertest.Run(t, tab.ctx, "read the field's state", chromedp.Evaluate[string](`document.getElementById("user").getAttribute("aria-invalid")`))
	if invalid != "true" {
		t.Errorf("the document's field after an error: aria-invalid %q", invalid)
	}
	tab.check("setup-attributes-error", dir)
}
