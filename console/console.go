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
	roster.UserPager
	User(ctx context.Context, tenantID, id string) (*roster.User, error)
	roster.SessionLister
	Log(ctx context.Context, q roster.LogQuery) ([]*roster.LogEntry, error)
	roster.GroupPager
	Group(ctx context.Context, tenantID, id string, withoutMembers bool) (*roster.Group, error)
	Events(ctx context.Context, q roster.EventQuery) ([]*roster.Event, error)
	Deliveries(ctx context.Context, webhookID string, limit int) ([]*roster.Delivery, error)
	SSOConnection(ctx context.Context, tenantID string) (*roster.SSOConnection, error)
	roster.APIKeyPager
	roster.OAuthClientPager
	roster.TenantStatsReader
	Audit(ctx context.Context, q roster.AuditQuery) ([]*roster.AuditEntry, error)
	Operator(ctx context.Context, id string) (*roster.Operator, error)
	CountHeld(ctx context.Context, tenantID string) (int, error)
	RetiredUser(ctx context.Context, tenantID, ref string) (*roster.User, error)
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
	// SignInOff says why tenants' sign-in connections cannot be set ("" when
	// they can: the admin service has a sealer of their secrets).
	SignInOff string
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

// Handler serves the console's routes (under Prefix) and the customer's
// setup pages (under admin.SetupPath). A state change from another origin is
// refused before any route sees it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range append(s.routes(), s.setupRoutes()...) {
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
	customer                // the holder of a redeemed setup link, within its tenant
)

// route is one of the console's routes.
type route struct {
	pattern string
	access  access
	handle  func(w http.ResponseWriter, r *http.Request) error
}

// routes lists every route of the console, in the order a reader expects.
func (s *Server) routes() []route {
	return append([]route{
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
		{"POST " + Prefix + "/tenants/{tenant}/setup-links", adminOnly, s.handleSetupLinkCreate},
		{"POST " + Prefix + "/tenants/{tenant}/setup-links/{link}/revoke", adminOnly, s.handleSetupLinkRevoke},

		{"GET " + Prefix + "/tenants/{tenant}/users", viewer, s.handleUsers},
		{"GET " + Prefix + "/tenants/{tenant}/users/{user}", viewer, s.handleUser},
		{"POST " + Prefix + "/tenants/{tenant}/users/{user}/login-method", adminOnly, s.handleUserLoginMethod},

		{"GET " + Prefix + "/tenants/{tenant}/groups", viewer, s.handleGroups},
		{"GET " + Prefix + "/tenants/{tenant}/groups/{group}", viewer, s.handleGroup},

		{"GET " + Prefix + "/tenants/{tenant}/drift", viewer, s.handleDrift},
		{"GET " + Prefix + "/tenants/{tenant}/held", viewer, s.handleHeld},

		{"GET " + Prefix + "/tenants/{tenant}/log", viewer, s.handleLog},
		{"GET " + Prefix + "/tenants/{tenant}/log/{entry}", viewer, s.handleLogEntry},
		{"GET " + Prefix + "/tenants/{tenant}/log.csv", viewer, s.handleLogCSV},
		{"GET " + Prefix + "/tenants/{tenant}/log.ndjson", viewer, s.handleLogNDJSON},

		{"GET " + Prefix + "/tenants/{tenant}/policy", viewer, s.handlePolicy},
		{"POST " + Prefix + "/tenants/{tenant}/policy", adminOnly, s.handlePolicySave},
		{"POST " + Prefix + "/tenants/{tenant}/policy/preview", adminOnly, s.handlePolicyPreview},
		{"POST " + Prefix + "/tenants/{tenant}/policy/try", adminOnly, s.handlePolicyTry},
		{"GET " + Prefix + "/tenants/{tenant}/policy/versions/{version}", viewer, s.handlePolicyVersion},
		{"POST " + Prefix + "/tenants/{tenant}/policy/versions/{version}/rollback", adminOnly, s.handlePolicyRollback},

		{"GET " + Prefix + "/tenants/{tenant}/sign-in", viewer, s.handleSignIn},
		{"POST " + Prefix + "/tenants/{tenant}/sign-in/oidc", adminOnly, s.handleSignInOIDC},
		{"POST " + Prefix + "/tenants/{tenant}/sign-in/saml", adminOnly, s.handleSignInSAML},
		{"POST " + Prefix + "/tenants/{tenant}/sign-in/remove", adminOnly, s.handleSignInRemove},

		{"GET " + Prefix + "/tenants/{tenant}/webhooks", viewer, s.handleWebhooks},
		{"POST " + Prefix + "/tenants/{tenant}/webhooks", adminOnly, s.handleWebhookAdd},
		{"GET " + Prefix + "/tenants/{tenant}/webhooks/{webhook}", viewer, s.handleWebhook},
		{"POST " + Prefix + "/tenants/{tenant}/webhooks/{webhook}/test", adminOnly, s.handleWebhookTest},
		{"POST " + Prefix + "/tenants/{tenant}/webhooks/{webhook}/resume", adminOnly, s.handleWebhookResume},
		{"POST " + Prefix + "/tenants/{tenant}/webhooks/{webhook}/replay", adminOnly, s.handleWebhookReplay},
		{"POST " + Prefix + "/tenants/{tenant}/webhooks/{webhook}/remove", adminOnly, s.handleWebhookRemove},

		{"GET " + Prefix + "/access", viewer, s.handleAccess},
		{"POST " + Prefix + "/access/keys", adminOnly, s.handleAPIKeyCreate},
		{"POST " + Prefix + "/access/keys/{apikey}/revoke", adminOnly, s.handleAPIKeyRevoke},
		{"POST " + Prefix + "/access/clients", adminOnly, s.handleClientCreate},
		{"POST " + Prefix + "/access/clients/{client}/revoke", adminOnly, s.handleClientRevoke},

		{"GET " + Prefix + "/audit", viewer, s.handleAudit},

		{"GET " + Prefix + "/operators", viewer, s.handleOperators},
		{"POST " + Prefix + "/operators", adminOnly, s.handleOperatorCreate},
		{"POST " + Prefix + "/operators/{operator}/remove", adminOnly, s.handleOperatorRemove},
	}, s.heldRoutes(Prefix+"/tenants/{tenant}/held", adminOnly, "operation", s.renderHeld, s.settleHeld)...)
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
		if strings.HasPrefix(r.URL.Path, admin.SetupPath) {
			// A setup link's secret is in its URL: no page tells another site.
			hd.Set("Referrer-Policy", "no-referrer")
		}
		h.ServeHTTP(w, r)
	})
}
