package sso

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rosterhq/roster"
)

func TestClientAssertion(t *testing.T) {
	sealer, _ := NewSealer(make([]byte, KeySize))
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	cert, sealed, err := NewClientCertificate(sealer, "t1", now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(cert)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.NotAfter.Sub(now); got != ClientCertificateValidity {
		t.Errorf("certificate valid for %s after now, want %s", got, ClientCertificateValidity)
	}
	s := &Server{opts: Options{Sealer: sealer}}
	key, err := s.openClientKey(&roster.SSOConnection{Type: roster.ConnectionOIDC, SealedSecret: sealed, Certificate: cert})
	if err != nil {
		t.Fatal(err)
	}

	const clientID, tokenURL = "6731de76-14a6-49ae-97bc-6eba6914391e", "https://login.microsoftonline.com/t/oauth2/v2.0/token"
	raw, err := ClientAssertion(key, cert, clientID, tokenURL, now)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.PS256})
	if err != nil {
		t.Fatalf("ParseSigned = %v", err)
	}
	h := tok.Headers[0]
	s256, s1 := sha256.Sum256(cert), sha1.Sum(cert)
	if h.Algorithm != "PS256" || h.ExtraHeaders[jose.HeaderType] != "JWT" ||
		h.ExtraHeaders["x5t#S256"] != base64.RawURLEncoding.EncodeToString(s256[:]) ||
		h.ExtraHeaders["x5t"] != base64.RawURLEncoding.EncodeToString(s1[:]) {
		t.Errorf("header = %+v; want PS256, typ JWT, x5t#S256 and x5t of the certificate", h)
	}
	var payload struct {
		Aud any `json:"aud"`
	}
	if err := tok.UnsafeClaimsWithoutVerification(&payload); err != nil || payload.Aud != tokenURL {
		t.Errorf("aud = %#v (%v), want the token endpoint as one string", payload.Aud, err)
	}
	var claims jwt.Claims
	if err := tok.Claims(c.PublicKey, &claims); err != nil {
		t.Fatalf("the signature does not verify with the certificate's key: %v", err)
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Issuer: clientID, Subject: clientID, AnyAudience: jwt.Audience{tokenURL}, Time: now}, 0); err != nil {
		t.Errorf("claims %+v: %v", claims, err)
	}
	if claims.ID == "" || !claims.IssuedAt.Time().Equal(now) || !claims.NotBefore.Time().Equal(now) || !claims.Expiry.Time().Equal(now.Add(assertionTTL)) {
		t.Errorf("claims jti %q iat %v nbf %v exp %v; want a jti, iat = nbf = now, exp = now+%s",
			claims.ID, claims.IssuedAt.Time(), claims.NotBefore.Time(), claims.Expiry.Time(), assertionTTL)
	}
	again, _ := ClientAssertion(key, cert, clientID, tokenURL, now)
	var next jwt.Claims
	if tok, err := jwt.ParseSigned(again, []jose.SignatureAlgorithm{jose.PS256}); err != nil || tok.Claims(c.PublicKey, &next) != nil || next.ID == claims.ID {
		t.Errorf("two assertions share jti %q", claims.ID)
	}
}

func TestImportClientCertificate(t *testing.T) {
	sealer, _ := NewSealer(make([]byte, KeySize))
	now := time.Now()
	key, cert, err := selfSigned("mine", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := selfSigned("other", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	certPEM := []byte(CertificatePEM(cert))
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	pkcs8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
	tests := []struct {
		name      string
		cert, key []byte
		at        time.Time
		ok        bool
	}{
		{name: "pkcs8", cert: certPEM, key: pkcs8, at: now, ok: true},
		{name: "pkcs1", cert: certPEM, key: pkcs1, at: now, ok: true},
		{name: "another key", cert: certPEM, key: otherPEM, at: now},
		{name: "key as certificate", cert: pkcs8, key: pkcs8, at: now},
		{name: "certificate as key", cert: certPEM, key: certPEM, at: now},
		{name: "expired", cert: certPEM, key: pkcs8, at: now.Add(2 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, sealed, err := ImportClientCertificate(sealer, tt.cert, tt.key, tt.at)
			if !tt.ok {
				if roster.ErrorCode(err) != roster.EINVALID {
					t.Errorf("ImportClientCertificate = %v, want EINVALID", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ImportClientCertificate = %v", err)
			}
			s := &Server{opts: Options{Sealer: sealer}}
			k, err := s.openClientKey(&roster.SSOConnection{SealedSecret: sealed})
			if err != nil || string(got) != string(cert) || !k.Equal(key) {
				t.Errorf("ImportClientCertificate kept another pair (%v)", err)
			}
		})
	}
}
