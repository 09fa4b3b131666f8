package console

import (
	"crypto/x509"
	"net/http"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/sso"
)

// expiresSoon is how long before a certificate expires the page warns of it.
const expiresSoon = 30 * 24 * time.Hour

// signInView is a tenant's sign-in page: what its IdP's admin pastes into
// Entra, built on Roster's public URL, and the connection, never a secret.
type signInView struct {
	// Off says why sign-in is off ("" when it is on): no form is shown.
	Off string
	// The values Entra is given.
	RedirectURI, SAMLEntityID, SAMLACSURL, SAMLMetadataURL string
	Conn                                                   *connectionState // nil: none
	Forms                                                  signInForms
}

// connectionState is what the page shows of a connection.
type connectionState struct {
	Type         string // roster.ConnectionOIDC or roster.ConnectionSAML
	Issuer       string // SAML: the IdP's entity id
	ClientID     string
	Credential   string // OIDC: "secret" or "certificate"
	IdPInitiated bool
	Updated      time.Time
	// Certificate is an OIDC connection's certificate credential, or the
	// tenant's SAML service provider certificate; nil for a secret.
	Certificate *certificate
	// IdPCertificates are the signing certificates of a SAML IdP's metadata.
	IdPCertificates []certificate
}

// certificate is what the page shows of a certificate: never a key.
type certificate struct {
	SHA256, SHA1 string
	Expires      time.Time
	// State is "ok", "soon" (within expiresSoon) or "expired".
	State string
	PEM   string
}

// signInForms are the page's forms as sent and their errors.
type signInForms struct {
	Issuer, ClientID, Credential string
	OIDCError                    string
	MetadataURL, Metadata        string
	IdPInitiated                 bool
	SAMLError                    string
	RemoveError                  string
}

// handleSignIn shows a tenant's sign-in page; with ?download=certificate, it
// answers the certificate of the connection's credential as a PEM file to
// upload to Entra.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("download") == "certificate" {
		return s.certificateFile(w, r)
	}
	return s.renderSignIn(w, r, http.StatusOK, signInForms{})
}

func (s *Server) renderSignIn(w http.ResponseWriter, r *http.Request, status int, forms signInForms) error {
	t, c, err := s.signInConnection(r)
	if err != nil {
		return err
	}
	base, err := s.admin.PublicURL(r.Context(), s.opts.PublicURL, "")
	if err != nil {
		return err
	}
	v := signInView{Off: s.opts.SignInOff, Forms: forms,
		RedirectURI:  sso.CallbackURL(base, t.Name),
		SAMLEntityID: sso.SAMLEntityID(base, t.Name), SAMLACSURL: sso.SAMLACSURL(base, t.Name), SAMLMetadataURL: sso.SAMLMetadataURL(base, t.Name),
	}
	if c != nil {
		if v.Conn, err = s.connectionState(c); err != nil {
			return err
		}
	}
	if status == http.StatusOK && v.Conn != nil {
		// The forms start from the connection as it is.
		v.Forms.IdPInitiated = v.Conn.IdPInitiated
		if v.Conn.Type == roster.ConnectionOIDC {
			v.Forms.Issuer, v.Forms.ClientID, v.Forms.Credential = v.Conn.Issuer, v.Conn.ClientID, v.Conn.Credential
		}
	}
	p := page{Title: "Sign-in", Tenant: t, Tab: "signin", Data: v}
	switch r.URL.Query().Get("done") {
	case "set":
		if v.Conn != nil {
			p.Flash = "Tenant " + t.Name + " signs in through " + v.Conn.Issuer + "."
		}
		if v.Conn != nil && v.Conn.Credential == "certificate" {
			p.Flash += " Upload its certificate to Entra (below)."
		}
	case "removed":
		p.Flash = "Tenant " + t.Name + " no longer signs in through an IdP."
	}
	return s.render(w, r, status, "signin", p)
}

// signInConnection returns the request's tenant and its connection, nil when it has none.
func (s *Server) signInConnection(r *http.Request) (*roster.Tenant, *roster.SSOConnection, error) {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return nil, nil, err
	}
	c, err := s.store.SSOConnection(r.Context(), t.ID)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return t, nil, nil
	}
	return t, c, err
}

// connectionState returns what the page shows of c.
func (s *Server) connectionState(c *roster.SSOConnection) (*connectionState, error) {
	st := &connectionState{Type: c.Type, Issuer: c.Issuer, ClientID: c.ClientID, IdPInitiated: c.IdPInitiated, Updated: c.Updated}
	if c.Type == roster.ConnectionOIDC {
		st.Credential = "secret"
		if c.UsesCertificate() {
			st.Credential = "certificate"
		}
	}
	if len(c.Certificate) > 0 {
		cert, err := x509.ParseCertificate(c.Certificate)
		if err != nil {
			return nil, err
		}
		ct := s.certificate(cert)
		st.Certificate = &ct
	}
	if c.Type == roster.ConnectionSAML {
		m, err := sso.ParseIdPMetadata([]byte(c.Metadata))
		if err != nil {
			return nil, err
		}
		for _, cert := range m.Certificates {
			st.IdPCertificates = append(st.IdPCertificates, s.certificate(cert))
		}
	}
	return st, nil
}

func (s *Server) certificate(cert *x509.Certificate) certificate {
	c := certificate{Expires: cert.NotAfter, State: "ok", PEM: sso.CertificatePEM(cert.Raw)}
	c.SHA256, c.SHA1 = sso.Thumbprints(cert.Raw)
	switch now := s.opts.Now(); {
	case now.After(cert.NotAfter):
		c.State = "expired"
	case now.Add(expiresSoon).After(cert.NotAfter):
		c.State = "soon"
	}
	return c
}

// certificateFile answers the certificate of the tenant's OIDC connection
// as a PEM file; ENOTFOUND when its credential is a secret.
func (s *Server) certificateFile(w http.ResponseWriter, r *http.Request) error {
	t, c, err := s.signInConnection(r)
	if err != nil {
		return err
	}
	if c == nil || !c.UsesCertificate() {
		return roster.Errorf(roster.ENOTFOUND, "tenant %s signs in with no certificate of Roster's", t.Name)
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="roster-`+t.Name+`.pem"`)
	_, err = w.Write([]byte(sso.CertificatePEM(c.Certificate)))
	return err
}

// signInOn returns ECONFLICT, saying why, when sign-in is off: a connection
// cannot be set without the key that seals its secrets.
func (s *Server) signInOn() error {
	if s.opts.SignInOff != "" {
		return roster.Errorf(roster.ECONFLICT, "sign-in is off: %s", s.opts.SignInOff)
	}
	return nil
}

// handleSignInOIDC connects the tenant to its IdP through OpenID Connect.
// The client secret typed is never shown again, not even on a refused form.
func (s *Server) handleSignInOIDC(w http.ResponseWriter, r *http.Request) error {
	if err := s.signInOn(); err != nil {
		return err
	}
	forms := signInForms{
		Issuer:     strings.TrimSpace(r.PostFormValue("issuer")),
		ClientID:   strings.TrimSpace(r.PostFormValue("client_id")),
		Credential: r.PostFormValue("credential"),
	}
	o := admin.OIDCSignIn{Issuer: forms.Issuer, ClientID: forms.ClientID}
	switch forms.Credential {
	case "secret":
		o.ClientSecret = strings.TrimSpace(r.PostFormValue("client_secret"))
	case "certificate":
		o.GenerateCertificate = true
	}
	t, _, err := s.admin.SetOIDCSignIn(r.Context(), r.PathValue("tenant"), o)
	if roster.ErrorCode(err) == roster.EINVALID {
		forms.OIDCError = err.Error()
		return s.renderSignIn(w, r, http.StatusUnprocessableEntity, forms)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "/sign-in")+"?done=set", http.StatusSeeOther)
	return nil
}

// handleSignInSAML connects the tenant to its IdP through SAML, from the
// IdP's metadata pasted or its URL.
func (s *Server) handleSignInSAML(w http.ResponseWriter, r *http.Request) error {
	if err := s.signInOn(); err != nil {
		return err
	}
	forms := signInForms{
		MetadataURL:  strings.TrimSpace(r.PostFormValue("metadata_url")),
		Metadata:     strings.TrimSpace(r.PostFormValue("metadata")),
		IdPInitiated: r.PostFormValue("idp_initiated") == "on",
	}
	in := admin.SAMLSignIn{Metadata: []byte(forms.Metadata), MetadataURL: forms.MetadataURL, IdPInitiated: forms.IdPInitiated}
	t, _, err := s.admin.SetSAMLSignIn(r.Context(), r.PathValue("tenant"), in)
	if roster.ErrorCode(err) == roster.EINVALID {
		forms.SAMLError = err.Error()
		return s.renderSignIn(w, r, http.StatusUnprocessableEntity, forms)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "/sign-in")+"?done=set", http.StatusSeeOther)
	return nil
}

// handleSignInRemove disconnects the tenant's IdP once the form confirms it.
func (s *Server) handleSignInRemove(w http.ResponseWriter, r *http.Request) error {
	if r.PostFormValue("confirm") != "yes" {
		return s.renderSignIn(w, r, http.StatusUnprocessableEntity, signInForms{RemoveError: "Tick the box to confirm: the tenant's people will no longer sign in through their IdP."})
	}
	t, err := s.admin.RemoveSignIn(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "/sign-in")+"?done=removed", http.StatusSeeOther)
	return nil
}
