package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// pageSize is how many rows a console table shows at once.
const pageSize = 50

// maxSearch bounds a search box's text.
const maxSearch = 200

// tenantsView is the tenants page.
type tenantsView struct {
	Search  string
	Tenants []tenantRow
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
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	now := s.opts.Now()
	stats, err := s.store.TenantStats(r.Context(), ids, now.Add(-statsWindow))
	if err != nil {
		return err
	}
	for _, t := range ts {
		st := stats[t.ID]
		v.Tenants = append(v.Tenants, tenantRow{Tenant: t, Stats: st, Expiry: tokenExpiry(st, now), Backlog: backlog(st.Backlog)})
	}
	return s.render(w, r, status, "tenants", page{Title: "Tenants", Tab: "tenants", Data: v})
}

// statsWindow is how far back the tenants page counts requests.
const statsWindow = 24 * time.Hour

// tenantRow is a tenant with its figures, as the tenants page shows it.
type tenantRow struct {
	*roster.Tenant
	Stats   roster.TenantStats
	Expiry  expiry
	Backlog string
}

// expiry says when a tenant's tokens run out: Text when it says more than
// the time At, and Class for a badge when it is urgent ("bad", "warn").
type expiry struct {
	At          time.Time
	Text, Class string
}

// tokenExpiry describes when st's tokens run out, as of now.
func tokenExpiry(st roster.TenantStats, now time.Time) expiry {
	switch {
	case st.Tokens == 0:
		return expiry{Text: "no token", Class: "bad"}
	case st.TokensExpire.IsZero():
		return expiry{Text: "never"}
	case !st.TokensExpire.After(now):
		return expiry{Text: "expired", Class: "bad"}
	case st.TokensExpire.Sub(now) < 30*24*time.Hour:
		return expiry{At: st.TokensExpire, Class: "warn"}
	}
	return expiry{At: st.TokensExpire}
}

// backlog prints a webhook backlog, which the store counts up to
// roster.MaxBacklog+1.
func backlog(n int64) string {
	if n > roster.MaxBacklog {
		return "more than " + strconv.Itoa(roster.MaxBacklog)
	}
	return strconv.FormatInt(n, 10)
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
