package admin_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/sso"
)

const entraIssuer = "https://login.microsoftonline.com/dir-1/v2.0"

// TestSetOIDCSignIn sets a tenant's OIDC connection with each credential
// and checks the rules: an issuer, a client id and exactly one credential; a
// key only with its certificate; Entra's authority form completed; a
// generated certificate kept by a later set that asks for one again, and
// replaced by a secret or a certificate brought. Each set writes one audit
// row, its settings before and after, never the secret or a private key.
func TestSetOIDCSignIn(t *testing.T) {
	ctx, svc, _ := newSealedService(t)
	certPEM, keyPEM := selfSignedPEM(t, rsaKey(t))
	_, otherKey := selfSignedPEM(t, rsaKey(t))
	ecCert, ecKey := selfSignedPEM(t, ecKey(t))
	const secret = "entra-client-secret-value"
	for _, c := range []struct {
		name string
		in   admin.OIDCSignIn
	}{
		{"no issuer", admin.OIDCSignIn{ClientID: "cid", ClientSecret: secret}},
		{"no client id", admin.OIDCSignIn{Issuer: entraIssuer, ClientSecret: secret}},
		{"no credential", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid"}},
		{"secret and generate", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", ClientSecret: secret, GenerateCertificate: true}},
		{"secret and certificate", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", ClientSecret: secret, CertificatePEM: certPEM, KeyPEM: keyPEM}},
		{"generate and key", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", GenerateCertificate: true, KeyPEM: keyPEM}},
		{"certificate without key", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", CertificatePEM: certPEM}},
		{"key without certificate", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", KeyPEM: keyPEM}},
		{"another key", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", CertificatePEM: certPEM, KeyPEM: otherKey}},
		{"not RSA", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", CertificatePEM: ecCert, KeyPEM: ecKey}},
		{"not PEM", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", CertificatePEM: []byte("cert"), KeyPEM: []byte("key")}},
		{"issuer not a URL", admin.OIDCSignIn{Issuer: "login.microsoftonline.com/dir-1", ClientID: "cid", ClientSecret: secret}},
		{"issuer with a query", admin.OIDCSignIn{Issuer: "https://idp.example.com/?x=1", ClientID: "cid", ClientSecret: secret}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := svc.SetOIDCSignIn(ctx, "acme", c.in); roster.ErrorCode(err) != roster.EINVALID {
				t.Errorf("SetOIDCSignIn = %v, want EINVALID", err)
			}
		})
	}
	ok := admin.OIDCSignIn{Issuer: "https://login.microsoftonline.com/dir-1", ClientID: "cid", ClientSecret: secret}
	if _, _, err := svc.SetOIDCSignIn(ctx, "nope", ok); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("SetOIDCSignIn(unknown tenant) = %v, want ENOTFOUND", err)
	}
	skip := len(auditSince(t, ctx, svc, 0))

	// A secret, sealed; Entra's authority form gets /v2.0.
	tn, c, err := svc.SetOIDCSignIn(ctx, "acme", ok)
	if err != nil {
		t.Fatalf("SetOIDCSignIn(secret) = %v", err)
	}
	if tn.Name != "acme" || c.Issuer != entraIssuer || c.UsesCertificate() || bytes.Contains(c.SealedSecret, []byte(secret)) {
		t.Errorf("SetOIDCSignIn(secret) = %s, issuer %s, certificate %t, sealed %q", tn.Name, c.Issuer, c.UsesCertificate(), c.SealedSecret)
	}

	// generate makes a key pair; generate again keeps it.
	gen := admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", GenerateCertificate: true}
	_, first, err := svc.SetOIDCSignIn(ctx, "acme", gen)
	if err != nil || !first.UsesCertificate() {
		t.Fatalf("SetOIDCSignIn(generate) = %+v, %v", first, err)
	}
	_, again, err := svc.SetOIDCSignIn(ctx, "acme", gen)
	if err != nil || !bytes.Equal(again.Certificate, first.Certificate) || !bytes.Equal(again.SealedSecret, first.SealedSecret) {
		t.Errorf("SetOIDCSignIn(generate again) replaced the key pair (%v)", err)
	}
	_, stored, err := svc.SignInConnection(ctx, "acme")
	if err != nil || !bytes.Equal(stored.Certificate, first.Certificate) {
		t.Errorf("SignIn after generate: the generated certificate stored %t (%v)", err == nil && bytes.Equal(stored.Certificate, first.Certificate), err)
	}

	// A certificate brought replaces it; generate then keeps that one too.
	_, mine, err := svc.SetOIDCSignIn(ctx, "acme", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", CertificatePEM: certPEM, KeyPEM: keyPEM})
	if err != nil {
		t.Fatalf("SetOIDCSignIn(certificate) = %v", err)
	}
	if b, _ := pem.Decode(certPEM); !bytes.Equal(mine.Certificate, b.Bytes) {
		t.Errorf("SetOIDCSignIn(certificate) stored another certificate")
	}
	if _, kept, err := svc.SetOIDCSignIn(ctx, "acme", gen); err != nil || !bytes.Equal(kept.Certificate, mine.Certificate) {
		t.Errorf("SetOIDCSignIn(generate) after a certificate brought replaced it (%v)", err)
	}

	// A secret replaces the certificate; generate then makes a new pair.
	if _, _, err := svc.SetOIDCSignIn(ctx, "acme", ok); err != nil {
		t.Fatal(err)
	}
	if _, fresh, err := svc.SetOIDCSignIn(ctx, "acme", gen); err != nil || bytes.Equal(fresh.Certificate, mine.Certificate) || bytes.Equal(fresh.Certificate, first.Certificate) {
		t.Errorf("SetOIDCSignIn(generate) after a secret kept an old certificate (%v)", err)
	}

	es := auditSince(t, ctx, svc, skip, secret, string(keyPEM), base64.StdEncoding.EncodeToString(c.SealedSecret),
		base64.StdEncoding.EncodeToString(first.SealedSecret))
	if got, want := actions(es), "signin.set signin.set signin.set signin.set signin.set signin.set signin.set"; got != want {
		t.Fatalf("audit actions = %s, want %s", got, want)
	}
	if es[0].Before != nil || es[0].Tenant != "acme" || field(t, es[0].After, "credential") != "secret" || field(t, es[0].After, "issuer") != entraIssuer {
		t.Errorf("first set's row: before %s after %s tenant %q", es[0].Before, es[0].After, es[0].Tenant)
	}
	if string(es[1].Before) != string(es[0].After) || field(t, es[1].After, "credential") != "certificate" {
		t.Errorf("generate's row: before %s (want %s), after %s", es[1].Before, es[0].After, es[1].After)
	}
	if sum, _ := sso.Thumbprints(first.Certificate); field(t, es[1].After, "certificate_sha256") != sum {
		t.Errorf("generate's row names certificate %s, want %s", field(t, es[1].After, "certificate_sha256"), sum)
	}
}

// TestSetSAMLSignIn sets a tenant's SAML connection from the IdP's
// metadata: the service provider's key pair is made on the first set and
// kept by the next, which may change the IdP-initiated flag; metadata that
// names no signing certificate, or none at all, is refused.
func TestSetSAMLSignIn(t *testing.T) {
	ctx, svc, _ := newSealedService(t)
	cert, _ := selfSignedPEM(t, rsaKey(t))
	b, _ := pem.Decode(cert)
	meta := metadataXML("https://sts.windows.net/dir-1/", base64.StdEncoding.EncodeToString(b.Bytes))
	for name, doc := range map[string][]byte{"none": nil, "not XML": []byte("metadata"), "no certificate": metadataXML("https://sts.windows.net/dir-1/")} {
		if _, _, err := svc.SetSAMLSignIn(ctx, "acme", admin.SAMLSignIn{Metadata: doc}); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("SetSAMLSignIn(%s) = %v, want EINVALID", name, err)
		}
	}
	if _, _, err := svc.SetSAMLSignIn(ctx, "nope", admin.SAMLSignIn{Metadata: meta}); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("SetSAMLSignIn(unknown tenant) = %v, want ENOTFOUND", err)
	}
	skip := len(auditSince(t, ctx, svc, 0))

	tn, m, err := svc.SetSAMLSignIn(ctx, "acme", admin.SAMLSignIn{Metadata: meta})
	if err != nil {
		t.Fatalf("SetSAMLSignIn = %v", err)
	}
	if tn.Name != "acme" || m.EntityID != "https://sts.windows.net/dir-1/" || len(m.Certificates) != 1 {
		t.Errorf("SetSAMLSignIn = %s, %s, %d certificates", tn.Name, m.EntityID, len(m.Certificates))
	}
	_, first, err := svc.SignInConnection(ctx, tn.ID)
	if err != nil || first.Type != roster.ConnectionSAML || first.IdPInitiated || len(first.Certificate) == 0 {
		t.Fatalf("SignIn = %v; want a SAML connection, not IdP-initiated, with a certificate", err)
	}
	if _, _, err := svc.SetSAMLSignIn(ctx, "acme", admin.SAMLSignIn{Metadata: meta, IdPInitiated: true}); err != nil {
		t.Fatal(err)
	}
	_, second, err := svc.SignInConnection(ctx, "acme")
	if err != nil || !second.IdPInitiated || !bytes.Equal(second.Certificate, first.Certificate) || !bytes.Equal(second.SealedSecret, first.SealedSecret) {
		t.Errorf("the second set: IdP-initiated %t, same key pair %t (%v)", second.IdPInitiated, bytes.Equal(second.Certificate, first.Certificate), err)
	}
	es := auditSince(t, ctx, svc, skip, base64.StdEncoding.EncodeToString(first.SealedSecret))
	if actions(es) != "signin.set signin.set" || field(t, es[1].After, "idp_initiated") != "true" ||
		field(t, es[1].Before, "idp_initiated") != "" || field(t, es[1].After, "type") != "saml" || field(t, es[1].After, "metadata_sha256") == "" {
		t.Errorf("audit: %s; second row before %s after %s", actions(es), es[1].Before, es[1].After)
	}
}

// TestSAMLMetadataURL sets a SAML connection from the URL of the IdP's
// metadata, as Entra's App Federation Metadata Url gives it; a URL that is not
// http(s), fails, answers other than 200 or too much, and a document given
// with its URL, are refused with EINVALID.
func TestSAMLMetadataURL(t *testing.T) {
	ctx, svc, _ := newSealedService(t)
	cert, _ := selfSignedPEM(t, rsaKey(t))
	b, _ := pem.Decode(cert)
	meta := metadataXML("https://sts.windows.net/dir-1/", base64.StdEncoding.EncodeToString(b.Bytes))
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/federationmetadata.xml":
			w.Write(meta)
		case "/page":
			w.Write([]byte("<html><body>Sign in</body></html>"))
		case "/huge":
			w.Write(bytes.Repeat([]byte(" "), 4<<20+1))
		default:
			http.NotFound(w, r)
		}
	}))
	defer idp.Close()
	for name, in := range map[string]admin.SAMLSignIn{
		"not http":  {MetadataURL: "ftp://idp.example.com/metadata"},
		"relative":  {MetadataURL: "/metadata"},
		"404":       {MetadataURL: idp.URL + "/missing"},
		"too large": {MetadataURL: idp.URL + "/huge"},
		"no server": {MetadataURL: "http://127.0.0.1:1/metadata"},
		"both":      {MetadataURL: idp.URL + "/federationmetadata.xml", Metadata: meta},
		"neither":   {},
		"not SAML":  {MetadataURL: idp.URL + "/page"},
	} {
		if _, _, err := svc.SetSAMLSignIn(ctx, "acme", in); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("SetSAMLSignIn(%s) = %v, want EINVALID", name, err)
		}
	}
	_, m, err := svc.SetSAMLSignIn(ctx, "acme", admin.SAMLSignIn{MetadataURL: idp.URL + "/federationmetadata.xml"})
	if err != nil || m.EntityID != "https://sts.windows.net/dir-1/" {
		t.Fatalf("SetSAMLSignIn(metadata URL) = %v, %v", m, err)
	}
	if _, c, err := svc.SignInConnection(ctx, "acme"); err != nil || c.Metadata != string(meta) {
		t.Errorf("the connection keeps the fetched metadata: %v", err)
	}
}

// TestRemoveSignIn removes a tenant's connection: once, with its audit row.
func TestRemoveSignIn(t *testing.T) {
	ctx, svc, _ := newSealedService(t)
	if _, err := svc.RemoveSignIn(ctx, "acme"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RemoveSignIn(no connection) = %v, want ENOTFOUND", err)
	}
	if _, _, err := svc.SetOIDCSignIn(ctx, "acme", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", ClientSecret: "s"}); err != nil {
		t.Fatal(err)
	}
	skip := len(auditSince(t, ctx, svc, 0))
	if tn, err := svc.RemoveSignIn(ctx, "acme"); err != nil || tn.Name != "acme" {
		t.Fatalf("RemoveSignIn = %v, %v", tn, err)
	}
	if _, _, err := svc.SignInConnection(ctx, "acme"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("SignIn after RemoveSignIn = %v, want ENOTFOUND", err)
	}
	if _, err := svc.RemoveSignIn(ctx, "acme"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("RemoveSignIn again = %v, want ENOTFOUND", err)
	}
	es := auditSince(t, ctx, svc, skip)
	if actions(es) != "signin.remove" || field(t, es[0].Before, "client_id") != "cid" || es[0].After != nil {
		t.Errorf("audit: %s, before %s after %s", actions(es), es[0].Before, es[0].After)
	}
}

// TestRotateSigningKey adds a key for a known algorithm only, and says so
// in the audit trail without the key's private part.
func TestRotateSigningKey(t *testing.T) {
	ctx, svc, st := newSealedService(t)
	if _, err := svc.RotateSigningKey(ctx, "HS256", time.Hour); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("RotateSigningKey(HS256) = %v, want EINVALID", err)
	}
	skip := len(auditSince(t, ctx, svc, 0))
	k, err := svc.RotateSigningKey(ctx, roster.ES256, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := st.SigningKeys(ctx)
	if err != nil || len(ks) != 1 || ks[0].ID != k.ID {
		t.Errorf("SigningKeys = %v, %v; want the new key", ks, err)
	}
	es := auditSince(t, ctx, svc, skip, base64.StdEncoding.EncodeToString(k.SealedPrivate))
	if actions(es) != "signin.rotate_key" || es[0].Target != k.ID || field(t, es[0].After, "alg") != "ES256" {
		t.Errorf("audit: %s target %s after %s", actions(es), es[0].Target, es[0].After)
	}
}

// TestSignInWithoutSealer: the operations that seal a secret fail without a sealer.
func TestSignInWithoutSealer(t *testing.T) {
	ctx, sealed, st := newSealedService(t)
	svc := admin.New(st, time.Now, slog.New(slog.DiscardHandler))
	if _, _, err := svc.SetOIDCSignIn(ctx, "acme", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", ClientSecret: "s"}); err == nil {
		t.Error("SetOIDCSignIn without a sealer succeeded")
	}
	if _, err := svc.RotateSigningKey(ctx, roster.ES256, time.Hour); err == nil {
		t.Error("RotateSigningKey without a sealer succeeded")
	}
	if _, _, err := sealed.SetOIDCSignIn(ctx, "acme", admin.OIDCSignIn{Issuer: entraIssuer, ClientID: "cid", ClientSecret: "s"}); err != nil {
		t.Errorf("the sealing service = %v", err)
	}
}

// metadataXML is an IdP's metadata in Entra's shape, signing with certs (base64 DER).
func metadataXML(entityID string, certs ...string) []byte {
	var keys bytes.Buffer
	for _, c := range certs {
		keys.WriteString(`<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` +
			c + `</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`)
	}
	return []byte(`<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_a" entityID="` + entityID + `" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` +
		`<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` + keys.String() +
		`<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.com/dir-1/saml2"/>` +
		`</IDPSSODescriptor></EntityDescriptor>`)
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// selfSignedPEM returns a self-signed certificate of key, valid a year, and
// the key (PKCS #8), in PEM.
func selfSignedPEM(t *testing.T, key crypto.Signer) (cert, keyPEM []byte) {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "contoso app"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})
}
