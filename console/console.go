// Package console serves the operator console under /console/: pages
// rendered on the server for the people who run Roster. Every change is a
// call to the admin service, so the console and the command line share their
// rules; pages read through the narrow Store below, a page at a time.
package console

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admin"
	"github.com/rosterhq/roster/internal/limit"
)

// Prefix is the path the console is served under.
const Prefix = "/console"

// Store is what the console's pages read.
type Store interface {
	Tenant(ctx context.Context, idOrName string) (*roster.Tenant, error)
	roster.TenantPager
	Token(ctx context.Context, id string) (*roster.Token, error)
	roster.TenantStatsReader
	Audit(ctx context.Context, q roster.AuditQuery) ([]*roster.AuditEntry, error)
	Operator(ctx context.Context, id string) (*roster.Operator, error)
}

// Options configure a Server.
type Options struct {
	// PublicURL is the URL people and IdPs reach Roster at, without a
	// trailing slash. An https URL makes the session cookie Secure.
	PublicURL string
	// SCIMPath is the path of the SCIM API under PublicURL ("/scim/v2").
	SCIMPath string
	// TrustProxy takes client addresses from X-Forwarded-For.
	TrustProxy bool
	Logger     *slog.Logger
	// Now tells the time; nil means time.Now.
	Now roster.Clock
}

// Server is the console.
type Server struct {
	admin *admin.Service
	store Store
	opts  Options
	pages map[string]*template.Template
	// failures counts failed sign-ins per client address.
	failures *limit.Failures
}

// New returns the console over svc, reading through store.
func New(svc *admin.Service, store Store, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
	return &Server{
		admin:    svc,
		store:    store,
		opts:     opts,
		pages:    parsePages(),
		failures: limit.NewFailures(limit.FailureOptions{Burst: 10, Every: 6 * time.Second}),
	}
}

// Handler serves the console's routes (under Prefix). A state change from
// another origin is refused before any route sees it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.guard(rt))
	}
	mux.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix, staticFiles()))
	protect := http.NewCrossOriginProtection()
	protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusForbidden, "This change came from another site and was refused.")
	}))
	return headers(protect.Handler(mux))
}

// access says who may use a route.
type access int

const (
	public    access = iota // anyone: the sign-in page
	viewer                  // any signed-in operator
	adminOnly               // operators with the admin role: every change
)

// route is one of the console's routes.
type route struct {
	pattern string
	access  access
	handle  func(w http.ResponseWriter, r *http.Request) error
}

// routes lists every route of the console, in the order a reader expects.
func (s *Server) routes() []route {
	return []route{
		{"GET " + Prefix + "/login", public, s.handleLoginPage},
		{"POST " + Prefix + "/login", public, s.handleLogin},
		{"POST " + Prefix + "/logout", viewer, s.handleLogout},

		{"GET " + Prefix + "/{$}", viewer, s.handleTenants},
		{"POST " + Prefix + "/tenants", adminOnly, s.handleTenantCreate},
		{"GET " + Prefix + "/tenants/{tenant}", viewer, s.handleConnection},
		{"POST " + Prefix + "/tenants/{tenant}/disable", adminOnly, s.handleTenantDisable},
		{"POST " + Prefix + "/tenants/{tenant}/enable", adminOnly, s.handleTenantEnable},
		{"POST " + Prefix + "/tenants/{tenant}/delete", adminOnly, s.handleTenantDelete},
		{"POST " + Prefix + "/tenants/{tenant}/tokens", adminOnly, s.handleTokenCreate},
		{"POST " + Prefix + "/tenants/{tenant}/tokens/{token}/revoke", adminOnly, s.handleTokenRevoke},

		{"GET " + Prefix + "/audit", viewer, s.handleAudit},
		{"GET " + Prefix + "/operators", viewer, s.handleOperators},
		{"POST " + Prefix + "/operators", adminOnly, s.handleOperatorCreate},
		{"POST " + Prefix + "/operators/{operator}/remove", adminOnly, s.handleOperatorRemove},
	}
}

// headers sets what every console answer carries: no caching (pages may
// show a secret once), no framing, scripts and styles from Roster only.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, Prefix+"/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}
