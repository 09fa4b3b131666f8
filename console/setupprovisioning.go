package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// The provisioning step of the setup pages: the Tenant URL and the secret
// tokens the customer's IdP connects with, HTTP Basic for IdPs that want a
// user name, and whether the IdP has connected (connection, in
// setupconnection.go).

// idpFields says where an IdP's admin pastes the provisioning values, in
// the words of the IdP's own pages.
type idpFields struct {
	// Where leads to the page holding the fields.
	Where string
	// URL and Token name the fields the Tenant URL and a token go in.
	URL, Token string
	// Extra are other settings of that page.
	Extra []idpSetting
	// Test says how to test the connection and finish.
	Test string
	// Sends sums up what the IdP sends and what the application makes of
	// it, as docs/directories.md and docs/entra.md tell the operator.
	Sends []string
}

// idpSetting is a setting of an IdP's page and the value to give it.
type idpSetting struct{ Field, Value string }

// provisioningFields are the fields of each IdP of idps, by its key.
var provisioningFields = map[string]idpFields{
	"entra": {
		Where: "In the Microsoft Entra admin center, open Identity › Applications › Enterprise applications › your application › Provisioning, and set Provisioning Mode to Automatic. Under Admin Credentials:",
		URL:   "Tenant URL", Token: "Secret Token",
		Test: "Click Test Connection: Entra ID looks up a made-up user with the token, and the status below turns to connected. Then click Save.",
		Sends: []string{
			"The default attribute mappings work as they are; userPrincipalName becomes the userName people are matched by.",
			"Entra ID syncs about every 40 minutes; Provision on demand sends one person at once.",
			"A person who leaves is first deactivated (active false) and keeps their data; a later delete removes them.",
		},
	},
	"okta": {
		Where: "In the Okta Admin Console, open Applications › Applications › your application. On the General tab, under App Settings, click Edit, tick Enable SCIM provisioning and save. Then on the Provisioning tab, under Integration, click Edit:",
		URL:   "SCIM connector base URL", Token: "Authorization (Bearer)",
		Extra: []idpSetting{{"Unique identifier field for users", "userName"}, {"Supported provisioning actions", "Push New Users, Push Profile Updates, Push Groups"},
			{"Authentication Mode", "HTTP Header"}},
		Test: "Click Test Connector Configuration, then Save. Under Provisioning › To App, click Edit and enable Create Users, Update User Attributes and Deactivate Users.",
		Sends: []string{
			"Okta looks each person up by userName before creating them, and sends profile changes as the whole person again (PUT): a change that leaves out active keeps the person's status.",
			"Okta never deletes people: unassigning or deactivating someone deactivates them (active false), and a later assignment reactivates them.",
			"Leave Sync Password off: people sign in through Okta, and a password Okta sends is not kept.",
		},
	},
	"onelogin": {
		Where: "In OneLogin Administration, open Applications › your application (made from the SCIM Provisioner with SAML (SCIM v2 Enterprise) connector) › Configuration:",
		URL:   "SCIM Base URL", Token: "SCIM Bearer Token",
		Test: "Click Save, then Enable under API Connection. On the Provisioning tab, tick Enable provisioning and save.",
		Sends: []string{
			"OneLogin fills in its SCIM JSON Template for each person and sends it whole on every create and update; a template without active keeps the person's status.",
			"The Enterprise template puts department and manager under the SCIM 1.0 enterprise extension: with OneLogin chosen on the first page, the application reads them as the SCIM 2.0 enterprise extension.",
			"Under When users are deleted in OneLogin, Delete removes the person from the application.",
		},
	},
	"jumpcloud": {
		Where: "In the JumpCloud Admin Portal, open SSO Applications › your application › Identity Management, and choose SCIM 2.0 as the API type:",
		URL:   "Base URL", Token: "Token Key",
		Test: "Click Test Connection, then Activate and Save.",
		Sends: []string{
			"Test Connection creates a test user and a test group and deletes both; it can be run again.",
			"A group of the application that has a user group's name is managed by JumpCloud from then on.",
			"A group deleted in JumpCloud is removed from the application with its memberships.",
		},
	},
	"google": {
		Where: "Google Workspace sends users to an application by itself only when the application is in Google's catalog. If it is, open Apps › Web and mobile apps › your application › Auto-provisioning in the Google Admin console:",
		URL:   "Endpoint URL", Token: "Access token",
		Test: "Turn auto-provisioning on and save: Google sends its first users within minutes, and the status below turns to connected.",
	},
	"other": {
		Where: "In your SCIM client's settings:",
		URL:   "SCIM base URL", Token: "Bearer token (sent as “Authorization: Bearer <token>”)",
		Test: "Send any request, such as GET /Users?count=1, and watch the status below.",
		Sends: []string{
			"The application speaks SCIM 2.0 (RFC 7643 and 7644): Users, Groups, PATCH, filters and Bulk.",
			"Send active false to take someone's access away while keeping them, and DELETE to remove them.",
		},
	},
}

// provisioningView is the provisioning page.
type provisioningView struct {
	TenantURL string
	Fields    idpFields
	Tokens    []tokenRow
	// LiveTokens counts the tokens HTTP Basic takes as a password.
	LiveTokens int
	Connection connection
	// StatusURL is where the page's script reads the connection's status.
	StatusURL string
	Form      setupTokenForm
	// Chosen is set once the tenant's directory is chosen; until then the
	// page asks for it.
	Chosen bool
}

// setupTokenForm is the token form as sent, its error, and a new token's
// secret, shown this once.
type setupTokenForm struct {
	Name, Days string
	Error      string
	NewSecret  string
	NewToken   *roster.Token
}

func (s *Server) handleSetupProvisioning(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSCIM); err != nil {
		return err
	}
	return s.renderProvisioning(w, r, http.StatusOK, setupTokenForm{Name: idpOf(r).Name})
}

func (s *Server) renderProvisioning(w http.ResponseWriter, r *http.Request, status int, form setupTokenForm) error {
	t := setupOf(r).tenant
	_, toks, err := s.admin.Tokens(r.Context(), t.ID)
	if err != nil {
		return err
	}
	conn, err := s.connectionOf(r.Context(), t, toks)
	if err != nil {
		return err
	}
	v := provisioningView{TenantURL: s.opts.PublicURL + s.opts.SCIMPath, Fields: provisioningFields[idpOf(r).Key], Connection: conn,
		StatusURL: admin.SetupPath + "/provisioning/status.json", Form: form, Chosen: t.Settings.Directory != ""}
	for _, k := range toks {
		row := tokenRow{Token: k, Status: s.admin.TokenStatus(k)}
		if row.Status == "live" {
			v.LiveTokens++
		}
		v.Tokens = append(v.Tokens, row)
	}
	return s.render(w, r, status, "setup-provisioning", page{Title: "Connect provisioning", Tab: "provisioning", Data: v})
}

// handleSetupTokenCreate creates a token of the session's tenant and shows
// its secret on the page it answers with, once: it is never stored, nor put
// in a URL. The tenant's other tokens keep working.
func (s *Server) handleSetupTokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSCIM); err != nil {
		return err
	}
	form := setupTokenForm{Name: strings.TrimSpace(r.PostFormValue("name")), Days: r.PostFormValue("days")}
	days, err := strconv.Atoi(form.Days)
	if err != nil || days < 0 || days > 3650 {
		form.Error = "Choose how long the token works."
		return s.renderProvisioning(w, r, http.StatusUnprocessableEntity, form)
	}
	if len(form.Name) > 200 {
		form.Error = "A label has at most 200 characters."
		return s.renderProvisioning(w, r, http.StatusUnprocessableEntity, form)
	}
	secret, tok, err := s.admin.CreateToken(r.Context(), setupOf(r).tenant.ID, form.Name, time.Duration(days)*24*time.Hour)
	if roster.ErrorCode(err) == roster.EINVALID {
		form.Error = err.Error()
		return s.renderProvisioning(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	return s.renderProvisioning(w, r, http.StatusOK, setupTokenForm{Name: idpOf(r).Name, NewSecret: secret, NewToken: tok})
}

// handleSetupTokenRevoke revokes a token of the session's tenant; a token
// of another tenant is not found.
func (s *Server) handleSetupTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSCIM); err != nil {
		return err
	}
	err := s.admin.RevokeTenantToken(r.Context(), setupOf(r).tenant.ID, r.PathValue("token"))
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		err = roster.Errorf(roster.ENOTFOUND, "There is no such token.")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, admin.SetupPath+"/provisioning?idp="+idpOf(r).Key+"#tokens", http.StatusSeeOther)
	return nil
}
