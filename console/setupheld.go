package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// The held changes step of the setup pages (scope held): the customer's IT
// admin decides on the deactivations and deletes the tenant's deprovisioning
// guard holds, as an operator does on the console's held operations page,
// through the same admin operations, audited with the link as the actor.

func (s *Server) handleSetupHeld(w http.ResponseWriter, r *http.Request) error {
	return s.renderSetupHeld(w, r, http.StatusOK, "")
}

// renderSetupHeld writes the held changes page of the session's tenant, with
// the refusal of a "Release all" or "Revert all" (formError, "" for none).
func (s *Server) renderSetupHeld(w http.ResponseWriter, r *http.Request, status int, formError string) error {
	if err := needScope(r, roster.SetupScopeHeld); err != nil {
		return err
	}
	_, v, err := s.readHeld(r, setupOf(r).tenant.ID)
	if err != nil {
		return err
	}
	v.Error = formError
	return s.render(w, r, status, "setup-held", page{Title: "Held changes", Tab: "held", Flash: heldFlash(r), Data: v})
}

// settleSetupHeld releases or reverts (settle) the held operation of the
// path, or every one with all, of the session's tenant only (an operation
// of another tenant is not found), and goes back to the held changes page
// saying how many were (done: "released", "reverted").
func (s *Server) settleSetupHeld(w http.ResponseWriter, r *http.Request, done string, all bool, settle heldSettler) error {
	if err := needScope(r, roster.SetupScopeHeld); err != nil {
		return err
	}
	_, ops, err := settle(r.Context(), setupOf(r).tenant.ID, all, heldIDs(r, all))
	if err != nil {
		return err
	}
	q := url.Values{"idp": {idpOf(r).Key}, done: {strconv.Itoa(len(ops))}}
	http.Redirect(w, r, admin.SetupPath+"/held?"+q.Encode(), http.StatusSeeOther)
	return nil
}
