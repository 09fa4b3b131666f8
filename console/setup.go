package console

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// The customer's setup pages: a setup link (admin.SetupURL) opens the
// landing page, whose button redeems it; the session that starts is held in
// its own cookie, scoped to the link's tenant and scopes, and every page
// reads and changes that tenant only.

// setupCookie names the cookie holding a setup session's secret.
const setupCookie = "roster_setup"

// setupSession is the redeemed setup link of a request.
type setupSession struct {
	link   *roster.SetupLink
	tenant *roster.Tenant
	secret string
}

type setupKey struct{}

// setupOf returns the request's setup session; nil outside the setup pages.
func setupOf(r *http.Request) *setupSession {
	ss, _ := r.Context().Value(setupKey{}).(*setupSession)
	return ss
}

// setupRoutes lists the routes of the setup pages; every route but the
// landing page and the redemption needs a setup session.
func (s *Server) setupRoutes() []route {
	p := admin.SetupPath
	return append([]route{
		{"GET " + p + "", public, s.handleSetupLanding},
		{"POST " + p + "/start", public, s.handleSetupStart},
		{"GET " + p + "/{$}", customer, s.handleSetupHome},
		{"POST " + p + "/directory", customer, s.handleSetupDirectory},
		{"GET " + p + "/app", customer, s.handleSetupApp},
		{"GET " + p + "/provisioning", customer, s.handleSetupProvisioning},
		{"GET " + p + "/provisioning/status.json", customer, s.handleSetupConnectionStatus},
		{"POST " + p + "/tokens", customer, s.handleSetupTokenCreate},
		{"POST " + p + "/tokens/{token}/revoke", customer, s.handleSetupTokenRevoke},
		{"GET " + p + "/attributes", customer, s.handleSetupAttributes},
		{"POST " + p + "/attributes/try", customer, s.handleSetupAttributesTry},
		{"GET " + p + "/sign-in", customer, s.handleSetupSignIn},
		{"POST " + p + "/sign-in/oidc", customer, s.handleSetupSignInOIDC},
		{"POST " + p + "/sign-in/saml", customer, s.handleSetupSignInSAML},
		{"GET " + p + "/sign-in/test", customer, s.handleSetupSignInTestResult},
		{"GET " + p + "/status", customer, s.handleSetupStatus},
		{"GET " + p + "/status/log", customer, s.handleSetupLog},
		{"GET " + p + "/status/log/{entry}", customer, s.handleSetupLogEntry},
		{"GET " + p + "/status/users", customer, s.handleSetupUsers},
		{"GET " + p + "/status/groups", customer, s.handleSetupGroups},
		{"GET " + p + "/held", customer, s.handleSetupHeld},
	}, s.heldRoutes(p+"/held", customer, "change", s.renderSetupHeld, s.settleSetupHeld)...)
}

// setupGuard admits a request of a live setup session, returning it with the
// session in its context and the link as the actor; a state change must
// carry the session's form token. Otherwise it answers (a page saying the
// session ended, or 403) and returns false.
func (s *Server) setupGuard(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	secret := ""
	if c, err := r.Cookie(setupCookie); err == nil {
		secret = c.Value
	}
	l, t, err := s.admin.SetupSession(r.Context(), secret)
	if roster.ErrorCode(err) == roster.EUNAUTHORIZED {
		err = s.render(w, r, http.StatusUnauthorized, "setup-ended", page{Title: "Your setup session has ended"})
		if err != nil {
			s.fail(w, r, err)
		}
		return r, false
	}
	if err != nil {
		s.fail(w, r, err)
		return r, false
	}
	if r.Method == http.MethodPost && !validFormToken(r, secret) {
		s.renderError(w, r, http.StatusForbidden, "This form has expired or did not come from this page. Go back, reload the page and try again.")
		return r, false
	}
	ctx := context.WithValue(r.Context(), setupKey{}, &setupSession{link: l, tenant: t, secret: secret})
	ctx = admin.WithActor(ctx, admin.SetupActor(l, s.clientAddr(r)))
	return r.WithContext(ctx), true
}

// needScope returns EFORBIDDEN unless the request's setup link has scope.
func needScope(r *http.Request, scope string) error {
	if ss := setupOf(r); ss == nil || !ss.link.Allows(scope) {
		return roster.Errorf(roster.EFORBIDDEN, "this setup link does not let you do this: ask the team that sent it for a link that does")
	}
	return nil
}

// landingView is what the landing page says of a link.
type landingView struct {
	Secret string // the link's secret, for the redemption form; "" when it cannot be redeemed
	Link   *roster.SetupLink
	Tenant *roster.Tenant
	// Problem says why the link cannot be used ("" when it can).
	Problem string
}

// handleSetupLanding shows what a setup link is for, with a button that
// redeems it. Opening it redeems nothing: mail scanners open links too.
func (s *Server) handleSetupLanding(w http.ResponseWriter, r *http.Request) error {
	secret := r.URL.Query().Get("link")
	if secret == "" {
		http.Redirect(w, r, admin.SetupPath+"/", http.StatusSeeOther)
		return nil
	}
	v := landingView{Secret: secret}
	l, t, err := s.admin.InspectSetupLink(r.Context(), secret)
	switch {
	case roster.ErrorCode(err) == roster.EUNAUTHORIZED:
		v.Secret, v.Problem = "", "This link is not a setup link of this service, or it was cut short. Copy the whole link from the message you received."
		return s.render(w, r, http.StatusNotFound, "setup-landing", page{Title: "Connect your identity provider", Data: v})
	case err != nil:
		return err
	}
	v.Link, v.Tenant = l, t
	// The browser that redeemed the link goes on where it was.
	if c, err := r.Cookie(setupCookie); err == nil {
		if mine, _, err := s.admin.SetupSession(r.Context(), c.Value); err == nil && mine.ID == l.ID {
			http.Redirect(w, r, admin.SetupPath+"/", http.StatusSeeOther)
			return nil
		}
	}
	if v.Problem = s.linkProblem(l); v.Problem != "" {
		v.Secret = ""
		return s.render(w, r, http.StatusGone, "setup-landing", page{Title: "This setup link cannot be used", Tenant: t, Data: v})
	}
	return s.render(w, r, http.StatusOK, "setup-landing", page{Title: "Connect " + displayName(t) + "'s identity provider", Tenant: t, Data: v})
}

// linkProblem says why a link cannot be redeemed, "" when it can.
func (s *Server) linkProblem(l *roster.SetupLink) string {
	ask := " Ask the team that sent it for a new link."
	switch {
	case !l.Revoked.IsZero():
		return "This link was withdrawn on " + l.Revoked.UTC().Format("2006-01-02 15:04 UTC") + "." + ask
	case !l.Redeemed.IsZero():
		return "This link was already used, on " + l.Redeemed.UTC().Format("2006-01-02 15:04 UTC") +
			": a setup link works once, in the browser that opened it first." + ask
	case !s.opts.Now().Before(l.Expires):
		return "This link expired on " + l.Expires.UTC().Format("2006-01-02 15:04 UTC") + "." + ask
	}
	return ""
}

// handleSetupStart redeems a setup link and starts its session.
func (s *Server) handleSetupStart(w http.ResponseWriter, r *http.Request) error {
	secret := r.PostFormValue("link")
	session, l, err := s.admin.RedeemSetupLink(r.Context(), secret, s.clientAddr(r))
	if code := roster.ErrorCode(err); code == roster.EUNAUTHORIZED || code == roster.ECONFLICT {
		v := landingView{Link: l, Problem: "This link is not a setup link of this service, or it was cut short."}
		if l != nil {
			v.Problem = s.linkProblem(l)
		}
		return s.render(w, r, http.StatusGone, "setup-landing", page{Title: "This setup link cannot be used", Data: v})
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     setupCookie,
		Value:    session,
		Path:     admin.SetupPath,
		MaxAge:   int(admin.SetupSessionAbsolute / time.Second),
		HttpOnly: true,
		Secure:   strings.HasPrefix(s.opts.PublicURL, "https://"),
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, admin.SetupPath+"/", http.StatusSeeOther)
	return nil
}

// step is one of the customer's setup pages; Scope is the link scope it
// needs ("" for none).
type step struct{ Name, Label, Path, Scope string }

// setupSteps are the setup pages, in the order the customer takes them.
var setupSteps = []step{
	{"idp", "Identity provider", "/", ""},
	{"app", "Create the application", "/app", ""},
	{"provisioning", "Provisioning", "/provisioning", roster.SetupScopeSCIM},
	{"attributes", "Attributes and roles", "/attributes", roster.SetupScopeSCIM},
	{"signin", "Sign-in", "/sign-in", roster.SetupScopeSSO},
	{"status", "Status", "/status", ""},
	{"held", "Held changes", "/held", roster.SetupScopeHeld},
}

// idp is an identity provider the setup pages have steps for.
type idp struct {
	Key, Name string
}

// idps are the identity providers the setup pages know, Entra ID first.
var idps = []idp{
	{"entra", "Microsoft Entra ID"},
	{"okta", "Okta"},
	{"onelogin", "OneLogin"},
	{"jumpcloud", "JumpCloud"},
	{"google", "Google Workspace"},
	{"other", "Another SCIM client"},
}

// idpOf returns the identity provider a request's "idp" parameter names;
// when it names none, the directory the tenant chose (a directory's key is
// its identity provider's), else Entra ID. The pages' links carry the
// parameter, so that a link without the scim scope, which cannot choose the
// directory, still follows the steps of the provider it picked.
func idpOf(r *http.Request) idp {
	key := r.URL.Query().Get("idp")
	if ss := setupOf(r); key == "" && ss != nil {
		key = string(ss.tenant.Settings.Directory)
	}
	for _, p := range idps {
		if p.Key == key {
			return p
		}
	}
	return idps[0]
}

// homeView is the first setup page: the directory that provisions the
// tenant, chosen in a form, or, for a link that cannot connect provisioning,
// the identity provider whose steps to follow.
type homeView struct {
	IdPs []idp
	// Directories are the choices of the form; Chosen the tenant's ("" for none).
	Directories []idp
	Chosen      string
	// Error says why the form was refused ("" when it was not).
	Error string
}

func (s *Server) handleSetupHome(w http.ResponseWriter, r *http.Request) error {
	p := page{}
	if r.URL.Query().Get("done") == "directory" {
		p.Flash = "Saved: " + idpOf(r).Name + " provisions your people."
	}
	return s.renderSetupHome(w, r, http.StatusOK, p, "")
}

func (s *Server) renderSetupHome(w http.ResponseWriter, r *http.Request, status int, p page, problem string) error {
	t := setupOf(r).tenant
	v := homeView{IdPs: idps, Chosen: string(t.Settings.Directory), Error: problem}
	for _, d := range roster.Directories {
		if i := slices.IndexFunc(idps, func(p idp) bool { return p.Key == string(d) }); i >= 0 {
			v.Directories = append(v.Directories, idps[i])
		}
	}
	p.Title, p.Tab, p.Data = "Connect "+displayName(t)+"'s identity provider", "idp", v
	return s.render(w, r, status, "setup-home", p)
}

// handleSetupDirectory sets the directory that provisions the session's
// tenant, as the operator's roster tenant update --directory does: it picks
// how Roster reads what that directory sends (docs/directories.md), so only
// a link that may connect provisioning sets it.
func (s *Server) handleSetupDirectory(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSCIM); err != nil {
		return err
	}
	ss := setupOf(r)
	d := roster.Directory(r.PostFormValue("directory"))
	if d == "" {
		return s.renderSetupHome(w, r, http.StatusUnprocessableEntity, page{}, "Choose the directory that will provision your people.")
	}
	t, err := s.admin.UpdateTenant(r.Context(), ss.tenant.ID, admin.TenantUpdate{Directory: &d})
	if roster.ErrorCode(err) == roster.EINVALID {
		return s.renderSetupHome(w, r, http.StatusUnprocessableEntity, page{}, "Choose one of the directories below.")
	}
	if err != nil {
		return err
	}
	ss.tenant = t
	http.Redirect(w, r, admin.SetupPath+"/?done=directory", http.StatusSeeOther)
	return nil
}

// displayName is how pages name a tenant to its own people.
func displayName(t *roster.Tenant) string {
	if t.DisplayName != "" {
		return t.DisplayName
	}
	return t.Name
}
