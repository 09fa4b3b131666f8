package sso

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim/filter"
)

// upstreamClaims are the claims of the IdP's ID token that sign-in reads.
// Entra ID v2.0 tokens carry oid (the user's object id, the externalId its
// provisioning writes) and preferred_username (the UPN, its userName).
type upstreamClaims struct {
	Subject           string   `json:"sub"`
	OID               string   `json:"oid"`
	TID               string   `json:"tid"`
	PreferredUsername string   `json:"preferred_username"`
	Nonce             string   `json:"nonce"`
	AMR               []string `json:"amr"`
}

// handleCallback serves GET /sso/{tenant}/oidc/callback: the tenant's IdP
// returns the browser here with a code. Roster redeems it with its PKCE
// verifier, verifies the ID token (issuer, audience, signature, expiry,
// nonce), matches the account to a user, checks that the user may sign in,
// and sends the browser back to the host app with a code of its own.
func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := s.takePending(w, r)
	if err != nil {
		s.refusePage(w, r, outcome{err: errorf("invalid_request", "",
			"This sign-in is unknown or has expired. Start again from the application.")})
		return
	}
	q := r.URL.Query()
	if p.Mode != "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.UpState)) != 1 {
		s.refusePage(w, r, outcome{err: errorf("invalid_request", "", "The sign-in's state does not match. Start again from the application.")})
		return
	}
	s.conclude(w, r, p, func(tenant *roster.Tenant) (*roster.User, *roster.SignIn, *oauthError) {
		return s.upstreamSignIn(ctx, tenant, p, q)
	})
}

// conclude ends a sign-in the IdP returned for (OIDC callback, SAML ACS):
// the return must be to the pending sign-in's own tenant, and the pending
// sign-in is used up on the server (its cookie works once), then the protocol
// verifies the IdP's answer and finds the user, the gate checks the user may
// sign in, and finish sends the browser back.
func (s *Server) conclude(w http.ResponseWriter, r *http.Request, p *pending,
	verify func(*roster.Tenant) (*roster.User, *roster.SignIn, *oauthError)) {
	tenant, err := s.store.Tenant(r.Context(), p.TenantID)
	if err != nil || tenant.Name != r.PathValue("tenant") {
		s.refusePage(w, r, outcome{err: errorf("invalid_request", "", "The sign-in came back for another tenant.")})
		return
	}
	if oerr := s.usePending(r.Context(), tenant, p); oerr != nil {
		s.finish(w, r, p, outcome{tenant: tenant, err: oerr})
		return
	}
	u, signIn, oerr := verify(tenant)
	switch {
	case oerr != nil:
	case p.Test: // a test links no account
		_, oerr = s.admits(r.Context(), tenant, u, signIn)
	default:
		oerr = s.gate(r.Context(), tenant, u, signIn)
	}
	s.finish(w, r, p, outcome{tenant: tenant, user: u, signIn: signIn, err: oerr})
}

// finish ends a sign-in: it logs the outcome and sends the browser back to
// the host app with a fresh code, or with the refusal; a test sign-in's
// outcome goes to its own page instead.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, p *pending, o outcome) {
	ctx := r.Context()
	if p.Test {
		s.finishTest(w, r, p, o)
		return
	}
	s.logSignIn(r, o)
	if o.err != nil {
		redirectError(w, r, p, o.err)
		return
	}
	tenant := o.tenant
	code, err := s.issueCode(ctx, tenant, o.user, p, o.signIn)
	if err != nil {
		s.opts.Logger.ErrorContext(ctx, "sign-in: issue code", "tenant_id", tenant.ID, "err", err)
		redirectError(w, r, p, storeFailed(err))
		return
	}
	v := url.Values{"code": {code}}
	if p.State != "" {
		v.Set("state", p.State)
	}
	http.Redirect(w, r, withQuery(p.RedirectURI, v), http.StatusFound)
}

// upstreamSignIn redeems the IdP's code and verifies its ID token, and finds
// the user the account belongs to.
func (s *Server) upstreamSignIn(ctx context.Context, tenant *roster.Tenant, p *pending, q url.Values) (*roster.User, *roster.SignIn, *oauthError) {
	if e := q.Get("error"); e != "" {
		return nil, nil, errorf("access_denied", "signin_idp_error", "the identity provider answered "+e+": "+q.Get("error_description"))
	}
	conn, err := s.store.SSOConnection(ctx, tenant.ID)
	if err != nil {
		return nil, nil, errorf("access_denied", "signin_no_connection", "tenant "+tenant.Name+" has no sign-in connection")
	}
	provider, err := s.provider(ctx, conn.Issuer)
	if err != nil {
		return nil, nil, errorf("temporarily_unavailable", "signin_idp_unreachable", "the identity provider "+conn.Issuer+" could not be reached")
	}
	conf, opts, err := s.clientAuth(tenant, conn, provider)
	if err != nil {
		s.opts.Logger.ErrorContext(ctx, "sign-in: client credential", "tenant_id", tenant.ID, "err", err)
		return nil, nil, errorf("server_error", "signin_secret_key", "the connection's client credential cannot be used: "+err.Error())
	}
	hctx := context.WithValue(oidc.ClientContext(ctx, s.opts.HTTPClient), oauth2.HTTPClient, s.opts.HTTPClient)
	tok, err := conf.Exchange(hctx, q.Get("code"), append(opts, oauth2.VerifierOption(p.Verifier))...)
	if err != nil {
		return nil, nil, errorf("access_denied", "signin_idp_token", fmt.Sprintf("the identity provider refused the code: %v", err))
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.VerifierContext(hctx, &oidc.Config{ClientID: conn.ClientID, Now: s.opts.Clock}).Verify(hctx, raw)
	if err != nil {
		return nil, nil, errorf("access_denied", "signin_idp_token_invalid", fmt.Sprintf("the identity provider's ID token is not valid: %v", err))
	}
	var c upstreamClaims
	if err := idt.Claims(&c); err != nil {
		return nil, nil, errorf("access_denied", "signin_idp_token_invalid", fmt.Sprintf("the identity provider's ID token is not valid: %v", err))
	}
	if subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(p.UpNonce)) != 1 {
		return nil, nil, errorf("access_denied", "signin_idp_token_invalid", "the identity provider's ID token carries another nonce")
	}
	if p.Test {
		p.seen = &testSeen{claims: idTokenClaims(idt), oid: c.OID, userName: c.PreferredUsername}
	}
	signIn := &roster.SignIn{Method: roster.LoginMethodIdP, Issuer: idt.Issuer, Subject: idt.Subject, AMR: c.AMR, AuthTime: s.now()}
	u, oerr := s.match(ctx, tenant, signIn, &c)
	return u, signIn, oerr
}

// clientAuth returns the OAuth 2.0 configuration with which Roster redeems
// the IdP's code, and the options that authenticate it: the client secret; or,
// for a connection with a certificate, a fresh client assertion in the
// request's parameters (RFC 7523 §2.2) and no secret.
func (s *Server) clientAuth(tenant *roster.Tenant, conn *roster.SSOConnection, provider *oidc.Provider) (*oauth2.Config, []oauth2.AuthCodeOption, error) {
	if !conn.UsesCertificate() {
		secret, err := s.opts.Sealer.Open(purposeConnection, conn.SealedSecret)
		if err != nil {
			return nil, nil, fmt.Errorf("the client secret does not open with Roster's secret key (ROSTER_SECRET_KEY): %w", err)
		}
		return s.upstreamConfig(tenant, conn, provider, secret), nil, nil
	}
	key, err := s.openClientKey(conn)
	if err != nil {
		return nil, nil, fmt.Errorf("the private key does not open with Roster's secret key (ROSTER_SECRET_KEY): %w", err)
	}
	conf := s.upstreamConfig(tenant, conn, provider, nil)
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	assertion, err := ClientAssertion(key, conn.Certificate, conn.ClientID, conf.Endpoint.TokenURL, s.now())
	if err != nil {
		return nil, nil, err
	}
	return conf, []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("client_assertion_type", ClientAssertionType),
		oauth2.SetAuthURLParam("client_assertion", assertion),
	}, nil
}

// match finds the user an IdP account signs in as: the user linked to the
// account; else the user whose externalId is the account's object id (oid);
// else the user whose userName is its preferred_username, ignoring case.
// Never by email. Retired users are found too, so that the refusal says so.
func (s *Server) match(ctx context.Context, tenant *roster.Tenant, in *roster.SignIn, c *upstreamClaims) (*roster.User, *oauthError) {
	link, err := s.store.IdentityLinkBySubject(ctx, tenant.ID, in.Issuer, in.Subject)
	switch {
	case err == nil:
		u, err := s.findUser(ctx, tenant.ID, "id", link.UserID)
		if err != nil || u != nil {
			return u, err
		}
	case roster.ErrorCode(err) != roster.ENOTFOUND:
		return nil, s.internal(ctx, tenant, err)
	}
	if c.OID != "" {
		u, err := s.findUser(ctx, tenant.ID, "externalId", c.OID)
		if err != nil || u != nil {
			return u, err
		}
	}
	if c.PreferredUsername != "" {
		u, err := s.findUser(ctx, tenant.ID, "userName", c.PreferredUsername)
		if err != nil || u != nil {
			return u, err
		}
	}
	return nil, errorf("access_denied", "signin_no_user", fmt.Sprintf(
		"no user of tenant %s has externalId %q (Entra object id) or userName %q; check that the person is assigned to the app and provisioned",
		tenant.Name, c.OID, c.PreferredUsername))
}

// findUser returns the user whose attr equals value (a live one before a
// retired one), or nil when there is none.
func (s *Server) findUser(ctx context.Context, tenantID, attr, value string) (*roster.User, *oauthError) {
	q := roster.Query{
		Filter:     &filter.Compare{Attr: filter.AttrPath{Name: attr}, Op: filter.Eq, Value: filter.Value{Kind: filter.KindString, Text: value}},
		Resolve:    resolveUser,
		StartIndex: 1, Count: 10, Retired: true, WithoutMembers: true,
	}
	us, _, err := s.store.Users(ctx, tenantID, q)
	if err != nil {
		return nil, s.internal(ctx, nil, err)
	}
	var found *roster.User
	for _, u := range us {
		if found == nil || (!found.Retired.IsZero() && u.Retired.IsZero()) {
			found = u
		}
	}
	return found, nil
}

// resolveUser describes the attributes sign-in looks users up by.
func resolveUser(p filter.AttrPath) (filter.Attr, bool) {
	switch p.Name {
	case "id", "externalId":
		return filter.Attr{Type: filter.String, CaseExact: true}, true
	case "userName":
		return filter.Attr{Type: filter.String}, true
	}
	return filter.Attr{}, false
}

// gate checks that the user may sign in now, and links the account to the
// user on its first sign-in. A user linked to another account of the issuer is
// refused.
func (s *Server) gate(ctx context.Context, tenant *roster.Tenant, u *roster.User, in *roster.SignIn) *oauthError {
	linked, oerr := s.admits(ctx, tenant, u, in)
	if oerr != nil || linked {
		return oerr
	}
	err := s.store.LinkIdentity(ctx, &roster.IdentityLink{TenantID: tenant.ID, UserID: u.ID, Issuer: in.Issuer, Subject: in.Subject})
	if roster.ErrorCode(err) == roster.ECONFLICT {
		// A concurrent first sign-in linked it: decide again on what it stored.
		return s.gate(ctx, tenant, u, in)
	}
	if err != nil {
		return s.internal(ctx, tenant, err)
	}
	return nil
}

// admits checks, changing nothing, that the user may sign in now, and
// reports whether the account is linked to the user already: a user linked
// to another account of the issuer is refused.
func (s *Server) admits(ctx context.Context, tenant *roster.Tenant, u *roster.User, in *roster.SignIn) (linked bool, _ *oauthError) {
	if tenant.Disabled {
		return false, tenantDisabled()
	}
	if e := refusal(u); e != nil {
		return false, e
	}
	if e := methodRefusal(u, in.Method); e != nil {
		return false, e
	}
	link, err := s.store.IdentityLinkOfUser(ctx, tenant.ID, u.ID, in.Issuer)
	switch roster.ErrorCode(err) {
	case "":
		if subtle.ConstantTimeCompare([]byte(link.Subject), []byte(in.Subject)) != 1 {
			return true, errorf("access_denied", "signin_subject_mismatch", fmt.Sprintf(
				"the account signing in (subject %s) is not the one linked to user %s (subject %s, linked %s); if the person's account was recreated in the IdP, delete and provision the user again",
				in.Subject, u.UserName, link.Subject, link.Created.Format("2006-01-02 15:04")))
		}
		return true, nil
	case roster.ENOTFOUND:
		return false, nil
	}
	return false, s.internal(ctx, tenant, err)
}

// refusal says why u may not sign in, or nil when it may.
func refusal(u *roster.User) *oauthError {
	const at = "2006-01-02 15:04 UTC"
	switch {
	case !u.Retired.IsZero():
		return errorf("access_denied", "signin_user_deleted", fmt.Sprintf("user %s was deleted by the IdP at %s", u.UserName, u.Retired.Format(at)))
	case !u.Active:
		return errorf("access_denied", "signin_user_deactivated", fmt.Sprintf("user %s was deactivated by the IdP at %s", u.UserName, u.Modified.Format(at)))
	case !u.Entitlements.Active:
		return errorf("access_denied", "signin_user_not_entitled", fmt.Sprintf(
			"user %s is not active in the app under the tenant's policy (it lacks the role the policy maps to active)", u.UserName))
	}
	return nil
}

// methodRefusal says why u's login method does not allow a sign-in by way,
// or nil when it does.
func methodRefusal(u *roster.User, way string) *oauthError {
	if roster.AllowsLogin(u.LoginMethod, way) {
		return nil
	}
	if way == roster.LoginMethodPassword {
		return errorf("access_denied", "signin_login_method", fmt.Sprintf(
			"user %s signs in through the organization's identity provider only (login method idp), not with a password", u.UserName))
	}
	return errorf("access_denied", "signin_login_method", fmt.Sprintf(
		"user %s signs in with a password only (login method password), not through the identity provider", u.UserName))
}

func (s *Server) internal(ctx context.Context, tenant *roster.Tenant, err error) *oauthError {
	attrs := []any{"err", err}
	if tenant != nil {
		attrs = append(attrs, "tenant_id", tenant.ID)
	}
	s.opts.Logger.ErrorContext(ctx, "sign-in: store", attrs...)
	return storeFailed(err)
}

// storeFailed is the refusal of a sign-in whose store failed: while the store
// cannot be reached or is full, temporarily_unavailable (RFC 6749 §4.1.2.1),
// answered 503 with Retry-After where the answer is not a redirect; else
// server_error. The cause is logged by the caller, never sent.
func storeFailed(err error) *oauthError {
	if roster.ErrorCode(err) == roster.EUNAVAILABLE {
		return errorf("temporarily_unavailable", "store_unavailable", "sign-in is unavailable for a moment: try again")
	}
	return errorf("server_error", "internal", "sign-in failed")
}

// issueCode starts the user's session and returns a fresh authorization code
// bound to the host app's request. Only the code's hash is stored.
func (s *Server) issueCode(ctx context.Context, tenant *roster.Tenant, u *roster.User, p *pending, in *roster.SignIn) (string, error) {
	now := s.now()
	sess := &roster.Session{TenantID: tenant.ID, UserID: u.ID, SignIn: *in, Expires: now.Add(s.opts.SessionTTL)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	code := "rac_" + random()
	h := sha256.Sum256([]byte(code))
	err := s.store.CreateAuthCode(ctx, &roster.AuthCode{Hash: h[:], TenantID: tenant.ID, ClientID: p.ClientID,
		RedirectURI: p.RedirectURI, Challenge: p.Challenge, Nonce: p.Nonce, UserID: u.ID, SessionID: sess.ID,
		SignIn: *in, Expires: now.Add(roster.AuthCodeTTL), Forget: now.Add(roster.AuthCodeTTL + s.opts.AccessTokenTTL)})
	return code, err
}
