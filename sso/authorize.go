package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/rosterhq/roster"
)

// pendingTTL bounds the time between the authorization request and the IdP's callback.
const pendingTTL = 10 * time.Minute

// stateCookie holds the pending sign-in between authorize and callback.
const stateCookie = "roster_sso"

// purposeState is what the state cookie is sealed for.
const purposeState = "roster sign-in state"

// pending is an authorization request in flight at the tenant's IdP: the host
// app's request, and Roster's own state, nonce and PKCE verifier upstream. It
// travels sealed in a cookie, so that no instance needs to remember it.
type pending struct {
	// ID names the pending sign-in on the server: its end records it
	// (UseOnce), so that the cookie, replayed, is refused.
	ID          string `json:"id"`
	TenantID    string `json:"tenant"`
	ClientID    string `json:"client"`
	RedirectURI string `json:"redirect_uri"`
	State       string `json:"state,omitempty"`
	Nonce       string `json:"nonce,omitempty"`
	Challenge   string `json:"challenge,omitempty"`
	// Mode is how the person signs in: through the IdP ("") or with a password
	// on Roster's page (LoginMethodPassword), whose form carries CSRF.
	Mode    string `json:"mode,omitempty"`
	CSRF    string `json:"csrf,omitempty"`
	UpState string `json:"up_state,omitempty"`
	// RequestID is the id of the SAML AuthnRequest sent to the IdP, which its
	// Response must answer (InResponseTo).
	RequestID string    `json:"saml_request,omitempty"`
	UpNonce   string    `json:"up_nonce,omitempty"`
	Verifier  string    `json:"verifier,omitempty"`
	Expires   time.Time `json:"expires"`
	// Test marks a test sign-in (testsignin.go): its end issues no code but
	// sends the outcome to RedirectURI, a page of Roster's, for Owner only.
	Test  bool   `json:"test,omitempty"`
	Owner string `json:"owner,omitempty"`

	// seen is what the end of a test sign-in read of the IdP's answer; never sealed.
	seen *testSeen
}

// handleAuthorize serves GET /oauth2/authorize (OpenID Connect Core 1.0
// §3.1.2): it checks the client and its redirect URI, chooses the tenant by
// its one selector, and sends the browser to the tenant's IdP, or to Roster's
// password page when the app asks for it (login_method=password) or the
// tenant has no IdP connection.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	client, err := s.store.OAuthClient(r.Context(), q.Get("client_id"))
	if err != nil || !client.Revoked.IsZero() {
		s.refusePage(w, r, outcome{err: errorf("invalid_client", "", "The application that sent you here is not registered with Roster.")})
		return
	}
	redirect := q.Get("redirect_uri")
	if !client.AllowsRedirect(redirect) {
		s.refusePage(w, r, outcome{err: errorf("invalid_request", "", "The application's redirect URI is not registered with Roster.")})
		return
	}
	p := &pending{ID: random(), ClientID: client.ID, RedirectURI: redirect, State: q.Get("state"), Nonce: q.Get("nonce")}
	tenant, conn, oerr := s.authorizeRequest(r.Context(), client, q, p)
	if oerr != nil {
		s.logSignIn(r, outcome{tenant: tenant, err: oerr})
		redirectError(w, r, p, oerr)
		return
	}
	if tenant.Disabled {
		s.refusePage(w, r, outcome{tenant: tenant, err: tenantDisabled()})
		return
	}
	p.TenantID, p.Expires = tenant.ID, s.now().Add(pendingTTL)
	if conn == nil || q.Get("login_method") == roster.LoginMethodPassword {
		p.Mode, p.CSRF = roster.LoginMethodPassword, random()
		s.setPending(w, p)
		http.Redirect(w, r, PasswordURL(s.issuer, tenant.Name), http.StatusFound)
		return
	}
	s.startUpstream(w, r, tenant, conn, p)
}

// startUpstream sends the browser to the tenant's IdP with p, which the
// state cookie keeps: an AuthnRequest for SAML, else an OpenID Connect
// authorization request with Roster's own state, nonce and PKCE. A test
// sign-in asks the IdP to let the person choose the account.
func (s *Server) startUpstream(w http.ResponseWriter, r *http.Request, tenant *roster.Tenant, conn *roster.SSOConnection, p *pending) {
	if conn.Type == roster.ConnectionSAML {
		s.startSAML(w, r, tenant, conn, p)
		return
	}
	provider, err := s.provider(r.Context(), conn.Issuer)
	if err != nil {
		s.opts.Logger.WarnContext(r.Context(), "sign-in: discovery", "tenant_id", tenant.ID, "issuer", conn.Issuer, "err", err)
		oerr := errorf("temporarily_unavailable", "signin_idp_unreachable", "The identity provider "+conn.Issuer+" could not be reached.")
		s.finish(w, r, p, outcome{tenant: tenant, err: oerr})
		return
	}
	p.UpState, p.UpNonce, p.Verifier = random(), random(), oauth2.GenerateVerifier()
	s.setPending(w, p)
	conf := s.upstreamConfig(tenant, conn, provider, nil)
	opts := []oauth2.AuthCodeOption{oidc.Nonce(p.UpNonce), oauth2.S256ChallengeOption(p.Verifier)}
	if p.Test {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "select_account"))
	}
	http.Redirect(w, r, conf.AuthCodeURL(p.UpState, opts...), http.StatusFound)
}

// authorizeRequest validates the request's parameters and finds its tenant
// and the tenant's connection (nil when it has none). Its errors go back to
// the redirect URI.
func (s *Server) authorizeRequest(ctx context.Context, client *roster.OAuthClient, q url.Values, p *pending) (*roster.Tenant, *roster.SSOConnection, *oauthError) {
	if q.Get("response_type") != "code" {
		return nil, nil, errorf("unsupported_response_type", "", "response_type must be code")
	}
	if !slices.Contains(strings.Fields(q.Get("scope")), "openid") {
		return nil, nil, errorf("invalid_scope", "", "scope must include openid")
	}
	p.Challenge = q.Get("code_challenge")
	method := q.Get("code_challenge_method")
	switch {
	case p.Challenge == "" && client.Public:
		return nil, nil, errorf("invalid_request", "", "a public client must send code_challenge (PKCE, S256)")
	case p.Challenge != "" && method != "S256":
		return nil, nil, errorf("invalid_request", "", "code_challenge_method must be S256")
	case p.Challenge != "" && (len(p.Challenge) != 43 || strings.ContainsFunc(p.Challenge, notBase64URL)):
		return nil, nil, errorf("invalid_request", "", "code_challenge must be the base64url SHA-256 of the verifier")
	}
	tenant, err := s.selectTenant(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	conn, cerr := s.store.SSOConnection(ctx, tenant.ID)
	if cerr != nil {
		if roster.ErrorCode(cerr) != roster.ENOTFOUND {
			s.opts.Logger.ErrorContext(ctx, "sign-in: connection", "tenant_id", tenant.ID, "err", cerr)
			return tenant, nil, storeFailed(cerr)
		}
		return tenant, nil, nil
	}
	return tenant, conn, nil
}

// selectTenant finds the tenant named by exactly one of tenant (name or id),
// organization (the host app's id) and login_hint (an email in one of the
// tenant's domains).
func (s *Server) selectTenant(ctx context.Context, q url.Values) (*roster.Tenant, *oauthError) {
	name, org, hint := q.Get("tenant"), q.Get("organization"), q.Get("login_hint")
	n := 0
	for _, v := range []string{name, org, hint} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, errorf("invalid_request", "", "name the tenant with exactly one of tenant, organization and login_hint")
	}
	var (
		t   *roster.Tenant
		err error
	)
	switch {
	case name != "":
		t, err = s.store.Tenant(ctx, name)
	case org != "":
		t, err = s.store.TenantByOrganization(ctx, org)
	default:
		at := strings.LastIndexByte(hint, '@')
		if at < 0 {
			return nil, errorf("invalid_request", "", "login_hint must be an email address")
		}
		t, err = s.store.TenantByDomain(ctx, hint[at+1:])
	}
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return nil, errorf("invalid_request", "signin_tenant_unknown", roster.ErrorDetail(err))
	}
	if err != nil {
		s.opts.Logger.ErrorContext(ctx, "sign-in: tenant", "err", err)
		return nil, storeFailed(err)
	}
	return t, nil
}

func notBase64URL(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
}

// redirectError sends an authorization error back to the client (RFC 6749 §4.1.2.1).
func redirectError(w http.ResponseWriter, r *http.Request, p *pending, e *oauthError) {
	v := url.Values{"error": {e.Code}}
	if e.Description != "" {
		v.Set("error_description", e.Description)
	}
	if p.State != "" {
		v.Set("state", p.State)
	}
	http.Redirect(w, r, withQuery(p.RedirectURI, v), http.StatusFound)
}

// withQuery adds v to the query of uri, keeping what is there.
func withQuery(uri string, v url.Values) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// provider returns the upstream issuer's discovered configuration. Discovery
// checks that the issuer the IdP states is exactly the one configured.
func (s *Server) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	p, ok := s.providers[issuer]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.opts.HTTPClient), issuer)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.providers[issuer] = p
	s.mu.Unlock()
	return p, nil
}

// upstreamConfig is the OAuth 2.0 configuration of the tenant's connection;
// secret is the opened client secret (nil when only the authorize URL is needed).
func (s *Server) upstreamConfig(t *roster.Tenant, conn *roster.SSOConnection, p *oidc.Provider, secret []byte) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     conn.ClientID,
		ClientSecret: string(secret),
		Endpoint:     p.Endpoint(),
		RedirectURL:  CallbackURL(s.issuer, t.Name),
		Scopes:       []string{oidc.ScopeOpenID, "profile", "email"},
	}
}

// setPending sets the sealed state cookie.
func (s *Server) setPending(w http.ResponseWriter, p *pending) {
	b, _ := json.Marshal(p) // a pending always marshals
	secure := strings.HasPrefix(s.issuer, "https://")
	// Lax: the IdP's redirect back is a top-level GET, which carries it. A
	// SAML IdP posts its Response from its own site instead, which only a
	// SameSite=None cookie goes with (and None requires Secure); over plain
	// http the attribute is left out, as browsers then send the cookie with
	// a top-level POST made soon after it was set.
	sameSite := http.SameSiteLaxMode
	if p.RequestID != "" {
		sameSite = http.SameSiteDefaultMode
		if secure {
			sameSite = http.SameSiteNoneMode
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name:     stateCookie,
		Value:    base64.RawURLEncoding.EncodeToString(s.opts.Sealer.Seal(purposeState, b)),
		Path:     "/sso/",
		MaxAge:   int(pendingTTL / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: sameSite,
	})
}

// takePending reads and clears the state cookie. It fails when there is none,
// it does not open, or it expired.
func (s *Server) takePending(w http.ResponseWriter, r *http.Request) (*pending, error) {
	s.clearPending(w)
	return s.readPending(r)
}

// clearPending clears the state cookie.
func (s *Server) clearPending(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: "/sso/", MaxAge: -1, HttpOnly: true,
		Secure: strings.HasPrefix(s.issuer, "https://"), SameSite: http.SameSiteLaxMode})
}

// readPending reads the state cookie, leaving it set.
func (s *Server) readPending(r *http.Request) (*pending, error) {
	c, err := r.Cookie(stateCookie)
	if err != nil {
		return nil, err
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil, err
	}
	b, err := s.opts.Sealer.Open(purposeState, sealed)
	if err != nil {
		return nil, err
	}
	var p pending
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	if !s.now().Before(p.Expires) {
		return nil, roster.Errorf(roster.EINVALID, "the sign-in took longer than %s", pendingTTL)
	}
	return &p, nil
}

// usePending ends the pending sign-in on the server: its id is recorded,
// under Roster's own issuer, until the pending sign-in expires, so that its
// cookie is accepted once, on every instance over the same database.
func (s *Server) usePending(ctx context.Context, tenant *roster.Tenant, p *pending) *oauthError {
	if p.ID == "" {
		return errorf("invalid_request", "", "This sign-in is unknown or has expired. Start again from the application.")
	}
	err := s.store.UseOnce(ctx, tenant.ID, s.issuer, p.ID, p.Expires)
	switch roster.ErrorCode(err) {
	case "":
		return nil
	case roster.ECONFLICT:
		return errorf("access_denied", "signin_replayed", "this sign-in was completed already: start again from the application")
	}
	return s.internal(ctx, tenant, err)
}

// random returns 256 random bits, base64url-encoded.
func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
