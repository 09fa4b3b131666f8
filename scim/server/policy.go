package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/policy"
	"github.com/rosterhq/roster/scim/filter"
	"github.com/rosterhq/roster/scim/schema"
)

// tenantConfig is what a tenant's policy and folders make of its SCIM API: the
// schemas it serves and the rules its user writes pass. A tenantConfig is
// never modified once built.
type tenantConfig struct {
	policy  *policy.Policy
	folders *policy.FolderIndex
	// version is the store's ConfigVersion the config was built from.
	version int64
	// disabled is set when the operator disabled the tenant.
	disabled bool
	// directory is the directory that provisions the tenant, which picks
	// how its documents are read (policy.Policy.Normalize).
	directory roster.Directory
}

// configs caches each tenant's config, checking the store's ConfigVersion at
// most once per Options.ConfigRefresh, so that a policy set from the command
// line applies within that time, without a restart.
type configs struct {
	mu      sync.Mutex
	m       map[string]*tenantConfig
	checked map[string]time.Time
}

const configKey ctxKey = 2

// configOf returns the config the api wrapper put in ctx; the default policy
// when there is none (a request that was never admitted).
func configOf(ctx context.Context) *tenantConfig {
	if c, ok := ctx.Value(configKey).(*tenantConfig); ok {
		return c
	}
	return defaultConfig
}

var defaultConfig = &tenantConfig{policy: policy.Default()}

// registryOf returns the schema registry of r's tenant.
func (s *Server) registryOf(r *http.Request) *schema.Registry {
	return configOf(r.Context()).policy.Registry()
}

// config returns the tenant's config, rebuilding it when the store says its
// policy or folders changed.
func (s *Server) config(ctx context.Context, tenantID string) (*tenantConfig, error) {
	now := s.clock()
	c := &s.configs
	c.mu.Lock()
	cur, last := c.m[tenantID], c.checked[tenantID]
	c.mu.Unlock()
	if cur != nil && s.opts.ConfigRefresh > 0 && now.Sub(last) < s.opts.ConfigRefresh {
		return cur, nil
	}
	v, err := s.store.ConfigVersion(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if cur == nil || cur.version != v {
		if cur, err = s.loadConfig(ctx, tenantID, v); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	if c.m == nil {
		c.m, c.checked = map[string]*tenantConfig{}, map[string]time.Time{}
	}
	if old := c.m[tenantID]; old == nil || old.version <= cur.version {
		c.m[tenantID] = cur
	}
	c.checked[tenantID] = now
	c.mu.Unlock()
	return cur, nil
}

// errTenantDisabled answers every SCIM request of a disabled tenant.
var errTenantDisabled = &roster.Error{Code: roster.EFORBIDDEN, Reason: "tenant_disabled",
	Detail: "this tenant is disabled by the operator of Roster: its requests are refused until it is enabled again; nothing was deleted"}

// loadConfig reads and compiles the tenant's policy and folders.
func (s *Server) loadConfig(ctx context.Context, tenantID string, version int64) (*tenantConfig, error) {
	sp, err := s.store.Policy(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	p, err := policy.Load(sp)
	if err != nil {
		// Policies are validated when set; one that no longer parses was
		// written by another Roster version. Serving it half-applied would
		// store wrong entitlements, so the tenant's requests fail loudly.
		s.log.Error("tenant policy does not parse", "tenant", tenantID, "version", sp.Version, "err", err)
		return nil, roster.Errorf(roster.EINTERNAL, "tenant %s: policy version %d: %v", tenantID, sp.Version, err)
	}
	folders, err := s.store.Folders(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	t, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return &tenantConfig{policy: p, folders: policy.NewFolderIndex(folders), version: version, disabled: t.Disabled,
		directory: t.Settings.Directory}, nil
}

// normalize validates a resource document against the tenant's schemas, as
// the tenant's directory sends it.
func (s *Server) normalize(r *http.Request, resourceType string, doc, prior map[string]any, mode schema.Mode) (map[string]any, error) {
	c := configOf(r.Context())
	return c.policy.Normalize(c.directory, resourceType, doc, prior, mode)
}

// userFromDoc derives the user to store from its normalised document, with
// what the tenant's policy makes of it; a refusal of the policy is an error.
// old is the stored user a write replaces, nil for a create: the policy
// checks what the write changes (policy.Policy.Change) and keeps from the
// IdP what it does not own (policy.Policy.Take). The user is the IdP's from
// then on: a user the host app created is adopted.
func (s *Server) userFromDoc(r *http.Request, old *roster.User, doc map[string]any) (*roster.User, error) {
	cfg := configOf(r.Context())
	method, err := policy.TakeLoginMethod(doc)
	if err != nil {
		return nil, err
	}
	var id string
	var prior map[string]any
	if old != nil {
		id, prior = old.ID, old.Doc
	}
	taken := cfg.policy.Take(old, doc)
	noteIgnored(r, taken)
	u := userFrom(id, doc)
	u.LoginMethod, u.IdP = method, taken.IdP
	o, err := cfg.policy.Change(prior, doc, cfg.folders)
	if err != nil {
		return nil, err
	}
	u.Entitlements, u.Unique = o.Entitlements, o.Unique
	noteWarnings(r, o.Warnings)
	return u, nil
}

// userDoc renders a stored user with the Roster extension (its state in the
// app) and the sign-in extension (its login method).
func (s *Server) userDoc(r *http.Request, u *roster.User, base string) map[string]any {
	cfg := configOf(r.Context())
	doc := userDoc(u, base)
	doc[policy.URN] = cfg.policy.Extension(u, cfg.folders)
	doc[policy.SignInURN] = policy.SignInExtension(u)
	schemas, _ := doc["schemas"].([]any)
	schemas = append(slices.Clip(schemas), policy.URN)
	if !slices.Contains(schemas, any(policy.SignInURN)) {
		schemas = append(schemas, policy.SignInURN)
	}
	doc["schemas"] = schemas
	return doc
}

// isDerived reports whether urn is one of Roster's extensions, which the
// store does not keep in the document.
func isDerived(urn string) bool {
	return strings.EqualFold(urn, policy.URN) || strings.EqualFold(urn, policy.SignInURN)
}

// derived returns the first attribute of f in the Roster extension, whose
// values the policy derives and the store does not hold in the document.
func derived(f filter.Expr) (filter.AttrPath, bool) {
	switch f := f.(type) {
	case *filter.Compare:
		return f.Attr, isDerived(f.Attr.URN)
	case *filter.ValuePath:
		return f.Attr, isDerived(f.Attr.URN)
	case *filter.Not:
		return derived(f.X)
	case *filter.Logical:
		if a, ok := derived(f.Left); ok {
			return a, true
		}
		return derived(f.Right)
	}
	return filter.AttrPath{}, false
}
