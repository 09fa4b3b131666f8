package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

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
			notePrefix(r.Context(), tok.Prefix)
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
		return "", "", schemeError(scheme)
	}
	if rest != strings.TrimSpace(rest) || strings.ContainsAny(strings.TrimSpace(rest), " \t\r\n") {
		return "", "", authError("token_whitespace", "the token has surrounding or embedded whitespace: paste the secret token again without spaces or line breaks")
	}
	if rest == "" {
		return "", "", authError("token_empty", "empty bearer token: paste the secret token into the Secret Token field")
	}
	return rest, "", nil
}

// knownSchemes are the authorization schemes a refusal may name: what else
// comes before the first space may be a secret pasted without a scheme.
var knownSchemes = []string{"Basic", "Digest", "Negotiate", "NTLM", "OAuth", "DPoP", "Token", "HOBA", "Mutual"}

// schemeError refuses an Authorization header whose scheme is not Bearer.
// The header's text is never quoted: a token sent without "Bearer " is named
// by its prefix (what token lists show), anything else not at all.
func schemeError(scheme string) *roster.Error {
	if p := roster.TokenPrefix(scheme); p != "" {
		return authError("token_scheme", "the token %s… was sent without a scheme: send it as \"Authorization: Bearer <token>\"", p)
	}
	for _, k := range knownSchemes {
		if strings.EqualFold(scheme, k) {
			return authError("token_scheme", "unsupported authorization scheme %s: use Bearer with the secret token", k)
		}
	}
	return authError("token_scheme", "unsupported authorization scheme: use \"Authorization: Bearer <token>\" with the secret token")
}

// token finds the live token whose secret is secret: in the cache when it was
// read from the store less than Options.TokenCache ago, else in the store. For
// an access token, it is the OAuth client the token was issued to.
func (s *Server) token(ctx context.Context, secret string) (*roster.Token, error) {
	if prefix := roster.AccessTokenPrefix(secret); prefix != "" {
		return s.accessToken(ctx, secret, prefix)
	}
	prefix := roster.TokenPrefix(secret)
	if prefix == "" {
		if roster.SCIMClientSecretPrefix(secret) != "" {
			return nil, authError("token_client_secret", "this is an OAuth client secret, not a token: set the IdP to OAuth 2.0 client credentials with the client id, this secret and the token endpoint /oauth2/token, which issues the access tokens to send")
		}
		return nil, malformedToken(secret)
	}
	key := sha256.Sum256([]byte(secret))
	now := s.clock()
	t, _ := s.tokens.get(key, now)
	if t == nil {
		toks, err := s.store.TokensByPrefix(ctx, prefix)
		if err != nil {
			return nil, err
		}
		for _, c := range toks {
			if c.Matches(secret) && c.Kind != roster.TokenOAuth {
				t = c
				break
			}
		}
		if t == nil {
			if len(toks) > 0 {
				notePrefix(ctx, prefix) // the secret was mistyped after a prefix Roster issued
			}
			return nil, authError("token_unknown", "unknown token: no tenant has this secret token; copy it again or create a new one")
		}
		s.tokens.put(key, t, time.Time{}, now)
	}
	return t, live(ctx, t, now)
}

// accessToken finds the OAuth client of the access token secret, checking
// on each request, through the same cache as tokens, that the access token
// has not expired and that the client is live: revoking the client ends its
// access tokens within the cache's age.
func (s *Server) accessToken(ctx context.Context, secret, prefix string) (*roster.Token, error) {
	key := sha256.Sum256([]byte(secret))
	now := s.clock()
	client, until := s.tokens.get(key, now)
	if client == nil {
		as, err := s.store.AccessTokensByPrefix(ctx, prefix)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.Matches(secret) {
				client, until = a.Client, a.Expires
				break
			}
		}
		if client == nil {
			return nil, authError("token_unknown", "unknown access token: ask the token endpoint (/oauth2/token) for a new one")
		}
		s.tokens.put(key, client, until, now)
	}
	if !now.Before(until) {
		notePrefix(ctx, client.Prefix)
		return nil, authError("token_expired", "the access token of the OAuth client %s… expired at %s: ask the token endpoint for a new one", client.Prefix, until.UTC().Format("2006-01-02 15:04:05 MST"))
	}
	return client, live(ctx, client, now)
}

// live checks that t is neither revoked nor expired at now.
func live(ctx context.Context, t *roster.Token, now time.Time) error {
	what, fix := "token", "create a new token and paste it into the IdP"
	if t.Kind == roster.TokenOAuth {
		what, fix = "OAuth client", "its access tokens stop with it; create a new client (roster token create --oauth) and enter it in the IdP"
	}
	if !t.Revoked.IsZero() {
		notePrefix(ctx, t.Prefix)
		return authError("token_revoked", "the %s %s… was revoked: %s", what, t.Prefix, fix)
	}
	if !t.Expires.IsZero() && !now.Before(t.Expires) {
		notePrefix(ctx, t.Prefix)
		return authError("token_expired", "the %s %s… expired at %s: create a new one", what, t.Prefix, t.Expires.UTC().Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// malformedToken says why secret, which cannot be a SCIM token, was refused:
// an API key sent to SCIM is named as one, by its prefix; a value that starts
// as a Roster secret token does but is too short was cut when it was copied.
func malformedToken(secret string) *roster.Error {
	switch {
	case roster.APIKeyPrefix(secret) != "":
		return authError("token_malformed", "the API key %s… is for the app API (/api/v1) only: SCIM takes a tenant's secret token (roster token create)", roster.APIKeyPrefix(secret))
	case roster.IsTokenShaped(secret):
		return authError("token_malformed", "the secret token was cut short when it was copied (a whole one is %d characters): copy it again, whole", roster.TokenLen)
	}
	return authError("token_malformed", "unknown token: it is not a Roster secret token (they start with \"rst_\") nor an access token (\"rsa_\"); copy the token again")
}

// notePrefix names on the request's log row the prefix of a token Roster
// issued that the request was refused with (revoked, expired, mistyped after
// its prefix, or with another tenant's name), so that the row, written
// without a tenant, can be shown to the tenant holding the token. Only issued
// prefixes are noted: random secrets still make one row per address and
// reason a minute (provlog.Recorder.RecordRefusal).
func notePrefix(ctx context.Context, prefix string) {
	if op := opOf(ctx); op != nil {
		op.entry.TokenPrefix = prefix
	}
}

// tokenCache keeps the tokens a server has found, by the SHA-256 of their
// secret (never the secret itself), so that a busy tenant's requests do not
// each read the store. Only found tokens are kept: a new token works at once,
// and a revocation takes effect once the entry is older than the cache's age.
type tokenCache struct {
	age time.Duration // how long an entry is trusted; <= 0: none is
	mu  sync.Mutex
	m   map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	tok   *roster.Token
	until time.Time // an access token's expiry, with tok its client; zero for a token
	read  time.Time
}

// maxCachedTokens bounds the cache; past it, stale entries are dropped, and
// all of them when none is stale.
const maxCachedTokens = 10000

// get returns the token read for key less than the cache's age ago, or nil,
// and the expiry of the access token it stands for.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (*roster.Token, time.Time) {
	if c.age <= 0 {
		return nil, time.Time{}
	}
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if !ok || !c.fresh(e, now) {
		return nil, time.Time{}
	}
	return e.tok, e.until
}

func (c *tokenCache) fresh(e cachedToken, now time.Time) bool {
	return !now.Before(e.read) && now.Sub(e.read) < c.age
}

// put keeps t (for an access token, its client and until its expiry), read at now.
func (c *tokenCache) put(key [sha256.Size]byte, t *roster.Token, until, now time.Time) {
	if c.age <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[[sha256.Size]byte]cachedToken{}
	}
	if len(c.m) >= maxCachedTokens {
		for k, e := range c.m {
			if !c.fresh(e, now) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedTokens {
			clear(c.m)
		}
	}
	c.m[key] = cachedToken{tok: t, until: until, read: now}
}

// reasonOf returns the provisioning log's reason of err, if it has one.
func reasonOf(err error) string {
	var e *roster.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// authError is a 401 with the provisioning log's reason.
func authError(reason, format string, args ...any) *roster.Error {
	e := roster.Errorf(roster.EUNAUTHORIZED, format, args...)
	e.Reason = reason
	return e
}
