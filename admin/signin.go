package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/sso"
)

// WithSealer returns a copy of s that seals sign-in secrets — connections'
// client secrets and private keys, signing keys — with sealer. The sign-in
// operations fail without one.
func (s *Service) WithSealer(sealer *sso.Sealer) *Service {
	c := *s
	c.sealer = sealer
	return &c
}

// errNoSealer is the failure of a sign-in operation on a Service without a sealer.
var errNoSealer = errors.New("admin: no sealer of sign-in secrets (Service.WithSealer)")

// OIDCSignIn is an OpenID Connect connection as an operator sets it: the
// IdP's issuer, the client registered there, and exactly one credential —
// ClientSecret, GenerateCertificate, or CertificatePEM with KeyPEM.
type OIDCSignIn struct {
	// Issuer is the IdP's issuer; Entra ID's authority form
	// https://login.microsoftonline.com/{directory-id} is completed with /v2.0.
	Issuer string
	// Directory, instead of Issuer, is an Entra ID directory's id (its
	// "Directory (tenant) ID", a GUID): the issuer is then
	// https://login.microsoftonline.com/{Directory}/v2.0.
	Directory string
	ClientID  string // the application (client) id registered at the IdP
	// ClientSecret is the client secret the IdP issued; sealed, never shown again.
	ClientSecret string
	// GenerateCertificate has Roster make an RSA key pair and a self-signed
	// certificate for the operator to register at the IdP. A connection that
	// has a certificate keeps it: setting it again does not replace what the
	// IdP knows.
	GenerateCertificate bool
	// CertificatePEM and KeyPEM are a certificate and its RSA private key
	// (PKCS #8 or PKCS #1) the operator brings.
	CertificatePEM, KeyPEM []byte
}

// check returns EINVALID unless o names an issuer (or a directory), a client
// id and one credential.
func (o OIDCSignIn) check() error {
	if o.Issuer != "" && o.Directory != "" {
		return roster.Errorf(roster.EINVALID, "an OIDC connection takes the IdP's issuer or an Entra ID directory, not both")
	}
	if o.Issuer == "" && o.Directory == "" || o.ClientID == "" {
		return roster.Errorf(roster.EINVALID, "an OIDC connection needs the IdP's issuer (for Entra ID, the Directory (tenant) ID) and the application (client) ID registered there")
	}
	n := 0
	for _, given := range []bool{o.ClientSecret != "", o.GenerateCertificate, len(o.CertificatePEM) > 0 || len(o.KeyPEM) > 0} {
		if given {
			n++
		}
	}
	if n != 1 {
		return roster.Errorf(roster.EINVALID, "an OIDC connection needs one credential: a client secret, a certificate Roster generates, or a certificate and its key")
	}
	if (len(o.CertificatePEM) > 0) != (len(o.KeyPEM) > 0) {
		return roster.Errorf(roster.EINVALID, "a client certificate goes with its private key")
	}
	return nil
}

// SetOIDCSignIn connects the tenant idOrName to its IdP through OpenID
// Connect, replacing any connection it has, and returns the tenant and the
// connection. EINVALID (a missing field, both an issuer and a directory, not
// one credential, an issuer that is not an absolute http(s) URL, a directory
// id that is not a GUID, a certificate or key that does not parse, is not
// RSA, is not the pair or has expired); ENOTFOUND.
func (s *Service) SetOIDCSignIn(ctx context.Context, idOrName string, o OIDCSignIn) (*roster.Tenant, *roster.SSOConnection, error) {
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	if o.Directory != "" {
		d, err := sso.EntraDirectory(o.Directory)
		if err != nil {
			return nil, nil, err
		}
		o.Issuer = sso.EntraIssuer(d)
	}
	iss, err := sso.NormalizeIssuer(o.Issuer)
	if err != nil {
		return nil, nil, err
	}
	if s.sealer == nil {
		return nil, nil, errNoSealer
	}
	t, prev, err := s.connection(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	c := &roster.SSOConnection{TenantID: t.ID, Type: roster.ConnectionOIDC, Issuer: iss, ClientID: o.ClientID}
	if err := s.oidcCredential(c, o, prev); err != nil {
		return nil, nil, err
	}
	if err := s.store.SetSSOConnection(ctx, c); err != nil {
		return nil, nil, err
	}
	return t, c, s.audit(ctx, change{action: "signin.set", tenant: t, before: signInStateOf(prev), after: signInStateOf(c)})
}

// oidcCredential fills c's credential from o: the client secret, sealed; for
// GenerateCertificate, prev's certificate when it is an OIDC connection with
// one, else a fresh key pair; or the certificate and key o brings.
func (s *Service) oidcCredential(c *roster.SSOConnection, o OIDCSignIn, prev *roster.SSOConnection) error {
	var err error
	switch {
	case o.ClientSecret != "":
		c.SealedSecret = sso.SealClientSecret(s.sealer, o.ClientSecret)
	case o.GenerateCertificate && prev != nil && prev.UsesCertificate():
		c.Certificate, c.SealedSecret = prev.Certificate, prev.SealedSecret
	case o.GenerateCertificate:
		c.Certificate, c.SealedSecret, err = sso.NewClientCertificate(s.sealer, c.TenantID, s.now())
	default:
		c.Certificate, c.SealedSecret, err = sso.ImportClientCertificate(s.sealer, o.CertificatePEM, o.KeyPEM, s.now())
	}
	return err
}

// SAMLSignIn is a SAML connection as an operator sets it.
type SAMLSignIn struct {
	// Metadata is the IdP's metadata document (Entra: the Federation
	// Metadata XML): its entity id, single sign-on URL and signing certificates.
	Metadata []byte
	// MetadataURL, instead of Metadata, is where the document is fetched
	// from: an http(s) URL (Entra: the App Federation Metadata Url).
	MetadataURL string
	// IdPInitiated accepts responses the IdP sends without a request of
	// Roster's (within a sign-in the app started).
	IdPInitiated bool
}

// SetSAMLSignIn connects the tenant idOrName to its IdP through SAML,
// replacing any connection it has, and returns the tenant and the IdP's
// metadata as read. The tenant's service provider key pair is generated on
// the first SAML set and kept by later ones, so that the IdP's copy of the
// certificate stays valid. EINVALID (no metadata, or both the metadata and
// its URL; a URL that is not http(s), cannot be fetched or does not answer
// 200 with at most 4 MiB; metadata lacking an entity id, a redirect-binding
// sign-on URL or a signing certificate); ENOTFOUND.
func (s *Service) SetSAMLSignIn(ctx context.Context, idOrName string, in SAMLSignIn) (*roster.Tenant, *sso.IdPMetadata, error) {
	if s.sealer == nil {
		return nil, nil, errNoSealer
	}
	t, prev, err := s.connection(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	doc, err := samlMetadata(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	c, m, err := sso.NewSAMLConnection(s.sealer, t.ID, doc, prev, s.now())
	if err != nil {
		return nil, nil, err
	}
	c.IdPInitiated = in.IdPInitiated
	if err := s.store.SetSSOConnection(ctx, c); err != nil {
		return nil, nil, err
	}
	return t, m, s.audit(ctx, change{action: "signin.set", tenant: t, before: signInStateOf(prev), after: signInStateOf(c)})
}

// maxMetadataBytes bounds an IdP's metadata document fetched from its URL.
const maxMetadataBytes = 4 << 20

// samlMetadata returns in's metadata document, fetching it from its URL when
// in gives one. An operator's URL that fails is EINVALID, saying why.
func samlMetadata(ctx context.Context, in SAMLSignIn) ([]byte, error) {
	switch {
	case len(in.Metadata) > 0 && in.MetadataURL != "":
		return nil, roster.Errorf(roster.EINVALID, "a SAML connection takes the IdP's metadata or its URL, not both")
	case len(in.Metadata) > 0:
		return in.Metadata, nil
	case in.MetadataURL == "":
		return nil, roster.Errorf(roster.EINVALID, "a SAML connection needs the IdP's metadata or its URL")
	}
	u, err := url.Parse(in.MetadataURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, roster.Errorf(roster.EINVALID, "metadata URL %q: want an http(s) URL such as Entra's App Federation Metadata Url", in.MetadataURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "metadata URL %q: %v", in.MetadataURL, err)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "fetching the metadata: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, roster.Errorf(roster.EINVALID, "fetching the metadata: GET %s answered %s", u, resp.Status)
	}
	doc, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	switch {
	case err != nil:
		return nil, roster.Errorf(roster.EINVALID, "fetching the metadata: %v", err)
	case len(doc) > maxMetadataBytes:
		return nil, roster.Errorf(roster.EINVALID, "fetching the metadata: GET %s answered more than 4 MiB", u)
	}
	return doc, nil
}

// SignInConnection returns the tenant idOrName and its sign-in connection. ENOTFOUND
// when there is no such tenant or it has no connection.
func (s *Service) SignInConnection(ctx context.Context, idOrName string) (*roster.Tenant, *roster.SSOConnection, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.store.SSOConnection(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	return t, c, nil
}

// RemoveSignIn removes the sign-in connection of the tenant idOrName: its
// people can no longer sign in through an IdP (a password still works for
// the users allowed one). The links between IdP accounts and users stay, so
// that setting the same IdP again signs in the same users. ENOTFOUND when
// there is no such tenant or it has no connection.
func (s *Service) RemoveSignIn(ctx context.Context, idOrName string) (*roster.Tenant, error) {
	t, c, err := s.SignInConnection(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteSSOConnection(ctx, t.ID); err != nil {
		return nil, err
	}
	return t, s.audit(ctx, change{action: "signin.remove", tenant: t, before: signInStateOf(c)})
}

// connection returns the tenant idOrName and its connection, nil when it has none. ENOTFOUND.
func (s *Service) connection(ctx context.Context, idOrName string) (*roster.Tenant, *roster.SSOConnection, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.store.SSOConnection(ctx, t.ID)
	if err != nil && roster.ErrorCode(err) != roster.ENOTFOUND {
		return nil, nil, err
	}
	return t, c, nil
}

// RotateSigningKey adds a signing key for alg (roster.ES256 or roster.RS256)
// that signs Roster's ID and access tokens from now on; the other keys leave
// the JWKS after overlap, so that the tokens they signed stay verifiable
// until then. EINVALID for another algorithm.
func (s *Service) RotateSigningKey(ctx context.Context, alg string, overlap time.Duration) (*roster.SigningKey, error) {
	if s.sealer == nil {
		return nil, errNoSealer
	}
	k, err := sso.RotateKeys(ctx, s.store, s.sealer, alg, s.now(), overlap)
	if err != nil {
		return nil, err
	}
	after := signingKeyState{ID: k.ID, Algorithm: k.Algorithm, Overlap: overlap.String()}
	return k, s.audit(ctx, change{action: "signin.rotate_key", target: k.ID, after: after})
}

// signInState is what the audit trail records of a connection: never its
// client secret or private key; a certificate by its SHA-256 thumbprint.
type signInState struct {
	Type         string `json:"type"`
	Issuer       string `json:"issuer"` // SAML: the IdP's entity id
	ClientID     string `json:"client_id,omitempty"`
	Credential   string `json:"credential,omitempty"` // OIDC: "secret" or "certificate"
	Certificate  string `json:"certificate_sha256,omitempty"`
	Metadata     string `json:"metadata_sha256,omitempty"`
	IdPInitiated bool   `json:"idp_initiated,omitempty"`
}

// signInStateOf returns c's state, or nil (no state) for no connection.
func signInStateOf(c *roster.SSOConnection) any {
	if c == nil {
		return nil
	}
	st := signInState{Type: c.Type, Issuer: c.Issuer, ClientID: c.ClientID, IdPInitiated: c.IdPInitiated}
	if len(c.Certificate) > 0 {
		st.Certificate, _ = sso.Thumbprints(c.Certificate)
	}
	if c.Metadata != "" {
		sum := sha256.Sum256([]byte(c.Metadata))
		st.Metadata = hex.EncodeToString(sum[:])
	}
	if c.Type == roster.ConnectionOIDC {
		st.Credential = "secret"
		if c.UsesCertificate() {
			st.Credential = "certificate"
		}
	}
	return st
}

// signingKeyState is what the audit trail records of a new signing key: never its private part.
type signingKeyState struct {
	ID        string `json:"id"`
	Algorithm string `json:"alg"`
	Overlap   string `json:"overlap"` // how long the previous keys stay published
}

// SignInTestURL returns the address at which the browser of the actor in
// ctx starts a test sign-in through the connection of the tenant idOrName,
// for sso.TestTicketTTL: a sign-in at the IdP with the person's own account
// that links no account and issues no code, and comes back to the path ret
// under publicURL with its outcome, for SignInTestResult. It changes nothing,
// so no audit row: the test has its row in the provisioning log. ENOTFOUND
// when there is no such tenant or it has no connection; EINVALID when ret is
// not a path.
func (s *Service) SignInTestURL(ctx context.Context, idOrName, publicURL, ret string) (string, error) {
	if s.sealer == nil {
		return "", errNoSealer
	}
	t, c, err := s.connection(ctx, idOrName)
	if err != nil {
		return "", err
	}
	if c == nil {
		return "", roster.Errorf(roster.ENOTFOUND, "there is no sign-in connection to test yet: set one first")
	}
	ticket, err := sso.NewTestTicket(s.sealer, t.ID, actorOf(ctx).String(), ret, s.now())
	if err != nil {
		return "", err
	}
	return sso.TestURL(publicURL, t.Name, ticket), nil
}

// SignInTestResult opens the outcome of a test sign-in of the tenant
// idOrName, as its cookie brought it back (sso.TestResultCookie), for the
// actor in ctx, who must be the one who started it. EINVALID when it does
// not open, is older than 10 minutes, or is another tenant's or actor's;
// ENOTFOUND.
func (s *Service) SignInTestResult(ctx context.Context, idOrName, sealed string) (*sso.TestResult, error) {
	if s.sealer == nil {
		return nil, errNoSealer
	}
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	res, err := sso.OpenTestResult(s.sealer, sealed, s.now())
	if err != nil || res.TenantID != t.ID || res.Owner != actorOf(ctx).String() {
		return nil, roster.Errorf(roster.EINVALID, "this test sign-in's outcome cannot be shown here: run the test again")
	}
	return res, nil
}
