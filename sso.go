package roster

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Sign-in. Roster is the OpenID Provider of the host app, and a relying party
// of each tenant's IdP (package sso). This file names what sign-in keeps: the
// host app's OAuth clients, each tenant's upstream connection, the links
// between IdP accounts and users, Roster's signing keys, authorization codes
// and sessions.

// OAuthClient is an OAuth 2.0 client of the host app, registered with Roster's
// OpenID Provider. A confidential client authenticates with a secret
// (client_secret_basic or client_secret_post) of which only the SHA-256 is
// stored; a public client (a native or mobile app) has none and must use PKCE.
type OAuthClient struct {
	ID           string
	Name         string
	RedirectURIs []string
	Public       bool
	Hash         []byte // SHA-256 of the secret; nil for a public client
	Created      time.Time
	Revoked      time.Time // zero: live
}

// clientSecretMark starts every OAuth client secret.
const clientSecretMark = "rsc_"

// NewClientSecret returns a fresh OAuth client secret and its hash.
func NewClientSecret() (secret string, hash []byte) {
	secret, _, hash = newSecret(clientSecretMark)
	return secret, hash
}

// Matches reports, in constant time, whether secret is this client's secret.
// A public client matches no secret.
func (c *OAuthClient) Matches(secret string) bool {
	if c.Public || len(c.Hash) == 0 {
		return false
	}
	return hashMatches(c.Hash, secret)
}

// AllowsRedirect reports whether uri is one of the client's redirect URIs,
// compared as exact strings (RFC 9700 §4.1.3: no pattern, no prefix). The
// one exception is RFC 8252 §7.3: a native app listening on a loopback IP
// address picks its port when it starts, so for a public client a loopback
// redirect URI matches whatever its port.
func (c *OAuthClient) AllowsRedirect(uri string) bool {
	if slices.Contains(c.RedirectURIs, uri) {
		return true
	}
	if !c.Public {
		return false
	}
	want, ok := loopbackWithoutPort(uri)
	return ok && slices.ContainsFunc(c.RedirectURIs, func(r string) bool {
		got, ok := loopbackWithoutPort(r)
		return ok && got == want
	})
}

// loopbackWithoutPort returns an http URI on 127.0.0.1 or [::1] without its
// port, and whether uri is one (RFC 8252 §7.3; "localhost" is not, §8.3).
func loopbackWithoutPort(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" {
		return "", false
	}
	host := u.Hostname()
	if host != "127.0.0.1" && host != "::1" {
		return "", false
	}
	u.Host = host
	return u.String(), true
}

// CheckRedirectURI says why uri cannot be a redirect URI of a client, or nil:
// it must be absolute, without a fragment (RFC 6749 §3.1.2), and https, or
// http on a loopback address (RFC 8252 §7.3), or, for a public client, a
// private-use scheme in reverse domain form such as com.example.app:/cb
// (RFC 8252 §7.1).
func CheckRedirectURI(uri string, public bool) error {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return Errorf(EINVALID, "redirect URI %q: not an absolute URI", uri)
	}
	if u.Fragment != "" || strings.Contains(uri, "#") {
		return Errorf(EINVALID, "redirect URI %q: a redirect URI has no fragment", uri)
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http":
		if _, ok := loopbackWithoutPort(uri); ok || u.Hostname() == "localhost" {
			return nil
		}
		return Errorf(EINVALID, "redirect URI %q: plain http only on 127.0.0.1, [::1] or localhost; use https", uri)
	case public && strings.Contains(u.Scheme, "."):
		return nil
	case public:
		return Errorf(EINVALID, "redirect URI %q: a native app's own scheme is in reverse domain form, such as com.example.app:/callback", uri)
	}
	return Errorf(EINVALID, "redirect URI %q: use https (or, for a native app registered --public, its own scheme)", uri)
}

// Connection types.
const (
	ConnectionOIDC = "oidc" // OpenID Connect, authorization code flow with PKCE
	ConnectionSAML = "saml" // SAML 2.0 Web Browser SSO, SP-initiated, signed assertions
)

// SSOConnection is a tenant's upstream IdP: where its people sign in. A tenant
// has at most one.
type SSOConnection struct {
	TenantID string
	Type     string // ConnectionOIDC or ConnectionSAML
	// Issuer is the IdP's issuer, exactly as its ID tokens carry it (for Entra
	// ID, https://login.microsoftonline.com/{directory-id}/v2.0); for SAML,
	// the IdP's entity id.
	Issuer   string
	ClientID string // OIDC only
	// SealedSecret is, sealed with Roster's secret key (package sso), the
	// client secret (OIDC); or the private key (PKCS #8) of Certificate: an
	// OIDC connection's certificate credential, or Roster's key as the
	// tenant's SAML service provider. A store never sees the secret itself.
	SealedSecret []byte
	// Metadata is the IdP's SAML metadata document, as given (SAML only).
	Metadata string
	// Certificate is a DER certificate: for OIDC, the one registered at the
	// IdP, whose key signs the client assertions that replace the client
	// secret (nil when the connection has a secret); for SAML, the service
	// provider's.
	Certificate []byte
	// IdPInitiated accepts SAML responses the IdP sent unasked (no
	// InResponseTo); off by default.
	IdPInitiated bool
	Updated      time.Time
}

// UsesCertificate reports whether an OIDC connection authenticates to the
// IdP with a certificate credential rather than a client secret.
func (c *SSOConnection) UsesCertificate() bool {
	return c.Type == ConnectionOIDC && len(c.Certificate) > 0
}

// SignInURN is the schema of the User's sign-in extension, which holds its
// login method ("loginMethod"): in SCIM documents as read, and in the
// user.updated event of a change of the method.
const SignInURN = "urn:ietf:params:scim:schemas:extension:roster:2.0:SignIn"

// Login methods: how a user may sign in (User.LoginMethod), and how a
// sign-in happened (SignIn.Method, never LoginMethodEither).
const (
	LoginMethodIdP      = "idp"      // through the tenant's IdP (OIDC or SAML)
	LoginMethodPassword = "password" // with a password kept by Roster
	LoginMethodEither   = "either"   // either way
)

// ParseLoginMethod returns the login method s names, ignoring case. EINVALID
// for anything but idp, password and either.
func ParseLoginMethod(s string) (string, error) {
	for _, m := range []string{LoginMethodIdP, LoginMethodPassword, LoginMethodEither} {
		if strings.EqualFold(s, m) {
			return m, nil
		}
	}
	return "", &Error{Code: EINVALID, Attr: "loginMethod", Detail: fmt.Sprintf("login method %q: want idp, password or either", s)}
}

// AllowsLogin reports whether a user whose login method is method may sign
// in by way (LoginMethodIdP or LoginMethodPassword). "" is LoginMethodIdP.
func AllowsLogin(method, way string) bool {
	return method == LoginMethodEither || cmp.Or(method, LoginMethodIdP) == way
}

// IdentityLink ties a user to the IdP account that signed in as it first: the
// account's issuer and subject. Later sign-ins of that user must come from the
// same subject. An account links to one user and a user to one account per issuer.
type IdentityLink struct {
	TenantID string
	UserID   string
	Issuer   string
	Subject  string
	Created  time.Time
}

// Signing algorithms of Roster's ID tokens (RFC 7518 §3.1).
const (
	ES256 = "ES256"
	RS256 = "RS256"
)

// SigningKey is one of the keys Roster signs ID and access tokens with. A key
// signs from Activates on; the newest active key is the current one. A key is
// published (JWKS) until Retires, so that tokens it signed stay verifiable for a
// while after the next key took over.
type SigningKey struct {
	ID        string // the JWS "kid"
	Algorithm string // ES256 or RS256
	// SealedPrivate is the PKCS #8 private key, sealed like a connection's secret.
	SealedPrivate []byte
	Created       time.Time
	Activates     time.Time
	Retires       time.Time // zero: not scheduled
}

// Published reports whether the key belongs in the JWKS at now.
func (k *SigningKey) Published(now time.Time) bool {
	return k.Retires.IsZero() || now.Before(k.Retires)
}

// SignIn says how a user signed in: recorded in the code, the session, and
// the tokens issued for it.
type SignIn struct {
	Method   string    `json:"login_method"` // LoginMethodIdP
	Issuer   string    `json:"idp_issuer,omitempty"`
	Subject  string    `json:"idp_subject,omitempty"`
	AMR      []string  `json:"amr,omitempty"`
	AuthTime time.Time `json:"auth_time"`
}

// AuthCode is an authorization code (RFC 6749 §4.1.2), bound to the client,
// the redirect URI, the PKCE challenge (RFC 7636) and the nonce of the request
// that obtained it. Only its SHA-256 is stored; it is redeemed at most once,
// and a redeemed code is remembered until Forget, so that a second
// redemption is recognised and ends the session the first one started.
type AuthCode struct {
	Hash        []byte
	TenantID    string
	ClientID    string
	RedirectURI string
	Challenge   string // PKCE S256 code challenge; "" when the client sent none
	Nonce       string
	UserID      string
	SessionID   string
	SignIn      SignIn
	Created     time.Time
	Expires     time.Time
	// Forget is when a redeemed code is forgotten: its expiry plus the
	// lifetime of the tokens issued for it, which its replay must still
	// end. Zero (or before Expires) is Expires.
	Forget time.Time
}

// AuthCodeTTL is how long an authorization code may be redeemed.
const AuthCodeTTL = 60 * time.Second

// Session is a user's sign-in at Roster, named by the ID token's "sid". It
// ends when it expires, or at once when SCIM deactivates, deletes or retires
// the user (in the transaction of that write).
type Session struct {
	ID       string
	TenantID string
	UserID   string
	SignIn   SignIn
	Created  time.Time
	Expires  time.Time
	Ended    time.Time // zero: not ended
}

// Live reports whether the session is neither ended nor expired at now.
func (s *Session) Live(now time.Time) bool {
	return s.Ended.IsZero() && now.Before(s.Expires)
}

// NormalizeDomain returns an email domain in the form tenants' domains are
// kept and compared: lower case, without surrounding dots or spaces.
func NormalizeDomain(d string) string {
	return strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
}

// NormalizeDomains normalises each domain, dropping empty ones and repeats
// and keeping the order.
func NormalizeDomains(domains []string) []string {
	ds := []string{}
	for _, d := range domains {
		d = NormalizeDomain(d)
		if d != "" && !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
	}
	return ds
}

// SessionLister reads a user's sessions, for an operator's view of its sign-ins.
type SessionLister interface {
	// UserSessions returns at most limit sessions of the user that the store
	// keeps — live ones, and ended or expired ones until PruneSignIn removes
	// them — newest first.
	UserSessions(ctx context.Context, tenantID, userID string, limit int) ([]*Session, error)
}

// OAuthClientStore keeps the host app's OAuth clients.
type OAuthClientStore interface {
	// CreateOAuthClient stores c, filling ID (when empty) and Created.
	CreateOAuthClient(ctx context.Context, c *OAuthClient) error
	// OAuthClient returns the client (live or revoked). ENOTFOUND.
	OAuthClient(ctx context.Context, id string) (*OAuthClient, error)
	// OAuthClients lists every client, newest first.
	OAuthClients(ctx context.Context) ([]*OAuthClient, error)
	// RevokeOAuthClient marks the client revoked. ENOTFOUND.
	RevokeOAuthClient(ctx context.Context, id string) error
}

// OAuthClientQuery selects a page of OAuth clients, newest first.
type OAuthClientQuery struct {
	// Search keeps the clients whose name or id holds it, in any case ("" keeps every client).
	Search string
	// After is the id of the client the previous page ended at ("" for the first page).
	After string
	Limit int
}

// OAuthClientPager reads OAuth clients a page at a time, for lists that must
// not load every client.
type OAuthClientPager interface {
	// OAuthClientPage returns at most q.Limit clients of q, live or revoked,
	// newest first: by creation time, then id, both descending.
	OAuthClientPage(ctx context.Context, q OAuthClientQuery) ([]*OAuthClient, error)
}

// SSOStore keeps what sign-in needs of tenants: their upstream connection,
// their organization and verified domains (how an authorization request names
// its tenant), the identity links of their users, and Roster's signing keys.
type SSOStore interface {
	// SetSSOConnection creates or replaces the tenant's connection, filling
	// Updated. ENOTFOUND when there is no such tenant.
	SetSSOConnection(ctx context.Context, c *SSOConnection) error
	// SSOConnection returns the tenant's connection. ENOTFOUND when it has none.
	SSOConnection(ctx context.Context, tenantID string) (*SSOConnection, error)
	// DeleteSSOConnection deletes the tenant's connection; its identity links
	// stay. ENOTFOUND when it has none.
	DeleteSSOConnection(ctx context.Context, tenantID string) error

	// SetTenantOrganization sets the host app's id for the tenant ("" clears
	// it). ECONFLICT when another tenant has it; ENOTFOUND.
	SetTenantOrganization(ctx context.Context, tenantID, organization string) error
	// TenantByOrganization finds the tenant with that organization. ENOTFOUND.
	TenantByOrganization(ctx context.Context, organization string) (*Tenant, error)
	// SetTenantDomains replaces the tenant's verified email domains, each
	// normalised (NormalizeDomain). ECONFLICT naming a domain another tenant
	// holds; ENOTFOUND.
	SetTenantDomains(ctx context.Context, tenantID string, domains []string) error
	// TenantDomains lists the tenant's domains in order.
	TenantDomains(ctx context.Context, tenantID string) ([]string, error)
	// TenantByDomain finds the tenant that holds an email domain. ENOTFOUND.
	TenantByDomain(ctx context.Context, domain string) (*Tenant, error)

	// LinkIdentity stores l, filling Created. ECONFLICT when the subject is
	// linked to another user, or the user to another subject of the issuer.
	LinkIdentity(ctx context.Context, l *IdentityLink) error
	// IdentityLinkBySubject finds the link of an IdP account. ENOTFOUND.
	IdentityLinkBySubject(ctx context.Context, tenantID, issuer, subject string) (*IdentityLink, error)
	// IdentityLinkOfUser finds the user's link for an issuer. ENOTFOUND.
	IdentityLinkOfUser(ctx context.Context, tenantID, userID, issuer string) (*IdentityLink, error)

	// CreateSigningKey stores k, filling Created. ECONFLICT when the id is taken.
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	// SigningKeys lists every key, by Activates then id.
	SigningKeys(ctx context.Context) ([]*SigningKey, error)
	// RetireSigningKey sets when the key leaves the JWKS. ENOTFOUND.
	RetireSigningKey(ctx context.Context, id string, at time.Time) error
}

// SignInStore keeps authorization codes, the one-time ids sign-in has
// accepted (SAML assertions, pending sign-ins) and sessions.
type SignInStore interface {
	// CreateAuthCode stores c, filling Created.
	CreateAuthCode(ctx context.Context, c *AuthCode) error
	// RedeemAuthCode marks the code with that hash redeemed and returns it:
	// of concurrent redemptions one succeeds. ENOTFOUND when the code is
	// unknown or expired. ECONFLICT when it was redeemed before (until its
	// Forget): the session it started is then ended, and with it the tokens
	// issued from the code (RFC 6749 §4.1.2, §10.5).
	RedeemAuthCode(ctx context.Context, hash []byte) (*AuthCode, error)
	// UseOnce records that the one-time id of issuer (a SAML assertion's ID,
	// a pending sign-in's own id) is used, until expires. ECONFLICT when it
	// was recorded already: of concurrent uses, in this process or another
	// on the same database, one succeeds. ENOTFOUND when the tenant does not
	// exist.
	UseOnce(ctx context.Context, tenantID, issuer, id string, expires time.Time) error
	// CreateSession stores s, filling ID (when empty) and Created.
	// ENOTFOUND when the tenant does not exist.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the tenant's session (ended or not). ENOTFOUND.
	Session(ctx context.Context, tenantID, id string) (*Session, error)
	// EndSession ends a session, keeping the first end time. ENOTFOUND.
	EndSession(ctx context.Context, tenantID, id string) error
	// PruneSignIn deletes the authorization codes past their expiry (a
	// redeemed one past its Forget) and the one-time ids past theirs (codes
	// counts both), and the sessions that ended or expired before before; it
	// returns how many of each.
	PruneSignIn(ctx context.Context, before time.Time) (codes, sessions int64, err error)

	// SetLoginMethod sets a live user's login method (ParseLoginMethod's
	// form). A change bumps its version and modified time and appends
	// user.updated in the same transaction (see outbox's LoginMethodChanged);
	// the method it has already changes nothing. Setting a password changes
	// nothing a reader sees, and appends no event. ENOTFOUND.
	SetLoginMethod(ctx context.Context, tenantID, userID, method string) error
	// SetPassword stores the hash of a live user's password (an encoded
	// argon2id hash, package sso), replacing any. ENOTFOUND.
	SetPassword(ctx context.Context, tenantID, userID string, hash string) error
	// PasswordHash returns the user's password hash. ENOTFOUND when the user
	// has none (or does not exist).
	PasswordHash(ctx context.Context, tenantID, userID string) (string, error)
}
