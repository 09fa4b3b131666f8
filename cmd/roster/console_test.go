package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

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
// copy the token, connect with it; a policy with an error is refused at the
// field, then a valid one is checked and saved, and applies; a disabled
// tenant's SCIM requests get the documented refusal; a viewer's forms are refused.
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
		// The button says so once the clipboard holds the token.
		chromedp.WaitVisible(chromedp.CSS(`button[data-copy="secret-token"][data-copied]`)),
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
	fabrikam.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ADA@fabrikam.com","active":true}`).want(t, http.StatusConflict)

	// The requests are in the tenant's provisioning log, the refused one with
	// its explanation. The log is written in batches: the page is read again
	// until the three rows are there.
	deadline := time.Now().Add(15 * time.Second)
	for {
		browsertest.Do(t, c.ctx, "open the log", chromedp.Navigate(c.base+"/console/tenants/fabrikam/log"), chromedp.WaitVisible(chromedp.ID("main")))
		n := browsertest.Run(t, c.ctx, "count the log's rows", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="log-row"]').length`))
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log page shows %d rows, want the Test Connection, the create and the refusal", n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := c.text("log-status"); got != "409" {
		t.Errorf("the newest row's status %q, want 409", got)
	}
	browsertest.Do(t, c.ctx, "open the refused request",
		chromedp.Click(chromedp.CSS(`[data-testid="log-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="log-explanation"]`)))
	if got := c.text("log-reason"); got != "username_taken" {
		t.Errorf("the refused request's reason %q, want username_taken", got)
	}
	if got := c.text("log-explanation"); !strings.Contains(got, "already has this userName") {
		t.Errorf("the refused request's explanation %q", got)
	}

	// The tenant's policy: a document with an error is refused at the field;
	// a valid one is checked against the user just created, then saved.
	browsertest.Do(t, c.ctx, "check a policy with an error",
		chromedp.Navigate(c.base+"/console/tenants/fabrikam/policy"),
		chromedp.WaitVisible(chromedp.ID("doc")),
		chromedp.SetValue(chromedp.ID("doc"), `{"format": 1, "roles": [{"value": "Admin", "effect": "licence"}]}`),
		chromedp.Click(chromedp.CSS(`button[formaction*="/policy/preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="policy-error"]`)),
	)
	if got := c.text("policy-error"); !strings.Contains(got, "roles[0].effect") {
		t.Errorf("the policy's error says %q, want its path", got)
	}
	field := browsertest.Run(t, c.ctx, "read the document's field", chromedp.Evaluate[[]string](`(() => {
		const d = document.getElementById("doc");
		return [d.getAttribute("aria-invalid"), d.getAttribute("aria-describedby"), d.value];
	})()`))
	if field[0] != "true" || !strings.Contains(field[1], "doc-errors") || !strings.Contains(field[2], "licence") {
		t.Errorf("the document's field after the error: %q", field)
	}
	before := c.text("policy-version")
	browsertest.Do(t, c.ctx, "check a valid policy, then save it",
		chromedp.SetValue(chromedp.ID("doc"), `{"format": 1, "roles": [{"value": "Admin", "effect": "accessRole"}], "unknownAttributes": "ignore"}`),
		chromedp.Click(chromedp.CSS(`button[formaction*="/policy/preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="policy-impact"]`)),
	)
	if got := c.text("impact-users"); got != "1" {
		t.Errorf("the dry run looked at %q users, want 1", got)
	}
	if got := c.text("policy-version"); got != before {
		t.Errorf("a dry run changed the version from %s to %s", before, got)
	}
	browsertest.Do(t, c.ctx, "save the policy",
		chromedp.Click(chromedp.CSS(`form[action$="/policy"] button:not([formaction])`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	if got := c.text("policy-version"); before != "0" || got != "1" {
		t.Errorf("saving the policy: version %s, then %s; want 0, then 1", before, got)
	}
	fabrikam.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bo@fabrikam.com","shoeSize":42}`).want(t, http.StatusCreated)

	browsertest.Do(t, c.ctx, "disable the tenant",
		chromedp.Navigate(c.base+"/console/tenants/fabrikam"),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/disable"]`)),
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
