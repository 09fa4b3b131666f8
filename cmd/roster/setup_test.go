package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/internal/browsertest"
)

// setupTab is a chromium tab of a customer's IT admin on the setup pages.
type setupTab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// text returns the text of the element whose data-testid is id.
func (c *setupTab) text(id string) string {
	c.t.Helper()
	return strings.TrimSpace(browsertest.Run(c.t, c.ctx, "read "+id, chromedp.Text(chromedp.CSS(`[data-testid="`+id+`"]`))))
}

// waitText waits until the element whose data-testid is id says want (the
// page refreshes it by itself), failing after within.
func (c *setupTab) waitText(id, want string, within time.Duration) time.Duration {
	c.t.Helper()
	start := time.Now()
	for {
		got := c.text(id)
		if strings.HasPrefix(got, want) {
			return time.Since(start)
		}
		if time.Since(start) > within {
			c.t.Fatalf("%s says %q after %s, want %q", id, got, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSetupFlow runs a customer's setup as it happens, in chromium, against
// "roster serve" on both stores: the operator makes a setup link in the
// console; the customer's IT admin redeems it, copies the Tenant URL and a
// token; Entra's Test Connection with them turns the page connected by
// itself; a bad token is explained; a second token keeps the first working
// until it is revoked; sign-in is connected to the (fake) Entra ID and Test
// sign-in shows the matched user; the link cannot be redeemed again; another
// tenant's ids answer 404.
func TestSetupFlow(t *testing.T) { forEachStore(t, testSetupFlow) }

func testSetupFlow(t *testing.T, db string) {
	browsertest.Chromium(t)
	setup := startSignInEnv(t, db, map[string]string{"ROSTER_TOKEN_CACHE": "0s"})
	s, env, entra := setup.s, setup.env, setup.entra
	// A new customer, Fabrikam, whose IT admin connects its Entra ID.
	cliEnv(t, s, env, "tenant", "create", "fabrikam", "--display-name", "Fabrikam, Inc.")
	entra.redirect = strings.TrimSuffix(s.base, "/scim/v2") + "/sso/fabrikam/oidc/callback"
	entra.setAccount(entraAccount{sub: "sub-ada", oid: "ext-ada@fabrikam.com", upn: "ada@fabrikam.com", email: "ada@fabrikam.com", name: "Ada Lovelace"})
	// Another tenant, whose ids the customer's session must not reach.
	cliEnv(t, s, env, "tenant", "create", "globex")
	globexToken := strings.TrimSpace(cliEnv(t, s, env, "token", "create", "--tenant", "globex"))
	globexTokenID := strings.Fields(strings.Split(cliEnv(t, s, env, "token", "list", "--tenant", "globex"), "\n")[1])[0]

	// The operator makes the link in the console.
	const password = "correct horse battery"
	withStdin(t, password+"\n", func() { s.cli(t, "operator", "create", "--email", "ada@example.com", "--role", "admin") })
	op := openConsole(t, s, "ada@example.com", password)
	browsertest.Do(t, op.ctx, "create a setup link",
		chromedp.Navigate(op.base+"/console/tenants/fabrikam"),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/setup-links"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/setup-links"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="setup-url"]`)),
	)
	link := op.text("setup-url")
	if !strings.HasPrefix(link, op.base+"/setup?link=rsl_") {
		t.Fatalf("the console's setup link %q", link)
	}

	// The customer's IT admin redeems it and copies the Tenant URL and a token.
	c := &setupTab{t: t, ctx: browsertest.New(t), base: op.base}
	browsertest.GrantClipboard(t, c.ctx, c.base)
	browsertest.Do(t, c.ctx, "redeem the link, open the provisioning step",
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`[data-testid="start-setup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="idps"]`)),
		chromedp.Navigate(c.base+"/setup/provisioning?idp=entra"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="tenant-url"]`)),
		chromedp.Click(chromedp.CSS(`button[data-copy="tenant-url"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-copy="tenant-url"][data-copied]`)),
	)
	tenantURL := browsertest.Run(t, c.ctx, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if tenantURL != s.base {
		t.Fatalf("copied Tenant URL %q, want %q", tenantURL, s.base)
	}
	if got := c.text("connection-status"); !strings.HasPrefix(got, "waiting") {
		t.Errorf("before any request the status is %q, want waiting", got)
	}
	browsertest.Do(t, c.ctx, "create a token and copy it",
		chromedp.Click(chromedp.CSS(`[data-testid="create-token"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="secret-token"]`)),
		chromedp.Click(chromedp.CSS(`button[data-copy="secret-token"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-copy="secret-token"][data-copied]`)),
	)
	first := browsertest.Run(t, c.ctx, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(first, "rst_") || first != c.text("secret-token") {
		t.Fatalf("copied token %q", first)
	}

	// Entra's Test Connection with what was copied: the page turns
	// connected by itself.
	browsertest.Do(t, c.ctx, "open the step again", chromedp.Navigate(c.base+"/setup/provisioning?idp=entra"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="connection-status"]`)))
	entraClient := &testServer{base: tenantURL, db: s.db, token: first}
	entraClient.do(t, "GET", "/Users?filter="+q(`userName eq "0a3e5d71-28c4-4f5e-9b1a-7c2d3e4f5a6b"`), "").want(t, http.StatusOK)
	took := c.waitText("connection-status", "connected", 10*time.Second)
	t.Logf("the page said connected %s after Test Connection", took.Round(10*time.Millisecond))
	entraClient.do(t, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@fabrikam.com","externalId":"ext-ada@fabrikam.com","active":true}`).want(t, http.StatusCreated)

	// A request with a wrong token (a revoked one of the tenant's) is
	// explained on the page.
	browsertest.Do(t, c.ctx, "create a second token",
		chromedp.Click(chromedp.CSS(`[data-testid="create-token"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="secret-token"]`)))
	second := c.text("secret-token")
	entraClient.do(t, "GET", "/Users", "").want(t, http.StatusOK) // the first still works
	(&testServer{base: tenantURL, db: s.db, token: second}).do(t, "GET", "/Users", "").want(t, http.StatusOK)
	browsertest.Do(t, c.ctx, "revoke the first token",
		chromedp.Navigate(c.base+"/setup/provisioning?idp=entra"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="token-row"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="token-row"]:last-of-type button`)))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		revoked := browsertest.Run(t, c.ctx, "read the tokens' status", chromedp.Evaluate[bool](
			`[...document.querySelectorAll('[data-testid="token-status"]')].some(e => e.textContent.trim().startsWith("revoked"))`))
		if revoked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the page never showed the first token revoked")
		}
	}
	entraClient.do(t, "GET", "/Users", "").want(t, http.StatusUnauthorized)
	c.waitText("connection-status", "refused", 10*time.Second)
	if got := c.text("connection-explanation"); !strings.Contains(strings.ToLower(got), "revoked") {
		t.Errorf("the refusal is explained as %q", got)
	}
	(&testServer{base: tenantURL, db: s.db, token: second}).do(t, "GET", "/Users", "").want(t, http.StatusOK)

	// Sign-in, connected to the tenant's Entra ID from the page, and tested
	// with the admin's own account.
	browsertest.Do(t, c.ctx, "connect sign-in",
		chromedp.Navigate(c.base+"/setup/sign-in?idp=other"),
		chromedp.WaitVisible(chromedp.ID("issuer")),
		chromedp.SetValue(chromedp.ID("issuer"), entra.issuer()),
		chromedp.SetValue(chromedp.ID("client_id"), entra.clientID),
		chromedp.SetValue(chromedp.ID("client_secret"), entra.secret),
		chromedp.Click(chromedp.CSS(`[data-testid="save-oidc"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="signin-connection"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="test-signin"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="test-outcome"]`)),
	)
	if outcome, user := c.text("test-outcome"), c.text("test-user"); !strings.HasPrefix(outcome, "Sign-in works") || user != "ada@fabrikam.com" {
		t.Errorf("test sign-in: %q, user %q", outcome, user)
	}

	// The link works once; the session reaches its own tenant only.
	other := &setupTab{t: t, ctx: browsertest.New(t), base: c.base}
	browsertest.Do(t, other.ctx, "open the link elsewhere", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`[data-testid="link-problem"]`)))
	if got := other.text("link-problem"); !strings.Contains(got, "already used") {
		t.Errorf("the link opened again elsewhere says %q", got)
	}
	globex := &testServer{base: tenantURL, db: s.db, token: globexToken}
	globex.do(t, "GET", "/Users", "").want(t, http.StatusOK)
	globexRow := fmt.Sprint(s.logRows(t, 1, "--tenant", "globex")[0]["id"])
	browsertest.Do(t, c.ctx, "back to a page with forms", chromedp.Navigate(c.base+"/setup/provisioning?idp=entra"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="connection-status"]`)))
	statuses := browsertest.Run(t, c.ctx, "reach another tenant's ids", chromedp.Evaluate[[]int](`(async () => {
		const csrf = document.querySelector('main input[name=csrf]').value;
		const get = (p) => fetch(p, {redirect: 'manual'}).then(r => r.status);
		const post = (p) => fetch(p, {method: 'POST', body: new URLSearchParams({csrf}), redirect: 'manual'}).then(r => r.status);
		return [await post('/setup/tokens/`+globexTokenID+`/revoke'), await get('/setup/status/log/`+globexRow+`')];
	})()`, chromedp.EvalAwaitPromise))
	if statuses[0] != http.StatusNotFound || statuses[1] != http.StatusNotFound {
		t.Errorf("another tenant's token revoked, log row read through the setup session: %v, want 404 and 404", statuses)
	}
	globex.do(t, "GET", "/Users", "").want(t, http.StatusOK)
}
