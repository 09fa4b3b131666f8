package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// savedState is the browser's sign-in state cookie as it was at one moment,
// as an attacker who captured it keeps it.
type savedState struct {
	at      *url.URL
	cookies []*http.Cookie
}

// saveState copies the cookies the browser holds for Roster's /sso/.
func saveState(t *testing.T, b *browser, issuer string) savedState {
	t.Helper()
	at, err := url.Parse(issuer + "/sso/")
	if err != nil {
		t.Fatal(err)
	}
	cs := b.client.Jar.Cookies(at)
	if len(cs) == 0 {
		t.Fatalf("the browser holds no sign-in cookie for %s", at)
	}
	return savedState{at: at, cookies: cs}
}

// restore puts the saved cookies back in the browser.
func (st savedState) restore(b *browser) {
	var cs []*http.Cookie
	for _, c := range st.cookies {
		cs = append(cs, &http.Cookie{Name: c.Name, Value: c.Value, Path: "/sso/"})
	}
	b.client.Jar.SetCookies(st.at, cs)
}

// TestSAMLResponseUsedOnce posts a SAML response to the ACS again: with the
// browser's captured cookie, and, with IdP-initiated sign-in on, within
// another browser's own sign-in. Each replay is refused (the assertion's ID
// is in the store's replay cache), and so is a fresh assertion for the same
// AuthnRequest with the pending sign-in's cookie replayed (the pending
// sign-in was used up on the server).
func TestSAMLResponseUsedOnce(t *testing.T) { forEachStore(t, testSAMLResponseUsedOnce) }

func testSAMLResponseUsedOnce(t *testing.T, db string) {
	st := startSAMLSignIn(t, db)
	s, app, idp := st.s, st.app, st.idp
	issuer := strings.TrimSuffix(s.base, "/scim/v2")
	s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	idp.setPerson("ADA@contoso.com", "ext-ada@contoso.com")
	pkce := oauth2.GenerateVerifier()

	b := newBrowser(t)
	toIdP := st.start(t, b, pkce, "n-1")
	state := saveState(t, b, issuer)
	_, response := samlForm(t, b.client, toIdP)
	if q := postACS(t, b, st.acs, response, app.conf.RedirectURL); q.Get("code") == "" {
		t.Fatalf("the first post of the response: %v; want a code", q)
	}
	state.restore(b)
	q := postACS(t, b, st.acs, response, app.conf.RedirectURL)
	wantRefused(t, "the same response with the captured cookie", q, "already")

	// The IdP answers the same AuthnRequest again: a new assertion, which
	// the replayed cookie cannot carry through.
	state.restore(b)
	_, fresh := samlForm(t, b.client, toIdP)
	if fresh == response {
		t.Fatal("the IdP answered with the same response twice")
	}
	q = postACS(t, b, st.acs, fresh, app.conf.RedirectURL)
	wantRefused(t, "a fresh assertion with the captured cookie", q, "completed already")

	// With IdP-initiated sign-in on, a captured unsolicited response is
	// accepted once, whoever's sign-in it is posted within.
	cliEnv(t, s, st.env, "sso", "set", "--tenant", "default", "--type", "saml", "--metadata", idp.metadataFile(t), "--idp-initiated")
	_, unasked := samlForm(t, newBrowser(t).client, idp.srv.URL+"/initiated")
	victim := newBrowser(t)
	st.start(t, victim, pkce, "n-2")
	if q := postACS(t, victim, st.acs, unasked, app.conf.RedirectURL); q.Get("code") == "" {
		t.Fatalf("the unsolicited response's first use: %v; want a code", q)
	}
	attacker := newBrowser(t)
	st.start(t, attacker, pkce, "n-3")
	q = postACS(t, attacker, st.acs, unasked, app.conf.RedirectURL)
	wantRefused(t, "the unsolicited response in another sign-in", q, "used already")

	rows := s.logRows(t, 5, "--tenant", "default", "--action", "sign-in")
	var reasons []string
	for _, row := range rows {
		reasons = append(reasons, row["reason"].(string))
	}
	if got, want := strings.Join(reasons, ", "), "signin_replayed, signin_ok, signin_replayed, signin_replayed, signin_ok"; got != want {
		t.Errorf("sign-in rows of the tenant, newest first: %s; want %s", got, want)
	}
}

// replaySetup is a running server whose default tenant signs in through a
// fake Entra ID, with Ada provisioned and a confidential host app.
type replaySetup struct {
	*signInSetup
	app      *hostApp
	clientID string
}

func startReplaySetup(t *testing.T, db string) *replaySetup {
	t.Helper()
	setup := startSignIn(t, db)
	out := cliEnv(t, setup.s, setup.env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	clientID := lastValue(t, out, "client_id")
	app := newHostApp(t, setup.issuer, clientID, lastValue(t, out, "client_secret"), "http://127.0.0.1:1/cb")
	setup.s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	setup.entra.setAccount(entraAccount{sub: "ada-subject", oid: "ext-ada@contoso.com", upn: "ADA@contoso.com",
		email: "ada@contoso.com", name: "Ada Lovelace"})
	return &replaySetup{signInSetup: setup, app: app, clientID: clientID}
}

// TestOIDCStateUsedOnce replays the pending sign-in's cookie at the OIDC
// callback with a fresh code of the IdP: the pending sign-in was used up on
// the server, so the replay gets no code.
func TestOIDCStateUsedOnce(t *testing.T) { forEachStore(t, testOIDCStateUsedOnce) }

func testOIDCStateUsedOnce(t *testing.T, db string) {
	st := startReplaySetup(t, db)
	app, entra, issuer := st.app, st.entra, st.issuer
	pkce := oauth2.GenerateVerifier()
	b := newBrowser(t)
	toEntra := b.hop(t, app.conf.AuthCodeURL("app-state", oidc.Nonce("n-1"), oauth2.S256ChallengeOption(pkce),
		oauth2.SetAuthURLParam("tenant", "default")), entra.srv.URL+"/"+entra.tid+"/oauth2/v2.0/authorize")
	state := saveState(t, b, issuer)
	toCallback := b.hop(t, toEntra.String(), issuer+"/sso/default/oidc/callback")
	if q := b.hop(t, toCallback.String(), app.conf.RedirectURL).Query(); q.Get("code") == "" {
		t.Fatalf("the sign-in: %v; want a code", q)
	}
	state.restore(b)
	toCallback = b.hop(t, toEntra.String(), issuer+"/sso/default/oidc/callback")
	q := b.hop(t, toCallback.String(), app.conf.RedirectURL).Query()
	wantRefused(t, "the captured cookie with a fresh code of the IdP", q, "completed already")
	// The log is written in the background: wait for both rows.
	if rows := st.s.logRows(t, 2, "--tenant", "default", "--action", "sign-in"); len(rows) != 2 || rows[0]["reason"] != "signin_replayed" {
		t.Errorf("sign-in rows of the tenant: %v; want the refusal, reason signin_replayed, then the sign-in", rows)
	}
}

// TestCodeReplayRevokesTokens redeems an authorization code twice: the
// second redemption fails with invalid_grant and revokes the tokens the first
// one got (RFC 6749 §4.1.2), which userinfo then refuses; another sign-in's
// tokens keep working.
func TestCodeReplayRevokesTokens(t *testing.T) { forEachStore(t, testCodeReplayRevokesTokens) }

func testCodeReplayRevokesTokens(t *testing.T, db string) {
	ctx := context.Background()
	st := startReplaySetup(t, db)
	app, entra, issuer := st.app, st.entra, st.issuer
	pkce := oauth2.GenerateVerifier()
	q := app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-1", "tenant", "default")
	tok, _, _ := app.redeem(ctx, t, q.Get("code"), pkce)
	q2 := app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-2", "tenant", "default")
	other, _, _ := app.redeem(ctx, t, q2.Get("code"), pkce)
	if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusOK {
		t.Fatalf("userinfo = %d, want 200", status)
	}
	_, err := app.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
	wantOAuthError(t, "the code redeemed again", err, "invalid_grant")
	if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("userinfo with the access token of a replayed code = %d, want 401", status)
	}
	if status := userinfo(t, issuer, other.AccessToken); status != http.StatusOK {
		t.Errorf("userinfo with another sign-in's access token = %d, want 200", status)
	}
	_, err = app.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
	wantOAuthError(t, "the code redeemed a third time", err, "invalid_grant")
}

// TestClientRevokeEndsTokens revokes the host app's OAuth client with the
// CLI: its access tokens stop working at userinfo at once.
func TestClientRevokeEndsTokens(t *testing.T) { forEachStore(t, testClientRevokeEndsTokens) }

func testClientRevokeEndsTokens(t *testing.T, db string) {
	ctx := context.Background()
	st := startReplaySetup(t, db)
	app, entra, issuer := st.app, st.entra, st.issuer
	pkce := oauth2.GenerateVerifier()
	q := app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-1", "tenant", "default")
	tok, _, _ := app.redeem(ctx, t, q.Get("code"), pkce)
	if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusOK {
		t.Fatalf("userinfo = %d, want 200", status)
	}
	cliEnv(t, st.s, st.env, "client", "revoke", st.clientID)
	if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("userinfo with the access token of a revoked client = %d, want 401", status)
	}
	if rows := st.s.logRows(t, 1, "--tenant", "default", "--action", "userinfo"); len(rows) == 0 || rows[0]["reason"] != "signin_client_revoked" {
		t.Errorf("userinfo rows of the tenant: %v; want the refusal, reason signin_client_revoked", rows)
	}
}

// TestPasswordStateUsedOnce posts the password form a second time with the
// pending sign-in's captured cookie: the first post gets a code, the replay
// is refused.
func TestPasswordStateUsedOnce(t *testing.T) { forEachStore(t, testPasswordStateUsedOnce) }

func testPasswordStateUsedOnce(t *testing.T, db string) {
	st := startReplaySetup(t, db)
	s, app, issuer := st.s, st.app, st.issuer
	cliEnv(t, s, st.env, "user", "login-method", "--tenant", "default", "ada@contoso.com", "either")
	withStdin(t, "ada's own password\n", func() {
		cliEnv(t, s, st.env, "user", "set-password", "--tenant", "default", "ada@contoso.com")
	})
	b := newBrowser(t)
	page := openPasswordPage(t, b, app, issuer, oauth2.GenerateVerifier(), "n-1")
	state := saveState(t, b, issuer)
	back := func() url.Values {
		t.Helper()
		resp := page.submit(t, b, issuer, "ada@contoso.com", "ada's own password")
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), app.conf.RedirectURL) {
			t.Fatalf("password form = %d to %q, want 302 to the app", resp.StatusCode, loc)
		}
		return loc.Query()
	}
	if q := back(); q.Get("code") == "" {
		t.Fatalf("the sign-in: %v; want a code", q)
	}
	state.restore(b)
	wantRefused(t, "the password form again with the captured cookie", back(), "completed already")
}
