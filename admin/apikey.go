package admin

import (
	"context"

	"github.com/rosterhq/roster"
)

// APIKey is an API key of the app API as operators see it: the key without
// its hash, and the name of the tenant it may read.
type APIKey struct {
	*roster.APIKey
	// Tenant is the name of the tenant the key may read, "" when it reads
	// every tenant (or the tenant's id when no tenant has it any more).
	Tenant string
}

// CreateAPIKey issues an API key named name that may read the tenant
// tenantIDOrName, or every tenant when it is "", and returns its secret —
// shown once, never stored — and the key. scope is roster.ScopeRead ("" too)
// or roster.ScopeWrite, which may also create the users the app had and
// write the attributes the policy gives the app. ENOTFOUND; EINVALID for
// another scope.
func (s *Service) CreateAPIKey(ctx context.Context, tenantIDOrName, name, scope string) (string, *APIKey, error) {
	switch scope {
	case "":
		scope = roster.ScopeRead
	case roster.ScopeRead, roster.ScopeWrite:
	default:
		return "", nil, roster.Errorf(roster.EINVALID, "API key scope %q: want read or write", scope)
	}
	k := &roster.APIKey{Name: name, Scope: scope}
	var t *roster.Tenant
	if tenantIDOrName != "" {
		var err error
		if t, err = s.store.Tenant(ctx, tenantIDOrName); err != nil {
			return "", nil, err
		}
		k.TenantID = t.ID
	}
	secret, prefix, hash := roster.NewAPIKeySecret()
	k.Prefix, k.Hash = prefix, hash
	if err := s.store.CreateAPIKey(ctx, k); err != nil {
		return "", nil, err
	}
	k.Hash = nil
	listed := &APIKey{APIKey: k}
	if t != nil {
		listed.Tenant = t.Name
	}
	return secret, listed, s.audit(ctx, change{action: "apikey.create", tenant: t, target: k.ID, after: apiKeyStateOf(k)})
}

// APIKeys lists every API key, newest first, each with the name of its
// tenant, without their hashes.
func (s *Service) APIKeys(ctx context.Context) ([]*APIKey, error) {
	ks, err := s.store.APIKeys(ctx)
	if err != nil {
		return nil, err
	}
	names, err := s.readTenantNames(ctx)
	if err != nil {
		return nil, err
	}
	listed := make([]*APIKey, len(ks))
	for i, k := range ks {
		k.Hash = nil
		listed[i] = &APIKey{APIKey: k, Tenant: names.of(k.TenantID)}
	}
	return listed, nil
}

// RevokeAPIKey revokes the API key id; revoking it again keeps the first
// time. ENOTFOUND.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) error {
	k, err := s.store.APIKey(ctx, id)
	if err != nil {
		return err
	}
	t, err := s.tenantOf(ctx, k.TenantID)
	if err != nil {
		return err
	}
	if err := s.store.RevokeAPIKey(ctx, id); err != nil {
		return err
	}
	return s.audit(ctx, change{action: "apikey.revoke", tenant: t, target: id, before: apiKeyStateOf(k)})
}

// tenantNames maps tenant ids to names.
type tenantNames map[string]string

// readTenantNames reads the names of every tenant at once, so that a list names
// the tenant of each row without a lookup per row.
func (s *Service) readTenantNames(ctx context.Context) (tenantNames, error) {
	ts, err := s.store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	names := make(tenantNames, len(ts))
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	return names, nil
}

// of returns the name of the tenant id: "" for none (every tenant), the id
// itself when no tenant has it.
func (n tenantNames) of(id string) string {
	if name, ok := n[id]; ok || id == "" {
		return name
	}
	return id
}

// tenantOf returns the tenant id for an audit row, nil when id is "" (an
// action on every tenant).
func (s *Service) tenantOf(ctx context.Context, id string) (*roster.Tenant, error) {
	if id == "" {
		return nil, nil
	}
	return s.store.Tenant(ctx, id)
}

// apiKeyState is what the audit trail records of an API key: never its
// secret or hash, only its prefix.
type apiKeyState struct {
	ID     string `json:"id"`
	Prefix string `json:"prefix"`
	Name   string `json:"name,omitempty"`
	Scope  string `json:"scope"`
}

func apiKeyStateOf(k *roster.APIKey) apiKeyState {
	return apiKeyState{ID: k.ID, Prefix: k.Prefix, Name: k.Name, Scope: k.Scope}
}
