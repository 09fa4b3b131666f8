package admin

import (
	"context"
	"time"

	"github.com/rosterhq/roster"
)

// CreateToken issues a SCIM token for the tenant idOrName, named name, living
// ttl (0: forever), and returns its secret — shown once, never stored — and the
// token. ENOTFOUND, EINVALID for a negative ttl.
func (s *Service) CreateToken(ctx context.Context, idOrName, name string, ttl time.Duration) (string, *roster.Token, error) {
	if ttl < 0 {
		return "", nil, roster.Errorf(roster.EINVALID, "token lifetime %s: want a positive duration, or none for never", ttl)
	}
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return "", nil, err
	}
	return s.issueToken(ctx, t, name, ttl)
}

// CreateOAuthClient issues an OAuth 2.0 client of the tenant idOrName for its
// SCIM API, named name: its id (the token's ID) and secret are exchanged at
// the token endpoint for access tokens (RFC 6749 §4.4). It returns the
// secret — shown once, never stored — and the client, listed and revoked as
// a token. ENOTFOUND.
func (s *Service) CreateOAuthClient(ctx context.Context, idOrName, name string) (string, *roster.Token, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return "", nil, err
	}
	secret, prefix, hash := roster.NewSCIMClientSecret()
	return s.storeToken(ctx, t, secret, &roster.Token{TenantID: t.ID, Name: name, Kind: roster.TokenOAuth, Prefix: prefix, Hash: hash})
}

// issueToken creates a token for tenant t and returns its secret.
func (s *Service) issueToken(ctx context.Context, t *roster.Tenant, name string, ttl time.Duration) (string, *roster.Token, error) {
	secret, prefix, hash := roster.NewTokenSecret()
	tok := &roster.Token{TenantID: t.ID, Name: name, Kind: roster.TokenBearer, Prefix: prefix, Hash: hash}
	if ttl > 0 {
		tok.Expires = s.now().Add(ttl)
	}
	return s.storeToken(ctx, t, secret, tok)
}

// storeToken stores tok, a token of tenant t, and audits it.
func (s *Service) storeToken(ctx context.Context, t *roster.Tenant, secret string, tok *roster.Token) (string, *roster.Token, error) {
	if err := s.store.CreateToken(ctx, tok); err != nil {
		return "", nil, err
	}
	return secret, tok, s.audit(ctx, change{action: "token.create", tenant: t, target: tok.ID, after: tokenStateOf(tok)})
}

// Tokens lists the tokens of the tenant idOrName, newest first. ENOTFOUND.
func (s *Service) Tokens(ctx context.Context, idOrName string) (*roster.Tenant, []*roster.Token, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	toks, err := s.store.Tokens(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	return t, toks, nil
}

// TokenStatus says whether k is "live", "expired" or revoked (with when).
func (s *Service) TokenStatus(k *roster.Token) string {
	switch {
	case !k.Revoked.IsZero():
		return "revoked " + k.Revoked.UTC().Format("2006-01-02 15:04")
	case !k.Expires.IsZero() && s.now().After(k.Expires):
		return "expired"
	}
	return "live"
}

// RevokeToken revokes the token id; revoking it again keeps the first time. ENOTFOUND.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	k, err := s.store.Token(ctx, id)
	if err != nil {
		return err
	}
	t, err := s.store.Tenant(ctx, k.TenantID)
	if err != nil {
		return err
	}
	return s.revokeToken(ctx, t, k)
}

// RevokeTenantToken revokes the token id of the tenant idOrName. A token of
// another tenant is not found, so a page scoped to one tenant cannot reach
// another's. ENOTFOUND.
func (s *Service) RevokeTenantToken(ctx context.Context, idOrName, id string) error {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return err
	}
	k, err := s.store.Token(ctx, id)
	if err == nil && k.TenantID != t.ID {
		err = roster.Errorf(roster.ENOTFOUND, "tenant %s has no token %s", t.Name, id)
	}
	if err != nil {
		return err
	}
	return s.revokeToken(ctx, t, k)
}

func (s *Service) revokeToken(ctx context.Context, t *roster.Tenant, k *roster.Token) error {
	if err := s.store.RevokeToken(ctx, k.ID); err != nil {
		return err
	}
	return s.audit(ctx, change{action: "token.revoke", tenant: t, target: k.ID, before: tokenStateOf(k)})
}
