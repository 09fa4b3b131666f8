package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/sso"
)

// fakeEntra is an OpenID Provider that answers as Microsoft Entra ID's v2.0
// endpoints do, on 127.0.0.1: discovery, keys, an authorize endpoint that
// approves the configured account at once, and a token endpoint issuing ID
// tokens with Entra's claims (tid, oid, preferred_username, email, name,
// ver 2.0). Its issuer is its own URL followed by /{tid}/v2.0, Entra's form.
type fakeEntra struct {
	srv      *httptest.Server
	tid      string
	clientID string
	secret   string
	key      *rsa.PrivateKey

	mu       sync.Mutex
	redirect string // the one redirect URI registered for the app
	account  entraAccount
	codes    map[string]entraCode
	certs    []*x509.Certificate // the app's certificate credentials
	jtis     map[string]bool     // the client assertions' ids seen
	// lastAssertion is the last client assertion accepted, and auths how
	// each accepted token request authenticated ("secret" or "certificate").
	lastAssertion string
	auths         []string
}

// entraAccount is the person the fake signs in.
type entraAccount struct {
	sub, oid, upn, email, name string
}

type entraCode struct {
	account              entraAccount
	nonce, challenge, to string
}

func newFakeEntra(t *testing.T) *fakeEntra {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEntra{tid: "72f988bf-86f1-41af-91ab-2d7cd011db47", clientID: "6731de76-14a6-49ae-97bc-6eba6914391e",
		secret: "entra~secret", key: key, codes: map[string]entraCode{}, jtis: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tid}/v2.0/.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /{tid}/discovery/v2.0/keys", f.keys)
	mux.HandleFunc("GET /{tid}/oauth2/v2.0/authorize", f.authorize)
	mux.HandleFunc("POST /{tid}/oauth2/v2.0/token", f.token)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeEntra) issuer() string { return f.srv.URL + "/" + f.tid + "/v2.0" }

func (f *fakeEntra) setAccount(a entraAccount) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.account = a
}

func (f *fakeEntra) discovery(w http.ResponseWriter, r *http.Request) {
	base := f.srv.URL + "/" + f.tid
	writeTestJSON(w, http.StatusOK, map[string]any{
		"issuer":                                f.issuer(),
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "code id_token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
	})
}

func (f *fakeEntra) keys(w http.ResponseWriter, r *http.Request) {
	writeTestJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: f.key.Public(), KeyID: "entra-key", Algorithm: "RS256", Use: "sig"}}})
}

func (f *fakeEntra) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	if q.Get("client_id") != f.clientID || q.Get("redirect_uri") != f.redirect || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		http.Error(w, "AADSTS50011: bad authorization request", http.StatusBadRequest)
		return
	}
	code := "entra-code-" + base64.RawURLEncoding.EncodeToString([]byte(time.Now().String()))
	f.codes[code] = entraCode{account: f.account, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), to: q.Get("redirect_uri")}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
}

func (f *fakeEntra) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if code, why := f.authenticate(r); code != 0 {
		writeTestJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client",
			"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: 0b1c2d3e", code, why), "error_codes": []int{code}})
		return
	}
	f.mu.Lock()
	c, ok := f.codes[r.PostForm.Get("code")]
	delete(f.codes, r.PostForm.Get("code"))
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !ok || c.to != r.PostForm.Get("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
		writeTestJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: f.key, KeyID: "entra-key"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	idt, err := jwt.Signed(signer).Claims(map[string]any{
		"aud": f.clientID, "iss": f.issuer(), "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"aio": "AWQAm/8TAAAA", "email": c.account.email, "name": c.account.name, "nonce": c.nonce,
		"oid": c.account.oid, "preferred_username": c.account.upn, "rh": "0.AXEA", "sid": "00a1b2c3-sid",
		"sub": c.account.sub, "tid": f.tid, "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0",
	}).Serialize()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeTestJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "scope": "openid profile email",
		"expires_in": 3599, "access_token": "entra-access-token", "id_token": idt})
}

// registerCertificate adds a certificate credential to the app, as "Upload
// certificate" does, from its PEM; replace drops the others first.
func (f *fakeEntra) registerCertificate(t *testing.T, certPEM string, replace bool) {
	t.Helper()
	b, _ := pem.Decode([]byte(certPEM))
	if b == nil || b.Type != "CERTIFICATE" {
		t.Fatalf("not a PEM certificate: %q", certPEM)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if replace {
		f.certs = nil
	}
	f.certs = append(f.certs, c)
}

// authenticate checks the token request's client credential as Entra does:
// its client secret, or a client assertion signed with the key of a
// registered certificate, named by x5t#S256 or x5t, for the token endpoint,
// issued by the client itself, unexpired and not seen before. It returns 0,
// or Entra's error code and message.
func (f *fakeEntra) authenticate(r *http.Request) (int, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.PostForm.Has("client_assertion") || r.PostForm.Has("client_assertion_type") {
		return f.checkAssertion(r.PostForm)
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != f.clientID || secret == "" || secret != f.secret {
		return 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + f.clientID + "'."
	}
	f.auths = append(f.auths, "secret")
	return 0, ""
}

func (f *fakeEntra) checkAssertion(form url.Values) (int, string) {
	const bad = 700027
	if form.Get("client_assertion_type") != sso.ClientAssertionType {
		return bad, "Client assertion type is not jwt-bearer."
	}
	if id := form.Get("client_id"); id != "" && id != f.clientID {
		return bad, "The client_id does not match the client assertion."
	}
	raw := form.Get("client_assertion")
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.PS256})
	if err != nil {
		return bad, "Client assertion failed signature validation: " + err.Error()
	}
	h := tok.Headers[0]
	var cert *x509.Certificate
	for _, c := range f.certs {
		s256, s1 := sha256.Sum256(c.Raw), sha1.Sum(c.Raw)
		if h.ExtraHeaders["x5t#S256"] == base64.RawURLEncoding.EncodeToString(s256[:]) || h.ExtraHeaders["x5t"] == base64.RawURLEncoding.EncodeToString(s1[:]) {
			cert = c
		}
	}
	if cert == nil {
		return bad, "The certificate with identifier used to sign the client assertion is not registered on application."
	}
	var claims jwt.Claims
	if err := tok.Claims(cert.PublicKey, &claims); err != nil {
		return bad, "Client assertion failed signature validation."
	}
	err = claims.ValidateWithLeeway(jwt.Expected{Issuer: f.clientID, Subject: f.clientID,
		AnyAudience: jwt.Audience{f.srv.URL + "/" + f.tid + "/oauth2/v2.0/token"}, Time: time.Now()}, time.Minute)
	if err != nil || claims.Expiry == nil || claims.ID == "" {
		return bad, fmt.Sprintf("Client assertion is not valid for this application and token endpoint (%v).", err)
	}
	if f.jtis[claims.ID] {
		return bad, "Client assertion has been used before (jti " + claims.ID + ")."
	}
	f.jtis[claims.ID] = true
	f.lastAssertion = raw
	f.auths = append(f.auths, "certificate")
	return 0, ""
}

func writeTestJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// browser keeps cookies and follows no redirect by itself, so that each hop
// of a sign-in is checked.
type browser struct {
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// hop requests u and returns the redirect's target, failing unless the answer
// is a redirect whose target starts with want.
func (b *browser) hop(t *testing.T, u, want string) *url.URL {
	t.Helper()
	resp, err := b.client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, want) {
		t.Fatalf("GET %s = %d to %q; want 302 to %s…", u, resp.StatusCode, loc, want)
	}
	next, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// hostApp is the host application: a standard OIDC client of Roster.
type hostApp struct {
	provider *oidc.Provider
	conf     *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// redeem exchanges a code with its PKCE verifier as the host app does and
// verifies the ID token, failing the test on either error.
func (h *hostApp) redeem(ctx context.Context, t *testing.T, code, pkce string) (*oauth2.Token, *oidc.IDToken, sso.UserClaims) {
	t.Helper()
	tok, err := h.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
	if err != nil {
		t.Fatalf("token exchange: %v", err)
	}
	idt, err := h.verifier.Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	var c sso.UserClaims
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return tok, idt, c
}

// signIn starts a sign-in at Roster with the given tenant selector, follows it
// through the fake Entra and back, and returns the host app's callback query.
func (h *hostApp) signIn(t *testing.T, b *browser, entra *fakeEntra, roster string, pkce, nonce string, selector ...string) url.Values {
	t.Helper()
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(pkce)}
	for i := 0; i+1 < len(selector); i += 2 {
		opts = append(opts, oauth2.SetAuthURLParam(selector[i], selector[i+1]))
	}
	toEntra := b.hop(t, h.conf.AuthCodeURL("app-state", opts...), entra.srv.URL+"/"+entra.tid+"/oauth2/v2.0/authorize")
	toCallback := b.hop(t, toEntra.String(), roster+"/sso/default/oidc/callback")
	toApp := b.hop(t, toCallback.String(), h.conf.RedirectURL)
	q := toApp.Query()
	if q.Get("state") != "app-state" {
		t.Fatalf("callback to the app carries state %q, want app-state", q.Get("state"))
	}
	return q
}

// cliEnv runs a roster command against s's database with the environment env.
func cliEnv(t *testing.T, s *testServer, env map[string]string, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	if err := run(context.Background(), append(args, "--db", s.db), func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
		t.Fatalf("roster %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// lastValue returns the value of key=value in out.
func lastValue(t *testing.T, out, key string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	t.Fatalf("no %s= in %q", key, out)
	return ""
}

// TestSignInWithEntra signs a SCIM-provisioned user in to the host app through
// Roster and a fake Entra ID, over HTTP on 127.0.0.1, and checks the refusals:
// a replayed code, a wrong PKCE verifier and a wrong redirect URI; a subject
// that differs from the linked one; and, once SCIM deactivated the user, the
// next sign-in and userinfo.
func TestSignInWithEntra(t *testing.T) { forEachStore(t, testSignInWithEntra) }

// signInSetup is a running server whose default tenant signs in through a
// fake Entra ID, with the example policy and an organization and domain.
type signInSetup struct {
	s      *testServer
	env    map[string]string
	issuer string
	entra  *fakeEntra
}

func startSignIn(t *testing.T, db string) *signInSetup {
	t.Helper()
	return startSignInEnv(t, db, nil)
}

// startSignInEnv is startSignIn with more environment variables for the server.
func startSignInEnv(t *testing.T, db string, extra map[string]string) *signInSetup {
	t.Helper()
	env := map[string]string{"ROSTER_POLICY_REFRESH": "0s"}
	maps.Copy(env, extra)
	if strings.HasPrefix(db, "postgres") {
		env["ROSTER_SECRET_KEY"] = sso.NewKey() // SQLite: the key file beside the database
	}
	s := startServerEnv(t, db, env)
	s.setPolicy(t, string(policy.Example()))
	issuer := strings.TrimSuffix(s.base, "/scim/v2")
	entra := newFakeEntra(t)

	// The admin connects the tenant's Entra.
	redirect := cliEnv(t, s, env, "sso", "get", "--tenant", "default", "--public-url", issuer)
	entra.redirect = lastValue(t, redirect, "redirect_uri")
	if entra.redirect != issuer+"/sso/default/oidc/callback" {
		t.Fatalf("sso get: redirect_uri %q", entra.redirect)
	}
	cliEnv(t, s, env, "sso", "set", "--tenant", "default", "--type", "oidc", "--issuer", entra.issuer(),
		"--client-id", entra.clientID, "--client-secret", entra.secret)
	cliEnv(t, s, env, "tenant", "update", "default", "--organization", "org-42", "--domain", "Contoso.com")
	return &signInSetup{s: s, env: env, issuer: issuer, entra: entra}
}

// newHostApp discovers Roster as the host app does.
func newHostApp(t *testing.T, issuer, clientID, secret, redirect string) *hostApp {
	t.Helper()
	provider, err := oidc.NewProvider(context.Background(), issuer)
	if err != nil {
		t.Fatalf("the host app's discovery: %v", err)
	}
	return &hostApp{provider: provider, verifier: provider.Verifier(&oidc.Config{ClientID: clientID}),
		conf: &oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: provider.Endpoint(),
			RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}}
}

func testSignInWithEntra(t *testing.T, db string) {
	ctx := context.Background()
	setup := startSignIn(t, db)
	s, env, issuer, entra := setup.s, setup.env, setup.issuer, setup.entra
	out := cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb", "--redirect-uri", "http://127.0.0.1:1/other")
	clientID, secret := lastValue(t, out, "client_id"), lastValue(t, out, "client_secret")
	if !strings.HasPrefix(strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]), "client_secret=rsc_") {
		t.Errorf("client create: the last line is not the secret:\n%s", out)
	}

	// Entra provisions Ada, with roles that the policy maps to entitlements.
	r := s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	adaID := str(r.body, "id")
	ada := entraAccount{sub: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", oid: "ext-ada@contoso.com",
		upn: "ADA@contoso.com", email: "ada@contoso.com", name: "Ada Lovelace"}
	entra.setAccount(ada)

	app := newHostApp(t, issuer, clientID, secret, "http://127.0.0.1:1/cb")
	provider := app.provider

	// Sign-in: tenant by name, PKCE, nonce.
	pkce := oauth2.GenerateVerifier()
	q := app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-1", "tenant", "default")
	tok, idt, c := app.redeem(ctx, t, q.Get("code"), pkce)
	var std struct {
		Nonce string `json:"nonce"`
	}
	idt.Claims(&std)
	if idt.Subject != adaID || std.Nonce != "n-1" || c.UserName != "ada@contoso.com" || c.ExternalID != "ext-ada@contoso.com" ||
		c.Email != "ada@contoso.com" || c.Name != "Ada Lovelace" || c.TenantName != "default" || c.Organization != "org-42" ||
		c.LoginMethod != "idp" || c.IdPIssuer != entra.issuer() || c.IdPSubject != ada.sub || c.SID == "" || c.AuthTime == 0 {
		t.Errorf("ID token: sub %s nonce %q claims %+v", idt.Subject, std.Nonce, c)
	}
	e := c.Entitlements
	if !e.Active || strings.Join(e.Licenses, ",") != "standard" || e.AccessRole != "Admin" || strings.Join(e.Roles, ",") != "contract_reviewer" {
		t.Errorf("ID token entitlements = %+v; want active, standard, Admin, contract_reviewer", e)
	}
	if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusOK {
		t.Errorf("userinfo = %d, want 200", status)
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != adaID {
		t.Errorf("userinfo through go-oidc = %+v, %v", info, err)
	}

	// The code is single-use.
	_, err = app.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
	wantOAuthError(t, "replayed code", err, "invalid_grant")

	// A wrong PKCE verifier and a redirect URI other than the request's are refused.
	q = app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-2", "login_hint", "ada@CONTOSO.com")
	_, err = app.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
	wantOAuthError(t, "wrong PKCE verifier", err, "invalid_grant")
	q = app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-3", "organization", "org-42")
	other := *app.conf
	other.RedirectURL = "http://127.0.0.1:1/other"
	_, err = other.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
	wantOAuthError(t, "another redirect URI", err, "invalid_grant")
	// An unregistered redirect URI gets an error page, never a redirect.
	resp, err := http.Get(issuer + "/oauth2/authorize?" + url.Values{"client_id": {clientID}, "redirect_uri": {"http://evil.example/cb"},
		"response_type": {"code"}, "scope": {"openid"}, "tenant": {"default"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("authorize with an unregistered redirect URI = %d (Location %q), want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Two tenant selectors are one too many.
	loc := newBrowser(t).hop(t, app.conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce),
		oauth2.SetAuthURLParam("tenant", "default"), oauth2.SetAuthURLParam("organization", "org-42")), app.conf.RedirectURL)
	if loc.Query().Get("error") != "invalid_request" {
		t.Errorf("two tenant selectors: redirected with %q, want error=invalid_request", loc.RawQuery)
	}

	// Another Entra account claiming Ada's oid and UPN is not Ada's linked account.
	entra.setAccount(entraAccount{sub: "other-subject", oid: ada.oid, upn: ada.upn, email: ada.email, name: ada.name})
	q = app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-4", "tenant", "default")
	if q.Get("error") != "access_denied" || !strings.Contains(q.Get("error_description"), "not the one linked") {
		t.Errorf("mismatched subject: %v; want access_denied naming the linked account", q)
	}
	entra.setAccount(ada)

	// Entra deactivates Ada: her access token stops working at once, and her
	// next sign-in is refused with the reason.
	s.do(t, "PATCH", "/Users/"+adaID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200)
	if status := userinfo(t, issuer, tok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("userinfo after deactivation = %d, want 401", status)
	}
	q = app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-5", "tenant", "default")
	if q.Get("error") != "access_denied" || !strings.Contains(q.Get("error_description"), "deactivated") || q.Get("code") != "" {
		t.Errorf("sign-in after deactivation: %v; want access_denied saying deactivated", q)
	}
	if logs := s.stdout.String(); !strings.Contains(logs, "reason=signin_user_deactivated") || !strings.Contains(logs, "reason=signin_subject_mismatch") {
		t.Errorf("the log does not record the refusals with their reasons:\n%s", logs)
	}

	// The provisioning log has a row for every sign-in and refusal: under the
	// tenant, three sign-ins and two refusals; the requests refused before a
	// tenant was known have rows without one.
	rows := s.logRows(t, 5, "--tenant", "default", "--action", "sign-in")
	var reasons []string
	for _, row := range rows {
		reasons = append(reasons, fmt.Sprint(row["reason"], " ", row["status"]))
	}
	if got, want := strings.Join(reasons, ", "), "signin_user_deactivated 403, signin_subject_mismatch 403, "+
		"signin_ok 200, signin_ok 200, signin_ok 200"; got != want {
		t.Errorf("sign-in rows of the tenant, newest first: %s; want %s", got, want)
	}
	if rows := s.logRows(t, 2, "--action", "sign-in", "--status", "400"); len(rows) != 2 || rows[0]["reason"] != "signin_request_invalid" {
		t.Errorf("refusals before the tenant was known: %v", rows)
	}
	last := rows[0]
	if last["resource_id"] != adaID || last["name"] != "ada@contoso.com" || last["external_id"] != "ext-ada@contoso.com" ||
		last["resource_type"] != "User" || !strings.Contains(fmt.Sprint(last["response"]), "deactivated by the IdP at") {
		t.Errorf("the refusal's row: %v", last)
	}
	if ok := rows[2]; !strings.Contains(fmt.Sprint(ok["response"]), ada.sub) || ok["resource_id"] != adaID {
		t.Errorf("the sign-in's row: %v", ok)
	}
	table := s.cli(t, "log", "--tenant", "default", "--action", "sign-in")
	if !strings.Contains(table, "signin_user_deactivated") || !strings.Contains(table, "what to do: The person is disabled") {
		t.Errorf("roster log --action sign-in:\n%s", table)
	}
}

// TestSignInPublicClientAndKeys signs in through a public client (PKCE
// required, no secret), matches a user by UPN when the object id matches no
// externalId, refuses an account no SCIM user matches, and rotates the
// signing key: the JWKS serves both keys and new tokens verify.
func TestSignInPublicClientAndKeys(t *testing.T) { forEachStore(t, testSignInPublicClientAndKeys) }

func testSignInPublicClientAndKeys(t *testing.T, db string) {
	ctx := context.Background()
	setup := startSignIn(t, db)
	s, env, issuer, entra := setup.s, setup.env, setup.issuer, setup.entra
	// A native app registers its loopback redirect URI without a port and
	// listens on whatever port it gets (RFC 8252 §7.3).
	out := cliEnv(t, s, env, "client", "create", "--name", "native", "--public", "--redirect-uri", "http://127.0.0.1/native",
		"--redirect-uri", "com.contoso.app:/callback")
	if strings.Contains(out, "client_secret") {
		t.Errorf("client create --public printed a secret:\n%s", out)
	}
	app := newHostApp(t, issuer, lastValue(t, out, "client_id"), "", "http://127.0.0.1:53123/native")
	for _, bad := range []string{"http://app.example.com/cb", "myapp:/cb", "https://app.example.com/cb#frag"} {
		var stdout, stderr strings.Builder
		err := run(ctx, []string{"client", "create", "--name", "bad", "--public", "--redirect-uri", bad, "--db", s.db}, func(k string) string { return env[k] }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "redirect URI") {
			t.Errorf("client create --redirect-uri %s = %v, want it refused", bad, err)
		}
	}
	if list := cliEnv(t, s, env, "client", "list"); !strings.Contains(list, "native") || !strings.Contains(list, "public") {
		t.Errorf("client list:\n%s", list)
	}

	// A public client without PKCE is refused.
	loc := newBrowser(t).hop(t, app.conf.AuthCodeURL("s", oauth2.SetAuthURLParam("tenant", "default")), app.conf.RedirectURL)
	if loc.Query().Get("error") != "invalid_request" {
		t.Errorf("public client without PKCE: redirected with %q, want error=invalid_request", loc.RawQuery)
	}

	// Bob's Entra object id is not his externalId: his UPN matches his userName.
	r := s.do(t, "POST", "/Users", vendorUser(t, "bob@contoso.com", "bob@contoso.com", "f-x")).want(t, 201)
	entra.setAccount(entraAccount{sub: "bob-subject", oid: "0c7a5c1e-oid-not-provisioned", upn: "BOB@Contoso.com", email: "bob@contoso.com", name: "Bob"})
	pkce := oauth2.GenerateVerifier()
	q := app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-1", "login_hint", "bob@contoso.com")
	tok, err := app.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
	if err != nil {
		t.Fatalf("token exchange of a public client: %v", err)
	}
	first, err := app.verifier.Verify(ctx, tok.Extra("id_token").(string))
	if err != nil || first.Subject != str(r.body, "id") {
		t.Fatalf("ID token = %v, %v; want Bob's", first, err)
	}

	// An account that no SCIM user matches is refused; nobody is created.
	entra.setAccount(entraAccount{sub: "eve-subject", oid: "eve-oid", upn: "eve@contoso.com", email: "bob@contoso.com", name: "Eve"})
	q = app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-2", "tenant", "default")
	if q.Get("error") != "access_denied" || !strings.Contains(q.Get("error_description"), "no user of tenant default") {
		t.Errorf("unknown account: %v; want access_denied", q)
	}
	if r := s.do(t, "GET", "/Users?filter="+url.QueryEscape(`userName eq "eve@contoso.com"`), "").want(t, 200); get(r.body, "totalResults") != float64(0) {
		t.Errorf("a refused sign-in created a user: %s", r.raw)
	}

	// Rotation: the new key signs, and the JWKS serves the old one too.
	if n := len(jwks(t, issuer).Keys); n != 1 {
		t.Fatalf("JWKS has %d keys, want 1", n)
	}
	cliEnv(t, s, env, "sso", "rotate-key", "--alg", "RS256", "--overlap", "1h")
	set := jwks(t, issuer)
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS after rotation has %d keys, want 2", len(set.Keys))
	}
	entra.setAccount(entraAccount{sub: "bob-subject", oid: "0c7a5c1e-oid-not-provisioned", upn: "bob@contoso.com"})
	q = app.signIn(t, newBrowser(t), entra, issuer, pkce, "n-3", "tenant", "default")
	tok, err = app.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
	if err != nil {
		t.Fatal(err)
	}
	raw := tok.Extra("id_token").(string)
	if _, err := app.verifier.Verify(ctx, raw); err != nil {
		t.Fatalf("ID token signed with the new key: %v", err)
	}
	parsed, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || parsed.Headers[0].KeyID != set.Keys[1].KeyID {
		t.Errorf("the new ID token is not signed RS256 with the new key: %v", err)
	}
}

// jwks reads Roster's published keys.
func jwks(t *testing.T, issuer string) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(issuer + "/oauth2/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	return set
}

// userinfo calls Roster's userinfo with an access token and returns the status.
func userinfo(t *testing.T, issuer, accessToken string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", issuer+"/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func wantOAuthError(t *testing.T, what string, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != code {
		t.Errorf("%s: token exchange = %v, want %s", what, err, code)
	}
}
