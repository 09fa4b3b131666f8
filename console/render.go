package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFS embed.FS

// staticFiles serves the console's stylesheet and script.
func staticFiles() http.Handler {
	return http.FileServerFS(staticFS)
}

// page is what every page template receives.
type page struct {
	Title string
	// Tenant is the tenant the page is about (nil for none): the layout then
	// shows the tenant's tabs, Tab the current one.
	Tenant *roster.Tenant
	Tab    string
	// Flash is a one-line outcome of the change just made ("" for none).
	Flash string
	Data  any

	// Set by render.
	Operator *roster.Operator
	// Link is the setup link of a customer's setup page (nil on the
	// console's); IdP the identity provider the customer chose.
	Link      *roster.SetupLink
	IdP       idp
	CSRF      string
	Prefix    string
	SetupPath string
}

// CanChange reports whether the operator may change things: the forms of
// changes are shown to admins only (and refused to others whatever they send).
func (p page) CanChange() bool {
	return p.Operator != nil && p.Operator.Role == roster.OperatorAdmin
}

// Allows reports whether the setup link of the page has scope.
func (p page) Allows(scope string) bool {
	return p.Link != nil && p.Link.Allows(scope)
}

// parsePages parses each page of templates/ with the layout and the partials
// (files starting with "_").
// The customer's setup pages ("setup-*.html") have a layout of their own.
func parsePages() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/setuplayout.html", "templates/_*.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || name == "setuplayout" || strings.HasPrefix(name, "_") {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFiles, n))
	}
	return pages
}

// layoutOf names the layout a page is rendered in.
func layoutOf(name string) string {
	if strings.HasPrefix(name, "setup-") {
		return "setuplayout.html"
	}
	return "layout.html"
}

var funcs = template.FuncMap{
	// stamp prints a time to the minute in UTC, or "never" for the zero time.
	"stamp": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	// iso prints a time for a <time datetime> attribute.
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// lifetimes are the token lifetimes the create form offers, in days.
	"lifetimes": func() []int { return tokenLifetimes },
	// tabs are a tenant's pages.
	"tabs": func() []tab { return tenantTabs },
	// steps are the customer's setup pages.
	"steps": func() []step { return setupSteps },
	// plural prints a count of things ("1 user", "2 users").
	"plural": plural,
	// pct prints a share as a percentage with one decimal.
	"pct": func(part, whole int64) string {
		if whole == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
	},
}

// render writes the page name with p, as status. It renders into a buffer
// first, so that a template error is a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("console: no page %q", name)
	}
	if ss := sessionOf(r); ss != nil {
		p.Operator, p.CSRF = ss.op, admin.FormToken(ss.secret)
	}
	if ss := setupOf(r); ss != nil {
		p.Link, p.CSRF, p.IdP = ss.link, admin.FormToken(ss.secret), idpOf(r)
		if p.Tenant == nil {
			p.Tenant = ss.tenant
		}
	}
	p.Prefix, p.SetupPath = Prefix, admin.SetupPath
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, layoutOf(name), p); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// renderError writes the error page with message, as status.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, message string) {
	p := page{Title: http.StatusText(status), Data: message}
	name := "error"
	if strings.HasPrefix(r.URL.Path, admin.SetupPath) {
		name = "setup-error"
	}
	if err := s.render(w, r, status, name, p); err != nil {
		s.opts.Logger.ErrorContext(r.Context(), "console: rendering an error page", "err", err)
		http.Error(w, message, status)
	}
}

// statusOf maps an error's code to the status of the page that reports it.
var statusOf = map[string]int{
	roster.EINVALID:      http.StatusUnprocessableEntity,
	roster.ENOTFOUND:     http.StatusNotFound,
	roster.ECONFLICT:     http.StatusConflict,
	roster.EFORBIDDEN:    http.StatusForbidden,
	roster.EUNAUTHORIZED: http.StatusUnauthorized,
}

// fail reports err on an error page: a Roster error with its message, any
// other error as a generic one, logged with the request.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var re *roster.Error
	if errors.As(err, &re) {
		if status, ok := statusOf[re.Code]; ok {
			s.renderError(w, r, status, re.Error())
			return
		}
	}
	s.opts.Logger.ErrorContext(r.Context(), "console", "path", r.URL.Path, "err", err)
	s.renderError(w, r, http.StatusInternalServerError, "Something went wrong on Roster's side; the server's log has the details.")
}

// tab is one of a tenant's pages.
type tab struct{ Name, Label, Path string }

// tenantTabs are a tenant's pages, in the order of its tab bar.
var tenantTabs = []tab{
	{"connection", "Connection", ""},
	{"users", "Users", "/users"},
	{"groups", "Groups", "/groups"},
	{"held", "Held operations", "/held"},
	{"drift", "Drift", "/drift"},
	{"log", "Provisioning log", "/log"},
	{"policy", "Policy", "/policy"},
	{"signin", "Sign-in", "/sign-in"},
	{"webhooks", "Events and webhooks", "/webhooks"},
}
