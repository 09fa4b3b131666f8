package console

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/internal/browsertest"
)

// TestAccessBrowser creates a key of the write scope on the App access page
// in chromium, with the form as the page serves it, and checks the key is
// shown once with its scope, listed as read and write, and the page stays
// clean under axe-core.
func TestAccessBrowser(t *testing.T) {
	browsertest.Chromium(t)
	f := newFixture(t, openSQLite(t))
	tab := signInBrowser(t, f, adminEmail)
	tab.open(Prefix + "/access")
	browsertest.Do(t, tab.ctx, "create a write key",
		chromedp.SendKeys(chromedp.ID("key-name"), "billing"),
		chromedp.SendKeys(chromedp.ID("key-tenant"), "acme"),
		chromedp.Click(chromedp.ID("key-scope-write")),
		chromedp.Click(chromedp.CSS(`form[action$="/access/keys"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-api-key"]`)),
	)
	read := func(css string) string {
		return strings.TrimSpace(browsertest.Run(t, tab.ctx, "read "+css, chromedp.Text(chromedp.CSS(css))))
	}
	said := read(`[data-testid="new-api-key-scope"]`)
	secret := read(`[data-testid="new-api-key"]`)
	scope := read(`[data-testid="api-key-row"] [data-testid="api-key-scope"]`)
	if !strings.Contains(said, "reads and writes") || !strings.Contains(said, "tenant acme") {
		t.Errorf("the page said %q, want a key that reads and writes tenant acme", said)
	}
	if scope != "read and write" {
		t.Errorf("the key's scope in the list = %q, want read and write", scope)
	}
	if secret == "" {
		t.Error("the new key's secret is not shown")
	}
	browsertest.Axe(t, tab.ctx, "access after a key was created")
}
