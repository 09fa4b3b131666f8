package console

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/sso"
)

func TestSetupSignIn(t *testing.T) { forEachStore(t, testSetupSignIn) }

// testSetupSignIn walks the customer's sign-in step as a plain HTTP client:
// the values to paste, on the server's public URL; Entra ID connected by its
// directory's id with a secret, then a certificate to download; another IdP
// by its issuer; SAML from the metadata pasted; refused forms keeping what
// was typed but a secret. Each change is one audit row by the setup link,
// and no page or row holds a secret.
func testSetupSignIn(t *testing.T, db store) {
	f := newFixture(t, db)
	c := f.customer(t, roster.SetupScopeSSO)
	link := newestLink(t, f)
	path := admin.SetupPath + "/sign-in"

	home := c.get(admin.SetupPath+"/?idp=entra").want(t, http.StatusOK)
	if !strings.Contains(home.body, `href="/setup/sign-in?idp=entra"`) {
		t.Error("the steps do not lead to the sign-in step")
	}
	a := c.get(path+"?idp=entra").want(t, http.StatusOK)
	for id, want := range map[string]string{
		"redirect-uri":      f.srv.URL + "/sso/acme/oidc/callback",
		"saml-entity-id":    f.srv.URL + "/sso/acme/saml/metadata",
		"saml-acs-url":      f.srv.URL + "/sso/acme/saml/acs",
		"saml-metadata-url": f.srv.URL + "/sso/acme/saml/metadata",
		"signin-issuer":     "https://login.microsoftonline.com/" + testDirectory + "/v2.0",
		"signin-client-id":  "0f7c2b1e-app",
		"signin-type":       "OpenID Connect",
	} {
		if got := a.testid(id); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if !strings.Contains(a.body, `name="directory" required value="`+testDirectory+`"`) || !strings.Contains(a.body, `data-copy="redirect-uri"`) ||
		a.testid("test-signin") == "" || strings.Contains(a.body, fixtureClientSecret) {
		t.Error("the Entra ID form does not start from the connection's directory, or lacks a copy or test button, or shows the secret")
	}

	// A refused form keeps what was typed, but not the secret.
	const typed = "typed~secret~value~1"
	a = c.setupPost(path+"/oidc?idp=entra", url.Values{"directory": {"contoso.onmicrosoft.com"}, "client_id": {"app-2"},
		"credential": {"secret"}, "client_secret": {typed}}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(a.testid("oidc-error"), "GUID") || !strings.Contains(a.body, `value="contoso.onmicrosoft.com"`) ||
		!strings.Contains(a.body, `value="app-2"`) || strings.Contains(a.body, typed) {
		t.Errorf("a refused OIDC form: error %q, or lost what was typed, or kept the secret", a.testid("oidc-error"))
	}
	if !strings.Contains(a.body, `aria-describedby="directory-hint oidc-error"`) {
		t.Error("the directory field does not point at the error")
	}

	// Entra ID by its directory, with a secret, then a certificate.
	const dir = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	a = c.setupPost(path+"/oidc?idp=entra", url.Values{"directory": {dir}, "client_id": {"app-2"},
		"credential": {"secret"}, "client_secret": {typed}}).want(t, http.StatusSeeOther)
	if loc := a.header.Get("Location"); loc != path+"?idp=entra&done=set" {
		t.Errorf("after saving: to %q", loc)
	}
	a = c.get(path+"?idp=entra&done=set").want(t, http.StatusOK)
	if a.testid("signin-issuer") != "https://login.microsoftonline.com/"+dir+"/v2.0" || !strings.Contains(a.testid("flash"), dir) || strings.Contains(a.body, typed) {
		t.Errorf("after saving: issuer %q, flash %q", a.testid("signin-issuer"), a.testid("flash"))
	}
	c.get(path+"?download=certificate").want(t, http.StatusNotFound)
	c.setupPost(path+"/oidc?idp=entra", url.Values{"directory": {dir}, "client_id": {"app-2"}, "credential": {"certificate"}}).want(t, http.StatusSeeOther)
	a = c.get(path+"?idp=entra").want(t, http.StatusOK)
	_, conn, err := f.svc.SignInConnection(cliCtx, "acme")
	if err != nil || !conn.UsesCertificate() {
		t.Fatalf("after generate: %v, %v", conn, err)
	}
	if _, s1 := sso.Thumbprints(conn.Certificate); a.testid("certificate-sha1") != s1 ||
		html.UnescapeString(a.testid("certificate-pem")) != strings.TrimSpace(sso.CertificatePEM(conn.Certificate)) {
		t.Errorf("certificate shown: %q", a.testid("certificate-sha1"))
	}
	pem := c.get(a.link("certificate-download")).want(t, http.StatusOK)
	if pem.body != sso.CertificatePEM(conn.Certificate) || !strings.Contains(pem.header.Get("Content-Disposition"), `filename="roster-acme.pem"`) {
		t.Errorf("download: %q %q", pem.header.Get("Content-Disposition"), pem.body)
	}

	// Another IdP by its issuer, with a secret only.
	a = c.get(path+"?idp=okta").want(t, http.StatusOK)
	if !strings.Contains(a.body, `name="issuer"`) || strings.Contains(a.body, `name="directory"`) || strings.Contains(a.body, "Generate a certificate") {
		t.Error("Okta's form asks for a directory, or offers a certificate")
	}
	c.setupPost(path+"/oidc?idp=okta", url.Values{"issuer": {"https://example.okta.com"}, "client_id": {"0oa1"},
		"credential": {"secret"}, "client_secret": {typed}}).want(t, http.StatusSeeOther)
	if a = c.get(path + "?idp=okta"); a.testid("signin-issuer") != "https://example.okta.com" || !strings.Contains(a.body, `value="https://example.okta.com"`) {
		t.Errorf("Okta saved: %q", a.testid("signin-issuer"))
	}

	// SAML, refused, then from the metadata pasted.
	a = c.setupPost(path+"/saml?idp=google", url.Values{"metadata": {"<EntityDescriptor/>"}}).want(t, http.StatusUnprocessableEntity)
	if a.testid("saml-error") == "" || !strings.Contains(a.body, "&lt;EntityDescriptor/&gt;</textarea>") || strings.Contains(a.body, `name="client_id"`) {
		t.Errorf("a refused SAML form: error %q, or lost the metadata, or Google offers OpenID Connect", a.testid("saml-error"))
	}
	meta := idpMetadata(t, "https://accounts.google.com/o/saml2?idpid=C01")
	c.setupPost(path+"/saml?idp=google", url.Values{"metadata": {string(meta)}}).want(t, http.StatusSeeOther)
	if a = c.get(path + "?idp=google"); a.testid("signin-type") != "SAML" || a.testid("signin-issuer") != "https://accounts.google.com/o/saml2?idpid=C01" {
		t.Errorf("SAML saved: %q %q", a.testid("signin-type"), a.testid("signin-issuer"))
	}

	// One row per change, by the setup link, never a secret.
	rows, err := f.db.Audit(cliCtx, roster.AuditQuery{Tenant: "acme", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range rows {
		if strings.Contains(string(e.Before)+string(e.After), typed) || strings.Contains(string(e.Before)+string(e.After), fixtureClientSecret) {
			t.Errorf("%s holds a client secret", e.Action)
		}
		if e.Actor == "setup-link:"+link.ID && strings.HasPrefix(e.Action, "signin.") {
			actions = append(actions, e.Action)
		}
	}
	if got := strings.Join(actions, " "); got != "signin.set signin.set signin.set signin.set" {
		t.Errorf("audit trail by the link: %s", got)
	}
}

// newestLink is acme's newest setup link.
func newestLink(t *testing.T, f *fixture) *roster.SetupLink {
	t.Helper()
	_, links, err := f.svc.SetupLinks(cliCtx, "acme")
	if err != nil || len(links) == 0 {
		t.Fatalf("setup links: %v %v", links, err)
	}
	return links[0]
}

// TestSetupSignInScope: a link without the sso scope neither shows nor
// changes sign-in, and its steps do not offer it.
func TestSetupSignInScope(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	c := f.customer(t, roster.SetupScopeSCIM)
	if a := c.get(admin.SetupPath + "/"); strings.Contains(a.body, "/setup/sign-in") {
		t.Error("the steps of a scim link lead to sign-in")
	}
	c.get(admin.SetupPath+"/sign-in").want(t, http.StatusForbidden)
	c.get(admin.SetupPath+"/sign-in/test").want(t, http.StatusForbidden)
	for _, p := range []string{"/sign-in/oidc", "/sign-in/saml"} {
		c.setupPost(admin.SetupPath+p, url.Values{"directory": {testDirectory}, "client_id": {"x"}, "credential": {"secret"}, "client_secret": {"s"}}).
			want(t, http.StatusForbidden)
	}
	if _, conn, err := f.svc.SignInConnection(cliCtx, "acme"); err != nil || conn.ClientID != "0f7c2b1e-app" {
		t.Errorf("the connection changed: %v %v", conn, err)
	}
}

// TestSetupSignInTest: the test button sends the browser to the tenant's
// test sign-in at Roster's sign-in server, and is not there without a
// connection; the page it comes back to shows the outcome its cookie
// brings once, and only to the link that started it.
func TestSetupSignInTest(t *testing.T) { forEachStore(t, testSetupSignInTest) }

func testSetupSignInTest(t *testing.T, db store) {
	f := newFixture(t, db)
	c := f.customer(t, roster.SetupScopeSSO)
	link := newestLink(t, f)
	a := c.get(admin.SetupPath+"/sign-in?idp=entra").want(t, http.StatusOK)
	to, err := url.Parse(a.link("test-signin"))
	if err != nil || to.Scheme+"://"+to.Host != f.srv.URL || to.Path != "/sso/acme/test" || to.Query().Get("ticket") == "" {
		t.Errorf("the test goes to %q", a.link("test-signin"))
	}

	testPath := admin.SetupPath + "/sign-in/test"
	if a := c.get(testPath+"?idp=entra").want(t, http.StatusOK); a.testid("test-none") == "" {
		t.Error("without an outcome, the page does not say so")
	}
	acme := f.tenant
	outcome := func(owner string) string {
		return sso.SealTestResult(f.sealer, &sso.TestResult{TenantID: acme.ID, Owner: owner, At: time.Now(),
			Issuer: "https://login.microsoftonline.com/" + testDirectory + "/v2.0", Subject: "sub-1",
			Claims: []sso.Claim{{Name: "oid", Values: []string{"x-ada"}}, {Name: "email", Values: []string{"ada@acme.example"}},
				{Name: "groups", Values: []string{"g-1", "g-2"}}, {Name: "name", Values: []string{"<b>Ada</b>"}}},
			User: &sso.TestUser{ID: f.params["user"], UserName: "ada@acme.example", ExternalID: "x-ada"}, MatchedBy: "the user's externalId is the account's object id",
			Refusal: "user ada@acme.example was deactivated by the IdP", Reason: "signin_user_deactivated"})
	}
	bring := func(value string) {
		u, _ := url.Parse(f.srv.URL + testPath)
		c.client.Jar.SetCookies(u, []*http.Cookie{{Name: sso.TestResultCookie, Value: value, Path: testPath}})
	}
	bring(outcome("setup-link:" + link.ID))
	a = c.get(testPath+"?idp=entra").want(t, http.StatusOK)
	for id, want := range map[string]string{
		"test-user":       "ada@acme.example",
		"test-email":      "ada@acme.example",
		"test-name":       "&lt;b&gt;Ada&lt;/b&gt;",
		"test-subject":    "sub-1",
		"test-refusal":    "user ada@acme.example was deactivated by the IdP",
		"test-matched-by": "the user&#39;s externalId is the account&#39;s object id",
	} {
		if got := a.testid(id); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if !strings.Contains(a.body, "but the sign-in would be refused") || a.testid("test-advice") == "" || strings.Count(a.body, `data-testid="test-claim"`) != 4 ||
		!strings.Contains(a.body, "<code>g-1</code>, <code>g-2</code>") {
		t.Errorf("outcome %q, advice %q, claims, or groups shown wrong", a.testid("test-outcome"), a.testid("test-advice"))
	}
	if sc := a.header.Get("Set-Cookie"); !strings.Contains(sc, sso.TestResultCookie+"=;") || !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("the outcome's cookie is not cleared: %q", sc)
	}
	if a := c.get(testPath); a.testid("test-none") == "" || a.testid("test-user") != "" {
		t.Error("the outcome is shown twice")
	}

	// Another link's outcome is not shown.
	bring(outcome("setup-link:another"))
	if a := c.get(testPath); a.testid("test-problem") == "" || a.testid("test-user") != "" {
		t.Errorf("another link's outcome: %q", a.testid("test-problem"))
	}

	// Without a connection there is nothing to test.
	if _, err := f.svc.RemoveSignIn(cliCtx, "acme"); err != nil {
		t.Fatal(err)
	}
	if a := c.get(admin.SetupPath + "/sign-in"); a.testid("test-signin") != "" || a.testid("signin-none") == "" {
		t.Error("without a connection, the step offers a test")
	}
	if a := c.get(testPath); a.testid("test-again") != "" {
		t.Error("without a connection, the test's page offers another")
	}
}

// TestSetupSignInOff: on a server that cannot seal secrets the step says so,
// shows no form, and refuses one sent anyway.
func TestSetupSignInOff(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	const why = "ROSTER_SECRET_KEY is not set"
	c := f.customer(t)
	off := httptest.NewServer(New(f.svc, f.db, Options{PublicURL: f.srv.URL, SignInOff: why}).Handler())
	defer off.Close()
	c.f = &fixture{srv: off} // the same session, on the other server
	a := c.get(admin.SetupPath+"/sign-in").want(t, http.StatusOK)
	if a.testid("signin-off-reason") != why || strings.Contains(a.body, "/sign-in/oidc") || strings.Contains(a.body, "/sso/acme/test") {
		t.Errorf("sign-in off: %q, or a form or a test is offered", a.testid("signin-off-reason"))
	}
	c.setupPost(admin.SetupPath+"/sign-in/oidc", url.Values{"directory": {testDirectory}, "client_id": {"c"}, "credential": {"secret"}, "client_secret": {"s"}}).
		want(t, http.StatusConflict)
}
