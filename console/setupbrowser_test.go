package console

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/browsertest"
)

// TestSetupProvisioningBrowser takes the provisioning step in chromium: a
// token created with the page's form, then Entra's Test Connection with it;
// the page, open all along, turns from waiting to connected by itself
// (console.js reading status.json), and axe-core finds no serious violation
// in either state.
func TestSetupProvisioningBrowser(t *testing.T) {
	browsertest.Chromium(t)
	db := openSQLite(t)
	f := newFixture(t, db)
	if _, err := f.svc.CreateTenant(cliCtx, "globex", "Globex"); err != nil {
		t.Fatal(err)
	}
	scim := startSCIM(t, db)
	secret, _, err := f.svc.CreateSetupLink(cliCtx, "globex", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	tab := &browserTab{t: t, f: f, ctx: browsertest.New(t)}
	tab.open(admin.SetupPath + "?link=" + url.QueryEscape(secret))
	browsertest.Do(t, tab.ctx, "start the setup",
		chromedp.Click(chromedp.CSS(`[data-testid="start-setup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="idps"]`)))
	tab.open(admin.SetupPath + "/provisioning?idp=entra")
	browsertest.Do(t, tab.ctx, "create a token",
		chromedp.Click(chromedp.CSS(`[data-testid="create-token"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="secret-token"]`)))
	token := browsertest.Run(t, tab.ctx, "read the token", chromedp.Text(chromedp.CSS(`[data-testid="secret-token"]`)))
	status := `document.querySelector('[data-testid="connection-status"]')`
	if got := browsertest.Run(t, tab.ctx, "read the status", chromedp.Evaluate[string](status+`.textContent`)); got != "waiting" {
		t.Fatalf("status %q, want waiting", got)
	}
	browsertest.Axe(t, tab.ctx, "setup provisioning, waiting")

	test, guid := testConnection()
	if got := scim.send("GET", test, "Bearer "+token); got != 200 {
		t.Fatalf("Test Connection: %d", got)
	}
	browsertest.Do(t, tab.ctx, "see connected without reloading",
		chromedp.Poll[chromedp.Void](status+`.textContent === "connected" && `+status+`.classList.contains("ok")`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	detail := browsertest.Run(t, tab.ctx, "read the detail", chromedp.Text(chromedp.CSS(`[data-testid="connection-detail"]`)))
	if !strings.Contains(detail, guid) {
		t.Errorf("detail %q lacks the request's GUID %s", detail, guid)
	}
	// The secret shown once is still on the page that was not reloaded.
	if got := browsertest.Run(t, tab.ctx, "read the token again", chromedp.Text(chromedp.CSS(`[data-testid="secret-token"]`))); got != token {
		t.Errorf("the live refresh changed the shown token: %q", got)
	}
	browsertest.Axe(t, tab.ctx, "setup provisioning, connected")
}

// TestSetupDirectoryBrowser chooses the directory on the first setup page
// in chromium, by its label, and saves it: the page says so, and the
// provisioning step shows Okta's fields. axe-core checks the page with the
// form's refusal, and with the choice saved.
func TestSetupDirectoryBrowser(t *testing.T) {
	browsertest.Chromium(t)
	f := newFixture(t, openSQLite(t))
	tab := &browserTab{t: t, f: f, ctx: browsertest.New(t)}
	tab.open(admin.SetupPath + "?link=" + url.QueryEscape(f.setupLink(t)))
	browsertest.Do(t, tab.ctx, "start the setup, save without a choice",
		chromedp.Click(chromedp.CSS(`[data-testid="start-setup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="idps"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="save-directory"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="directory-error"]`)))
	browsertest.Axe(t, tab.ctx, "setup home, refused")
	browsertest.Do(t, tab.ctx, "choose Okta and save",
		chromedp.Click(chromedp.CSS(`label[for="directory-okta"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="save-directory"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)))
	if got := browsertest.Run(t, tab.ctx, "read the flash", chromedp.Text(chromedp.CSS(`[data-testid="flash"]`))); !strings.Contains(got, "Okta provisions your people") {
		t.Errorf("flash %q", got)
	}
	browsertest.Axe(t, tab.ctx, "setup home, saved")
	browsertest.Do(t, tab.ctx, "go on to provisioning",
		chromedp.Click(chromedp.CSS(`nav.steps a[href^="/setup/provisioning"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="tenant-url"]`)))
	body := browsertest.Run(t, tab.ctx, "read the page", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(body, "SCIM connector base URL") || !strings.Contains(body, "Authentication Mode") || strings.Contains(body, "Secret Token") {
		t.Errorf("provisioning page after choosing Okta:\n%s", body)
	}
}
