package roster

import (
	"context"
	"time"
)

// APIKey is a credential of the host application on the app API (/api/v1). A
// key with a TenantID sees that tenant only; a key without one sees every
// tenant. As with tokens, only the SHA-256 of the secret is stored. SCIM tokens
// and API keys are told apart by their marks and never work in each other's place.
type APIKey struct {
	ID       string
	TenantID string // "": every tenant
	Name     string
	Prefix   string
	Hash     []byte
	Created  time.Time
	LastUsed time.Time // zero: never used
	Revoked  time.Time // zero: live
	// Scope is what the key may do: ScopeRead (the default) or ScopeWrite.
	Scope string
}

// API key scopes. A read key reads; a write key also creates the users the
// app already had and writes the attributes the tenant's policy gives the app.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Writes reports whether the key may use the app API's write routes.
func (k *APIKey) Writes() bool { return k.Scope == ScopeWrite }

// apiKeyMark starts every API key secret.
const apiKeyMark = "rak_"

// NewAPIKeySecret returns a fresh API key secret, its prefix and its hash.
func NewAPIKeySecret() (secret, prefix string, hash []byte) {
	return newSecret(apiKeyMark)
}

// APIKeyPrefix returns the prefix of a presented secret, or "" when it cannot be an API key.
func APIKeyPrefix(secret string) string {
	return secretPrefix(apiKeyMark, secret)
}

// Matches reports, in constant time, whether secret is this key's secret.
func (k *APIKey) Matches(secret string) bool {
	return hashMatches(k.Hash, secret)
}

// Sees reports whether the key may read tenant tenantID.
func (k *APIKey) Sees(tenantID string) bool {
	return k.TenantID == "" || k.TenantID == tenantID
}

// APIKeyStore keeps API keys.
type APIKeyStore interface {
	// CreateAPIKey stores k, filling ID and Created, and Scope when "" (ScopeRead).
	// ENOTFOUND if its tenant does not exist.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeysByPrefix returns the keys (live or not) whose prefix is prefix.
	APIKeysByPrefix(ctx context.Context, prefix string) ([]*APIKey, error)
	// APIKeys lists every key, newest first.
	APIKeys(ctx context.Context) ([]*APIKey, error)
	// APIKey returns one key, live or not. ENOTFOUND.
	APIKey(ctx context.Context, id string) (*APIKey, error)
	// RevokeAPIKey marks the key revoked. ENOTFOUND.
	RevokeAPIKey(ctx context.Context, id string) error
}

// APIKeyQuery selects a page of API keys, newest first.
type APIKeyQuery struct {
	// Search keeps the keys whose name or prefix holds it, in any case ("" keeps every key).
	Search string
	// After is the id of the key the previous page ended at ("" for the first page).
	After string
	Limit int
}

// APIKeyPager reads API keys a page at a time, for lists that must not load
// every key.
type APIKeyPager interface {
	// APIKeyPage returns at most q.Limit keys of q, live or revoked, newest
	// first: by creation time, then id, both descending.
	APIKeyPage(ctx context.Context, q APIKeyQuery) ([]*APIKey, error)
}
