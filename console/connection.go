package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// connectionView is a tenant's connection page: what the IdP's admin pastes
// into the provisioning page, and the tenant's tokens.
type connectionView struct {
	TenantURL string
	Tokens    []tokenRow
	// LiveTokens counts the tokens HTTP Basic takes as a password.
	LiveTokens int
	// Stats are the tenant's figures, the provisioning log's over statsWindow.
	Stats roster.TenantStats
	// Held counts the operations the tenant's deprovisioning guard holds.
	Held int
	// Directory names the directory that provisions the tenant ("" when
	// none was chosen), which picks how Roster reads what it sends.
	Directory string
	Forms     connectionForms
	Setup     setupLinksView
}

type tokenRow struct {
	*roster.Token
	Status string
}

// connectionForms are the page's forms as sent, their errors, and a new
// token's secret, shown this once.
type connectionForms struct {
	TokenName   string
	TokenError  string
	NewSecret   string
	NewToken    *roster.Token
	DeleteError string
	Setup       setupLinkForm
}

// tokenLifetimes are the lifetimes the create form offers, in days (0: never expires).
var tokenLifetimes = []int{0, 30, 90, 180, 365, 730}

func (s *Server) handleConnection(w http.ResponseWriter, r *http.Request) error {
	return s.renderConnection(w, r, http.StatusOK, connectionForms{})
}

func (s *Server) renderConnection(w http.ResponseWriter, r *http.Request, status int, forms connectionForms) error {
	t, toks, err := s.admin.Tokens(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	stats, err := s.store.TenantStats(r.Context(), []string{t.ID}, s.opts.Now().Add(-statsWindow))
	if err != nil {
		return err
	}
	v := connectionView{TenantURL: s.opts.PublicURL + s.opts.SCIMPath, Stats: stats[t.ID], Forms: forms, Directory: directoryName(t.Settings.Directory)}
	if v.Held, err = s.store.CountHeld(r.Context(), t.ID); err != nil {
		return err
	}
	if v.Setup, err = s.setupLinks(r.Context(), t, forms.Setup); err != nil {
		return err
	}
	for _, k := range toks {
		row := tokenRow{Token: k, Status: s.admin.TokenStatus(k)}
		if row.Status == "live" {
			v.LiveTokens++
		}
		v.Tokens = append(v.Tokens, row)
	}
	p := page{Title: "Connection", Tenant: t, Tab: "connection", Data: v}
	if r.URL.Query().Get("created") != "" {
		p.Flash = "Tenant " + t.Name + " created. Create its first token below."
	}
	return s.render(w, r, status, "connection", p)
}

// handleTokenCreate issues a token and shows its secret on the page it
// answers with, once: it is never stored, nor put in a URL.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) error {
	forms := connectionForms{TokenName: strings.TrimSpace(r.PostFormValue("name"))}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil || days < 0 || days > 3650 {
		forms.TokenError = "Choose how long the token lives."
		return s.renderConnection(w, r, http.StatusUnprocessableEntity, forms)
	}
	secret, tok, err := s.admin.CreateToken(r.Context(), r.PathValue("tenant"), forms.TokenName, time.Duration(days)*24*time.Hour)
	if roster.ErrorCode(err) == roster.EINVALID {
		forms.TokenError = err.Error()
		return s.renderConnection(w, r, http.StatusUnprocessableEntity, forms)
	}
	if err != nil {
		return err
	}
	forms.TokenName, forms.NewSecret, forms.NewToken = "", secret, tok
	return s.renderConnection(w, r, http.StatusOK, forms)
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.Tenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		return err
	}
	if err := s.admin.RevokeTenantToken(r.Context(), t.ID, r.PathValue("token")); err != nil {
		return err
	}
	http.Redirect(w, r, s.tenantPath(t, "")+"#tokens", http.StatusSeeOther)
	return nil
}

// directoryName is how pages name a tenant's directory: its identity
// provider's name, "" when none was chosen.
func directoryName(d roster.Directory) string {
	for _, p := range idps {
		if d != "" && p.Key == string(d) {
			return p.Name
		}
	}
	return string(d)
}
