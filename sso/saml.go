package sso

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/rosterhq/roster"
)

// SAML upstream. For a tenant whose connection is SAML, authorize sends the
// browser to the IdP with an AuthnRequest (HTTP-Redirect binding) whose id is
// kept in the sealed state cookie; the IdP posts its Response to the ACS
// (/sso/{tenant}/saml/acs), where crewjam/saml checks it (signature against
// the IdP's certificates from its metadata, audience, destination, times,
// InResponseTo), Roster requires the assertion itself to be signed, and the
// account is matched and gated as for OpenID Connect.

// purposeSAMLKey is what a connection's service provider key is sealed for.
const purposeSAMLKey = "roster SAML service provider key"

// ObjectIDClaim is the SAML attribute in which Entra ID sends the user's
// object id, which its provisioning writes as externalId.
const ObjectIDClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier"

// SAMLMetadataURL returns the address of the tenant's service provider
// metadata, which is also its entity id (Entra's "Identifier (Entity ID)").
func SAMLMetadataURL(publicURL, tenantName string) string {
	return strings.TrimSuffix(publicURL, "/") + "/sso/" + tenantName + "/saml/metadata"
}

// SAMLEntityID returns the tenant's service provider entity id: its metadata URL.
func SAMLEntityID(publicURL, tenantName string) string {
	return SAMLMetadataURL(publicURL, tenantName)
}

// SAMLACSURL returns the tenant's assertion consumer service, where the IdP
// posts its responses (Entra's "Reply URL").
func SAMLACSURL(publicURL, tenantName string) string {
	return strings.TrimSuffix(publicURL, "/") + "/sso/" + tenantName + "/saml/acs"
}

// IdPMetadata is what Roster reads of an IdP's SAML metadata.
type IdPMetadata struct {
	EntityID     string
	SSOURL       string // the single sign-on service, HTTP-Redirect binding
	Certificates []*x509.Certificate
	descriptor   *saml.EntityDescriptor
}

// ParseIdPMetadata reads an IdP's SAML metadata (an EntityDescriptor, or the
// first IdP of an EntitiesDescriptor) and checks that it names an entity id,
// a single sign-on service with the HTTP-Redirect binding, and at least one
// signing certificate (several are kept, for rotation). EINVALID otherwise.
func ParseIdPMetadata(b []byte) (*IdPMetadata, error) {
	d, err := entityDescriptor(b)
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "SAML metadata: %v", err)
	}
	m := &IdPMetadata{EntityID: strings.TrimSpace(d.EntityID), descriptor: d}
	if m.EntityID == "" {
		return nil, roster.Errorf(roster.EINVALID, "SAML metadata: no entityID")
	}
	for _, idp := range d.IDPSSODescriptors {
		for _, sso := range idp.SingleSignOnServices {
			if sso.Binding == saml.HTTPRedirectBinding && m.SSOURL == "" {
				m.SSOURL = sso.Location
			}
		}
		for _, kd := range idp.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, c := range kd.KeyInfo.X509Data.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Data), ""))
				if err != nil {
					return nil, roster.Errorf(roster.EINVALID, "SAML metadata: a signing certificate is not base64: %v", err)
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, roster.Errorf(roster.EINVALID, "SAML metadata: a signing certificate: %v", err)
				}
				m.Certificates = append(m.Certificates, cert)
			}
		}
	}
	switch {
	case len(d.IDPSSODescriptors) == 0:
		return nil, roster.Errorf(roster.EINVALID, "SAML metadata of %s: no IDPSSODescriptor (is it an IdP's metadata?)", m.EntityID)
	case m.SSOURL == "":
		return nil, roster.Errorf(roster.EINVALID, "SAML metadata of %s: no SingleSignOnService with the HTTP-Redirect binding", m.EntityID)
	case len(m.Certificates) == 0:
		return nil, roster.Errorf(roster.EINVALID, "SAML metadata of %s: no signing certificate", m.EntityID)
	}
	return m, nil
}

// entityDescriptor decodes an EntityDescriptor, or the first IdP of an
// EntitiesDescriptor.
func entityDescriptor(b []byte) (*saml.EntityDescriptor, error) {
	var root struct{ XMLName xml.Name }
	if err := xml.NewDecoder(bytes.NewReader(b)).Decode(&root); err != nil {
		return nil, err
	}
	switch root.XMLName.Local {
	case "EntityDescriptor":
		var d saml.EntityDescriptor
		if err := xml.Unmarshal(b, &d); err != nil {
			return nil, err
		}
		return &d, nil
	case "EntitiesDescriptor":
		var ds saml.EntitiesDescriptor
		if err := xml.Unmarshal(b, &ds); err != nil {
			return nil, err
		}
		for i := range ds.EntityDescriptors {
			if len(ds.EntityDescriptors[i].IDPSSODescriptors) > 0 {
				return &ds.EntityDescriptors[i], nil
			}
		}
		return nil, errors.New("no IdP in the EntitiesDescriptor")
	}
	return nil, fmt.Errorf("the document is a %s, not an EntityDescriptor", root.XMLName.Local)
}

// NewSAMLConnection returns a tenant's SAML connection to the IdP described
// by metadata (checked by ParseIdPMetadata). The service provider's key pair
// is prev's when prev is a SAML connection, else a fresh RSA 2048 key with a
// self-signed certificate; the private key is sealed.
func NewSAMLConnection(sealer *Sealer, tenantID string, metadata []byte, prev *roster.SSOConnection, now time.Time) (*roster.SSOConnection, *IdPMetadata, error) {
	m, err := ParseIdPMetadata(metadata)
	if err != nil {
		return nil, nil, err
	}
	c := &roster.SSOConnection{TenantID: tenantID, Type: roster.ConnectionSAML, Issuer: m.EntityID, Metadata: string(metadata)}
	if prev != nil && prev.Type == roster.ConnectionSAML && len(prev.Certificate) > 0 {
		c.SealedSecret, c.Certificate = prev.SealedSecret, prev.Certificate
		return c, m, nil
	}
	key, cert, err := selfSigned("Roster SAML service provider "+tenantID, now, now.AddDate(10, 0, 0))
	if err != nil {
		return nil, nil, fmt.Errorf("SAML key: %w", err)
	}
	c.Certificate = cert
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("SAML key: %w", err)
	}
	c.SealedSecret = sealer.Seal(purposeSAMLKey, der)
	return c, m, nil
}

// serviceProvider is the tenant's SAML service provider, at the request's time.
func (s *Server) serviceProvider(tenant *roster.Tenant, conn *roster.SSOConnection) (*saml.ServiceProvider, error) {
	m, err := ParseIdPMetadata([]byte(conn.Metadata))
	if err != nil {
		return nil, err
	}
	der, err := s.opts.Sealer.Open(purposeSAMLKey, conn.SealedSecret)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("SAML key: %w", err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("SAML key: not an RSA key")
	}
	cert, err := x509.ParseCertificate(conn.Certificate)
	if err != nil {
		return nil, fmt.Errorf("SAML certificate: %w", err)
	}
	meta, _ := url.Parse(SAMLMetadataURL(s.issuer, tenant.Name))
	acs, _ := url.Parse(SAMLACSURL(s.issuer, tenant.Name))
	return &saml.ServiceProvider{
		EntityID: meta.String(), Key: rsaKey, Certificate: cert, MetadataURL: *meta, AcsURL: *acs,
		IDPMetadata: m.descriptor, AllowIDPInitiated: conn.IdPInitiated,
		// No Format in the NameIDPolicy: the IdP sends the NameID it is
		// configured with (Entra: user.userprincipalname, the SCIM userName).
		AuthnNameIDFormat:                saml.UnspecifiedNameIDFormat,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		HTTPClient:                       s.opts.HTTPClient,
		Clock:                            dsig.NewFakeClockAt(s.now()),
	}, nil
}

// startSAML sends the browser to the tenant's IdP with an AuthnRequest, its
// id kept in the state cookie.
func (s *Server) startSAML(w http.ResponseWriter, r *http.Request, tenant *roster.Tenant, conn *roster.SSOConnection, p *pending) {
	sp, err := s.serviceProvider(tenant, conn)
	var to *url.URL
	if err == nil {
		var req *saml.AuthnRequest
		if req, err = sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding); err == nil {
			p.RequestID = req.ID
			to, err = req.Redirect("", sp)
		}
	}
	if err != nil {
		s.opts.Logger.ErrorContext(r.Context(), "sign-in: SAML request", "tenant_id", tenant.ID, "err", err)
		oerr := errorf("server_error", "signin_secret_key", "the tenant's SAML connection cannot be used: "+err.Error())
		s.finish(w, r, p, outcome{tenant: tenant, err: oerr})
		return
	}
	s.setPending(w, p)
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// handleSAMLMetadata serves GET /sso/{tenant}/saml/metadata: the tenant's
// service provider metadata (entity id, ACS, certificate), for the IdP.
func (s *Server) handleSAMLMetadata(w http.ResponseWriter, r *http.Request) {
	tenant, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	var conn *roster.SSOConnection
	if err == nil {
		conn, err = s.store.SSOConnection(r.Context(), tenant.ID)
	}
	if err != nil || conn.Type != roster.ConnectionSAML {
		http.NotFound(w, r)
		return
	}
	sp, err := s.serviceProvider(tenant, conn)
	if err != nil {
		s.opts.Logger.ErrorContext(r.Context(), "sign-in: SAML metadata", "tenant_id", tenant.ID, "err", err)
		http.Error(w, "the tenant's SAML connection cannot be used", http.StatusInternalServerError)
		return
	}
	b, _ := xml.MarshalIndent(sp.Metadata(), "", "  ")
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(append([]byte(xml.Header), b...))
}

// handleSAMLACS serves POST /sso/{tenant}/saml/acs: the IdP's Response to the
// pending AuthnRequest. The Response is verified, its assertion must be
// signed, the account is matched to a user and the gate checked, and the
// browser goes back to the host app with a code, or with the refusal.
func (s *Server) handleSAMLACS(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	p, err := s.takePending(w, r)
	if err != nil {
		// Without a pending request there is no host app to answer: an
		// IdP-initiated sign-in started outside the app.
		s.refusePage(w, r, outcome{err: errorf("invalid_request", "",
			"This sign-in is unknown or has expired, or was started at the identity provider. Start again from the application.")})
		return
	}
	if p.Mode != "" || p.RequestID == "" {
		s.refusePage(w, r, outcome{err: errorf("invalid_request", "", "The sign-in's state does not match. Start again from the application.")})
		return
	}
	s.conclude(w, r, p, func(tenant *roster.Tenant) (*roster.User, *roster.SignIn, *oauthError) {
		return s.samlSignIn(ctx, r, tenant, p)
	})
}

// samlSignIn verifies the IdP's Response and finds the user its assertion
// names: the objectidentifier claim against externalId, then the NameID
// against userName.
func (s *Server) samlSignIn(ctx context.Context, r *http.Request, tenant *roster.Tenant, p *pending) (*roster.User, *roster.SignIn, *oauthError) {
	conn, err := s.store.SSOConnection(ctx, tenant.ID)
	if err != nil || conn.Type != roster.ConnectionSAML {
		return nil, nil, errorf("access_denied", "signin_no_connection", "tenant "+tenant.Name+" has no SAML sign-in connection")
	}
	sp, err := s.serviceProvider(tenant, conn)
	if err != nil {
		s.opts.Logger.ErrorContext(ctx, "sign-in: SAML connection", "tenant_id", tenant.ID, "err", err)
		return nil, nil, errorf("server_error", "signin_secret_key", "the tenant's SAML connection cannot be used: "+err.Error())
	}
	invalid := func(why string) *oauthError {
		return errorf("access_denied", "signin_idp_token_invalid", "the identity provider's SAML response is not valid: "+why)
	}
	if err := r.ParseForm(); err != nil {
		return nil, nil, invalid("the form does not parse")
	}
	if r.Form.Has("SAMLart") || r.Form.Has("Signature") {
		return nil, nil, invalid("only the HTTP-POST binding is accepted")
	}
	// The Response's Destination is checked against the public ACS URL,
	// not the address the proxy in front of Roster was reached at.
	rr := r.WithContext(ctx)
	rr.URL, _ = url.Parse(SAMLACSURL(s.issuer, tenant.Name))
	cache := &replayCache{ctx: ctx, store: s.store, tenantID: tenant.ID, issuer: conn.Issuer}
	sp.ReplayCache = cache
	a, err := sp.ParseResponse(rr, []string{p.RequestID})
	switch {
	case cache.err != nil:
		return nil, nil, s.internal(ctx, tenant, cache.err)
	case errors.Is(err, saml.ErrAssertionReplayed):
		return nil, nil, errorf("access_denied", "signin_replayed",
			"the identity provider's SAML assertion was used already: a response is accepted once")
	case err != nil:
		why := err.Error()
		if ire, ok := errors.AsType[*saml.InvalidResponseError](err); ok && ire.PrivateErr != nil {
			why = ire.PrivateErr.Error()
		}
		return nil, nil, invalid(why)
	}
	if a.Signature == nil {
		return nil, nil, invalid("the assertion is not signed (Roster requires the IdP to sign the assertion)")
	}
	var nameID, oid string
	if a.Subject != nil && a.Subject.NameID != nil {
		nameID = strings.TrimSpace(a.Subject.NameID.Value)
	}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			if at.Name == ObjectIDClaim && len(at.Values) > 0 {
				oid = strings.TrimSpace(at.Values[0].Value)
			}
		}
	}
	if nameID == "" && oid == "" {
		return nil, nil, invalid("the assertion names nobody (no NameID, no objectidentifier)")
	}
	if p.Test {
		p.seen = &testSeen{claims: assertionClaims(a), oid: oid, userName: nameID}
	}
	signIn := &roster.SignIn{Method: roster.LoginMethodIdP, Issuer: conn.Issuer, Subject: cmp.Or(oid, nameID),
		AMR: []string{"saml"}, AuthTime: s.now()}
	u, oerr := s.match(ctx, tenant, signIn, &upstreamClaims{OID: oid, PreferredUsername: nameID})
	return u, signIn, oerr
}

// maxAssertionID bounds the assertion IDs kept in the replay cache; an IdP's
// are short (Entra ID's: "_" and a GUID).
const maxAssertionID = 256

// replayCache is crewjam/saml's AssertionReplayCache over the store, for one
// ACS request (the interface takes no context, so it carries the
// request's): an assertion of the tenant's IdP is accepted once, on every
// instance over the same database, until it expires (SAML 2.0 Profiles
// §4.1.4.5).
type replayCache struct {
	ctx      context.Context
	store    Store
	tenantID string
	issuer   string
	err      error // the store's failure, which is not the IdP's
}

// Consume records the assertion's ID until expires, the last moment the
// service provider would accept the assertion.
func (c *replayCache) Consume(id string, expires time.Time) error {
	if len(id) > maxAssertionID {
		return fmt.Errorf("the assertion's ID is longer than %d bytes", maxAssertionID)
	}
	err := c.store.UseOnce(c.ctx, c.tenantID, c.issuer, id, expires)
	switch roster.ErrorCode(err) {
	case "":
		return nil
	case roster.ECONFLICT:
		return saml.ErrAssertionReplayed
	}
	c.err = err
	return err
}
