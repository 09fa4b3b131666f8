package sso

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rosterhq/roster"
)

// Token types of Roster's JWTs (the JOSE "typ" header): an access token is
// never taken for an ID token, nor the other way round (RFC 9068 §2.1).
const (
	typeIDToken     = "JWT"
	typeAccessToken = "at+jwt"
)

// UserClaims are what Roster tells the host app about the signed-in user, in
// the ID token and from userinfo.
type UserClaims struct {
	Tenant       string       `json:"tenant"`
	TenantName   string       `json:"tenant_name"`
	Organization string       `json:"organization,omitempty"`
	UserName     string       `json:"userName"`
	ExternalID   string       `json:"externalId,omitempty"`
	Name         string       `json:"name,omitempty"`
	Email        string       `json:"email,omitempty"`
	Entitlements Entitlements `json:"entitlements"`
	LoginMethod  string       `json:"login_method"`
	IdPIssuer    string       `json:"idp_issuer,omitempty"`
	IdPSubject   string       `json:"idp_subject,omitempty"`
	AuthTime     int64        `json:"auth_time"`
	AMR          []string     `json:"amr,omitempty"`
	SID          string       `json:"sid"`
}

// Entitlements are the user's state in the app under the tenant's policy,
// and the groups it belongs to.
type Entitlements struct {
	Active     bool     `json:"active"`
	Licenses   []string `json:"licenses"`
	AccessRole string   `json:"accessRole,omitempty"`
	Roles      []string `json:"roles"`
	Groups     []Group  `json:"groups"`
}

// Group is a group the user belongs to directly.
type Group struct {
	ID      string `json:"id"`
	Display string `json:"display"`
}

type idToken struct {
	jwt.Claims
	Nonce string `json:"nonce,omitempty"`
	UserClaims
}

type accessToken struct {
	jwt.Claims
	Tenant   string `json:"tenant"`
	SID      string `json:"sid"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
}

// handleToken serves POST /oauth2/token (RFC 6749 §4.1.3, RFC 7636 §4.6):
// the client redeems its code for an ID token and an access token. The
// client credentials grant goes to Options.ClientCredentials.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, errorf("invalid_request", "", "the body is not a form"))
		return
	}
	switch grant := r.PostForm.Get("grant_type"); {
	case grant == "client_credentials" && s.opts.ClientCredentials != nil:
		s.opts.ClientCredentials.ServeHTTP(w, r)
		return
	case grant == "":
		writeJSON(w, http.StatusBadRequest, errorf("invalid_request", "", "grant_type is missing"))
		return
	case grant != "authorization_code":
		writeJSON(w, http.StatusBadRequest, errorf("unsupported_grant_type", "", "grant_type must be authorization_code, or client_credentials for an OAuth client of a tenant's SCIM API"))
		return
	}
	client, basic, oerr := s.authenticateClient(r)
	if oerr != nil {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="roster"`)
		}
		writeJSON(w, http.StatusUnauthorized, oerr)
		return
	}
	resp, oerr := s.exchange(r.Context(), client, r.PostForm)
	if oerr != nil {
		if oerr.failed() {
			writeFailure(w, oerr)
			return
		}
		writeJSON(w, http.StatusBadRequest, oerr)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// authenticateClient finds the client: by HTTP Basic (client_secret_basic,
// whose parts are form-encoded, RFC 6749 §2.3.1) or by the form's client_id
// and client_secret (client_secret_post, or none for a public client).
func (s *Server) authenticateClient(r *http.Request) (client *roster.OAuthClient, basic bool, e *oauthError) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, true, errorf("invalid_client", "", "malformed client credentials")
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, err := s.store.OAuthClient(r.Context(), id)
	if err != nil || !c.Revoked.IsZero() {
		return nil, basic, errorf("invalid_client", "", "unknown or revoked client")
	}
	if c.Public {
		if secret != "" {
			return nil, basic, errorf("invalid_client", "", "a public client has no secret")
		}
		return c, basic, nil
	}
	if !c.Matches(secret) {
		return nil, basic, errorf("invalid_client", "", "wrong client secret")
	}
	return c, basic, nil
}

// exchange redeems a code: once, by the client it was issued to, with the
// same redirect URI and the PKCE verifier of its challenge, while the user
// may still sign in and the session is live.
func (s *Server) exchange(ctx context.Context, client *roster.OAuthClient, form url.Values) (map[string]any, *oauthError) {
	h := sha256.Sum256([]byte(form.Get("code")))
	code, err := s.store.RedeemAuthCode(ctx, h[:])
	switch roster.ErrorCode(err) {
	case "":
	case roster.ENOTFOUND:
		return nil, errorf("invalid_grant", "", "the code is unknown, used or expired")
	case roster.ECONFLICT:
		// RFC 6749 §4.1.2: the store ended the session the code started,
		// and with it the tokens issued from it.
		s.opts.Logger.WarnContext(ctx, "sign-in: an authorization code was redeemed again; the tokens issued from it are revoked",
			"client_id", client.ID)
		return nil, errorf("invalid_grant", "", "the code was used before; the tokens issued from it are revoked")
	default:
		return nil, s.internal(ctx, nil, err)
	}
	switch {
	case code.ClientID != client.ID:
		return nil, errorf("invalid_grant", "", "the code was issued to another client")
	case code.RedirectURI != form.Get("redirect_uri"):
		return nil, errorf("invalid_grant", "", "redirect_uri differs from the authorization request's")
	case !pkceMatches(code.Challenge, form.Get("code_verifier")):
		return nil, errorf("invalid_grant", "", "code_verifier does not match the code_challenge")
	}
	tenant, u, sess, oerr := s.signedIn(ctx, code.TenantID, code.SessionID)
	if oerr != nil {
		return nil, errorf("invalid_grant", oerr.Reason, oerr.Description)
	}
	ring, err := loadKeys(ctx, s.store, s.opts.Sealer, s.now())
	if err != nil {
		return nil, s.internal(ctx, tenant, err)
	}
	now := s.now()
	std := jwt.Claims{Issuer: s.issuer, Subject: u.ID, Audience: jwt.Audience{client.ID},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(s.opts.AccessTokenTTL))}
	idt, err := ring.sign(typeIDToken, idToken{Claims: std, Nonce: code.Nonce, UserClaims: claims(tenant, u, sess)})
	if err != nil {
		return nil, s.internal(ctx, tenant, err)
	}
	std.ID = random()
	at, err := ring.sign(typeAccessToken, accessToken{Claims: std, Tenant: tenant.ID, SID: sess.ID, ClientID: client.ID, Scope: "openid profile email"})
	if err != nil {
		return nil, s.internal(ctx, tenant, err)
	}
	return map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(s.opts.AccessTokenTTL / time.Second),
		"id_token": idt, "scope": "openid profile email"}, nil
}

// pkceMatches checks a verifier against the S256 challenge (RFC 7636 §4.6).
// A code without a challenge takes no verifier.
func pkceMatches(challenge, verifier string) bool {
	if challenge == "" {
		return verifier == ""
	}
	if verifier == "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// signedIn reads the session and its user from the store and checks, now,
// that the session is live and that the user may still sign in.
func (s *Server) signedIn(ctx context.Context, tenantID, sessionID string) (*roster.Tenant, *roster.User, *roster.Session, *oauthError) {
	tenant, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return nil, nil, nil, errorf("invalid_token", "signin_tenant_unknown", "the tenant no longer exists")
	}
	if tenant.Disabled {
		return tenant, nil, nil, errorf("invalid_token", "signin_tenant_disabled", "the tenant is disabled by the operator of Roster")
	}
	sess, err := s.store.Session(ctx, tenantID, sessionID)
	if err != nil {
		return tenant, nil, nil, errorf("invalid_token", "signin_session_ended", "the session does not exist")
	}
	u, err := s.store.User(ctx, tenantID, sess.UserID)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		return tenant, nil, nil, errorf("invalid_token", "signin_user_deleted", "the user was deleted")
	}
	if err != nil {
		return tenant, nil, nil, s.internal(ctx, tenant, err)
	}
	if e := refusal(u); e != nil {
		return tenant, u, nil, errorf("invalid_token", e.Reason, e.Description)
	}
	if e := methodRefusal(u, sess.SignIn.Method); e != nil {
		return tenant, u, nil, errorf("invalid_token", e.Reason, e.Description)
	}
	if !sess.Live(s.now()) {
		return tenant, u, nil, errorf("invalid_token", "signin_session_ended", "the session has ended")
	}
	return tenant, u, sess, nil
}

// handleUserInfo serves GET and POST /oauth2/userinfo (OpenID Connect Core
// 1.0 §5.3): the user's claims, read afresh, while the access token's session
// is live and the user may sign in; otherwise 401.
func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		s.unauthorized(w, errorf("invalid_token", "", "send the access token as Authorization: Bearer"))
		return
	}
	ring, err := loadKeys(ctx, s.store, s.opts.Sealer, s.now())
	if err != nil {
		writeFailure(w, s.internal(ctx, nil, err))
		return
	}
	var at accessToken
	if err := ring.verify(strings.TrimSpace(raw), typeAccessToken, &at); err != nil {
		s.unauthorized(w, errorf("invalid_token", "", "the access token is not valid"))
		return
	}
	if err := at.ValidateWithLeeway(jwt.Expected{Issuer: s.issuer, Time: s.now()}, 0); err != nil {
		s.unauthorized(w, errorf("invalid_token", "", "the access token is expired or not Roster's"))
		return
	}
	tenant, u, sess, oerr := s.signedIn(ctx, at.Tenant, at.SID)
	if oerr == nil {
		oerr = s.liveClient(ctx, at.ClientID)
	}
	if oerr != nil {
		if oerr.failed() {
			writeFailure(w, oerr)
			return
		}
		s.logSignIn(r, outcome{action: ActionUserInfo, tenant: tenant, user: u, err: oerr})
		s.unauthorized(w, oerr)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Subject string `json:"sub"`
		UserClaims
	}{u.ID, claims(tenant, u, sess)})
}

// liveClient checks that the client an access token was issued to still
// exists and is not revoked: revoking a client ends its tokens at once.
func (s *Server) liveClient(ctx context.Context, id string) *oauthError {
	c, err := s.store.OAuthClient(ctx, id)
	switch {
	case roster.ErrorCode(err) == roster.ENOTFOUND:
		return errorf("invalid_token", "signin_client_revoked", "the client the token was issued to does not exist")
	case err != nil:
		return s.internal(ctx, nil, err)
	case !c.Revoked.IsZero():
		return errorf("invalid_token", "signin_client_revoked", "the client the token was issued to is revoked")
	}
	return nil
}

// unauthorized answers 401 with the Bearer challenge (RFC 6750 §3).
func (s *Server) unauthorized(w http.ResponseWriter, e *oauthError) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+strings.ReplaceAll(e.Description, `"`, `'`)+`"`)
	writeJSON(w, http.StatusUnauthorized, e)
}

// claims renders what Roster tells the host app about u.
func claims(t *roster.Tenant, u *roster.User, sess *roster.Session) UserClaims {
	e := u.Entitlements
	c := UserClaims{
		Tenant: t.ID, TenantName: t.Name, Organization: t.Organization,
		UserName: u.UserName, ExternalID: u.ExternalID, Name: displayName(u), Email: email(u),
		Entitlements: Entitlements{Active: e.Active, Licenses: nonNil(e.Licenses), AccessRole: e.AccessRole,
			Roles: nonNil(e.Roles), Groups: []Group{}},
		LoginMethod: sess.SignIn.Method, IdPIssuer: sess.SignIn.Issuer, IdPSubject: sess.SignIn.Subject,
		AuthTime: sess.SignIn.AuthTime.Unix(), AMR: sess.SignIn.AMR, SID: sess.ID,
	}
	for _, g := range u.Groups {
		c.Entitlements.Groups = append(c.Entitlements.Groups, Group{ID: g.ID, Display: g.DisplayName})
	}
	return c
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// displayName is the user's displayName, else its formatted name, else given
// and family names.
func displayName(u *roster.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	name, _ := u.Doc["name"].(map[string]any)
	if f, _ := name["formatted"].(string); f != "" {
		return f
	}
	given, _ := name["givenName"].(string)
	family, _ := name["familyName"].(string)
	return strings.TrimSpace(given + " " + family)
}

// email is the user's primary email, else its work email, else its first.
func email(u *roster.User) string {
	best := ""
	for _, e := range u.Emails {
		switch {
		case e.Primary:
			return e.Value
		case e.Type == "work" && best == "":
			best = e.Value
		}
	}
	if best == "" && len(u.Emails) > 0 {
		best = u.Emails[0].Value
	}
	return best
}
