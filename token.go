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

// Token is a SCIM bearer credential of one tenant. Only the SHA-256 hash of the
// secret is stored; the secret itself is shown once, when the token is created.
type Token struct {
	ID       string
	TenantID string
	Name     string
	// Prefix is the secret's first characters: shown in lists and logs, used to find the token.
	Prefix   string
	Hash     []byte
	Created  time.Time
	Expires  time.Time // zero: never
	LastUsed time.Time // zero: never used
	Revoked  time.Time // zero: live
}

// TokenPrefixLen is how many leading characters of a secret form its prefix.
const TokenPrefixLen = 12

// tokenMark starts every secret so that scanners and people can tell what it is.
const tokenMark = "rst_"

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
