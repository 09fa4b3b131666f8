package console

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

// accessView is the App access page: the host app's API keys on the app API
// and its OAuth clients of Roster's OpenID Provider, each table searched and
// paged on its own.
type accessView struct {
	KeySearch    string
	Keys         []apiKeyRow
	NextKeys     template.URL // "" on the last page
	ClientSearch string
	Clients      []*roster.OAuthClient
	NextClients  template.URL
	Forms        accessForms
}

// apiKeyRow is an API key as the page lists it, with the name of the tenant
// it may read ("" for every tenant).
type apiKeyRow struct {
	*roster.APIKey
	Tenant string
}

// accessForms are the page's create forms as sent, their errors, and a new
// key's or client's secret, shown this once.
type accessForms struct {
	KeyName, KeyTenant string
	// KeyScope is roster.ScopeRead or roster.ScopeWrite ("" is read).
	KeyScope     string
	KeyError     string
	NewKeySecret string
	NewKey       *admin.APIKey

	ClientName, ClientRedirects string
	ClientPublic                bool
	ClientError                 string
	NewClientSecret             string
	NewClient                   *roster.OAuthClient
}

func (s *Server) handleAccess(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccess(w, r, http.StatusOK, accessForms{})
}

func (s *Server) renderAccess(w http.ResponseWriter, r *http.Request, status int, forms accessForms) error {
	q := r.URL.Query()
	v := accessView{KeySearch: trimSearch(q.Get("keys_q")), ClientSearch: trimSearch(q.Get("clients_q")), Forms: forms}
	ks, err := s.store.APIKeyPage(r.Context(), roster.APIKeyQuery{Search: v.KeySearch, After: q.Get("keys_after"), Limit: pageSize + 1})
	if err != nil {
		return err
	}
	if len(ks) > pageSize {
		ks = ks[:pageSize]
		v.NextKeys = accessPage(r, "keys_after", ks[len(ks)-1].ID)
	}
	if v.Keys, err = s.apiKeyRows(r, ks); err != nil {
		return err
	}
	cs, err := s.store.OAuthClientPage(r.Context(), roster.OAuthClientQuery{Search: v.ClientSearch, After: q.Get("clients_after"), Limit: pageSize + 1})
	if err != nil {
		return err
	}
	if len(cs) > pageSize {
		cs = cs[:pageSize]
		v.NextClients = accessPage(r, "clients_after", cs[len(cs)-1].ID)
	}
	v.Clients = cs
	return s.render(w, r, status, "access", page{Title: "App access", Tab: "access", Data: v})
}

// accessPage is the URL of the App access page with r's query and key set to
// value: the next page of one table, the other's as it is. (r may be a
// create form's POST, which answers with the page.)
func accessPage(r *http.Request, key, value string) template.URL {
	q := r.URL.Query()
	q.Set(key, value)
	return template.URL(Prefix + "/access?" + q.Encode())
}

// apiKeyRows names the tenant of each key of a page, reading each tenant once.
func (s *Server) apiKeyRows(r *http.Request, ks []*roster.APIKey) ([]apiKeyRow, error) {
	names := map[string]string{}
	rows := make([]apiKeyRow, len(ks))
	for i, k := range ks {
		k.Hash = nil
		rows[i] = apiKeyRow{APIKey: k}
		if k.TenantID == "" {
			continue
		}
		if _, ok := names[k.TenantID]; !ok {
			t, err := s.store.Tenant(r.Context(), k.TenantID)
			if err != nil {
				return nil, err
			}
			names[k.TenantID] = t.Name
		}
		rows[i].Tenant = names[k.TenantID]
	}
	return rows, nil
}

// handleAPIKeyCreate issues an API key of the scope chosen (read, or write:
// also the app API's write routes) and shows its secret on the page it
// answers with, once: it is never stored, nor put in a URL.
func (s *Server) handleAPIKeyCreate(w http.ResponseWriter, r *http.Request) error {
	forms := accessForms{KeyName: strings.TrimSpace(r.PostFormValue("name")), KeyTenant: strings.TrimSpace(r.PostFormValue("tenant")),
		KeyScope: r.PostFormValue("scope")}
	secret, k, err := s.admin.CreateAPIKey(r.Context(), forms.KeyTenant, forms.KeyName, forms.KeyScope)
	if code := roster.ErrorCode(err); code == roster.EINVALID || code == roster.ENOTFOUND {
		forms.KeyError = err.Error()
		return s.renderAccess(w, r, http.StatusUnprocessableEntity, forms)
	}
	if err != nil {
		return err
	}
	return s.renderAccess(w, r, http.StatusOK, accessForms{NewKeySecret: secret, NewKey: k})
}

func (s *Server) handleAPIKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := s.admin.RevokeAPIKey(r.Context(), r.PathValue("apikey")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/access#keys", http.StatusSeeOther)
	return nil
}

// handleClientCreate registers an OAuth client, its redirect URIs one a line,
// and shows a confidential client's secret on the page it answers with, once.
func (s *Server) handleClientCreate(w http.ResponseWriter, r *http.Request) error {
	forms := accessForms{
		ClientName:      strings.TrimSpace(r.PostFormValue("name")),
		ClientRedirects: strings.TrimSpace(r.PostFormValue("redirect_uris")),
		ClientPublic:    r.PostFormValue("public") == "on",
	}
	secret, c, err := s.admin.CreateClient(r.Context(), forms.ClientName, strings.Fields(forms.ClientRedirects), forms.ClientPublic)
	if roster.ErrorCode(err) == roster.EINVALID {
		forms.ClientError = err.Error()
		return s.renderAccess(w, r, http.StatusUnprocessableEntity, forms)
	}
	if err != nil {
		return err
	}
	return s.renderAccess(w, r, http.StatusOK, accessForms{NewClientSecret: secret, NewClient: c})
}

func (s *Server) handleClientRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := s.admin.RevokeClient(r.Context(), r.PathValue("client")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/access#clients", http.StatusSeeOther)
	return nil
}
