package sso

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rosterhq/roster"
)

// Certificate credentials. Instead of a client secret, an OIDC connection
// may authenticate to the IdP's token endpoint with a key pair whose
// certificate is registered at the IdP (OpenID Connect Core §9,
// private_key_jwt; RFC 7523 §2.2): the token request carries a JWT signed
// with the private key, which Entra ID finds the certificate of by its
// thumbprint header. The connection keeps the certificate (DER) in
// Certificate and the PKCS #8 private key, sealed, in SealedSecret.

// purposeClientKey is what an OIDC connection's private key is sealed for.
const purposeClientKey = "roster OIDC client key"

// ClientAssertionType is the client_assertion_type of a JWT client
// assertion (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ClientCertificateValidity is how long a certificate Roster generates for a
// connection is valid.
const ClientCertificateValidity = 2 * 365 * 24 * time.Hour

// assertionTTL is how long a client assertion may be presented.
const assertionTTL = 5 * time.Minute

// NewClientCertificate generates an RSA 2048 key and a self-signed
// certificate for it, valid for ClientCertificateValidity from now, and
// returns the certificate (DER) and the sealed private key.
func NewClientCertificate(sealer *Sealer, tenantID string, now time.Time) (cert, sealedKey []byte, err error) {
	key, cert, err := selfSigned("Roster OIDC client "+tenantID, now, now.Add(ClientCertificateValidity))
	if err != nil {
		return nil, nil, fmt.Errorf("client certificate: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("client certificate: %w", err)
	}
	return cert, sealer.Seal(purposeClientKey, der), nil
}

// ImportClientCertificate reads a certificate and its RSA private key (PEM;
// the key PKCS #8 or PKCS #1) and returns the certificate (DER) and the
// sealed private key. EINVALID when either does not parse, the key is not
// RSA or not the certificate's, or the certificate has expired at now.
func ImportClientCertificate(sealer *Sealer, certPEM, keyPEM []byte, now time.Time) (cert, sealedKey []byte, err error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, nil, roster.Errorf(roster.EINVALID, "client certificate: no PEM CERTIFICATE block")
	}
	c, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, roster.Errorf(roster.EINVALID, "client certificate: %v", err)
	}
	if now.After(c.NotAfter) {
		return nil, nil, roster.Errorf(roster.EINVALID, "client certificate: expired at %s", c.NotAfter.UTC().Format(time.RFC3339))
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, nil, roster.Errorf(roster.EINVALID, "client key: no PEM block")
	}
	var key any
	switch kb.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(kb.Bytes)
	default:
		return nil, nil, roster.Errorf(roster.EINVALID, "client key: a PEM %s block; want PRIVATE KEY or RSA PRIVATE KEY", kb.Type)
	}
	if err != nil {
		return nil, nil, roster.Errorf(roster.EINVALID, "client key: %v", err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, roster.Errorf(roster.EINVALID, "client key: not an RSA key (Entra ID takes RSA certificates)")
	}
	if !rsaKey.PublicKey.Equal(c.PublicKey) {
		return nil, nil, roster.Errorf(roster.EINVALID, "client key: not the key of the certificate")
	}
	der, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		return nil, nil, fmt.Errorf("client key: %w", err)
	}
	return c.Raw, sealer.Seal(purposeClientKey, der), nil
}

// Thumbprints returns the SHA-256 and SHA-1 digests of a certificate's DER
// encoding in upper-case hex, as Entra ID shows a registered certificate's.
func Thumbprints(cert []byte) (sha256Hex, sha1Hex string) {
	s256, s1 := sha256.Sum256(cert), sha1.Sum(cert)
	return strings.ToUpper(hex.EncodeToString(s256[:])), strings.ToUpper(hex.EncodeToString(s1[:]))
}

// CertificatePEM returns a DER certificate in PEM form.
func CertificatePEM(cert []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}))
}

// ClientAssertion returns a client assertion for clientID at the token
// endpoint tokenURL, signed with key, whose certificate is cert (DER), in the
// form Microsoft's identity platform documents for certificate credentials:
// alg PS256, typ JWT, x5t#S256 and x5t (the base64url SHA-256 and SHA-1 of
// the certificate); claims aud (the token endpoint), iss and sub (the client
// id), a random jti, iat, nbf, and exp assertionTTL after now.
func ClientAssertion(key *rsa.PrivateKey, cert []byte, clientID, tokenURL string, now time.Time) (string, error) {
	s256, s1 := sha256.Sum256(cert), sha1.Sum(cert)
	opts := (&jose.SignerOptions{}).WithType("JWT").
		WithHeader("x5t#S256", base64.RawURLEncoding.EncodeToString(s256[:])).
		WithHeader("x5t", base64.RawURLEncoding.EncodeToString(s1[:]))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("client assertion: %w", err)
	}
	return jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: clientID, Subject: clientID, Audience: jwt.Audience{tokenURL}, ID: random(),
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(assertionTTL)),
	}).Serialize()
}

// openClientKey opens an OIDC connection's sealed private key.
func (s *Server) openClientKey(conn *roster.SSOConnection) (*rsa.PrivateKey, error) {
	der, err := s.opts.Sealer.Open(purposeClientKey, conn.SealedSecret)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("client key: %w", err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("client key: not an RSA key")
	}
	return rsaKey, nil
}

// selfSigned generates an RSA 2048 key and a self-signed certificate for it,
// valid from an hour before now (for clocks behind ours) until notAfter.
func selfSigned(commonName string, now, notAfter time.Time) (*rsa.PrivateKey, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: commonName},
		NotBefore: now.Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	return key, cert, nil
}
