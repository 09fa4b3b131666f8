package sso

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// metadataXML is an IdP's metadata in Entra's shape, with the given signing
// certificates and single sign-on binding.
func metadataXML(entityID, binding string, certs ...string) string {
	var keys strings.Builder
	for _, c := range certs {
		keys.WriteString(`<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` +
			c + `</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`)
	}
	return `<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_a" entityID="` + entityID + `" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` +
		`<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` + keys.String() +
		`<SingleSignOnService Binding="` + binding + `" Location="https://login.microsoftonline.com/dir/saml2"/>` +
		`</IDPSSODescriptor></EntityDescriptor>`
}

func testCert(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func TestParseIdPMetadata(t *testing.T) {
	const redirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	const entity = "https://sts.windows.net/dir/"
	c1, c2 := testCert(t), testCert(t)
	tests := []struct {
		name, doc string
		certs     int
		err       string
	}{
		{name: "one certificate", doc: metadataXML(entity, redirect, c1), certs: 1},
		{name: "two for rotation", doc: metadataXML(entity, redirect, c1, "\n  "+c2+"\n"), certs: 2},
		{name: "no certificate", doc: metadataXML(entity, redirect), err: "no signing certificate"},
		{name: "bad certificate", doc: metadataXML(entity, redirect, "AAAA"), err: "signing certificate"},
		{name: "no redirect binding", doc: metadataXML(entity, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", c1), err: "HTTP-Redirect"},
		{name: "no entity id", doc: metadataXML("", redirect, c1), err: "no entityID"},
		{name: "not metadata", doc: `<html></html>`, err: "not an EntityDescriptor"},
		{name: "not XML", doc: `{}`, err: "SAML metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseIdPMetadata([]byte(tt.doc))
			if tt.err != "" {
				if roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseIdPMetadata = %v, want EINVALID saying %q", err, tt.err)
				}
				return
			}
			if err != nil || m.EntityID != entity || len(m.Certificates) != tt.certs || m.SSOURL == "" {
				t.Fatalf("ParseIdPMetadata = %+v, %v; want %s with %d certificates", m, err, entity, tt.certs)
			}
		})
	}
}

// TestNewSAMLConnectionKeepsKey makes the key pair once: a later set (new
// metadata, e.g. a rotated certificate) keeps it.
func TestNewSAMLConnectionKeepsKey(t *testing.T) {
	sealer, err := NewSealer(make([]byte, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(metadataXML("https://sts.windows.net/dir/", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", testCert(t)))
	first, _, err := NewSAMLConnection(sealer, "t1", doc, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealer.Open(purposeSAMLKey, first.SealedSecret); err != nil || first.Issuer != "https://sts.windows.net/dir/" {
		t.Fatalf("first connection: issuer %q, key opens: %v", first.Issuer, err)
	}
	again, _, err := NewSAMLConnection(sealer, "t1", doc, first, time.Now())
	if err != nil || string(again.Certificate) != string(first.Certificate) {
		t.Fatalf("a later set made another key pair (%v)", err)
	}
}
