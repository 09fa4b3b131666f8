package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/internal/browsertest"
)

// consoleTab is a chromium tab signed in to a running server's console.
type consoleTab struct {
	t    *testing.T
	ctx  context.Context
	base string // the server's URL, without /scim/v2
}

// openConsole signs in to the console of s as email, typing into its form.
func openConsole(t *testing.T, s *testServer, email, password string) *consoleTab {
	t.Helper()
	c := &consoleTab{t: t, ctx: browsertest.New(t), base: strings.TrimSuffix(s.base, "/scim/v2")}
	browsertest.GrantClipboard(t, c.ctx, c.base)
	browsertest.Do(t, c.ctx, "sign in to the console as "+email,
		chromedp.Navigate(c.base+"/console/"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="operator"]`)),
	)
	return c
}

// text returns the text of the element whose data-testid is id.
func (c *consoleTab) text(id string) string {
	c.t.Helper()
	return strings.TrimSpace(browsertest.Run(c.t, c.ctx, "read "+id, chromedp.Text(chromedp.CSS(`[data-testid="`+id+`"]`))))
}

// TestConsoleBrowser runs the console as an operator meets it, in chromium,
// against "roster serve" on both stores: sign in, create a tenant and a token,
// copy the token, connect with it; a disabled tenant's SCIM requests get the
// documented refusal; a viewer's forms are refused.
func TestConsoleBrowser(t *testing.T) { forEachStore(t, testConsoleBrowser) }

func testConsoleBrowser(t *testing.T, db string) {
	browsertest.Chromium(t)
	s := startServerEnv(t, db, map[string]string{"ROSTER_POLICY_REFRESH": "0s", "ROSTER_TOKEN_CACHE": "0s"})
	const password = "correct horse battery"
	withStdin(t, password+"\n", func() { s.cli(t, "operator", "create", "--email", "ada@example.com", "--role", "admin") })
	withStdin(t, password+"\n", func() { s.cli(t, "operator", "create", "--email", "vic@example.com", "--role", "viewer") })

	c := openConsole(t, s, "ada@example.com", password)
	browsertest.Do(t, c.ctx, "create tenant fabrikam",
		chromedp.SendKeys(chromedp.ID("name"), "fabrikam"),
		chromedp.SendKeys(chromedp.ID("display_name"), "Fabrikam, Inc."),
		chromedp.Click(chromedp.CSS(`form[action="/console/tenants"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="tenant-url"]`)),
	)
	if got := c.text("tenant-url"); got != s.base {
		t.Errorf("Tenant URL %q, want %q", got, s.base)
	}
	browsertest.Do(t, c.ctx, "create a token",
		chromedp.SendKeys(chromedp.ID("token-name"), "Entra production"),
		chromedp.Click(chromedp.CSS(`form[action$="/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="secret-token"]`)),
		chromedp.Click(chromedp.CSS(`button[data-copy="secret-token"]`)),
	)
	secret := c.text("secret-token")
	copied := browsertest.Run(t, c.ctx, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if copied != secret || !strings.HasPrefix(secret, "rst_") {
		t.Fatalf("copied %q; the page shows %q", copied, secret)
	}

	// Entra's Test Connection, with the token copied from the console.
	fabrikam := &testServer{base: s.base, db: s.db, token: copied}
	fabrikam.do(t, "GET", `/Users?filter=userName+eq+"`+"0c5d7e3a-test"+`"`, "").want(t, http.StatusOK)
	fabrikam.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@fabrikam.com","active":true}`).want(t, http.StatusCreated)

	browsertest.Do(t, c.ctx, "disable the tenant",
		chromedp.Click(chromedp.CSS(`form[action$="/disable"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/enable"]`)),
	)
	if got := c.text("tenant-state"); got != "disabled" {
		t.Errorf("tenant state after disable: %q", got)
	}
	r := fabrikam.do(t, "GET", "/Users", "").want(t, http.StatusForbidden)
	if !strings.Contains(str(r.body, "detail"), "disabled by the operator") {
		t.Errorf("a disabled tenant's SCIM request: %s", r.raw)
	}

	// A viewer sees no form, and a form sent anyway is refused.
	v := openConsole(t, s, "vic@example.com", password)
	browsertest.Do(t, v.ctx, "open the tenant as a viewer", chromedp.Navigate(v.base+"/console/tenants/fabrikam"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="tenant-url"]`)))
	forms := browsertest.Run(t, v.ctx, "count forms", chromedp.Evaluate[int](`document.querySelectorAll("main form").length`))
	if forms != 0 {
		t.Errorf("a viewer is shown %d forms", forms)
	}
	status := browsertest.Run(t, v.ctx, "post as a viewer", chromedp.Evaluate[int](`(async () => {
		const csrf = document.querySelector('header input[name=csrf]').value;
		const r = await fetch('/console/tenants/fabrikam/enable', {method: 'POST', body: new URLSearchParams({csrf}), redirect: 'manual'});
		return r.status;
	})()`, chromedp.EvalAwaitPromise))
	if status != http.StatusForbidden {
		t.Errorf("a viewer's enable: %d, want 403", status)
	}
	fabrikam.do(t, "GET", "/Users", "").want(t, http.StatusForbidden)
}
