package sso

import (
	"cmp"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/httpx"
	"github.com/rosterhq/roster/internal/limit"
)

// Store is what sign-in needs of Roster's store.
type Store interface {
	roster.TenantStore
	roster.UserStore
	roster.OAuthClientStore
	roster.SSOStore
	roster.SignInStore
}

// Options configures a Server.
type Options struct {
	// PublicURL is Roster's public base URL: the issuer, and the base of every
	// endpoint and callback. Required.
	PublicURL string
	// Sealer opens tenants' client secrets and Roster's signing keys, and
	// seals the state cookie. Required.
	Sealer *Sealer
	// HTTPClient reaches the tenants' IdPs; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// SessionTTL bounds a session (default 8 hours); AccessTokenTTL an access
	// and ID token (default 1 hour).
	SessionTTL     time.Duration
	AccessTokenTTL time.Duration
	// TrustProxy takes the client address, which failed passwords are
	// limited by, from X-Forwarded-For (httpx.ClientAddr).
	TrustProxy bool
	// MaxHashes caps the password hashes computed at once (19 MiB each);
	// the excess waits up to 250 ms for a slot, then gets 429. Default: twice
	// GOMAXPROCS.
	MaxHashes int
	// ClientCredentials, when set, serves the token endpoint's requests of
	// grant_type client_credentials (the SCIM API's OAuth clients, package
	// scim/server), which discovery then lists.
	ClientCredentials http.Handler
	// Log, when set, takes a provisioning log row for every sign-in and refusal.
	Log    LogRecorder
	Logger *slog.Logger
	Clock  roster.Clock
}

// Server serves the OpenID Provider's endpoints and the upstream callbacks.
type Server struct {
	store  Store
	opts   Options
	issuer string
	mux    *http.ServeMux

	// providers caches each upstream issuer's discovered configuration; the
	// provider refreshes its keys itself.
	mu        sync.Mutex
	providers map[string]*oidc.Provider

	// Failed passwords are limited per user (tenant and userName) and per
	// client address; hashes caps the password hashes computed at once
	// (19 MiB each).
	pwUsers, pwAddrs *limit.Failures
	hashes           *limit.Inflight
}

// Routes of the OpenID Provider, under the public URL.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/oauth2/jwks"
	AuthorizePath = "/oauth2/authorize"
	TokenPath     = "/oauth2/token"
	UserInfoPath  = "/oauth2/userinfo"
)

// PasswordURL returns the address of a tenant's password sign-in page.
func PasswordURL(publicURL, tenantName string) string {
	return strings.TrimSuffix(publicURL, "/") + "/sso/" + tenantName + "/password"
}

// CallbackURL returns the redirect URI to register at a tenant's IdP.
func CallbackURL(publicURL, tenantName string) string {
	return strings.TrimSuffix(publicURL, "/") + "/sso/" + tenantName + "/oidc/callback"
}

// New returns the sign-in server over store.
func New(store Store, opts Options) *Server {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 8 * time.Hour
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MaxHashes <= 0 {
		opts.MaxHashes = 2 * runtime.GOMAXPROCS(0)
	}
	s := &Server{store: store, opts: opts, issuer: strings.TrimSuffix(opts.PublicURL, "/"),
		mux: http.NewServeMux(), providers: map[string]*oidc.Provider{},
		pwUsers: limit.NewFailures(limit.FailureOptions{Burst: 5, Every: 12 * time.Second, Clock: opts.Clock}),
		pwAddrs: limit.NewFailures(limit.FailureOptions{Burst: 20, Every: 3 * time.Second, Clock: opts.Clock}),
		hashes:  limit.NewInflight(opts.MaxHashes)}
	s.mux.HandleFunc("GET "+DiscoveryPath, s.handleDiscovery)
	s.mux.HandleFunc("GET "+JWKSPath, s.handleJWKS)
	s.mux.HandleFunc("GET "+AuthorizePath, s.handleAuthorize)
	s.mux.HandleFunc("POST "+TokenPath, s.handleToken)
	s.mux.HandleFunc("GET "+UserInfoPath, s.handleUserInfo)
	s.mux.HandleFunc("POST "+UserInfoPath, s.handleUserInfo)
	s.mux.HandleFunc("GET /sso/{tenant}/oidc/callback", s.handleCallback)
	s.mux.HandleFunc("GET /sso/{tenant}/saml/metadata", s.handleSAMLMetadata)
	s.mux.HandleFunc("POST /sso/{tenant}/saml/acs", s.handleSAMLACS)
	s.mux.HandleFunc("GET /sso/{tenant}/test", s.handleTest)
	s.mux.HandleFunc("GET /sso/{tenant}/password", s.handlePasswordForm)
	s.mux.HandleFunc("POST /sso/{tenant}/password", s.handlePasswordSubmit)
	return s
}

// Register mounts the server's routes on mux, the public listener's: the
// endpoints above and /sso/.
func (s *Server) Register(mux *http.ServeMux) {
	for _, p := range []string{DiscoveryPath, JWKSPath, AuthorizePath, TokenPath, UserInfoPath, "/sso/"} {
		mux.Handle(p, s.mux)
	}
}

func (s *Server) now() time.Time {
	return s.opts.Clock().UTC()
}

// handleDiscovery serves the provider's metadata (OpenID Connect Discovery 1.0 §3).
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	grants := []string{"authorization_code"}
	if s.opts.ClientCredentials != nil {
		grants = append(grants, "client_credentials")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.issuer,
		"authorization_endpoint":                s.issuer + AuthorizePath,
		"token_endpoint":                        s.issuer + TokenPath,
		"userinfo_endpoint":                     s.issuer + UserInfoPath,
		"jwks_uri":                              s.issuer + JWKSPath,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 grants,
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{roster.ES256, roster.RS256},
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid",
			"tenant", "tenant_name", "organization", "userName", "externalId", "name", "email", "entitlements",
			"login_method", "idp_issuer", "idp_subject"},
	})
}

// handleJWKS serves the published signing keys: the current one and those
// still within their overlap (RFC 7517).
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	ring, err := loadKeys(r.Context(), s.store, s.opts.Sealer, s.now())
	if err != nil {
		s.opts.Logger.ErrorContext(r.Context(), "sign-in: signing keys", "err", err)
		writeFailure(w, storeFailed(err))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, ring.jwks())
}

// oauthError is an OAuth 2.0 error (RFC 6749 §5.2, §4.1.2.1).
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	// Reason is the catalog code logged for a refused sign-in; never sent.
	Reason string `json:"-"`
	// Status is the log row's status when the code alone does not say it.
	Status int `json:"-"`
	// RetryAfter is when a sign-in refused by a limit may be tried again.
	RetryAfter time.Duration `json:"-"`
}

// status is the HTTP status a log row gives the refusal.
func (e *oauthError) status() int {
	switch {
	case e.Status != 0:
		return e.Status
	case e.Code == "access_denied":
		return http.StatusForbidden
	case e.Code == "invalid_token" || e.Code == "invalid_client":
		return http.StatusUnauthorized
	case e.Code == "server_error":
		return http.StatusInternalServerError
	case e.Code == "temporarily_unavailable":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// failed reports whether e is Roster's failure rather than a refusal of the request.
func (e *oauthError) failed() bool {
	return e.Code == "server_error" || e.Code == "temporarily_unavailable"
}

// writeFailure answers a failure as JSON: 503 with Retry-After while the store
// cannot be reached (a restart or a failover takes seconds), 500 otherwise.
func writeFailure(w http.ResponseWriter, e *oauthError) {
	status := http.StatusInternalServerError
	if e.Code == "temporarily_unavailable" {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, e)
}

func (e *oauthError) Error() string {
	return e.Code + ": " + e.Description
}

func errorf(code, reason, description string) *oauthError {
	return &oauthError{Code: code, Reason: reason, Description: description}
}

// tenantDisabled refuses a sign-in to a tenant the operator disabled.
func tenantDisabled() *oauthError {
	return &oauthError{Code: "access_denied", Reason: "signin_tenant_disabled", Status: http.StatusForbidden,
		Description: "Sign-in to this organization is turned off by the operator of Roster. Nothing of your account was deleted: ask your administrator when it will be back."}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body><h1>Sign-in failed</h1><p>{{.Description}}</p><p><code>{{.Code}}</code></p></body></html>
`))

// writeErrorPage answers a request whose redirect URI cannot be trusted (RFC
// 6749 §4.1.2.1): the error is shown, never redirected.
func writeErrorPage(w http.ResponseWriter, status int, e *oauthError) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	errorPage.Execute(w, e)
}

// LogRecorder takes provisioning log rows with the raw request and response
// bodies; provlog.Recorder is one.
type LogRecorder interface {
	Record(e *roster.LogEntry, request, response []byte)
}

// Actions of the rows sign-in writes to the provisioning log: those of
// roster.SignInActions.
const (
	ActionSignIn     = "sign-in"
	ActionSignInTest = "sign-in-test" // a test sign-in: no code issued
	ActionUserInfo   = "userinfo"
)

// outcome is how a sign-in (or a userinfo call) ended, for the logs.
type outcome struct {
	action string // ActionSignIn when empty
	tenant *roster.Tenant
	user   *roster.User
	signIn *roster.SignIn // how the user signed in, when it did
	err    *oauthError    // nil: signed in
}

// refusePage logs a refusal whose redirect URI cannot be trusted and shows it.
func (s *Server) refusePage(w http.ResponseWriter, r *http.Request, o outcome) {
	o.err.Status = cmp.Or(o.err.Status, http.StatusBadRequest)
	s.logSignIn(r, o)
	writeErrorPage(w, o.err.Status, o.err)
}

// logSignIn records a sign-in or its refusal, in the server log and as a row
// of the provisioning log: the admin reads there why, by tenant and user.
func (s *Server) logSignIn(r *http.Request, o outcome) {
	ctx := r.Context()
	e := &roster.LogEntry{Time: s.now(), RequestID: httpx.RequestID(ctx), Method: r.Method, Route: r.Pattern,
		Action: cmp.Or(o.action, ActionSignIn), ResourceType: "User", Status: http.StatusOK, Reason: "signin_ok"}
	attrs := []any{"request_id", e.RequestID}
	if o.tenant != nil {
		e.TenantID = o.tenant.ID
		attrs = append(attrs, "tenant_id", o.tenant.ID, "tenant", o.tenant.Name)
	}
	if o.user != nil {
		e.ResourceID, e.ExternalID, e.Name = o.user.ID, o.user.ExternalID, o.user.UserName
		attrs = append(attrs, "user_id", o.user.ID, "user_name", o.user.UserName)
	}
	if e.Action == ActionSignInTest {
		e.Reason = "signin_test_ok"
	}
	var body []byte
	if o.err == nil {
		body, _ = json.Marshal(o.signIn)
		s.opts.Logger.InfoContext(ctx, e.Action, append(attrs, "outcome", "ok")...)
	} else {
		e.Status, e.Reason = o.err.status(), cmp.Or(o.err.Reason, "signin_request_invalid")
		body, _ = json.Marshal(o.err)
		s.opts.Logger.WarnContext(ctx, e.Action+" refused", append(attrs, "outcome", "refused", "reason", e.Reason, "detail", o.err.Description)...)
	}
	if s.opts.Log != nil {
		s.opts.Log.Record(e, nil, body)
	}
}
