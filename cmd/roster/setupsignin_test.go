package main

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/rosterhq/roster/internal/browsertest"
)

// setupClient is the browser of a customer's IT admin on the setup pages:
// it keeps cookies and follows redirects, as a browser does.
type setupClient struct {
	client *http.Client
	base   string // Roster's public URL
}

// newSetupClient redeems a new setup link to the default tenant with scopes,
// made with roster setup-link create, as the customer does.
func newSetupClient(t *testing.T, s *testServer, env map[string]string, scopes string) *setupClient {
	t.Helper()
	link := strings.TrimSpace(cliEnv(t, s, env, "setup-link", "create", "--tenant", "default", "--scope", scopes))
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &setupClient{client: &http.Client{Jar: jar, Timeout: 10 * time.Second}, base: u.Scheme + "://" + u.Host}
	if page, at := c.send(t, "POST", "/setup/start", url.Values{"link": {u.Query().Get("link")}}); at != "/setup/" {
		t.Fatalf("redeeming the setup link ended at %s:\n%s", at, page)
	}
	return c
}

// send requests path (a form when form is not nil), following redirects,
// and returns the last page and its path.
func (c *setupClient) send(t *testing.T, method, path string, form url.Values) (string, string) {
	t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = c.base + path
	}
	req, err := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s ended with %d at %s:\n%s", method, path, resp.StatusCode, resp.Request.URL, b)
	}
	return string(b), resp.Request.URL.Path
}

// testLink returns the address of the sign-in step's test button.
func testLink(t *testing.T, step string) string {
	t.Helper()
	before, _, ok := strings.Cut(step, `data-testid="test-signin"`)
	i := strings.LastIndex(before, `href="`)
	if !ok || i < 0 {
		t.Fatalf("the sign-in step has no test button:\n%s", step)
	}
	href, _, _ := strings.Cut(before[i+len(`href="`):], `"`)
	return html.UnescapeString(href)
}

// testSignIn presses the sign-in step's test button, follows the sign-in
// through the IdP and back, and returns the page it comes back to.
func (c *setupClient) testSignIn(t *testing.T) string {
	t.Helper()
	step, _ := c.send(t, "GET", "/setup/sign-in?idp=entra", nil)
	page, at := c.send(t, "GET", testLink(t, step), nil)
	if at != "/setup/sign-in/test" {
		t.Fatalf("the test sign-in ended at %s:\n%s", at, page)
	}
	return page
}

// TestSetupTestSignIn: the customer's IT admin, on the setup pages, tests
// sign-in through the fake Entra ID with their own account: before they are
// provisioned the page says no user matched and why; once they are, which
// user and how. The test links no account (a real sign-in from another
// subject still goes through), its outcome is shown once, and each test is
// a row of the provisioning log.
func TestSetupTestSignIn(t *testing.T) { forEachStore(t, testSetupTestSignIn) }

func testSetupTestSignIn(t *testing.T, db string) {
	setup := startSignIn(t, db)
	s, env, issuer, entra := setup.s, setup.env, setup.issuer, setup.entra
	ada := entraAccount{sub: "sub-of-the-test", oid: "ext-ada@contoso.com", upn: "ADA@contoso.com", email: "ada@contoso.com", name: "Ada Lovelace"}
	entra.setAccount(ada)
	c := newSetupClient(t, s, env, "sso")

	page := c.testSignIn(t)
	for id, want := range map[string]string{
		"test-issuer":  entra.issuer(),
		"test-subject": ada.sub,
		"test-email":   ada.email,
		"test-name":    ada.name,
		"test-outcome": "No user was matched: the sign-in would be refused.",
	} {
		if got := testidText(page, id); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if r := html.UnescapeString(testidText(page, "test-refusal")); !strings.Contains(r, `externalId "ext-ada@contoso.com"`) || testidText(page, "test-advice") == "" {
		t.Errorf("why none matched: %q", r)
	}
	if !strings.Contains(page, "<code>preferred_username</code>") || !strings.Contains(page, "ADA@contoso.com") {
		t.Error("the claims received are not listed")
	}
	if again, _ := c.send(t, "GET", "/setup/sign-in/test", nil); testidText(again, "test-none") == "" {
		t.Error("the outcome is shown twice")
	}

	// Once provisioned, the account matches Ada.
	adaID := str(s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201).body, "id")
	page = c.testSignIn(t)
	if !strings.HasPrefix(testidText(page, "test-outcome"), "Sign-in works") || testidText(page, "test-user") != "ada@contoso.com" ||
		!strings.Contains(testidText(page, "test-matched-by"), "externalId") || testidText(page, "test-refusal") != "" {
		t.Errorf("after provisioning: %q, user %q, matched by %q", testidText(page, "test-outcome"), testidText(page, "test-user"), testidText(page, "test-matched-by"))
	}

	// The test linked nothing: Ada's first real sign-in, from another
	// subject, goes through and links that one.
	out := cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	app := newHostApp(t, issuer, lastValue(t, out, "client_id"), lastValue(t, out, "client_secret"), "http://127.0.0.1:1/cb")
	ada.sub = "sub-of-the-real-sign-in"
	entra.setAccount(ada)
	pkce := oauth2.GenerateVerifier()
	q := app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-1", "tenant", "default")
	if q.Get("code") == "" {
		t.Fatalf("Ada's sign-in after the tests was refused: %v", q)
	}
	_, idt, _ := app.redeem(context.Background(), t, q.Get("code"), pkce)
	if idt.Subject != adaID {
		t.Errorf("signed in as %s, want %s", idt.Subject, adaID)
	}

	rows := s.logRows(t, 2, "--tenant", "default", "--action", "sign-in-test")
	var reasons []string
	for _, r := range rows {
		reasons = append(reasons, r["reason"].(string))
	}
	if got := strings.Join(reasons, " "); got != "signin_test_ok signin_no_user" {
		t.Errorf("sign-in-test rows, newest first: %s", got)
	}
}

// TestSetupTestSignInSAML tests sign-in through a SAML IdP from the setup
// pages: the assertion's NameID and attributes are shown, and the user
// they match.
func TestSetupTestSignInSAML(t *testing.T) {
	st := startSAMLSignIn(t, sqliteDB(t))
	st.s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	st.idp.setPerson("ada@contoso.com", "ext-ada@contoso.com")
	c := newSetupClient(t, st.s, st.env, "sso,scim")

	// The client stops at the IdP's page, whose form a browser posts by itself.
	c.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	step, _ := c.send(t, "GET", "/setup/sign-in?idp=entra", nil)
	b := &browser{client: c.client}
	toIdP := b.hop(t, testLink(t, step), st.idp.srv.URL+"/sso?")
	action, response := samlForm(t, c.client, toIdP.String())
	c.client.CheckRedirect = nil
	page, at := c.send(t, "POST", action, url.Values{"SAMLResponse": {response}})
	if at != "/setup/sign-in/test" || !strings.HasPrefix(testidText(page, "test-outcome"), "Sign-in works") || testidText(page, "test-user") != "ada@contoso.com" {
		t.Fatalf("the SAML test ended at %s: %q, user %q\n%s", at, testidText(page, "test-outcome"), testidText(page, "test-user"), page)
	}
	if testidText(page, "test-issuer") != st.idp.srv.URL+"/metadata" || !strings.Contains(page, "<code>NameID</code>") ||
		!strings.Contains(page, "http://schemas.microsoft.com/identity/claims/objectidentifier") {
		t.Errorf("the assertion is not shown: issuer %q", testidText(page, "test-issuer"))
	}
}

// TestSetupTestSignInBrowser runs the customer's test sign-in in chromium:
// the setup link opened and started, the test button pressed, the fake
// Entra ID's redirects followed by the browser itself, and the outcome's
// page checked with axe-core.
func TestSetupTestSignInBrowser(t *testing.T) {
	browsertest.Chromium(t)
	setup := startSignIn(t, sqliteDB(t))
	s, env, issuer, entra := setup.s, setup.env, setup.issuer, setup.entra
	s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	entra.setAccount(entraAccount{sub: "sub-ada", oid: "ext-ada@contoso.com", upn: "ada@contoso.com", email: "ada@contoso.com", name: "Ada Lovelace"})
	link := strings.TrimSpace(cliEnv(t, s, env, "setup-link", "create", "--tenant", "default", "--scope", "sso"))

	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, "start the setup and test sign-in",
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`[data-testid="start-setup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="idps"]`)),
		chromedp.Navigate(issuer+"/setup/sign-in?idp=entra"),
		chromedp.Click(chromedp.CSS(`[data-testid="test-signin"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="test-outcome"]`)),
	)
	outcome := browsertest.Run(t, ctx, "read the outcome", chromedp.Text(chromedp.CSS(`[data-testid="test-outcome"]`)))
	user := browsertest.Run(t, ctx, "read the user", chromedp.Text(chromedp.CSS(`[data-testid="test-user"]`)))
	if !strings.HasPrefix(outcome, "Sign-in works") || user != "ada@contoso.com" {
		t.Errorf("outcome %q, user %q", outcome, user)
	}
	browsertest.Axe(t, ctx, "setup-sign-in-test")
}
