package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rosterhq/roster/sso"
)

// TestSignInWithCertificate connects the tenant's Entra with a certificate
// credential instead of a client secret: Roster generates the key pair, sso
// get prints the certificate the admin uploads to Entra, and the token
// exchange at the callback sends a client assertion signed with its key. A
// SCIM-provisioned user signs in end to end; a later set keeps the key pair;
// Entra refuses a replayed assertion, and a certificate it does not know,
// which Roster logs as the IdP refusing the code. A certificate and key the
// admin brings work the same way.
func TestSignInWithCertificate(t *testing.T) { forEachStore(t, testSignInWithCertificate) }

func testSignInWithCertificate(t *testing.T, db string) {
	ctx := context.Background()
	setup := startSignIn(t, db)
	s, env, issuer, entra := setup.s, setup.env, setup.issuer, setup.entra
	setCert := func(cert ...string) {
		t.Helper()
		cliEnv(t, s, env, append([]string{"sso", "set", "--tenant", "default", "--type", "oidc", "--issuer", entra.issuer(),
			"--client-id", entra.clientID, "--client-certificate"}, cert...)...)
	}
	setCert("generate")
	out := cliEnv(t, s, env, "sso", "get", "--tenant", "default", "--public-url", issuer)
	certPEM := certificatePEM(t, out)
	if lastValue(t, out, "client_credential") != "certificate" {
		t.Errorf("sso get: client_credential is not certificate:\n%s", out)
	}
	b, _ := pem.Decode([]byte(certPEM))
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	s256, s1 := sha256.Sum256(cert.Raw), sha1.Sum(cert.Raw)
	if lastValue(t, out, "client_certificate_sha256") != strings.ToUpper(hex.EncodeToString(s256[:])) ||
		lastValue(t, out, "client_certificate_sha1") != strings.ToUpper(hex.EncodeToString(s1[:])) ||
		lastValue(t, out, "client_certificate_expires") != stamp(cert.NotAfter) {
		t.Errorf("sso get: thumbprints or expiry are not the certificate's:\n%s", out)
	}
	if years := time.Until(cert.NotAfter).Hours() / 24 / 365; years < 1.99 || years > 2.01 {
		t.Errorf("the generated certificate is valid %.2f years, want 2", years)
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok || cert.PublicKey.(*rsa.PublicKey).N.BitLen() != 2048 {
		t.Errorf("the generated certificate's key is not RSA 2048")
	}
	entra.registerCertificate(t, certPEM, true)

	// A later set that keeps the credential keeps the key pair.
	setCert("generate")
	if again := certificatePEM(t, cliEnv(t, s, env, "sso", "get", "--tenant", "default")); again != certPEM {
		t.Errorf("sso set --client-certificate generate replaced the key pair")
	}

	// Ada, provisioned by SCIM, signs in; Roster authenticates with the certificate.
	r := s.do(t, "POST", "/Users", vendorUser(t, "ada@contoso.com", "ada@contoso.com", "f-x")).want(t, 201)
	entra.setAccount(entraAccount{sub: "ada-subject", oid: "ext-ada@contoso.com", upn: "ada@contoso.com", email: "ada@contoso.com", name: "Ada"})
	out = cliEnv(t, s, env, "client", "create", "--name", "app", "--redirect-uri", "http://127.0.0.1:1/cb")
	app := newHostApp(t, issuer, lastValue(t, out, "client_id"), lastValue(t, out, "client_secret"), "http://127.0.0.1:1/cb")
	// signInAda signs Ada in and checks her ID token; refused: returns the refusal.
	signInAda := func(nonce string, refused bool) url.Values {
		t.Helper()
		pkce := oauth2.GenerateVerifier()
		q := app.signIn(t, newBrowser(t), entra, issuer, pkce, nonce, "tenant", "default")
		if refused || q.Get("error") != "" {
			if !refused {
				t.Fatalf("sign-in refused: %v", q)
			}
			return q
		}
		_, idt, c := app.redeem(ctx, t, q.Get("code"), pkce)
		if idt.Subject != str(r.body, "id") || !c.Entitlements.Active || c.Entitlements.AccessRole != "Admin" ||
			strings.Join(c.Entitlements.Licenses, ",") != "standard" {
			t.Errorf("ID token: sub %s entitlements %+v; want Ada's, active, Admin, standard", idt.Subject, c.Entitlements)
		}
		return q
	}
	signInAda("n-1", false)
	entra.mu.Lock()
	auths, replay := strings.Join(entra.auths, ","), entra.lastAssertion
	entra.mu.Unlock()
	if auths != "certificate" {
		t.Errorf("Roster authenticated to Entra with %q, want certificate", auths)
	}

	// Entra refuses an assertion it has seen.
	resp, err := http.PostForm(entra.srv.URL+"/"+entra.tid+"/oauth2/v2.0/token", url.Values{"grant_type": {"authorization_code"},
		"code": {"entra-code-x"}, "client_id": {entra.clientID}, "client_assertion_type": {sso.ClientAssertionType}, "client_assertion": {replay}})
	if err != nil {
		t.Fatal(err)
	}
	var refusal struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	json.NewDecoder(resp.Body).Decode(&refusal)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || refusal.Error != "invalid_client" || !strings.HasPrefix(refusal.Description, "AADSTS700027:") {
		t.Errorf("a replayed assertion = %d %+v; want 401 invalid_client AADSTS700027", resp.StatusCode, refusal)
	}

	// A certificate Entra does not know is refused, with the reason.
	other, _ := selfSignedPEM(t)
	entra.registerCertificate(t, other, true)
	q := signInAda("n-2", true)
	if q.Get("error") != "access_denied" || !strings.Contains(q.Get("error_description"), "invalid_client") {
		t.Errorf("sign-in with an unregistered certificate: %v; want access_denied naming invalid_client", q)
	}
	rows := s.logRows(t, 2, "--tenant", "default", "--action", "sign-in")
	if len(rows) < 2 || rows[0]["reason"] != "signin_idp_token" || !strings.Contains(stringOf(rows[0]["response"]), "AADSTS700027") {
		t.Errorf("the refusal's row: %v; want reason signin_idp_token naming AADSTS700027", rows)
	}

	// The admin brings a certificate and key of their own.
	certFile, keyFile := filepath.Join(t.TempDir(), "cert.pem"), filepath.Join(t.TempDir(), "key.pem")
	mine, mineKey := selfSignedPEM(t)
	if err := os.WriteFile(certFile, []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(mineKey), 0o600); err != nil {
		t.Fatal(err)
	}
	setCert(certFile, "--client-key", keyFile)
	if got := certificatePEM(t, cliEnv(t, s, env, "sso", "get", "--tenant", "default")); got != mine {
		t.Errorf("sso get prints another certificate than the one given")
	}
	entra.registerCertificate(t, mine, true)
	signInAda("n-3", false)

	// Exactly one credential; a key only with a certificate file.
	for _, args := range [][]string{
		{"--client-secret", "s", "--client-certificate", "generate"},
		{},
		{"--client-certificate", "generate", "--client-key", keyFile},
		{"--client-certificate", certFile},
		{"--client-certificate", certFile, "--client-key", certFile},
	} {
		var stdout, stderr strings.Builder
		err := run(ctx, append([]string{"sso", "set", "--tenant", "default", "--type", "oidc", "--issuer", entra.issuer(),
			"--client-id", entra.clientID, "--db", s.db}, args...), func(k string) string { return env[k] }, &stdout, &stderr)
		if err == nil {
			t.Errorf("sso set %s: accepted", strings.Join(args, " "))
		}
	}
}

// certificatePEM returns the PEM certificate in sso get's output.
func certificatePEM(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, "-----BEGIN CERTIFICATE-----")
	if i < 0 {
		t.Fatalf("no certificate in:\n%s", out)
	}
	return out[i:]
}

// selfSignedPEM returns a fresh self-signed RSA certificate and its key (PKCS #8), in PEM.
func selfSignedPEM(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "contoso app"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}))
}

// stringOf prints a log row's value, whatever its JSON type.
func stringOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
