package admin

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/rosterhq/roster"
)

// DefaultTenant is the name of the tenant first start creates.
const DefaultTenant = "default"

// CreateTenant creates the tenant name, shown to people as displayName ("" for
// none). EINVALID for a name that is not a slug (CheckTenantName) or a display
// name too long (CheckTenantDisplayName), ECONFLICT when the name is taken.
func (s *Service) CreateTenant(ctx context.Context, name, displayName string) (*roster.Tenant, error) {
	if err := CheckTenantName(name); err != nil {
		return nil, err
	}
	if err := CheckTenantDisplayName(displayName); err != nil {
		return nil, err
	}
	t := &roster.Tenant{Name: name, DisplayName: displayName}
	if err := s.store.CreateTenant(ctx, t); err != nil {
		return nil, err
	}
	return t, s.audit(ctx, change{action: "tenant.create", tenant: t, after: stateOf(t)})
}

// Tenant finds a tenant by id or name. ENOTFOUND.
func (s *Service) Tenant(ctx context.Context, idOrName string) (*roster.Tenant, error) {
	return s.store.Tenant(ctx, idOrName)
}

// StatsWindow is how far back TenantWithStats counts a tenant's requests.
const StatsWindow = 24 * time.Hour

// TenantWithStats finds a tenant by id or name with its figures: live users
// and groups, tokens, its latest requests and Test Connection, and its
// requests, failures and throttled requests over the last StatsWindow.
// ENOTFOUND.
func (s *Service) TenantWithStats(ctx context.Context, idOrName string) (*roster.Tenant, roster.TenantStats, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, roster.TenantStats{}, err
	}
	stats, err := s.store.TenantStats(ctx, []string{t.ID}, s.now().Add(-StatsWindow))
	if err != nil {
		return nil, roster.TenantStats{}, err
	}
	return t, stats[t.ID], nil
}

// Tenants lists every tenant ordered by name.
func (s *Service) Tenants(ctx context.Context) ([]*roster.Tenant, error) {
	return s.store.Tenants(ctx)
}

// TenantUpdate names what an update changes; a nil field keeps its value.
type TenantUpdate struct {
	DisplayName  *string  // free text; "" clears it
	Rate         *float64 // requests per second; 0: the server's default
	Burst        *int     // requests at once; 0: the server's default
	Organization *string  // the host app's id for the customer; "" clears it
	Domains      []string // verified email domains, replacing the list, when SetDomains
	SetDomains   bool
	// Directory is the directory that provisions the tenant, one of
	// roster.Directories; "" clears the choice.
	Directory *roster.Directory
}

// UpdateTenant applies u to the tenant idOrName and returns the tenant as
// updated, in one audit row (tenant.update). ENOTFOUND, EINVALID (settings no
// server could apply, a directory not among roster.Directories, a bad
// domain), ECONFLICT (an organization another tenant has). Running servers
// apply a new directory within their config refresh.
func (s *Service) UpdateTenant(ctx context.Context, idOrName string, u TenantUpdate) (*roster.Tenant, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	before := stateOf(t)
	if u.DisplayName != nil {
		if err := CheckTenantDisplayName(*u.DisplayName); err != nil {
			return nil, err
		}
	}
	set := t.Settings
	if u.Rate != nil {
		set.RateLimit.Rate = *u.Rate
	}
	if u.Burst != nil {
		set.RateLimit.Burst = *u.Burst
	}
	if u.Directory != nil {
		set.Directory = *u.Directory
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.UpdateTenantSettings(ctx, t.ID, set); err != nil {
		return nil, err
	}
	t.Settings = set
	if u.DisplayName != nil {
		if err := s.store.SetTenantDisplayName(ctx, t.ID, *u.DisplayName); err != nil {
			return nil, err
		}
		t.DisplayName = *u.DisplayName
	}
	if u.Organization != nil {
		if err := s.store.SetTenantOrganization(ctx, t.ID, *u.Organization); err != nil {
			return nil, err
		}
		t.Organization = *u.Organization
	}
	after := stateOf(t)
	if u.SetDomains {
		if err := s.store.SetTenantDomains(ctx, t.ID, u.Domains); err != nil {
			return nil, err
		}
		after.Domains = u.Domains
	}
	return t, s.audit(ctx, change{action: "tenant.update", tenant: t, before: before, after: after})
}

// DisableTenant disables the tenant idOrName: servers refuse its SCIM requests
// (403) and sign-ins within their config refresh (a second by default), while
// its rows, its tokens, the app API and its events stay. ENOTFOUND.
func (s *Service) DisableTenant(ctx context.Context, idOrName string) (*roster.Tenant, error) {
	return s.setDisabled(ctx, idOrName, true)
}

// EnableTenant enables the tenant idOrName again. ENOTFOUND.
func (s *Service) EnableTenant(ctx context.Context, idOrName string) (*roster.Tenant, error) {
	return s.setDisabled(ctx, idOrName, false)
}

func (s *Service) setDisabled(ctx context.Context, idOrName string, disabled bool) (*roster.Tenant, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	before := stateOf(t)
	if err := s.store.SetTenantDisabled(ctx, t.ID, disabled); err != nil {
		return nil, err
	}
	t.Disabled = disabled
	action := "tenant.enable"
	if disabled {
		action = "tenant.disable"
	}
	return t, s.audit(ctx, change{action: action, tenant: t, before: before, after: stateOf(t)})
}

// DeleteTenant deletes the tenant idOrName and every row of it, for good.
// confirm must repeat the tenant's name exactly, so that a mistyped or
// reused command line deletes nothing. ENOTFOUND, EINVALID when confirm is
// not the name.
func (s *Service) DeleteTenant(ctx context.Context, idOrName, confirm string) (*roster.Tenant, error) {
	t, err := s.store.Tenant(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(confirm), []byte(t.Name)) != 1 {
		return nil, roster.Errorf(roster.EINVALID, "deleting tenant %q deletes all its users, groups, tokens, events and logs: confirm with its name (--confirm %s)", t.Name, t.Name)
	}
	if err := s.store.DeleteTenant(ctx, t.ID); err != nil {
		return nil, err
	}
	return t, s.audit(ctx, change{action: "tenant.delete", tenant: t, before: stateOf(t)})
}

// FirstStart creates tenant "default" and its first token when the store has
// no tenant yet, and returns the tenant and the token's secret. When there is a
// tenant already (or another process created it first) it returns nil and "".
func (s *Service) FirstStart(ctx context.Context) (*roster.Tenant, string, error) {
	tenants, err := s.store.Tenants(ctx)
	if err != nil {
		return nil, "", err
	}
	if len(tenants) > 0 {
		return nil, "", nil
	}
	t := &roster.Tenant{Name: DefaultTenant}
	if err := s.store.CreateTenant(ctx, t); err != nil {
		if roster.ErrorCode(err) == roster.ECONFLICT {
			return nil, "", nil // another process created it first
		}
		return nil, "", err
	}
	if err := s.audit(ctx, change{action: "tenant.create", tenant: t, after: stateOf(t)}); err != nil {
		return nil, "", err
	}
	secret, _, err := s.issueToken(ctx, t, "first token", 0)
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}
