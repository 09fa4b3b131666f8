package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosterhq/roster"
)

func testTokens(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")
	secret, prefix, hash := roster.NewTokenSecret()
	first := &roster.Token{TenantID: tn.ID, Name: "entra", Prefix: prefix, Hash: hash}
	if err := s.CreateToken(ctx, first); err != nil {
		t.Fatalf("CreateToken = %v", err)
	}
	if first.ID == "" || first.Created.IsZero() || first.Kind != roster.TokenBearer {
		t.Fatalf("CreateToken left ID %q, Created %v, Kind %q", first.ID, first.Created, first.Kind)
	}
	_, prefix2, hash2 := roster.NewTokenSecret()
	expires := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC) // stores keep microseconds
	second := &roster.Token{TenantID: tn.ID, Name: "rotation", Prefix: prefix2, Hash: hash2, Expires: expires}
	if err := s.CreateToken(ctx, second); err != nil {
		t.Fatalf("CreateToken = %v", err)
	}
	_, prefix3, hash3 := roster.NewTokenSecret()
	if err := s.CreateToken(ctx, &roster.Token{TenantID: other.ID, Prefix: prefix3, Hash: hash3}); err != nil {
		t.Fatalf("CreateToken(other tenant) = %v", err)
	}

	byID, err := s.Token(ctx, second.ID)
	if err != nil {
		t.Fatalf("Token(id) = %v", err)
	}
	if diff := cmp.Diff(second, byID); diff != "" {
		t.Errorf("Token(id) (-want +got):\n%s", diff)
	}
	_, err = s.Token(ctx, "no-such-token")
	wantCode(t, "Token(unknown)", err, roster.ENOTFOUND)

	found, err := s.TokensByPrefix(ctx, roster.TokenPrefix(secret))
	if err != nil {
		t.Fatalf("TokensByPrefix = %v", err)
	}
	if len(found) != 1 || !found[0].Matches(secret) {
		t.Fatalf("TokensByPrefix(%q) = %v, want the one token matching the secret", prefix, found)
	}
	if diff := cmp.Diff(first, found[0]); diff != "" {
		t.Errorf("TokensByPrefix mismatch (-want +got):\n%s", diff)
	}
	if found, err := s.TokensByPrefix(ctx, "rst_nothing1"); err != nil || len(found) != 0 {
		t.Errorf("TokensByPrefix(unknown) = %v, %v, want none", found, err)
	}

	list, err := s.Tokens(ctx, tn.ID)
	if err != nil {
		t.Fatalf("Tokens = %v", err)
	}
	if diff := cmp.Diff([]*roster.Token{second, first}, list); diff != "" {
		t.Errorf("Tokens (newest first) mismatch (-want +got):\n%s", diff)
	}

	if err := s.RevokeToken(ctx, first.ID); err != nil {
		t.Fatalf("RevokeToken = %v", err)
	}
	wantCode(t, "RevokeToken(unknown)", s.RevokeToken(ctx, "no-such-token"), roster.ENOTFOUND)
	used := time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC)
	if err := s.TouchTokens(ctx, map[string]time.Time{second.ID: used, "no-such-token": used}); err != nil {
		t.Fatalf("TouchTokens = %v", err)
	}
	list, err = s.Tokens(ctx, tn.ID)
	if err != nil {
		t.Fatalf("Tokens = %v", err)
	}
	if len(list) != 2 || list[1].Revoked.IsZero() || !list[0].Revoked.IsZero() {
		t.Fatalf("after RevokeToken, Tokens = %+v, want only the first revoked", list)
	}
	if !list[0].LastUsed.Equal(used) || !list[1].LastUsed.IsZero() {
		t.Errorf("after TouchTokens, LastUsed = %v and %v, want %v and zero", list[0].LastUsed, list[1].LastUsed, used)
	}
	if !list[0].Expires.Equal(expires) {
		t.Errorf("Expires = %v, want %v", list[0].Expires, expires)
	}
}

// testAccessTokens checks the access tokens of OAuth clients: found by prefix
// with their client as it is now (revoked at once), refused for a client
// that does not exist, pruned once expired, gone with their tenant.
func testAccessTokens(t *testing.T, s roster.Store) {
	ctx := context.Background()
	tn := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")
	_, cprefix, chash := roster.NewSCIMClientSecret()
	client := &roster.Token{TenantID: tn.ID, Name: "okta", Kind: roster.TokenOAuth, Prefix: cprefix, Hash: chash}
	if err := s.CreateToken(ctx, client); err != nil {
		t.Fatalf("CreateToken(oauth) = %v", err)
	}
	if got, err := s.Token(ctx, client.ID); err != nil || got.Kind != roster.TokenOAuth {
		t.Fatalf("Token(client) = %+v, %v, want kind oauth", got, err)
	}

	expires := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)
	secret, prefix, hash := roster.NewAccessTokenSecret()
	a := &roster.AccessToken{TenantID: tn.ID, ClientID: client.ID, Prefix: prefix, Hash: hash, Expires: expires}
	if err := s.CreateAccessToken(ctx, a); err != nil {
		t.Fatalf("CreateAccessToken = %v", err)
	}
	_, p2, h2 := roster.NewAccessTokenSecret()
	early := &roster.AccessToken{TenantID: tn.ID, ClientID: client.ID, Prefix: p2, Hash: h2, Expires: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.CreateAccessToken(ctx, early); err != nil {
		t.Fatalf("CreateAccessToken(expired) = %v", err)
	}
	_, p3, h3 := roster.NewAccessTokenSecret()
	err := s.CreateAccessToken(ctx, &roster.AccessToken{TenantID: tn.ID, ClientID: "no-such-client", Prefix: p3, Hash: h3, Expires: expires})
	wantCode(t, "CreateAccessToken(unknown client)", err, roster.ENOTFOUND)
	err = s.CreateAccessToken(ctx, &roster.AccessToken{TenantID: other.ID, ClientID: client.ID, Prefix: p3, Hash: h3, Expires: expires})
	wantCode(t, "CreateAccessToken(another tenant's client)", err, roster.ENOTFOUND)

	found, err := s.AccessTokensByPrefix(ctx, roster.AccessTokenPrefix(secret))
	if err != nil {
		t.Fatalf("AccessTokensByPrefix = %v", err)
	}
	if len(found) != 1 || !found[0].Matches(secret) {
		t.Fatalf("AccessTokensByPrefix(%q) = %v, want the one token matching the secret", prefix, found)
	}
	a.Client = client
	if diff := cmp.Diff(a, found[0]); diff != "" {
		t.Errorf("AccessTokensByPrefix mismatch (-want +got):\n%s", diff)
	}

	if err := s.RevokeToken(ctx, client.ID); err != nil {
		t.Fatalf("RevokeToken(client) = %v", err)
	}
	found, err = s.AccessTokensByPrefix(ctx, prefix)
	if err != nil || len(found) != 1 || found[0].Client.Revoked.IsZero() {
		t.Fatalf("after revoking the client, AccessTokensByPrefix = %v, %v, want its client revoked", found, err)
	}

	n, err := s.PruneAccessTokens(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 1 {
		t.Fatalf("PruneAccessTokens = %d, %v, want the expired one deleted", n, err)
	}
	if found, err := s.AccessTokensByPrefix(ctx, p2); err != nil || len(found) != 0 {
		t.Errorf("after pruning, AccessTokensByPrefix(expired) = %v, %v, want none", found, err)
	}
	if err := s.DeleteTenant(ctx, tn.ID); err != nil {
		t.Fatalf("DeleteTenant = %v", err)
	}
	if found, err := s.AccessTokensByPrefix(ctx, prefix); err != nil || len(found) != 0 {
		t.Errorf("after DeleteTenant, AccessTokensByPrefix = %v, %v, want none", found, err)
	}
}
