package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
)

type ctxKey int

const tenantKey ctxKey = 0

// tenantOf returns the id of the tenant the auth middleware authenticated.
func tenantOf(ctx context.Context) string {
	id, _ := ctx.Value(tenantKey).(string)
	return id
}

// The credential is read by tenantFor, called from admit (limit.go): a live
// token as "Authorization: Bearer <secret>", or HTTP Basic with the tenant's
// name as the user name and the secret as the password. Failures answer 401
// with a detail an IdP admin can act on.

// tenantFor returns the tenant id of the request's credential. Only HTTP Basic,
// whose user name must name the tenant, costs a tenant lookup.
func (s *Server) tenantFor(r *http.Request) (string, error) {
	secret, user, err := credential(r)
	if err != nil {
		return "", err
	}
	tok, err := s.token(r.Context(), secret)
	if err != nil {
		return "", err
	}
	if user != "" && user != tok.TenantID {
		t, err := s.store.Tenant(r.Context(), tok.TenantID)
		if err != nil {
			return "", err
		}
		if user != t.Name {
			return "", authError("basic_user_mismatch", "the user name does not name the tenant of this token: use the tenant name as the user name and the token as the password")
		}
	}
	s.mu.Lock()
	s.used[tok.ID] = s.clock()
	s.mu.Unlock()
	if op := opOf(r.Context()); op != nil {
		op.entry.TokenPrefix, op.entry.TokenName = tok.Prefix, tok.Name
	}
	return tok.TenantID, nil
}

// credential reads the secret (and, for Basic, the user name) from the request.
func credential(r *http.Request) (secret, user string, err error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", "", authError("token_missing", "no credential: send the secret token as \"Authorization: Bearer <token>\"")
	}
	if user, pass, ok := r.BasicAuth(); ok {
		return pass, user, nil
	}
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", "", authError("token_scheme", "unsupported authorization scheme %q: use Bearer with the secret token", scheme)
	}
	if rest != strings.TrimSpace(rest) || strings.ContainsAny(strings.TrimSpace(rest), " \t\r\n") {
		return "", "", authError("token_whitespace", "the token has surrounding or embedded whitespace: paste the secret token again without spaces or line breaks")
	}
	if rest == "" {
		return "", "", authError("token_empty", "empty bearer token: paste the secret token into the Secret Token field")
	}
	return rest, "", nil
}

// token finds the live token whose secret is secret.
func (s *Server) token(ctx context.Context, secret string) (*roster.Token, error) {
	prefix := roster.TokenPrefix(secret)
	if prefix == "" {
		return nil, authError("token_malformed", "unknown token: it is not a Roster secret token (they start with \"rst_\"); copy the token again")
	}
	toks, err := s.store.TokensByPrefix(ctx, prefix)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if !t.Matches(secret) {
			continue
		}
		if !t.Revoked.IsZero() {
			return nil, authError("token_revoked", "the token %s… was revoked: create a new token and paste it into the IdP", t.Prefix)
		}
		if !t.Expires.IsZero() && !s.clock().Before(t.Expires) {
			return nil, authError("token_expired", "the token %s… expired at %s: create a new token", t.Prefix, t.Expires.UTC().Format("2006-01-02 15:04 MST"))
		}
		return t, nil
	}
	return nil, authError("token_unknown", "unknown token: no tenant has this secret token; copy it again or create a new one")
}

// authError is a 401 with the provisioning log's reason.
func authError(reason, format string, args ...any) *roster.Error {
	e := roster.Errorf(roster.EUNAUTHORIZED, format, args...)
	e.Reason = reason
	return e
}
