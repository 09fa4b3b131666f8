// Package roster holds the vocabulary shared by every part of Roster: tenants,
// users, groups, tokens, events, the error codes, and the small store interfaces
// that the servers consume and the stores implement.
//
// It holds no SQL, no HTTP and no goroutines.
package roster

import (
	"context"
	"time"
)

// Tenant is one customer of the host app: one IdP connection, its own users,
// groups, tokens and settings. Every stored row is keyed by the tenant's id.
type Tenant struct {
	ID      string
	Name    string
	Created time.Time
}

// TenantStore creates and finds tenants.
type TenantStore interface {
	// CreateTenant stores t, filling ID and Created. ECONFLICT if the name is taken.
	CreateTenant(ctx context.Context, t *Tenant) error
	// Tenant finds a tenant by id or by name. ENOTFOUND if there is none.
	Tenant(ctx context.Context, idOrName string) (*Tenant, error)
	// Tenants lists every tenant ordered by name.
	Tenants(ctx context.Context) ([]*Tenant, error)
}

// Clock tells the time. Stores and servers take one so that tests can fix it.
type Clock func() time.Time
