package console

import (
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/sso"
)

// The customer's sign-in step: what to register at the IdP, the connection
// set from the values the IdP gives back (through admin, as the console's
// sign-in page does), and a test sign-in with the admin's own account.

// setupSignInView is the sign-in step's page.
type setupSignInView struct {
	// Off says why sign-in is off on this server ("" when it is on): no form is shown.
	Off string
	// The values the IdP is given.
	RedirectURI, SAMLEntityID, SAMLACSURL, SAMLMetadataURL string
	Conn                                                   *connectionState // nil: none
	Forms                                                  setupSignInForms
	// TestURL starts a test sign-in ("" without a connection).
	TestURL string
}

// setupSignInForms are the step's forms as sent, and their errors. A client
// secret is never kept, not even on a refused form.
type setupSignInForms struct {
	Directory, Issuer, ClientID, Credential string
	OIDCError                               string
	MetadataURL, Metadata                   string
	IdPInitiated                            bool
	SAMLError                               string
}

// setupSignInPath is the sign-in step's path, and setupTestPath the page a
// test sign-in comes back to.
const (
	setupSignInPath = admin.SetupPath + "/sign-in"
	setupTestPath   = setupSignInPath + "/test"
)

// handleSetupSignIn shows the sign-in step; with ?download=certificate, it
// answers the certificate of the connection's credential as a PEM file.
func (s *Server) handleSetupSignIn(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSSO); err != nil {
		return err
	}
	if r.URL.Query().Get("download") == "certificate" {
		return s.setupCertificateFile(w, r)
	}
	return s.renderSetupSignIn(w, r, http.StatusOK, setupSignInForms{})
}

func (s *Server) renderSetupSignIn(w http.ResponseWriter, r *http.Request, status int, forms setupSignInForms) error {
	t := setupOf(r).tenant
	c, err := s.setupConnection(r)
	if err != nil {
		return err
	}
	base, err := s.admin.PublicURL(r.Context(), s.opts.PublicURL, "")
	if err != nil {
		return err
	}
	v := setupSignInView{Off: s.opts.SignInOff, Forms: forms,
		RedirectURI:  sso.CallbackURL(base, t.Name),
		SAMLEntityID: sso.SAMLEntityID(base, t.Name), SAMLACSURL: sso.SAMLACSURL(base, t.Name), SAMLMetadataURL: sso.SAMLMetadataURL(base, t.Name),
	}
	if c != nil {
		if v.Conn, err = s.connectionState(c); err != nil {
			return err
		}
		if v.TestURL, err = s.testURL(r, base); err != nil {
			return err
		}
	}
	if status == http.StatusOK && v.Conn != nil && v.Conn.Type == roster.ConnectionOIDC {
		// The form starts from the connection as it is.
		v.Forms.Issuer, v.Forms.ClientID, v.Forms.Credential = v.Conn.Issuer, v.Conn.ClientID, v.Conn.Credential
		if dir, ok := entraDirectoryOf(v.Conn.Issuer); ok {
			v.Forms.Directory, v.Forms.Issuer = dir, ""
		}
	}
	if status == http.StatusOK && v.Conn != nil {
		v.Forms.IdPInitiated = v.Conn.IdPInitiated
	}
	p := page{Title: "Connect sign-in", Tab: "signin", Data: v}
	if r.URL.Query().Get("done") == "set" && v.Conn != nil {
		p.Flash = "Saved: your people sign in through " + v.Conn.Issuer + ". Run a test sign-in below to check it."
	}
	return s.render(w, r, status, "setup-signin", p)
}

// entraDirectoryOf returns the directory id of an Entra ID issuer.
func entraDirectoryOf(issuer string) (string, bool) {
	rest, ok := strings.CutPrefix(issuer, "https://login.microsoftonline.com/")
	if !ok {
		return "", false
	}
	dir, ok := strings.CutSuffix(rest, "/v2.0")
	if _, err := sso.EntraDirectory(dir); !ok || err != nil {
		return "", false
	}
	return dir, true
}

// setupConnection returns the session's tenant's connection, nil when it has none.
func (s *Server) setupConnection(r *http.Request) (*roster.SSOConnection, error) {
	c, err := s.store.SSOConnection(r.Context(), setupOf(r).tenant.ID)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil, nil
	}
	return c, err
}

// setupCertificateFile answers the certificate of the tenant's OIDC
// connection as a PEM file, to upload to the IdP; ENOTFOUND when its
// credential is a secret.
func (s *Server) setupCertificateFile(w http.ResponseWriter, r *http.Request) error {
	t := setupOf(r).tenant
	c, err := s.setupConnection(r)
	if err != nil {
		return err
	}
	if c == nil || !c.UsesCertificate() {
		return roster.Errorf(roster.ENOTFOUND, "sign-in uses no certificate of the application's: there is nothing to download")
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="roster-`+t.Name+`.pem"`)
	_, err = w.Write([]byte(sso.CertificatePEM(c.Certificate)))
	return err
}

// afterSignInSet is where a saved connection sends the browser.
func afterSignInSet(r *http.Request) string {
	return setupSignInPath + "?idp=" + idpOf(r).Key + "&done=set"
}

// handleSetupSignInOIDC connects the tenant to its IdP through OpenID
// Connect: Entra ID by its directory's id, another IdP by its issuer.
func (s *Server) handleSetupSignInOIDC(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSSO); err != nil {
		return err
	}
	if err := s.signInOn(); err != nil {
		return err
	}
	forms := setupSignInForms{
		Directory:  strings.TrimSpace(r.PostFormValue("directory")),
		Issuer:     strings.TrimSpace(r.PostFormValue("issuer")),
		ClientID:   strings.TrimSpace(r.PostFormValue("client_id")),
		Credential: r.PostFormValue("credential"),
	}
	o := admin.OIDCSignIn{Directory: forms.Directory, Issuer: forms.Issuer, ClientID: forms.ClientID}
	switch forms.Credential {
	case "secret":
		o.ClientSecret = strings.TrimSpace(r.PostFormValue("client_secret"))
	case "certificate":
		o.GenerateCertificate = true
	}
	_, _, err := s.admin.SetOIDCSignIn(r.Context(), setupOf(r).tenant.ID, o)
	if roster.ErrorCode(err) == roster.EINVALID {
		forms.OIDCError = err.Error()
		return s.renderSetupSignIn(w, r, http.StatusUnprocessableEntity, forms)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, afterSignInSet(r), http.StatusSeeOther)
	return nil
}

// handleSetupSignInSAML connects the tenant to its IdP through SAML, from
// the IdP's metadata URL or the document pasted.
func (s *Server) handleSetupSignInSAML(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSSO); err != nil {
		return err
	}
	if err := s.signInOn(); err != nil {
		return err
	}
	forms := setupSignInForms{
		MetadataURL:  strings.TrimSpace(r.PostFormValue("metadata_url")),
		Metadata:     strings.TrimSpace(r.PostFormValue("metadata")),
		IdPInitiated: r.PostFormValue("idp_initiated") == "on",
	}
	in := admin.SAMLSignIn{Metadata: []byte(forms.Metadata), MetadataURL: forms.MetadataURL, IdPInitiated: forms.IdPInitiated}
	_, _, err := s.admin.SetSAMLSignIn(r.Context(), setupOf(r).tenant.ID, in)
	if roster.ErrorCode(err) == roster.EINVALID {
		forms.SAMLError = err.Error()
		return s.renderSetupSignIn(w, r, http.StatusUnprocessableEntity, forms)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, afterSignInSet(r), http.StatusSeeOther)
	return nil
}

// testURL returns the address that starts a test sign-in of the session's
// tenant, coming back to the test's page, "" when it has no connection or
// sign-in is off. The address holds a ticket, sealed and short-lived, minted
// as the page is: a link, not a form, since the browser is sent on to the
// IdP, which a form's answer may not do (CSP form-action).
func (s *Server) testURL(r *http.Request, base string) (string, error) {
	if s.opts.SignInOff != "" {
		return "", nil
	}
	to, err := s.admin.SignInTestURL(r.Context(), setupOf(r).tenant.ID, base, setupTestPath+"?idp="+idpOf(r).Key)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return "", nil
	}
	return to, err
}

// signInTestView is the page a test sign-in comes back to.
type signInTestView struct {
	Off     string
	TestURL string          // starts another test ("" without a connection)
	Result  *sso.TestResult // nil: no outcome to show
	// Problem says why an outcome cannot be shown ("" for none).
	Problem string
	// Advice is what to do about a refusal, in the IdP admin's terms.
	Advice string
}

// handleSetupSignInTestResult shows the outcome of the test sign-in that
// just came back, once: the cookie that brought it is cleared.
func (s *Server) handleSetupSignInTestResult(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSSO); err != nil {
		return err
	}
	base, err := s.admin.PublicURL(r.Context(), s.opts.PublicURL, "")
	if err != nil {
		return err
	}
	v := signInTestView{Off: s.opts.SignInOff}
	if v.TestURL, err = s.testURL(r, base); err != nil {
		return err
	}
	if c, err := r.Cookie(sso.TestResultCookie); err == nil && v.Off == "" {
		http.SetCookie(w, &http.Cookie{Name: sso.TestResultCookie, Path: setupTestPath, MaxAge: -1, HttpOnly: true,
			Secure: strings.HasPrefix(s.opts.PublicURL, "https://"), SameSite: http.SameSiteLaxMode})
		v.Result, err = s.admin.SignInTestResult(r.Context(), setupOf(r).tenant.ID, c.Value)
		switch {
		case roster.ErrorCode(err) == roster.EINVALID:
			v.Problem = err.Error()
		case err != nil:
			return err
		default:
			v.Advice = testAdvice[v.Result.Reason]
		}
	}
	return s.render(w, r, http.StatusOK, "setup-signintest", page{Title: "Test sign-in", Tab: "signin", Data: v})
}

// testAdvice says what the IdP's admin does about the refusals a test
// sign-in meets most, by their reason.
var testAdvice = map[string]string{
	"signin_no_user": "Roster signs in only the people your identity provider provisioned to it, matched by their object id or user name, never by email. " +
		"Assign your account to the application (Entra ID: Enterprise applications › the application › Users and groups), then let provisioning run, or use Provision on demand, and test again.",
	"signin_user_deactivated":  "Your account was provisioned, but disabled: enable it, or assign it to the application again, and let provisioning run.",
	"signin_user_not_entitled": "Your account was provisioned, but none of its app roles makes it active in the application: assign it a role that does (see Attributes and roles).",
	"signin_user_deleted":      "Your account was removed by provisioning: assign it to the application again and let provisioning run.",
	"signin_login_method":      "Your account is set to sign in with a password only: ask the team that sent you this link to let it sign in through your identity provider.",
	"signin_subject_mismatch":  "Another account of your identity provider signed in as this user before. If your account was recreated, ask the team that sent you this link to remove the old user, then let provisioning create it again.",
	"signin_idp_error":         "Your identity provider refused the sign-in: read its message above. With Entra ID this is often an account not assigned to the application, or a redirect URI that does not match the one above.",
	"signin_idp_token":         "Your identity provider refused to complete the sign-in: check the client secret (or that the certificate was uploaded), the application (client) ID, and the redirect URI.",
	"signin_idp_token_invalid": "What your identity provider sent did not verify: check the directory (tenant) ID or issuer, the application (client) ID, or, for SAML, that the metadata is the application's current one.",
	"signin_idp_unreachable":   "Roster could not reach your identity provider: check the directory (tenant) ID or issuer URL.",
}
