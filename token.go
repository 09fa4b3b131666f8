package roster

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"
)

// Token is a SCIM credential of one tenant: a bearer token, or an OAuth 2.0
// client whose id (the token's ID) and secret buy short-lived access tokens
// (RFC 6749 §4.4). Only the SHA-256 hash of the secret is stored; the secret
// itself is shown once, when the token is created.
type Token struct {
	ID       string
	TenantID string
	Name     string
	// Kind is TokenBearer or TokenOAuth; stores fill TokenBearer when empty.
	Kind string
	// Prefix is the secret's first characters: shown in lists and logs, used to find the token.
	Prefix   string
	Hash     []byte
	Created  time.Time
	Expires  time.Time // zero: never
	LastUsed time.Time // zero: never used
	Revoked  time.Time // zero: live
}

// Kinds of Token.
const (
	// TokenBearer: the secret is sent to SCIM as "Authorization: Bearer <secret>".
	TokenBearer = "bearer"
	// TokenOAuth: an OAuth 2.0 client; its id and secret are exchanged at the
	// token endpoint for access tokens (the client credentials grant), which
	// SCIM takes as bearer tokens.
	TokenOAuth = "oauth"
)

// TokenPrefixLen is how many leading characters of a secret form its prefix.
const TokenPrefixLen = 12

// tokenMark starts every secret so that scanners and people can tell what it is.
const tokenMark = "rst_"

// scimClientMark starts every SCIM OAuth client's secret (the host app's
// OAuth clients have their own, in sso.go), accessTokenMark every access
// token issued to one.
const (
	scimClientMark  = "rss_"
	accessTokenMark = "rsa_"
)

// NewTokenSecret returns a fresh secret (tokenMark followed by 256 random bits),
// its prefix and its hash.
func NewTokenSecret() (secret, prefix string, hash []byte) {
	return newSecret(tokenMark)
}

// TokenPrefix returns the prefix of a presented secret, or "" when it cannot be one
// of Roster's SCIM secrets.
func TokenPrefix(secret string) string {
	return secretPrefix(tokenMark, secret)
}

// TokenLen is the length of every secret NewTokenSecret returns.
const TokenLen = len(tokenMark) + 43

// IsTokenShaped reports whether secret starts as Roster's SCIM secrets do,
// whether or not it is long enough to be one.
func IsTokenShaped(secret string) bool {
	return strings.HasPrefix(secret, tokenMark)
}

// NewSCIMClientSecret returns a fresh OAuth client secret, its prefix and its hash.
func NewSCIMClientSecret() (secret, prefix string, hash []byte) {
	return newSecret(scimClientMark)
}

// SCIMClientSecretPrefix returns the prefix of a presented secret, or "" when it
// cannot be an OAuth client's secret.
func SCIMClientSecretPrefix(secret string) string {
	return secretPrefix(scimClientMark, secret)
}

// NewAccessTokenSecret returns a fresh access token, its prefix and its hash.
func NewAccessTokenSecret() (secret, prefix string, hash []byte) {
	return newSecret(accessTokenMark)
}

// AccessTokenPrefix returns the prefix of a presented secret, or "" when it
// cannot be an access token.
func AccessTokenPrefix(secret string) string {
	return secretPrefix(accessTokenMark, secret)
}

// Matches reports, in constant time, whether secret is this token's secret.
func (t *Token) Matches(secret string) bool {
	return hashMatches(t.Hash, secret)
}

// newSecret returns mark followed by 256 random bits, the secret's prefix and its SHA-256.
func newSecret(mark string) (secret, prefix string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it)
	secret = mark + base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(secret))
	return secret, secret[:TokenPrefixLen], sum[:]
}

// secretPrefix returns the prefix of a presented secret, or "" when it cannot be
// a secret that starts with mark.
func secretPrefix(mark, secret string) string {
	if len(secret) < TokenPrefixLen+8 || !strings.HasPrefix(secret, mark) {
		return ""
	}
	return secret[:TokenPrefixLen]
}

// hashMatches reports, in constant time, whether secret hashes to hash.
func hashMatches(hash []byte, secret string) bool {
	sum := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(sum[:], hash) == 1
}

// TokenStore keeps tokens.
type TokenStore interface {
	// CreateToken stores t, filling ID and Created.
	CreateToken(ctx context.Context, t *Token) error
	// TokensByPrefix returns the tokens (live or not) whose prefix is prefix.
	TokensByPrefix(ctx context.Context, prefix string) ([]*Token, error)
	// Token finds a token by id. ENOTFOUND.
	Token(ctx context.Context, id string) (*Token, error)
	// Tokens lists the tenant's tokens, newest first.
	Tokens(ctx context.Context, tenantID string) ([]*Token, error)
	// RevokeToken marks the token revoked. ENOTFOUND.
	RevokeToken(ctx context.Context, id string) error
	// TouchTokens records when tokens were last used, in one write.
	TouchTokens(ctx context.Context, used map[string]time.Time) error
}

// AccessToken is a short-lived SCIM bearer credential issued to an OAuth
// client (a Token of kind TokenOAuth) by the client credentials grant. It
// serves its client's tenant until it expires or the client is revoked.
type AccessToken struct {
	TenantID string
	ClientID string
	// Prefix is the secret's first characters, used to find the token.
	Prefix  string
	Hash    []byte
	Created time.Time
	Expires time.Time
	// Client is the client the token was issued to, as read with it.
	Client *Token
}

// Matches reports, in constant time, whether secret is this access token's secret.
func (a *AccessToken) Matches(secret string) bool {
	return hashMatches(a.Hash, secret)
}

// AccessTokenStore keeps the access tokens issued to OAuth clients.
type AccessTokenStore interface {
	// CreateAccessToken stores a, filling Created. ENOTFOUND when its client
	// does not exist.
	CreateAccessToken(ctx context.Context, a *AccessToken) error
	// AccessTokensByPrefix returns the access tokens (expired or not) whose
	// prefix is prefix, each with its Client.
	AccessTokensByPrefix(ctx context.Context, prefix string) ([]*AccessToken, error)
	// PruneAccessTokens deletes the access tokens that expired before before.
	PruneAccessTokens(ctx context.Context, before time.Time) (int64, error)
}
