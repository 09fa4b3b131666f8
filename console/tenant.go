package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/rosterhq/roster"
)

// pageSize is how many rows a console table shows at once.
const pageSize = 50

// maxSearch bounds a search box's text.
const maxSearch = 200

// tenantsView is the tenants page.
type tenantsView struct {
	Search  string
	Tenants []*roster.Tenant
	// Next is the URL of the next page, "" on the last one.
	Next template.URL
	// Form is the create form as sent, with its error, when it was refused.
	Form tenantForm
}

type tenantForm struct {
	Name, DisplayName string
	Error             string
}

func (s *Server) handleTenants(w http.ResponseWriter, r *http.Request) error {
	return s.renderTenants(w, r, http.StatusOK, tenantForm{})
}

func (s *Server) renderTenants(w http.ResponseWriter, r *http.Request, status int, form tenantForm) error {
	q := r.URL.Query()
	v := tenantsView{Search: trimSearch(q.Get("q")), Form: form}
	ts, err := s.store.TenantPage(r.Context(), roster.TenantQuery{Search: v.Search, After: q.Get("after"), Limit: pageSize + 1})
	if err != nil {
		return err
	}
	if len(ts) > pageSize {
		ts = ts[:pageSize]
		v.Next = nextPage(r, "after", ts[len(ts)-1].Name)
	}
	v.Tenants = ts
	return s.render(w, r, status, "tenants", page{Title: "Tenants", Tab: "tenants", Data: v})
}

func (s *Server) handleTenantCreate(w http.ResponseWriter, r *http.Request) error {
	form := tenantForm{Name: strings.TrimSpace(r.PostFormValue("name")), DisplayName: strings.TrimSpace(r.PostFormValue("display_name"))}
	t, err := s.admin.CreateTenant(r.Context(), form.Name, form.DisplayName)
	if code := roster.ErrorCode(err); code == roster.EINVALID || code == roster.ECONFLICT {
		form.Error = err.Error()
		return s.renderTenants(w, r, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "")+"?created=1", http.StatusSeeOther)
	return nil
}

func (s *Server) handleTenantDisable(w http.ResponseWriter, r *http.Request) error {
	t, err := s.admin.DisableTenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, ""), http.StatusSeeOther)
	return nil
}

func (s *Server) handleTenantEnable(w http.ResponseWriter, r *http.Request) error {
	t, err := s.admin.EnableTenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, ""), http.StatusSeeOther)
	return nil
}

// handleTenantDelete deletes a tenant once the form repeats its name.
func (s *Server) handleTenantDelete(w http.ResponseWriter, r *http.Request) error {
	t, err := s.admin.DeleteTenant(r.Context(), r.PathValue("tenant"), r.PostFormValue("confirm"))
	if roster.ErrorCode(err) == roster.EINVALID {
		return s.renderConnection(w, r, http.StatusUnprocessableEntity, connectionForms{DeleteError: "Type the tenant's name exactly to delete it."})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/?deleted="+url.QueryEscape(t.Name), http.StatusSeeOther)
	return nil
}

// tenantPath is the path of a tenant's page tab ("" for its connection).
func (s *Server) tenantPath(t *roster.Tenant, tab string) string {
	return Prefix + "/tenants/" + url.PathEscape(t.Name) + tab
}

// trimSearch bounds a search text.
func trimSearch(q string) string {
	q = strings.TrimSpace(q)
	if len(q) > maxSearch {
		q = q[:maxSearch]
	}
	return strings.ToValidUTF8(q, "")
}

// nextPage is the URL of the page after r's: r's query with key set to value.
func nextPage(r *http.Request, key, value string) template.URL {
	q := r.URL.Query()
	q.Set(key, value)
	return template.URL(r.URL.Path + "?" + q.Encode())
}
