package console

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/policy"
)

// attributesView is the page of attributes and roles: what Entra's default
// mappings send and what becomes of each, the tenant's policy as the settings
// to make in Entra, and a dry run of the policy on a user's document.
type attributesView struct {
	Entra *policy.EntraSettings
	// User is the user's document to try: on a GET the policy's sample,
	// else as typed. UserError is its problem ("" for none).
	User, UserError string
	// Trial is what the policy makes of User; nil before a trial.
	Trial *trialView
	// Next is the step to take after this one; its Path is "" when none is left.
	Next step
}

func (s *Server) handleSetupAttributes(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSCIM); err != nil {
		return err
	}
	return s.renderSetupAttributes(w, r, http.StatusOK, attributesView{})
}

// renderSetupAttributes renders the page for the session's tenant, with v's
// trial; on a GET the dry run's form holds the policy's sample user.
func (s *Server) renderSetupAttributes(w http.ResponseWriter, r *http.Request, status int, v attributesView) error {
	ss := setupOf(r)
	tp, err := s.admin.Policy(r.Context(), ss.tenant.ID)
	if err != nil {
		return err
	}
	p, err := policy.Load(tp.Policy)
	if err != nil {
		return err
	}
	v.Entra, v.Next = p.EntraSettings(), stepAfter(ss.link, "attributes")
	if r.Method == http.MethodGet {
		b, _ := json.MarshalIndent(v.Entra.Sample, "", "  ") // decoded JSON: cannot fail
		v.User = string(b)
	}
	return s.render(w, r, status, "setup-attributes", page{Title: "Attributes and roles", Tab: "attributes", Data: v})
}

// handleSetupAttributesTry applies the tenant's policy to the user's
// document sent, as a create from the IdP would, and shows what it makes of
// it: its entitlements, or why it is refused. Nothing is stored.
func (s *Server) handleSetupAttributesTry(w http.ResponseWriter, r *http.Request) error {
	if err := needScope(r, roster.SetupScopeSCIM); err != nil {
		return err
	}
	v := attributesView{User: r.PostFormValue("user")}
	var doc map[string]any
	switch {
	case strings.TrimSpace(v.User) == "":
		v.UserError = "Paste a person's document, as your identity provider sends it (JSON), or reload the page for the example."
	case json.Unmarshal([]byte(v.User), &doc) != nil || doc == nil:
		v.UserError = "This is not a JSON object: the document starts with { and ends with }."
	}
	if v.UserError != "" {
		return s.renderSetupAttributes(w, r, http.StatusUnprocessableEntity, v)
	}
	tr, err := s.admin.TryPolicyWith(r.Context(), setupOf(r).tenant.ID, admin.PolicyTry{User: doc})
	if err != nil {
		return err
	}
	name, _ := doc["userName"].(string)
	v.Trial = trialOf(name, tr)
	return s.renderSetupAttributes(w, r, http.StatusOK, v)
}
