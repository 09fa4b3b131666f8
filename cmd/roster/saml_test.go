package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/logger"
	dsig "github.com/russellhaering/goxmldsig"
	"golang.org/x/oauth2"

	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/sso"
)

// fakeSAMLIdP is a SAML identity provider on 127.0.0.1 (crewjam/saml's
// IdentityProvider) that authenticates the configured person at once, as
// Entra ID does for a signed-in user: NameID the UPN (the SCIM userName),
// and the objectidentifier claim. It signs the assertion and the response.
type fakeSAMLIdP struct {
	srv  *httptest.Server
	idp  *saml.IdentityProvider
	key  *rsa.PrivateKey
	cert *x509.Certificate

	mu     sync.Mutex
	sp     *saml.EntityDescriptor // Roster's service provider metadata
	nameID string
	oid    string
}

func newFakeSAMLIdP(t *testing.T) *fakeSAMLIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Microsoft Azure Federated SSO Certificate"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	f := &fakeSAMLIdP{key: key, cert: cert}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metadata", func(w http.ResponseWriter, r *http.Request) { f.idp.ServeMetadata(w, r) })
	mux.HandleFunc("/sso", func(w http.ResponseWriter, r *http.Request) { f.idp.ServeSSO(w, r) })
	mux.HandleFunc("GET /initiated", func(w http.ResponseWriter, r *http.Request) {
		f.idp.ServeIDPInitiated(w, r, f.sp.EntityID, "")
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	meta, _ := url.Parse(f.srv.URL + "/metadata")
	ssoURL, _ := url.Parse(f.srv.URL + "/sso")
	f.idp = &saml.IdentityProvider{Key: key, Certificate: cert, Logger: logger.DefaultLogger,
		MetadataURL: *meta, SSOURL: *ssoURL, ServiceProviderProvider: f, SessionProvider: f}
	return f
}

// GetServiceProvider knows Roster's service provider only.
func (f *fakeSAMLIdP) GetServiceProvider(r *http.Request, id string) (*saml.EntityDescriptor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sp == nil || f.sp.EntityID != id {
		return nil, os.ErrNotExist
	}
	return f.sp, nil
}

// GetSession signs the configured person in.
func (f *fakeSAMLIdP) GetSession(w http.ResponseWriter, r *http.Request, req *saml.IdpAuthnRequest) *saml.Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &saml.Session{ID: "s-" + f.nameID, CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour), Index: "1",
		NameID: f.nameID, NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
		CustomAttributes: []saml.Attribute{{Name: sso.ObjectIDClaim, Values: []saml.AttributeValue{{Type: "xs:string", Value: f.oid}}}}}
}

func (f *fakeSAMLIdP) setPerson(nameID, oid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nameID, f.oid = nameID, oid
}

// metadataFile writes the IdP's metadata, as Entra's Federation Metadata XML
// is downloaded, and returns its path.
func (f *fakeSAMLIdP) metadataFile(t *testing.T) string {
	t.Helper()
	b, err := xml.MarshalIndent(f.idp.Metadata(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "federationmetadata.xml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// learnSP reads Roster's service provider metadata from its URL. Like Entra
// without token encryption configured, the IdP does not encrypt assertions.
func (f *fakeSAMLIdP) learnSP(t *testing.T, metadataURL string) {
	t.Helper()
	resp, err := http.Get(metadataURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", metadataURL, resp.StatusCode, b)
	}
	var d saml.EntityDescriptor
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("Roster's SP metadata: %v\n%s", err, b)
	}
	for i := range d.SPSSODescriptors {
		var keep []saml.KeyDescriptor
		for _, kd := range d.SPSSODescriptors[i].KeyDescriptors {
			if kd.Use != "encryption" {
				keep = append(keep, kd)
			}
		}
		d.SPSSODescriptors[i].KeyDescriptors = keep
	}
	f.mu.Lock()
	f.sp = &d
	f.mu.Unlock()
}

// samlForm reads the auto-posting form an IdP answers with: where it posts,
// and the SAMLResponse.
func samlForm(t *testing.T, client *http.Client, u string) (action, response string) {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	_, rest, ok1 := strings.Cut(page, `action="`)
	action, _, _ = strings.Cut(rest, `"`)
	_, rest, ok2 := strings.Cut(page, `name="SAMLResponse" value="`)
	response, _, _ = strings.Cut(rest, `"`)
	if resp.StatusCode != http.StatusOK || !ok1 || !ok2 {
		t.Fatalf("GET %s = %d; want the IdP's response form:\n%s", u, resp.StatusCode, page)
	}
	return html.UnescapeString(action), html.UnescapeString(response)
}

// postACS posts a SAMLResponse as the browser does, and returns the host
// app's callback query it is sent to.
func postACS(t *testing.T, b *browser, acs, response, appRedirect string) url.Values {
	t.Helper()
	resp, err := b.client.PostForm(acs, url.Values{"SAMLResponse": {response}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, appRedirect) {
		t.Fatalf("POST %s = %d to %q; want 302 to %s…\n%s", acs, resp.StatusCode, loc, appRedirect, body)
	}
	u, _ := url.Parse(loc)
	return u.Query()
}

// samlSetup is a running server whose default tenant signs in through a
// fake SAML IdP, and a host app.
type samlSetup struct {
	s   *testServer
	env map[string]string
	idp *fakeSAMLIdP
	app *hostApp
	acs string
}

func startSAMLSignIn(t *testing.T, db string) *samlSetup {
	t.Helper()
	env := map[string]string{"ROSTER_POLICY_REFRESH": "0s"}
	if strings.HasPrefix(db, "postgres") {
		env["ROSTER_SECRET_KEY"] = sso.NewKey()
	}
	s := startServerEnv(t, db, env)
	s.setPolicy(t, string(policy.Example()))
	issuer := strings.TrimSuffix(s.base, "/scim/v2")
	idp := newFakeSAMLIdP(t)

	// The admin sets the tenant's IdP from its metadata, and pastes Roster's
	// values into the IdP.
	cliEnv(t, s, env, "sso", "set", "--tenant", "default", "--type", "saml", "--metadata", idp.metadataFile(t))
	out := cliEnv(t, s, env, "sso", "get", "--tenant", "default", "--public-url", issuer)
	acs, metadataURL := lastValue(t, out, "saml_acs_url"), lastValue(t, out, "saml_metadata_url")
	if acs != issuer+"/sso/default/saml/acs" || metadataURL != issuer+"/sso/default/saml/metadata" ||
		lastValue(t, out, "saml_entity_id") != metadataURL || lastValue(t, out, "type") != "saml" ||
		lastValue(t, out, "idp_entity_id") != idp.srv.URL+"/metadata" {
		t.Fatalf("sso get:\n%s", out)
	}
	idp.learnSP(t, metadataURL)

	out = cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	app := newHostApp(t, issuer, lastValue(t, out, "client_id"), lastValue(t, out, "client_secret"), "http://127.0.0.1:1/cb")
	return &samlSetup{s: s, env: env, idp: idp, app: app, acs: acs}
}

// start begins a sign-in at the host app and follows Roster's redirect to
// the IdP, returning the IdP's address with the AuthnRequest.
func (st *samlSetup) start(t *testing.T, b *browser, pkce, nonce string) string {
	t.Helper()
	u := st.app.conf.AuthCodeURL("app-state", oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("nonce", nonce),
		oauth2.SetAuthURLParam("tenant", "default"))
	toIdP := b.hop(t, u, st.idp.srv.URL+"/sso?")
	if toIdP.Query().Get("SAMLRequest") == "" {
		t.Fatalf("the redirect to the IdP carries no SAMLRequest: %s", toIdP)
	}
	return toIdP.String()
}

// TestSignInWithSAML signs a SCIM-provisioned user in to the host app
// through Roster and a SAML IdP, over HTTP on 127.0.0.1, and checks the
// refusals: an altered assertion, an unsigned one, a response the IdP sent
// unasked, and, once SCIM deactivated the user, the next sign-in.
func TestSignInWithSAML(t *testing.T) { forEachStore(t, testSignInWithSAML) }

func testSignInWithSAML(t *testing.T, db string) {
	ctx := context.Background()
	st := startSAMLSignIn(t, db)
	s, app, idp := st.s, st.app, st.idp
	r := s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	adaID := str(r.body, "id")
	idp.setPerson("ADA@contoso.com", "ext-ada@contoso.com")

	// Sign-in: the AuthnRequest, the IdP's signed response posted to the
	// ACS, the code to the host app, the ID token with the entitlements.
	pkce := oauth2.GenerateVerifier()
	b := newBrowser(t)
	action, response := samlForm(t, b.client, st.start(t, b, pkce, "n-1"))
	if action != st.acs {
		t.Fatalf("the IdP posts to %s, want the ACS %s", action, st.acs)
	}
	q := postACS(t, b, action, response, app.conf.RedirectURL)
	if q.Get("state") != "app-state" || q.Get("code") == "" {
		t.Fatalf("back at the app: %v", q)
	}
	_, idt, c := app.redeem(ctx, t, q.Get("code"), pkce)
	if idt.Subject != adaID || c.UserName != "ada@contoso.com" || c.LoginMethod != "idp" || strings.Join(c.AMR, ",") != "saml" ||
		c.IdPIssuer != idp.srv.URL+"/metadata" || c.IdPSubject != "ext-ada@contoso.com" {
		t.Errorf("ID token: sub %s claims %+v", idt.Subject, c)
	}
	if e := c.Entitlements; !e.Active || strings.Join(e.Licenses, ",") != "standard" || e.AccessRole != "Admin" {
		t.Errorf("ID token entitlements = %+v; want active, standard, Admin", e)
	}

	// A response whose assertion was altered after signing is refused.
	b = newBrowser(t)
	_, response = samlForm(t, b.client, st.start(t, b, pkce, "n-2"))
	tampered := editResponse(t, response, func(doc *etree.Document) {
		nameID := doc.FindElement("//Assertion/Subject/NameID")
		nameID.SetText("bob@contoso.com")
	})
	q = postACS(t, b, st.acs, tampered, app.conf.RedirectURL)
	wantRefused(t, "an altered NameID", q, "signature")

	// An assertion without a signature is refused, even in a signed response.
	unsign := func(doc *etree.Document) {
		for _, el := range []*etree.Element{doc.FindElement("//Assertion"), doc.Root()} {
			el.RemoveChild(el.SelectElement("Signature"))
		}
	}
	b = newBrowser(t)
	_, response = samlForm(t, b.client, st.start(t, b, pkce, "n-3"))
	q = postACS(t, b, st.acs, editResponse(t, response, unsign), app.conf.RedirectURL)
	wantRefused(t, "an unsigned response and assertion", q, "SAML response is not valid")
	b = newBrowser(t)
	_, response = samlForm(t, b.client, st.start(t, b, pkce, "n-3b"))
	resigned := editResponse(t, response, func(doc *etree.Document) {
		unsign(doc)
		ks := dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{idp.cert.Raw}, PrivateKey: idp.key})
		signed, err := dsig.NewDefaultSigningContext(ks).SignEnveloped(doc.Root())
		if err != nil {
			t.Fatal(err)
		}
		doc.SetRoot(signed)
	})
	q = postACS(t, b, st.acs, resigned, app.conf.RedirectURL)
	wantRefused(t, "a signed response with an unsigned assertion", q, "the assertion is not signed")

	// A response the IdP sends unasked (no InResponseTo) is refused by default.
	b = newBrowser(t)
	st.start(t, b, pkce, "n-4")
	_, response = samlForm(t, b.client, idp.srv.URL+"/initiated")
	q = postACS(t, b, st.acs, response, app.conf.RedirectURL)
	wantRefused(t, "an IdP-initiated response", q, "`InResponseTo` does not match")

	// SCIM deactivates Ada: her next sign-in is refused with the reason.
	s.do(t, "PATCH", "/Users/"+adaID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"active","value":"False"}]}`).want(t, 200)
	b = newBrowser(t)
	_, response = samlForm(t, b.client, st.start(t, b, pkce, "n-5"))
	q = postACS(t, b, st.acs, response, app.conf.RedirectURL)
	wantRefused(t, "a deactivated user", q, "deactivated")

	rows := s.logRows(t, 6, "--tenant", "default", "--action", "sign-in")
	var reasons []string
	for _, row := range rows {
		reasons = append(reasons, fmt.Sprint(row["reason"], " ", row["status"]))
	}
	if got, want := strings.Join(reasons, ", "), "signin_user_deactivated 403, signin_idp_token_invalid 403, signin_idp_token_invalid 403, "+
		"signin_idp_token_invalid 403, signin_idp_token_invalid 403, signin_ok 200"; got != want {
		t.Errorf("sign-in rows of the tenant, newest first: %s; want %s", got, want)
	}
	if last := rows[0]; last["resource_id"] != adaID || !strings.Contains(fmt.Sprint(last["response"]), "deactivated by the IdP at") {
		t.Errorf("the refusal's row: %v", last)
	}
	table := s.cli(t, "log", "--tenant", "default", "--action", "sign-in")
	if !strings.Contains(table, "signin_user_deactivated") {
		t.Errorf("roster log --action sign-in:\n%s", table)
	}
}

// editResponse decodes a SAMLResponse, lets edit change it, and encodes it again.
func editResponse(t *testing.T, response string, edit func(*etree.Document)) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(response)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(out)
}

func wantRefused(t *testing.T, what string, q url.Values, description string) {
	t.Helper()
	if q.Get("error") != "access_denied" || q.Get("code") != "" || !strings.Contains(q.Get("error_description"), description) {
		t.Errorf("%s: back at the app with %v; want access_denied saying %q", what, q, description)
	}
}
