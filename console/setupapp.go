package console

import (
	"net/http"
	"slices"

	"github.com/rosterhq/roster"
)

// appView is the page that creates the application in the customer's
// identity provider: its steps are in the template, one block per provider.
type appView struct {
	// Next is the step to take after this one; its Path is "" when none is left.
	Next step
}

// handleSetupApp says how to create the application in the identity
// provider the customer chose (idpOf): the exact menus of each, and, for
// Google Workspace, that it cannot provision to an application of its own.
func (s *Server) handleSetupApp(w http.ResponseWriter, r *http.Request) error {
	p, l := idpOf(r), setupOf(r).link
	title, next := "Create the application in "+p.Name, stepAfter(l, "app")
	switch p.Key {
	case "google":
		next = stepAfter(l, "attributes") // Google sends no one: nothing to provision
	case "other":
		title = "Prepare your SCIM client"
	}
	return s.render(w, r, http.StatusOK, "setup-app", page{Title: title, Tab: "app", Data: appView{Next: next}})
}

// stepAfter returns the first setup step after the one named name that the
// link's scopes allow, or the zero step when none is left.
func stepAfter(l *roster.SetupLink, name string) step {
	i := slices.IndexFunc(setupSteps, func(st step) bool { return st.Name == name })
	for _, st := range setupSteps[i+1:] {
		if st.Scope == "" || l.Allows(st.Scope) {
			return st
		}
	}
	return step{}
}
