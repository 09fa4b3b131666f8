package console

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// A tenant's setup links, on its connection page: the link to send the
// customer's IT admin (roster setup-link create), shown once, and the
// tenant's links with their state, each revocable.

// setupLinkDays are the lifetimes the create form offers, in days; the
// second is the default.
var setupLinkDays = []int{1, 3, 7, 14, 30}

// setupLinksView is the connection page's setup links section.
type setupLinksView struct {
	Links []setupLinkRow
	// Scopes and Days are what the form offers.
	Scopes []string
	Days   []int
	Form   setupLinkForm
}

type setupLinkRow struct {
	*roster.SetupLink
	Status string
}

// setupLinkForm is the create form as sent, its error, and a new link's
// URL, shown this once.
type setupLinkForm struct {
	Scopes []string
	Days   int
	Error  string
	NewURL string
	New    *roster.SetupLink
}

// Has reports whether the form has scope ticked.
func (f setupLinkForm) Has(scope string) bool { return slices.Contains(f.Scopes, scope) }

// newSetupLinkForm is the form as a page first shows it: the default scopes
// (held changes unticked: they change users), the default lifetime.
func newSetupLinkForm() setupLinkForm {
	return setupLinkForm{Scopes: roster.DefaultSetupScopes, Days: setupLinkDays[1]}
}

// setupLinks returns the section of the tenant's setup links, around form
// (none sent: newSetupLinkForm). A tenant has a handful of links: they are
// all listed.
func (s *Server) setupLinks(ctx context.Context, t *roster.Tenant, form setupLinkForm) (setupLinksView, error) {
	if form.Scopes == nil && form.Error == "" {
		form = newSetupLinkForm()
	}
	_, links, err := s.admin.SetupLinks(ctx, t.ID)
	if err != nil {
		return setupLinksView{}, err
	}
	v := setupLinksView{Scopes: roster.SetupScopes, Days: setupLinkDays, Form: form}
	for _, l := range links {
		v.Links = append(v.Links, setupLinkRow{SetupLink: l, Status: s.admin.SetupLinkStatus(l)})
	}
	return v, nil
}

// handleSetupLinkCreate makes a setup link to the tenant and shows its URL
// on the page it answers with, once: the link's secret is never stored.
func (s *Server) handleSetupLinkCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return roster.Errorf(roster.EINVALID, "the form does not parse: %v", err)
	}
	form := setupLinkForm{Scopes: r.PostForm["scope"]}
	form.Days, _ = strconv.Atoi(r.PostFormValue("days"))
	switch {
	case len(form.Scopes) == 0:
		form.Error = "Tick at least one thing the link lets the customer do."
	case form.Days < 1:
		form.Error = "Choose how long the link may be used."
	}
	if form.Error != "" {
		return s.renderConnection(w, r, http.StatusUnprocessableEntity, connectionForms{Setup: form})
	}
	secret, l, err := s.admin.CreateSetupLink(r.Context(), r.PathValue("tenant"), time.Duration(form.Days)*24*time.Hour, form.Scopes)
	if roster.ErrorCode(err) == roster.EINVALID {
		form.Error = err.Error()
		return s.renderConnection(w, r, http.StatusUnprocessableEntity, connectionForms{Setup: form})
	}
	if err != nil {
		return err
	}
	base, err := s.admin.PublicURL(r.Context(), s.opts.PublicURL, "")
	if err != nil {
		return err
	}
	form = newSetupLinkForm()
	form.NewURL, form.New = admin.SetupURL(base, secret), l
	return s.renderConnection(w, r, http.StatusOK, connectionForms{Setup: form})
}

// handleSetupLinkRevoke revokes a setup link of the tenant, ending its
// session; a link of another tenant is not found.
func (s *Server) handleSetupLinkRevoke(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	if err := s.admin.RevokeSetupLink(r.Context(), t.ID, r.PathValue("link")); err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "")+"#setup-links", http.StatusSeeOther)
	return nil
}
