package console

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/internal/browsertest"
)

// TestPolicyBrowser edits a policy in chromium and checks each answer with
// axe-core: a document with an error, its impact checked, a user tried, and
// a refused rollback; their screenshots are the documentation's with -screenshots.
func TestPolicyBrowser(t *testing.T) {
	browsertest.Chromium(t)
	f := newFixture(t, openSQLite(t))
	policyUser(t, f, "ann@acme.example", "Admin", true)
	dir := screenshotDir(t)
	tab := signInBrowser(t, f, adminEmail)
	tab.open(Prefix + "/tenants/acme/policy")

	browsertest.Do(t, tab.ctx, "check a document with an error",
		chromedp.SetValue(chromedp.ID("doc"), `{"format":1,"roles":[{"value":"x","effect":"licence"}]}`),
		chromedp.Click(chromedp.CSS(`button[formaction*="/policy/preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="policy-error"]`)),
	)
	invalid := browsertest.Run(t, tab.ctx, "read the field's state", chromedp.Evaluate[string](`document.getElementById("doc").getAttribute("aria-invalid")`))
	if invalid != "true" {
		t.Errorf("the document's field after an error: aria-invalid %q", invalid)
	}
	tab.check("tenants-tenant-policy-error", dir)

	browsertest.Do(t, tab.ctx, "check a valid document and try it on ada",
		chromedp.SetValue(chromedp.ID("doc"), `{"format":1,"roles":[{"value":"Admin","effect":"accessRole"},{"value":"standard_license","effect":"license","grant":"standard"}]}`),
		chromedp.Click(chromedp.CSS(`button[formaction*="/policy/preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="policy-impact"]`)),
		chromedp.SendKeys(chromedp.ID("ref"), "ann@acme.example"),
		chromedp.Click(chromedp.CSS(`button[formaction*="/policy/try"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="trial"]`)),
	)
	tab.check("tenants-tenant-policy-try", dir)

	tab.open(Prefix + "/tenants/acme/policy/versions/1")
	browsertest.Do(t, tab.ctx, "roll back without confirming",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("confirm").removeAttribute("required")`),
		chromedp.Click(chromedp.CSS(`form[action$="/rollback"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="rollback-error"]`)),
	)
	tab.check("tenants-tenant-policy-versions-version-refused", dir)
}
