package server

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/internal/httpx"
	"github.com/rosterhq/roster/provlog"
)

// The client credentials grant (RFC 6749 §4.4): an IdP that authenticates
// with OAuth 2.0 client credentials (Entra's "OAuth2 client credentials
// grant", docs/oauth.md) sends the id
// and secret of an OAuth client of a tenant (roster token create --oauth) to
// the token endpoint and gets an access token, which SCIM then takes as a
// bearer token of that tenant until it expires or the client is revoked.
// Roster's OpenID Provider (package sso) serves the same path for sign-in and
// passes this grant on to TokenHandler.

// GrantClientCredentials is the grant_type TokenHandler serves.
const GrantClientCredentials = "client_credentials"

// maxClientID bounds a presented client id: the store is not asked about
// longer ones.
const maxClientID = 64

// TokenHandler returns the handler of the client credentials grant: a POST
// of an application/x-www-form-urlencoded body with grant_type
// client_credentials and the client authenticated by HTTP Basic
// (client_secret_basic) or by client_id and client_secret in the body
// (client_secret_post), RFC 6749 §2.3.1. Mount it at the token endpoint.
func (s *Server) TokenHandler() http.Handler {
	return http.HandlerFunc(s.handleToken)
}

// handleToken serves the client credentials grant: RFC 6749 §4.4.2 request,
// §5.1 answer, §5.2 errors. Each request is a row of the provisioning log
// (action token), the client's tenant's when the request named a client;
// neither the client secret nor the access token is kept in it.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	g := &grantLog{entry: &roster.LogEntry{Time: s.clock().UTC(), Method: r.Method, Route: r.Pattern, Action: ActionToken}}
	if s.logs != nil {
		lw := &logWriter{ResponseWriter: w, keep: 4 << 10}
		w = lw
		defer s.recordGrant(r, g, lw)
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		g.badRequest(w, "invalid_request", "the body is not an application/x-www-form-urlencoded form")
		return
	}
	form := r.PostForm
	for k, vs := range form {
		if len(vs) > 1 {
			g.badRequest(w, "invalid_request", "the parameter "+strconv.Quote(k)+" is repeated")
			return
		}
	}
	switch form.Get("grant_type") {
	case GrantClientCredentials:
	case "":
		g.badRequest(w, "invalid_request", "grant_type is missing")
		return
	default:
		g.badRequest(w, "unsupported_grant_type", "this endpoint issues SCIM access tokens by grant_type client_credentials only")
		return
	}
	client, basic, err := s.authenticateClient(r)
	g.client = client
	if err != nil {
		g.entry.Reason = s.clientRefused(w, r, client, basic, err)
		return
	}
	secret, prefix, hash := roster.NewAccessTokenSecret()
	now := s.clock().UTC()
	a := &roster.AccessToken{TenantID: client.TenantID, ClientID: client.ID, Prefix: prefix, Hash: hash,
		Expires: now.Add(s.opts.AccessTokenTTL)}
	if err := s.store.CreateAccessToken(r.Context(), a); err != nil {
		g.entry.Reason = s.tokenFailed(w, r, err)
		return
	}
	s.mu.Lock()
	s.used[client.ID] = now
	s.mu.Unlock()
	resp := map[string]any{"access_token": secret, "token_type": "Bearer", "expires_in": int(s.opts.AccessTokenTTL.Seconds())}
	if form.Get("scope") != "" {
		// RFC 6749 §5.1: the scope granted differs from the one asked for.
		resp["scope"] = "scim"
	}
	w.Header().Set("Pragma", "no-cache")
	writeOAuth(w, http.StatusOK, resp)
}

// ActionToken is the provisioning log's action of a token request.
const ActionToken = "token"

// grantLog is what a token request's log row is made of.
type grantLog struct {
	entry  *roster.LogEntry
	client *roster.Token // the client the request named, when it exists
}

// badRequest answers a malformed request (400, RFC 6749 §5.2).
func (g *grantLog) badRequest(w http.ResponseWriter, code, description string) {
	g.entry.Reason = "token_request_invalid"
	writeOAuthError(w, http.StatusBadRequest, code, description)
}

// recordGrant completes a token request's row and hands it over: the
// client's tenant's row when it named a client, else a refusal of its
// address. The request (which holds the secret) is never kept, nor the
// answer that carries an access token.
func (s *Server) recordGrant(r *http.Request, g *grantLog, w *logWriter) {
	e := g.entry
	e.Latency = s.clock().Sub(e.Time)
	e.RequestID = httpx.RequestID(r.Context())
	e.Status = cmp.Or(w.status, http.StatusOK)
	var response []byte
	if e.Status != http.StatusOK {
		response = w.body.Bytes()
	}
	if g.client == nil {
		s.logs.RecordRefusal(httpx.ClientAddr(r, s.limits.TrustProxy), e, nil, response)
		return
	}
	e.TenantID, e.TokenPrefix, e.TokenName = g.client.TenantID, g.client.Prefix, g.client.Name
	s.logs.Record(e, nil, response)
}

// errClient is the one answer to a client that did not authenticate: which
// of the id or the secret was wrong is not told.
var errClient = authError("token_client_invalid", "unknown client, or wrong client secret")

// authenticateClient finds the live OAuth client the request authenticates
// as. basic reports whether it used HTTP Basic. A failure is EINVALID for a
// malformed request, else EUNAUTHORIZED, with the client the id named when
// there is one; or the store's error.
func (s *Server) authenticateClient(r *http.Request) (client *roster.Token, basic bool, err error) {
	id, secret, basic := r.BasicAuth()
	form := r.PostForm
	if basic {
		// RFC 6749 §2.3.1: both parts are form-encoded first.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, true, errClient
		}
		if form.Has("client_secret") {
			return nil, true, roster.Errorf(roster.EINVALID, "the client authenticated twice: send its secret in the Authorization header or in the body, not both")
		}
		if v := form.Get("client_id"); v != "" && v != id {
			return nil, true, roster.Errorf(roster.EINVALID, "client_id differs from the client of the Authorization header")
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" || secret == "" || len(id) > maxClientID {
		return nil, basic, errClient
	}
	c, err := s.store.Token(r.Context(), id)
	switch {
	case roster.ErrorCode(err) == roster.ENOTFOUND:
		return nil, basic, errClient
	case err != nil:
		return nil, basic, err
	case c.Kind != roster.TokenOAuth: // a secret token's id is no client's
		return nil, basic, errClient
	}
	if !c.Matches(secret) { // in constant time
		return c, basic, errClient
	}
	if !c.Revoked.IsZero() {
		return c, basic, authError("token_revoked", "the client %s… was revoked", c.Prefix)
	}
	if !c.Expires.IsZero() && !s.clock().Before(c.Expires) {
		return c, basic, authError("token_expired", "the client %s… expired", c.Prefix)
	}
	return c, basic, nil
}

// clientRefused answers a failed client authentication (RFC 6749 §5.2) and
// counts it against the request's address and the prefix of the client it
// named (client, nil when none), with the SCIM API's failed
// authentications: once they are spent, 429 with Retry-After. It returns
// the log's reason.
func (s *Server) clientRefused(w http.ResponseWriter, r *http.Request, client *roster.Token, basic bool, err error) (reason string) {
	if roster.ErrorCode(err) == roster.EINVALID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", roster.ErrorDetail(err))
		return "token_request_invalid"
	}
	if roster.ErrorCode(err) != roster.EUNAUTHORIZED {
		return s.tokenFailed(w, r, err)
	}
	prefix := ""
	if client != nil {
		prefix = client.Prefix
	}
	s.log.Warn("token request refused", "request_id", httpx.RequestID(r.Context()), "client_id", basicOrPostID(r),
		"reason", reasonOf(err), "addr", httpx.ClientAddr(r, s.limits.TrustProxy))
	if ref, ok := s.authFailed(r, prefix, err).(*refusal); ok {
		s.refused(w, r, ref)
		writeOAuthError(w, http.StatusTooManyRequests, "invalid_client", roster.ErrorDetail(ref.err))
		return "auth_throttled"
	}
	if basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="roster", charset="UTF-8"`)
	}
	writeOAuthError(w, http.StatusUnauthorized, "invalid_client", roster.ErrorDetail(err))
	return reasonOf(err)
}

// tokenFailed answers a failure of Roster's own: 503 with Retry-After while
// the store cannot be reached, else 500; the cause goes to the server log.
// It returns the log's reason.
func (s *Server) tokenFailed(w http.ResponseWriter, r *http.Request, err error) (reason string) {
	status, code := http.StatusInternalServerError, "server_error"
	if roster.ErrorCode(err) == roster.EUNAVAILABLE {
		status, code = http.StatusServiceUnavailable, "temporarily_unavailable"
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(unavailableRetry)))
	}
	s.log.Error("token request failed", "request_id", httpx.RequestID(r.Context()), "err", err)
	writeOAuthError(w, status, code, "the access token could not be issued: retry later")
	return provlog.ReasonOf(err)
}

// writeOAuthError writes an OAuth 2.0 error (RFC 6749 §5.2).
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeOAuth(w, status, map[string]string{"error": code, "error_description": description})
}

// writeOAuth writes a token endpoint's JSON answer, never to be cached (RFC 6749 §5.1).
func writeOAuth(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// basicOrPostID returns the client id a token request names, for the server log.
func basicOrPostID(r *http.Request) string {
	if id, _, ok := r.BasicAuth(); ok {
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		return truncate(id, maxClientID)
	}
	return truncate(r.PostForm.Get("client_id"), maxClientID)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return strings.ToValidUTF8(s, "")
}
